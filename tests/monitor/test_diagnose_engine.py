"""The diagnosis engine and knowledge base: recorded examples, correlation, safety, --kb, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from tests.monitor.test_bundle_builders import app, build, dts, event, meta, snap, stat
from tests.paths import EXAMPLES
from vvai.common.errors import ConfigError
from vvai.monitor.bundle import load_bundle
from vvai.monitor.detect.settings import DetectorSettings
from vvai.monitor.diagnose.engine import Diagnoser
from vvai.monitor.diagnose.kb import load_kb
from vvai.monitor.diagnose.scoring import score_case, verify_evidence

needs_examples = pytest.mark.skipif(not EXAMPLES.is_dir(), reason="spec examples not present")


@needs_examples
@pytest.mark.parametrize("name", ["example-oom_kill", "example-export_failure", "example-orphan_outputs",
                                  "example-healthy"])
def test_recorded_examples_are_diagnosed_right(name):
    path = EXAMPLES / name
    incidents = Diagnoser().diagnose(load_bundle(path))
    expected = json.loads((path / "expected.json").read_text())  # read by the test, never by the loader
    result = score_case(incidents, expected)
    assert result["passed"], result["reasons"]
    assert verify_evidence(path, incidents) == []
    for inc in incidents:
        spec = inc.to_spec()
        assert list(spec)[:2] == ["category", "component"]
        assert set(spec) <= {"category", "component", "file", "severity", "confidence", "root_cause", "evidence",
                             "actions"}
        assert spec["evidence"] and all(set(e) == {"source", "ts", "text"} for e in spec["evidence"])


@needs_examples
def test_oom_example_names_the_file_and_limit():
    (inc,) = Diagnoser().diagnose(load_bundle(EXAMPLES / "example-oom_kill"))
    assert inc.file == "panorama-roof_2026-03-17_24h.mkv" and inc.severity.value == "critical"
    assert "OOM-killed 8 time(s)" in inc.root_cause and "3.0 GB" in inc.root_cause
    assert [f.kind for f in inc.timeline][:2] == ["oom_kill", "poison_input"]  # backlog folded into one incident
    assert inc.key == "oom_kill|scene_scanner|panorama-roof_2026-03-17_24h.mkv"


def _redis_cascade():
    m = meta()
    m["components"]["redis"] = {"image": "redis:7", "mem_limit": "256m", "cpus": 0.5, "depends_on": []}
    m["components"]["scene_summarizer"]["depends_on"].append("redis")
    evs = [event(10, "die", "redis", exitCode=1)]
    logs = {"scene_summarizer": []}
    for k in range(6):
        t = 12 + k * 5
        logs["scene_summarizer"].append(f"{dts(t)} redis.exceptions.ConnectionError: Error 111 connecting to "
                                        f"redis:6379. Connection refused.")
        evs += [event(t + 0.01, "die", "scene_summarizer", exitCode=1), event(t + 0.5, "start", "scene_summarizer")]
    orphans = [(f"c{k}.analytic.json", 12 + k) for k in range(6)]
    return build(m, events=evs, logs=logs, pipeline=[snap(0), snap(59, processed=orphans)])


def test_cascade_becomes_one_dependency_incident_and_spares_the_victim():
    incidents = Diagnoser().diagnose(_redis_cascade())
    assert [(i.category, i.component) for i in incidents] == [("dependency_failure", "redis")]
    inc = incidents[0]
    assert {f.kind for f in inc.timeline} >= {"dependency_down", "crash_loop", "orphan_outputs"}
    assert [a.label() for a in inc.actions] == ["alert", "restart:redis"]


def test_export_failure_blames_exporter_not_scanner():
    errs = [app(10 + k * 3, "log_exporter", "could not ship a.mp4", level="error", error="ConnectTimeoutError")
            for k in range(8)]
    grow = [snap(m, processed=[(f"p{k}.mp4", 0) for k in range(m)]) for m in range(0, 40, 2)]
    incidents = Diagnoser().diagnose(build(app_log=errs, pipeline=grow))
    assert [(i.category, i.component) for i in incidents] == [("export_failure", "log_exporter")]
    assert not any(a.type == "cleanup" for a in incidents[0].actions)


def test_healthy_noise_raises_nothing():
    evs = [event(20, "kill", "log_exporter"), event(20, "die", "log_exporter", exitCode=143),
           event(20.1, "start", "log_exporter")]
    al = [app(5, "scene_scanner", "giving up on x.mp4: Invalid data (moved to corrupted)", level="error"),
          app(7, "log_exporter", "y: transient '503 Slow Down', will retry", level="warning")]
    st = [stat(m, "scene_scanner", cpu=148.0 if m % 7 == 0 else 30.0) for m in range(60)]
    assert Diagnoser().diagnose(build(events=evs, app_log=al, stats=st, pipeline=[snap(0), snap(59)])) == []


def test_safety_filters_dangerous_kb_actions(tmp_path):
    kb = tmp_path / "bad.yaml"
    kb.write_text("""
signatures:
  - id: dependency-down
    category: dependency_failure
    trigger: dependency_down
    priority: 95
    root_cause: "{component} down"
    actions:
      - {type: cleanup, target: processed}
      - {type: cleanup, target: /opt/vv-video-ai-system/input}
      - {type: restart, target: scene_summarizer}
      - {type: quarantine, target: "{file}"}
      - {type: restart, target: "{component}"}
""")
    (inc,) = Diagnoser(kb=load_kb([kb])).diagnose(_redis_cascade())
    assert [a.label() for a in inc.actions] == ["alert", "restart:redis"]


def test_kb_file_overrides_and_adds(tmp_path):
    kb = tmp_path / "site.yaml"
    kb.write_text("""
signatures:
  - id: dependency-down
    category: dependency_failure
    trigger: dependency_down
    priority: 95
    severity: warning
    confidence: 0.5
    root_cause: "SITE RULE: {component} is down, call the DBA"
    actions: [{type: alert}]
""")
    base_ids = {s.id for s in load_kb().signatures}
    merged = load_kb([kb])
    assert {s.id for s in merged.signatures} == base_ids
    (inc,) = Diagnoser(kb=merged).diagnose(_redis_cascade())
    assert inc.root_cause == "SITE RULE: redis is down, call the DBA" and inc.severity.value == "warning"
    bad = tmp_path / "broken.yaml"
    bad.write_text("signatures:\n  - id: x\n    category: y\n    trigger: z\n    root_cause: r\n"
                   "    actions: [{type: reboot}]\n")
    with pytest.raises(ConfigError, match="unknown action type"):
        load_kb([bad])
    with pytest.raises(ConfigError, match="not found"):
        load_kb([tmp_path / "missing.yaml"])


def test_kb_file_can_disable_and_add_signatures(tmp_path):
    hot = [stat(m / 2, "scene_summarizer", cpu=145.0) for m in range(0, 60)]
    assert [i.category for i in Diagnoser().diagnose(build(stats=hot))] == ["resource_saturation"]
    kb = tmp_path / "site.yaml"
    kb.write_text("""
signatures:
  - {id: cpu-saturation, enabled: false}
  - id: summarizer-cpu-is-a-model-problem
    category: model_failure
    trigger: cpu_saturation
    when: {role: summarizer}
    severity: error
    root_cause: "{component} burns {mean_percent}% CPU: the new quantisation is slower on this box"
    actions: [{type: alert}, {type: rollback_model}]
""")
    (inc,) = Diagnoser(kb=load_kb([kb])).diagnose(build(stats=hot))
    assert (inc.category, inc.signature) == ("model_failure", "summarizer-cpu-is-a-model-problem")
    assert inc.root_cause.startswith("scene_summarizer burns 9")
    assert [a.label() for a in inc.actions] == ["alert", "rollback_model"]


def test_settings_change_thresholds():
    hot = [stat(m / 2, "scene_summarizer", cpu=120.0) for m in range(0, 60)]  # 80% of 1.5 CPUs
    assert Diagnoser().diagnose(build(stats=hot)) == []
    strict = Diagnoser(settings=DetectorSettings(cpu_saturation_fraction=0.75))
    assert [i.category for i in strict.diagnose(build(stats=hot))] == ["resource_saturation"]


@needs_examples
def test_cli_json_output_is_exactly_the_spec_document():
    from vvai.cli import app as cli_app

    r = CliRunner().invoke(cli_app, ["monitor", "diagnose", str(EXAMPLES / "example-export_failure"), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert list(doc) == ["incidents"]
    (inc,) = doc["incidents"]
    assert (inc["category"], inc["component"]) == ("export_failure", "log_exporter") and "file" not in inc
    assert {a["type"] for a in inc["actions"]} <= {"alert", "restart"}
    r = CliRunner().invoke(cli_app, ["monitor", "diagnose", str(EXAMPLES / "example-healthy")])
    assert r.exit_code == 0 and "healthy" in r.stdout


def test_cli_missing_bundle_is_a_one_line_error(tmp_path):
    r = subprocess.run([sys.executable, "-m", "vvai", "monitor", "diagnose", str(tmp_path / "nope"), "--json"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("error: bundle") and r.stderr.count("\n") == 1


def test_cli_reports_parse_problems_on_stderr_only(tmp_path):
    from vvai.cli import app as cli_app

    root = tmp_path / "b"
    (root / "logs").mkdir(parents=True)
    (root / "bundle.json").write_text(json.dumps(meta()))
    (root / "logs" / "app.log").write_bytes(b"\xff\xfe{broken\n")
    r = CliRunner().invoke(cli_app, ["monitor", "diagnose", str(root), "--json"])
    assert r.exit_code == 0
    assert json.loads(r.stdout) == {"incidents": []}
    assert "invalid UTF-8" in r.stderr and "not JSON" in r.stderr


@needs_examples
def test_cli_kb_option_overrides_a_signature(tmp_path):
    from vvai.cli import app as cli_app

    kb = tmp_path / "site.yaml"
    kb.write_text('signatures:\n  - id: orphan-outputs\n    root_cause: "SITE: {component} left {count} orphans"\n')
    r = CliRunner().invoke(cli_app, ["monitor", "diagnose", str(EXAMPLES / "example-orphan_outputs"), "--json",
                                     "--kb", str(kb)])
    assert r.exit_code == 0, r.output
    (inc,) = json.loads(r.stdout)["incidents"]
    assert inc["root_cause"] == "SITE: scene_summarizer left 29 orphans"


@needs_examples
@pytest.mark.parametrize("name", ["example-oom_kill", "example-export_failure", "example-orphan_outputs"])
@pytest.mark.parametrize("unwatched", ["events.jsonl", "logs/app.log", "pipeline.jsonl", "podman"])
def test_recorded_examples_survive_a_source_not_being_watched(name, unwatched, tmp_path):
    import shutil

    path = tmp_path / name
    shutil.copytree(EXAMPLES / name, path)
    if unwatched == "podman":  # Podman sends no oom event
        ev = path / "events.jsonl"
        ev.chmod(0o644)
        ev.write_text("".join(x for x in ev.read_text().splitlines(True) if '"Action":"oom"' not in x))
    else:
        (path / unwatched).unlink()
    incidents = Diagnoser().diagnose(load_bundle(path))
    expected = json.loads((path / "expected.json").read_text())
    assert score_case(incidents, expected)["passed"], [(i.category, i.component, i.file) for i in incidents]
