"""What every detector reads: the bundle, the thresholds, component roles, and per-component
views (error lines, stats, deaths) computed once per bundle and shared.

A component's role (scanner, summarizer, exporter, other) comes from the thresholds' ``roles``
map, else from its name and image (``infer_role``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from vvai.monitor.bundle import Bundle, Event, JsonRecord
from vvai.monitor.detect.errorlines import error_headlines, error_lines
from vvai.monitor.detect.evidence import ev_app, ev_line, first_file
from vvai.monitor.detect.settings import DetectorSettings
from vvai.monitor.incident import Evidence


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

    def stats_of(self, component: str) -> list[JsonRecord]:
        return [r for r in self.bundle.stats if r.data.get("component") == component]

    def deaths(self, component: str) -> list[Event]:
        return [e for e in self.bundle.events if e.type == "container" and e.name == component
                and e.action == "die"]
