"""Cleanup: age/size policies, the shipped ledger, dry-run, and symlink traps."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from vvai.common.errors import ConfigError
from vvai.pipeline.cleanup import CleanupPolicy, cleanup, parse_size
from vvai.pipeline.exporter import Exporter, ExportOptions
from vvai.pipeline.layout import Layout
from vvai.pipeline.signature import SignatureFile
from vvai.pipeline.targets import FolderTarget
from vvai.pipeline.verifier import verify

DAY = 86400.0


def _age(path: Path, days: float) -> None:
    t = time.time() - days * DAY
    os.utime(path, (t, t), follow_symlinks=False)


def _tree(layout: Layout) -> set[str]:
    return {p.relative_to(layout.root).as_posix() for p in layout.root.rglob("*") if not p.name.startswith(".")}


def test_parse_size() -> None:
    assert parse_size("500M") == 500_000_000 and parse_size("2GiB") == 2 * 2**30 and parse_size("17") == 17
    with pytest.raises(ConfigError):
        parse_size("lots")


def test_symlinks_are_never_followed_nor_deleted(scanned: Layout, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    precious = outside / "precious.mp4"
    precious.write_bytes(b"x" * 1000)
    (outside / "sub").mkdir()
    (outside / "sub" / "deep.log.1").write_text("keep me")
    _age(precious, 400)
    _age(outside / "sub" / "deep.log.1", 400)
    (scanned.processed / "trap.mp4").symlink_to(precious)
    (scanned.corrupted / "dirtrap").symlink_to(outside / "sub")
    (scanned.logs / "app.log.9").symlink_to(outside / "sub" / "deep.log.1")
    for link in ("processed/trap.mp4", "corrupted/dirtrap", "logs/app.log.9"):
        _age(scanned.root / link, 400)
    for p in list(scanned.processed.iterdir()) + list(scanned.corrupted.iterdir()):
        _age(p, 100)
    report = cleanup(scanned, CleanupPolicy(max_age_days=1, require_shipped=False))
    assert precious.read_bytes() == b"x" * 1000 and (outside / "sub" / "deep.log.1").read_text() == "keep me"
    for link in ("processed/trap.mp4", "corrupted/dirtrap", "logs/app.log.9"):
        assert (scanned.root / link).is_symlink()
    assert {s["file"] for s in report.skipped} == {"processed/trap.mp4", "corrupted/dirtrap", "logs/app.log.9"}
    assert len(report.removed) == 12  # every real file was old enough
    assert sorted(p.name for p in scanned.processed.iterdir()) == ["trap.mp4"]


@pytest.mark.parametrize("folder", ["logs", "corrupted"])
def test_folder_resolving_outside_the_root_is_refused(scanned: Layout, tmp_path: Path, folder: str) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "app.log.1").write_text("not ours")
    (outside / "old.mp4").write_text("not ours")
    real = scanned.root / folder
    real.rename(scanned.root / f"{folder}.real")
    real.symlink_to(outside)
    before = _tree(scanned)
    with pytest.raises(ConfigError, match="refusing"):
        cleanup(scanned, CleanupPolicy(max_age_days=0, require_shipped=False))
    assert sorted(p.name for p in outside.iterdir()) == ["app.log.1", "old.mp4"]
    assert _tree(scanned) == before  # refused before deleting anything anywhere


def test_unknown_folder_refused(scanned: Layout) -> None:
    for bad in ("input", "../etc"):
        with pytest.raises(ConfigError):
            cleanup(scanned, CleanupPolicy(max_age_days=0, folders=(bad,)))


def test_age_policy_and_live_logs(scanned: Layout) -> None:
    scanned.app_log.write_text("live\n")
    scanned.verifier_output.write_text("{}")
    (scanned.logs / "app.log.1").write_text("rotated")
    (scanned.logs / "app.log.2.gz").write_bytes(b"gz")
    for p in scanned.logs.iterdir():
        _age(p, 30)
    _age(scanned.corrupted / "truncated.mkv", 30)
    report = cleanup(scanned, CleanupPolicy(max_age_days=7))
    removed = {r["file"] for r in report.removed}
    assert removed == {"logs/app.log.1", "logs/app.log.2.gz", "corrupted/truncated.mkv"}
    assert scanned.verifier_output.exists() and scanned.app_log.exists()
    assert (scanned.corrupted / "truncated.reason.json").exists()  # young
    assert verify(scanned).ok  # deleted files were dropped from the signature, the rest still match


def test_size_policy_deletes_oldest_first(scanned: Layout) -> None:
    corrupted = sorted(scanned.corrupted.iterdir())
    for i, p in enumerate(corrupted):
        _age(p, 10 - i)  # first listed is the oldest
    sizes = {p.name: p.stat().st_size for p in corrupted}
    total = sum(p.stat().st_size for p in scanned.processed.iterdir()) + sum(sizes.values())
    budget = total - sizes[corrupted[0].name] - 1  # must free just over the oldest file
    report = cleanup(scanned, CleanupPolicy(max_total_bytes=budget, folders=("processed", "corrupted")))
    assert [r["file"] for r in report.removed] == [f"corrupted/{corrupted[0].name}", f"corrupted/{corrupted[1].name}"]
    assert all(r["reason"] == "size" for r in report.removed)
    assert report.total_after <= budget and not report.over_budget


def test_unshipped_processed_files_are_kept_until_exported(scanned: Layout, tmp_path: Path) -> None:
    for p in scanned.processed.iterdir():
        _age(p, 60)
    policy = CleanupPolicy(max_age_days=1, folders=("processed",))
    report = cleanup(scanned, policy)
    assert report.removed == [] and len(report.kept_unshipped) == 6
    Exporter(scanned, FolderTarget(tmp_path / "remote"), ExportOptions(include_videos=False)).run()
    report = cleanup(scanned, policy)
    # analytics are shipped, so they go; the videos were not shipped and stay
    assert sorted(r["file"] for r in report.removed) == [f"processed/sample_0{i}.analytic.json" for i in range(3)]
    assert sorted(p.name for p in scanned.processed.iterdir()) == ["sample_00.mp4", "sample_01.mkv", "sample_02.mp4"]
    assert "processed/sample_00.analytic.json" not in SignatureFile(scanned.signature).files()


def test_file_changed_after_shipping_is_kept(scanned: Layout, tmp_path: Path) -> None:
    Exporter(scanned, FolderTarget(tmp_path / "remote"), ExportOptions()).run()
    changed = scanned.processed / "sample_01.analytic.json"
    changed.write_text(changed.read_text().replace('"index": 1', '"index": 7'))  # same size, new bytes
    for p in scanned.processed.iterdir():
        _age(p, 60)
    report = cleanup(scanned, CleanupPolicy(max_age_days=1, folders=("processed",)))
    assert report.kept_unshipped == ["processed/sample_01.analytic.json"]
    assert sorted(p.name for p in scanned.processed.iterdir()) == ["sample_01.analytic.json"]


def test_dry_run_deletes_nothing(scanned: Layout) -> None:
    for p in list(scanned.processed.iterdir()) + list(scanned.corrupted.iterdir()):
        _age(p, 60)
    before = _tree(scanned)
    sig_before = scanned.signature.read_bytes()
    report = cleanup(scanned, CleanupPolicy(max_age_days=1, require_shipped=False, dry_run=True))
    assert len(report.removed) == 12 and report.dry_run
    assert _tree(scanned) == before and scanned.signature.read_bytes() == sig_before
