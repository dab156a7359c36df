"""Slow degradation: a component's median processing time markedly above its baseline at a similar
volume of work. Baseline = ``benchmarks.<component>.p50_processing_s`` when the bundle has one,
else the first quarter of the window. Needs a long window (days): an hour says nothing about a trend.
"""

from __future__ import annotations

import statistics

from vvai.monitor.detect.context import Context
from vvai.monitor.detect.evidence import ev_record
from vvai.monitor.incident import Finding, Severity

VOLUME_METRICS = ("vv_videos_processed_total", "vv_summaries_written_total", "vv_export_objects_total")


def _series(ctx: Context, name: str, comp: str, **labels: str) -> list:
    out = []
    for r in ctx.bundle.metrics:
        d = r.data
        lab = d.get("labels") or {}
        if d.get("name") == name and lab.get("component") == comp and all(lab.get(k) == v for k, v in labels.items()):
            v = d.get("value")
            if isinstance(v, int | float):
                out.append((r.ts, float(v), r))
    return out


def _rate(series: list) -> float | None:
    """Average increase per hour of a counter over a slice (resets ignored)."""
    if len(series) < 2:
        return None
    inc = sum(max(0.0, b[1] - a[1]) for a, b in zip(series, series[1:], strict=False))
    hours = (series[-1][0] - series[0][0]).total_seconds() / 3600
    return inc / hours if hours > 0 else None


def detect(ctx: Context) -> list[Finding]:
    s = ctx.settings
    out: list[Finding] = []
    if ctx.hours() < s.degradation_min_span_hours:
        return out
    for comp in ctx.bundle.all_components():
        p50 = _series(ctx, "vv_scene_processing_seconds", comp, quantile="0.5")
        if len(p50) < 8:
            continue
        q = max(2, len(p50) // 4)
        head, tail = p50[:q], p50[-q:]
        bench = (ctx.bundle.benchmarks.get(comp) or {}).get("p50_processing_s")
        early = statistics.median(v for _, v, _ in head)
        baseline = float(bench) if isinstance(bench, int | float) and bench > 0 else early
        recent = statistics.median(v for _, v, _ in tail)
        if baseline <= 0:
            continue
        increase = (recent / baseline - 1) * 100
        if increase < s.degradation_percent or (recent / early - 1) * 100 < s.degradation_percent / 2:
            continue
        volume_change = None
        for name in VOLUME_METRICS:
            vol = _series(ctx, name, comp)
            if len(vol) >= 8:
                qv = max(2, len(vol) // 4)
                r0, r1 = _rate(vol[:qv]), _rate(vol[-qv:])
                if r0 and r1 is not None:
                    volume_change = r1 / r0 - 1
                break
        if volume_change is not None and volume_change > s.degradation_volume_tolerance:
            continue  # slower because it has more work: a capacity question, not a degradation
        out.append(
            Finding(
                kind="perf_degradation",
                component=comp,
                ts=head[0][0],
                last_ts=tail[-1][0],
                severity=Severity.warning,
                evidence=[
                    ev_record("metrics.jsonl", head[0][2], "value"),
                    ev_record("metrics.jsonl", tail[-1][2], "value"),
                ],
                summary=f"{comp} median processing time {recent:.1f}s vs baseline {baseline:.1f}s (+{increase:.0f}%)",
                attrs={
                    "increase_percent": round(increase),
                    "baseline_s": round(baseline, 2),
                    "recent_s": round(recent, 2),
                    "volume_change_percent": None if volume_change is None else round(volume_change * 100),
                    "days": round(ctx.hours() / 24, 1),
                },
            )
        )
    return out
