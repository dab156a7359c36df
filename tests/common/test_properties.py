"""Property-based tests (Hypothesis) of the common parsers: the bounded JSON loader, byte sizes,
and the redactor. Random and adversarial inputs give a result or the project's own error type,
never anything else, within the deadline."""

from __future__ import annotations

import json
import math
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.common.secret_corpus import SHAPES
from vvai.common import jsonsafe
from vvai.common.errors import ConfigError
from vvai.common.redact import Pseudonyms, Redactor
from vvai.common.sizes import parse_mem, parse_size

FAST = settings(max_examples=300, deadline=timedelta(seconds=2), suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30)


def _nested(depth: int, open_: str) -> str:
    close = {"[": "]", "{": "}"}
    body = "".join('{"k":' if c == "{" else "[" for c in open_ * depth)
    return body + "1" + "".join(close[c] for c in reversed(open_ * depth))


@FAST
@given(st.binary(max_size=2000))
def test_jsonsafe_random_bytes(data: bytes) -> None:
    try:
        jsonsafe.loads(data, what="doc")
    except ConfigError as e:
        assert e.one_line().startswith("doc:") and "\n" not in e.one_line()


@FAST
@given(st.text(alphabet='[]{}",:\\ 01aetrufnl', max_size=3000))
def test_jsonsafe_adversarial_text(text: str) -> None:
    try:
        jsonsafe.loads(text, what="doc")
    except ConfigError:
        pass


@FAST
@given(json_values)
def test_jsonsafe_agrees_with_json_on_valid_documents(value) -> None:
    text = json.dumps(value)
    assert jsonsafe.loads(text, what="doc") == json.loads(text)


@settings(max_examples=100, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=200_000), st.sampled_from(["[", "{", "[{"]))
def test_jsonsafe_depth_is_bounded_not_recursive(depth: int, kind: str) -> None:
    text = _nested(depth, kind) if depth < 5000 else kind[0] * depth
    try:
        jsonsafe.loads(text, what="doc")
        assert jsonsafe.depth(text) <= jsonsafe.MAX_DEPTH
    except ConfigError as e:
        assert "nested" in e.message or "invalid JSON" in e.message


@FAST
@given(st.text(max_size=60) | st.from_regex(r"\s*\d{1,500}(\.\d{0,50})?\s*[kKmMgGtT]?i?[bB]?\s*", fullmatch=True))
def test_parse_size_gives_bytes_or_config_error(text: str) -> None:
    try:
        n = parse_size(text)
    except ConfigError:
        return
    assert isinstance(n, int) and n >= 0


@FAST
@given(st.one_of(st.text(max_size=40), st.integers(), st.floats(), st.none(), st.booleans()))
def test_parse_mem_gives_bytes_or_none(value) -> None:
    n = parse_mem(value)
    assert n is None or isinstance(n, int) or (isinstance(value, float) and not math.isfinite(value))


REDACTOR = Redactor()


@settings(max_examples=200, deadline=timedelta(seconds=3), suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=80) | st.sampled_from([s.line for s in SHAPES]), max_size=6))
def test_pseudonymize_restores_exactly_and_hides_every_corpus_secret(parts: list[str]) -> None:
    text = " ".join(parts)
    m = Pseudonyms()
    out = REDACTOR.pseudonymize(text, m)
    assert m.restore(out) == text
    red = REDACTOR.redact(text)
    for s in SHAPES:
        if s.line in parts:
            assert s.secret not in out and s.secret not in red


@settings(max_examples=200, deadline=timedelta(seconds=3), suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_redact_never_raises_and_keeps_text_without_triggers(text: str) -> None:
    out = REDACTOR.redact(text)
    assert isinstance(out, str)
    if not any(c in text for c in "=:@-/.") and "bearer" not in text.lower() and "basic" not in text.lower():
        assert out == text or "[REDACTED:" in out
