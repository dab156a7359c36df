"""Error-line recognition: which log lines are errors, and one headline per error occurrence.

Level markers in every common spelling (``ERROR``, ``level=error``, ``"level": "error"``, ``[E]``),
Python tracebacks (the final exception line stands for the whole traceback) and exception lines;
ffmpeg's ``[h264 @ 0x..]`` chatter is never an error line. ``NETWORK_RE`` recognises the wording
of network failures (timeouts, refused/reset connections, DNS, 502-504).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from vvai.monitor.bundle import Line

_LEVEL_ERR = re.compile(
    r"(^|[\s\[:|(\"'])(ERROR|CRITICAL|FATAL|PANIC)([\s\]:|)\"',]|$)|lvl=(error|crit|fatal)"
    r"|level=(error|critical|fatal)|\"level\":\s*\"(error|critical|fatal)\"|\[(E|error)\]",
    re.IGNORECASE,
)
_LEVEL_NONERR = re.compile(r"(^|[\s\[:|])(INFO|DEBUG|WARN|WARNING|NOTICE|TRACE)([\s\]:|]|$)|lvl=(info|warn|debug)")
_EXC_LINE = re.compile(r"^\s*(?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(Error|Exception|Fault|Exit|Interrupt)\b(:|$)")
_TRACEBACK = re.compile(r"^\s*Traceback \(most recent call last\)")
_FFMPEG = re.compile(r"^\[[\w:-]+ @ 0x[0-9a-f]+\]")
NETWORK_RE = re.compile(
    r"timed? ?out|timeout|connection (refused|reset|aborted)|ECONNREFUSED|ECONNRESET|ETIMEDOUT|"
    r"unreachable|name resolution|could not resolve|Name or service not known|getaddrinfo|"
    r"temporary failure|EndpointConnectionError|ConnectTimeout|ConnectionError|Max retries exceeded|"
    r"\b50[234]\b|Service Unavailable|Bad Gateway|broken pipe|no route to host",
    re.IGNORECASE,
)


_ERR_HINTS = re.compile(r"err|crit|fatal|panic|\[e\]|exception|exit|interrupt|fault|traceback", re.IGNORECASE)


def _maybe_error(text: str) -> bool:
    """Cheap pre-check: only lines with one of these words can be error lines."""
    return _ERR_HINTS.search(text, 0, 200) is not None


def is_error_line(text: str) -> bool:
    if not _maybe_error(text) or _FFMPEG.match(text):
        return False
    if _TRACEBACK.match(text) or _EXC_LINE.match(text):
        return True
    if _LEVEL_ERR.search(text[:200]):
        return not (_LEVEL_NONERR.search(text[:60]) and not _LEVEL_ERR.search(text[:60]))
    return False


def error_lines(lines: list[Line]) -> list[Line]:
    return [ln for ln in lines if is_error_line(ln.text)]


def error_headlines(lines: list[Line]) -> list[Line]:
    """One line per error occurrence: a level-marked error line, or the final exception line of a
    traceback that had no level-marked line just before it."""
    out: list[Line] = []
    last_err_ts: datetime | None = None
    in_tb = False
    for ln in lines:
        t = ln.text
        if not in_tb and not _maybe_error(t):
            continue
        if _FFMPEG.match(t):
            continue
        if _TRACEBACK.match(t):
            in_tb = True
            continue
        if in_tb:
            if _EXC_LINE.match(t) and not t.startswith((" ", "\t")):
                near = last_err_ts is not None and ln.ts is not None and (ln.ts - last_err_ts) < timedelta(seconds=2)
                if not near:
                    out.append(ln)
                    last_err_ts = ln.ts
                # a chained traceback continues; the next Traceback header re-enters
                in_tb = False
            continue
        if _LEVEL_ERR.search(t[:200]) and not _LEVEL_NONERR.search(t[:40]):
            out.append(ln)
            last_err_ts = ln.ts
        elif _EXC_LINE.match(t) and not t.startswith((" ", "\t")):
            near = last_err_ts is not None and ln.ts is not None and (ln.ts - last_err_ts) < timedelta(seconds=2)
            if not near:
                out.append(ln)
                last_err_ts = ln.ts
    return out
