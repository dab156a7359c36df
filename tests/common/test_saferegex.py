"""User regexes run in linear time (RE2) or under a time limit, and fail with one-line errors."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vvai.common.errors import ConfigError
from vvai.common.saferegex import RegexError, RegexTimeoutError, compile_user_regex

EVIL = "a" * 50_000 + "!"  # makes (a+)+$ take exponential time in a backtracking engine


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a|aa)+$", r"(a*)*b", r"^(\w+\s?)*$"])
def test_catastrophic_patterns_run_in_linear_time_on_re2(pattern: str) -> None:
    rx = compile_user_regex(pattern)
    assert rx.engine == "re2"
    t0 = time.perf_counter()
    assert rx.search(EVIL) is None or pattern == r"^(\w+\s?)*$"
    assert rx.sub("<*>", "x" + EVIL) is not None
    # Hang guard, not a speed target: the same search in Python's re would not end this century.
    assert time.perf_counter() - t0 < 10


def test_re_api_on_re2() -> None:
    rx = compile_user_regex(r"(?P<key>\w+)=(\d+)", "knowledge-base pattern")
    assert rx.groups == 2 and rx.groupindex == {"key": 1}
    m = rx.search("x a=1 b=22")
    assert m.group(0) == "a=1" and m.groupdict() == {"key": "a"} and m.span() == (2, 5)
    assert rx.match("a=1") is not None and rx.match(" a=1") is None
    assert rx.fullmatch("a=1") is not None and rx.fullmatch("a=1 ") is None
    assert rx.sub("<*>", "a=1 b=22 c") == "<*> <*> c"
    assert rx.sub(r"\2:\g<key>", "a=1 b=22") == "1:a 22:b"
    assert rx.subn("<*>", "a=1 b=22 c") == ("<*> <*> c", 2)
    assert [m.group(2) for m in rx.finditer("a=1 b=22")] == ["1", "22"]
    assert rx.findall("a=1 b=22") == [("a", "1"), ("b", "22")]
    assert compile_user_regex(r"[,;]").split("a,b;c") == ["a", "b", "c"]
    # Non-ASCII text: offsets are in characters, as with re.
    assert compile_user_regex(r"\d+").search("café 42").span() == (5, 7)
    # Flags are honoured.
    assert compile_user_regex("a.b", flags=re.IGNORECASE | re.DOTALL).search("xA\nB") is not None
    assert compile_user_regex("^b", flags=re.MULTILINE).search("a\nb") is not None


def test_lone_surrogates_are_matched_as_replacement_characters() -> None:
    rx = compile_user_regex(r"x\d")
    assert rx.sub("<*>", "\ud800 x1") == "\ufffd <*>"
    assert rx.search("\udcff x2").span() == (2, 4)
    assert [m.span() for m in rx.finditer("\ud800x1x2")] == [(1, 3), (3, 5)]


def test_patterns_re2_refuses_run_under_a_time_limit() -> None:
    rx = compile_user_regex(r"(\w)\1")
    assert rx.engine == "regex" and "backreference" in rx.construct
    assert rx.sub("<*>", "aa bb cd") == "<*> <*> cd"
    look = compile_user_regex(r"(?<!\w)\d{3}(?!\d)")
    assert look.engine == "regex" and look.findall("123 4567 89 321") == ["123", "321"]
    slow = compile_user_regex(r"((a|aa)+)\1?$", timeout=0.2)
    t0 = time.perf_counter()
    with pytest.raises(RegexTimeoutError) as exc:
        slow.search("a" * 60 + "!")
    assert time.perf_counter() - t0 < 10
    msg = exc.value.one_line()
    assert "\n" not in msg and "--mask regex" in msg and "took more than 0.2 s" in msg and "backreference" in msg
    with pytest.raises(RegexTimeoutError):
        list(slow.finditer("a" * 60 + "!"))


@pytest.mark.parametrize(
    ("pattern", "construct"),
    [
        (r"(\w)\1", "backreference"),
        (r"(?<=a)b", "lookbehind"),
        (r"(?!a)b", "negative lookahead"),
        (r"(?>ab)c", "atomic group"),
        (r"a*+b", "possessive"),
        (r"a{2000}", "repetition count"),
    ],
)
def test_backtracking_can_be_refused_naming_the_construct(pattern: str, construct: str) -> None:
    with pytest.raises(RegexError) as exc:
        compile_user_regex(pattern, "knowledge-base pattern", backtracking=False)
    msg = exc.value.one_line()
    assert isinstance(exc.value, ConfigError) and exc.value.exit_code == 2
    assert construct in msg and "knowledge-base pattern" in msg and "RE2" in msg and "\n" not in msg


@pytest.mark.parametrize(
    ("pattern", "needle"),
    [("([a-", "unterminated character set"), ("*x", "nothing to repeat"), ("(?<=a+)b", "fixed-width")],
)
def test_invalid_patterns_are_one_line_config_errors(pattern: str, needle: str) -> None:
    with pytest.raises(RegexError) as exc:
        compile_user_regex(pattern, "--log-format")
    assert needle in exc.value.reason and "invalid --log-format regex" in exc.value.message
    assert "\n" not in exc.value.one_line()


def test_non_text_and_huge_patterns_are_refused() -> None:
    with pytest.raises(RegexError, match="must be text"):
        compile_user_regex(b"abc")  # type: ignore[arg-type]
    with pytest.raises(RegexError, match="longer than"):
        compile_user_regex("a" * 20_000)


VVAI = str(Path(sys.executable).with_name("vvai"))


@pytest.mark.timeout(120)
def test_cli_mask_and_log_format_do_not_hang(tmp_path: Path) -> None:
    """The issue's reproduction: `vvai monitor templates FILE --mask '(a+)+$'` used to hang."""
    log = tmp_path / "evil.log"
    log.write_text(("a" * 30_000 + "!\n") * 3)
    for args in (["--mask", "(a+)+$"], ["--log-format", "<A> (a+)+$<Content>"]):
        r = subprocess.run([VVAI, "monitor", "templates", str(log), "--json", *args], capture_output=True, timeout=60)
        assert r.returncode == 0, r.stderr
    # RE2 refuses a backreference: it runs time-limited and the run stops with a one-line error.
    r = subprocess.run(
        [VVAI, "monitor", "templates", str(log), "--mask", r"((a|aa)+)\1?$"], capture_output=True, timeout=60
    )
    err = r.stderr.decode()
    assert r.returncode == 2 and err.startswith("error: ") and err.count("\n") == 1 and "was stopped" in err
    assert r.stdout == b""


@pytest.mark.parametrize(
    "pattern", [r"blk_-?\d+", r"(\d+\.){3}\d+(:\d+)?", r"\b[KGTM]?B\b", r"([\w-]+\.){2,}[\w-]+", r"^a|b$", r"x"]
)
def test_ascii_fast_path_of_sub_equals_python_re(pattern: str) -> None:
    """``sub`` on ASCII text goes straight to RE2's matcher: same result as Python's re."""
    import random

    rx = compile_user_regex(pattern)
    assert rx._raw is not None  # the fast path is in use with this re2 version
    ref = re.compile(pattern)
    rnd = random.Random(pattern)
    for _ in range(2000):
        text = "".join(rnd.choice("abx .:-_0123456789KBMG/") for _ in range(rnd.randint(0, 40)))
        for repl in ("<*>", "é", ""):
            assert rx.sub(repl, text) == ref.sub(repl, text), (text, repl)
