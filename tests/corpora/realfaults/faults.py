"""The fault scenarios: each injects ONE real fault into a box and returns the ground truth
(expected.json's incidents) that follows from that fault and the spec's "Which component, which
file" rules, never from what the diagnosis engine says."""

from __future__ import annotations

import os
import time
from pathlib import Path

import kit
from rig import Box, wait_for

PIPE = ("scene_scanner", "scene_summarizer", "log_exporter")


def _inc(
    category: str,
    component: str,
    acceptable: list[str],
    extra_forbidden: tuple[str, ...] | list[str] = (),
    file: str | None = None,
) -> dict:
    """One expected incident; restarting any other service and cleaning input/ or processed/ are
    always forbidden (the spec's safety rules: restart only the culprit, never clean those)."""
    out: dict = {"category": category, "component": component}
    if file:
        out["file"] = file
    out["acceptable_actions"] = acceptable
    others = [f"restart:{c}" for c in PIPE + ("redis",) if c != component]
    out["forbidden_actions"] = sorted({*others, "cleanup:input", "cleanup:processed", *extra_forbidden})
    return out


def oom_kill(box: Box, samples: Path) -> list[dict]:
    """scene_scanner (busybox, 24m limit) reads a 48 MB '8K' input into memory: the kernel OOM-kills
    it (exit 137, State.OOMKilled) at every one of its on-failure restarts."""
    kit.quiet_stack(box)
    name = "cam3_8k_0412.mp4"
    (box.root / "input" / name).write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"8K-frame" * (6 << 20))
    script = (
        "echo 'scene_scanner 2.3.1 ready'; for f in input/*.mp4; do echo \"decode start: ${f#input/}\"; "
        'frames=$(cat "$f"); echo "decoded ${#frames} bytes"; done'
    )
    c = box.run("scene_scanner", ["sh", "-c", script], mem_limit="24m", cpus=1.0, restart="on-failure", retries=3)
    wait_for(lambda: (s := box.state(c))["Status"] == "exited" and s["RestartCount"] >= 3, 60, 1, "3 OOM restarts")
    st = box.state(c)
    assert st["OOMKilled"] and st["ExitCode"] == 137, st
    time.sleep(3)
    return [
        _inc(
            "oom_kill",
            "scene_scanner",
            ["alert", f"quarantine:{name}", "suggest_limits:scene_scanner"],
            ["rollback_model"],
            file=name,
        )
    ]


def disk_full_pipeline(box: Box, samples: Path) -> list[dict]:
    """The pipeline folder is a 4 MB tmpfs; videos and outputs fill it; scene_scanner's next write of
    its analytic output fails with a real ENOSPC and it exits, at every restart."""
    kit.tmpfs(box, box.root, "4m")
    for d in ("input", "processed", "corrupted", "logs"):
        (box.root / d).mkdir(exist_ok=True)
    vids = kit.good_videos(samples)
    for i in range(40):  # earlier days' results, waiting for the exporter
        try:
            kit.drop(box, vids[i % len(vids)], f"cam1_{i:04d}.mp4", "processed")
        except OSError:
            break
    kit.drop(box, vids[0], "cam1_0100.mp4") if _free(box) > 70_000 else None
    kit.quiet_stack(box)
    script = (
        "echo 'scene_scanner 2.3.1 ready'; for f in input/*.mp4 input/.none; do [ -e \"$f\" ] || continue; "
        'n=${f#input/}; echo "scan start: $n"; '
        "dd if=/dev/urandom of=processed/${n%.mp4}.frames.cache bs=64k count=64 || "
        '{ echo "scene_scanner: cannot write processed/${n%.mp4}.frames.cache, exiting"; exit 1; }; done; sleep 30'
    )
    c = box.run("scene_scanner", ["sh", "-c", script], mem_limit="256m", cpus=1.0, restart="on-failure", retries=3)
    wait_for(lambda: box.state(c)["RestartCount"] >= 3, 60, 1, "3 restarts on ENOSPC")
    time.sleep(4)
    return [
        _inc(
            "disk_full",
            "scene_scanner",
            ["alert", "cleanup:corrupted", "cleanup:logs"],
            ["quarantine", "rollback_model"],
        )
    ]


def _free(box: Box) -> int:
    st = os.statvfs(box.root)
    return st.f_bavail * st.f_frsize


def disk_full_redis(box: Box, samples: Path) -> list[dict]:
    """redis-server's data dir is a 1 MB tmpfs; the summarizer's job queue grows until redis's
    background save fails with ENOSPC and redis refuses writes (MISCONF). The pipeline disk has room."""
    port = kit.free_port()
    data = kit.tmpfs(box, box.dir / "redis-data", "1m")
    box.run(
        "redis",
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            "/data",
            "--save",
            "1 1",
            "--appendonly",
            "no",
            "--stop-writes-on-bgsave-error",
            "yes",
        ],
        image=kit.rig.HOSTPY_IMAGE,
        hostpy=True,
        mem_limit="256m",
        restart="always",
        extra_volumes={str(data): {"bind": "/data", "mode": "rw"}},
    )
    kit.wait_for(lambda: kit.port_open(port), 30, 0.3, "redis")
    kit.quiet_stack(box, skip=("scene_summarizer",))
    script = (
        f"i=0; while :; do i=$((i+1)); pad=$(head -c 3000 /dev/urandom | base64 -w0); "
        f'out=$(redis-cli -p {port} RPUSH vv:jobs "cam2_$i.analytic.json $pad" 2>&1); '
        'case "$out" in *MISCONF*|*ERR*) echo "queue job cam2_$i failed: $out"; sleep 2;; esac; done'
    )
    box.run(
        "scene_summarizer",
        ["sh", "-c", script],
        image=kit.rig.HOSTPY_IMAGE,
        hostpy=True,
        mem_limit="256m",
        restart="on-failure",
        retries=5,
        depends_on=("redis",),
    )
    wait_for(lambda: _logs_have(box, "scene_summarizer", "MISCONF"), 70, 1, "MISCONF in the summarizer's log")
    time.sleep(8)
    return [_inc("disk_full", "redis", ["alert", "restart:redis"], ["quarantine", "rollback_model"])]


def _logs_have(box: Box, service: str, text: str) -> bool:
    for c in box.containers:
        if c.labels.get("com.docker.compose.service") == service:
            try:
                return text in c.logs(tail=200).decode(errors="replace")
            except Exception:  # noqa: BLE001 - container being recreated
                return False
    return False


def _poison(box: Box, samples: Path, src_name: str, name: str) -> list[dict]:
    kit.quiet_stack(box)
    vids = kit.good_videos(samples)
    kit.drop(box, vids[0], "cam2_0006.mp4")
    kit.drop(box, samples / src_name, name)
    kit.drop(box, vids[1], "cam2_0008.mp4")
    c = box.py("scene_scanner", ["/app/naive_scanner.py"], mem_limit="512m", cpus=1.0, restart="on-failure", retries=4)
    wait_for(lambda: (s := box.state(c))["Status"] == "exited" and s["RestartCount"] >= 4, 90, 1, "4 crashes")
    time.sleep(2)
    return [_inc("poison_input", "scene_scanner", ["alert", f"quarantine:{name}"], ["rollback_model"], file=name)]


def poison_corrupt(box: Box, samples: Path) -> list[dict]:
    """A scanner build without the corrupt-file guard (real PyAV) meets the project's garbage sample:
    av raises InvalidDataError on the same file at every start; on-failure restarts."""
    return _poison(box, samples, "corrupt_garbage.mp4", "cam2_0007.mp4")


def poison_truncated(box: Box, samples: Path) -> list[dict]:
    """Same scanner, the project's truncated sample (moov atom cut off): PyAV fails on it every start."""
    return _poison(box, samples, "corrupt_truncated.mp4", "cam4_0311.mp4")
