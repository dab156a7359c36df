"""The synthetic bundle generator: determinism, genuine variation, noise; one seed of every
category diagnosed right (the 8-seed corpus is in test_synth_corpus.py); the score command."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from typer.testing import CliRunner

from vvai.common.errors import ConfigError
from vvai.monitor.bundle import load_bundle
from vvai.monitor.diagnose.engine import Diagnoser
from vvai.monitor.diagnose.scoring import score_case, verify_evidence
from vvai.testing.synth import CATEGORIES, build, generate_bundle


@pytest.mark.parametrize("category", CATEGORIES)
def test_one_seed_of_each_category(category, tmp_path):
    path = generate_bundle(category, 42, tmp_path / category)
    incidents = Diagnoser().diagnose(load_bundle(path))
    r = score_case(incidents, json.loads((path / "expected.json").read_text()))
    assert r["passed"], r["reasons"]
    assert verify_evidence(path, incidents) == []


def test_unknown_category_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown category"):
        build("meteor_strike", 1)


def test_seed_is_deterministic_and_varies_the_bundle():
    a, ea = build("oom_kill", 3)
    b, eb = build("oom_kill", 3)
    assert a == b and ea == eb
    files = [build("crash_loop", s)[0] for s in range(6)]
    names = {json.loads(f["bundle.json"])["components"].__iter__().__next__() for f in files}
    assert len(names) >= 2  # component names vary
    styles = set()
    for f in files:
        for rel, data in f.items():
            if rel.startswith("logs/") and rel != "logs/app.log":
                first = data.decode().splitlines()[0].split(" ", 1)[1] if data else ""
                styles.add("json" if first.startswith("{") else "logfmt" if first.startswith("ts=") else
                           "pylog" if first[:5].isupper() and ":vv." in first else "other")
    assert len(styles) >= 3
    errors = {json.dumps(sorted(set(r.get("exc_type", "") for r in map(json.loads, f["logs/app.log"].splitlines())
                                    if r.get("exc_type")))) for f in files}
    assert len(errors) >= 3  # different exceptions across seeds


def test_healthy_bundles_carry_noise_and_decoys():
    noisy = 0
    for s in range(8):
        files, _ = build("healthy", s)
        app_log = [json.loads(x) for x in files["logs/app.log"].splitlines()]
        levels = Counter(r["level"].lower() for r in app_log)
        noisy += bool(levels["warning"] or levels["error"])
    assert noisy >= 6


def test_score_command_prints_per_category_scores(tmp_path):
    from vvai.cli import app

    for cat in ("oom_kill", "healthy", "dependency_failure"):
        generate_bundle(cat, 11, tmp_path / f"{cat}-011")
    r = CliRunner().invoke(app, ["monitor", "score", str(tmp_path), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["cases"] == 3 and doc["passed"] == 3 and doc["failed"] == []
    assert doc["categories"]["oom_kill"]["recall"] == 1.0
    # a wrong ground truth makes the command fail and say why
    exp = tmp_path / "healthy-011" / "expected.json"
    exp.write_text(json.dumps({"incidents": [{"category": "disk_full", "component": "host"}]}))
    r = CliRunner().invoke(app, ["monitor", "score", str(tmp_path), "--json"])
    assert r.exit_code == 1 and "missed disk_full/host" in r.stdout
