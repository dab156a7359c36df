r"""Every user-supplied regex (``--mask``, ``--log-format``, knowledge-base patterns) is compiled
here, so that no pattern can hang the process: ``(a+)+$`` against ``"aaaa...b"`` takes
exponential time in Python's backtracking ``re``.

:func:`compile_user_regex` returns a :class:`SafeRegex` (``search``, ``match``, ``fullmatch``,
``finditer``, ``findall``, ``sub``, ``subn``, ``split``) backed by one of two engines:

1. **RE2** (``google-re2``), a linear-time automaton engine, whenever it accepts the pattern.
   This is the normal case and cannot hang, whatever the pattern or the text.
2. Patterns RE2 refuses use constructs that need backtracking: backreferences (``\1``),
   lookarounds (``(?=``, ``(?<!``...), atomic groups, possessive quantifiers, conditionals, or
   repetition counts above 1000. With ``backtracking=False`` they are refused at once with a
   one-line error naming the construct. Otherwise (the default) they run on the ``regex``
   module (Python ``re`` syntax, a backtracking engine) with a time limit on every call:
   a call that exceeds it raises :class:`RegexTimeoutError`, a one-line error naming the
   construct, instead of hanging.

The syntax is Python's: a pattern is first checked with :func:`re.compile` so that a typo gets
the error message Python users know, and a pattern Python rejects is never run. Semantic
differences of RE2 (documented so that nobody is surprised): ``\d``, ``\w``, ``\s`` and ``\b``
are ASCII-only, and ``$`` (without ``re.M``) matches only at the very end, not before a final
newline. The flags ``re.I``, ``re.M``, ``re.S`` and ``re.X`` are honoured by both engines. RE2 works
on UTF-8, so a lone surrogate in the text (undecodable bytes read with ``surrogateescape``)
is matched, and returned by ``sub``, as U+FFFD.

Written by hand because no library offers "RE2 when possible, else a time-limited backtracking
engine, with errors fit for a command line"; the engines themselves are libraries.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from vvai.common.errors import ConfigError

#: Seconds one call of a backtracking-engine regex may take before it is stopped.
DEFAULT_TIMEOUT = 1.0
#: Longest pattern accepted (a longer one is almost surely not meant as a pattern).
MAX_PATTERN_CHARS = 10_000
_SUPPORTED_FLAGS = re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE

# What RE2's error text says -> the construct, in words an operator understands.
_CONSTRUCTS = (
    ("(?<=", "a lookbehind (?<=...)"),
    ("(?<!", "a negative lookbehind (?<!...)"),
    ("(?=", "a lookahead (?=...)"),
    ("(?!", "a negative lookahead (?!...)"),
    ("(?>", "an atomic group (?>...)"),
    ("(?(", "a conditional (?(...)"),
    ("(?P=", "a named backreference (?P=...)"),
    ("*+", "a possessive quantifier"),
    ("++", "a possessive quantifier"),
    ("?+", "a possessive quantifier"),
    ("}+", "a possessive quantifier"),
    ("repetition size", "a repetition count above 1000"),
    ("\\Z", "the \\Z anchor (write \\z)"),
)
_BACKREF = re.compile(r"\\[1-9]|\\g<")
_SURROGATE = re.compile("[\ud800-\udfff]")


class RegexError(ConfigError):
    """A user regex that is invalid or refused; ``reason`` is the short why (no pattern)."""

    def __init__(self, message: str, *, reason: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason


class RegexTimeoutError(RegexError):
    """A backtracking-engine regex ran longer than its time limit on one input."""


def describe_construct(pattern: str, re2_error: str = "") -> str:
    """The backtracking-only construct that made RE2 refuse ``pattern``, in words."""
    if _BACKREF.search(pattern) or "invalid escape sequence: \\1" in re2_error:
        return "a backreference (\\1)"
    for needle, words in _CONSTRUCTS:
        if needle in re2_error:
            return words
    for needle, words in _CONSTRUCTS:
        if needle in pattern:
            return words
    return f"a construct RE2 does not support ({re2_error or 'unknown'})"


class SafeRegex:
    """A compiled user regex that cannot hang (see the module docstring).

    ``engine`` is ``"re2"`` or ``"regex"`` (time-limited backtracking). Methods mirror
    :class:`re.Pattern`; match objects are the engine's and have the usual ``group``,
    ``groupdict``, ``span``, ``start`` and ``end``.
    """

    __slots__ = ("pattern", "what", "engine", "construct", "timeout", "_rx", "_raw", "groups", "groupindex")

    def __init__(self, pattern: str, what: str, engine: str, rx: Any, construct: str, timeout: float) -> None:
        self.pattern = pattern
        self.what = what
        self.engine = engine
        self.construct = construct
        self.timeout = timeout
        self._rx = rx
        self._raw = _raw_matcher(rx) if engine == "re2" else None
        self.groups: int = rx.groups
        self.groupindex: dict[str, int] = dict(rx.groupindex)

    def __repr__(self) -> str:
        return f"SafeRegex({self.pattern!r}, engine={self.engine!r})"

    def _limited(self, method: str, *args: Any, **kw: Any) -> Any:
        if self.engine == "re2":
            try:
                return getattr(self._rx, method)(*args, **kw)
            except UnicodeEncodeError:  # RE2 works on UTF-8, which cannot hold a lone surrogate
                return getattr(self._rx, method)(*_no_surrogates(args), **kw)
        try:
            return getattr(self._rx, method)(*args, timeout=self.timeout, **kw)
        except TimeoutError:
            raise self._timeout_error() from None

    def _timeout_error(self) -> RegexTimeoutError:
        reason = f"took more than {self.timeout:g} s on one input and was stopped"
        return RegexTimeoutError(
            f"{self.what} regex {self.pattern!r} {reason}: it uses {self.construct}, which needs a backtracking engine",
            reason=reason,
            hint="rewrite it without that construct so that the linear-time engine (RE2) can run it",
        )

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        return self._limited("search", text, pos, len(text) if endpos is None else endpos)

    def match(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        return self._limited("match", text, pos, len(text) if endpos is None else endpos)

    def fullmatch(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        return self._limited("fullmatch", text, pos, len(text) if endpos is None else endpos)

    def findall(self, text: str) -> list[Any]:
        return self._limited("findall", text)

    def finditer(self, text: str) -> Iterator[Any]:
        """Matches one by one; with the backtracking engine each step is time-limited."""
        if self.engine == "re2":
            return self._rx.finditer(_no_surrogates((text,))[0])
        return self._iter_limited(text)

    def _iter_limited(self, text: str) -> Iterator[Any]:
        it = self._rx.finditer(text, timeout=self.timeout)
        while True:
            try:
                m = next(it)
            except StopIteration:
                return
            except TimeoutError:
                raise self._timeout_error() from None
            yield m

    def sub(self, repl: str | Callable[[Any], str], text: str, count: int = 0) -> str:
        if self._raw is not None and not count and repl.__class__ is str and "\\" not in repl and text.isascii():
            out = self._sub_ascii(repl, text)
            if out is not None:
                return out
        return self._limited("sub", repl, text, count)

    def _sub_ascii(self, repl: str, text: str) -> str | None:
        """``sub`` of a literal replacement in ASCII text straight on RE2's matcher (byte offsets
        are character offsets), about 4x faster than the ``re2`` module's generic path, which
        maps every offset back from UTF-8. ``None`` (use the generic path) on an empty match,
        whose stepping rules are subtle."""
        match, anchor = self._raw
        data = text.encode("ascii")
        end = len(data)
        pos = 0
        parts: list[str] = []
        while pos <= end:
            a, b = match(anchor, data, pos, end)[0]
            if a < 0:
                break
            if a == b:
                return None
            parts.append(text[pos:a])
            pos = b
        if not parts:
            return text
        parts.append(text[pos:])
        return repl.join(parts)

    def subn(self, repl: str | Callable[[Any], str], text: str, count: int = 0) -> tuple[str, int]:
        return self._limited("subn", repl, text, count)

    def split(self, text: str, maxsplit: int = 0) -> list[str]:
        return self._limited("split", text, maxsplit)


def _raw_matcher(rx: Any) -> tuple | None:
    """``(RE2.Match, UNANCHORED)`` of a compiled ``re2`` pattern, or ``None`` if this version of
    the ``re2`` module does not expose them (then every call takes its public path)."""
    try:
        import re2

        match = rx._regexp.Match
        anchor = re2._Anchor.UNANCHORED
        if match(anchor, b"", 0, 0) is None:
            return None
    except Exception:
        return None
    return match, anchor


def _no_surrogates(args: tuple) -> tuple:
    """``args`` with every lone surrogate in its strings replaced by U+FFFD (one character for
    one, so match offsets are unchanged)."""
    return tuple(_SURROGATE.sub("\ufffd", a) if isinstance(a, str) else a for a in args)


def compile_user_regex(
    pattern: Any,
    what: str = "--mask",
    *,
    flags: int = 0,
    backtracking: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> SafeRegex:
    """Compile a user-supplied regex safely (see the module docstring).

    ``what`` names the pattern's origin in error messages (``"--mask"``, ``"--log-format"``,
    ``"knowledge-base pattern"``). Raises :class:`RegexError` (a :class:`ConfigError`, one line)
    if the pattern is not a string, too long, invalid Python syntax, or, with
    ``backtracking=False``, needs a backtracking engine.
    """
    hint = f"fix the {what} pattern"
    if not isinstance(pattern, str):
        raise RegexError(f"{what} regex must be text, not {type(pattern).__name__}", reason="not text", hint=hint)
    if len(pattern) > MAX_PATTERN_CHARS:
        reason = f"longer than {MAX_PATTERN_CHARS:,} characters"
        raise RegexError(f"{what} regex is {reason}", reason=reason, hint=hint)
    if flags & ~_SUPPORTED_FLAGS:
        raise ValueError(f"unsupported regex flags {flags:#x}")  # a programming error, not the user's
    try:
        re.compile(pattern, flags)  # the syntax users know; compiling is cheap, only matching backtracks
    except (re.error, OverflowError, RecursionError) as e:
        raise RegexError(f"invalid {what} regex {pattern!r}: {e}", reason=str(e), hint=hint) from e
    rx2, re2_error = _re2_compile(pattern, flags)
    if rx2 is not None:
        return SafeRegex(pattern, what, "re2", rx2, "", timeout)
    construct = describe_construct(pattern, re2_error)
    if not backtracking:
        reason = f"uses {construct}, which the linear-time engine (RE2) does not support"
        raise RegexError(f"{what} regex {pattern!r} {reason}", reason=reason, hint="rewrite it without it")
    import regex  # the backtracking engine with a per-call time limit

    try:
        rx = regex.compile(pattern, flags | regex.VERSION0)
    except (regex.error, OverflowError, RecursionError) as e:
        raise RegexError(f"invalid {what} regex {pattern!r}: {e}", reason=str(e), hint=hint) from e
    return SafeRegex(pattern, what, "regex", rx, construct, timeout)


def _re2_compile(pattern: str, flags: int) -> tuple[Any, str]:
    """RE2's compiled pattern, or ``None`` and RE2's reason for refusing it."""
    import re2

    opts = re2.Options()
    opts.log_errors = False  # RE2 would print every refusal to stderr
    opts.case_sensitive = not flags & re.IGNORECASE
    opts.dot_nl = bool(flags & re.DOTALL)
    prefix = "(?m)" if flags & re.MULTILINE else ""
    if flags & re.VERBOSE:
        return None, "verbose mode (re.X)"  # RE2 has no verbose mode
    try:
        return re2.compile(prefix + pattern, opts), ""
    except re2.error as e:
        msg = e.args[0] if e.args else e
        return None, msg.decode("utf-8", "replace") if isinstance(msg, bytes) else str(msg)
