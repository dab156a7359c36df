"""Resources persistently near their limits: CPU against ``cpus``, memory against ``mem_limit``.

"Persistently" means a span of at least N minutes in which most samples are above the fraction
(or, in a bundle shorter than that, most of what it covers: see ``_span_minutes``); short peaks
(a big video decoding for a minute) are normal and never reported.
"""

from __future__ import annotations

from datetime import timedelta

from vvai.monitor.bundle import JsonRecord
from vvai.monitor.detect.context import Context
from vvai.monitor.detect.evidence import ev_record
from vvai.monitor.incident import Finding, Severity


def sustained(samples: list[tuple], threshold: float, minutes: float, share: float) -> tuple | None:
    """Longest span >= ``minutes`` in which >= ``share`` of (ts, value, rec) samples exceed
    ``threshold``; returns (first_rec, last_rec, mean_value) or None."""
    best = None
    n = len(samples)
    j = 0
    above = 0
    need = timedelta(minutes=minutes)
    for i in range(n):
        if j < i:
            j, above = i, 0
        while j < n and samples[j][0] - samples[i][0] < need:
            above += samples[j][1] >= threshold
            j += 1
        if j >= n:
            break
        total = j - i
        if total >= 3 and above / total >= share and samples[i][1] >= threshold:
            k, ab = j, above
            while k < n and (ab + (samples[k][1] >= threshold)) / (k - i + 1) >= share:
                ab += samples[k][1] >= threshold
                k += 1
            vals = [v for _, v, _ in samples[i:k]]
            cand = (samples[i][2], samples[k - 1][2], sum(vals) / len(vals), samples[k - 1][0] - samples[i][0])
            if best is None or cand[3] > best[3]:
                best = cand
        above -= samples[i][1] >= threshold
    return best


def _span_minutes(samples: list[tuple], minutes: float, s) -> float:
    """The span saturation must last: ``minutes``; or, when the bundle's samples cover less than
    that, all but the first and last tenth of what they cover (never under
    ``saturation_short_minutes``): at its limit from start to end is persistent as far as anyone
    can see."""
    if len(samples) < 3:
        return minutes
    covered = (samples[-1][0] - samples[0][0]).total_seconds() / 60
    if covered >= minutes:
        return minutes
    return max(s.saturation_short_minutes, 0.8 * covered)


def detect(ctx: Context) -> list[Finding]:
    s = ctx.settings
    out: list[Finding] = []
    for comp in ctx.bundle.all_components():
        spec = ctx.bundle.components.get(comp)
        rows: list[JsonRecord] = [r for r in ctx.stats_of(comp) if r.data.get("status", "running") == "running"]
        if not rows:
            continue
        if spec and spec.cpus:
            cpu = [(r.ts, float(r.data.get("cpu_percent") or 0) / (spec.cpus * 100), r) for r in rows
                   if isinstance(r.data.get("cpu_percent"), int | float)]
            hit = sustained(cpu, s.cpu_saturation_fraction, _span_minutes(cpu, s.cpu_saturation_minutes, s),
                            s.cpu_saturation_share)
            if hit:
                first, last, mean, dur = hit
                out.append(Finding(
                    kind="cpu_saturation", component=comp, ts=first.ts, last_ts=last.ts, severity=Severity.warning,
                    evidence=[ev_record("stats.jsonl", first, "cpu_percent"), ev_record("stats.jsonl", last,
                                                                                       "cpu_percent")],
                    summary=f"{comp} CPU at {mean:.0%} of its {spec.cpus:g}-CPU limit for "
                            f"{dur.total_seconds() / 60:.0f} min",
                    attrs={"mean_fraction": round(mean, 3), "minutes": round(dur.total_seconds() / 60, 1),
                           "limit": spec.cpus, "resource": "cpu"}))
        mem = []
        for r in rows:
            lim = r.data.get("mem_limit_bytes") or (spec.mem_limit_bytes if spec else None)
            if isinstance(r.data.get("mem_bytes"), int | float) and lim:
                mem.append((r.ts, float(r.data["mem_bytes"]) / float(lim), r))
        hit = sustained(mem, s.mem_pressure_fraction, _span_minutes(mem, s.mem_pressure_minutes, s),
                        s.cpu_saturation_share)
        if hit:
            first, last, mean, dur = hit
            out.append(Finding(
                kind="mem_pressure", component=comp, ts=first.ts, last_ts=last.ts, severity=Severity.warning,
                evidence=[ev_record("stats.jsonl", first, "mem_bytes"), ev_record("stats.jsonl", last, "mem_bytes")],
                summary=f"{comp} memory at {mean:.0%} of its limit for {dur.total_seconds() / 60:.0f} min",
                attrs={"mean_fraction": round(mean, 3), "minutes": round(dur.total_seconds() / 60, 1),
                       "resource": "memory"}))
    return out
