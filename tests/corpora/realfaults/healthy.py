"""Healthy scenarios with benign noise: the right answer is no incident above info."""

from __future__ import annotations

import time
from pathlib import Path

import kit
from faults2 import _model_store, _summarizer, exporter_upgrade
from rig import Box, log, wait_for


def corrupt_handled(box: Box, samples: Path) -> list[dict]:
    """The project's scanner meets the garbage and the truncated samples among good videos: it moves
    them to corrupted/ with a reason sidecar and keeps going (its designed behaviour)."""
    kit.quiet_stack(box)
    kit.scanner(box)
    vids = kit.good_videos(samples)
    kit.drop(box, vids[0], "cam1_0101.mp4")
    kit.drop(box, samples / "corrupt_garbage.mp4", "cam1_0102.mp4")
    kit.drop(box, vids[1], "cam1_0103.mp4")
    time.sleep(6)
    kit.drop(box, samples / "truncated.mkv", "cam1_0104.mkv")
    kit.drop(box, vids[2], "cam1_0105.mp4")
    wait_for(lambda: not list((box.root / "input").iterdir()), 60, 1, "input/ empty")
    time.sleep(15)
    return []


def operator_restart(box: Box, samples: Path) -> list[dict]:
    """Everything works; the operator restarts scene_summarizer once (`docker restart -t 2`)."""
    kit.scanner(box)
    s = kit.idle_summarizer(box)
    box.idle("log_exporter", "exporter: nothing new to ship", every=7, mem_limit="128m", restart="always")
    vids = kit.good_videos(samples)
    kit.drop(box, vids[0], "cam2_0201.mp4")
    time.sleep(15)
    log("operator restart of scene_summarizer")
    s.restart(timeout=2)
    kit.drop(box, vids[1], "cam2_0202.mp4")
    time.sleep(25)
    return []


def s3_retries_succeed(box: Box, samples: Path) -> list[dict]:
    """The exporter starts while moto's S3 server is still coming up: its first attempts are refused,
    its retries (backoff, 6 attempts) succeed once the server is up, and later runs are clean."""
    port = kit.free_port()
    kit.idle_summarizer(box, depends_on=())
    kit.scanner(box)
    vids = kit.good_videos(samples)
    for i in range(2):
        kit.drop(box, vids[i], f"cam5_{i + 10:04d}.mp4")
    wait_for(lambda: len(list((box.root / "processed").glob("*.analytic.json"))) >= 2, 60, 1, "2 scans")
    kit.exporter_loop(box, port, every=8, attempts=6)
    time.sleep(2.5)
    moto = kit.start_moto(box, port)
    kit.make_bucket(port, "vv-archive")
    log(f"moto up (pid {moto.pid})")
    kit.drop(box, vids[2], "cam5_0012.mp4")
    time.sleep(35)
    return []


def planned_upgrade(box: Box, samples: Path) -> list[dict]:
    """log_exporter recreated from a new tag (1.4.0 -> 1.5.0, both built here) whose config reading is
    compatible: it starts and ships without a single error after the upgrade."""
    body = 'print(f"shipped batch {n}: 0 files to", cfg["bucket"], flush=True)'
    body2 = 'print(f"shipped batch {n}: 0 files to", cfg["bucket"], cfg.get("region", "default region"), flush=True)'
    exporter_upgrade(box, body, body2)
    time.sleep(30)
    return []


def backlog_drains(box: Box, samples: Path) -> list[dict]:
    """A backfill: 12 videos land in input/ at once; the project's scanner works through all of them."""
    kit.quiet_stack(box)
    kit.scanner(box)
    vids = kit.good_videos(samples)
    for i in range(12):
        kit.drop(box, vids[i % len(vids)], f"cam8_backfill_{i:04d}.mp4")
    wait_for(lambda: not list((box.root / "input").iterdir()), 120, 1, "backlog drained")
    time.sleep(15)
    return []


def nightly_quiet(box: Box, samples: Path) -> list[dict]:
    """Night: the whole stack runs, nothing arrives, services print their routine lines."""
    kit.quiet_stack(box)
    kit.scanner(box)
    time.sleep(40)
    return []


def model_update(box: Box, samples: Path) -> list[dict]:
    """The summarizer serves 1.0.0; `vvai model sync` installs and activates a good 1.1.0; the summarizer
    hot-reloads it and keeps summarizing."""
    from vvai.models.lifecycle import ModelManager
    from vvai.pipeline.summarizer.sample_model import publish_summarizer_model

    models = _model_store(box)
    box.model = {"name": "BitNet-4bit-Summarizer", "version": "1.1.0", "previous_version": "1.0.0"}
    box.write_config()
    box.idle("log_exporter", "exporter: nothing new to ship", every=7, mem_limit="128m", restart="always")
    kit.scanner(box)
    _summarizer(box)
    vids = kit.good_videos(samples)
    kit.drop(box, vids[0], "cam9_0001.mp4")
    wait_for(lambda: len(list((box.root / "processed").glob("*.summary.json"))) >= 1, 60, 1, "1 summary")
    m2 = publish_summarizer_model(box.dir / "releases", "1.1.0", style="brief", weights_kib=512)
    ModelManager(models).sync(str(m2))
    time.sleep(4)
    kit.drop(box, vids[1], "cam9_0002.mp4")
    wait_for(lambda: len(list((box.root / "processed").glob("*.summary.json"))) >= 2, 60, 1, "2 summaries")
    time.sleep(10)
    return []
