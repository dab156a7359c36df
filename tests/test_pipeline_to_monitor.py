"""The ops scripts and the monitor together: a tampered output is caught by the verifier and
diagnosed by a monitor pass over the live pipeline folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.models.model_helpers import run_vvai


def test_tampered_output_becomes_an_integrity_incident(tmp_path: Path):
    root = tmp_path / "vv"
    env = {"VVAI_PIPELINE_ROOT": str(root)}
    run_vvai("pipeline", "make-samples", str(tmp_path / "s"), "--count", "2", "--seconds", "2", "--no-highres",
             check=True)
    (root / "input").mkdir(parents=True)
    for v in (tmp_path / "s").glob("sample_*.m*"):
        shutil.copy2(v, root / "input" / v.name)
    assert run_vvai("pipeline", "scan", "--once", "--settle", "0", env=env).returncode == 0
    assert run_vvai("pipeline", "verify", env=env).returncode == 0
    cfg = tmp_path / "vvai.toml"
    cfg.write_text(f'[pipeline]\nroot = "{root}"\n[engine]\nenabled = false\n[store]\npath = "{tmp_path / "m.db"}"\n'
                   '[metrics]\nenabled = false\n')
    p = run_vvai("monitor", "once", "--config", str(cfg), "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["incidents"] == [], "a healthy pipeline gives no incident"

    victim = next((root / "processed").glob("*.analytic.json"))
    victim.write_text(victim.read_text().replace('"scenes"', '"scenez"'))
    p = run_vvai("pipeline", "verify", env=env)
    assert p.returncode == 3
    p = run_vvai("monitor", "once", "--config", str(cfg), "--json")
    incs = json.loads(p.stdout)["incidents"]
    assert [(i["category"], i.get("file")) for i in incs] == [("integrity_mismatch", victim.name)]
    assert any(e["source"].startswith("files/") and victim.name in e["text"] for e in incs[0]["evidence"])
