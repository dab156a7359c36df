"""crash_loop and deployment_regression: a container keeps failing, with or without a fresh deploy."""
from __future__ import annotations

from datetime import timedelta

from .. import tools
from ..events import die_sequence
from ..flow import EXP, SCAN, SUMM, Flow
from .common import p50 as _p50
from .crashes import banner, crash_events, crash_times, restarts_fn
from .registry import DANGEROUS, restart_others, variant

STOP = {SCAN: "scanner_stop", SUMM: "summarizer_stop", EXP: "exporter_stop"}

CRASHES = {
    "state-json": (EXP, 1, lambda root: tools.traceback(
        [("/app/exporter/__main__.py", 30, "<module>", "state = State.load(STATE_PATH)"),
         ("/app/exporter/state.py", 18, "load", "return cls(**json.loads(path.read_text()))"),
         ("/usr/local/lib/python3.11/json/__init__.py", 346, "loads", "return _default_decoder.decode(s)")],
        "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)")),
    "permission": (SCAN, 1, lambda root: tools.traceback(
        [("/app/scene_scanner/__main__.py", 12, "<module>", "main()"),
         ("/app/scene_scanner/watch.py", 40, "main", "for entry in os.scandir(INPUT):")],
        f"PermissionError: [Errno 13] Permission denied: '{root}/input'")),
    "sqlite": (SUMM, 1, lambda root: tools.traceback(
        [("/app/summarizer/state.py", 22, "open_state", "db.execute('PRAGMA journal_mode=WAL')")],
        "sqlite3.DatabaseError: database disk image is malformed")),
    "go-panic": (EXP, 2, lambda root: "\n".join([
        "panic: runtime error: invalid memory address or nil pointer dereference",
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x8a1f2c]", "",
        "goroutine 1 [running]:",
        "main.(*Shipper).resume(0xc0001a2000, {0xc000130000, 0x24})",
        "\t/src/cmd/exporter/ship.go:212 +0x4c",
        "main.main()", "\t/src/cmd/exporter/main.go:61 +0x2a5"])),
    "sigill": (SCAN, 132, lambda root: "Fatal Python error: Illegal instruction\n\nCurrent thread 0x00007f3b2c9e1740 "
               "(most recent call first):\n  File \"<frozen importlib._bootstrap>\", line 241 in "
               "_call_with_frames_removed\n  File \"/usr/local/lib/python3.11/site-packages/av/__init__.py\", "
               "line 4 in <module>"),
}


def _crash(site, kind: str, deployed: bool):
    b, rng = site.b, site.rng
    service, code, text = CRASHES[kind]
    t0 = b.start + timedelta(minutes=rng.uniform(4, 14))
    f = Flow(site, summ_p50=_p50(site), heartbeat_stops=True, **{STOP[service]: t0})
    f.simulate()
    times = crash_times(site, t0)
    lg = site.lg(service)
    body = text(b.meta["pipeline_root"])
    first_line = next(ln for ln in body.split("\n")[::-1] if ln.strip() and not ln.startswith(("\t", " ")))
    if kind in ("go-panic", "sigill"):
        first_line = body.split("\n")[0]
    for i, t in enumerate(times):
        banner(site, service, t - timedelta(seconds=1.2))
        lg.raw(t - timedelta(seconds=0.05), body)
        if i == 0:
            b.mark(f"logs/{service}.log", first_line)
    crash_events(site, service, times, code)

    def hook(c, t, rec):
        if c == service and any(0 <= (t - x).total_seconds() < 2 for x in times):
            rec["status"] = "restarting"
        return rec
    f.emit(stats_hook=hook, restarts={service: restarts_fn(times)})
    return service, t0


@variant("crash_loop", "scanner-permission")
def crash_perm(site):
    s, _ = _crash(site, "permission", False)
    site.b.incident("crash_loop", s, ["alert"], DANGEROUS + ["quarantine", "rollback_model"] + restart_others(site, s))


@variant("crash_loop", "summarizer-sqlite-malformed")
def crash_sqlite(site):
    s, _ = _crash(site, "sqlite", False)
    site.b.incident("crash_loop", s, ["alert"], DANGEROUS + ["quarantine", "rollback_model"] + restart_others(site, s))


@variant("crash_loop", "exporter-go-panic")
def crash_go(site):
    s, _ = _crash(site, "go-panic", False)
    site.b.incident("crash_loop", s, ["alert"], DANGEROUS + ["quarantine", "rollback_model"] + restart_others(site, s))


@variant("crash_loop", "exporter-state-file-corrupt")
def crash_state(site):
    s, _ = _crash(site, "state-json", False)
    site.b.incident("crash_loop", s, ["alert"], DANGEROUS + ["quarantine", "rollback_model"] + restart_others(site, s))


@variant("crash_loop", "scanner-sigill", splits=("heldout",))
def crash_sigill(site):
    s, _ = _crash(site, "sigill", False)
    site.b.incident("crash_loop", s, ["alert"], DANGEROUS + ["quarantine", "rollback_model"] + restart_others(site, s))


# -- deployment_regression --------------------------------------------------------------------
def _bump(site, service):
    comp = site.b.components[service]
    repo, tag = comp["image"].rsplit(":", 1)
    major, minor, patch = (int(x) for x in tag.split("."))
    new = f"{repo}:{major}.{minor + 1}.0"
    site.prev_images[service] = comp["image"]
    comp["image"] = new
    return comp["image"], site.prev_images[service]


def _deploy(site, service, t):
    b, eng = site.b, site.engine
    new, old = site.image(service), site.prev_images[service]
    b.event(t, eng.image(t - timedelta(seconds=40), "pull", new))
    b.event(t, eng.container(t - timedelta(seconds=3), "kill", service, old, 0, signal="15"))
    b.event(t, eng.container(t - timedelta(seconds=2.5), "die", service, old, 0, exit_code=0))
    b.event(t, eng.container(t - timedelta(seconds=2), "stop", service, old, 0))
    b.event(t, eng.container(t - timedelta(seconds=1.5), "destroy", service, old, 0))
    b.event(t, eng.container(t - timedelta(seconds=1), "create", service, new, 1))
    b.event(t, eng.container(t, "start", service, new, 1))


@variant("deployment_regression", "scanner-pyav-api")
def dep_scanner(site):
    """A new scanner image built against PyAV 12 still catches av.AVError: every file fails."""
    b, rng = site.b, site.rng
    new, old = _bump(site, SCAN)
    t0 = b.start + timedelta(minutes=rng.uniform(8, 20))
    f = Flow(site, summ_p50=_p50(site), scanner_stop=t0, heartbeat_stops=True)
    f.simulate()
    _deploy(site, SCAN, t0)
    lg = site.lg(SCAN)
    banner(site, SCAN, t0 + timedelta(seconds=2))
    pending = [v for v in f.videos if v.arrive <= b.end and not v.scanned]
    t = t0 + timedelta(seconds=5)
    for i, v in enumerate(pending):
        t = max(t, v.arrive) + timedelta(seconds=rng.uniform(1, 4))
        if t >= b.end:
            break
        lg(t, "error", f"worker error on {v.name}", evidence=(i == 0))
        lg.raw(t, tools.traceback([("/app/scene_scanner/worker.py", 220, "process", "except av.AVError as exc:")],
                                  "AttributeError: module 'av' has no attribute 'AVError'"))
        if i == 0:
            b.mark(f"logs/{SCAN}.log", "AttributeError: module 'av' has no attribute 'AVError'")
        b.app_log(t, f.lvl("error"), SCAN, f"unhandled error on {v.name}", file=v.name)
    f.emit()
    b.incident("deployment_regression", SCAN, ["alert", "suggest_rollback", f"suggest_rollback:{old}"],
               DANGEROUS + ["quarantine", "rollback_model"] + restart_others(site, SCAN))


def _deploy_crashloop(site, service, body, code, mark):
    b, rng = site.b, site.rng
    new, old = _bump(site, service)
    t0 = b.start + timedelta(minutes=rng.uniform(8, 20))
    f = Flow(site, summ_p50=_p50(site), heartbeat_stops=True, **{STOP[service]: t0})
    f.simulate()
    _deploy(site, service, t0)
    times = crash_times(site, t0 + timedelta(seconds=3))
    for i, t in enumerate(times):
        banner(site, service, t - timedelta(seconds=1))
        site.lg(service).raw(t, body)
        if i == 0:
            b.mark(f"logs/{service}.log", mark)
    for t in times:
        for ev in die_sequence(site.engine, t, service, new, 1, code):
            b.event(t, ev)
    f.emit(restarts={service: restarts_fn(times)})
    b.incident("deployment_regression", service, ["alert", "suggest_rollback", f"suggest_rollback:{old}"],
               DANGEROUS + ["quarantine", "rollback_model"] + restart_others(site, service))


@variant("deployment_regression", "summarizer-kwarg-crashloop")
def dep_summ(site):
    final = "TypeError: Llama.__init__() got an unexpected keyword argument 'flash_attn_type'"
    body = tools.traceback([("/app/summarizer/engine.py", 51, "load", "self.llm = Llama(model_path=p, **opts)")], final)
    _deploy_crashloop(site, SUMM, body, 1, final)


@variant("deployment_regression", "exporter-go-flag")
def dep_exp(site):
    body = ("flag provided but not defined: -s3-region\nUsage of /usr/local/bin/log-exporter:\n"
            "  -bucket string\n    \tdestination bucket")
    _deploy_crashloop(site, EXP, body, 2, "flag provided but not defined: -s3-region")


@variant("deployment_regression", "exporter-import-error", splits=("heldout",))
def dep_exp_py(site):
    final = ("ImportError: cannot import name 'TransferConfig' from 'boto3.s3.transfer' "
             "(/usr/local/lib/python3.12/site-packages/boto3/s3/transfer.py)")
    frame = ("/app/exporter/ship.py", 3, "<module>", "from boto3.s3.transfer import TransferConfig")
    body = tools.traceback([frame], final)
    _deploy_crashloop(site, EXP, body, 1, final)


@variant("deployment_regression", "summarizer-config-recreate")
def dep_config(site):
    """Same image, new compose environment: the container is recreated and crashes on a missing setting."""
    b, rng, eng = site.b, site.rng, site.engine
    img = site.image(SUMM)
    t0 = b.start + timedelta(minutes=rng.uniform(8, 20))
    f = Flow(site, summ_p50=_p50(site), summarizer_stop=t0)
    f.simulate()
    old_hash, new_hash = f"{rng.getrandbits(256):064x}", f"{rng.getrandbits(256):064x}"
    seq = [("kill", 0, -3.0, old_hash), ("die", 0, -2.5, old_hash), ("stop", 0, -2.0, old_hash),
           ("destroy", 0, -1.5, old_hash), ("create", 1, -1.0, new_hash), ("start", 1, 0.0, new_hash)]
    for act, inst, dt, h in seq:
        kw = {"exit_code": 0} if act == "die" else {}
        b.event(t0, eng.container(t0 + timedelta(seconds=dt), act, SUMM, img, inst,
                                  **{"com.docker.compose.config-hash": h}, **kw))
    final = "KeyError: 'VV_MODELS_DIR'"
    body = tools.traceback([("/app/summarizer/settings.py", 14, "<module>",
                             "MODELS_DIR = Path(os.environ['VV_MODELS_DIR'])")], final)
    times = crash_times(site, t0 + timedelta(seconds=2))
    for i, t in enumerate(times):
        banner(site, SUMM, t - timedelta(seconds=1))
        site.lg(SUMM).raw(t, body)
        if i == 0:
            b.mark(f"logs/{SUMM}.log", final)
    for t in times:
        for ev in die_sequence(eng, t, SUMM, img, 1, 1):
            b.event(t, ev)
    f.emit(restarts={SUMM: restarts_fn(times)})
    b.incident("deployment_regression", SUMM, ["alert", "suggest_rollback"],
               DANGEROUS + ["quarantine", "rollback_model"] + restart_others(site, SUMM))
