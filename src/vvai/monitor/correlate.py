"""Correlation: which findings one incident explains.

A finding is *related* to a trigger by scope: ``same`` (same component), ``dependents`` (a
component listed in the trigger's ``dependents``) or ``any``. ``after_trigger`` additionally asks
that the finding starts after the trigger (a deploy) and within the deploy window. The engine
consumes related findings so the cascade they belong to becomes one incident with one root cause.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from vvai.common.saferegex import SafeRegex, compile_user_regex
from vvai.monitor.detect.context import Context
from vvai.monitor.incident import Finding


def in_scope(trigger: Finding, f: Finding, scope: str) -> bool:
    if scope == "any":
        return True
    if scope == "dependents":
        return f.component in (trigger.attrs.get("dependents") or [])
    return f.component == trigger.component


def _after(trigger: Finding, f: Finding, window: timedelta) -> bool:
    """``f`` started because of ``trigger``: it begins within ``window`` after it, and (when the
    finding lists its occurrences) nearly all of them come after the trigger — a stray error
    minutes before a deploy does not make the errors that follow it older than the deploy."""
    slack = timedelta(minutes=1)
    times = f.attrs.get("times")
    if isinstance(times, list) and times:
        after = [t for t in times if t >= trigger.ts - slack]
        return bool(after) and len(after) >= 0.8 * len(times) and after[0] <= trigger.ts + window
    return trigger.ts - slack <= f.ts <= trigger.ts + window


def corpus(ctx: Context, f: Finding) -> str:
    """All text a pattern condition may match: summary, evidence, attribute texts, and the
    component's error lines."""
    parts = [f.summary] + [e.text for e in f.evidence]
    for key in ("texts", "top_template"):
        v = f.attrs.get(key)
        if isinstance(v, list):
            parts += [str(x) for x in v]
        elif isinstance(v, str):
            parts.append(v)
    parts += [e.text for e in ctx.all_error_text(f.component)[:200]]
    return "\n".join(parts)


@functools.lru_cache(maxsize=512)
def kb_regex(pattern: str) -> SafeRegex:
    """A knowledge-base pattern, compiled once, on the linear-time engine: a user-edited knowledge
    base must not be able to hang the diagnosis with a catastrophic regex."""
    return compile_user_regex(pattern, "knowledge-base pattern")


def related(ctx: Context, trigger: Finding, findings: list[Finding], kinds: list[str], scope: str, *,
            after_trigger: bool = False, pattern: str | None = None) -> list[Finding]:
    out = []
    window = timedelta(minutes=ctx.settings.deploy_window_minutes)
    for f in findings:
        if f is trigger or f.kind not in kinds or not in_scope(trigger, f, scope):
            continue
        if after_trigger and not _after(trigger, f, window):
            continue
        if pattern and not kb_regex(pattern).search(corpus(ctx, f)):
            continue
        out.append(f)
    return out
