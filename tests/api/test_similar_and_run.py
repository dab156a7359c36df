"""The similarity index (pure), and the API served from inside `vvai monitor run` with [api] enabled."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx

from tests.api.conftest import TOKEN
from vvai.monitor.similar import similar, terms


def test_similar_ranks_by_category_culprit_and_evidence_templates() -> None:
    target = {"id": 10, "category": "oom_kill", "component": "scene_scanner", "file": "cam3_0009.mp4",
              "evidence": ["MemoryError: cannot allocate 7340032000 bytes decoding /opt/vv/input/cam3_0009.mp4"]}
    past = [
        {"id": 1, "category": "oom_kill", "component": "scene_scanner", "file": "cam1_0001.mp4", "first_seen": 1,
         "evidence": ["MemoryError: cannot allocate 912 bytes decoding /opt/vv/input/cam1_0001.mp4"]},
        {"id": 2, "category": "oom_kill", "component": "scene_summarizer", "first_seen": 2,
         "evidence": ["Killed process 4242 (python) total-vm:8000000kB"]},
        {"id": 3, "category": "disk_full", "component": "log_exporter", "first_seen": 3,
         "evidence": ["OSError: [Errno 28] No space left on device"]},
        {"id": 4, "category": "crash_loop", "component": "scene_scanner", "first_seen": 4,
         "evidence": ["MemoryError: cannot allocate 1 bytes decoding /x.mp4"]},
        {"id": 10, "category": "oom_kill", "component": "scene_scanner", "evidence": []},  # itself: skipped
    ]
    got = similar(target, past, k=3)
    assert [g["id"] for g in got][:1] == [1] and got[0]["score"] > 0.9
    assert 3 not in [g["id"] for g in got] and 10 not in [g["id"] for g in got]
    assert {g["id"] for g in got} <= {1, 2, 4}
    assert similar(target, []) == [] and similar({"id": 1}, [{"id": 2}]) == []
    t = terms(target)
    assert t["cat=oom_kill"] == 3 and t["comp=scene_scanner"] == 3 and "memoryerror" in t
    assert not any(ch.isdigit() for w in t for ch in w if not w.startswith(("cat=", "comp=", "ext=")))
    assert t["ext=mp4"] == 1 and "allocate" in t and "bytes" in t


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_monitor_run_serves_the_console_when_enabled(site_template, tmp_path) -> None:
    from tests.api.conftest import _copy_site

    cfg = _copy_site(site_template[0], tmp_path / "box")
    port = _free_port()
    cfg.write_text(cfg.read_text().replace("[api]\nport = 0", f"[api]\nenabled = true\nport = {port}"))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("VVAI_")}, "VVAI_API_TOKEN": TOKEN}
    p = subprocess.Popen([sys.executable, "-m", "vvai", "monitor", "run", "--config", str(cfg)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, r = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/v1/incidents",
                              headers={"Authorization": f"Bearer {TOKEN}"}, timeout=2)
                break
            except httpx.TransportError:
                assert p.poll() is None, p.communicate()[1]
                time.sleep(0.2)
        assert r is not None and r.status_code == 200 and r.json()["total"] == 3
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/incidents", timeout=2).status_code == 401
    finally:
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err[-2000:]
