"""Exporter failures: the component that ships results keeps failing to reach external storage.

Counted from the exporter's error lines and, where scraped, the ``vv_export_objects_total``
error counter. Retried transient warnings do not count: only errors repeating over minutes do.
"""

from __future__ import annotations

import re

from vvai.monitor.detect.context import Context
from vvai.monitor.detect.errorlines import NETWORK_RE, is_error_line
from vvai.monitor.detect.evidence import ev_record
from vvai.monitor.incident import Finding, Severity


def _metric(ctx: Context, name: str, comp: str, **labels: str) -> list:
    return [r for r in ctx.bundle.metrics if r.data.get("name") == name
            and (r.data.get("labels") or {}).get("component") == comp
            and all((r.data.get("labels") or {}).get(k) == v for k, v in labels.items())
            and isinstance(r.data.get("value"), int | float)]


SHIPPED_RE = re.compile(r"\b(uploaded|shipped|exported|delivered|upload (ok|complete|succeeded)|put object|"
                        r"stored|copied to|synced)\b", re.IGNORECASE)


def _recovered(ctx: Context, comp: str, errs: list) -> bool:
    """Retries that succeed: after the last failure the exporter ships again, and every file a
    failure named was shipped after that failure. That is the storage working, not an outage."""
    ok = [(ln.ts, ln.text) for ln in ctx.bundle.log_lines(comp)
          if ln.ts and SHIPPED_RE.search(ln.text) and not is_error_line(ln.text)]
    ok += [(r.ts, r.raw) for r in ctx.bundle.app_log if r.component == comp and r.ts
           and r.level not in ("ERROR", "CRITICAL", "FATAL") and SHIPPED_RE.search(r.msg)]
    after_last = [text for ts, text in ok if ts > errs[-1].ts]
    if not after_last:
        return False
    for e in errs:
        if e.file and not any(ts > e.ts and e.file in text for ts, text in ok):
            return False
    return any(e.file for e in errs) or len(after_last) >= 3


def _persists(ctx: Context, errs: list) -> bool:
    """Failures over a short recording that are still happening when it ends: separate attempts
    (at least ``export_min_failures`` distinct times) over at least ``export_persist_minutes``, the
    last one no further from the window's end than a few of the attempts' own intervals. (Retries
    that then succeeded were already set aside by :func:`_recovered`.)"""
    s = ctx.settings
    times = sorted({e.ts.replace(microsecond=0) for e in errs})
    if len(times) < s.export_min_failures or ctx.end is None:
        return False
    span = (times[-1] - times[0]).total_seconds()
    if span < s.export_persist_minutes * 60:
        return False
    gaps = sorted((b - a).total_seconds() for a, b in zip(times, times[1:], strict=False))
    interval = gaps[len(gaps) // 2]
    return (ctx.end - times[-1]).total_seconds() <= max(3 * interval, 30.0)


def detect(ctx: Context) -> list[Finding]:
    s = ctx.settings
    out: list[Finding] = []
    for comp in ctx.by_role("exporter"):
        errs = [e for e in ctx.errors(comp) if e.ts]
        err_metric = _metric(ctx, "vv_export_objects_total", comp, result="error")
        metric_fail = int(err_metric[-1].data["value"] - err_metric[0].data["value"]) if err_metric else 0
        ok_metric = _metric(ctx, "vv_export_objects_total", comp, result="ok")
        pending = _metric(ctx, "vv_export_pending_sets", comp)
        ok_inc = ok_metric[-1].data["value"] - ok_metric[0].data["value"] if len(ok_metric) > 1 else 0
        if not errs and metric_fail and metric_fail < 0.1 * ok_inc:
            metric_fail = 0  # a few failed objects among many shipped: retries, not an outage
        if errs and _recovered(ctx, comp, errs):
            continue  # transient: every failed shipment went through on a retry
        failures = max(len(errs), metric_fail)
        span = (errs[-1].ts - errs[0].ts).total_seconds() / 60 if len(errs) > 1 else 0
        if failures < s.export_min_failures or (errs and span < s.export_min_minutes and not _persists(ctx, errs)):
            continue
        if not errs and err_metric:
            span = (err_metric[-1].ts - err_metric[0].ts).total_seconds() / 60
        # still shipping most objects fine? then it is noise, not an outage
        ok_after = None
        if ok_metric and errs:
            after = [r for r in ok_metric if r.ts >= errs[len(errs) // 2].ts]
            if len(after) > 1:
                ok_after = after[-1].data["value"] - after[0].data["value"]
        network = sum(bool(NETWORK_RE.search(e.text)) for e in errs)
        ev = [e.evidence for e in errs[:2]]
        if err_metric and metric_fail:
            ev.append(ev_record("metrics.jsonl", err_metric[-1], "value"))
        if len(pending) > 1:
            ev.append(ev_record("metrics.jsonl", pending[-1], "value"))
        out.append(Finding(
            kind="export_errors", component=comp, ts=errs[0].ts if errs else err_metric[0].ts,
            last_ts=errs[-1].ts if errs else err_metric[-1].ts, severity=Severity.error, evidence=ev,
            summary=f"{comp} failed to ship {failures} time(s) over {span:.0f} min",
            attrs={"count": failures, "minutes": round(span, 1), "network": network,
                   "ok_after": ok_after, "texts": [e.text[:300] for e in errs[:30]],
                   "pending_last": pending[-1].data["value"] if pending else None,
                   "pending_first": pending[0].data["value"] if pending else None}))
    return out
