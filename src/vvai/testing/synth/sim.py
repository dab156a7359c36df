"""A small discrete simulation of the edge pipeline that renders a `vvai-bundle/1`.

Cameras drop videos into input/; the scanner (one worker) turns each into ``.analytic.json``, the
summarizer into ``.summary.json``, the exporter ships complete sets and purges them. Scenarios
block a worker from some time, make it crash on a file or at start-up, stop shipping, etc.; the
folder snapshots, stats, metrics and logs are then derived from what really happened, so every
source of a synthetic bundle tells the same story.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from vvai.testing.synth.render import Rendering
from vvai.testing.synth.wording import CAMERAS, IMAGES, NAMES, NOISE_WARN, STYLES, fmt_line, ts_iso

GB = 1024**3
MB = 1024**2


@dataclass
class Comp:
    name: str
    role: str
    image: str
    mem_limit: str
    mem_limit_bytes: int
    cpus: float
    restart: str
    depends_on: list[str]
    style: str
    short: str
    container: str
    cid: str
    base_restarts: int = 0
    mem_base: float = 0.3


@dataclass
class VFile:
    name: str
    stem: str
    size: int
    arrive: datetime
    scan_s: float
    scan_start: datetime | None = None
    scan_end: datetime | None = None
    sum_end: datetime | None = None
    sum_s: float | None = None
    shipped: datetime | None = None
    corrupted_at: datetime | None = None
    resolution: str = "1920x1080"
    codec: str = "h264"
    transient_bad: bool = False


@dataclass
class CrashPlan:
    """How a component fails repeatedly from ``start``: ``run_s`` alive per attempt, lines before
    each death, exit code, OOM or not, and the file it re-picks (poison/OOM) if any."""

    start: datetime
    run_s: tuple[float, float]
    exit_code: int
    lines: Any  # callable(sim, comp, t, i) -> None (emits the lines before death)
    oom: bool = False
    file: VFile | None = None
    backoff: tuple[float, float] = (1.0, 20.0)


class Sim(Rendering):
    def __init__(self, rng: random.Random, minutes: float = 50, start: datetime | None = None):
        self.rng = rng
        base = datetime(
            2026,
            rng.randint(1, 10),
            rng.randint(1, 27),
            rng.randint(0, 22),
            rng.randint(0, 59),
            rng.randint(0, 59),
            tzinfo=UTC,
        )
        self.t0 = start or base
        self.t1 = self.t0 + timedelta(minutes=minutes)
        self.host = rng.choice(["edge-", "demo-edge-", "site-", "pilot-", "box-"]) + str(rng.randint(1, 40))
        self.root = "/opt/vv-video-ai-system"
        self.engine = "podman" if rng.random() < 0.25 else "docker"
        self.compose_names = rng.random() < 0.4  # containers named proj-svc-1 instead of svc
        self.comps: dict[str, Comp] = {}
        self.logs: dict[str, list[tuple[datetime, str]]] = {}
        self.app: list[dict] = []
        self.app_level_upper = rng.random() < 0.4
        self.events: list[dict] = []
        self.files: dict[str, bytes] = {}
        self.vfiles: list[VFile] = []
        self.corrupted_pre: list[dict] = []
        self.down: dict[str, list[tuple[datetime, datetime]]] = {}
        self.restart_times: dict[str, list[datetime]] = {}
        self.oom_flag: dict[str, list[tuple[datetime, datetime]]] = {}
        self.mem_ramp: dict[str, list[tuple[datetime, datetime, float, float]]] = {}
        self.cpu_level: dict[str, list[tuple[datetime, datetime, float]]] = {}
        self.busy: dict[str, list[tuple[datetime, datetime]]] = {}
        self.block: dict[str, datetime] = {}
        self.crash: dict[str, CrashPlan] = {}
        self.export_fail: tuple[datetime, Any] | None = None
        self.hung_heartbeat: dict[str, bool] = {}
        self.disk_total = rng.choice([250, 500, 1000]) * 1000**3
        self.disk_used_other = int(self.disk_total * rng.uniform(0.25, 0.55))
        self.disk_drift: tuple[datetime, float] | None = None  # (from, target used fraction)
        self.model = {"name": "BitNet-4bit-Summarizer", "version": "1.0.2", "previous_version": "1.0.1"}
        self.model_version_log: list[tuple[datetime, str]] = []
        self.durations: dict[str, list[tuple[datetime, float]]] = {}
        self.counters: dict[str, list[datetime]] = {}
        self.export_errors: list[datetime] = []
        self.stats_every = rng.choice([20, 30])
        self.metrics_every = rng.choice([60, 90])
        self.snap_every = rng.choice([90, 120, 150])
        self.sum_base = 4.0
        self.bench = 4.0
        self.summary_error: tuple[datetime, Any] | None = None

    # ------------------------------------------------------------------ setup
    def add_comp(
        self,
        role: str,
        name: str | None = None,
        *,
        image: str | None = None,
        cpus: float | None = None,
        mem: str | None = None,
        depends_on: list[str] | None = None,
        restart: str | None = None,
    ) -> Comp:
        rng = self.rng
        name = name or rng.choice(NAMES[role])
        mem = mem or {
            "scanner": rng.choice(["2g", "3g", "4g"]),
            "summarizer": rng.choice(["3g", "4g", "6g"]),
            "exporter": rng.choice(["256m", "384m", "512m"]),
        }.get(role, "512m")
        mult = {"m": MB, "g": GB}[mem[-1]]
        short = {"scanner": "scanner", "summarizer": "summarizer", "exporter": "exporter"}.get(role, name)
        tag = (
            image
            or f"{IMAGES.get(role, 'library/' + name)}:{rng.randint(1, 3)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}"
        )
        c = Comp(
            name=name,
            role=role,
            image=tag,
            mem_limit=mem,
            mem_limit_bytes=int(mem[:-1]) * mult,
            cpus=cpus or rng.choice([1.0, 1.5, 2.0] if role != "exporter" else [0.25, 0.5]),
            restart=restart or ("always" if role == "exporter" else "on-failure"),
            depends_on=depends_on or [],
            style=rng.choice(STYLES),
            short=short,
            container=f"vv-video-ai-system-{name}-1" if self.compose_names else name,
            cid=hashlib.sha256(f"{name}{rng.random()}".encode()).hexdigest(),
            base_restarts=rng.choice([0, 0, 1, 2]),
            mem_base=rng.uniform(0.2, 0.55),
        )
        self.comps[name] = c
        self.logs[name] = []
        return c

    def standard(self) -> tuple[Comp, Comp, Comp]:
        s = self.add_comp("scanner")
        m = self.add_comp("summarizer", depends_on=[s.name])
        e = self.add_comp("exporter")
        return s, m, e

    def role(self, role: str) -> Comp:
        return next(c for c in self.comps.values() if c.role == role)

    def arrivals(self, cams: int | None = None, period_min: float | None = None) -> None:
        rng = self.rng
        names = rng.sample(CAMERAS, cams or rng.randint(3, 5))
        period = period_min or rng.choice([4, 5, 6])
        style = rng.randint(0, 2)
        ext = rng.choice([".mkv", ".mp4"])
        t = self.t0 - timedelta(minutes=period)
        while t < self.t1:
            for cam in names:
                at = t + timedelta(seconds=rng.uniform(5, 50))
                if at >= self.t1:
                    continue
                stamp = {
                    0: at.strftime("%Y-%m-%dT%Hh%M"),
                    1: at.strftime("%Y%m%d-%H%M%S"),
                    2: at.strftime("%Y-%m-%d_%H-%M"),
                }[style]
                stem = f"{cam}_{stamp}"
                res = rng.choice(["1920x1080", "2560x1440", "3840x2160"])
                self.vfiles.append(
                    VFile(
                        name=stem + ext,
                        stem=stem,
                        size=int(rng.uniform(90, 380) * MB),
                        arrive=at,
                        scan_s=rng.uniform(10, 40),
                        resolution=res,
                        codec=rng.choice(["h264", "hevc"]),
                    )
                )
            t += timedelta(minutes=period)
        for _ in range(rng.randint(2, 5)):
            cam = rng.choice(names)
            d = self.t0 - timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 600))
            self.corrupted_pre.append(
                {
                    "name": f"{cam}_{d.strftime('%Y-%m-%dT%Hh%M')}{ext}",
                    "size": int(rng.uniform(5, 60) * MB),
                    "mtime": ts_iso(d),
                }
            )

    def add_file(self, name: str, at: datetime, size: int, scan_s: float, res: str = "3840x2160") -> VFile:
        stem = name.rsplit(".", 1)[0]
        vf = VFile(name=name, stem=stem, size=size, arrive=at, scan_s=scan_s, resolution=res, codec="hevc")
        self.vfiles.append(vf)
        return vf

    # ------------------------------------------------------------------ emitting
    def log(self, comp: Comp, t: datetime, level: str, msg: str, app: bool = True, **extra: Any) -> None:
        self.logs[comp.name].append((t, fmt_line(comp.style, level, comp.short, msg, t)))
        if app and comp.role in ("scanner", "summarizer", "exporter"):
            lvl = level if self.app_level_upper else level.lower()
            self.app.append({"ts": ts_iso(t), "level": lvl, "component": comp.name, "msg": msg, **extra})

    def raw(self, comp: Comp, t: datetime, text: str) -> None:
        self.logs[comp.name].append((t, text))

    def event(self, t: datetime, comp: Comp, action: str, **attrs: Any) -> None:
        a = {
            "com.docker.compose.project": "vv-video-ai-system",
            "com.docker.compose.service": comp.name,
            "image": attrs.pop("image", comp.image),
            "name": comp.container,
        }
        a.update({k: str(v) for k, v in attrs.items()})
        ns = int(t.timestamp() * 1e9)
        self.events.append(
            {
                "Type": "container",
                "Action": action,
                "Actor": {"ID": comp.cid, "Attributes": dict(sorted(a.items()))},
                "scope": "local",
                "time": ns // 10**9,
                "timeNano": ns,
            }
        )

    def image_event(self, t: datetime, action: str, ref: str) -> None:
        ns = int(t.timestamp() * 1e9)
        self.events.append(
            {
                "Type": "image",
                "Action": action,
                "Actor": {"ID": ref, "Attributes": {"name": ref}},
                "scope": "local",
                "time": ns // 10**9,
                "timeNano": ns,
            }
        )

    def mark_down(self, comp: Comp, a: datetime, b: datetime) -> None:
        self.down.setdefault(comp.name, []).append((a, b))

    def startup(self, comp: Comp, t: datetime) -> datetime:
        rng = self.rng
        msgs = {
            "scanner": [
                f"scanner service up, build {comp.image.rsplit(':', 1)[-1]}",
                f"source dir {self.root}/input, sampling {rng.choice([1, 2, 4])}/s",
            ],
            "summarizer": [
                f"summarizer up, model {self.model['name']} {self.current_model(t)}",
                f"watching {self.root}/processed for analytics",
            ],
            "exporter": ["exporter up", f"sweep every {rng.choice([120, 180])} s"],
        }.get(comp.role, ["started"])
        for m in msgs:
            t += timedelta(seconds=rng.uniform(0.2, 2))
            extra = {"model_version": self.current_model(t)} if comp.role == "summarizer" else {}
            self.log(comp, t, "INFO", m, **extra)
        return t

    def current_model(self, t: datetime) -> str:
        v = self.model["previous_version"] if self.model_version_log else self.model["version"]
        for at, ver in self.model_version_log:
            if t >= at:
                v = ver
        return v

    def restart(
        self,
        comp: Comp,
        t_die: datetime,
        exit_code: int,
        *,
        oom: bool = False,
        backoff: float = 1.0,
        planned: bool = False,
        stay_down: bool = False,
    ) -> datetime:
        """A container death (and restart unless ``stay_down``); returns when it is up again."""
        if planned:
            self.event(t_die - timedelta(seconds=0.8), comp, "kill", signal=15)
        if oom and self.engine == "docker":
            self.event(t_die, comp, "oom")
        self.event(
            t_die + timedelta(milliseconds=5), comp, "die", exitCode=exit_code, execDuration=self.rng.randint(30, 2000)
        )
        if planned:
            self.event(t_die + timedelta(milliseconds=40), comp, "stop")
        if stay_down:
            self.mark_down(comp, t_die, self.t1 + timedelta(hours=1))
            return self.t1 + timedelta(hours=1)
        up = t_die + timedelta(seconds=backoff)
        self.mark_down(comp, t_die, up)
        self.restart_times.setdefault(comp.name, []).append(t_die)
        if oom:
            self.oom_flag.setdefault(comp.name, []).append((t_die, up + timedelta(seconds=self.rng.uniform(30, 90))))
        self.event(up, comp, "start")
        return self.startup(comp, up)

    # ------------------------------------------------------------------ the pipeline
    def run(self) -> None:
        self.vfiles.sort(key=lambda f: f.arrive)
        self._scan()
        self._summarize()
        self._export()
        self.events.sort(key=lambda e: e["timeNano"])

    def _scan(self) -> None:
        rng = self.rng
        s = self.role("scanner")
        t_free = self.t0
        plan = self.crash.get(s.name)
        for vf in self.vfiles:
            if vf.arrive < self.t0 - timedelta(minutes=1):
                vf.scan_start = vf.arrive + timedelta(seconds=5)
                vf.scan_end = vf.scan_start + timedelta(seconds=vf.scan_s)
                continue
            start = max(t_free, vf.arrive + timedelta(seconds=rng.uniform(0.5, 8)))
            if start >= self.t1:
                break
            blocked = self.block.get(s.name)
            if blocked and start >= blocked:
                break
            if plan and (plan.file is vf or (plan.file is None and start >= plan.start)):
                self._crash_loop(s, plan, start)
                break
            vf.scan_start = start
            self.log(
                s,
                start,
                "INFO",
                rng.choice(["decode start: {f}", "picked up {f}", "processing {f}"]).format(f=vf.name),
                file=vf.name,
                size_bytes=vf.size,
            )
            self.log(
                s,
                start + timedelta(seconds=0.3),
                "INFO",
                f"stream 0 of {vf.name}: {vf.codec} {vf.resolution} @ {rng.choice([10, 15, 20, 25])}fps, length 240s",
                file=vf.name,
                resolution=vf.resolution,
                codec=vf.codec,
            )
            if rng.random() < 0.08:
                self.raw(
                    s,
                    start + timedelta(seconds=vf.scan_s / 2),
                    f"[{vf.codec} @ 0x55d{rng.randint(10**8, 10**9 - 1):x}] "
                    + rng.choice(
                        [
                            "mmco: unref short failure",
                            "error while decoding MB 49 17, bytestream -14",
                            "Could not find ref with POC 40",
                        ]
                    ),
                )
            if vf.transient_bad:
                end = start + timedelta(seconds=rng.uniform(1, 4))
                self.log(
                    s,
                    end,
                    "ERROR",
                    f"giving up on {vf.name}: [Errno 1094995529] Invalid data found when "
                    f"processing input: '{self.root}/input/{vf.name}' (moved to corrupted)",
                    file=vf.name,
                )
                vf.corrupted_at = end
                t_free = end + timedelta(seconds=0.5)
                continue
            end = start + timedelta(seconds=vf.scan_s)
            self.busy.setdefault(s.name, []).append((start, end))
            if end >= self.t1:
                break
            vf.scan_end = end
            self.log(
                s,
                end,
                "INFO",
                rng.choice(
                    ["analysis finished for {f} ({d:.0f} s, {n} scene cuts)", "done {f} in {d:.1f}s ({n} scenes)"]
                ).format(f=vf.name, d=vf.scan_s, n=rng.randint(2, 14)),
                file=vf.name,
                duration_s=round(vf.scan_s, 2),
                output=vf.stem + ".analytic.json",
            )
            self.durations.setdefault(s.name, []).append((end, vf.scan_s))
            self.counters.setdefault(s.name, []).append(end)
            t_free = end + timedelta(seconds=rng.uniform(0.2, 1))

    def _crash_loop(self, comp: Comp, plan: CrashPlan, start: datetime) -> None:
        rng = self.rng
        t = max(start, plan.start)
        i = 0
        while t < self.t1:
            if plan.file is not None:
                vf = plan.file
                vf.scan_start = t
                self.log(comp, t, "INFO", f"decode start: {vf.name}", file=vf.name, size_bytes=vf.size)
                self.log(
                    comp,
                    t + timedelta(seconds=0.3),
                    "INFO",
                    f"stream 0 of {vf.name}: {vf.codec} {vf.resolution} @ 10fps, length {rng.randint(3600, 86400)}s",
                    file=vf.name,
                    resolution=vf.resolution,
                )
            run = rng.uniform(*plan.run_s)
            die = t + timedelta(seconds=run)
            if die >= self.t1:
                break
            self.busy.setdefault(comp.name, []).append((t, die))
            if plan.oom:
                self.mem_ramp.setdefault(comp.name, []).append((t, die, 0.4, 1.0))
            plan.lines(self, comp, t, die, i)
            t = self.restart(comp, die, plan.exit_code, oom=plan.oom, backoff=rng.uniform(*plan.backoff))
            t += timedelta(seconds=rng.uniform(0.5, 2))
            i += 1

    def _summarize(self) -> None:
        rng = self.rng
        if not any(c.role == "summarizer" for c in self.comps.values()):
            return
        m = self.role("summarizer")
        t_free = self.t0
        plan = self.crash.get(m.name)
        for vf in sorted((v for v in self.vfiles if v.scan_end), key=lambda v: v.scan_end):
            if vf.scan_end < self.t0:
                vf.sum_end = vf.scan_end + timedelta(seconds=8)
                continue
            start = max(t_free, vf.scan_end + timedelta(seconds=rng.uniform(0.3, 15)))
            blocked = self.block.get(m.name)
            if start >= self.t1 or (blocked and start >= blocked):
                break
            if plan and start >= plan.start:
                self._crash_loop(m, plan, start)
                break
            a = vf.stem + ".analytic.json"
            self.log(m, start, "INFO", rng.choice(["new analytics: {a}", "summarizing {a}"]).format(a=a), file=a)
            d = vf.sum_s or max(1.0, rng.gauss(self.sum_p50(start), 0.6))
            fail = self.summary_error
            if fail and start >= fail[0]:
                fail[1](self, m, start, vf)
                t_free = start + timedelta(seconds=rng.uniform(1, 3))
                continue
            if rng.random() < 0.15:
                self.log(
                    m,
                    start + timedelta(seconds=0.2),
                    "WARNING",
                    rng.choice(NOISE_WARN["summarizer"]).format(aname=a),
                    file=a,
                    tokens=1536,
                )
            end = start + timedelta(seconds=d)
            self.busy.setdefault(m.name, []).append((start, end))
            if end >= self.t1:
                break
            vf.sum_end = end
            sname = vf.stem + ".summary.json"
            self.log(
                m,
                end,
                "INFO",
                rng.choice(["{s} ready after {d:.1f}s", "wrote {s} in {d:.1f}s"]).format(s=sname, d=d),
                file=sname,
                duration_s=round(d, 2),
                model_version=self.current_model(end),
                tokens=rng.randint(200, 900),
            )
            self.durations.setdefault(m.name, []).append((end, d))
            self.counters.setdefault(m.name, []).append(end)
            t_free = end + timedelta(seconds=rng.uniform(0.1, 0.5))

    def sum_p50(self, t: datetime) -> float:
        return self.sum_base

    def _export(self) -> None:
        rng = self.rng
        if not any(c.role == "exporter" for c in self.comps.values()):
            return
        e = self.role("exporter")
        period = rng.choice([150, 180, 210])
        t = self.t0 + timedelta(seconds=rng.uniform(5, period))
        plan = self.crash.get(e.name)
        blocked = self.block.get(e.name)
        while t < self.t1:
            if plan and t >= plan.start:
                self._crash_loop(e, plan, t)
                return
            if blocked and t >= blocked:
                return
            ready = [v for v in self.vfiles if v.sum_end and v.sum_end <= t and not v.shipped and not v.corrupted_at]
            waiting = [
                v
                for v in self.vfiles
                if v.scan_end
                and v.scan_end <= t
                and not v.sum_end
                and not v.shipped
                and (t - v.scan_end).total_seconds() > 300
            ]
            self.log(e, t, "INFO", f"sweep: {len(ready)} bundle(s) to ship", ready=len(ready), waiting=len(waiting))
            if waiting and (t - min(v.scan_end for v in waiting)).total_seconds() > 600:
                oldest = min(waiting, key=lambda v: v.scan_end)
                self.log(
                    e,
                    t + timedelta(seconds=0.05),
                    "WARNING",
                    f"holding {len(waiting)} set(s) without summary",
                    waiting=len(waiting),
                    oldest=oldest.stem + ".analytic.json",
                    age_s=int((t - oldest.scan_end).total_seconds()),
                )
            tt = t
            if self.export_fail and t >= self.export_fail[0] and ready:
                tt = self.export_fail[1](self, e, t, ready)
                self.export_errors.append(tt)
                t = tt + timedelta(seconds=period + rng.uniform(-10, 10))
                continue
            shipped = 0
            for v in ready:
                for name, size in (
                    (v.name, v.size),
                    (v.stem + ".analytic.json", rng.randint(8000, 60000)),
                    (v.stem + ".summary.json", rng.randint(900, 3200)),
                ):
                    dt = size / (rng.uniform(30, 45) * MB) + 0.08
                    tt += timedelta(seconds=dt)
                    if rng.random() < 0.03:
                        self.log(
                            e, tt, "WARNING", rng.choice(NOISE_WARN["exporter"]).format(name=name), file=name, attempt=1
                        )
                        tt += timedelta(seconds=rng.uniform(0.5, 2))
                    self.log(
                        e,
                        tt,
                        "INFO",
                        f"shipped {name} ({size / MB:.2f} MB)",
                        file=name,
                        size_bytes=size,
                        duration_s=round(dt, 3),
                    )
                    shipped += 1
                v.shipped = tt
                self.counters.setdefault(e.name, []).append(tt)
            if shipped:
                self.log(e, tt, "INFO", f"purged {shipped} local copies", removed=shipped)
            self.log(e, tt, "INFO", "sweep complete", objects=shipped, duration_s=round((tt - t).total_seconds(), 2))
            t = t + timedelta(seconds=period + rng.uniform(-10, 10))
