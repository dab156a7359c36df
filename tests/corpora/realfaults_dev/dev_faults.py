"""Fault variants for the development corpus: each injects ONE real fault into a box (from
../realfaults/rig.py) and returns the ground truth (expected.json's incidents) that follows from that
fault and the spec's "Which component, which file" rules, never from what the diagnosis engine says."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import dev_kit as dk
from dev_kit import inc, kit, rig
from rig import Box, log, wait_for

NO_FIX = ["quarantine", "rollback_model"]


def _processed(box: Box, n: int, suffix: str = ".analytic.json", timeout: float = 60) -> None:
    wait_for(lambda: dk.count(box, "*" + suffix) >= n, timeout, 0.5, f"{n} x {suffix}")


def _scanner_build(box: Box, samples: Path, worker: str, first: dict[str, int], **run) -> tuple:
    """The quiet stack and a scanner build from workers/ (on-failure, ``run``: its limits, retries
    and env) that scans the ``first`` videos (name -> index of the good sample) before the fault:
    returns its container and the good samples."""
    kit.quiet_stack(box)
    c = dk.worker(box, "scene_scanner", worker, restart="on-failure", **run)
    vids = kit.good_videos(samples)
    for name, i in first.items():
        kit.drop(box, vids[i], name)
    _processed(box, len(first))
    return c, vids


# -- pipeline_stall ------------------------------------------------------------------------------
def stall_frozen_summarizer(box: Box, samples: Path) -> list[dict]:
    """The project's summarizer writes 2 summaries, is then SIGSTOPped; .analytic.json files pile up in processed/."""
    dk.model_store(box)
    box.model = {"name": "BitNet-4bit-Summarizer", "version": "1.0.0"}
    box.write_config()
    box.idle("log_exporter", "exporter: nothing new to ship", every=8, mem_limit="128m", cpus=0.25, restart="always")
    kit.scanner(box)
    summ = dk.summarizer(box)
    vids = kit.good_videos(samples)
    kit.drop(box, vids[0], "cam4_0001.mp4")
    kit.drop(box, vids[1], "cam4_0002.mkv")
    _processed(box, 2, ".summary.json")
    time.sleep(3)
    pid = box.state(summ)["Pid"]
    log(f"freezing the summarizer (host pid {pid})")
    os.kill(pid, signal.SIGSTOP)
    for i in range(3, 12):
        kit.drop(box, vids[i % len(vids)], f"cam4_{i:04d}.mp4")
        time.sleep(7)
    time.sleep(3)
    if dk.count(box, "*.summary.json") != 2:
        raise RuntimeError("the frozen summarizer still wrote summaries")
    return [inc("pipeline_stall", "scene_summarizer", ["alert", "restart:scene_summarizer"], NO_FIX)]


def stall_scanner_fifo(box: Box, samples: Path) -> list[dict]:
    """A scanner build blocks forever re-opening its camera-map FIFO (no writer left) while videos pile up in input/."""
    kit.quiet_stack(box)
    script = (
        "mkfifo /tmp/camera-map.fifo; "
        '(echo \'{"cam3": "gate-north", "cam5": "loading-dock"}\' > /tmp/camera-map.fifo &); '
        f"exec {rig.VENV_PY} {dk.DEV_APP}/fifo_scanner.py"
    )
    box.run(
        "scene_scanner",
        ["sh", "-c", script],
        image=rig.HOSTPY_IMAGE,
        hostpy=True,
        mem_limit="512m",
        cpus=1.0,
        restart="on-failure",
        retries=5,
        env={"REFRESH_S": "20"},
        extra_volumes=dk.devapp(),
    )
    vids = kit.good_videos(samples)
    kit.drop(box, vids[2], "cam3_0101.mp4")
    kit.drop(box, vids[3], "cam5_0101.mkv")
    _processed(box, 2)
    for i in range(2, 14):
        cam = "cam3" if i % 2 else "cam5"
        kit.drop(box, vids[i % len(vids)], f"{cam}_{100 + i:04d}.mp4")
        time.sleep(6)
    time.sleep(3)
    left = len([p for p in (box.root / "input").iterdir() if not p.name.startswith(".")])
    if left < 8:
        raise RuntimeError(f"only {left} videos waiting in input/: the scanner did not hang")
    return [inc("pipeline_stall", "scene_scanner", ["alert", "restart:scene_scanner"], NO_FIX)]


# -- resource_saturation -------------------------------------------------------------------------
def saturation_scanner_reindex(box: Box, samples: Path) -> list[dict]:
    """A scanner build at cpus 0.3 re-indexes the archive with PyAV for the whole window, pinned at its quota."""
    kit.quiet_stack(box)
    vids = kit.good_videos(samples)
    for i, v in enumerate(vids):
        kit.drop(box, v, f"cam2_{i + 1:04d}{v.suffix}", "processed")
    dk.worker(box, "scene_scanner", "reindex_scanner.py", mem_limit="512m", cpus=0.3, restart="on-failure", retries=3)
    for i in range(6):
        time.sleep(12)
        kit.drop(box, vids[i % len(vids)], f"cam2_{i + 11:04d}.mp4")
    time.sleep(12)
    return [
        inc("resource_saturation", "scene_scanner", ["alert", "suggest_limits:scene_scanner"], [*NO_FIX, "cleanup"])
    ]


def saturation_exporter_memory(box: Box, samples: Path) -> list[dict]:
    """A log_exporter build holds an ~84 MB batch buffer under its 100m limit all window, never OOM-killed."""
    kit.quiet_stack(box, skip=("log_exporter",))
    kit.scanner(box)
    c = dk.worker(
        box,
        "log_exporter",
        "buffer_exporter.py",
        mem_limit="100m",
        cpus=0.5,
        restart="always",
        env={"BUFFER_MB": "84"},
    )
    vids = kit.good_videos(samples)
    for i in range(5):
        time.sleep(14)
        kit.drop(box, vids[i], f"cam9_{i + 1:04d}.mp4")
    time.sleep(10)
    st = box.state(c)
    if st["OOMKilled"] or st["RestartCount"] or st["Status"] != "running":
        raise RuntimeError(f"the exporter did not stay up under its limit: {st}")
    return [inc("resource_saturation", "log_exporter", ["alert", "suggest_limits:log_exporter"], [*NO_FIX, "cleanup"])]


# -- export_failure ------------------------------------------------------------------------------
def export_refused_port(box: Box, samples: Path) -> list[dict]:
    """The project's exporter (every 4 s) targets an S3 port where nothing listens: refused on every run."""
    port = kit.free_port()
    kit.idle_summarizer(box)
    kit.scanner(box)
    kit.exporter_loop(box, port, every=4, attempts=2)
    vids = kit.good_videos(samples)
    for i in range(10):
        kit.drop(box, vids[i % len(vids)], f"cam8_{i + 201:04d}.mp4")
        time.sleep(6)
    time.sleep(8)
    if kit.port_open(port):
        raise RuntimeError("something listens on the exporter's port")
    return [inc("export_failure", "log_exporter", ["alert", "restart:log_exporter"], NO_FIX)]


def export_moto_killed_slow_loop(box: Box, samples: Path) -> list[dict]:
    """The project's exporter (every 10 s) ships to moto, then moto is stopped while outputs keep arriving."""
    port = kit.free_port()
    moto = kit.start_moto(box, port)
    kit.make_bucket(port, "vv-archive")
    kit.idle_summarizer(box)
    kit.scanner(box)
    vids = kit.good_videos(samples)
    kit.drop(box, vids[0], "cam6_0301.mp4")
    kit.drop(box, vids[1], "cam6_0302.mp4")
    _processed(box, 2)
    kit.exporter_loop(box, port, every=10, attempts=2)
    wait_for(lambda: dk.applog_has(box, "log_exporter", "shipped cam6_0302"), 40, 1, "first sweep shipped")
    kit.drop(box, vids[2], "cam6_0303.mp4")
    time.sleep(12)
    kit.drop(box, vids[3], "cam6_0304.mp4")
    wait_for(lambda: dk.applog_has(box, "log_exporter", "shipped cam6_0304"), 30, 1, "later sweep shipped")
    time.sleep(2)
    log("stopping moto (the S3 endpoint goes away)")
    box.stop_proc(moto, signal.SIGTERM)
    for i in range(5, 10):
        kit.drop(box, vids[i % len(vids)], f"cam6_{300 + i:04d}.mp4")
        time.sleep(8)
    time.sleep(14)
    return [inc("export_failure", "log_exporter", ["alert", "restart:log_exporter"], NO_FIX)]


# -- oom_kill ------------------------------------------------------------------------------------
def _huge_analytic(path: Path, video: str, scenes: int) -> None:
    """An analytic file for a long recording: a real vv-analytic layout with a very long scene list."""
    tmp = path.with_name("." + path.name + ".tmp")
    with open(tmp, "w") as f:
        f.write(
            json.dumps(
                {
                    "format": "vv-analytic/1",
                    "generator": "vvai scene_scanner 0.1.0",
                    "video": {"file": video, "duration_s": scenes * 2.0},
                }
            )[:-1]
        )
        f.write(', "scenes": [')
        for i in range(scenes):
            f.write(
                ("," if i else "")
                + json.dumps({"index": i, "start_s": i * 2.0, "end_s": i * 2.0 + 2.0, "brightness": 0.4, "motion": 0.1})
            )
        f.write("]}")
    tmp.rename(path)


def _summ_worker_stack(box: Box, mem_limit: str, retries: int) -> object:
    """An idle exporter, the project's scanner and the summarizer build (workers/summ_worker.py,
    on-failure x ``retries``); returns the summarizer's container."""
    box.idle("log_exporter", "exporter: nothing new to ship", every=8, mem_limit="128m", cpus=0.25, restart="always")
    kit.scanner(box)
    return dk.worker(
        box,
        "scene_summarizer",
        "summ_worker.py",
        mem_limit=mem_limit,
        cpus=1.0,
        restart="on-failure",
        retries=retries,
        depends_on=("scene_scanner",),
    )


def _oom_restarts(box: Box, c: object, timeout: float) -> None:
    """Wait until ``c`` has been OOM-killed at 3 starts and stays exited (on-failure x3); refuse
    anything that is not a kernel OOM kill (exit 137 with ``State.OOMKilled``)."""
    wait_for(lambda: (s := box.state(c))["Status"] == "exited" and s["RestartCount"] >= 3, timeout, 1,
             "3 OOM restarts")
    st = box.state(c)
    if not (st["OOMKilled"] and st["ExitCode"] == 137):
        raise RuntimeError(f"not an OOM kill: {st}")


def oom_summarizer_huge_analytic(box: Box, samples: Path) -> list[dict]:
    """A summarizer build (64m) loads a 40 MB cam4_0093.analytic.json whole and is OOM-killed at every start."""
    c = _summ_worker_stack(box, mem_limit="64m", retries=3)
    vids = kit.good_videos(samples)
    kit.drop(box, vids[0], "cam4_0091.mp4")
    kit.drop(box, vids[1], "cam4_0092.mp4")
    _processed(box, 2, ".summary.json")
    time.sleep(6)
    name = "cam4_0093.analytic.json"
    kit.drop(box, vids[2], "cam4_0093.mp4", "processed")
    _huge_analytic(box.root / "processed" / name, "cam4_0093.mp4", 420_000)
    log(f"{name}: {(box.root / 'processed' / name).stat().st_size} bytes")
    _oom_restarts(box, c, 90)
    time.sleep(4)
    return [
        inc(
            "oom_kill",
            "scene_summarizer",
            ["alert", f"quarantine:{name}", "suggest_limits:scene_summarizer"],
            ["rollback_model"],
            file=name,
        )
    ]


# -- poison_input / crash_loop -------------------------------------------------------------------
def poison_truncated_analytic(box: Box, samples: Path) -> list[dict]:
    """A summarizer build hits JSONDecodeError on a half-written cam7_0042.analytic.json at every start."""
    c = _summ_worker_stack(box, mem_limit="256m", retries=4)
    vids = kit.good_videos(samples)
    kit.drop(box, vids[3], "cam7_0041.mp4")
    _processed(box, 1, ".summary.json")
    good = (box.root / "processed" / "cam7_0041.analytic.json").read_bytes()
    name = "cam7_0042.analytic.json"
    kit.drop(box, vids[4], "cam7_0042.mp4", "processed")
    tmp = box.root / "processed" / ("." + name + ".tmp")
    tmp.write_bytes(good[: int(len(good) * 0.6)])
    tmp.rename(box.root / "processed" / name)
    time.sleep(3)
    kit.drop(box, vids[5], "cam7_0043.mp4")
    wait_for(lambda: (s := box.state(c))["Status"] == "exited" and s["RestartCount"] >= 4, 90, 1, "4 crashes")
    time.sleep(3)
    return [inc("poison_input", "scene_summarizer", ["alert", f"quarantine:{name}"], ["rollback_model"], file=name)]


def crash_loop_readonly_spool(box: Box, samples: Path) -> list[dict]:
    """log_exporter's spool is mounted read-only: OSError (EROFS) at every start, restart always."""
    kit.quiet_stack(box, skip=("log_exporter",))
    kit.scanner(box)
    spool = box.dir / "spool"
    spool.mkdir(exist_ok=True)
    c = dk.worker(
        box,
        "log_exporter",
        "spool_exporter.py",
        mem_limit="128m",
        cpus=0.25,
        restart="always",
        extra_volumes={str(spool): {"bind": "/var/spool/vv-export", "mode": "ro"}},
    )
    vids = kit.good_videos(samples)
    kit.drop(box, vids[0], "cam1_0501.mp4")
    wait_for(lambda: box.state(c)["RestartCount"] >= 5, 120, 1, "5 exporter restarts")
    time.sleep(3)
    return [inc("crash_loop", "log_exporter", ["alert"], [*NO_FIX, "cleanup"])]


# -- more variants (second batch) ----------------------------------------------------------------
def stall_scanner_spin_dedupe(box: Box, samples: Path) -> list[dict]:
    """A scanner build (cpus 2.0) spins one core forever in its archive-dedupe hash loop (a loop bound
    that is never met), printing nothing, while videos pile up in input/."""
    c, vids = _scanner_build(box, samples, "spin_scanner.py",
                             {"yard1_20261204_0700.mp4": 0, "yard1_20261204_0705.mkv": 1},
                             mem_limit="512m", cpus=2.0, retries=5, env={"DEDUPE_S": "25"})
    time.sleep(28)  # the first dedupe sweep starts, and never ends
    pid = box.state(c)["Pid"]
    t0 = dk.cpu_ticks(pid)
    for i in range(10):
        kit.drop(box, vids[i % len(vids)], f"yard1_20261204_{710 + 5 * i:04d}.mp4")
        time.sleep(6)
    busy = (dk.cpu_ticks(pid) - t0) / os.sysconf("SC_CLK_TCK") / 60.0
    log(f"scanner cpu while stalled: {busy:.2f} cores")
    if dk.inputs(box) < 8 or busy < 0.6:
        raise RuntimeError(f"not a spinning stall: {dk.inputs(box)} waiting, {busy:.2f} cores")
    return [inc("pipeline_stall", "scene_scanner", ["alert", "restart:scene_scanner"], NO_FIX)]


def stall_scanner_lock_heartbeat(box: Box, samples: Path) -> list[dict]:
    """A scanner build blocks in flock() on the archive index (held by a hung archive job) while its
    watchdog thread keeps printing 'heartbeat: scene_scanner alive'; videos pile up in input/."""
    _c, vids = _scanner_build(box, samples, "lock_scanner.py", {"cam2_0201.mp4": 2, "cam2_0202.mkv": 3},
                              mem_limit="512m", cpus=1.0, retries=5, env={"HEARTBEAT_S": "5"})
    time.sleep(4)
    index = box.root / "processed" / ".archive-index"
    log("archive job takes the index lock and hangs")
    box.spawn(
        [
            str(rig.VENV_PY),
            "-c",
            "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); "
            "print('archive job: index locked', flush=True); time.sleep(86400)",
            str(index),
        ],
        log="archive-job.log",
    )
    wait_for(lambda: "locked" in (box.dir / "archive-job.log").read_text(), 15, 0.2, "lock taken")
    for i in range(3, 15):
        kit.drop(box, vids[i % len(vids)], f"cam2_{200 + i:04d}.mp4")
        time.sleep(6)
    time.sleep(3)
    if dk.inputs(box) < 10 or dk.count(box, "*.analytic.json") != 2:
        raise RuntimeError("the scanner did not block on the lock")
    if not dk.logs_have(box, "scene_scanner", "heartbeat: scene_scanner alive"):
        raise RuntimeError("no heartbeat")
    # a restart does not release the archive job's lock: the scanner blocks again on its next video
    return [inc("pipeline_stall", "scene_scanner", ["alert"], NO_FIX)]


def stall_scanner_cgroup_frozen(box: Box, samples: Path) -> list[dict]:
    """The project's scanner works for ~50 s (6 videos), then its whole container is frozen by the
    kernel's cgroup freezer (the engine still says running); a video every 10 s piles up in input/."""
    kit.quiet_stack(box)
    c = kit.scanner(box)
    vids = kit.good_videos(samples)
    for i in range(6):
        kit.drop(box, vids[i % len(vids)], f"cam9_lot_{i + 1:03d}.mp4")
        time.sleep(9)
    _processed(box, 6)
    log("freezing the scanner's cgroup")
    dk.freeze_cgroup(box, c)
    for i in range(6, 14):
        kit.drop(box, vids[i % len(vids)], f"cam9_lot_{i + 1:03d}.mp4")
        time.sleep(10)
    if dk.count(box, "*.analytic.json") != 6 or box.state(c)["Status"] != "running":
        raise RuntimeError("the frozen scanner still scanned, or is not 'running'")
    return [inc("pipeline_stall", "scene_scanner", ["alert", "restart:scene_scanner"], NO_FIX)]


def saturation_exporter_cpu_quota(box: Box, samples: Path) -> list[dict]:
    """A log_exporter build (cpus 0.25) re-packs the whole archive with xz -9e back to back all window:
    pinned at its CPU quota, slow, still shipping batches."""
    kit.idle_summarizer(box, cpus=1.0)
    kit.scanner(box)
    c = dk.worker(box, "log_exporter", "xz_exporter.py", mem_limit="384m", cpus=0.25, restart="always")
    vids = kit.good_videos(samples)
    for i, v in enumerate(vids):
        kit.drop(box, v, f"cam3_{i + 401:04d}{v.suffix}")
    pid = box.state(c)["Pid"]
    t0 = dk.cpu_ticks(pid)
    for i in range(6):
        time.sleep(14)
        kit.drop(box, vids[i % len(vids)], f"cam3_{i + 411:04d}.mp4")
    time.sleep(6)
    busy = (dk.cpu_ticks(pid) - t0) / os.sysconf("SC_CLK_TCK") / 90.0
    log(f"exporter cpu: {busy:.2f} cores (quota 0.25)")
    if busy < 0.22 or not dk.logs_have(box, "log_exporter", "shipped"):
        raise RuntimeError(f"the exporter was not at its quota ({busy:.2f}) or shipped nothing")
    return [inc("resource_saturation", "log_exporter", ["alert", "suggest_limits:log_exporter"], [*NO_FIX, "cleanup"])]


def saturation_scanner_cpu_quota_backlog(box: Box, samples: Path) -> list[dict]:
    """The project's scanner at cpus 0.2 gets 640x360 recordings every 3 s: each takes ~5 s at its
    quota, so it runs pinned at the limit and a backlog builds in input/ (it keeps scanning)."""
    vids = dk.sized_samples(samples.parent / "samples_640", seconds=20, width=640, height=360)
    kit.quiet_stack(box)
    c = kit.scanner(box, cpus=0.2, mem_limit="512m")
    pid = box.state(c)["Pid"]
    t0 = dk.cpu_ticks(pid)
    for i in range(30):
        kit.drop(box, vids[i % len(vids)], f"cam5_entry_{i + 1:04d}{vids[i % len(vids)].suffix}")
        time.sleep(3)
    time.sleep(4)
    busy = (dk.cpu_ticks(pid) - t0) / os.sysconf("SC_CLK_TCK") / 94.0
    done = dk.count(box, "*.analytic.json")
    log(f"scanner cpu {busy:.2f} cores (quota 0.2), {done} scanned, {dk.inputs(box)} waiting")
    if busy < 0.17 or dk.inputs(box) < 6 or done < 5:
        raise RuntimeError("not a quota-bound scanner with a backlog")
    return [
        inc("resource_saturation", "scene_scanner", ["alert", "suggest_limits:scene_scanner"], [*NO_FIX, "cleanup"])
    ]


def oom_scanner_8k_frames(box: Box, samples: Path) -> list[dict]:
    """A scanner build (real PyAV, mem_limit 256m, on-failure x3) keeps RGB frames per video: a
    7680x4320 recording, dock2_20261204_1815.mp4, gets it OOM-killed by the kernel at every start."""
    c, vids = _scanner_build(box, samples, "frame_scanner.py",
                             {"dock2_20261204_1805.mp4": 0, "dock2_20261204_1810.mkv": 1},
                             mem_limit="256m", cpus=1.0, retries=3, env={"KEEP_FRAMES": "6"})
    time.sleep(5)
    name = "dock2_20261204_1815.mp4"
    dk.make_video(box.dir / name, 7680, 4320, frames=8)
    kit.drop(box, box.dir / name, name)
    time.sleep(2)
    kit.drop(box, vids[2], "dock2_20261204_1820.mp4")
    _oom_restarts(box, c, 120)
    time.sleep(4)
    return [
        inc(
            "oom_kill",
            "scene_scanner",
            ["alert", f"quarantine:{name}", "suggest_limits:scene_scanner"],
            ["rollback_model"],
            file=name,
        )
    ]


def _summ_template(box: Box, samples: Path, cpus: float, mem_limit: str = "512m", worker: str = "") -> tuple:
    """Model store, an idle exporter, the project's scanner and a summarizer (the project's, or a
    build from workers/); one real video scanned and summarized; returns (container, a real analytic file)."""
    dk.model_store(box)
    box.model = {"name": "BitNet-4bit-Summarizer", "version": "1.0.0"}
    box.write_config()
    box.idle("log_exporter", "exporter: nothing new to ship", every=8, mem_limit="128m", cpus=0.25, restart="always")
    kit.scanner(box)
    if worker:
        summ = dk.worker(
            box,
            "scene_summarizer",
            worker,
            mem_limit=mem_limit,
            cpus=cpus,
            restart="on-failure",
            retries=3,
            depends_on=("scene_scanner",),
        )
    else:
        summ = dk.summarizer(box, interval=1, cpus=cpus, mem_limit=mem_limit, retries=3)
    vids = kit.good_videos(samples)
    kit.drop(box, vids[0], "cam6_0001.mp4")
    _processed(box, 1, ".summary.json", timeout=90)
    return summ, box.root / "processed" / "cam6_0001.analytic.json"


def saturation_summarizer_cpu_quota_archive(box: Box, samples: Path) -> list[dict]:
    """The project's summarizer (model 1.0.0 from the model lifecycle, cpus 0.3) gets a steady import
    of long recordings' analytic files (30000 scenes, ~10 MB each) into processed/ every 2 s plus a
    camera video every 12 s: each takes it ~0.7 s of one core (~2.5 s at its quota), so it runs at
    its CPU limit for the whole window, keeps writing summaries, and a backlog of analytic files builds.
    Recorded: stats at ~29-30 % (quota 30 %) from ~10 s in to the end (~95 s; a few samples ~16 %),
    0.27 cores from its CPU time over 100 s, 42 summaries, 14 waiting, memory <= 236 MB of 512m."""
    summ, tpl = _summ_template(box, samples, cpus=0.3)
    vids = kit.good_videos(samples)
    proc = box.root / "processed"
    pid = box.state(summ)["Pid"]
    t0, w0, s0 = dk.cpu_ticks(pid), time.monotonic(), dk.count(box, "*.summary.json")
    for i in range(48):
        dk.long_analytic(tpl, proc / f"nvr2_archive_{i + 1:04d}.analytic.json", f"nvr2_archive_{i + 1:04d}.mp4", 30000)
        if i % 6 == 5:
            kit.drop(box, vids[(i // 6) % len(vids)], f"cam6_{i // 6 + 2:04d}.mp4")
        time.sleep(max(0.0, w0 + 2.0 * (i + 1) - time.monotonic()))
    time.sleep(4)
    return _quota_bound(box, summ, (pid, t0, w0, s0), 0.3, (0.26, 10, 5), "with a backlog")


def saturation_summarizer_rescore_batches(box: Box, samples: Path) -> list[dict]:
    """A summarizer build (workers/rescore_summarizer.py, cpus 0.25, mem_limit 768m) re-scores every
    scene of each analytic file against 160 neighbours in pure Python and lzma-packs a report; a
    site sync drops batches of 5 long recordings' analytic files (16000 scenes) into processed/ every
    30 s: ~1.7 s of one core per file (~7 s at its quota), more work than 30 s of quota holds, so it
    sits at its CPU limit for the whole window (memory far under its limit) and keeps summarizing.
    Recorded: stats at 24-26 % (quota 25 %) for the whole ~122 s (a few samples 12-16 % between files),
    0.24 cores from its CPU time over 120 s, 17 summaries, 3 waiting, memory 70-120 MB of 768m."""
    summ, tpl = _summ_template(box, samples, cpus=0.25, mem_limit="768m", worker="rescore_summarizer.py")
    proc = box.root / "processed"
    pid = box.state(summ)["Pid"]
    t0, w0, s0 = dk.cpu_ticks(pid), time.monotonic(), dk.count(box, "*.summary.json")
    n = 0
    for b in range(4):
        for _ in range(5):
            n += 1
            video = f"site3_cam{n % 4 + 1}_{n:04d}.mp4"
            dk.long_analytic(tpl, proc / f"site3_sync_{n:04d}.analytic.json", video, 16000)
        time.sleep(max(0.0, w0 + 30.0 * (b + 1) - time.monotonic()))
    return _quota_bound(box, summ, (pid, t0, w0, s0), 0.25, (0.22, 6, 2), "")


def _quota_bound(box: Box, summ, start: tuple, quota: float, minimum: tuple, what: str) -> list[dict]:
    """Check that the summarizer really sat at its CPU quota and kept working (``minimum``: cores,
    summaries written, files still waiting), then return the expected saturation incident."""
    pid, t0, w0, s0 = start
    wall = time.monotonic() - w0
    busy = (dk.cpu_ticks(pid) - t0) / os.sysconf("SC_CLK_TCK") / wall
    done = dk.count(box, "*.summary.json") - s0
    waiting = dk.pending_summaries(box)
    log(f"summarizer cpu {busy:.2f} cores over {wall:.0f} s (quota {quota:g}), {done} summaries, {waiting} waiting")
    if busy < minimum[0] or done < minimum[1] or waiting < minimum[2] or box.state(summ)["RestartCount"]:
        raise RuntimeError(f"not a quota-bound summarizer that keeps working {what}".strip())
    return [
        inc(
            "resource_saturation",
            "scene_summarizer",
            ["alert", "suggest_limits:scene_summarizer"],
            [*NO_FIX, "cleanup"],
        )
    ]
