"""LIVE on a real Podman engine: an OOM kill, a crash loop and an error burst after a redeploy are
seen by the sources, diagnosed, stored and alerted to a real local webhook; a captured bundle
diagnosed offline gives the same incidents as the live pass.

The engine, the containers, the kernel's OOM killer, SQLite, apprise and the webhook are all real.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vvai.monitor.bundle import load_bundle
from vvai.monitor.capture import capture_bundle
from vvai.monitor.config import Config, parse_config
from vvai.monitor.diagnose.engine import Diagnoser
from vvai.monitor.service.daemon import MonitorService
from vvai.monitor.sources.docker_engine import DockerEngineSource
from vvai.testing.podman import BUSYBOX_IMAGE, PodmanEngine
from vvai.testing.webhook import WebhookReceiver

pytestmark = [pytest.mark.podman, pytest.mark.slow]

OOM_CMD = "echo 'decode start: cam3_8k.mp4'; x=$(head -c 80000000 /dev/zero | tr '\\0' a); echo done"
CRASH_CMD = ("echo 'scanner starting'; "
             "echo 'Traceback (most recent call last):' >&2; "
             "echo '  File \"/app/scanner/settings.py\", line 31, in parse' >&2; "
             "echo '    workers = int(os.environ[\"SCANNER_WORKERS\"])' >&2; "
             "echo \"ValueError: invalid literal for int() with base 10: 'auto'\" >&2; exit 1")
BURST_CMD = ("i=0; while [ $i -lt 40 ]; do "
             "echo \"ERROR shipping batch $i failed: KeyError: 'bucket_region' in exporter config\"; "
             "i=$((i+1)); done; sleep 600")


def _labels(project: str, service: str) -> dict[str, str]:
    return {"com.docker.compose.project": project, "com.docker.compose.service": service}


def _cfg(tmp_path: Path, engine: PodmanEngine, project: str, hook: WebhookReceiver | None, **monitor: Any) -> Config:
    root = tmp_path / "vv"
    for d in ("input", "processed", "corrupted", "logs"):
        (root / d).mkdir(parents=True, exist_ok=True)
    return parse_config({
        "monitor": {"host": "edge-live", "window_s": 600, **monitor},
        "pipeline": {"root": str(root)},
        "engine": {"socket": engine.socket_url, "compose_project": project, "stats_interval_s": 5},
        "alerts": {"urls": [hook.apprise_url("live")] if hook else [], "resolve_after_s": 0},
        "store": {"path": str(tmp_path / "monitor.db")}, "metrics": {"enabled": False}})


def _wait(pred: Callable[[], Any], timeout: float = 30.0, step: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def _pairs(incidents: list[dict]) -> set[tuple[str, str]]:
    return {(i["category"], i["component"]) for i in incidents}


def test_engine_source_records_follow_the_spec(podman_engine: PodmanEngine, compose_project: str) -> None:
    c = podman_engine.docker_client()
    t0 = time.time()
    c.containers.run(BUSYBOX_IMAGE, ["sh", "-c", "echo hello from busy; while :; do :; done"], detach=True,
                     name=f"{compose_project}-busy", nano_cpus=500_000_000, mem_limit="64m",
                     labels={**_labels(compose_project, "busy"),
                             "com.docker.compose.depends_on": "idle:service_started:false"},
                     restart_policy={"Name": "on-failure", "MaximumRetryCount": 3})
    c.containers.run(BUSYBOX_IMAGE, ["sleep", "600"], detach=True, name=f"{compose_project}-idle",
                     labels=_labels(compose_project, "idle"))
    time.sleep(1.5)
    src = DockerEngineSource(podman_engine.socket_url, compose_project=compose_project)
    try:
        recs = list(src.collect(t0 - 1, time.time()))
    finally:
        src.stop()
    assert not [r.data for r in recs if r.kind == "problem"]
    comps = {r.name: r.data for r in recs if r.kind == "component"}
    assert comps["busy"] == {"image": BUSYBOX_IMAGE, "mem_limit": "64m", "cpus": 0.5, "restart": "on-failure",
                             "depends_on": ["idle"]}
    assert comps["idle"]["mem_limit"] is None and comps["idle"]["restart"] == "no"
    stats = {r.name: r.data for r in recs if r.kind == "stats"}
    assert set(stats["busy"]) >= {"ts", "component", "cpu_percent", "mem_bytes", "mem_limit_bytes",
                                  "restart_count", "oom_killed", "status"}
    assert stats["busy"]["mem_limit_bytes"] == 64 << 20 and stats["busy"]["status"] == "running"
    assert 20 <= stats["busy"]["cpu_percent"] <= 90  # capped at half a core (50), measured on a busy box
    assert stats["idle"]["cpu_percent"] < 10 and stats["idle"]["mem_bytes"] > 0
    logs = [r.data for r in recs if r.kind == "log" and r.name == "busy"]
    assert len(logs) == 1 and logs[0].split(" ", 1)[1] == "hello from busy" and logs[0][:4].isdigit()
    actions = [(r.name, r.data["Action"]) for r in recs if r.kind == "event"]
    assert ("busy", "start") in actions and ("idle", "start") in actions
    assert all(r.data["Type"] == "container" for r in recs if r.kind == "event" and r.name != "image")


def test_oom_kill_detected_stored_and_alerted(tmp_path: Path, podman_engine: PodmanEngine, compose_project: str,
                                              webhook: WebhookReceiver) -> None:
    c = podman_engine.docker_client()
    t0 = time.time()
    ct = c.containers.run(BUSYBOX_IMAGE, ["sh", "-c", OOM_CMD], detach=True, name=f"{compose_project}-scanner",
                          mem_limit="20m", labels=_labels(compose_project, "scene_scanner"))
    assert ct.wait(timeout=60)["StatusCode"] == 137
    ct.reload()
    assert ct.attrs["State"]["OOMKilled"] is True  # the conmon wrapper at work
    svc = MonitorService(_cfg(tmp_path, podman_engine, compose_project, webhook))
    res = svc.once(time.time() - t0 + 5)
    assert ("oom_kill", "scene_scanner") in _pairs(res.incidents), res.to_json()
    oom = next(i for i in res.incidents if i["category"] == "oom_kill")
    assert oom["severity"] == "critical" and oom["evidence"]
    got = webhook.wait_for(1, 15, lambda r: "oom_kill: scene_scanner" in r.body["title"])
    assert len(got) == 1, [r.body for r in webhook.received]
    assert f"Probable cause: {oom['root_cause']}" in got[0].body["message"]
    assert svc.store.incident(oom["key"])["status"] == "open"
    svc.store.close()


def test_crash_loop_detected_and_alerted(tmp_path: Path, podman_engine: PodmanEngine, compose_project: str,
                                         webhook: WebhookReceiver) -> None:
    c = podman_engine.docker_client()
    t0 = time.time()
    ct = c.containers.run(BUSYBOX_IMAGE, ["sh", "-c", CRASH_CMD], detach=True, name=f"{compose_project}-scanner",
                          labels=_labels(compose_project, "scene_scanner"),
                          restart_policy={"Name": "on-failure", "MaximumRetryCount": 5})
    assert _wait(lambda: (ct.reload(), ct.attrs.get("RestartCount", 0) >= 4)[1], 60)
    svc = MonitorService(_cfg(tmp_path, podman_engine, compose_project, webhook))
    try:
        res = svc.once(time.time() - t0 + 5)
    finally:
        svc.store.close()
    assert ("crash_loop", "scene_scanner") in _pairs(res.incidents), res.incidents
    inc = next(i for i in res.incidents if i["category"] == "crash_loop")
    assert "ValueError" in inc["root_cause"]
    assert any("ValueError: invalid literal" in e["text"] for e in inc["evidence"])
    got = webhook.wait_for(1, 15, lambda r: "crash_loop: scene_scanner" in r.body["title"])
    assert len(got) == 1


def test_error_burst_after_redeploy(tmp_path: Path, podman_engine: PodmanEngine, compose_project: str,
                                    webhook: WebhookReceiver) -> None:
    c = podman_engine.docker_client()
    img = c.images.get(BUSYBOX_IMAGE)
    repo = f"localhost/{compose_project}/log-exporter"
    old, new = f"{repo}:1.4.0", f"{repo}:1.5.0"
    img.tag(repo, "1.4.0")
    t0 = time.time()
    name = f"{compose_project}-exporter"
    v1 = c.containers.run(old, ["sh", "-c", "echo 'exporter 1.4.0 ready'; sleep 600"], detach=True, name=name,
                          labels=_labels(compose_project, "log_exporter"))
    time.sleep(1.2)
    v1.remove(force=True)
    img.tag(repo, "1.5.0")  # the new image lands (an image tag event), and the service is recreated from it
    c.containers.run(new, ["sh", "-c", BURST_CMD], detach=True, name=name,
                     labels=_labels(compose_project, "log_exporter"))
    time.sleep(1.5)
    svc = MonitorService(_cfg(tmp_path, podman_engine, compose_project, webhook))
    try:
        res = svc.once(time.time() - t0 + 3)
    finally:
        svc.store.close()
        c.images.remove(old)
        c.images.remove(new)
    assert ("deployment_regression", "log_exporter") in _pairs(res.incidents), res.incidents
    inc = next(i for i in res.incidents if i["category"] == "deployment_regression")
    assert "1.5.0" in inc["root_cause"] and "1.4.0" in inc["root_cause"]
    assert any("KeyError: 'bucket_region'" in e["text"] for e in inc["evidence"])
    assert len(webhook.wait_for(1, 15, lambda r: "deployment_regression: log_exporter" in r.body["title"])) == 1


def test_daemon_alerts_on_an_oom_kill_as_it_happens(tmp_path: Path, podman_engine: PodmanEngine,
                                                    compose_project: str, webhook: WebhookReceiver) -> None:
    """The daemon (interval one hour, so only engine events can trigger) alerts on a new OOM kill,
    and a crash loop stays ONE incident with ONE alert while it keeps restarting."""
    c = podman_engine.docker_client()
    c.containers.run(BUSYBOX_IMAGE, ["sleep", "600"], detach=True, name=f"{compose_project}-idle",
                     labels=_labels(compose_project, "log_exporter"))
    cfg = _cfg(tmp_path, podman_engine, compose_project, webhook, interval_s=3600, window_s=300)
    svc = MonitorService(cfg)
    ready = threading.Event()
    t = threading.Thread(target=svc.run, kwargs={"serve_metrics": False, "ready": ready}, daemon=True)
    t.start()
    try:
        assert ready.wait(30)
        c.containers.run(BUSYBOX_IMAGE, ["sh", "-c", OOM_CMD], detach=True, name=f"{compose_project}-scanner",
                         mem_limit="20m", labels=_labels(compose_project, "scene_scanner"))
        got = webhook.wait_for(1, 30, lambda r: "oom_kill: scene_scanner" in r.body["title"])
        assert len(got) == 1
        ct = c.containers.run(BUSYBOX_IMAGE, ["sh", "-c", CRASH_CMD], detach=True,
                              name=f"{compose_project}-summ", labels=_labels(compose_project, "scene_summarizer"),
                              restart_policy={"Name": "on-failure", "MaximumRetryCount": 8})
        assert webhook.wait_for(1, 30, lambda r: "crash_loop: scene_summarizer" in r.body["title"])
        assert _wait(lambda: (ct.reload(), ct.attrs["State"]["Status"] == "exited"
                              and ct.attrs.get("RestartCount") == 8)[1], 60)
        time.sleep(1.5)
        # every run's output arrived through the live log followers, once, across 9 container starts
        lines = [r.data for r in svc.window.snapshot() if r.kind == "log" and r.name == "scene_summarizer"]
        assert sum(line.endswith(" scanner starting") for line in lines) == 9
        assert sum("ValueError: invalid literal" in line for line in lines) == 9
        assert svc.metrics.passes.labels(trigger="event")._value.get() >= 3
    finally:
        svc.stop()
        t.join(20)
    assert not t.is_alive()
    crash_alerts = [r for r in webhook.received if "crash_loop: scene_summarizer" in r.body["title"]]
    assert len(crash_alerts) == 1  # many restarts and passes, one alert
    rows = svc.store.incidents()
    assert {(r["category"], r["component"]) for r in rows} >= {("oom_kill", "scene_scanner"),
                                                               ("crash_loop", "scene_summarizer")}
    svc.store.close()


def test_captured_bundle_diagnoses_offline_like_the_live_pass(tmp_path: Path, podman_engine: PodmanEngine,
                                                             compose_project: str) -> None:
    c = podman_engine.docker_client()
    t0 = time.time()
    oom = c.containers.run(BUSYBOX_IMAGE, ["sh", "-c", OOM_CMD], detach=True, name=f"{compose_project}-scanner",
                           mem_limit="20m", labels=_labels(compose_project, "scene_scanner"))
    crash = c.containers.run(BUSYBOX_IMAGE, ["sh", "-c", CRASH_CMD], detach=True, name=f"{compose_project}-summ",
                             labels=_labels(compose_project, "scene_summarizer"),
                             restart_policy={"Name": "on-failure", "MaximumRetryCount": 4})
    oom.wait(timeout=60)
    _wait(lambda: (crash.reload(), crash.attrs["State"]["Status"] == "exited"
                   and crash.attrs.get("RestartCount", 0) >= 4)[1], 60)
    cfg = _cfg(tmp_path, podman_engine, compose_project, None)
    window = time.time() - t0 + 5
    svc = MonitorService(cfg)
    try:
        live = _pairs(svc.once(window).incidents)
    finally:
        svc.store.close()
    path, parts = capture_bundle(cfg, window, tmp_path / "bundle.tar.gz")
    bundle = load_bundle(path)
    offline = {(i.category, i.component) for i in Diagnoser(settings=cfg.detector_settings()).diagnose(bundle)}
    assert live == offline
    assert {("oom_kill", "scene_scanner"), ("crash_loop", "scene_summarizer")} <= offline
    assert {"events.jsonl", "stats.jsonl", "logs/scene_scanner.log", "logs/scene_summarizer.log"} <= bundle.watched
    assert sorted(bundle.components) == ["scene_scanner", "scene_summarizer"]
    assert bundle.components["scene_scanner"].mem_limit_bytes == 20 << 20
