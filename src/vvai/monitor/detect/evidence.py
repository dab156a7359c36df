"""Evidence: verbatim slices of bundle lines, each at most ``EVIDENCE_CHARS`` long, with the
source file and timestamp a reader needs to find the line again; and file names found in text."""

from __future__ import annotations

import re

from vvai.common.timefmt import rfc3339
from vvai.monitor.bundle import AppRecord, Event, JsonRecord, Line
from vvai.monitor.incident import Evidence

EVIDENCE_CHARS = 240
# Media and output file names in free text. Fast path: find the extension first, then walk back
# over name characters (a leading [name-chars]* in one regex would be retried at every position
# of long lines).
_EXT_RE = re.compile(r"(?<=[\w\-+@])\.(?:mp4|mkv|avi|mov|ts|webm|m4v|flv|h264|h265|hevc|analytic\.json|summary\.json"
                     r"|jpg|png)\b", re.IGNORECASE)
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-+@")


def file_span(text: str) -> tuple[int, int] | None:
    m = _EXT_RE.search(text or "")
    if not m:
        return None
    i = m.start()
    while i > 0 and (text[i - 1] in _NAME_CHARS or (text[i - 1].isalnum())):
        i -= 1
    while i < m.start() and text[i] == ".":
        i += 1
    return i, m.end()


def first_file(text: str) -> str | None:
    span = file_span(text)
    return text[span[0]:span[1]] if span else None


def clip(text: str, focus: int = 0, size: int = EVIDENCE_CHARS) -> str:
    """A verbatim slice of ``text`` of at most ``size`` chars starting near ``focus``."""
    if len(text) <= size:
        return text
    start = max(0, min(focus, len(text) - size))
    return text[start:start + size]


def ev_line(ln: Line) -> Evidence:
    focus = 0
    span = file_span(ln.text) if len(ln.text) > EVIDENCE_CHARS else None
    if span and span[1] > EVIDENCE_CHARS:
        focus = max(0, span[0] - 60)
    return Evidence(source=ln.source, ts=ln.ts_raw or rfc3339(ln.ts), text=clip(ln.text, focus))


def ev_app(r: AppRecord) -> Evidence:
    i = r.raw.find('"msg"')
    return Evidence(source="logs/app.log", ts=rfc3339(r.ts), text=clip(r.raw, i if i > 0 else 0))


def ev_event(e: Event) -> Evidence:
    key = '"exitCode"' if e.action == "die" else '"Action"'
    i = e.raw.find(key)
    if i < 0:
        i = e.raw.find(e.action)
    return Evidence(source="events.jsonl", ts=rfc3339(e.ts), text=clip(e.raw, max(i, 0), 110))


def ev_record(source: str, r: JsonRecord, key: str | None = None) -> Evidence:
    i = r.raw.find(f'"{key}"') if key else 0
    return Evidence(source=source, ts=rfc3339(r.ts), text=clip(r.raw, max(i, 0)))


def ev_file(name: str, text: str, needle: str) -> Evidence | None:
    for line in text.splitlines():
        if needle in line:
            i = line.find(needle)
            return Evidence(source=f"files/{name}", ts=None, text=clip(line.strip("\r"), max(0, i - 40)))
    return None
