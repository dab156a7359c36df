"""`vvai monitor incidents` and `feedback` over a real SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

from tests.models.model_helpers import run_vvai
from tests.paths import EXAMPLES, needs_shared
from vvai.monitor.bundle import load_bundle
from vvai.monitor.diagnose.engine import Diagnoser
from vvai.monitor.history import IncidentStore


@needs_shared(EXAMPLES)
def test_history_listing_details_and_feedback(tmp_path: Path):
    db = tmp_path / "monitor.db"
    store = IncidentStore(db)
    for inc in Diagnoser().diagnose(load_bundle(EXAMPLES / "example-oom_kill")):
        store.upsert(inc, 1_800_000_000.0)
    store.close()
    cfg = tmp_path / "vvai.toml"
    cfg.write_text(f'[store]\npath = "{db}"\n')
    rows = json.loads(run_vvai("monitor", "incidents", "-c", str(cfg), "--json", check=True).stdout)
    assert [(r["category"], r["component"], r["file"]) for r in rows] == [
        ("oom_kill", "scene_scanner", "panorama-roof_2026-03-17_24h.mkv")]
    iid = rows[0]["id"]
    p = run_vvai("monitor", "feedback", str(iid), "--verdict", "correct", "--note", "8K input", "--author", "ops",
                 "-c", str(cfg))
    assert p.returncode == 0, p.stderr
    one = json.loads(run_vvai("monitor", "incidents", "-c", str(cfg), "--id", str(iid), "--json", check=True).stdout)
    assert one["feedback"][0]["verdict"] == "correct" and one["feedback"][0]["note"] == "8K input"
    assert one["evidence"] and all(e["text"] for e in one["evidence"])
    p = run_vvai("monitor", "feedback", "999", "--verdict", "correct", "-c", str(cfg))
    assert p.returncode != 0 and "no incident #999" in p.stderr and p.stderr.count("\n") == 1
    p = run_vvai("monitor", "feedback", str(iid), "--verdict", "meh", "-c", str(cfg))
    assert p.returncode == 2 and "--verdict must be" in p.stderr
    assert json.loads(run_vvai("monitor", "incidents", "-c", str(cfg), "--status", "resolved", "--json",
                               check=True).stdout) == []
