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
    from vvai.monitor.detect.settings import DetectorSettings
    from vvai.monitor.diagnose.engine import Diagnoser

    settings = DetectorSettings(export_min_failures=3, export_min_minutes=0.02)
    offline = Diagnoser(settings=settings).diagnose(load_bundle(work / "incident-bundle"))
    assert {(i.category, i.component) for i in offline} == {("export_failure", "log_exporter")}
    # ...and the repair step: the poison input is quarantined by the executor under an auto policy, the
    # plan printed first, the outcome after; the scanner went on with the other files
    from vvai.testing.podman import podman_available

    if podman_available():
        assert "skipped: this step needs Podman" in out
        return
    box = work / "repair-box"
    flat = " ".join(out.split())  # rich wraps long lines at 80 columns
    assert "plan: quarantine cam7_0001.mp4 -> auto (policy: quarantine=auto)" in flat, out[-3000:]
    plan_at = flat.index("plan: quarantine cam7_0001.mp4 -> auto (policy: quarantine=auto)")
    assert flat.index("executor: quarantine cam7_0001.mp4 effective") > plan_at
    assert (box / "corrupted" / "cam7_0001.mp4").is_file()
    assert json.loads((box / "corrupted" / "cam7_0001.mp4.reason.json").read_text())["failures"] >= 3
    assert sorted(p.name for p in (box / "processed").iterdir()) == ["cam7_0002.mp4", "cam7_0003.mp4"]
    assert "Actions: quarantine cam7_0001.mp4: effective" in " ".join(out.replace("│", " ").split())
    rows = sqlite3.connect(work / "repair.db").execute("select type, target, status from actions").fetchall()
    assert rows == [("quarantine", "cam7_0001.mp4", "effective")]
