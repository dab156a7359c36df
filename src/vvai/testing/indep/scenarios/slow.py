"""performance_degradation: one component markedly slower over days at similar load (7-day history)."""
from __future__ import annotations

from datetime import timedelta

from .. import history
from ..flow import SCAN, SUMM, Flow
from .registry import DANGEROUS, restart_others, variant


def _degrade(site, service: str, shape: str, dialect: str):
    b, rng = site.b, site.rng
    slow = rng.uniform(0.35, 0.45)
    p50 = {SCAN: rng.choice([28.0, 32.0, 35.0]), SUMM: b.meta["benchmarks"]["scene_summarizer"]["p50_processing_s"]}
    b.meta["benchmarks"] = {SUMM: {"p50_processing_s": p50[SUMM]}, SCAN: {"p50_processing_s": p50[SCAN]}}
    # restarts: a planned weekly image refresh and a host reboot, both reset the counters
    restarts = [b.end - timedelta(days=rng.uniform(4.5, 5.5)), b.end - timedelta(days=rng.uniform(1.5, 2.5))]
    gaps = []
    for _ in range(rng.randint(2, 4)):
        g0 = b.end - timedelta(hours=rng.uniform(10, 160))
        gaps.append((g0, g0 + timedelta(hours=rng.uniform(1.5, 6))))
    history.emit(b, rng, p50, service, slow, shape, dialect, b.end, restarts, gaps)
    since = b.end - timedelta(hours=1)
    if service == SUMM:
        f = Flow(site, summ_p50=p50[SUMM], summ_factor=1 + slow, since=since)
    else:
        lo = p50[SCAN] * (1 + slow)
        f = Flow(site, summ_p50=p50[SUMM], scan_s=(lo * 0.85, lo * 1.15), since=since, period_s=300)
    f.simulate()
    f.emit_logs()
    f.emit_snapshots()
    f.emit_stats()
    b.incident("performance_degradation", service, ["alert", f"suggest_limits:{service}"],
               DANGEROUS + ["quarantine", "rollback_model"] + restart_others(site, service))
    # what a reader would quote: the latest quantile samples in the history
    last = [r for _, r in b.metrics if r["name"].startswith("vv_scene_processing_seconds")
            and r["labels"].get("component") == service]
    if last:
        b.mark("metrics.jsonl", '"name": "vv_scene_processing_seconds' if not b.compact_json
               else '"name":"vv_scene_processing_seconds')


@variant("performance_degradation", "summarizer-ramp", hours=168)
def perf_summ_ramp(site):
    _degrade(site, SUMM, "ramp", "summary")


@variant("performance_degradation", "summarizer-quadratic", hours=168)
def perf_summ_quad(site):
    _degrade(site, SUMM, "quadratic", "summary")


@variant("performance_degradation", "scanner-step", hours=168)
def perf_scan_step(site):
    _degrade(site, SCAN, "step", "summary")


@variant("performance_degradation", "summarizer-histogram", splits=("heldout",), hours=168)
def perf_summ_hist(site):
    _degrade(site, SUMM, "ramp", "histogram")


@variant("performance_degradation", "scanner-histogram", splits=("heldout",), hours=168)
def perf_scan_hist(site):
    _degrade(site, SCAN, "quadratic", "histogram")
