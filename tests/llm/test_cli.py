"""`vvai monitor diagnose BUNDLE --config C --json` and `vvai monitor score CORPUS --config C`
with an LLM configured (the cloud API played by a real local HTTP server)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.llm.conftest import EXAMPLES
from tests.llm.helpers import KEY_ENV, answer, quote_from
from vvai.testing.fake_openai import FakeOpenAI, Script

VVAI = [sys.executable, "-m", "vvai"]


def write_config(path: Path, base_url: str, **llm: object) -> Path:
    extra = "".join(f"{k} = {json.dumps(v)}\n" for k, v in llm.items())
    path.write_text(f'[llm]\nmode = "api"\ntimeout_s = 5\nmax_prompt_tokens = 3000\n{extra}'
                    f'[llm.api]\nbase_url = "{base_url}"\nmodel = "fake"\napi_key_env = "{KEY_ENV}"\n')
    return path


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, KEY_ENV: "test-key"}
    return subprocess.run([*VVAI, *args], capture_output=True, text=True, env=env, timeout=300)


def good(body):
    src, text = quote_from(body, "upload failed")
    return answer({"category": "export_failure", "component": "log_exporter", "severity": "error",
                   "confidence": 0.8, "root_cause": "S3 denies the exporter",
                   "evidence": [{"source": src, "text": text}],
                   "actions": [{"type": "alert"}]})


def test_diagnose_json_carries_diagnosed_by_and_the_llm_block(missed_bundle, tmp_path):
    with FakeOpenAI([Script(reply=good)]) as api:
        cfg = write_config(tmp_path / "vvai.toml", api.base_url)
        r = run("monitor", "diagnose", str(missed_bundle), "--config", str(cfg), "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [(i["category"], i["diagnosed_by"]) for i in doc["incidents"]] == [("export_failure", "llm")]
    llm = doc["llm"]
    assert {k: llm[k] for k in ("mode", "calls", "accepted", "rejected", "fallback")} == \
        {"mode": "api", "calls": 1, "accepted": 1, "rejected": [], "fallback": None}


def test_diagnose_rules_incident_marked_rules_when_the_api_fails(tmp_path):
    with FakeOpenAI([Script(status=500)]) as api:
        cfg = write_config(tmp_path / "vvai.toml", api.base_url)
        r = run("monitor", "diagnose", str(EXAMPLES / "example-oom_kill"), "--config", str(cfg), "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [i["diagnosed_by"] for i in doc["incidents"]] == ["rules"]
    assert doc["llm"]["fallback"] == "error" and "HTTP 500" in doc["llm"]["rejected"][0]["reason"]


def test_without_llm_the_output_is_exactly_the_specs(tmp_path):
    cfg = tmp_path / "off.toml"
    cfg.write_text('[llm]\nmode = "off"\n')
    r = run("monitor", "diagnose", str(EXAMPLES / "example-oom_kill"), "--config", str(cfg), "--json")
    assert r.returncode == 0 and list(json.loads(r.stdout)) == ["incidents"]


def test_bad_llm_config_is_one_line_and_non_zero(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[llm]\nmode = "api"\nredact = false\n')
    r = run("monitor", "diagnose", str(EXAMPLES / "example-oom_kill"), "--config", str(cfg), "--json")
    assert r.returncode == 2 and "allow_unredacted" in r.stderr and r.stdout == ""
    assert len([ln for ln in r.stderr.splitlines() if ln.strip()]) <= 2


def test_score_side_by_side_never_worse_and_better_where_the_llm_adds(missed_bundle, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for ex in EXAMPLES.iterdir():
        shutil.copytree(ex, corpus / ex.name)
    shutil.copytree(missed_bundle, corpus / "missed")
    (corpus / "missed" / "expected.json").write_text(json.dumps({"incidents": [
        {"category": "export_failure", "component": "log_exporter", "acceptable_actions": ["alert"]}]}))

    def script(body):  # a model that answers the missed case right and talks nonsense elsewhere
        try:
            return good(body)
        except AssertionError:
            return "I am not sure."

    with FakeOpenAI([Script(reply=script)]) as api:
        cfg = write_config(tmp_path / "vvai.toml", api.base_url)
        r = run("monitor", "score", str(corpus), "--config", str(cfg), "--json")
    assert r.returncode == 0, r.stderr + r.stdout
    side = json.loads(r.stdout)
    assert side["never_worse"] is True and side["worse"] == [] and side["better"] == ["missed"]
    assert side["rules"]["passed"] == 4 and side["rules+llm"]["passed"] == 5
    assert side["rules+llm"]["false_alarms"] == side["rules"]["false_alarms"] == 0
    assert side["rules+llm"]["calls"] >= 4 and side["rules+llm"]["rejected_answers"] >= 3


def test_the_monitor_service_gets_the_advisor_from_the_config(tmp_path, monkeypatch):
    """`vvai monitor run/once` build the service through vvai.runtime: [llm] on -> an Advisor."""
    from vvai.llm.advisor import LLMAdvisor
    from vvai.monitor.config import parse_config
    from vvai.runtime import build_service

    monkeypatch.setenv(KEY_ENV, "test-key")
    base = {"store": {"path": str(tmp_path / "m.db")}, "engine": {"enabled": False},
            "pipeline": {"root": str(tmp_path)}, "metrics": {"enabled": False}}
    off = build_service(parse_config(base), sources=[])
    assert off.advisor is None
    on = build_service(parse_config({**base, "llm": {"mode": "api", "api": {"base_url": "http://127.0.0.1:9/v1",
                                                                            "api_key_env": KEY_ENV}}}), sources=[])
    assert isinstance(on.advisor, LLMAdvisor)
