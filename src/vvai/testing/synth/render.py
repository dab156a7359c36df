"""Turning a finished simulation into bundle files: stats, metrics and folder snapshots sampled
from what happened, then every source serialised the way the real tools write it."""

from __future__ import annotations

import json
import statistics
from datetime import datetime, timedelta
from typing import Any

from vvai.testing.synth.wording import docker_ts, ts_iso


class Rendering:
    """Mixin of :class:`~vvai.testing.synth.sim.Sim`: sampling and serialisation."""

    rng: Any
    t0: datetime
    t1: datetime
    comps: dict
    vfiles: list

    # ------------------------------------------------------------------ sampling
    def is_down(self, name: str, t: datetime) -> bool:
        return any(a <= t < b for a, b in self.down.get(name, []))

    def sample(self) -> tuple[list[dict], list[dict], list[dict]]:
        return self._stats(), self._metrics(), self._pipeline()

    def _stats(self) -> list[dict]:
        rng = self.rng
        out = []
        t = self.t0 + timedelta(seconds=rng.uniform(1, 10))
        while t < self.t1:
            for c in self.comps.values():
                ts = t + timedelta(milliseconds=rng.randint(0, 60))
                down = self.is_down(c.name, ts)
                restarts = c.base_restarts + sum(1 for r in self.restart_times.get(c.name, []) if r <= ts)
                oom = any(a <= ts < b for a, b in self.oom_flag.get(c.name, []))
                status = "running"
                if down:
                    long = any(a <= ts and b > self.t1 for a, b in self.down.get(c.name, []))
                    status = "exited" if long else "restarting"
                cpu = rng.uniform(0.2, 2.0)
                if not down and any(a <= ts < b for a, b in self.busy.get(c.name, [])):
                    cpu = (
                        c.cpus * 100 * rng.uniform(0.45, 0.8)
                        if rng.random() > 0.1
                        else c.cpus * 100 * rng.uniform(0.85, 1.0)
                    )
                for a, b, lvl in self.cpu_level.get(c.name, []):
                    if a <= ts < b and not down:
                        cpu = c.cpus * 100 * min(1.0, rng.gauss(lvl, 0.03))
                mem = c.mem_base * rng.uniform(0.95, 1.05)
                for a, b, f0, f1 in self.mem_ramp.get(c.name, []):
                    if a <= ts < b:
                        mem = f0 + (f1 - f0) * (ts - a) / (b - a)
                if down:
                    cpu, mem = 0.0, 0.0
                out.append(
                    {
                        "ts": ts_iso(ts),
                        "component": c.name,
                        "cpu_percent": round(cpu, 2),
                        "mem_bytes": int(min(mem, 0.999) * c.mem_limit_bytes),
                        "mem_limit_bytes": c.mem_limit_bytes,
                        "restart_count": restarts,
                        "oom_killed": oom,
                        "status": status,
                    }
                )
            t += timedelta(seconds=self.stats_every)
        return out

    def _metrics(self) -> list[dict]:
        rng = self.rng
        out = []
        t = self.t0 + timedelta(seconds=rng.uniform(5, 25))
        base_counts = {n: rng.randint(1000, 60000) for n in self.comps}
        while t < self.t1:
            ts = ts_iso(t)
            for c in self.comps.values():
                out.append(
                    {
                        "ts": ts,
                        "name": "up",
                        "labels": {"component": c.name, "job": c.name, "instance": f"{c.name}:9100"},
                        "value": 0 if self.is_down(c.name, t) else 1,
                    }
                )
                if c.role in ("scanner", "summarizer"):
                    recent = [d for at, d in self.durations.get(c.name, []) if at <= t][-20:]
                    if recent:
                        out.append(
                            {
                                "ts": ts,
                                "name": "vv_scene_processing_seconds",
                                "labels": {"component": c.name, "quantile": "0.5"},
                                "value": round(statistics.median(recent), 3),
                            }
                        )
                    name = "vv_videos_processed_total" if c.role == "scanner" else "vv_summaries_written_total"
                    out.append(
                        {
                            "ts": ts,
                            "name": name,
                            "labels": {"component": c.name},
                            "value": base_counts[c.name] + sum(1 for x in self.counters.get(c.name, []) if x <= t),
                        }
                    )
                if c.role == "exporter":
                    ok = base_counts[c.name] + 3 * sum(1 for x in self.counters.get(c.name, []) if x <= t)
                    err = 20 + sum(1 for x in self.export_errors if x <= t)
                    out.append(
                        {
                            "ts": ts,
                            "name": "vv_export_objects_total",
                            "labels": {"component": c.name, "result": "ok"},
                            "value": ok,
                        }
                    )
                    out.append(
                        {
                            "ts": ts,
                            "name": "vv_export_objects_total",
                            "labels": {"component": c.name, "result": "error"},
                            "value": err,
                        }
                    )
                    pend = sum(
                        1 for v in self.vfiles if v.scan_end and v.scan_end <= t and not (v.shipped and v.shipped <= t)
                    )
                    out.append(
                        {"ts": ts, "name": "vv_export_pending_sets", "labels": {"component": c.name}, "value": pend}
                    )
            out.append(
                {
                    "ts": ts,
                    "name": "node_filesystem_avail_bytes",
                    "labels": {"device": "/dev/sda2", "mountpoint": self.root},
                    "value": self.disk_free(t),
                }
            )
            t += timedelta(seconds=self.metrics_every)
        return out

    def folders(self, t: datetime) -> dict[str, list[dict]]:
        inp, proc = [], []
        for v in self.vfiles:
            if v.arrive > t:
                continue
            if v.corrupted_at and v.corrupted_at <= t:
                continue
            if not v.scan_end or v.scan_end > t:
                inp.append({"name": v.name, "size": v.size, "mtime": ts_iso(v.arrive)})
                continue
            if v.shipped and v.shipped <= t:
                continue
            proc.append({"name": v.name, "size": v.size, "mtime": ts_iso(v.arrive)})
            proc.append(
                {"name": v.stem + ".analytic.json", "size": 20000 + len(v.stem) * 300, "mtime": ts_iso(v.scan_end)}
            )
            if v.sum_end and v.sum_end <= t:
                proc.append(
                    {"name": v.stem + ".summary.json", "size": 1500 + len(v.stem) * 20, "mtime": ts_iso(v.sum_end)}
                )
        corr = list(self.corrupted_pre) + [
            {"name": v.name, "size": v.size, "mtime": ts_iso(v.corrupted_at)}
            for v in self.vfiles
            if v.corrupted_at and v.corrupted_at <= t
        ]
        return {
            "input": sorted(inp, key=lambda e: e["name"]),
            "processed": sorted(proc, key=lambda e: e["name"]),
            "corrupted": sorted(corr, key=lambda e: e["name"]),
        }

    def _used(self, t: datetime) -> int:
        used = sum(e["size"] for e in self.corrupted_pre)
        for v in self.vfiles:
            if v.arrive > t or (v.shipped and v.shipped <= t):
                continue
            used += v.size + (20000 if v.scan_end and v.scan_end <= t else 0)
        return used

    def disk_free(self, t: datetime) -> int:
        used = self.disk_used_other + self._used(t)
        if self.disk_drift and t >= self.disk_drift[0]:
            frac = min(1.0, (t - self.disk_drift[0]) / max(self.t1 - self.disk_drift[0], timedelta(seconds=1)))
            target = self.disk_drift[1] * self.disk_total
            used = used + (target - used) * min(1.0, frac * 1.3)
        return max(0, int(self.disk_total - used))

    def _pipeline(self) -> list[dict]:
        out = []
        t = self.t0 + timedelta(seconds=self.rng.uniform(3, 30))
        while t < self.t1:
            out.append(
                {
                    "ts": ts_iso(t),
                    "dirs": self.folders(t),
                    "disk": {"path": self.root, "total_bytes": self.disk_total, "free_bytes": self.disk_free(t)},
                }
            )
            t += timedelta(seconds=self.snap_every)
        return out

    # ------------------------------------------------------------------ rendering
    def bundle_json(self) -> dict:
        comps = {}
        for c in self.comps.values():
            comps[c.name] = {
                "image": c.image,
                "mem_limit": c.mem_limit,
                "cpus": c.cpus,
                "restart": c.restart,
                "depends_on": c.depends_on,
            }
        meta: dict[str, Any] = {
            "format": "vvai-bundle/1",
            "host": self.host,
            "window": {"start": self.t0.strftime("%Y-%m-%dT%H:%M:%SZ"), "end": self.t1.strftime("%Y-%m-%dT%H:%M:%SZ")},
            "pipeline_root": self.root,
            "components": comps,
            "model": self.model,
            "engine": {"name": self.engine, "version": "27.3.1" if self.engine == "docker" else "4.9.3"},
        }
        summ = next((c for c in self.comps.values() if c.role == "summarizer"), None)
        if summ:
            meta["benchmarks"] = {summ.name: {"p50_processing_s": round(self.bench, 1)}}
        return meta

    def render(self, *, watch_events: bool = True) -> dict[str, bytes]:
        """All bundle files (paths relative to the bundle root) as bytes."""
        stats, metrics, pipeline = self.sample()
        out: dict[str, bytes] = {"bundle.json": json.dumps(self.bundle_json(), indent=2).encode()}
        evs = sorted(self.events, key=lambda e: e["timeNano"])
        if watch_events:
            out["events.jsonl"] = "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in evs).encode()
        for name, lines in self.logs.items():
            lines.sort(key=lambda x: x[0])
            out[f"logs/{name}.log"] = "".join(f"{docker_ts(t, self.rng)} {txt}\n" for t, txt in lines).encode()
        self.app.sort(key=lambda r: r["ts"])
        out["logs/app.log"] = "".join(json.dumps(r) + "\n" for r in self.app).encode()
        out["stats.jsonl"] = "".join(json.dumps(r) + "\n" for r in stats).encode()
        out["metrics.jsonl"] = "".join(json.dumps(r) + "\n" for r in metrics).encode()
        out["pipeline.jsonl"] = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in pipeline).encode()
        for name, data in self.files.items():
            out[f"files/{name}"] = data
        return out
