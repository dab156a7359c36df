"""Healthy variants with benign noise (different from the held-out ones): the right answer is no
incident above info."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dev_kit as dk
from dev_kit import kit
from rig import Box, log, wait_for


def _inputs(box: Box) -> int:
    return len([p for p in (box.root / "input").iterdir() if not p.name.startswith(".")])


def slow_backlog(box: Box, samples: Path) -> list[dict]:
    """A backfill of 14 long recordings drains slowly through the project's scanner, well under its CPU quota."""
    longs = dk.long_samples(samples.parent / "samples_long", seconds=45, count=3)
    kit.quiet_stack(box)
    kit.scanner(box, cpus=2.0, mem_limit="1g")
    for i in range(14):
        kit.drop(box, longs[i % len(longs)], f"cam3_backfill_{i + 1:04d}.mp4")
    wait_for(lambda: _inputs(box) == 0, 150, 1, "backlog drained")
    time.sleep(12)
    return []


def exporter_stop_start(box: Box, samples: Path) -> list[dict]:
    """The operator stops the working exporter (podman stop) and starts it 12 s later; it ships what waited."""
    port = kit.free_port()
    kit.start_moto(box, port)
    kit.make_bucket(port, "vv-archive")
    kit.idle_summarizer(box)
    kit.scanner(box)
    vids = kit.good_videos(samples)
    kit.drop(box, vids[0], "cam2_0601.mp4")
    wait_for(lambda: dk.count(box, "*.analytic.json") >= 1, 60, 0.5, "1 scan")
    exp = kit.exporter_loop(box, port, every=5, attempts=3)
    wait_for(lambda: dk.applog_has(box, "log_exporter", "shipped cam2_0601"), 40, 1, "first ship")
    time.sleep(8)
    log("operator stop of log_exporter")
    exp.stop(timeout=3)
    kit.drop(box, vids[1], "cam2_0602.mp4")
    time.sleep(12)
    log("operator start of log_exporter")
    exp.start()
    wait_for(lambda: dk.applog_has(box, "log_exporter", "shipped cam2_0602"), 40, 1, "backlog shipped")
    kit.drop(box, vids[2], "cam2_0603.mp4")
    time.sleep(20)
    return []


def info_lines_say_error(box: Box, samples: Path) -> list[dict]:
    """Everything works; healthy services print INFO lines with the word 'error' (zero error counters)."""
    kit.scanner(box)
    box.idle(
        "scene_summarizer",
        "INFO summarizer: 0 analytic files waiting, errors=0, last_error=none",
        every=6,
        mem_limit="256m",
        cpus=1.0,
        restart="on-failure",
        retries=5,
        depends_on=("scene_scanner",),
    )
    applog = "/opt/vv-video-ai-system/logs/app.log"
    script = (
        "i=0; while :; do i=$((i+1)); ts=$(date -u +%Y-%m-%dT%H:%M:%S.000Z); "
        'echo "INFO exporter sweep $i: shipped 0, error count 0 (error budget 0.0% used)"; '
        f'printf \'{{"ts": "%s", "level": "INFO", "component": "log_exporter", '
        f'"msg": "sweep %s finished: 0 errors, error budget 0.0%% used", "errors": 0}}\\n\' '
        f'"$ts" "$i" >> {applog}; '
        "sleep 7; done"
    )
    box.run("log_exporter", ["sh", "-c", script], mem_limit="128m", cpus=0.25, restart="always")
    vids = kit.good_videos(samples)
    for i in range(5):
        kit.drop(box, vids[i], f"cam5_{i + 701:04d}.mp4")
        time.sleep(8)
    wait_for(lambda: _inputs(box) == 0, 60, 1, "input/ empty")
    time.sleep(12)
    return []


def transient_start_failure(box: Box, samples: Path) -> list[dict]:
    """scene_summarizer exits once at its first start (model volume not ready), restarts once, runs clean."""
    kit.scanner(box)
    script = (
        "if [ ! -e /tmp/.second-start ]; then touch /tmp/.second-start; "
        "echo 'scene_summarizer 2.1.0: model volume not mounted yet, exiting for a restart'; exit 1; fi; "
        "echo 'scene_summarizer 2.1.0: model volume mounted, ready'; "
        'i=0; while :; do i=$((i+1)); echo "summarizer idle: 0 analytic files waiting seq=$i"; sleep 6; done'
    )
    c = box.run(
        "scene_summarizer",
        ["sh", "-c", script],
        mem_limit="256m",
        cpus=1.0,
        restart="on-failure",
        retries=5,
        depends_on=("scene_scanner",),
    )
    box.idle("log_exporter", "exporter: nothing new to ship", every=7, mem_limit="128m", cpus=0.25, restart="always")
    wait_for(lambda: box.state(c)["RestartCount"] >= 1, 30, 0.5, "the one restart")
    vids = kit.good_videos(samples)
    for i in range(4):
        time.sleep(9)
        kit.drop(box, vids[i], f"cam1_{i + 801:04d}.mp4")
    time.sleep(20)
    st = box.state(c)
    if st["RestartCount"] != 1 or st["Status"] != "running":
        raise RuntimeError(f"expected exactly one restart: {st}")
    return []


def scanner_quota_bursts(box: Box, samples: Path) -> list[dict]:
    """The project's scanner (cpus 0.5) hits its CPU quota for a few seconds at each camera upload
    (two 640x360 clips every 15 s), then idles; input/ is empty again before every upload."""
    vids = dk.sized_samples(samples.parent / "samples_640", seconds=20, width=640, height=360)
    kit.quiet_stack(box)
    kit.scanner(box, cpus=0.5, mem_limit="512m")
    for i in range(6):
        if _inputs(box):
            raise RuntimeError("the scanner did not keep up")
        for j in range(2):
            v = vids[j]
            kit.drop(box, v, f"cam4_gate_{2 * i + j + 1:04d}{v.suffix}")
        time.sleep(15)
    wait_for(lambda: _inputs(box) == 0, 30, 1, "input/ empty")
    time.sleep(6)
    return []


def summarizer_quota_bursts(box: Box, samples: Path) -> list[dict]:
    """The project's summarizer (model 1.0.0 from the model lifecycle, cpus 0.5, mem_limit 768m) gets
    one long recording's analytic file (75000 scenes, ~25 MB) every 15 s: it runs at its CPU quota for
    a few seconds per file (~1.8 s of one core), then idles; no analytic file is waiting when the next
    one lands (checked), no error, no restart. Recorded: each file summarized in 3.4-4.2 s; per file
    2-3 stats samples above 0 with one at 48-51 % (quota 50 %), then ~10 s at 0 %; 0.12 cores on
    average over the 105 s; memory 26-266 MB of 768m."""
    dk.model_store(box)
    box.model = {"name": "BitNet-4bit-Summarizer", "version": "1.0.0"}
    box.write_config()
    box.idle("log_exporter", "exporter: nothing new to ship", every=8, mem_limit="128m", cpus=0.25, restart="always")
    kit.scanner(box)
    summ = dk.summarizer(box, interval=1, cpus=0.5, mem_limit="768m", retries=3)
    kit.drop(box, kit.good_videos(samples)[0], "cam8_0001.mp4")
    wait_for(lambda: dk.count(box, "*.summary.json") >= 1, 90, 0.5, "first summary")
    tpl = box.root / "processed" / "cam8_0001.analytic.json"
    pid = box.state(summ)["Pid"]
    t0, w0, took = dk.cpu_ticks(pid), time.monotonic(), []
    for i in range(7):
        if dk.pending_summaries(box):
            raise RuntimeError("the summarizer did not keep up")
        name = f"nvr4_hourly_{i + 1:04d}"
        dk.long_analytic(tpl, box.root / "processed" / f"{name}.analytic.json", f"{name}.mp4", 75000)
        t = time.monotonic()
        out = box.root / "processed" / f"{name}.summary.json"
        wait_for(out.exists, 12, 0.2, f"{name} summarized")
        took.append(time.monotonic() - t)
        time.sleep(max(0.0, w0 + 15.0 * (i + 1) - time.monotonic()))
    busy = (dk.cpu_ticks(pid) - t0) / os.sysconf("SC_CLK_TCK") / (time.monotonic() - w0)
    log(f"summarizer: {busy:.2f} cores on average (quota 0.5); each file took {', '.join(f'{x:.1f}' for x in took)} s")
    if box.state(summ)["RestartCount"] or busy > 0.25:
        raise RuntimeError("the summarizer restarted or was not idle most of the time")
    time.sleep(6)
    return []
