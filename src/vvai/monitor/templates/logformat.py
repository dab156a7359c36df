r"""The ``<Field>`` log-format notation of Loghub's settings.json, compiled to one regex.

A format such as ``<Date> <Time> <Level> \[<Process>\] <Component>: <Content>`` describes
the header of every line; the text between fields is a regex fragment (so ``\[`` is a literal
bracket and ``(\[<PID>\])?`` an optional part) in which a run of spaces means "1+ whitespace".
``Content`` takes the rest of the line: the template is mined from it only, so timestamps and
pids in the header never pollute it.

Why not simply ``(?P<Field>.*?)`` for every header field (as logparser does): on a long line that
does not fit, the lazy fields backtrack against each other and matching costs O(n^fields)
(4 s for a 200-char line of ``"a a a ..."``). Here each header field can end in exactly one
place: a field followed by whitespace is one word (``\S*?``); a field followed by a literal
character ``c`` (``\]``, ``:``, ``|``, ``@``...) runs up to the first ``c`` and may contain spaces
(Proxifier's ``[10.30 16:49:06]``); any other field is one word. Matching is then linear.

The pattern is compiled by :func:`vvai.common.saferegex.compile_user_regex` (RE2, linear time),
so a user's fragment such as ``(a+)+`` cannot make matching hang either.

A line the format does not describe is not an error: :meth:`LogFormat.parse` returns ``None``
and the caller mines the whole line (and counts it), so a stray stack-trace line never stops
a run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vvai.common.errors import ConfigError
from vvai.common.saferegex import RegexError, SafeRegex, compile_user_regex

_FIELD = re.compile(r"<([^<>]+)>")
_SPACES = re.compile(r" +")
CONTENT = "Content"
_META = set(".^$*+?{}[]\\|()")


def _field_body(following: str) -> str:
    """The pattern of a header field, given the literal regex fragment that follows it."""
    if following.startswith("\\") and len(following) > 1 and not following[1].isalnum():
        c = following[1]
    elif following and not following[0].isspace() and following[0] not in _META:
        c = following[0]
    else:
        return r"\S*?"
    return f"[^{re.escape(c)}]*?"


@dataclass(frozen=True)
class LogFormat:
    """A compiled log format: ``parse(line)`` gives the header fields and ``Content``."""

    fmt: str
    fields: tuple[str, ...]
    regex: SafeRegex

    @classmethod
    def compile(cls, fmt: str) -> LogFormat:
        """Compile ``fmt``; a malformed one raises a one-line :class:`ConfigError`."""
        hint = "use the <Field> notation, e.g. '<Date> <Time> <Level> <Component>: <Content>'"
        parts = _FIELD.split(fmt)
        fields: list[str] = []
        out: list[str] = []
        for i, part in enumerate(parts):
            if i % 2 == 0:  # literal text (a regex fragment)
                out.append(_SPACES.sub(r"\\s+", part))
                continue
            name = part.strip()
            if not name.isidentifier():
                raise ConfigError(f"log format field <{part}> is not a valid name", hint=hint)
            if name in fields:
                raise ConfigError(f"log format field <{name}> appears twice", hint=hint)
            fields.append(name)
            out.append(f"(?P<{name}>.*)" if name == CONTENT else f"(?P<{name}>{_field_body(parts[i + 1])})")
        if CONTENT not in fields:
            raise ConfigError(f"log format {fmt!r} has no <Content> field", hint=hint)
        try:
            rx = compile_user_regex("^" + "".join(out) + "$", "--log-format", flags=re.DOTALL)
        except RegexError as e:
            raise ConfigError(f"log format {fmt!r} is not a valid pattern: {e.reason}", hint=hint) from e
        return cls(fmt=fmt, fields=tuple(fields), regex=rx)

    def parse(self, line: str) -> dict[str, str] | None:
        """All fields of ``line`` (missing optional ones as ``""``), or ``None`` if it does not fit."""
        m = self.regex.match(line)
        if m is None:
            return None
        return {k: (v or "") for k, v in m.groupdict().items()}

    def content(self, line: str) -> str | None:
        """Just the ``Content`` field of ``line`` (``None`` if the line does not fit the format)."""
        m = self.regex.match(line)
        return None if m is None else m.group(CONTENT)
