"""dependency_failure: a service others depend on is down; its dependents crash-loop or fail loudly."""
from __future__ import annotations

from datetime import timedelta

from .. import timefmt, tools
from ..flow import EXP, SUMM, Flow
from .common import p50 as _p50
from .crashes import banner, crash_events, crash_times, restarts_fn
from .registry import DANGEROUS, restart_others, variant


def _redis_shutdown(site, t):
    ts = timefmt.naive_text(t, site.tz, "redis")
    b = site.b
    b.log("redis", t, f"1:signal-handler ({int(t.timestamp())}) Received SIGTERM scheduling shutdown...")
    for i, (mark, msg) in enumerate([("#", "User requested shutdown..."),
                                     ("*", "Saving the final RDB snapshot before exiting."),
                                     ("*", "DB saved on disk"), ("#", "Redis is now ready to exit, bye bye...")]):
        b.log("redis", t + timedelta(milliseconds=30 * (i + 1)), f"1:M {ts} {mark} {msg}")
    b.mark("logs/redis.log", "Redis is now ready to exit, bye bye...")


def _llm_down(site, t):
    b = site.b
    b.log("llm", t, "srv  update_slots: all slots are idle")
    b.log("llm", t + timedelta(seconds=1), "GGML_ASSERT: /app/ggml/src/ggml.c:4812: view_src == NULL || "
          "data_size == 0 || data_size + view_offs <= ggml_nbytes(view_src)")
    b.mark("logs/llm.log", "GGML_ASSERT")


def _dep_down(site, dep: str, dependents: list, client_err: dict, code: int, down_log, removed=False):
    b, rng, eng = site.b, site.rng, site.engine
    b.components[dep]["restart"] = "no" if dep != "llm" else "on-failure:3"
    t0 = b.start + timedelta(minutes=rng.uniform(5, 15))
    stops = {}
    if SUMM in dependents:
        stops["summarizer_stop"] = t0
    if EXP in dependents:
        stops["exporter_stop"] = t0
    f = Flow(site, summ_p50=_p50(site), **stops)
    f.simulate()
    down_log(site, t0 - timedelta(seconds=1))
    b.event(t0, eng.container(t0, "die", dep, site.image(dep), 0, exit_code=code))
    if eng.name == "docker":
        b.event(t0, eng.container(t0 + timedelta(milliseconds=200), "stop", dep, site.image(dep), 0))
    if removed:   # `docker compose rm -sf redis` by mistake: the name no longer resolves
        b.event(t0, eng.container(t0 + timedelta(milliseconds=400), "destroy", dep, site.image(dep), 0))
    restarts = {}
    for d in dependents:
        times = crash_times(site, t0 + timedelta(seconds=rng.uniform(2, 6)), runtime=(2.0, 8.0))
        lg = site.lg(d)
        err = client_err[d]
        for i, t in enumerate(times):
            banner(site, d, t - timedelta(seconds=1.5))
            if lg.dialect in ("logrus", "go-std", "zap"):
                lg(t, "critical", "cannot reach dependency", err=err)
            else:
                lg.raw(t, tools.traceback([(f"/app/{d}/deps.py", 19, "connect", "client.ping()")], err))
            if i == 0:
                b.mark(f"logs/{d}.log", err)
        crash_events(site, d, times, 1)
        restarts[d] = restarts_fn(times)

    def hook(c, t, rec):
        if c == dep and t >= t0:
            if removed:
                return None
            rec.update(status="exited", cpu_percent=0.0, mem_bytes=0)
        return rec

    def mhook(name, labels, t, value):
        if name == "up" and labels.get("component") == dep and t >= t0:
            return 0
        return value
    f.emit(stats_hook=hook, metrics_hook=mhook, restarts=restarts)
    b.incident("dependency_failure", dep, ["alert", f"restart:{dep}"],
               DANGEROUS + ["quarantine", "rollback_model"] + restart_others(site, dep, *dependents))


@variant("dependency_failure", "redis-down-python", priority=1, extras=("redis",))
def dep_redis(site):
    host = "redis"
    err = {SUMM: tools.redis_py_conn_error(host, "refused"), EXP: tools.redis_py_conn_error(host, "dns")}
    if site.lg(EXP).dialect in ("logrus", "go-std", "zap"):
        err[EXP] = tools.go_redis_error("172.18.0.3")
    _dep_down(site, "redis", [SUMM, EXP], err, 0, _redis_shutdown)


@variant("dependency_failure", "redis-removed-dns", priority=1, extras=("redis",))
def dep_redis_gone(site):
    err = {SUMM: tools.redis_py_conn_error("redis", "dns"), EXP: tools.redis_py_conn_error("redis", "dns")}
    if site.lg(EXP).dialect in ("logrus", "go-std", "zap"):
        err[EXP] = "dial tcp: lookup redis on 127.0.0.11:53: no such host"
    _dep_down(site, "redis", [SUMM, EXP], err, 0, _redis_shutdown, removed=True)


@variant("dependency_failure", "llm-server-down", extras=("llm",))
def dep_llm(site):
    err = {SUMM: "httpx.ConnectError: [Errno 111] Connection refused"}
    _dep_down(site, "llm", [SUMM], err, 134, _llm_down)


@variant("dependency_failure", "mosquitto-down", splits=("heldout",), extras=("mosquitto",))
def dep_mqtt(site):
    def down(site, t):
        site.b.log("mosquitto", t, f"{int(t.timestamp())}: mosquitto version 2.0.18 terminating")
        site.b.mark("logs/mosquitto.log", "mosquitto version 2.0.18 terminating")
    err = {SUMM: "ConnectionRefusedError: [Errno 111] Connection refused",
           EXP: "network Error : dial tcp 172.18.0.4:1883: connect: connection refused"}
    _dep_down(site, "mosquitto", [SUMM, EXP], err, 0, down)
