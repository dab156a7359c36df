"""healthy: benign noise that must not raise an incident."""
from __future__ import annotations

from datetime import timedelta

from .. import history, naming, tools
from ..flow import EXP, SCAN, SUMM, Flow, Video
from .common import p50 as _p50
from .registry import variant


def _warn_noise(site, f):
    b, rng = site.b, site.rng
    lg = site.lg(SUMM)
    for v in f.videos:
        if f.in_window(v.summ_start) and rng.random() < 0.2:
            an = naming.analytic(v.name)
            lg(v.summ_start + timedelta(seconds=0.2), "warning", f"{an}: prompt cut to 1536 tokens")
            b.app_log(v.summ_start + timedelta(seconds=0.2), f.lvl("warning"), SUMM, f"{an}: prompt cut to 1536 tokens",
                      file=an, tokens=1536)


@variant("healthy", "steady-warnings")
def h_steady(site):
    f = Flow(site, summ_p50=_p50(site)).simulate()
    _warn_noise(site, f)
    f.emit()


@variant("healthy", "planned-upgrade")
def h_upgrade(site):
    from .changes import _bump, _deploy
    b, rng = site.b, site.rng
    svc = rng.choice([SCAN, SUMM, EXP])
    _bump(site, svc)
    t0 = b.start + timedelta(minutes=rng.uniform(8, 25))
    f = Flow(site, summ_p50=_p50(site)).simulate()
    _deploy(site, svc, t0)
    site.lg(svc)(t0 + timedelta(seconds=2), "info", f"{svc} {site.image(svc).rsplit(':', 1)[1]} starting")
    b.mark(f"logs/{svc}.log", f"{svc} {site.image(svc).rsplit(':', 1)[1]} starting")
    f.emit()


@variant("healthy", "operator-restart")
def h_restart(site):
    b, rng, eng = site.b, site.rng, site.engine
    svc = rng.choice([SCAN, SUMM, EXP])
    t0 = b.start + timedelta(minutes=rng.uniform(8, 25))
    img = site.image(svc)
    if eng.name == "podman":     # podman emits restart before die
        seq = [("restart", None, 0), ("die", 143, 0.4), ("init", None, 0.6), ("start", None, 0.8)]
    else:
        seq = [("kill", None, 0), ("die", 143, 0.4), ("stop", None, 0.5), ("start", None, 0.9), ("restart", None, 0.95)]
    for act, code, dt in seq:
        b.event(t0, eng.container(t0 + timedelta(seconds=dt), act, svc, img, 0, exit_code=code))
    f = Flow(site, summ_p50=_p50(site)).simulate()
    site.lg(svc)(t0 + timedelta(seconds=1.5), "info", f"{svc} {img.rsplit(':', 1)[1]} starting")
    f.emit(restarts={svc: lambda t: 1 if t > t0 else 0})


@variant("healthy", "handled-corrupt-input")
def h_corrupt(site):
    b, rng = site.b, site.rng
    f = Flow(site, summ_p50=_p50(site))
    t = b.start + timedelta(minutes=rng.uniform(5, 30))
    bad = Video(naming.video_name(rng, site.naming, t, 777), rng.randrange(100_000, 5_000_000), t)
    bad.corrupted = t + timedelta(seconds=12)
    f.videos.append(bad)
    f.simulate()
    lg = site.lg(SCAN)
    _, final = tools.pyav_open_error(f"/data/input/{bad.name}", "moov")
    lg(bad.corrupted - timedelta(seconds=1), rng.choice(["warning", "error"]),
       f"cannot decode {bad.name}: {final.split(': ', 1)[1][:80]}")
    lg(bad.corrupted, "info", f"moved {bad.name} to corrupted/ (reason in {bad.name}.reason.txt)")
    b.app_log(bad.corrupted, f.lvl("warning"), SCAN, f"quarantined unreadable input {bad.name}", file=bad.name,
              reason="moov atom not found")
    b.mark(f"logs/{SCAN}.log", f"moved {bad.name} to corrupted/")
    f.emit()


@variant("healthy", "s3-retries-succeed")
def h_retries(site):
    rng = site.rng
    f = Flow(site, summ_p50=_p50(site)).simulate()
    lg = site.lg(EXP)
    shipped = [v for v in f.videos if f.in_window(v.shipped)]
    loud = rng.random() < 0.5     # some exporters log the failed first attempt at ERROR
    for v in rng.sample(shipped, min(4, len(shipped))):
        if loud:
            lg(v.shipped - timedelta(seconds=3), "error", f"upload of {v.name} failed (attempt 1/5): Connection was "
               "closed before we received a valid response from endpoint URL", attempt=1)
            lg(v.shipped, "info", f"{v.name} uploaded on attempt 2")
        else:
            lg(v.shipped - timedelta(seconds=3), "warning",
               f"{v.name}: transient 'connection reset by peer', will retry", attempt=1)
        lg(v.shipped - timedelta(seconds=1), "debug", tools.botocore_retry_debug(1, round(rng.uniform(0.1, 1.5), 3)))
    f.emit()


@variant("healthy", "backfill-drains")
def h_backfill(site):
    b = site.b
    t0 = b.start + timedelta(minutes=5)
    f = Flow(site, summ_p50=_p50(site), period_s=300, arrival_boost=(t0, t0 + timedelta(minutes=10), 3))
    f.simulate()
    site.lg(SCAN)(t0, "info", "backfill: 24 recordings copied from camera SD cards")
    f.emit()


@variant("healthy", "nightly-quiet")
def h_quiet(site):
    b = site.b
    f = Flow(site, summ_p50=_p50(site), quiet=(b.start - timedelta(hours=1), b.end)).simulate()
    f.emit()


@variant("healthy", "model-update-ok")
def h_model(site):
    b, rng = site.b, site.rng
    m = b.meta["model"]
    t0 = b.start + timedelta(minutes=rng.uniform(10, 30))
    f = Flow(site, summ_p50=_p50(site)).simulate()
    lg = site.lg(SUMM)
    lg(t0, "info", f".model_updated_flag changed: {m['previous_version']} -> {m['version']}")
    lg(t0 + timedelta(seconds=6), "info", f"model BitNet-4bit-Summarizer {m['version']} loaded in 5.8s, swapped in")
    b.app_log(t0 + timedelta(seconds=6), f.lvl("info"), SUMM, "model loaded", model_version=m["version"],
              previous_version=m["previous_version"], load_seconds=5.8)
    f.emit()


@variant("healthy", "week-history-stable", hours=168)
def h_week(site):
    b, rng = site.b, site.rng
    p50 = {SUMM: _p50(site), SCAN: 30.0}
    b.meta["benchmarks"] = {SUMM: {"p50_processing_s": p50[SUMM]}, SCAN: {"p50_processing_s": p50[SCAN]}}
    history.emit(b, rng, p50, SUMM, 0.0, "ramp", "summary" if site.split == "dev" else rng.choice(
        ["summary", "histogram"]), b.end, [b.end - timedelta(days=3.2)], [])
    f = Flow(site, summ_p50=p50[SUMM], since=b.end - timedelta(hours=1)).simulate()
    f.emit_logs()
    f.emit_snapshots()
    f.emit_stats()


@variant("healthy", "health-check-noise")
def h_health(site):
    b, rng, eng = site.b, site.rng, site.engine
    f = Flow(site, summ_p50=_p50(site)).simulate()
    lg = site.lg(SUMM)
    t = b.start + timedelta(seconds=5)
    while t < b.end:
        lg.raw(t, tools.uvicorn_access(rng))
        if rng.random() < 0.3:
            b.event(t, eng.container(t, "exec_create: /bin/sh -c curl -fsS http://localhost:8080/healthz",
                                     SUMM, site.image(SUMM), 0))
            b.event(t, eng.container(t + timedelta(seconds=0.1), "health_status: healthy", SUMM, site.image(SUMM), 0))
        t += timedelta(seconds=30)
    f.emit()


@variant("healthy", "podman-auto-update", splits=("heldout",), engine=("podman", "5.2.2"))
def h_auto_update(site):
    """`podman auto-update` pulls a newer digest of the same tag and restarts the unit; all is well after."""
    b, rng, eng = site.b, site.rng, site.engine
    svc = rng.choice([SCAN, EXP])
    img = site.image(svc)
    t0 = b.start + timedelta(minutes=rng.uniform(10, 30))
    f = Flow(site, summ_p50=_p50(site)).simulate()
    b.event(t0, eng.image(t0 - timedelta(seconds=20), "pull", img))
    for act, code, dt in (("restart", None, 0), ("die", 143, 0.3), ("init", None, 0.5), ("start", None, 0.7)):
        b.event(t0, eng.container(t0 + timedelta(seconds=dt), act, svc, img, 0, exit_code=code))
    site.lg(svc)(t0 + timedelta(seconds=1.5), "info", f"{svc} {img.rsplit(':', 1)[1]} starting")
    f.emit(restarts={svc: lambda t: 1 if t > t0 else 0})
