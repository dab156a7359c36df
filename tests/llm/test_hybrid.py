"""Hybrid: local first, escalation to the API, the answer cache and the hourly API cap.
Two real local HTTP servers: one plays the box's local model, the other the cloud API."""

from __future__ import annotations

import json

import pytest

from tests.llm.conftest import AWS_SECRET
from tests.llm.helpers import KEY_ENV, advise, answer, llm_config, quote_from
from vvai.llm.advisor import LLMAdvisor
from vvai.llm.budget import estimate_tokens
from vvai.testing.fake_openai import FakeOpenAI, Script


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "test-key")


def hybrid_config(local_url: str, api_url: str, **over):
    return llm_config(mode="hybrid", local={"base_url": local_url, "model": "local-small"},
                      api={"base_url": api_url, "model": "big", "api_key_env": KEY_ENV}, **over)


def good(body, confidence=0.85):
    src, text = quote_from(body, "upload failed")
    return answer({"category": "export_failure", "component": "log_exporter", "severity": "error",
                   "confidence": confidence, "root_cause": "S3 access denied",
                   "evidence": [{"source": src, "text": text}],
                   "actions": [{"type": "alert"}]})


NONSENSE = answer({"category": "oom_kill", "component": "scene_scanner", "severity": "critical", "confidence": 0.9,
                   "root_cause": "x",
                   "evidence": [{"source": "logs/scene_scanner.log", "text": "no such line anywhere"}],
                   "actions": []})


def test_a_rejected_local_answer_escalates_to_the_api(missed_bundle):
    with FakeOpenAI([Script(text=NONSENSE)], api_key="not-needed") as local, \
            FakeOpenAI([Script(reply=good)]) as api:
        adv, _rules, fused = advise(missed_bundle, hybrid_config(local.base_url, api.base_url))
        local_sent, api_sent = json.dumps(local.requests), json.dumps(api.requests, ensure_ascii=False)
    assert len(local.requests) == len(api.requests) == 1
    assert [(i.category, i.diagnosed_by) for i in fused] == [("export_failure", "llm")]
    block = adv.last_block
    assert block["calls"] == 2 and block["fallback"] is None
    assert any("evidence not verbatim" in r["reason"] for r in block["rejected"])
    assert any("escalated to the API: local answer rejected" in n for n in block["notes"])
    # the local model (on this box) saw the data as read; the API only redacted
    assert AWS_SECRET in local_sent and AWS_SECRET not in api_sent
    assert api.requests[0]["response_format"]["type"] == "json_schema"
    assert local.requests[0]["response_format"] == {"type": "json_object",
                                                   "schema": local.requests[0]["response_format"]["schema"]}


def test_a_grounded_confident_local_answer_is_not_escalated(missed_bundle):
    with FakeOpenAI([Script(reply=good)], api_key="not-needed") as local, FakeOpenAI([Script(reply=good)]) as api:
        adv, _r, fused = advise(missed_bundle, hybrid_config(local.base_url, api.base_url))
        assert len(api.requests) == 0
    assert [i.diagnosed_by for i in fused] == ["llm"] and adv.last_block["calls"] == 1


def test_low_local_confidence_escalates(missed_bundle):
    with FakeOpenAI([Script(reply=lambda b: good(b, 0.3))], api_key="not-needed") as local, \
            FakeOpenAI([Script(reply=good)]) as api:
        adv, _r, fused = advise(missed_bundle, hybrid_config(local.base_url, api.base_url))
        assert len(api.requests) == 1
    assert any("below 0.6" in n for n in adv.last_block["notes"])
    assert fused[0].confidence == 0.85  # the API's answer counts


def test_rules_found_nothing_while_errors_exist_escalates(missed_bundle):
    with FakeOpenAI([Script(text=answer())], api_key="not-needed") as local, FakeOpenAI([Script(reply=good)]) as api:
        adv, _r, fused = advise(missed_bundle, hybrid_config(local.base_url, api.base_url))
        assert len(api.requests) == 1
    assert any("errors no rule explained" in n for n in adv.last_block["notes"])


def test_same_window_is_answered_from_the_cache_and_api_calls_are_capped(missed_bundle):
    now = [1000.0]
    with FakeOpenAI([Script(text=NONSENSE)], api_key="not-needed") as local, FakeOpenAI([Script(reply=good)]) as api:
        cfg = hybrid_config(local.base_url, api.base_url, hybrid={"api_calls_per_hour": 2})
        adv = LLMAdvisor(cfg, clock=lambda: now[0])
        for _ in range(3):  # a crash loop: the same window again and again
            advise(missed_bundle, cfg, adv)
        assert len(local.requests) == 1 and len(api.requests) == 1
        assert adv.last_block["calls"] == 0
        log = missed_bundle / "logs" / "log_exporter.log"
        with log.open("a") as f:  # the window moved on, nothing new went wrong: the same situation
            f.write("2026-11-20T09:58:00.000000000Z INFO retry 7 of 9\n")
            f.write("2026-11-20T09:58:30.000000000Z INFO shipped cam4_0002.summary.json\n")
        advise(missed_bundle, cfg, adv)
        assert len(local.requests) == 1 and len(api.requests) == 1
        for word in ("alpha", "beta", "gamma", "delta"):  # new errors every pass: new calls, up to the cap
            with log.open("a") as f:
                f.write(f"2026-11-20T09:59:00.000000000Z ERROR retry queue {word} is stuck\n")
            advise(missed_bundle, cfg, adv)
        assert len(api.requests) == 2
        assert any("API call cap reached (2 per hour)" in n for n in adv.last_block["notes"])
        now[0] += 3601  # an hour later the cap has room again
        with log.open("a") as f:
            f.write("2026-11-20T10:00:00.000000000Z ERROR retry queue epsilon is stuck\n")
        advise(missed_bundle, cfg, adv)
        assert len(api.requests) == 3


def test_the_local_model_reads_a_smaller_prompt_than_the_api(big_bundle):
    """[llm.local] max_prompt_tokens caps what the box's own cores must read of a big window; the
    escalation to the API gets the whole [llm] budget, with the same instructions."""
    with FakeOpenAI([Script(text=NONSENSE)], api_key="not-needed") as local, \
            FakeOpenAI([Script(text=answer())]) as api:
        cfg = llm_config(mode="hybrid", local={"base_url": local.base_url, "model": "local-small",
                                               "max_prompt_tokens": 1024},
                         api={"base_url": api.base_url, "model": "big", "api_key_env": KEY_ENV})
        advise(big_bundle, cfg)
        msgs = [s.requests[0]["messages"] for s in (local, api)]
    sent = [sum(estimate_tokens(str(m.get("content") or "")) for m in ms) for ms in msgs]
    assert sent[0] <= 1024 < 1500 < sent[1] <= 3000, sent
    assert msgs[0][0]["content"].split("<data-")[0] == msgs[1][0]["content"].split("<data-")[0]


def test_by_default_the_local_model_reads_at_most_1536_tokens_and_the_api_the_whole_budget(big_bundle):
    """The embedded [llm.local] cap (bench/llm.py: p50 8.5 s a bundle on 2 cores at 1536) applies
    when the operator sets none; [llm] max_prompt_tokens stays the API's budget."""
    with FakeOpenAI([Script(text=NONSENSE)], api_key="not-needed") as local, \
            FakeOpenAI([Script(text=answer())]) as api:
        cfg = llm_config(mode="hybrid", max_prompt_tokens=6000,
                         local={"base_url": local.base_url, "model": "local-small"},
                         api={"base_url": api.base_url, "model": "big", "api_key_env": KEY_ENV})
        assert cfg.local.max_prompt_tokens == 1536
        advise(big_bundle, cfg)
        msgs = [s.requests[0]["messages"] for s in (local, api)]
    sent = [sum(estimate_tokens(str(m.get("content") or "")) for m in ms) for ms in msgs]
    assert sent[0] <= 1536 < 4000 < sent[1] <= 6000, sent
