"""The normal life of the pipeline as a timeline: videos arrive, are scanned, summarized and shipped.

Scenarios turn knobs (a worker stops taking work, the exporter cannot ship, one file is skipped)
and then `emit()` writes the logs, app.log, stats, metrics and folder snapshots that follow.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import naming, tools
from .site import Site

SCAN, SUMM, EXP = "scene_scanner", "scene_summarizer", "log_exporter"


@dataclass
class Video:
    name: str
    size: int
    arrive: datetime
    res: str = "1920x1080"
    codec: str = "h264"
    scan_start: datetime | None = None
    scanned: datetime | None = None
    summ_start: datetime | None = None
    summarized: datetime | None = None
    shipped: datetime | None = None
    corrupted: datetime | None = None


@dataclass
class Flow:
    site: Site
    period_s: int = 240
    scan_s: tuple = (18.0, 45.0)
    summ_p50: float = 4.0
    summ_factor: float = 1.0
    export_every: int = 300
    scanner_stop: datetime | None = None
    summarizer_stop: datetime | None = None
    exporter_stop: datetime | None = None
    skip: set = field(default_factory=set)          # names the scanner never finishes
    block: set = field(default_factory=set)         # names the scanner takes and never gets past
    blocked_at: datetime | None = None
    arrivals_stop: datetime | None = None
    arrival_boost: tuple | None = None              # (from, until, factor): a backfill
    videos: list = field(default_factory=list)
    level_case: str = "upper"
    quiet: tuple | None = None                      # (from, until): no arrivals (night)
    since: datetime | None = None                   # emit only from here (default: window start)

    @property
    def t0(self) -> datetime:
        return self.since or self.site.b.start

    def simulate(self) -> Flow:
        rng, b = self.site.rng, self.site.b
        t = self.t0 - timedelta(minutes=25)
        idx = 0
        while t < b.end:
            k = rng.randint(2, 4)
            if self.arrival_boost and self.arrival_boost[0] <= t < self.arrival_boost[1]:
                k *= self.arrival_boost[2]
            if self.quiet and self.quiet[0] <= t < self.quiet[1]:
                k = 0
            if self.arrivals_stop and t >= self.arrivals_stop:
                k = 0
            for _ in range(k):
                name = naming.video_name(rng, self.site.naming, t, idx)
                idx += 1
                res, codec = rng.choice([("1920x1080", "h264"), ("2560x1440", "hevc"), ("1280x720", "h264")])
                at = t + timedelta(seconds=rng.uniform(0, 20))
                self.videos.append(Video(name, rng.randrange(40_000_000, 400_000_000), at, res, codec))
            t += timedelta(seconds=self.period_s)
        self.videos.sort(key=lambda v: v.arrive)
        self._scan()
        self._summarize()
        self._export()
        return self

    def _scan(self):
        rng, free = self.site.rng, self.t0 - timedelta(hours=1)
        for v in self.videos:
            if v.corrupted:
                continue
            start = max(v.arrive + timedelta(seconds=rng.uniform(1, 6)), free)
            if self.scanner_stop and start >= self.scanner_stop:
                break
            v.scan_start = start
            if v.name in self.block:
                self.blocked_at = start
                break
            if v.name in self.skip:
                free = start + timedelta(seconds=rng.uniform(1, 4))
                continue
            v.scanned = start + timedelta(seconds=rng.uniform(*self.scan_s))
            free = v.scanned + timedelta(seconds=rng.uniform(0.2, 1.5))

    def _summarize(self):
        rng, free = self.site.rng, self.t0 - timedelta(hours=1)
        for v in sorted((v for v in self.videos if v.scanned), key=lambda v: v.scanned):
            start = max(v.scanned + timedelta(seconds=rng.uniform(2, 15)), free)
            if self.summarizer_stop and start >= self.summarizer_stop:
                break
            v.summ_start = start
            dur = self.summ_p50 * self.summ_factor * rng.lognormvariate(0, 0.18)
            v.summarized = start + timedelta(seconds=dur)
            free = v.summarized

    def _export(self):
        rng, b = self.site.rng, self.site.b
        t = self.t0 - timedelta(minutes=25) + timedelta(seconds=rng.randrange(self.export_every))
        while t < b.end:
            if self.exporter_stop and t >= self.exporter_stop:
                break
            ready = [v for v in self.videos if v.summarized and v.summarized <= t and not v.shipped]
            off = 0.0
            for v in ready:
                off += v.size / 40e6 + rng.uniform(0.1, 0.6)
                v.shipped = t + timedelta(seconds=off)
            t += timedelta(seconds=self.export_every)

    # -- emission ------------------------------------------------------------------------------
    def lvl(self, level: str) -> str:
        return level.upper() if self.level_case == "upper" else level.lower()

    def in_window(self, dt) -> bool:
        b = self.site.b
        return dt is not None and self.t0 <= dt <= b.end

    def emit_logs(self, app: bool = True):
        s, b, rng = self.site, self.site.b, self.site.rng
        scan, summ, exp = s.lg(SCAN), s.lg(SUMM), s.lg(EXP)
        ver = b.meta.get("model", {}).get("version", "1.0.0")
        for v in self.videos:
            if self.in_window(v.scan_start) and v.name not in self.skip | self.block:
                scan(v.scan_start, "info", f"decode start: {v.name}")
                if app:
                    b.app_log(v.scan_start, self.lvl("info"), SCAN, f"decode start: {v.name}", file=v.name,
                              size_bytes=v.size)
                if rng.random() < 0.12:
                    scan.raw(v.scan_start + timedelta(seconds=3), tools.ffmpeg_noise(rng))
            if self.in_window(v.scanned):
                secs = (v.scanned - v.scan_start).total_seconds()
                scan(v.scanned, "info", f"{v.name}: {rng.randint(3, 30)} scenes, {secs:.1f}s, moved to processed/")
                if app:
                    b.app_log(v.scanned, self.lvl("info"), SCAN, f"analysis written: {naming.analytic(v.name)}",
                              file=v.name, duration_s=round(secs, 2), resolution=v.res)
            if self.in_window(v.summ_start):
                summ(v.summ_start, "info", f"picked {naming.analytic(v.name)}")
            if self.in_window(v.summarized):
                secs = (v.summarized - v.summ_start).total_seconds()
                summ(v.summarized, "info", f"wrote {naming.summary(v.name)} in {secs:.2f}s")
                if app:
                    b.app_log(v.summarized, self.lvl("info"), SUMM, f"summary written: {naming.summary(v.name)}",
                              file=naming.analytic(v.name), duration_s=round(secs, 3), model_version=ver)
            if self.in_window(v.shipped):
                exp(v.shipped, "info", f"uploaded {v.name} ({v.size / 1e6:.1f} MB)", bucket="vv-footage")
                if app:
                    b.app_log(v.shipped, self.lvl("info"), EXP, f"shipped {v.name}", file=v.name,
                              size_bytes=v.size)
        t = self.t0 + timedelta(seconds=rng.randrange(60))
        while t < b.end:
            queued = sum(1 for v in self.videos if v.arrive <= t and not (v.scanned and v.scanned <= t)
                         and not v.corrupted)
            if not (self.scanner_stop and t > self.scanner_stop and self.heartbeat_stops):
                scan(t, "debug" if rng.random() < 0.5 else "info", f"alive: {queued} queued")
            t += timedelta(seconds=120)

    heartbeat_stops: bool = False

    def dirs_at(self, t: datetime, old_corrupted: list) -> dict:
        inp, proc, corr = [], [], list(old_corrupted)
        for v in self.videos:
            if v.arrive > t:
                continue
            if v.corrupted and v.corrupted <= t:
                corr.append({"name": v.name, "size": v.size, "mtime": self.site.b.ts(v.corrupted)})
                corr.append({"name": v.name + ".reason.txt", "size": 96, "mtime": self.site.b.ts(v.corrupted)})
                continue
            if v.shipped and v.shipped <= t:
                continue
            if v.scanned and v.scanned <= t:
                proc.append({"name": v.name, "size": v.size, "mtime": self.site.b.ts(v.scanned)})
                proc.append({"name": naming.analytic(v.name), "size": 20_000 + v.size % 40_000,
                             "mtime": self.site.b.ts(v.scanned)})
                if v.summarized and v.summarized <= t:
                    proc.append({"name": naming.summary(v.name), "size": 1200 + v.size % 1500,
                                 "mtime": self.site.b.ts(v.summarized)})
            else:
                inp.append({"name": v.name, "size": v.size, "mtime": self.site.b.ts(v.arrive)})
        return {"input": inp, "processed": proc, "corrupted": corr}

    def emit_snapshots(self, every_s: int = 60, total: int = 500 * 10**9, free0: int | None = None,
                       disk_hook=None, old_corrupted: list | None = None):
        b, rng = self.site.b, self.site.rng
        free0 = free0 if free0 is not None else int(total * rng.uniform(0.35, 0.7))
        old = old_corrupted or []
        t = self.t0 + timedelta(seconds=rng.randrange(every_s))
        while t <= b.end:
            dirs = self.dirs_at(t, old)
            used = sum(f["size"] for f in dirs["input"] + dirs["processed"])
            disk = {"path": b.meta["pipeline_root"], "total_bytes": total, "free_bytes": max(0, free0 - used)}
            if disk_hook:
                disk = disk_hook(t, disk)
            b.snapshot(t, dirs, disk)
            t += timedelta(seconds=every_s)

    def busy(self, service: str, t: datetime) -> bool:
        if service == SCAN:
            return any(v.scan_start and v.scan_start <= t <= (v.scanned or v.scan_start) for v in self.videos)
        if service == SUMM:
            return any(v.summ_start and v.summ_start <= t <= v.summarized for v in self.videos if v.summarized)
        return any(v.shipped and abs((v.shipped - t).total_seconds()) < 20 for v in self.videos)

    def emit_stats(self, every_s: int = 30, hook=None, restarts: dict | None = None):
        s, b, rng = self.site, self.site.b, self.site.rng
        restarts = restarts or {}
        base = {c: rng.randint(0, 2) for c in b.components}
        t = self.t0 + timedelta(seconds=rng.uniform(1, every_s))
        while t <= b.end:
            for c, spec in b.components.items():
                limit = s.limit_bytes(c)
                busy = self.busy(c, t) if c in (SCAN, SUMM, EXP) else False
                cpu = spec["cpus"] * 100 * rng.uniform(0.55, 0.85) if busy else rng.uniform(0.3, 4.0)
                frac = {SCAN: 0.45, SUMM: 0.55, EXP: 0.3}.get(c, 0.2) * (1.25 if busy else 1.0)
                rec = {"component": c, "cpu_percent": round(cpu, 2),
                       "mem_bytes": int(limit * frac * rng.uniform(0.92, 1.08)), "mem_limit_bytes": limit,
                       "restart_count": base[c] + restarts.get(c, lambda _t: 0)(t), "oom_killed": False,
                       "status": "running"}
                if hook:
                    rec = hook(c, t, rec)
                if rec is not None:
                    b.stat(t + timedelta(milliseconds=rng.randrange(5, 60)), rec)
            t += timedelta(seconds=every_s)

    def emit_metrics(self, every_s: int = 30, hook=None):
        b, rng = self.site.b, self.site.rng
        t = self.t0 + timedelta(seconds=rng.uniform(1, every_s))
        base_scan, base_summ = rng.randrange(100, 9000), rng.randrange(100, 9000)
        while t <= b.end:
            scanned = [v for v in self.videos if v.scanned and v.scanned <= t]
            summed = [v for v in self.videos if v.summarized and v.summarized <= t]
            rows = [("vv_videos_processed_total", {"component": SCAN}, base_scan + len(scanned)),
                    ("vv_summaries_written_total", {"component": SUMM}, base_summ + len(summed)),
                    ("vv_input_queue_files", {"component": SCAN},
                     sum(1 for v in self.videos if v.arrive <= t and not (v.scanned and v.scanned <= t)
                         and not (v.corrupted and v.corrupted <= t))),
                    ("vv_export_objects_total", {"component": EXP, "result": "ok"},
                     sum(1 for v in self.videos if v.shipped and v.shipped <= t))]
            for comp, vs, attr in ((SCAN, scanned, "scan_start"), (SUMM, summed, "summ_start")):
                recent = [((v.scanned if comp == SCAN else v.summarized) - getattr(v, attr)).total_seconds()
                          for v in vs[-12:]]
                if len(recent) >= 2:
                    qs = statistics.quantiles(recent, n=10)
                    rows.append(("vv_scene_processing_seconds", {"component": comp, "quantile": "0.5"},
                                 round(statistics.median(recent), 3)))
                    rows.append(("vv_scene_processing_seconds", {"component": comp, "quantile": "0.9"},
                                 round(qs[-1], 3)))
            for c in b.components:
                rows.append(("up", {"component": c, "job": c, "instance": f"{c}:9100"}, 1))
            for name, labels, value in rows:
                if hook:
                    value = hook(name, labels, t, value)
                if value is not None:
                    b.metric(t, name, labels, value)
            t += timedelta(seconds=every_s)

    def emit(self, stats_hook=None, metrics_hook=None, disk_hook=None, restarts=None, app=True, **snap):
        self.emit_logs(app=app)
        self.emit_snapshots(disk_hook=disk_hook, **snap)
        self.emit_stats(hook=stats_hook, restarts=restarts)
        self.emit_metrics(hook=metrics_hook)
        return self
