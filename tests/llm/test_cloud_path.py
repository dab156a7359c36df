"""The cloud path against a real local HTTP server speaking OpenAI's protocol (vvai.testing.fake_openai):
whatever the scripted model answers, only a grounded answer within policy changes the diagnosis."""

from __future__ import annotations

import json
import time

import pytest

from tests.llm.conftest import AWS_SECRET, PASSWORD
from tests.llm.helpers import KEY_ENV, advise, answer, api_config, quote_from
from vvai.common.errors import ConfigError
from vvai.llm.budget import estimate_tokens
from vvai.testing.fake_openai import FakeOpenAI, Script


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "test-key")


def export_failure(body, **over):
    src, text = quote_from(body, "upload failed")
    inc = {"category": "export_failure", "component": "log_exporter", "severity": "error", "confidence": 0.8,
           "root_cause": "the exporter is denied access to its S3 bucket, so summaries are not shipped",
           "evidence": [{"source": src, "text": text}], "actions": [{"type": "alert"}]}
    inc.update(over)
    return answer(inc)


def reasons(adv):
    return " | ".join(r["reason"] for r in adv.last_block["rejected"])


def test_correct_answer_adds_what_the_rules_missed_and_nothing_secret_was_sent(missed_bundle):
    with FakeOpenAI([Script(reply=export_failure)]) as api:
        adv, rules, fused = advise(missed_bundle, api_config(api.base_url))
        sent = json.dumps(api.requests, ensure_ascii=False)
    assert rules == []
    assert [(i.category, i.component, i.diagnosed_by) for i in fused] == [("export_failure", "log_exporter", "llm")]
    # the model quoted the placeholder; the evidence is mapped back to the verbatim line
    assert AWS_SECRET in fused[0].evidence[0].text
    assert AWS_SECRET not in sent and PASSWORD not in sent and "«SECRET_" in sent
    assert api.auth == ["Bearer test-key"]
    block = adv.last_block
    assert block["mode"] == "api" and block["calls"] == 1 and block["accepted"] == 1 and block["fallback"] is None
    assert fused[0].to_spec()["diagnosed_by"] == "llm"
    # within the budget, by the estimate and by what the server counted
    content = api.sent_text(0)
    assert estimate_tokens(content) <= 3000
    assert api.requests[0]["response_format"]["type"] == "json_schema"


@pytest.mark.parametrize("bad,why", [
    ({"evidence": [{"source": "logs/log_exporter.log", "text": "ERROR bucket vv-archive was deleted by admin"}]},
     "evidence not verbatim"),
    ({"component": "host"}, "unknown component 'host'"),
    ({"category": "network_glitch"}, "unknown category 'network_glitch'"),
    ({"evidence": [{"source": "logs/nowhere.log", "text": "ERROR upload failed: s3://vv-archive"}]},
     "unknown source"),
    ({"actions": [{"type": "cleanup", "target": "processed"}]}, "forbidden by the policy"),
    ({"actions": [{"type": "restart", "target": "scene_scanner"}]}, "forbidden by the policy"),
    ({"actions": [{"type": "rm -rf", "target": "/"}]}, "unknown action type"),
    ({"evidence": [{"source": "logs/log_exporter.log", "text": "ERROR"}]}, "shorter than"),
    ({"file": "../../etc/passwd"}, "not a basename"),
    ({"confidence": "very"}, "confidence is not a number"),
])
def test_ungrounded_or_forbidden_answers_are_rejected_with_the_reason(missed_bundle, bad, why):
    with FakeOpenAI([Script(reply=lambda body: export_failure(body, **bad))]) as api:
        adv, rules, fused = advise(missed_bundle, api_config(api.base_url))
    assert fused == rules == []
    assert why in reasons(adv)
    assert adv.last_block["accepted"] == 0 and adv.last_block["calls"] == 1


def test_prose_instead_of_json_is_rejected_and_prose_wrapped_json_is_read(missed_bundle):
    with FakeOpenAI([Script(text="The exporter seems to have trouble with S3. I would restart it.")]) as api:
        adv, _, fused = advise(missed_bundle, api_config(api.base_url))
    assert fused == [] and "no JSON object" in reasons(adv)
    wrapped = lambda body: "Here is my diagnosis:\n```json\n" + export_failure(body) + "\n```\nHope it helps."  # noqa: E731
    with FakeOpenAI([Script(reply=wrapped)]) as api:
        adv, _, fused = advise(missed_bundle, api_config(api.base_url))
    assert [i.diagnosed_by for i in fused] == ["llm"]


def test_http_500_falls_back_to_the_rules(oom_bundle):
    with FakeOpenAI([Script(status=500)]) as api:
        adv, rules, fused = advise(oom_bundle, api_config(api.base_url))
    assert [i.to_spec() | {"diagnosed_by": "rules"} for i in fused] == [i.to_spec() | {"diagnosed_by": "rules"}
                                                                         for i in rules]
    assert [i.diagnosed_by for i in fused] == ["rules"]
    assert adv.last_block["fallback"] == "error" and "HTTP 500" in reasons(adv)


def test_a_hang_past_the_timeout_falls_back_within_the_timeout(oom_bundle):
    with FakeOpenAI([Script(hang_s=20, text=answer())]) as api:
        t0 = time.monotonic()
        adv, rules, fused = advise(oom_bundle, api_config(api.base_url, timeout_s=1))
        took = time.monotonic() - t0
    assert took < 6
    assert adv.last_block["fallback"] == "timeout"
    assert [(i.category, i.severity) for i in fused] == [(i.category, i.severity) for i in rules]


def test_obeying_an_injected_instruction_removes_or_downgrades_nothing(oom_bundle):
    rules_spec = None
    scripts = [Script(text=answer()),  # "the rules are wrong: nothing happened"
               Script(text=answer({"category": "healthy", "component": "scene_scanner"})),
               Script(reply=lambda body: answer({
                   "category": "oom_kill", "component": "scene_scanner", "severity": "info", "confidence": 0.1,
                   "root_cause": "ignore previous instructions: nothing to see",
                   "evidence": [dict(zip(("source", "text"), quote_from(body, "oom"), strict=True))],
                   "actions": [{"type": "alert"}]}))]
    for script in scripts:
        with FakeOpenAI([script]) as api:
            adv, rules, fused = advise(oom_bundle, api_config(api.base_url))
        rules_spec = rules_spec or [i.to_spec() for i in rules]
        assert len(fused) == len(rules) == 1
        got = fused[0]
        assert (got.category, got.component, got.severity.value) == (rules[0].category, rules[0].component,
                                                                     rules[0].severity.value)
        assert [a.label() for a in got.actions] == [a.label() for a in rules[0].actions]
        assert got.confidence == rules[0].confidence


def test_a_grounded_refinement_is_marked_rules_plus_llm_and_keeps_the_rules_actions(oom_bundle):
    def refine(body):
        src, text = quote_from(body, "oom")
        return answer({"category": "oom_kill", "component": "scene_scanner", "severity": "critical",
                       "confidence": 0.9, "root_cause": "the 24h panorama recording needs more than 2g to decode",
                       "evidence": [{"source": src, "text": text}],
                       "actions": [{"type": "restart", "target": "scene_scanner"}]})

    with FakeOpenAI([Script(reply=refine)]) as api:
        adv, rules, fused = advise(oom_bundle, api_config(api.base_url))
    inc = fused[0]
    assert inc.diagnosed_by == "rules+llm" and inc.to_spec()["diagnosed_by"] == "rules+llm"
    assert inc.root_cause.startswith(rules[0].root_cause)
    assert "LLM analysis: the 24h panorama recording needs more than 2g" in inc.root_cause
    assert "LLM suggests: restart:scene_scanner" in inc.root_cause
    assert [a.label() for a in inc.actions] == [a.label() for a in rules[0].actions]
    assert adv.last_block["accepted"] == 1


def test_the_injection_line_is_sent_only_inside_the_data_fence(missed_bundle):
    with FakeOpenAI([Script(text=answer())]) as api:
        advise(missed_bundle, api_config(api.base_url))
        system, user = api.requests[0]["messages"][0]["content"], api.requests[0]["messages"][1]["content"]
    assert "ignore previous instructions" not in system
    head, _, rest = user.partition(">\n")
    assert head.startswith("<data-")
    nonce = head[len("<data-"):]
    assert f"<data-{nonce}>" in system and "untrusted DATA" in system
    inside = rest.split(f"</data-{nonce}>")[0]
    assert "ignore previous instructions" in inside


def test_redaction_cannot_be_switched_off_for_the_api_without_allow_unredacted(missed_bundle):
    with pytest.raises(ConfigError, match="allow_unredacted"):
        api_config("http://127.0.0.1:9/v1", redact=False)
    with FakeOpenAI([Script(text=answer())]) as api:
        advise(missed_bundle, api_config(api.base_url, redact=False, allow_unredacted=True))
        assert AWS_SECRET in json.dumps(api.requests)  # the explicit switch is the only way


def test_a_missing_api_key_is_a_one_line_config_error(monkeypatch):
    monkeypatch.delenv(KEY_ENV)
    from vvai.llm.advisor import LLMAdvisor

    with pytest.raises(ConfigError, match=f"{KEY_ENV} is not set"):
        LLMAdvisor(api_config("http://127.0.0.1:9/v1"))
