"""The redactor against the secret corpus, benign text, and adversarial sizes."""

from __future__ import annotations

import time

import pytest

from tests.common.secret_corpus import BENIGN, SHAPES
from vvai.common.redact import Pseudonyms, Redactor, redact


def test_corpus_has_at_least_100_shapes_with_unique_names() -> None:
    assert len(SHAPES) >= 100
    assert len({s.name for s in SHAPES}) == len(SHAPES)
    for s in SHAPES:
        assert s.secret in s.line


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.name)
def test_no_secret_survives_redact(shape) -> None:
    out = redact(shape.line)
    assert shape.secret not in out
    assert "[REDACTED:" in out


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.name)
def test_no_secret_survives_pseudonymize_and_restore_is_exact(shape) -> None:
    mapping = Pseudonyms()
    out = Redactor().pseudonymize(shape.line, mapping)
    assert shape.secret not in out
    assert "«SECRET_" in out
    assert mapping.restore(out) == shape.line


@pytest.mark.parametrize("text", BENIGN)
def test_benign_text_is_not_redacted(text: str) -> None:
    assert redact(text) == text


def test_all_shapes_in_one_text_and_the_same_secret_gets_the_same_placeholder() -> None:
    text = "\n".join(s.line for s in SHAPES)
    mapping = Pseudonyms()
    r = Redactor()
    out = r.pseudonymize(text + "\n" + text, mapping)
    for s in SHAPES:
        assert s.secret not in out
    assert mapping.restore(out) == text + "\n" + text
    again = r.pseudonymize(text, mapping)  # a later message of the same conversation
    assert out == again + "\n" + again
    assert len(mapping.by_secret) >= len({sh.secret for sh in SHAPES}) - 5  # distinct secrets, distinct names


def test_placeholders_already_in_the_text_are_not_reused() -> None:
    m = Pseudonyms()
    text = "literal «SECRET_1» then password=hunter22"
    out = Redactor().pseudonymize(text, m)
    assert "hunter22" not in out and "«SECRET_2»" in out
    assert m.restore(out) == text


def test_disabled_passes_through() -> None:
    line = SHAPES[0].line
    assert Redactor(enabled=False).redact(line) == line


def test_ips_and_hostnames_only_by_configuration() -> None:
    line = "connect to 10.1.2.3:9000 and fe80::1ff:fe23:4567:890a and minio.vv.internal failed at 12:34:56"
    assert redact(line) == line
    out = Redactor(ips=True, hostnames=True).redact(line)
    for part in ("10.1.2.3", "fe80::1ff:fe23:4567:890a", "minio.vv.internal"):
        assert part not in out
    assert "12:34:56" in out
    names = "wrote cam3_0001.mp4 and config.json"
    assert Redactor(hostnames=True).redact(names) == names


def test_extra_patterns() -> None:
    r = Redactor(extra_patterns=[r"CUST-\d{6}"])
    assert r.redact("customer CUST-123456 paid") == "customer [REDACTED:custom_1] paid"


def test_redaction_is_idempotent() -> None:
    r = Redactor()
    text = "\n".join(s.line for s in SHAPES)
    once = r.redact(text)
    assert r.redact(once) == once


ADVERSARIAL = {
    "letters": "a" * 5_000_000,
    "upper_digits": "A1" * 2_500_000,
    "b64": "Ab+/" * 1_250_000,
    "password_eq": "password=" * 555_556,
    "password_quote": 'password="' * 500_000,
    "token_colon": "token: " * 714_286,
    "at_signs": "a@" * 2_500_000,
    "dots_at": "a.b@c." * 833_334,
    "schemes": "s3://a:" * 714_286,
    "begin_key": "-----BEGIN RSA PRIVATE KEY-----" * 161_291,
    "eyj": "eyJabcde." * 555_556,
    "bearer": "Bearer " * 714_286,
    "hex": "0123456789abcdef" * 312_500,
    "ipv4": "1.2.3.4." * 625_000,
    "colons": "a:" * 2_500_000,
    "query": "?token=" * 714_286,
    "authorization": "authorization: " * 333_334,
    "sk": "sk-" * 1_666_667,
    "dash_dash": "--password " * 454_546,
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_5mb_lines_are_redacted_in_bounded_time(name: str) -> None:
    text = ADVERSARIAL[name]
    r = Redactor(ips=True, hostnames=True)
    t0 = time.perf_counter()
    r.redact(text)
    elapsed = time.perf_counter() - t0
    # a quadratic rule takes hours on 5 MB; a linear one a few seconds even on a loaded 2-core box
    assert elapsed < 20, f"{name}: {elapsed:.1f}s"


def test_extra_patterns_are_user_regexes_with_one_line_errors() -> None:
    from vvai.common.errors import ConfigError

    with pytest.raises(ConfigError) as e:
        Redactor(extra_patterns=["(unclosed"])
    assert "\n" not in e.value.one_line() and "redaction pattern" in e.value.one_line()
    t0 = time.perf_counter()
    out = Redactor(extra_patterns=[r"(a+)+$"]).redact("a" * 40 + "b")  # catastrophic in plain re
    assert time.perf_counter() - t0 < 5 and out.endswith("b")
