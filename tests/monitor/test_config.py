"""vvai.toml: defaults, lookup order, and one-line errors naming the key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vvai.common.errors import ConfigError
from vvai.monitor.config import DEFAULT_ROOT, load_config, parse_config

GOOD = """
[monitor]
host = "edge-07"
window_s = 1800

[pipeline]
root = "/srv/vv"
state_files = ["vv-signature.json"]

[engine]
compose_project = "vv-video-ai-system"

[[logs.files]]
path = "logs/scanner.txt"
format = "text"

[prometheus]
url = "http://127.0.0.1:9090"
queries = { vv_scene_processing_seconds = "vv_scene_processing_seconds" }

[thresholds]
error_burst_min = 9
crash_loop_min_exits = 4

[benchmarks.scene_summarizer]
p50_processing_s = 4.0

[alerts]
urls = ["json://127.0.0.1:9999/hook"]
rate_limit_per_hour = 5

[store]
path = "/tmp/x.db"
"""


def test_defaults_follow_the_original_layout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("VVAI_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    cfg = load_config(None)
    assert cfg.pipeline.root == DEFAULT_ROOT == "/opt/vv-video-ai-system"
    assert cfg.pipeline.dirs() == {"input": "input", "processed": "processed", "corrupted": "corrupted"}
    assert cfg.pipeline.path(cfg.pipeline.app_log) == Path("/opt/vv-video-ai-system/logs/app.log")
    assert cfg.detector_settings().error_burst_min == 5  # DetectorSettings defaults


def test_full_file_loads_and_thresholds_reach_the_detectors(tmp_path: Path) -> None:
    p = tmp_path / "vvai.toml"
    p.write_text(GOOD)
    cfg = load_config(p)
    assert cfg.monitor.host == "edge-07" and cfg.engine.compose_project == "vv-video-ai-system"
    assert cfg.logs.files[0].format == "text" and cfg.alerts.rate_limit_per_hour == 5
    s = cfg.detector_settings()
    assert (s.error_burst_min, s.crash_loop_min_exits) == (9, 4)
    assert cfg.benchmarks == {"scene_summarizer": {"p50_processing_s": 4.0}}
    assert cfg.source_path == str(p)


def test_env_var_and_explicit_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    p = tmp_path / "other.toml"
    p.write_text('[monitor]\nhost = "from-env"\n')
    monkeypatch.setenv("VVAI_CONFIG", str(p))
    assert load_config(None).monitor.host == "from-env"
    q = tmp_path / "explicit.toml"
    q.write_text('[monitor]\nhost = "explicit"\n')
    assert load_config(q).monitor.host == "explicit"  # --config wins over the env
    monkeypatch.setenv("VVAI_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="missing.toml does not exist"):
        load_config(None)


@pytest.mark.parametrize("doc, message", [
    ({"alerts": {"rate_limit_per_hour": 0}}, "vvai.toml: alerts.rate_limit_per_hour: must be >= 1"),
    ({"alerts": {"urls": ["not-a-url"]}}, "vvai.toml: alerts.urls: 'not-a-url' is not an apprise URL"),
    ({"alerts": {"min_severity": "loud"}}, "vvai.toml: alerts.min_severity: must be one of"),
    ({"pipeline": {"rooot": "/x"}}, "vvai.toml: pipeline.rooot: unknown key"),
    ({"metrics": {"port": 70000}}, "vvai.toml: metrics.port: must be <= 65535"),
    ({"prometheus": {"url": "localhost:9090"}}, "vvai.toml: prometheus.url: must start with http://"),
    ({"logs": {"files": [{"format": "text"}]}}, "vvai.toml: logs.files.0.path: is required"),
    ({"monitor": {"window_s": 5}}, "vvai.toml: monitor.window_s: must be >= 60"),
    ({"thresholds": {"error_burst_min": "many"}}, "vvai.toml: thresholds.error_burst_min: input should be"),
    ({"thresholds": {"eror_burst_min": 3}}, "vvai.toml: thresholds.eror_burst_min: unknown key"),
    ({"benchmarks": {"scene_summarizer": {"p50_processing_s": -1}}},
     "vvai.toml: benchmarks.scene_summarizer.p50_processing_s: must be >= 0"),
    ({"surprise": 1}, "vvai.toml: surprise: unknown key"),
])
def test_errors_name_the_key(doc: dict, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_config(doc)
    assert e.value.message.startswith(message)
    assert "\n" not in e.value.one_line() and e.value.hint


def test_bad_toml_is_one_line_error(tmp_path: Path) -> None:
    p = tmp_path / "vvai.toml"
    p.write_text("[alerts\nurls = 3\n")
    with pytest.raises(ConfigError, match=r"vvai.toml: not valid TOML"):
        load_config(p)


def test_cli_reports_config_error_and_exits_nonzero(tmp_path: Path) -> None:
    p = tmp_path / "vvai.toml"
    p.write_text("[alerts]\nrate_limit_per_hour = 0\n")
    r = subprocess.run([sys.executable, "-m", "vvai", "monitor", "once", "--config", str(p)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.startswith("error: vvai.toml: alerts.rate_limit_per_hour: must be >= 1 (")
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
