"""`vvai monitor score` reports what an operator needs to trust the engine: a confusion matrix,
false alarms, forbidden actions, ungrounded evidence, calibration and time per bundle."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.paths import EXAMPLES, needs_shared
from vvai.cli import app
from vvai.monitor.diagnose.scoring import summarize


def _case(name, category, got, passed, fp=(), conf=(), seconds=0.1, reasons=()):
    return {"name": name, "category": category, "got": list(got), "passed": passed, "tp": [category] if passed
            and category != "healthy" else [], "fn": [] if passed else [category], "fp": list(fp),
            "reasons": list(reasons), "confidences": list(conf), "seconds": seconds, "ungrounded": 0}


def test_summary_counts_confusion_false_alarms_and_calibration():
    cases = [
        _case("a", "oom_kill", ["oom_kill"], True, conf=[(0.9, True)], seconds=0.2),
        _case("b", "oom_kill", ["crash_loop"], False, fp=["crash_loop"], conf=[(0.85, False)], seconds=0.4,
              reasons=["missed oom_kill", "false alarm crash_loop/x/None (critical)"]),
        _case("c", "healthy", ["deployment_regression"], False, fp=["deployment_regression"], conf=[(0.3, False)],
              reasons=["false alarm deployment_regression/x/None (critical)",
                       "forbidden action restart:log_exporter in deployment_regression/x"]),
        _case("d", "healthy", ["healthy"], True, seconds=0.05),
    ]
    r = summarize(cases)
    assert r["confusion"]["oom_kill"] == {"crash_loop": 1, "oom_kill": 1}
    assert r["confusion"]["healthy"] == {"deployment_regression": 1, "healthy": 1}
    assert r["false_alarms"] == 2 and r["healthy_bundles_with_alarm"] == 1
    assert r["forbidden_actions"] == 1
    assert r["calibration"]["high"] == {"incidents": 2, "right": 1, "share_right": 0.5}
    assert r["calibration"]["low"] == {"incidents": 1, "right": 0, "share_right": 0.0}
    assert r["seconds_per_bundle"]["max"] == 0.4
    assert r["passed"] == 2 and {f["name"] for f in r["failed"]} == {"b", "c"}


@needs_shared(EXAMPLES)
@needs_shared(EXAMPLES)
def test_score_cli_json_on_the_public_examples():
    res = CliRunner().invoke(app, ["monitor", "score", str(EXAMPLES), "--json"])
    assert res.exit_code == 0, res.output
    r = json.loads(res.stdout)
    assert r["passed"] == r["cases"] == 4
    for exp, row in r["confusion"].items():
        assert row == {exp: 1}
    assert r["false_alarms"] == 0 and r["forbidden_actions"] == 0 and r["ungrounded_evidence"] == 0
    assert r["seconds_per_bundle"]["median"] > 0
