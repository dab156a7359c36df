"""Seven days of Prometheus history at 30-minute resolution (as a remote-read / recording-rule export).

Daily load variation, counters that reset when a container restarts, scrape gaps, and p50/p90
processing-time quantiles per component; one component drifts slower over the days.
Two dialects: summary quantiles (`vv_scene_processing_seconds{quantile=...}`) and, held out,
cumulative histograms (`..._bucket{le=...}`, `_sum`, `_count`) that the reader must difference.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

BUCKETS = [2.5, 4, 5, 6.5, 8, 30, 40, 55]


def _drift(frac: float, slow: float, shape: str) -> float:
    """Multiplier on processing time at fraction `frac` of the history (0 = first day, 1 = now)."""
    if shape == "ramp":
        return 1.0 + slow * min(1.0, max(0.0, (frac - 0.15) / 0.7))
    if shape == "step":   # thermal throttling once a fan clogs: within about a day, from day 3
        return 1.0 + slow * min(1.0, max(0.0, (frac - 0.4) / 0.15))
    return 1.0 + slow * frac ** 2


def emit(b, rng, comps: dict, slow_comp: str, slow: float, shape: str, dialect: str, end: datetime,
         restarts: list[datetime], gaps: list[tuple[datetime, datetime]]):
    """comps: component -> baseline p50 seconds. Writes metrics for [end-7d, end) every 30 min."""
    start = end - timedelta(days=7)
    if dialect == "histogram":   # ~15 series per component for a week: written compact to stay small
        b.compact_json = True
    counters = {c: float(rng.randrange(0, 500)) for c in comps}
    hist = {c: [0.0] * (len(BUCKETS) + 1) for c in comps}
    hsum = {c: 0.0 for c in comps}
    t, steps = start, 7 * 48
    for i in range(steps):
        t = start + timedelta(minutes=30 * i)
        frac = i / steps
        hour = (t.hour + t.minute / 60.0)
        load = max(0.15, 0.6 + 0.4 * math.sin((hour - 6) / 24 * 2 * math.pi))
        restarted = any(t - timedelta(minutes=30) < r <= t for r in restarts)
        gap = any(g0 <= t < g1 for g0, g1 in gaps)   # the work goes on, nobody scrapes it
        for c, p50 in comps.items():
            m = _drift(frac, slow, shape) if c == slow_comp else 1.0
            daily = 1.0 + 0.06 * (load - 0.6)   # busier hours a bit slower for everyone, mean ~1
            q50 = p50 * m * daily * rng.uniform(0.96, 1.04)
            q90 = q50 * rng.uniform(1.25, 1.45)
            done = max(0, int(load * (450 if c == "scene_summarizer" else 60) * rng.uniform(0.9, 1.1)))
            if restarted:
                counters[c] = 0.0
                hist[c] = [0.0] * (len(BUCKETS) + 1)
                hsum[c] = 0.0
            counters[c] += done
            if dialect == "histogram":
                _hist_add(rng, c, hist, hsum, done, q50, q90)
            if gap:
                continue
            name = "vv_summaries_written_total" if c == "scene_summarizer" else "vv_videos_processed_total"
            b.metric(t, name, {"component": c}, counters[c])
            if dialect == "summary":
                b.metric(t, "vv_scene_processing_seconds", {"component": c, "quantile": "0.5"}, round(q50, 3))
                b.metric(t, "vv_scene_processing_seconds", {"component": c, "quantile": "0.9"}, round(q90, 3))
            else:
                _hist_emit(b, t, c, hist, hsum)
        if not gap:
            b.metric(t, "vv_input_queue_files", {"component": "scene_scanner"}, rng.randint(0, 4))


def _hist_add(rng, c, hist, hsum, n, q50, q90):
    sigma = math.log(q90 / q50) / 1.2816
    for _ in range(n):
        x = q50 * math.exp(rng.gauss(0, sigma))
        hsum[c] += x
        for j, le in enumerate(BUCKETS):
            if x <= le:
                hist[c][j] += 1
        hist[c][-1] += 1


def _hist_emit(b, t, c, hist, hsum):
    base = "vv_scene_processing_seconds"
    for j, le in enumerate(BUCKETS):
        b.metric(t, base + "_bucket", {"component": c, "le": str(float(le))}, hist[c][j])
    b.metric(t, base + "_bucket", {"component": c, "le": "+Inf"}, hist[c][-1])
    b.metric(t, base + "_sum", {"component": c}, round(hsum[c], 3))
    b.metric(t, base + "_count", {"component": c}, hist[c][-1])
