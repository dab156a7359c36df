"""A capture or a one-shot pass sees trends, not one reading: the daemon keeps a bounded history of
folder snapshots, stats samples and metric scrapes in its SQLite store (issue 9, live sources)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.monitor.test_service import _cfg
from vvai.monitor.bundle import load_bundle
from vvai.monitor.capture import capture_bundle
from vvai.monitor.history import IncidentStore
from vvai.monitor.samples import SampleHistory, with_history
from vvai.monitor.service.daemon import MonitorService
from vvai.monitor.sources.base import Record


def _snap(ts: float, root: Path, waiting: int) -> dict:
    from vvai.common.timefmt import rfc3339

    return {"ts": rfc3339(ts), "dirs": {"input": [{"name": f"cam_{k:02d}.mp4", "size": 10_000_000,
                                                   "mtime": rfc3339(ts - 3600)} for k in range(waiting)],
                                        "processed": [], "corrupted": []},
            "disk": {"path": str(root), "total_bytes": 10**12, "free_bytes": 5 * 10**11}}


def test_history_round_trip_and_bounds(tmp_path):
    store = IncidentStore(tmp_path / "m.db")
    h = SampleHistory(store, max_age_s=3600, max_rows=5)
    now = time.time()
    for k in range(8):
        h.add(Record("stats", now - 60 * k, {"component": "scene_scanner", "mem_bytes": k}, name="scene_scanner"))
    h.add(Record("log", now, "not kept: logs are read from the engine"))
    h.add(Record("stats", now - 7200, {"component": "scene_scanner", "mem_bytes": -1}))  # older than max_age_s
    assert h.flush(now) == 9
    got = h.read(now - 10_000, now + 1)
    assert [r.data["mem_bytes"] for r in got] == [4, 3, 2, 1, 0]  # bounded to 5 rows, oldest dropped, by age too
    assert all(r.kind == "stats" for r in got) and h.span(now - 10_000, now) == 240
    recs, note = with_history([], h, now - 10_000, now, min_span_s=600)
    assert recs == [] and "one reading" in note
    recs, note = with_history([], h, now - 10_000, now, min_span_s=120)
    assert len(recs) == 5 and note is None


def test_once_without_a_daemon_says_its_view_of_trends_is_one_reading(tmp_path):
    cfg = _cfg(tmp_path)
    svc = MonitorService(cfg)
    res = svc.once()
    assert any("one reading" in p for p in res.problems)


def test_a_frozen_scanner_is_seen_by_once_and_capture_through_the_daemon_history(tmp_path):
    """Ten files waiting over eleven minutes with nothing consumed: one reading says nothing, the
    history says the scanner is stalled."""
    cfg = _cfg(tmp_path, monitor={"interval_s": 60, "window_s": 1800},
               engine={"enabled": False, "components": ["scene_scanner", "scene_summarizer"]})
    root = Path(cfg.pipeline.root)
    for k in range(10):
        (root / "input" / f"cam_{k:02d}.mp4").write_bytes(b"x")
    now = time.time()
    store = IncidentStore(cfg.store.path)
    h = SampleHistory(store)
    for m in range(12, 0, -1):  # what a running daemon recorded, one snapshot a minute
        h.add(Record("pipeline", now - 60 * m, _snap(now - 60 * m, root, 10 if m < 12 else 2)))
    h.flush(now)
    store.close()
    svc = MonitorService(cfg)
    res = svc.once()
    assert not any("one reading" in p for p in res.problems)
    assert [(i["category"], i["component"]) for i in res.incidents] == [("pipeline_stall", "scene_scanner")]
    svc.store.close()
    path, parts = capture_bundle(cfg, 1800, tmp_path / "b")
    assert len(parts.pipeline) >= 12  # the history, not one snapshot
    b = load_bundle(path)
    assert not [p for p in b.problems if "wrong type" in p or "skipped" in p]
    assert json.loads((path / "bundle.json").read_text()).get("capture_problems") is None or not any(
        "one reading" in p for p in json.loads((path / "bundle.json").read_text())["capture_problems"])
