"""Hostile bundles through the real CLI: a one-line error or a warning, never a traceback, never a
line of a file outside the bundle (issue 8: escapes, tracebacks, accepted without a word)."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

from tests.monitor.test_bundle_builders import dts, meta, ts


def _vvai(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vvai", *args], capture_output=True, text=True, timeout=120)


def _bundle(root: Path, m: dict | None = None) -> Path:
    (root / "logs").mkdir(parents=True)
    (root / "bundle.json").write_text(json.dumps(m or meta()))
    (root / "logs" / "scene_scanner.log").write_text(f"{dts(1)} scanner up\n")
    return root


def _one_line_error(r: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    assert r.returncode != 0 and len([x for x in r.stderr.splitlines() if x.strip()]) <= 2, r.stderr


def test_symlinks_out_of_the_bundle_are_never_followed(tmp_path):
    secret = tmp_path / "outside.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash ERROR MemoryError killed\n")
    b = _bundle(tmp_path / "b")
    (b / "logs" / "scene_summarizer.log").symlink_to(secret)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "verify.log").write_text(f"MISMATCH x.mp4 expected={'a' * 64} actual={'b' * 64}\n")
    (b / "files").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    r = _vvai("monitor", "diagnose", str(b), "--json")
    assert r.returncode == 0, r.stderr
    assert "root:x:0:0" not in r.stdout and "MISMATCH" not in r.stdout
    assert json.loads(r.stdout) == {"incidents": []}
    assert "symbolic link" in r.stderr


def test_deeply_nested_bundle_json_is_a_one_line_error(tmp_path):
    b = _bundle(tmp_path / "b")
    (b / "bundle.json").write_text("[" * 100_000)
    r = _vvai("monitor", "diagnose", str(b))
    _one_line_error(r)
    assert "bundle.json" in r.stderr and "nested" in r.stderr


def test_a_deeply_nested_jsonl_line_is_skipped_and_counted(tmp_path):
    b = _bundle(tmp_path / "b")
    (b / "events.jsonl").write_text("[" * 60_000 + "\n")
    r = _vvai("monitor", "diagnose", str(b), "--json")
    assert r.returncode == 0 and "Traceback" not in r.stderr and "events.jsonl" in r.stderr


def test_a_window_that_ends_before_it_starts_is_an_error(tmp_path):
    m = meta()
    m["window"] = {"start": ts(60), "end": ts(0)}
    r = _vvai("monitor", "diagnose", str(_bundle(tmp_path / "b", m)))
    _one_line_error(r)
    assert "ends" in r.stderr and "before it starts" in r.stderr


def test_timestamps_without_a_zone_are_read_as_utc_with_a_warning(tmp_path):
    m = meta()
    m["window"] = {"start": "2026-11-20T09:00:00", "end": "2026-11-20T10:00:00"}
    b = _bundle(tmp_path / "b", m)
    (b / "stats.jsonl").write_text(json.dumps({"ts": "2026-11-20T09:30:00", "component": "scene_scanner",
                                               "cpu_percent": 1.0, "mem_bytes": 1}) + "\n")
    r = _vvai("monitor", "diagnose", str(b), "--json")
    assert r.returncode == 0 and "without a zone" in r.stderr and "stats.jsonl" in r.stderr


def test_a_cut_archive_is_diagnosed_but_said_and_non_zero_unless_partial_ok(tmp_path):
    b = _bundle(tmp_path / "b")
    (b / "logs" / "scene_summarizer.log").write_text("".join(f"{dts(2)} line {k} " + "x" * 200 + "\n"
                                                             for k in range(3000)))
    tgz = tmp_path / "b.tar.gz"
    with tarfile.open(tgz, "w:gz") as tar:
        tar.add(b / "bundle.json", arcname="bundle/bundle.json")
        tar.add(b / "logs", arcname="bundle/logs")
    data = tgz.read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[: len(data) // 2])
    r = _vvai("monitor", "diagnose", str(cut), "--json")
    assert r.returncode == 1 and "cut short" in r.stderr and "Traceback" not in r.stderr
    assert json.loads(r.stdout) == {"incidents": []}  # what could be read was diagnosed
    r = _vvai("monitor", "diagnose", str(cut), "--json", "--partial-ok")
    assert r.returncode == 0, r.stderr
