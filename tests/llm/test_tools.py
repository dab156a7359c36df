"""Read-only investigation tools for servers with tool calls: declared as data, results with a
status, redacted for the API, capped in steps; without tool support the single-prompt path."""

from __future__ import annotations

import json

import pytest

from tests.llm.conftest import AWS_SECRET, PASSWORD
from tests.llm.helpers import KEY_ENV, advise, answer, api_config
from vvai.llm.lines import source_lines
from vvai.llm.tools import TOOLS, run_tool
from vvai.monitor.bundle import load_bundle
from vvai.testing.fake_openai import FakeOpenAI, Script


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "test-key")


def test_tools_are_declared_as_data_with_json_schema_arguments():
    names = {t.name for t in TOOLS}
    assert names == {"component_logs", "component_stats", "folder_listing", "template_counts"}
    for t in TOOLS:
        spec = t.spec()
        assert spec["type"] == "function" and spec["function"]["parameters"]["type"] == "object"
        json.dumps(spec)  # plain data


def test_tool_results_carry_a_status(missed_bundle, oom_bundle):
    b = load_bundle(missed_bundle)
    src = source_lines(b)
    ok = run_tool("component_logs", json.dumps({"component": "log_exporter", "since": "2026-11-20T09:39:00Z"}), b, src)
    assert ok.status == "ok" and "upload failed" in ok.text and "shipped" not in ok.text
    assert run_tool("component_logs", '{"component": "host"}', b, src).status == "error"
    assert run_tool("component_stats", '{"component": "log_exporter"}', b, src).status == "no_data"
    assert run_tool("folder_listing", '{"folder": "input"}', b, src).status == "no_data"
    assert run_tool("rm", "{}", b, src).status == "error"
    assert run_tool("component_logs", "not json", b, src).status == "error"
    o = load_bundle(oom_bundle)
    assert run_tool("folder_listing", '{"folder": "../../etc"}', o, source_lines(o)).status == "error"
    assert run_tool("template_counts", '{"source": "logs/scene_scanner.log"}', o, source_lines(o)).status == "ok"


def test_a_tool_using_model_investigates_then_answers_grounded(missed_bundle):
    def final(body):
        tool_msgs = [m for m in body["messages"] if m.get("role") == "tool"]
        line = next(ln for ln in tool_msgs[0]["content"].splitlines() if "upload failed" in ln)
        src, _, text = line[1:].partition("] ")
        return answer({"category": "export_failure", "component": "log_exporter", "severity": "error",
                       "confidence": 0.9, "root_cause": "S3 denies the exporter", "evidence": [{"source": src,
                                                                                             "text": text}],
                       "actions": []})

    scripts = [Script(tool_calls=[{"name": "component_logs", "arguments": {"component": "log_exporter"}}]),
               Script(reply=final)]
    with FakeOpenAI(scripts) as api:
        adv, _r, fused = advise(missed_bundle, api_config(api.base_url, tools={"enabled": True}))
        sent = json.dumps(api.requests, ensure_ascii=False)
    assert len(api.requests) == 2 and "tools" in api.requests[0]
    tool_msg = [m for m in api.requests[1]["messages"] if m.get("role") == "tool"][0]
    assert tool_msg["content"].startswith("status: ok\n<data-")
    assert AWS_SECRET not in sent and PASSWORD not in sent
    assert [(i.category, i.diagnosed_by) for i in fused] == [("export_failure", "llm")]
    assert AWS_SECRET in fused[0].evidence[0].text  # mapped back
    assert adv.last_block["calls"] == 2


def test_steps_are_capped(missed_bundle):
    loop = Script(tool_calls=[{"name": "component_stats", "arguments": {"component": "scene_scanner"}}])
    with FakeOpenAI([loop, loop, loop, loop, Script(text=answer())]) as api:
        adv, _r, fused = advise(missed_bundle, api_config(api.base_url, tools={"enabled": True, "max_steps": 2}))
        # 2 rounds with tools, then one forced answer without tools
        assert len(api.requests) == 3 and "tools" not in api.requests[2]
    assert adv.last_block["calls"] == 3 and fused == []


def test_without_tool_support_the_single_prompt_path_is_used(missed_bundle):
    with FakeOpenAI([Script(text=answer())]) as api:
        advise(missed_bundle, api_config(api.base_url))
        assert len(api.requests) == 1 and "tools" not in api.requests[0]
