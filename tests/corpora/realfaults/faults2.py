"""Fault scenarios, second half: external storage, a dependency, a stall, integrity, the model,
a deployment and the host's resources. Same rule as faults.py: the truth is what was injected."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import kit
from faults import _inc, _logs_have
from rig import Box, log, wait_for

EXPORTER_V1 = """import json, os, time
cfg = json.load(open(os.environ["VVAI_PIPELINE_ROOT"] + "/exporter.json"))
print("log_exporter {v} starting, target", cfg["bucket"], flush=True)
n = 0
while True:
    n += 1
    {body}
    time.sleep(4)
"""


def exporter_upgrade(box: Box, body_old: str, body_new: str) -> object:
    """log_exporter from image 1.4.0 (``body_old``) beside a quiet stack, then recreated from 1.5.0
    (``body_new``), both built here; returns the new container."""
    (box.root / "exporter.json").write_text('{"bucket": "vv-archive"}\n')
    repo = f"localhost/{box.project}/log-exporter"

    def image(version: str, body: str) -> str:
        code = EXPORTER_V1.replace("{v}", version).replace("{body}", body)
        return kit.build_tag(box, f"{repo}:{version}", {"exporter.py": code})

    def run(img: str) -> object:
        return box.run(
            "log_exporter",
            [str(kit.rig.VENV_PY), "/opt/svc/exporter.py"],
            image=img,
            hostpy=True,
            mem_limit="128m",
            restart="always",
        )

    v1 = image("1.4.0", body_old)
    kit.quiet_stack(box, skip=("log_exporter",))
    kit.scanner(box)
    old = run(v1)
    time.sleep(12)
    v2 = image("1.5.0", body_new)
    log("recreating log_exporter from 1.5.0")
    old.stop(timeout=3)
    old.remove(force=True)
    box.containers.remove(old)
    return run(v2)


def export_s3_down(box: Box, samples: Path) -> list[dict]:
    """The project's exporter ships to moto's real S3 server; the server is killed (SIGKILL by pid)
    mid-run; new outputs keep arriving while every export attempt fails."""
    port = kit.free_port()
    moto = kit.start_moto(box, port)
    kit.make_bucket(port, "vv-archive")
    kit.idle_summarizer(box)
    kit.scanner(box)
    vids = kit.good_videos(samples)
    for i in range(3):
        kit.drop(box, vids[i], f"cam5_{i:04d}.mp4")
    wait_for(lambda: len(list((box.root / "processed").glob("*.analytic.json"))) >= 3, 60, 1, "3 scans")
    kit.exporter_loop(box, port, every=5)
    wait_for(
        lambda: _logs_have(box, "log_exporter", "shipped") or _applog_has(box, "log_exporter"), 40, 1, "first ship"
    )
    time.sleep(4)
    log("killing moto (the S3 endpoint goes away)")
    box.stop_proc(moto, signal.SIGKILL)
    for i in range(3, 6):
        kit.drop(box, vids[i], f"cam5_{i:04d}.mp4")
        time.sleep(6)
    time.sleep(20)
    return [_inc("export_failure", "log_exporter", ["alert", "restart:log_exporter"], ["quarantine", "rollback_model"])]


def _applog_has(box: Box, component: str, text: str = "") -> bool:
    p = box.root / "logs" / "app.log"
    return p.exists() and any(f'"component": "{component}"' in ln and text in ln for ln in p.read_text().splitlines())


def redis_down(box: Box, samples: Path) -> list[dict]:
    """A real redis-server (Debian's) serves the summarizer's job queue; it is stopped; the summarizer
    (restart: always) crash-loops on ConnectionRefusedError while redis stays down."""
    port = kit.free_port()
    redis = box.run(
        "redis",
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        image=kit.rig.HOSTPY_IMAGE,
        hostpy=True,
        mem_limit="256m",
        restart="no",
    )
    wait_for(lambda: kit.port_open(port), 30, 0.3, "redis")
    kit.quiet_stack(box, skip=("scene_summarizer",))
    c = box.py(
        "scene_summarizer",
        ["/app/redis_worker.py"],
        mem_limit="256m",
        restart="always",
        depends_on=("redis",),
        env={"REDIS_PORT": str(port)},
    )
    time.sleep(8)
    log("stopping redis")
    redis.stop(timeout=3)
    wait_for(lambda: box.state(c)["RestartCount"] >= 4, 90, 1, "4 summarizer restarts")
    time.sleep(3)
    return [
        _inc(
            "dependency_failure",
            "redis",
            ["alert", "restart:redis"],
            ["restart:scene_summarizer", "quarantine", "rollback_model"],
        )
    ]


def stall_frozen_scanner(box: Box, samples: Path) -> list[dict]:
    """The project's scanner (scan --watch) processes two videos, then its process is frozen with
    SIGSTOP (container still 'running', no error printed); a camera keeps delivering videos."""
    kit.quiet_stack(box)
    c = kit.scanner(box)
    vids = kit.good_videos(samples)
    kit.drop(box, vids[0], "cam1_0001.mp4")
    kit.drop(box, vids[1], "cam1_0002.mp4")
    wait_for(lambda: len(list((box.root / "processed").glob("*.analytic.json"))) >= 2, 60, 1, "2 scans")
    pid = box.state(c)["Pid"]
    log(f"freezing the scanner (host pid {pid})")
    os.kill(pid, signal.SIGSTOP)
    for i in range(3, 15):
        kit.drop(box, vids[i % len(vids)], f"cam1_{i:04d}.mp4")
        time.sleep(7)
    time.sleep(4)
    return [
        _inc("pipeline_stall", "scene_scanner", ["alert", "restart:scene_scanner"], ["quarantine", "rollback_model"])
    ]


def integrity_tampered(box: Box, samples: Path) -> list[dict]:
    """The scanner processes videos and records their sha256 in vv-signature.json; one processed video
    is then altered in place (same size); the ops cron runs `vvai pipeline verify`, which catches it."""
    kit.quiet_stack(box)
    kit.scanner(box)
    vids = kit.good_videos(samples)
    for i in range(4):
        kit.drop(box, vids[i], f"cam6_{i:04d}.mp4")
    wait_for(lambda: len(list((box.root / "processed").glob("*.analytic.json"))) >= 4, 60, 1, "4 scans")
    time.sleep(3)
    r = box.vvai("pipeline", "verify")
    log(f"verify before tampering: exit {r.returncode}")
    victim = box.root / "processed" / "cam6_0002.mp4"
    data = bytearray(victim.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 64] = bytes(64)
    os.chmod(victim, 0o644)
    victim.write_bytes(bytes(data))
    time.sleep(6)
    r = box.vvai("pipeline", "verify")
    log(f"verify after tampering: exit {r.returncode}: {r.stdout.strip()[-200:]} {r.stderr.strip()[-200:]}")
    time.sleep(6)
    return [
        _inc(
            "integrity_mismatch",
            "scene_scanner",
            ["alert", "quarantine:cam6_0002.mp4"],
            ["rollback_model", "restart:scene_scanner"],
            file="cam6_0002.mp4",
        )
    ]


def _model_store(box: Box, version: str = "1.0.0") -> Path:
    from vvai.models.lifecycle import ModelManager
    from vvai.pipeline.summarizer.sample_model import publish_summarizer_model

    models = box.root / "models"
    manifest = publish_summarizer_model(box.dir / "releases", version, style="detailed", weights_kib=512)
    ModelManager(models).sync(str(manifest))
    return models


def _summarizer(box: Box, **kw) -> object:
    return box.py(
        "scene_summarizer",
        [
            "-m",
            "vvai",
            "pipeline",
            "summarize",
            "--watch",
            "--interval",
            "1",
            "--models-dir",
            f"{kit.rig.BOX_ROOT}/models",
        ],
        mem_limit="512m",
        cpus=1.0,
        restart=kw.pop("restart", "on-failure"),
        retries=kw.pop("retries", 5),
        depends_on=("scene_scanner",),
        **kw,
    )


def model_replaced(box: Box, samples: Path) -> list[dict]:
    """The summarizer serves model 1.0.0 from the model store; its weights file is overwritten with
    other bytes (a bad copy), and the summarizer is restarted: it cannot load the model."""
    models = _model_store(box)
    box.model = {"name": "BitNet-4bit-Summarizer", "version": "1.0.0"}
    box.write_config()
    box.idle("log_exporter", "exporter: nothing new to ship", every=7, mem_limit="128m", restart="always")
    kit.scanner(box)
    summ = _summarizer(box)
    vids = kit.good_videos(samples)
    for i in range(2):
        kit.drop(box, vids[i], f"cam7_{i:04d}.mp4")
    wait_for(lambda: len(list((box.root / "processed").glob("*.summary.json"))) >= 2, 60, 1, "2 summaries")
    weights = sorted((models / "active").resolve().rglob("*.gguf"))
    log(f"overwriting {weights}")
    for w in weights:
        os.chmod(w, 0o644)
        with open(w, "r+b") as f:
            f.write(b"\x7fELF" + os.urandom(4096))
    summ.restart(timeout=3)
    for i in range(2, 5):
        kit.drop(box, vids[i], f"cam7_{i:04d}.mp4")
        time.sleep(5)
    time.sleep(10)
    return [
        _inc(
            "model_failure",
            "scene_summarizer",
            ["alert", "rollback_model", "suggest_rollback"],
            ["quarantine", "cleanup"],
        )
    ]


def deploy_regression(box: Box, samples: Path) -> list[dict]:
    """log_exporter is recreated from a new image tag (1.4.0 -> 1.5.0, both built here with podman
    build); 1.5.0 needs a config key the box's exporter.json lacks: KeyError at every start."""
    body_ok = 'print(f"shipped batch {n}: 0 files to", cfg["bucket"], flush=True)'
    body_bad = 'region = cfg["bucket_region"]\n    print(f"shipped batch {n} to", cfg["bucket"], region, flush=True)'
    c = exporter_upgrade(box, body_ok, body_bad)
    wait_for(lambda: box.state(c)["RestartCount"] >= 4, 90, 1, "4 restarts of 1.5.0")
    time.sleep(3)
    return [
        _inc(
            "deployment_regression",
            "log_exporter",
            ["alert", "suggest_rollback"],
            ["quarantine", "rollback_model", "cleanup"],
        )
    ]


def crash_config(box: Box, samples: Path) -> list[dict]:
    """scene_summarizer starts with SUMMARIZER_WORKERS=auto: int() raises ValueError at every start
    (on-failure, 6 retries). No image or config change happens in the window."""
    kit.quiet_stack(box, skip=("scene_summarizer",))
    kit.scanner(box)
    c = box.py(
        "scene_summarizer",
        ["/app/settings_worker.py"],
        mem_limit="256m",
        restart="on-failure",
        retries=6,
        env={"SUMMARIZER_WORKERS": "auto"},
        depends_on=("scene_scanner",),
    )
    wait_for(lambda: (s := box.state(c))["Status"] == "exited" and s["RestartCount"] >= 6, 90, 1, "6 crashes")
    time.sleep(3)
    return [_inc("crash_loop", "scene_summarizer", ["alert"], ["quarantine", "rollback_model", "cleanup"])]


def cpu_saturation(box: Box, samples: Path) -> list[dict]:
    """scene_summarizer (cpus 0.5) spins at its CPU quota for the whole window while it works through
    a batch, with the daemon sampling stats every 2 s."""
    kit.quiet_stack(box, skip=("scene_summarizer",))
    kit.scanner(box)
    script = (
        "echo 'scene_summarizer 2.1.0: batch of 40 scenes'; (while :; do :; done) & "
        'i=0; while :; do i=$((i+1)); echo "summarizing scene $i of 40"; sleep 8; done'
    )
    box.run(
        "scene_summarizer",
        ["sh", "-c", script],
        mem_limit="256m",
        cpus=0.5,
        restart="on-failure",
        retries=3,
        depends_on=("scene_scanner",),
    )
    time.sleep(80)
    return [
        _inc(
            "resource_saturation",
            "scene_summarizer",
            ["alert", "suggest_limits:scene_summarizer"],
            ["quarantine", "rollback_model", "cleanup"],
        )
    ]
