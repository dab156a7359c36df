"""Masking: replace the variable parts of a log line (numbers, ids, IPs, paths...) by ``<*>``.

Why this is more than a loop of ``re.sub``: on a small edge box a regex pass costs about as
much as mining the line, so the miner avoids running masks on most lines:

* The user's masks are joined into ONE alternation ``(?:m1)|(?:m2)|...`` (at a given position
  the first that matches wins) and applied first; then the built-in ones, joined the same way,
  unless the text is purely alphabetic. A user mask with backreferences cannot be joined (group
  numbers would shift) and is applied on its own, before the others.
* :func:`mask_is_token_local` tells whether a mask can only ever match inside one
  whitespace-free token and behaves the same on a lone token as inside the line (no ``\\s``,
  ``.``, ``[^...]``, anchors...). When every mask is, the miner masks token by token through a
  cache, which turns masking into dictionary look-ups.
* :func:`shape_mode` tells whether the masked text depends only on the line's *shape*: the
  line with every ASCII digit replaced by ``0`` (``"translate"``), or further with every digit
  run collapsed to one ``0`` (``"collapse"``). It is so when the built-in digit mask is on
  (every word holding a digit becomes ``<*>``) and no user mask looks at individual digits
  (a literal digit, ``[0-5]``, or for ``"collapse"`` a ``\\d`` not followed by ``+``/``*``).
  The miner then keys its caches by the shape, so ``took 12 ms`` and ``took 730 ms`` are one
  cache entry and cost one dictionary look-up.

User masks are compiled by :func:`vvai.common.saferegex.compile_user_regex`: they run on RE2
(linear time) or, for backreferences and lookarounds, on a time-limited backtracking engine,
so that a pattern such as ``(a+)+$`` cannot hang a run.

The analysis is conservative: a mask it cannot prove safe just disables the shortcut (slower,
never wrong). The built-in masks are written so that every match attempt starts at a word
boundary and cannot backtrack quadratically: a 1 MB line without spaces costs linear time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from vvai.common.errors import ConfigError
from vvai.common.saferegex import RegexError, SafeRegex, compile_user_regex

WILDCARD = "<*>"

# Characters that end a "word" for the built-in digit mask: whitespace and the punctuation that
# glues a key to its value (``key=value``, ``(uid=0)``, ``host:port``, ``a,b``, ``x|y``), and the
# dot, so that ``core.2275`` keeps ``core.`` and ``instruction......0`` keeps ``instruction``.
_DELIMS = r"\s=:,;.()\[\]{}\"'<>|#"

#: Built-in masks, applied after the user's ones (first match wins). Both are token-local and
#: shape-invariant (see the module docstring), and both only start at a word's first character.
BUILTIN_MASKS: dict[str, str] = {
    # Absolute or relative paths with 2+ segments: /var/log/app.log, ./data/x, ~/y.
    "path": r"(?:~|\.{1,2})?/[\w.\-]+(?:/[\w.\-]*)+",
    # Any word holding a digit: 42, 0x1f, UUIDs, blk_-123, v2, the 2275 of core.2275... (chains
    # such as 10.0.0.1:8080 or 3.5 become one <*>, see _CHAIN). The digit-free prefix is
    # possessive, so a word is scanned once: matching stays linear even on a 1 MB word.
    "digits": rf"[^{_DELIMS}\d]*+\d[^{_DELIMS}]*+",
}
# Shared by the built-in masks: a match starts only where the previous character is a delimiter
# (or at the start), so the engine gives up after one test at every other position.
_WORD_START = rf"(?<![^{_DELIMS}])"

# ``<*>.<*>.<*>.<*>:<*>`` (an IP and port, a version, a decimal, an IPv6 address with ``::``)
# reads better as one ``<*>``.
_CHAIN = re.compile(r"<\*>(?:(?:\.|::?)<\*>)+")
# A word that holds a masked part is a variable as a whole, as a word holding a digit is: a user
# mask such as ``\d+`` turns the UUID ``e3871ffd-5cd5-...`` into ``e<*>ffd-<*>cd<*>-...``, a
# different text for every UUID, and ``-24.0`` into ``-<*>``, unlike ``0.0``. Only words glued
# to a ``<*>`` (no delimiter between) are touched; ``uid=<*>`` and ``Window:<*>`` stay as they are.
# Both patterns stay linear on a 1 MB word: the test starts with a literal (found by a fast
# scan), the substitution starts only at a word's first character (as _WORD_START) and each of
# its runs is lazy up to the first <*>, then possessive.
_WORD_CHAR = rf"[^{_DELIMS}]"
_GLUED_TEST = re.compile(rf"<\*>(?:(?={_WORD_CHAR})|(?<={_WORD_CHAR}<\*>))")
_GLUED = re.compile(rf"{_WORD_START}(?:{_WORD_CHAR}|<\*>)*?<\*>(?:{_WORD_CHAR}|<\*>)*+")
_BACKREF = re.compile(r"\\[1-9]|\(\?P=")
# Escapes that match (or may encode) whitespace, or look past a token's ends: \s \W \D \B \A \Z,
# control characters, and character codes (\x20, \u0020, \N{SPACE}, \040).
_NOT_LOCAL_ESCAPES = set("sWDBAZntrfvxuUN0")


def compile_mask(pattern: str) -> SafeRegex:
    """Compile one user mask safely (:mod:`vvai.common.saferegex`: RE2, or a time-limited
    backtracking engine), turning a bad regex into a one-line :class:`ConfigError`."""
    try:
        rx = compile_user_regex(pattern, "--mask")
    except RegexError as e:
        raise ConfigError(f"invalid mask regex {pattern!r}: {e.reason}", hint="fix the --mask pattern") from e
    if rx.fullmatch("") is not None:
        # A mask matching the empty string would insert <*> between every two characters.
        raise ConfigError(f"mask regex {pattern!r} matches the empty string", hint="make it match 1+ chars")
    return rx


def mask_is_token_local(pattern: str) -> bool:
    """True if ``pattern`` can neither match whitespace nor see past a token's ends (conservative)."""
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if i + 1 < len(pattern) and pattern[i + 1] in _NOT_LOCAL_ESCAPES:
                return False
            i += 2
            continue
        if ch.isspace():
            return False
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            if pattern.startswith("[^", i):
                return False
            in_class = True
            if pattern.startswith("[]", i):
                i += 1
        elif ch in ".^$":
            return False
        i += 1
    return True


def _digit_free(pattern: str) -> bool:
    """No literal digit outside ``{m,n}`` quantifiers (so ``\\d`` is the only way to see digits)."""
    stripped = re.sub(r"\\.", "", pattern)
    stripped = re.sub(r"\{\d*,?\d*\}", "", stripped)
    return not any(c.isdigit() for c in stripped)


def _runs_atomic(pattern: str) -> bool:
    """Every atom that can match a digit is followed by ``+`` or ``*`` (greedy): digit runs are
    consumed whole, so collapsing a run to one digit cannot change what matches."""
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        can_digit = False
        if ch == "\\":
            esc = pattern[i + 1] if i + 1 < n else ""
            can_digit = esc != "" and esc in "dwSD"
            i += 2
        elif ch == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            body = pattern[i + 1 : j]
            can_digit = body.startswith("^") or any(t in body for t in ("\\d", "\\w", "\\S", "\\D", "0-9"))
            i = j + 1
        elif ch == ".":
            can_digit = True
            i += 1
        elif pattern.startswith(("(?<=", "(?<!"), i):
            i += 4  # lookarounds are checked like the rest: (?=\d{3}) looks at 3 digits
        elif pattern.startswith(("(?=", "(?!"), i):
            i += 3
        else:
            i += 1
        if can_digit:
            if i >= n or pattern[i] not in "+*":
                return False
            if i + 1 < n and pattern[i + 1] == "?":
                return False
    return True


def shape_mode(patterns: Iterable[str], *, builtin: bool) -> str | None:
    """``"collapse"``, ``"translate"`` or ``None``: which digit-shape the masked text depends on."""
    if not builtin:
        return None
    pats = list(patterns)
    if not all(_digit_free(p) for p in pats):
        return None
    return "collapse" if all(_runs_atomic(p) for p in pats) else "translate"


class Masker:
    """Replaces every mask match in a string by ``<*>`` (see the module docstring).

    The user's masks run first (joined into one pattern), then the built-in ones (joined too),
    skipped for purely alphabetic text, which can hold neither a digit nor a path; with the
    built-in ones, a word glued to a ``<*>`` becomes ``<*>`` as a whole.
    """

    def __init__(self, masks: Iterable[str] | None = None, *, builtin: bool = True) -> None:
        self.masks: list[str] = list(masks or [])
        self.builtin = builtin
        joinable: list[str] = []
        self._alone: list[SafeRegex] = []
        for m in self.masks:
            rx = compile_mask(m)
            if _BACKREF.search(m):
                self._alone.append(rx)
            else:
                joinable.append(m)
        try:
            self._user = compile_user_regex("|".join(f"(?:{p})" for p in joinable)) if joinable else None
        except RegexError:  # e.g. a global flag such as (?i) that is only valid at the very start
            self._user = None
            self._alone = [compile_mask(m) for m in self.masks]
        self._builtin = re.compile(_WORD_START + "(?:" + "|".join(BUILTIN_MASKS.values()) + ")") if builtin else None
        #: True if :meth:`mask` may be applied token by token with the same result.
        self.token_local = all(mask_is_token_local(m) for m in self.masks)
        #: See :func:`shape_mode`.
        self.shape_mode = shape_mode(self.masks, builtin=builtin)

    def mask(self, text: str) -> str:
        """The text with every variable part replaced by ``<*>``."""
        for rx in self._alone:
            text = rx.sub(WILDCARD, text)
        if self._user is not None:
            text = self._user.sub(WILDCARD, text)
        if self._builtin is not None and not text.isalpha():
            text = self._builtin.sub(WILDCARD, text)
            if WILDCARD in text and _GLUED_TEST.search(text):
                text = _GLUED.sub(WILDCARD, text)
        if "<*>." in text or "<*>:" in text:
            text = _CHAIN.sub(WILDCARD, text)
        return text
