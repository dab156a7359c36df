"""Slow degradation: a component markedly slower than its baseline at a similar volume of work.

Read by meaning, not by one exporter's names: any series of processing time per component counts —
a median quantile (``quantile="0.5"``, ``p50``...) of a summary, or the mean of a histogram/summary
computed from its ``_sum`` and ``_count`` counters (robust to counter resets: a counter that goes
down restarted from zero). Milliseconds are converted. The component is whichever label names one
of the bundle's components (``component``, ``service``, ``container``, ``job``...).

Like is compared with like: with two days or more of history, the median of the first 24 h against
the median of the last 24 h (a daily cycle cancels out); with less, the first and last quarter.
Baseline = ``benchmarks.<component>.p50_processing_s`` when the bundle has one, else the early
part. The volume of work must be similar (counter rates over the same slices), or a slower
component is only a busier one. Needs a long window: an hour says nothing about a trend.
"""

from __future__ import annotations

import re
import statistics
from datetime import timedelta

from vvai.monitor.detect.context import Context
from vvai.monitor.detect.evidence import ev_record
from vvai.monitor.incident import Finding, Severity

TIME_NAME = re.compile(r"process|duration|latency|inference|elapsed|handling|scene_time|runtime", re.IGNORECASE)
MEDIAN_Q = {"0.5", "0.50", "0.500", "50", "p50", "median", ".5"}
COMP_LABELS = ("component", "service", "container", "container_name", "job", "app", "name", "instance", "pod")
VOLUME_NAME = re.compile(r"processed|videos|scenes|summar|completed|frames|jobs|items|outputs|exported|objects",
                         re.IGNORECASE)


def _component(ctx: Context, labels: dict) -> str | None:
    comps = ctx.bundle.all_components()
    for k in COMP_LABELS:
        v = labels.get(k)
        if isinstance(v, str) and v:
            name = ctx.bundle.component_name(v.split(":")[0])
            if name in comps:
                return name
    return None


def _scale(name: str) -> float:
    return 0.001 if re.search(r"(_ms|millis)", name, re.IGNORECASE) else 1.0


def _series(ctx: Context) -> tuple[dict, dict, dict]:
    """Per component: median-quantile series, (sum, count) counter pairs, and volume counters."""
    med: dict[str, dict[str, list]] = {}
    pairs: dict[tuple[str, str], dict[str, list]] = {}
    volume: dict[str, dict[str, list]] = {}
    for r in ctx.bundle.metrics:
        d = r.data
        name = str(d.get("name") or "")
        v = d.get("value")
        if not isinstance(v, int | float):
            continue
        labels = d.get("labels") or {}
        comp = _component(ctx, labels)
        if comp is None:
            continue
        q = str(labels.get("quantile", labels.get("q", labels.get("percentile", ""))))
        if TIME_NAME.search(name) and q in MEDIAN_Q:
            med.setdefault(comp, {}).setdefault(name, []).append((r.ts, float(v) * _scale(name), r))
        elif TIME_NAME.search(name) and name.endswith(("_sum", "_count")) and not q:
            base, part = name.rsplit("_", 1)
            pairs.setdefault((comp, base), {}).setdefault(part, []).append((r.ts, float(v), r))
        elif name.endswith("_total") and VOLUME_NAME.search(name) and "error" not in str(labels).lower():
            volume.setdefault(comp, {}).setdefault(name, []).append((r.ts, float(v), r))
    return med, pairs, volume


def _increments(series: list) -> list:
    """(ts, increase since the previous sample) of a counter; a drop is a restart from zero."""
    out = []
    for a, b in zip(series, series[1:], strict=False):
        inc = b[1] - a[1] if b[1] >= a[1] else b[1]
        out.append((b[0], inc, b[2]))
    return out


def _means(pair: dict[str, list], scale: float) -> list:
    """Mean processing time per scrape interval from a _sum/_count pair (resets handled)."""
    sums = {t: (inc, r) for t, inc, r in _increments(pair.get("sum", []))}
    out = []
    for t, n, _r in _increments(pair.get("count", [])):
        s = sums.get(t)
        if s and n > 0:
            out.append((t, s[0] / n * scale, s[1]))
    return out


def _slices(series: list) -> tuple[list, list]:
    """First and last 24 h with two days of history or more; else the first and last quarter."""
    if len(series) < 8:
        return [], []
    span = series[-1][0] - series[0][0]
    if span >= timedelta(hours=48):
        head = [x for x in series if x[0] - series[0][0] < timedelta(hours=24)]
        tail = [x for x in series if series[-1][0] - x[0] < timedelta(hours=24)]
        return head, tail
    q = max(2, len(series) // 4)
    return series[:q], series[-q:]


def _rate(series: list) -> float | None:
    """Average increase per hour of a counter over a slice (resets handled)."""
    if len(series) < 2:
        return None
    inc = sum(i for _, i, _ in _increments(series))
    hours = (series[-1][0] - series[0][0]).total_seconds() / 3600
    return inc / hours if hours > 0 else None


def _volume_change(vol: dict[str, list], head_end, tail_start) -> float | None:
    for name in sorted(vol):
        ser = vol[name]
        if len(ser) < 8:
            continue
        r0 = _rate([x for x in ser if x[0] <= head_end])
        r1 = _rate([x for x in ser if x[0] >= tail_start])
        if r0 and r1 is not None:
            return r1 / r0 - 1
    return None


def detect(ctx: Context) -> list[Finding]:
    s = ctx.settings
    out: list[Finding] = []
    if ctx.hours() < s.degradation_min_span_hours:
        return out
    med, pairs, volume = _series(ctx)
    for comp in ctx.bundle.all_components():
        candidates = [(name, ser) for name, ser in sorted((med.get(comp) or {}).items())]
        counts = {}
        for (c, base), pair in sorted(pairs.items()):
            if c == comp and base not in {n for n, _ in candidates}:
                candidates.append((base, _means(pair, _scale(base))))
                counts[base] = pair.get("count", [])
        for name, series in candidates:
            head, tail = _slices(sorted(series, key=lambda x: x[0]))
            if not head or not tail:
                continue
            bench = (ctx.bundle.benchmarks.get(comp) or {}).get("p50_processing_s")
            early = statistics.median(v for _, v, _ in head)
            recent = statistics.median(v for _, v, _ in tail)
            baseline = float(bench) if isinstance(bench, int | float) and bench > 0 else early
            if baseline <= 0 or early <= 0:
                continue
            increase = (recent / baseline - 1) * 100
            if increase < s.degradation_percent or (recent / early - 1) * 100 < s.degradation_percent / 2:
                continue
            vol = dict(volume.get(comp) or {})
            if name in counts:
                vol.setdefault(name + "_count", counts[name])
            volume_change = _volume_change(vol, head[-1][0], tail[0][0])
            if volume_change is not None and volume_change > s.degradation_volume_tolerance:
                continue  # slower because it has more work: a capacity question, not a degradation
            out.append(Finding(
                kind="perf_degradation", component=comp, ts=head[0][0], last_ts=tail[-1][0],
                severity=Severity.warning,
                evidence=[ev_record("metrics.jsonl", head[0][2], "value"),
                          ev_record("metrics.jsonl", tail[-1][2], "value")],
                summary=f"{comp} median processing time {recent:.1f}s vs baseline {baseline:.1f}s (+{increase:.0f}%)",
                attrs={"increase_percent": round(increase), "baseline_s": round(baseline, 2),
                       "recent_s": round(recent, 2), "metric": name,
                       "volume_change_percent": None if volume_change is None else round(volume_change * 100),
                       "days": round(ctx.hours() / 24, 1)}))
            break
    return out
