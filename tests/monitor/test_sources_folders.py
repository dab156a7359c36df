"""Pipeline folder snapshots on a real folder tree."""

from __future__ import annotations

import os
import time
from pathlib import Path

from vvai.common.timefmt import parse_epoch as parse_ts
from vvai.monitor.sources.folders import FolderSource


def _tree(root: Path) -> None:
    for d in ("input", "processed", "corrupted"):
        (root / d).mkdir(parents=True)
    (root / "input" / "cam1_0001.mp4").write_bytes(b"v" * 1000)
    (root / "input" / ".cam1_0002.mp4.tmp-1").write_bytes(b"partial")  # an atomic write in progress
    (root / "processed" / "cam1_0000.mp4").write_bytes(b"v" * 500)
    (root / "processed" / "cam1_0000.analytic.json").write_text("{}")
    (root / "vv-signature.json").write_text('{"sha256": "ab"}')
    old = time.time() - 7200
    os.utime(root / "processed" / "cam1_0000.mp4", (old, old))


def test_snapshot_lists_folders_disk_and_state_files(tmp_path: Path) -> None:
    _tree(tmp_path)
    src = FolderSource(tmp_path, {"input": "input", "processed": "processed", "corrupted": "corrupted"},
                       ["vv-signature.json", "verify-report.json"])
    recs = list(src.collect(0, time.time()))
    snap = next(r for r in recs if r.kind == "pipeline").data
    assert [e["name"] for e in snap["dirs"]["input"]] == ["cam1_0001.mp4"]  # hidden temp file left out
    assert snap["dirs"]["input"][0]["size"] == 1000
    processed = snap["dirs"]["processed"]
    assert [e["name"] for e in processed] == ["cam1_0000.mp4", "cam1_0000.analytic.json"]  # oldest first
    assert abs(parse_ts(processed[0]["mtime"]) - (time.time() - 7200)) < 5
    assert snap["dirs"]["corrupted"] == []
    assert snap["disk"]["path"] == str(tmp_path) and 0 < snap["disk"]["free_bytes"] <= snap["disk"]["total_bytes"]
    files = {r.name: r.data for r in recs if r.kind == "file"}
    assert files == {"vv-signature.json": b'{"sha256": "ab"}'}  # the missing verifier report is not an error
    assert not [r for r in recs if r.kind == "problem"]


def test_missing_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    src = FolderSource(tmp_path / "nowhere", {"input": "input"})
    recs = list(src.collect(0, time.time()))
    assert [r.kind for r in recs].count("pipeline") == 1
    probs = [r.data["message"] for r in recs if r.kind == "problem"]
    assert any("does not exist" in p for p in probs)


def test_huge_state_file_is_not_copied(tmp_path: Path) -> None:
    (tmp_path / "big.json").write_bytes(b"x" * (2 << 20))
    src = FolderSource(tmp_path, {}, ["big.json"])
    recs = list(src.collect(0, time.time()))
    assert not [r for r in recs if r.kind == "file"]
    assert any("not copied" in r.data["message"] for r in recs if r.kind == "problem")
