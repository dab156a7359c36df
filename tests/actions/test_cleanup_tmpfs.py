"""A disk filled by corrupted/ (a small tmpfs mounted as root) gets its space back through the
monitor -> diagnosis -> executor -> pipeline cleanup, without touching input/ or unshipped files."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from vvai.actions import journal
from vvai.monitor.config import parse_config
from vvai.runtime import build_service

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("mount") is None,
                                reason="needs root to mount a tmpfs")


@pytest.fixture
def tmpfs(tmp_path: Path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {p.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_full_disk_gets_space_back_from_corrupted_only(tmp_path: Path, tmpfs: Path) -> None:
    root = tmpfs
    for d in ("input", "processed", "corrupted", "logs"):
        (root / d).mkdir()
    old = time.time() - 10 * 86400
    for i in range(7):  # 3.5 MiB of old quarantined junk
        f = root / "corrupted" / f"junk{i}.mp4"
        f.write_bytes(os.urandom(512 * 1024))
        os.utime(f, (old + i, old + i))
    (root / "input" / "cam9.mp4").write_bytes(os.urandom(300 * 1024))  # waiting to be scanned
    (root / "processed" / "cam8.analytic.json").write_bytes(b"{}" * 50_000)  # never shipped
    kept = {p: p.read_bytes() for p in (root / "input" / "cam9.mp4", root / "processed" / "cam8.analytic.json")}
    u = shutil.disk_usage(root)
    assert (u.total - u.free) / u.total > 0.92, "the tmpfs must start nearly full"
    cfg = parse_config({"pipeline": {"root": str(root)}, "engine": {"enabled": False, "components": ["scene_scanner"]},
                        "store": {"path": str(tmp_path / "monitor.db")}, "metrics": {"enabled": False},
                        "actions": {"mode": "suggest", "policy": {"cleanup": "auto"}, "limits": {"settle_s": 0}}})
    svc = build_service(cfg)
    try:
        res = svc.once(600)
        disk = [i for i in res.incidents if i["category"] == "disk_full"]
        assert disk, res.to_json()
        rem = disk[0]["remediation"]
        assert [(r["type"], r["target"], r["status"]) for r in rem] == [("cleanup", "corrupted", "effective")], rem
        row = journal.select(svc.store, type="cleanup")[0]
        freed = row["result"]["removed"]
        assert freed and all(r["file"].startswith("corrupted/") for r in freed)
    finally:
        svc.store.close()
    u = shutil.disk_usage(root)
    assert (u.total - u.free) / u.total < 0.92
    assert all(p.read_bytes() == data for p, data in kept.items())
    left = sorted(p.name for p in (root / "corrupted").iterdir())
    assert "junk6.mp4" in left  # oldest first, and no more than needed
