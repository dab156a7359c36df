"""The README's main job: `vvai demo` runs the whole system with no external service."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_demo_runs_the_whole_system_and_diagnoses_the_fault_it_finds(tmp_path: Path):
    work = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VVAI_", "AWS_"))}
    p = subprocess.run([sys.executable, "-m", "vvai", "demo", "--workdir", str(work)], capture_output=True,
                       text=True, env=env, timeout=600)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    out = p.stdout
    assert "installed" in out and "idempotent" in out and "keeps serving 1.0.0" in out
    models = work / "vv-video-ai-system" / "models"
    assert json.loads((models / ".current_model_info.json").read_text())["version"] == "1.0.0"
    summaries = list((work / "vv-video-ai-system" / "processed").glob("*.summary.json"))
    assert len(summaries) == 3
    # the monitor stored the incident it diagnosed from the live folders and logs...
    db = sqlite3.connect(work / "monitor.db")
    rows = db.execute("select category, component from incidents").fetchall()
    assert ("export_failure", "log_exporter") in rows
    # ...alerted (through apprise to the local webhook)...
    assert "alert received by the webhook" in out and "export_failure" in out
    # ...and the captured bundle, diagnosed offline with the same thresholds, gives the same incident
    from vvai.monitor.bundle import load_bundle
    from vvai.monitor.diagnose.engine import Diagnoser
    from vvai.monitor.diagnose.settings import DetectorSettings

    settings = DetectorSettings(export_min_failures=3, export_min_minutes=0.02)
    offline = Diagnoser(settings=settings).diagnose(load_bundle(work / "incident-bundle"))
    assert {(i.category, i.component) for i in offline} == {("export_failure", "log_exporter")}
