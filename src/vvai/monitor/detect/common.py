"""Helpers every detector shares: component roles, error-line recognition, file names in text,
and evidence built as verbatim slices of bundle lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from vvai.monitor.bundle import AppRecord, Bundle, Event, Line, Record
from vvai.monitor.diagnose.settings import DetectorSettings
from vvai.monitor.incident import Evidence
from vvai.monitor.timeutil import iso

EVIDENCE_MAX = 240
FILE_RE = re.compile(
    r"[\w.\-+@]*[\w\-+@]\.(?:mp4|mkv|avi|mov|ts|webm|m4v|flv|h264|h265|hevc|analytic\.json|summary\.json|jpg|png)\b",
    re.IGNORECASE,
)
# fast path: find the extension first, then walk back over name characters (FILE_RE's leading
# [..]* would be retried at every position of long lines)
_EXT_RE = re.compile(r"(?<=[\w\-+@])\.(?:mp4|mkv|avi|mov|ts|webm|m4v|flv|h264|h265|hevc|analytic\.json|summary\.json"
                     r"|jpg|png)\b", re.IGNORECASE)
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-+@")
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


def infer_role(name: str, image: str | None = None) -> str:
    s = f"{name} {image or ''}".lower()
    if re.search(r"scan|detect|ingest|analy[sz]", s):
        return "scanner"
    if re.search(r"summar|llm|caption|narrat", s):
        return "summarizer"
    if re.search(r"export|ship|upload|sync|uploader|forward", s):
        return "exporter"
    return "other"


@dataclass
class ErrorLine:
    ts: datetime | None
    text: str
    evidence: Evidence
    file: str | None = None


@dataclass
class Context:
    """A bundle plus settings plus cached per-component views used by several detectors."""

    bundle: Bundle
    settings: DetectorSettings
    _cache: dict = field(default_factory=dict)

    @cached_property
    def roles(self) -> dict[str, str]:
        out = {}
        for c in self.bundle.all_components():
            spec = self.bundle.components.get(c)
            out[c] = self.settings.roles.get(c) or infer_role(c, spec.image if spec else None)
        return out

    def by_role(self, role: str) -> list[str]:
        return [c for c, r in self.roles.items() if r == role]

    @cached_property
    def start(self) -> datetime | None:
        cands = [self.bundle.window_start] + [x.ts for x in self.bundle.stats[:1] + self.bundle.pipeline[:1]]
        cands = [c for c in cands if c]
        return min(cands) if cands else None

    @cached_property
    def end(self) -> datetime | None:
        cands = [self.bundle.window_end] + [x.ts for x in self.bundle.stats[-1:] + self.bundle.pipeline[-1:]]
        cands = [c for c in cands if c]
        return max(cands) if cands else None

    def hours(self) -> float:
        if not self.start or not self.end:
            return 1.0
        return max((self.end - self.start).total_seconds() / 3600.0, 1 / 60)

    def errors(self, component: str) -> list[ErrorLine]:
        """Error lines of a component: app.log records at ERROR+ and error-looking container lines.

        The richer of the two sources is returned (they usually carry the same errors twice)."""
        key = ("errors", component)
        if key in self._cache:
            return self._cache[key]
        app = [
            ErrorLine(r.ts, r.msg + " " + str(r.data.get("error") or r.data.get("exc_type") or ""),
                      ev_app(r), r.file or first_file(r.msg))
            for r in self.bundle.app_log
            if r.component == component and r.level in ("ERROR", "CRITICAL", "FATAL")
        ]
        cont = [ErrorLine(ln.ts, ln.text, ev_line(ln), first_file(ln.text))
                for ln in error_headlines(self.bundle.log_lines(component))]
        out = cont if len(cont) > len(app) else app
        self._cache[key] = out
        return out

    def all_error_text(self, component: str) -> list[ErrorLine]:
        """Error lines from both sources (for pattern matching, not counting)."""
        key = ("allerr", component)
        if key not in self._cache:
            app = [ErrorLine(r.ts, r.raw, ev_app(r), r.file) for r in self.bundle.app_log
                   if r.component == component and r.level in ("ERROR", "CRITICAL", "FATAL")]
            cont = [ErrorLine(ln.ts, ln.text, ev_line(ln), first_file(ln.text))
                    for ln in error_lines(self.bundle.log_lines(component))]
            self._cache[key] = cont + app
        return self._cache[key]

    def stats_of(self, component: str) -> list[Record]:
        return [r for r in self.bundle.stats if r.data.get("component") == component]

    def deaths(self, component: str) -> list[Event]:
        return [e for e in self.bundle.events if e.type == "container" and e.name == component
                and e.action == "die"]


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


def clip(text: str, focus: int = 0, size: int = EVIDENCE_MAX) -> str:
    """A verbatim slice of ``text`` of at most ``size`` chars starting near ``focus``."""
    if len(text) <= size:
        return text
    start = max(0, min(focus, len(text) - size))
    return text[start:start + size]


def ev_line(ln: Line) -> Evidence:
    focus = 0
    span = file_span(ln.text) if len(ln.text) > EVIDENCE_MAX else None
    if span and span[1] > EVIDENCE_MAX:
        focus = max(0, span[0] - 60)
    return Evidence(source=ln.source, ts=ln.ts_raw or iso(ln.ts), text=clip(ln.text, focus))


def ev_app(r: AppRecord) -> Evidence:
    i = r.raw.find('"msg"')
    return Evidence(source="logs/app.log", ts=iso(r.ts), text=clip(r.raw, i if i > 0 else 0))


def ev_event(e: Event) -> Evidence:
    key = '"exitCode"' if e.action == "die" else '"Action"'
    i = e.raw.find(key)
    if i < 0:
        i = e.raw.find(e.action)
    return Evidence(source="events.jsonl", ts=iso(e.ts), text=clip(e.raw, max(i, 0), 110))


def ev_record(source: str, r: Record, key: str | None = None) -> Evidence:
    i = r.raw.find(f'"{key}"') if key else 0
    return Evidence(source=source, ts=iso(r.ts), text=clip(r.raw, max(i, 0)))


def ev_file(name: str, text: str, needle: str) -> Evidence | None:
    for line in text.splitlines():
        if needle in line:
            i = line.find(needle)
            return Evidence(source=f"files/{name}", ts=None, text=clip(line.strip("\r"), max(0, i - 40)))
    return None


def fmt_bytes(n: float | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"
