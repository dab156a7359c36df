"""Log, resource, performance, pipeline, exporter, integrity, deploy and dependency detectors."""

from __future__ import annotations

import json

from tests.monitor.test_bundle_builders import app, build, dts, event, meta, snap, stat, ts
from vvai.monitor.detect import (
    dependency,
    deploy,
    diskspace,
    exporter,
    integrity,
    logs,
    performance,
    pipeline,
    resources,
)
from vvai.monitor.detect.context import Context
from vvai.monitor.detect.errorlines import error_headlines, is_error_line
from vvai.monitor.detect.settings import DetectorSettings


def _ctx(b, **kw):
    return Context(b, DetectorSettings(**kw))


def test_error_line_recognition():
    assert is_error_line("ERROR:vv.scanner:boom")
    assert is_error_line('ts=x lvl=error src=exporter msg="could not ship"')
    assert is_error_line("ValueError: bad")
    assert not is_error_line("[h264 @ 0x55d4d0c401b0] error while decoding MB 49 17")
    assert not is_error_line("INFO:vv.scanner:decode start: error_cam.mp4")
    assert not is_error_line("WARNING:vv.summarizer:prompt cut")


def test_traceback_counts_once():
    from vvai.common.timefmt import parse_ts
    from vvai.monitor.bundle import Line

    lines = [
        Line("logs/x.log", parse_ts(dts(1)), t)
        for t in ["Traceback (most recent call last):", '  File "a.py", line 1, in f', "    g()", "KeyError: 'x'"]
    ]
    assert [ln.text for ln in error_headlines(lines)] == ["KeyError: 'x'"]


def test_error_burst_and_single_transient_error():
    al = [app(20 + k, "log_exporter", "could not ship x.mp4", level="error") for k in range(8)]
    f = logs.detect(_ctx(build(app_log=al + [app(2, "log_exporter", "stray", level="error")])))
    burst = [x for x in f if x.kind == "error_burst"]
    assert burst and burst[0].attrs["count"] == 9 and burst[0].ts.minute == 20  # onset: where errors become dense
    assert not logs.detect(_ctx(build(app_log=[app(5, "scene_scanner", "giving up on a.mp4", level="error")])))


def test_cpu_saturation_needs_persistence():
    hot = [stat(m / 2, "scene_summarizer", cpu=145.0) for m in range(0, 60)]  # 30 min at 97% of 1.5 CPUs
    f = resources.detect(_ctx(build(stats=hot)))
    assert [(x.kind, x.component) for x in f] == [("cpu_saturation", "scene_summarizer")]
    spiky = [stat(m / 2, "scene_summarizer", cpu=149.0 if m % 6 == 0 else 40.0) for m in range(0, 60)]
    assert resources.detect(_ctx(build(stats=spiky))) == []


def test_memory_pressure():
    rows = [stat(m, "scene_scanner", mem=int(0.97 * 2 * 1024**3)) for m in range(0, 30)]
    assert [x.kind for x in resources.detect(_ctx(build(stats=rows)))] == ["mem_pressure"]


def test_memory_held_near_the_limit_across_a_short_bundle():
    """A buffer that fills to 88 % of the limit within seconds and stays there, in a 1.5-min bundle:
    at the limit as far as the bundle sees, like CPU; a climb that stops at 80 % is not."""
    lim = 100 << 20
    held = [stat(m / 30, "log_exporter", mem=int(lim * min(0.88, 0.3 + 0.2 * m)), limit=lim) for m in range(45)]
    f = resources.detect(_ctx(build(stats=held)))
    assert [(x.kind, x.component) for x in f] == [("mem_pressure", "log_exporter")]
    assert f[0].attrs["mean_fraction"] >= 0.85
    lower = [stat(m / 30, "log_exporter", mem=int(lim * min(0.80, 0.3 + 0.2 * m)), limit=lim) for m in range(45)]
    assert resources.detect(_ctx(build(stats=lower))) == []
    late = held[:30] + [stat(m / 30, "log_exporter", mem=int(lim * 0.4), limit=lim) for m in range(30, 45)]
    assert resources.detect(_ctx(build(stats=late))) == []  # released after a third of the bundle: a peak


def _perf_metrics(hours: int, slow: float, volume_growth: float):
    rows = []
    for h in range(hours):
        frac = h / hours
        p50 = 4.0 * (1 + slow * max(0.0, frac - 0.3) / 0.7)
        count = int(1000 + sum(50 * (1 + volume_growth * (k / hours > 0.5)) for k in range(h)))
        rows.append(
            {
                "ts": ts(h * 60),
                "name": "vv_scene_processing_seconds",
                "labels": {"component": "scene_summarizer", "quantile": "0.5"},
                "value": p50,
            }
        )
        rows.append(
            {
                "ts": ts(h * 60),
                "name": "vv_summaries_written_total",
                "labels": {"component": "scene_summarizer"},
                "value": count,
            }
        )
    return rows


def test_degradation_at_similar_volume_only():
    m = meta(minutes=7 * 24 * 60, benchmarks={"scene_summarizer": {"p50_processing_s": 4.0}})
    f = performance.detect(_ctx(build(m, metrics=_perf_metrics(168, 0.6, 0.0))))
    assert [(x.kind, x.component) for x in f] == [("perf_degradation", "scene_summarizer")]
    assert f[0].attrs["increase_percent"] >= 30
    assert performance.detect(_ctx(build(m, metrics=_perf_metrics(168, 0.6, 1.0)))) == []  # more work, not slower
    short = meta(minutes=60)
    assert performance.detect(_ctx(build(short, metrics=_perf_metrics(60, 0.6, 0.0)))) == []


def test_backlog_stall_orphans_processed_and_disk():
    snaps = [snap(m, inp=[f"v{k}.mp4" for k in range(m // 3)]) for m in range(0, 60, 2)]
    f = pipeline.detect(_ctx(build(pipeline=snaps)))
    bl = [x for x in f if x.kind == "input_backlog"]
    assert bl and bl[0].attrs["stalled"] and bl[0].component == "scene_scanner"
    orphans = [(f"c{k}.analytic.json", 1) for k in range(5)] + [("ok.analytic.json", 1), ("ok.summary.json", 2)]
    f = pipeline.detect(_ctx(build(pipeline=[snap(0), snap(40, processed=orphans)])))
    o = [x for x in f if x.kind == "orphan_outputs"]
    assert o and o[0].attrs["count"] == 5 and o[0].component == "scene_summarizer"
    grow = [snap(m, processed=[(f"p{k}.mp4", 0) for k in range(m)]) for m in range(0, 40, 2)]
    assert [x.kind for x in pipeline.detect(_ctx(build(pipeline=grow)))] == ["processed_growth"]
    full = [snap(m, corrupted=[("old.mkv", 9 * 10**11)], free=int(10**12 * (0.2 - m / 300))) for m in range(0, 60, 5)]
    d = [x for x in diskspace.detect(_ctx(build(pipeline=full))) if x.kind == "disk_full"]
    # the spec names a component of the bundle, never "host": the pipeline disk's first writer
    assert d and d[0].component == "scene_scanner" and d[0].attrs["biggest_folder"] == "corrupted"
    assert pipeline.detect(_ctx(build(pipeline=[snap(0), snap(30)]))) == []


def test_exporter_errors_vs_transient_warnings():
    errs = [
        app(10 + k * 3, "log_exporter", "could not ship a.mp4", level="error", error="ConnectTimeoutError")
        for k in range(6)
    ]
    f = exporter.detect(_ctx(build(app_log=errs)))
    assert [(x.kind, x.component) for x in f] == [("export_errors", "log_exporter")] and f[0].attrs["network"] == 6
    warns = [
        app(10 + k * 3, "log_exporter", "a.mp4: transient 'connection reset by peer', will retry", level="warning")
        for k in range(6)
    ]
    assert exporter.detect(_ctx(build(app_log=warns))) == []


def test_integrity_from_verifier_files():
    sig = {"files": {"processed/a.summary.json": "00", "processed/b.summary.json": "11"}}
    rep = {"checked": 2, "mismatches": [{"file": "processed/b.summary.json", "expected": "11", "actual": "22"}]}
    files = {"vv-signature.json": json.dumps(sig).encode(), "verifier.json": json.dumps(rep, indent=1).encode()}
    f = integrity.detect(_ctx(build(files=files)))
    assert [(x.kind, x.component, x.file) for x in f] == [("integrity_mismatch", "scene_summarizer", "b.summary.json")]
    assert f[0].evidence[0].source == "files/verifier.json"
    ok = {"logline_verifier.txt": b"checked 40 files, 0 mismatches\nall signatures OK\n"}
    assert integrity.detect(_ctx(build(files=ok))) == []
    txt = {"logline_verifier.txt": b"OK processed/a.analytic.json\nMISMATCH processed/c.analytic.json sha256\n"}
    assert [x.file for x in integrity.detect(_ctx(build(files=txt)))] == ["c.analytic.json"]


def test_new_image_model_change_and_model_errors():
    evs = [
        event(1, "start", "scene_summarizer", image="vv/s:1"),
        event(20, "die", "scene_summarizer", exitCode=0, image="vv/s:1"),
        event(21, "start", "scene_summarizer", image="vv/s:2"),
    ]
    al = [
        app(5, "scene_summarizer", "ready", model_version="1.0"),
        app(25, "scene_summarizer", "loading", model_version="1.1"),
    ]
    al += [
        app(26 + k, "scene_summarizer", "failed to load model: invalid magic number", level="error") for k in range(3)
    ]
    kinds = sorted(x.kind for x in deploy.detect(_ctx(build(events=evs, app_log=al))))
    assert kinds == ["model_change", "model_error", "new_image"]


def test_one_failed_model_load_is_a_model_error_one_other_model_line_is_not():
    # a hot reload that fails logs once and keeps the previous model serving: still a broken release
    failed = [app(30, "scene_summarizer", "model load failed; the previous model keeps serving", level="error",
                  error="not a GGUF file (bad magic)", model_version="1.0")]
    f = deploy.detect(_ctx(build(app_log=failed)))
    assert [(x.kind, x.component) for x in f] == [("model_error", "scene_summarizer")]
    for text in ("could not load model weights from /models/active", "Failed to load model: bad magic"):
        assert [x.kind for x in deploy.detect(_ctx(build(app_log=[app(30, "scene_summarizer", text,
                                                                          level="error")])))] == ["model_error"]
    # one model-related error that is not a failed load stays below the bar, as before
    once = [app(30, "scene_summarizer", "inference took 12 s for a.mp4 (tokenizer warmup)", level="error")]
    assert deploy.detect(_ctx(build(app_log=once))) == []
    # a successful load is no error at all
    ok = [app(30, "scene_summarizer", "model loaded", model_version="1.1")]
    assert deploy.detect(_ctx(build(app_log=ok))) == []
    # the failure is over: a later load succeeded, or the store's active model is back on the one serving
    fixed = [*failed, app(31, "scene_summarizer", "model loaded", model_version="1.0")]
    assert deploy.detect(_ctx(build(app_log=fixed))) == []
    rolled_back = meta(model={"name": "m", "version": "1.0", "previous_version": "1.1"})
    assert deploy.detect(_ctx(build(rolled_back, app_log=failed))) == []
    still_active = meta(model={"name": "m", "version": "1.1", "previous_version": "1.0"})
    assert [x.kind for x in deploy.detect(_ctx(build(still_active, app_log=failed)))] == ["model_error"]


def test_dependency_down_is_filed_under_the_dependency():
    m = meta()
    m["components"]["redis"] = {"image": "redis:7", "mem_limit": "256m", "cpus": 0.5, "depends_on": []}
    m["components"]["scene_summarizer"]["depends_on"].append("redis")
    evs = [event(10, "die", "redis", exitCode=1)]
    logs_ = {
        "scene_summarizer": [
            f"{dts(12 + k)} redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused."
            for k in range(4)
        ]
    }
    f = dependency.detect(_ctx(build(m, events=evs, logs=logs_)))
    assert [(x.kind, x.component) for x in f] == [("dependency_down", "redis")]
    assert f[0].attrs["dependents"] == ["scene_summarizer"] and f[0].attrs["in_bundle"]


def test_error_bursts_are_templated_by_the_project_miner():
    # (the drain3 fallback this test used to force is gone: issue 7 removed it)
    from vvai.monitor.templates.miner import TemplateMiner

    assert isinstance(logs._Miner()._impl, TemplateMiner)
    al = [app(20 + k, "log_exporter", f"could not ship v{k}.mp4: timeout", level="error") for k in range(8)]
    burst = [x for x in logs.detect(_ctx(build(app_log=al))) if x.kind == "error_burst"]
    assert burst and burst[0].attrs["top_count"] == 8 and "<*>" in burst[0].attrs["top_template"]


def test_disk_full_from_node_exporter_metrics_when_folders_were_not_watched():
    rows = []
    for m in range(0, 30, 5):
        lab = {"device": "/dev/sda2", "mountpoint": "/opt/vv-video-ai-system"}
        rows.append({"ts": ts(m), "name": "node_filesystem_size_bytes", "labels": lab, "value": 1e12})
        free = 1e12 * (0.1 - m / 500)
        rows.append({"ts": ts(m), "name": "node_filesystem_avail_bytes", "labels": lab, "value": free})
    f = diskspace.detect(_ctx(build(metrics=rows)))
    assert [(x.kind, x.component) for x in f] == [("disk_full", "scene_scanner")]
    assert f[0].attrs["used_fraction"] >= 0.94


def test_live_records_without_raw_lines_quote_the_captured_form():
    row = stat(1, "scene_scanner", cpu=12.5)
    b = build(stats=[row])
    assert b.stats[0].raw == json.dumps(row, separators=(",", ":"))


def _stuck_scanner(big_last: float = 1.0, taken: tuple[str, ...] = ("a.mp4", "b.mp4")) -> list:
    """Two files taken within 2 s, then a new one every 6 s and none taken for 100 s, while the
    scanner runs at full CPU (a spin or a blocked call looks busy): snapshots every 2 s."""
    sec = 1 / 60
    snaps = []
    for k in range(0, 56):
        t = k * 2
        files = {n: 40_000 for n in taken} if t < 2 else {}
        files.update({f"v{j}.mp4": 40_000 for j in range(max(0, (t - 10) // 6))})
        if t >= 80 and big_last != 1.0:
            files["huge.mp4"] = int(40_000 * big_last)
        s = snap(t * sec)
        s["dirs"]["input"] = [{"name": n, "size": z, "mtime": ts(t * sec)} for n, z in files.items()]
        snaps.append(s)
    return snaps


def test_a_busy_worker_far_behind_its_own_pace_is_stalled():
    sec = 1 / 60
    stats = [stat(k * 2 * sec, "scene_scanner", cpu=99.0) for k in range(56)]
    window = meta(minutes=112 * sec)

    def backlog(snaps):
        f = pipeline.detect(_ctx(build(window, pipeline=snaps, stats=stats)))
        return next(x for x in f if x.kind == "input_backlog")

    stuck = backlog(_stuck_scanner())
    assert stuck.attrs["overdue"] and stuck.attrs["stalled"] and not stuck.attrs["quiet"]
    # a waiting file 60 times bigger than any it took may take that much longer: not yet
    assert not backlog(_stuck_scanner(big_last=60.0)).attrs["stalled"]
    # one file taken tells no pace
    assert not backlog(_stuck_scanner(taken=("a.mp4",))).attrs["overdue"]
    # and the quick call is a setting: the factor can put it out of reach
    f = pipeline.detect(_ctx(build(window, pipeline=_stuck_scanner(), stats=stats), stall_pace_factor=100))
    assert not next(x for x in f if x.kind == "input_backlog").attrs["stalled"]
