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
    wait_for(lambda: (s := box.state(c))["Status"] == "exited" and s["RestartCount"] >= 3, 90, 1, "3 OOM restarts")
    st = box.state(c)
    if not (st["OOMKilled"] and st["ExitCode"] == 137):
        raise RuntimeError(f"not an OOM kill: {st}")
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
