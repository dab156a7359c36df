"""The monitor loop with the LLM advisor (as `vvai monitor run/once` build it through vvai.runtime):
an incident the LLM adds is stored and reported with diagnosed_by; the same situation next pass is
answered from the cache (no second API call) and stays unchanged."""

from __future__ import annotations

import json

from tests.llm.helpers import KEY_ENV, answer, quote_from
from vvai.common.timefmt import parse_epoch
from vvai.monitor.config import parse_config
from vvai.monitor.sources.base import Record
from vvai.runtime import build_service
from vvai.testing.fake_openai import FakeOpenAI, Script


def _records(path):
    meta = json.loads((path / "bundle.json").read_text())
    recs = [Record("component", 0, spec, name=name) for name, spec in meta["components"].items()]
    for log in (path / "logs").glob("*.log"):
        for line in log.read_text().splitlines():
            recs.append(Record("log", parse_epoch(line.split(" ", 1)[0]) or 0, line, name=log.stem))
    return recs, parse_epoch(meta["window"]["start"]), parse_epoch(meta["window"]["end"])


def test_a_pass_stores_the_llm_incident_and_the_next_pass_uses_the_cache(missed_bundle, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "test-key")

    def good(body):
        src, text = quote_from(body, "upload failed")
        return answer({"category": "export_failure", "component": "log_exporter", "severity": "error",
                       "confidence": 0.8, "root_cause": "S3 denies the exporter",
                       "evidence": [{"source": src, "text": text}], "actions": [{"type": "alert"}]})

    with FakeOpenAI([Script(reply=good)]) as api:
        root = tmp_path / "vv"
        for d in ("input", "processed", "corrupted", "logs"):
            (root / d).mkdir(parents=True)
        cfg = parse_config({"monitor": {"host": "edge-test", "window_s": 7200, "interval_s": 3600},
                            "pipeline": {"root": str(root)}, "engine": {"enabled": False},
                            "store": {"path": str(tmp_path / "m.db")}, "metrics": {"enabled": False},
                            "llm": {"mode": "api", "timeout_s": 5,
                                    "api": {"base_url": api.base_url, "api_key_env": KEY_ENV}}})
        svc = build_service(cfg, sources=[])
        records, start, end = _records(missed_bundle)
        first = svc.run_pass(records, start=start, end=end)
        second = svc.run_pass(records, start=start, end=end)
        assert len(api.requests) == 1
    assert [(i["category"], i["diagnosed_by"], i["change"]) for i in first.incidents] == \
        [("export_failure", "llm", "new")]
    assert [(i["category"], i["change"]) for i in second.incidents] == [("export_failure", "unchanged")]
    stored = svc.store.incidents("open")
    assert [(r["category"], r["component"]) for r in stored] == [("export_failure", "log_exporter")]
    svc.store.close()
