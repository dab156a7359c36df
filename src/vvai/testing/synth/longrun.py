"""Long-window bundles (days at hourly resolution) for slow performance degradation."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

from vvai.testing.synth.sim import MB, Sim
from vvai.testing.synth.wording import docker_ts, ts_iso


class LongRun:
    """Renders a multi-day bundle: hourly stats/metrics, a few log lines an hour."""

    def __init__(self, sim: Sim):
        self.sim = sim
        self.stats: list[dict] = []
        self.metrics: list[dict] = []
        self.pipeline: list[dict] = []
        self.no_benchmark = False

    def render(self, *, watch_events: bool = True) -> dict[str, bytes]:
        sim = self.sim
        meta = sim.bundle_json()
        if self.no_benchmark:
            meta.pop("benchmarks", None)
        out = {"bundle.json": json.dumps(meta, indent=2).encode()}
        out["events.jsonl"] = "".join(
            json.dumps(e, separators=(",", ":")) + "\n" for e in sorted(sim.events, key=lambda e: e["timeNano"])
        ).encode()
        for name, lines in sim.logs.items():
            lines.sort(key=lambda x: x[0])
            out[f"logs/{name}.log"] = "".join(f"{docker_ts(t, sim.rng)} {txt}\n" for t, txt in lines).encode()
        sim.app.sort(key=lambda r: r["ts"])
        out["logs/app.log"] = "".join(json.dumps(r) + "\n" for r in sim.app).encode()
        out["stats.jsonl"] = "".join(json.dumps(r) + "\n" for r in self.stats).encode()
        out["metrics.jsonl"] = "".join(json.dumps(r) + "\n" for r in self.metrics).encode()
        out["pipeline.jsonl"] = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in self.pipeline).encode()
        return out


def build_degradation(rng: random.Random) -> tuple[Any, dict]:
    days = rng.uniform(6, 8)
    sim = Sim(rng, minutes=days * 24 * 60)
    s, m, e = sim.standard()
    lr = LongRun(sim)
    lr.no_benchmark = rng.random() < 0.35
    b = rng.uniform(3.2, 5.5)
    sim.bench = b * rng.uniform(0.95, 1.05)
    inc = rng.uniform(0.4, 0.85)
    onset = rng.uniform(0.2, 0.4)
    scan_base = rng.uniform(12, 35)
    decoy_load = rng.random() < 0.5  # scanner slower but only because it has much more work
    spike_day = rng.uniform(0.1, 0.5)
    rate = rng.uniform(40, 80)  # videos per hour
    counts = {s.name: rng.randint(10**4, 10**5), m.name: rng.randint(10**4, 10**5), e.name: rng.randint(10**5, 10**6)}
    hours = int(days * 24)
    restart_day = rng.randint(2, hours - 5)
    for h in range(hours):
        t = sim.t0 + timedelta(hours=h, seconds=rng.uniform(0, 120))
        frac = h / hours
        slow = 1.0 if frac < onset else 1 + inc * min(1.0, (frac - onset) / (0.85 - onset))
        p50_m = b * slow * rng.uniform(0.95, 1.05)
        load = 1.0 + (0.7 if decoy_load and frac > 0.55 else 0.0)
        p50_s = scan_base * rng.uniform(0.93, 1.07) * (1 + 0.45 * (load - 1) / 0.7 if load > 1 else 1)
        if spike_day <= frac < spike_day + 0.06:
            p50_s *= 1.8
        n = int(rate * rng.uniform(0.92, 1.08))
        counts[s.name] += int(n * load)
        counts[m.name] += n  # the extra scanner work is archive backfill: analytics only, no summaries
        counts[e.name] += 3 * n
        ts = ts_iso(t)
        for c in (s, m, e):
            self_up = {
                "ts": ts,
                "name": "up",
                "labels": {"component": c.name, "job": c.name, "instance": f"{c.name}:9100"},
                "value": 1,
            }
            lr.metrics.append(self_up)
        lr.metrics += [
            {
                "ts": ts,
                "name": "vv_scene_processing_seconds",
                "labels": {"component": s.name, "quantile": "0.5"},
                "value": round(p50_s, 3),
            },
            {
                "ts": ts,
                "name": "vv_scene_processing_seconds",
                "labels": {"component": m.name, "quantile": "0.5"},
                "value": round(p50_m, 3),
            },
            {"ts": ts, "name": "vv_videos_processed_total", "labels": {"component": s.name}, "value": counts[s.name]},
            {"ts": ts, "name": "vv_summaries_written_total", "labels": {"component": m.name}, "value": counts[m.name]},
            {
                "ts": ts,
                "name": "vv_export_objects_total",
                "labels": {"component": e.name, "result": "ok"},
                "value": counts[e.name],
            },
            {
                "ts": ts,
                "name": "vv_export_objects_total",
                "labels": {"component": e.name, "result": "error"},
                "value": 12 + h // 40,
            },
        ]
        busy_m = min(0.8, n * p50_m / 3600 * rng.uniform(0.9, 1.1))
        for c, cpu in ((s, rng.uniform(0.3, 0.7)), (m, busy_m), (e, rng.uniform(0.02, 0.2))):
            lr.stats.append(
                {
                    "ts": ts_iso(t + timedelta(milliseconds=rng.randint(0, 50))),
                    "component": c.name,
                    "cpu_percent": round(cpu * c.cpus * 100, 2),
                    "mem_bytes": int(c.mem_limit_bytes * rng.uniform(0.3, 0.6)),
                    "mem_limit_bytes": c.mem_limit_bytes,
                    "restart_count": c.base_restarts + (h > restart_day),
                    "oom_killed": False,
                    "status": "running",
                }
            )
        cam = f"cam{rng.randint(1, 6)}_{t.strftime('%Y-%m-%dT%Hh%M')}"
        sim.log(
            s,
            t,
            "INFO",
            f"analysis finished for {cam}.mkv ({p50_s:.0f} s, {rng.randint(2, 12)} scene cuts)",
            file=f"{cam}.mkv",
            duration_s=round(p50_s, 2),
        )
        sim.log(
            m,
            t + timedelta(seconds=40),
            "INFO",
            f"{cam}.summary.json ready after {p50_m:.1f}s",
            file=f"{cam}.summary.json",
            duration_s=round(p50_m, 2),
            model_version=sim.model["version"],
        )
        sim.log(e, t + timedelta(seconds=90), "INFO", "sweep complete", objects=3 * n // 20)
        if rng.random() < 0.05:
            sim.log(
                e,
                t + timedelta(seconds=80),
                "WARNING",
                f"{cam}.mkv: transient 'read timeout', will retry",
                file=f"{cam}.mkv",
                attempt=1,
            )
        if h % 3 == 0:
            stem = cam
            lr.pipeline.append(
                {
                    "ts": ts_iso(t + timedelta(seconds=5)),
                    "dirs": {
                        "input": [{"name": stem + ".mkv", "size": int(200 * MB), "mtime": ts_iso(t)}],
                        "processed": [{"name": stem + "_prev.analytic.json", "size": 30000, "mtime": ts_iso(t)}],
                        "corrupted": [],
                    },
                    "disk": {
                        "path": sim.root,
                        "total_bytes": sim.disk_total,
                        "free_bytes": int(sim.disk_total * rng.uniform(0.4, 0.45)),
                    },
                }
            )
        if h == restart_day:
            sim.restart(rng.choice([s, e]), t + timedelta(minutes=10), 143, planned=True, backoff=3)
    exp = {
        "incidents": [
            {
                "category": "performance_degradation",
                "component": m.name,
                "acceptable_actions": ["alert", f"suggest_limits:{m.name}", "suggest_rollback"],
                "forbidden_actions": ["restart", "cleanup", "quarantine", "rollback_model"],
            }
        ]
    }
    return lr, exp
