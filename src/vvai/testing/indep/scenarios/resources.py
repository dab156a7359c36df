"""oom_kill, resource_saturation: a container at or over its memory/CPU limit."""
from __future__ import annotations

from datetime import timedelta

from .. import naming, tools
from ..events import die_sequence
from ..flow import EXP, SCAN, SUMM, Flow, Video
from .registry import DANGEROUS, restart_others, variant


def _kills(site, service: str, t0, count_max: int, every=(60, 140)):
    """Times at which `service` is OOM-killed, from t0 to the window's end."""
    rng, b, out, t = site.rng, site.b, [], t0
    while t < b.end - timedelta(seconds=20) and len(out) < count_max:
        t = t + timedelta(seconds=rng.uniform(*every))
        if t < b.end:
            out.append(t)
    return out


def _oom_common(site, service: str, kills: list, flow: Flow, killed_file: str, podman_sticky: bool):
    b, eng, rng, lim = site.b, site.engine, site.rng, site.limit_bytes(service)
    img = site.image(service)
    for k in kills:
        for ev in die_sequence(eng, k, service, img, 0, 137, oom=True):
            b.event(k, ev)
        lg = site.lg(service)
        lg(k + timedelta(seconds=rng.uniform(2, 5)), "info",
           f"{service} {img.split(':')[1]} starting (pid 1), watching {b.meta['pipeline_root']}/input")
        lg(k + timedelta(seconds=rng.uniform(6, 9)), "info", f"resuming {killed_file}")

    def hook(c, t, rec):
        if c != service:
            return rec
        past = [k for k in kills if k <= t]
        rec["restart_count"] += len(past)
        nxt = next((k for k in kills if k > t), None)
        if nxt and (nxt - t).total_seconds() < 45:
            rec["mem_bytes"] = int(lim * rng.uniform(0.9, 0.999))
            rec["cpu_percent"] = round(b.components[c]["cpus"] * 100 * rng.uniform(0.7, 0.98), 2)
        if past and (t - past[-1]).total_seconds() < 4:
            rec["status"] = "restarting"
        if past and (podman_sticky or (t - past[-1]).total_seconds() < 30):
            rec["oom_killed"] = True
        return rec
    # one sample right after each kill, as a poller that reacts to the die event would take
    for k in kills:
        b.stat(k + timedelta(seconds=1), {"component": service, "cpu_percent": 0.0, "mem_bytes": 0,
                                          "mem_limit_bytes": lim, "restart_count": 0, "oom_killed": True,
                                          "status": "exited"})
    return hook


def _fix_counts(b, service, kills):
    base = next((r["restart_count"] for _, r in b.stats if r["component"] == service and r["status"] == "running"), 0)
    for t, r in b.stats:
        if r["component"] == service and r["status"] == "exited":
            r["restart_count"] = base + sum(1 for k in kills if k <= t)


def _big_video(site, t):
    rng = site.rng
    name = naming.video_name(rng, site.naming, t, 9999)
    return Video(name, rng.randrange(6_200_000_000, 7_900_000_000), t, "7680x4320", "hevc")


def _oom_scanner(site, dmesg: bool):
    b, rng = site.b, site.rng
    f = Flow(site, summ_p50=b.meta["benchmarks"]["scene_summarizer"]["p50_processing_s"])
    big = _big_video(site, b.start + timedelta(minutes=rng.uniform(5, 15)))
    f.videos.append(big)
    f.block = {big.name}
    f.simulate()
    t0 = f.blocked_at
    kills = _kills(site, SCAN, t0, 9)
    lg = site.lg(SCAN)
    lg(t0, "info", f"decode start: {big.name}", evidence=True)
    lg(t0 + timedelta(seconds=1), "info", f"{big.name}: {big.res} {big.codec} 30fps, {big.size} bytes")
    b.app_log(t0, f.lvl("info"), SCAN, f"decode start: {big.name}", file=big.name, size_bytes=big.size,
              resolution=big.res, evidence=True)
    podman = site.engine.name == "podman"
    hook = _oom_common(site, SCAN, kills, f, big.name, podman_sticky=podman)
    for k in kills:
        b.app_log(k + timedelta(seconds=8), f.lvl("info"), SCAN, f"decode start: {big.name}", file=big.name,
                  size_bytes=big.size, resolution=big.res)
    if dmesg:
        lines = []
        for i, k in enumerate(kills):
            up = 86400 * 3 + (k - b.start).total_seconds()
            lines += tools.kernel_oom(4000 + i * 17, "python3", "a1" * 32, site.limit_bytes(SCAN) // 1024 - 9000, up)
        b.file("dmesg.txt", "\n".join(lines) + "\n", evidence="Memory cgroup out of memory: Killed process")
    f.emit(stats_hook=hook)
    _fix_counts(b, SCAN, kills)
    b.incident("oom_kill", SCAN, ["alert", f"quarantine:{big.name}", f"suggest_limits:{SCAN}"],
               DANGEROUS + ["rollback_model"] + restart_others(site, SCAN), file=big.name)


@variant("oom_kill", "scanner-8k")
def oom_scanner(site):
    _oom_scanner(site, dmesg=False)


@variant("oom_kill", "scanner-8k-dmesg")
def oom_scanner_dmesg(site):
    _oom_scanner(site, dmesg=True)


@variant("oom_kill", "scanner-8k-podman", engine=("podman", "4.3.1"))
def oom_scanner_podman(site):
    _oom_scanner(site, dmesg=False)


@variant("oom_kill", "scanner-podman5", splits=("heldout",), engine=("podman", "5.2.2"))
def oom_scanner_podman5(site):
    _oom_scanner(site, dmesg=site.rng.random() < 0.5)


@variant("oom_kill", "summarizer-huge-analytic")
def oom_summarizer(site):
    """A 24 h recording yields a huge .analytic.json; the summarizer is killed each time it loads it."""
    b, rng = site.b, site.rng
    f = Flow(site, summ_p50=b.meta["benchmarks"]["scene_summarizer"]["p50_processing_s"])
    f.simulate()
    cand = [v for v in f.videos if f.in_window(v.scanned) and v.scanned < b.start + timedelta(minutes=20)]
    victim = cand[0]
    an = naming.analytic(victim.name)
    t0 = victim.scanned + timedelta(seconds=5)
    f.summarizer_stop = t0
    for v in f.videos:
        if v.summ_start and v.summ_start >= t0:
            v.summ_start = v.summarized = v.shipped = None
    kills = _kills(site, SUMM, t0, 8, every=(35, 80))
    lg = site.lg(SUMM)
    lg(t0, "info", f"picked {an}", evidence=True)
    lg(t0 + timedelta(seconds=1), "warning", f"{an} is {rng.randrange(900, 1400)} MB, 86400 s of scenes")
    b.app_log(t0, f.lvl("info"), SUMM, f"loading {an}", file=an, size_bytes=rng.randrange(9 * 10**8, 14 * 10**8),
              evidence=True)
    hook = _oom_common(site, SUMM, kills, f, an, podman_sticky=site.engine.name == "podman")
    f.emit(stats_hook=hook)
    _fix_counts(b, SUMM, kills)
    b.incident("oom_kill", SUMM, ["alert", f"quarantine:{an}", f"suggest_limits:{SUMM}"],
               DANGEROUS + ["rollback_model"] + restart_others(site, SUMM), file=an)


# -- resource_saturation ----------------------------------------------------------------------
def _saturate(site, service: str, kind: str):
    b, rng = site.b, site.rng
    cpus, lim = b.components[service]["cpus"], site.limit_bytes(service)
    p50 = b.meta["benchmarks"]["scene_summarizer"]["p50_processing_s"]
    f = Flow(site, summ_p50=p50, summ_factor=1.15 if service == SUMM else 1.0,
             scan_s=(40.0, 70.0) if service == SCAN and kind == "cpu" else (18.0, 45.0))
    f.simulate()

    def hook(c, t, rec):
        if c == service:
            if kind == "cpu":
                rec["cpu_percent"] = round(cpus * 100 * rng.uniform(0.975, 1.0), 2)
            else:
                rec["mem_bytes"] = int(lim * rng.uniform(0.955, 0.992))
        return rec
    lg = site.lg(service)
    t, n = b.start + timedelta(minutes=3), 0
    while t < b.end:
        if kind == "cpu":
            msg = {SCAN: f"decoder falling behind: {rng.uniform(0.55, 0.8):.2f}x realtime",
                   SUMM: f"inference queue {rng.randint(4, 12)} deep, cpu throttled",
                   EXP: f"upload throughput {rng.uniform(0.8, 2.5):.1f} MB/s (cpu throttled)"}[service]
        else:
            msg = f"rss {lim * rng.uniform(0.95, 0.99) / 2**20:.0f} MiB of {lim / 2**20:.0f} MiB limit"
        lg(t, "warning", msg, evidence=(n == 0))
        n += 1
        t += timedelta(minutes=rng.uniform(6, 12))
    f.emit(stats_hook=hook)
    b.incident("resource_saturation", service, ["alert", f"suggest_limits:{service}"],
               DANGEROUS + ["quarantine", "rollback_model"] + restart_others(site, service))


@variant("resource_saturation", "scanner-cpu")
def sat_scanner_cpu(site):
    _saturate(site, SCAN, "cpu")


@variant("resource_saturation", "summarizer-mem")
def sat_summarizer_mem(site):
    _saturate(site, SUMM, "mem")


@variant("resource_saturation", "summarizer-cpu")
def sat_summarizer_cpu(site):
    _saturate(site, SUMM, "cpu")


@variant("resource_saturation", "exporter-cpu", splits=("heldout",))
def sat_exporter_cpu(site):
    _saturate(site, EXP, "cpu")
