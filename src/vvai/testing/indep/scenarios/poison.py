"""poison_input: one input makes a worker fail every time it is picked up (the others pass)."""
from __future__ import annotations

from datetime import timedelta

from .. import naming, tools
from ..events import die_sequence
from ..flow import SCAN, SUMM, Flow, Video
from .common import every as _every
from .common import p50 as _p50
from .registry import DANGEROUS, restart_others, variant


def _poison_video(site, kind: str, crash: bool):
    b, rng = site.b, site.rng
    f = Flow(site, summ_p50=_p50(site))
    t_in = b.start + timedelta(minutes=rng.uniform(-10, 8))
    bad = Video(naming.video_name(rng, site.naming, t_in, 4242), rng.randrange(200_000, 9_000_000), t_in)
    f.videos.append(bad)
    f.skip = {bad.name}
    f.simulate()
    lg = site.lg(SCAN)
    path = f"/data/input/{bad.name}"
    tries = _every(site, max(b.start, bad.arrive) + timedelta(seconds=20), (100, 260) if crash else (60, 140))
    img = site.image(SCAN)
    for i, t in enumerate(tries):
        lg(t, "info", f"decode start: {bad.name}")
        if kind == "ffmpeg-cli":
            for ln in tools.ffmpeg_cli_error(path):
                lg.raw(t + timedelta(milliseconds=300), ln, evidence=(i == 0 and "Invalid data" in ln))
            lg(t + timedelta(milliseconds=400), "error", f"ffprobe exited with status 1 for {bad.name}",
               evidence=(i == 0))
        else:
            tb, final = tools.pyav_open_error(path, kind)
            lg(t + timedelta(milliseconds=200), "error", f"failed to open {bad.name}", evidence=(i == 0))
            lg.raw(t + timedelta(milliseconds=210), tb)
            if i == 0:
                b.mark(f"logs/{SCAN}.log", final)
        b.app_log(t + timedelta(milliseconds=220), f.lvl("error"), SCAN, f"decode failed: {bad.name}",
                  file=bad.name, error=kind, attempt=i + 1, evidence=(i == 0))
        if crash:
            for ev in die_sequence(site.engine, t + timedelta(seconds=1), SCAN, img, 0, 1):
                b.event(t, ev)
        else:
            lg(t + timedelta(milliseconds=230), "warning", f"{bad.name} left in input/, will retry next sweep")

    restarts = {SCAN: (lambda tt: sum(1 for x in tries if x <= tt))} if crash else None
    f.emit(restarts=restarts)
    b.incident("poison_input", SCAN, ["alert", f"quarantine:{bad.name}"],
               DANGEROUS + ["rollback_model"] + restart_others(site, SCAN), file=bad.name)


@variant("poison_input", "pyav-invalid-retry")
def poison_pyav(site):
    _poison_video(site, "invalid", crash=False)


@variant("poison_input", "pyav-moov-crash")
def poison_moov_crash(site):
    _poison_video(site, "moov", crash=True)


@variant("poison_input", "ffmpeg-cli")
def poison_ffmpeg(site):
    _poison_video(site, "ffmpeg-cli", crash=False)


@variant("poison_input", "pyav-unsupported-codec", splits=("heldout",))
def poison_codec(site):
    _poison_video(site, "codec", crash=site.rng.random() < 0.5)


def _poison_analytic(site, kind: str):
    b, rng = site.b, site.rng
    f = Flow(site, summ_p50=_p50(site))
    f.simulate()
    victim = next(v for v in f.videos if f.in_window(v.scanned))
    an = naming.analytic(victim.name)
    victim.summ_start = victim.summarized = victim.shipped = None
    lg = site.lg(SUMM)
    for i, t in enumerate(_every(site, victim.scanned + timedelta(seconds=8), (45, 120))):
        lg(t, "info", f"picked {an}")
        if kind == "json":
            col = rng.randrange(40000, 90000)
            final = ("json.decoder.JSONDecodeError: Unterminated string starting at: "
                     f"line 1 column {col} (char {col - 1})")
            tb = tools.traceback([("/app/summarizer/worker.py", 77, "load_analytics", "data = json.load(fh)"),
                                  ("/usr/local/lib/python3.11/json/__init__.py", 293, "load",
                                   "return loads(fp.read(),"),
                                  ("/usr/local/lib/python3.11/json/decoder.py", 353, "raw_decode",
                                   "obj, end = self.scan_once(s, idx)")], final)
        else:
            final = "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 18231: invalid start byte"
            frame = ("/app/summarizer/worker.py", 75, "load_analytics", "text = path.read_text()")
            tb = tools.traceback([frame], final)
        lg(t + timedelta(milliseconds=50), "error", f"cannot read {an}, skipping for now", evidence=(i == 0))
        lg.raw(t + timedelta(milliseconds=60), tb)
        if i == 0:
            b.mark(f"logs/{SUMM}.log", final)
        b.app_log(t + timedelta(milliseconds=70), f.lvl("error"), SUMM, f"analytics unreadable: {an}", file=an,
                  evidence=(i == 0))
    f.emit()
    b.incident("poison_input", SUMM, ["alert", f"quarantine:{an}"],
               DANGEROUS + ["rollback_model"] + restart_others(site, SUMM), file=an)


@variant("poison_input", "summarizer-truncated-json")
def poison_json(site):
    _poison_analytic(site, "json")


@variant("poison_input", "summarizer-bad-utf8", splits=("heldout",))
def poison_utf8(site):
    _poison_analytic(site, "utf8")
