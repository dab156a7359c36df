"""Error bursts and never-seen log templates.

Error lines are grouped into templates by the project's template miner
(``vvai.monitor.templates.miner.TemplateMiner``). A burst is many error occurrences in one
component; its templates, first occurrence and texts feed the knowledge base's pattern
conditions. A template first seen after the early part of the window and repeating is reported
as ``new_template``.
"""

from __future__ import annotations

from collections import Counter

from vvai.monitor.detect.context import Context
from vvai.monitor.incident import Finding, Severity
from vvai.monitor.templates.batch import DEFAULT_MAX_TEMPLATES, final_templates
from vvai.monitor.templates.miner import TemplateMiner


class _Miner:
    """The project's template miner, answering with template strings."""

    def __init__(self) -> None:
        # At most DEFAULT_MAX_TEMPLATES templates per component; beyond, an overflow bucket.
        self._impl = TemplateMiner(max_clusters=DEFAULT_MAX_TEMPLATES, on_full="overflow")

    def final_all(self, texts: list[str]) -> list[str]:
        """The final template of every text, in time linear in the texts."""
        return final_templates(texts, miner=self._impl)

    def add(self, text: str) -> str:
        res = self._impl.add_message(text)
        return str(getattr(res, "template", res))

    def final(self, text: str, fallback: str) -> str:
        """The template ``text`` belongs to once every message was mined (templates generalise
        as messages arrive, so the first answers are too specific)."""
        res = self._impl.match(text)
        return str(res.template) if res is not None else fallback


def _mask(text: str) -> str:
    """Strip the volatile head (inline timestamps) so templates group well."""
    return text[:400]


def _densest(errs: list, gap_minutes: float = 15.0) -> list:
    """The largest run of errors with no pause longer than ``gap_minutes``: a burst starts where
    errors become continuous, not at a stray error an hour earlier."""
    best = (0, 0)  # [start, end) of the largest run; the latest one on ties, as before
    start = 0
    for i, e in enumerate(errs):
        if i > start and (e.ts - errs[i - 1].ts).total_seconds() > gap_minutes * 60:
            start = i
        if i + 1 - start >= best[1] - best[0]:
            best = (start, i + 1)
    return errs[best[0]:best[1]]  # linear: indexes, not a copy of the run per line


def detect(ctx: Context) -> list[Finding]:
    s = ctx.settings
    out: list[Finding] = []
    start = ctx.start
    span = (ctx.end - ctx.start) if ctx.start and ctx.end else None
    for comp in ctx.bundle.all_components():
        errs = [e for e in ctx.errors(comp) if e.ts]
        if not errs:
            continue
        tmpl = _Miner().final_all([_mask(e.text) for e in errs])
        counts = Counter(tmpl)
        per_hour = len(errs) / ctx.hours()
        first_seen = {}
        for t, e in zip(tmpl, errs, strict=True):
            first_seen.setdefault(t, e)
        burst = _densest(errs)
        if len(burst) >= s.error_burst_min and len(burst) / ctx.hours() >= s.error_burst_per_hour:
            top, n = counts.most_common(1)[0]
            ev = []
            for t, _ in counts.most_common(3):
                ev.append(first_seen[t].evidence)
            out.append(Finding(
                kind="error_burst", component=comp, ts=burst[0].ts, last_ts=burst[-1].ts, severity=Severity.error,
                evidence=ev, summary=f"{comp} logged {len(errs)} errors ({per_hour:.0f}/h); top: {top[:120]}",
                attrs={"count": len(errs), "per_hour": round(per_hour, 1), "top_template": top, "top_count": n,
                       "templates": dict(counts.most_common(10)),
                       "texts": [e.text[:300] for e in errs[:50]], "times": [e.ts for e in burst],
                       "files": [e.file for e in errs if e.file]}))
        if start and span and span.total_seconds() > 0:
            for t, n in counts.items():
                e = first_seen[t]
                if n >= s.new_template_min_count and (e.ts - start) > span * 0.2:
                    out.append(Finding(kind="new_template", component=comp, ts=e.ts, severity=Severity.info,
                                       evidence=[e.evidence], summary=f"new error template in {comp}: {t[:120]}",
                                       attrs={"template": t, "count": n}))
    return out
