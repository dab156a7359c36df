"""export_failure, pipeline_stall, orphan_outputs: work stops flowing somewhere, mostly without errors."""
from __future__ import annotations

from datetime import timedelta

from .. import naming, tools
from ..flow import EXP, SCAN, SUMM, Flow
from .common import every as _every
from .common import p50 as _p50
from .registry import DANGEROUS, restart_others, variant


# -- export_failure ---------------------------------------------------------------------------
def _export_fail(site, kind: str):
    b, rng = site.b, site.rng
    t0 = b.start + timedelta(minutes=rng.uniform(3, 15))
    f = Flow(site, summ_p50=_p50(site), exporter_stop=t0)
    f.simulate()
    lg = site.lg(EXP)
    go = lg.dialect in ("logrus", "go-std", "zap")
    endpoint = rng.choice(["https://s3.eu-west-1.amazonaws.com", "http://10.20.0.15:9000", "https://minio.vv.internal"])
    bucket = "vv-footage"
    pending = [v for v in f.videos if v.summarized and not v.shipped]
    for i, t in enumerate(_every(site, t0, (240, 330))):
        v = pending[min(i, len(pending) - 1)] if pending else None
        key = f"{b.meta['host']}/{t:%Y/%m/%d}/{v.name if v else 'batch'}"
        if kind == "nginx":
            msg = (f"PUT {endpoint}/{bucket}/{key} -> 502: <html><head><title>502 Bad Gateway</title></head>"
                   "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx/1.25.3</center></body></html>")
            lg(t, "error", msg, evidence=(i == 0))
        elif go:
            rid, hid = f"{rng.getrandbits(64):016X}", f"{rng.getrandbits(256):064x}"
            put = f'RequestError: send request failed\ncaused by: Put "{endpoint}/{bucket}/{key}": '
            host = endpoint.split("//", 1)[1].split(":")[0]
            err = {"connect": put + "dial tcp 10.20.0.15:9000: connect: no route to host",
                   "dns": put + f"dial tcp: lookup {host} on 127.0.0.11:53: server misbehaving",
                   "denied": f"AccessDenied: Access Denied\n\tstatus code: 403, request id: {rid}, host id: {hid}",
                   "expired": f"ExpiredToken: The provided token has expired.\n\tstatus code: 400, request id: {rid}",
                   "ssl": put + "x509: certificate has expired or is not yet valid"}[kind]
            first = err.split("\n")[0]
            lg(t, "error", "upload failed", evidence=False, key=key, err=first)
            b.mark(f"logs/{EXP}.log", first.split(":")[0])
            for extra in err.split("\n")[1:]:
                lg.raw(t, extra)
        else:
            at = t
            for a in range(1, 5):
                delay = round(rng.uniform(0, 1) * 2 ** (a - 1), 4)   # botocore legacy mode: rand * 2**n
                lg(at, "debug", tools.botocore_retry_debug(a, delay))
                at += timedelta(seconds=delay + (10 if kind in ("connect", "timeout") else 0.2))
            line = tools.botocore_error(kind, endpoint, bucket, key)
            lg(at, "error", f"upload of {v.name if v else 'batch'} failed", evidence=(i == 0))
            lg.raw(at, tools.traceback(
                [("/app/exporter/ship.py", 58, "put", "s3.upload_file(str(path), bucket, key)"),
                 ("/usr/local/lib/python3.11/site-packages/botocore/client.py", 1021, "_make_api_call",
                  "raise error_class(parsed_response, operation_name)")], line))
            if i == 0:
                b.mark(f"logs/{EXP}.log", line)
        b.app_log(t + timedelta(seconds=4), f.lvl("error"), EXP, f"export failed ({kind}), {len(pending)} sets pending",
                  pending=len(pending), evidence=(i == 0))
    f.emit()
    b.incident("export_failure", EXP, ["alert", f"restart:{EXP}"],
               DANGEROUS + ["quarantine", "rollback_model"] + restart_others(site, EXP))


@variant("export_failure", "s3-unreachable")
def exp_connect(site):
    _export_fail(site, "connect")


@variant("export_failure", "s3-dns-failure")
def exp_dns(site):
    _export_fail(site, "dns")


@variant("export_failure", "s3-access-denied")
def exp_denied(site):
    _export_fail(site, "denied")


@variant("export_failure", "s3-expired-token")
def exp_expired(site):
    _export_fail(site, "expired")


@variant("export_failure", "gateway-502-nginx", splits=("heldout",))
def exp_nginx(site):
    _export_fail(site, "nginx")


@variant("export_failure", "ssl-expired", splits=("heldout",))
def exp_ssl(site):
    _export_fail(site, "ssl")


# -- pipeline_stall ---------------------------------------------------------------------------
def _stall(site, kind: str):
    b, rng = site.b, site.rng
    t0 = b.start + timedelta(minutes=rng.uniform(4, 12))
    if kind == "spin":   # one thread spinning: one core busy, well under the 2-cpu limit
        b.components[SCAN]["cpus"] = 2.0
    f = Flow(site, summ_p50=_p50(site), scanner_stop=t0, heartbeat_stops=True,
             arrival_boost=(t0, b.end, 2) if kind == "health-only" else None)
    f.simulate()
    lg = site.lg(SCAN)
    if kind == "blind-heartbeat":
        for t in _every(site, t0 + timedelta(seconds=30), (110, 130)):
            lg(t, "info", "alive: 0 queued")
    elif kind == "health-only":
        for t in _every(site, t0, (28, 32)):
            lg.raw(t, tools.uvicorn_access(rng))
    elif kind == "silent":   # the health check (a queue-age probe) starts failing; the engine only reports it
        img = site.image(SCAN)
        for t in _every(site, t0 + timedelta(minutes=5), (290, 310)):
            b.event(t, site.engine.container(t, "health_status: unhealthy", SCAN, img, 0))

    def hook(c, t, rec):
        if c == SCAN and t > t0:
            rec["cpu_percent"] = round(rng.uniform(0.0, 0.4) if kind != "spin" else rng.uniform(99, 101), 2)
        return rec

    f.emit(stats_hook=hook)
    first = next(v for v in f.videos if v.arrive > t0)
    b.mark("pipeline.jsonl", first.name)
    b.incident("pipeline_stall", SCAN, ["alert", f"restart:{SCAN}"],
               DANGEROUS + ["quarantine", "rollback_model"] + restart_others(site, SCAN))


@variant("pipeline_stall", "blind-heartbeat")
def stall_blind(site):
    _stall(site, "blind-heartbeat")


@variant("pipeline_stall", "silent-deadlock")
def stall_silent(site):
    _stall(site, "silent")


@variant("pipeline_stall", "busy-spin")
def stall_spin(site):
    _stall(site, "spin")


@variant("pipeline_stall", "health-only-backfill", splits=("heldout",))
def stall_health(site):
    _stall(site, "health-only")


# -- orphan_outputs ---------------------------------------------------------------------------
def _orphans(site, kind: str):
    b, rng = site.b, site.rng
    t0 = b.start + timedelta(minutes=rng.uniform(3, 12))
    f = Flow(site, summ_p50=_p50(site), summarizer_stop=t0)
    f.simulate()
    lg, img = site.lg(SUMM), site.image(SUMM)
    eng = site.engine
    if kind == "operator-stop":
        b.event(t0, eng.container(t0, "kill", SUMM, img, 0, signal="15"))
        b.event(t0, eng.container(t0 + timedelta(seconds=0.3), "die", SUMM, img, 0, exit_code=143))
        b.event(t0, eng.container(t0 + timedelta(seconds=0.6), "stop", SUMM, img, 0))
        lg(t0, "info", "received SIGTERM, shutting down after current item")
    elif kind == "clean-exit":
        lg(t0, "info", "no work for 300 s and --exit-when-idle set: exiting 0")
        b.event(t0, eng.container(t0 + timedelta(seconds=1), "die", SUMM, img, 0, exit_code=0))
    elif kind == "maintenance-lock":   # an ops script died and left its lock behind
        lg(t0, "info", f"maintenance lock {b.meta['pipeline_root']}/.vv-maintenance present, pausing new work")
    elif kind == "watch-lost":   # processed/ was recreated by an ops script; the inotify watch died with it
        for t in _every(site, t0 + timedelta(seconds=40), (115, 125)):
            lg(t, "info", "idle: 0 analytics pending")

    def hook(c, t, rec):
        if c == SUMM and t > t0:
            if kind in ("operator-stop", "clean-exit"):
                rec.update(status="exited", cpu_percent=0.0, mem_bytes=0)
            else:
                rec["cpu_percent"] = round(rng.uniform(0.0, 0.3), 2)
        return rec

    def mhook(name, labels, t, value):
        alive = kind in ("watch-lost", "maintenance-lock")
        if name == "up" and labels.get("component") == SUMM and t > t0 and not alive:
            return 0
        return value
    f.emit(stats_hook=hook, metrics_hook=mhook)
    orphan = next(v for v in f.videos if v.scanned and v.scanned > t0)
    b.mark("pipeline.jsonl", naming.analytic(orphan.name))
    b.incident("orphan_outputs", SUMM, ["alert", f"restart:{SUMM}"],
               DANGEROUS + ["quarantine", "rollback_model"] + restart_others(site, SUMM))


@variant("orphan_outputs", "operator-stop")
def orphan_stop(site):
    _orphans(site, "operator-stop")


@variant("orphan_outputs", "exit-0-not-restarted")
def orphan_exit0(site):
    _orphans(site, "clean-exit")


@variant("orphan_outputs", "watch-lost-idle-heartbeat")
def orphan_watch(site):
    _orphans(site, "watch-lost")


@variant("orphan_outputs", "maintenance-lock-left-behind", splits=("heldout",))
def orphan_lock(site):
    _orphans(site, "maintenance-lock")
