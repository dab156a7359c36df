"""The daemon without a container engine: window assembly vs the offline reader, the live loop
on real files with /metrics, graceful shutdown of the real CLI process, and capture."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.paths import EXAMPLES
from vvai.common.timefmt import parse_epoch as parse_ts
from vvai.monitor.bundle import load_bundle
from vvai.monitor.config import parse_config
from vvai.monitor.diagnose.engine import Diagnoser
from vvai.monitor.service.daemon import MonitorService
from vvai.monitor.sources.base import Record
from vvai.testing.webhook import WebhookReceiver


def _records_from_bundle_dir(path: Path) -> tuple[list[Record], float, float]:
    """What the live sources would have pushed for the window a stored bundle describes."""
    meta = json.loads((path / "bundle.json").read_text())
    recs = [Record("component", 0, spec, name=name) for name, spec in meta["components"].items()]
    for line in (path / "events.jsonl").read_text().splitlines():
        ev = json.loads(line)
        recs.append(Record("event", ev["timeNano"] / 1e9, ev, name=ev["Actor"]["Attributes"].get("name", "")))
    for log in (path / "logs").glob("*.log"):
        for line in log.read_text().splitlines():
            if log.name == "app.log":
                recs.append(Record("app_log", parse_ts(json.loads(line)["ts"]) or 0, line))
            else:
                recs.append(Record("log", parse_ts(line.split(" ", 1)[0]) or 0, line, name=log.stem))
    for fname, kind in (("stats.jsonl", "stats"), ("metrics.jsonl", "metric"), ("pipeline.jsonl", "pipeline")):
        for line in (path / fname).read_text().splitlines():
            d = json.loads(line)
            recs.append(Record(kind, parse_ts(d["ts"]) or 0, d))
    return recs, parse_ts(meta["window"]["start"]) or 0, parse_ts(meta["window"]["end"]) or 0


def _cfg(tmp_path: Path, **over: dict) -> object:
    root = tmp_path / "vv"
    for d in ("input", "processed", "corrupted", "logs"):
        (root / d).mkdir(parents=True, exist_ok=True)
    doc = {"monitor": {"host": "edge-test", "window_s": 600, "interval_s": 3600},
           "pipeline": {"root": str(root)}, "engine": {"enabled": False},
           "store": {"path": str(tmp_path / "monitor.db")}, "metrics": {"port": 0},
           "alerts": {"resolve_after_s": 0}}
    for k, v in over.items():
        doc.setdefault(k, {}).update(v)
    return parse_config(doc)


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="needs the shared example bundles")
@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.iterdir()) if EXAMPLES.is_dir() else [])
def test_live_window_diagnoses_like_the_offline_reader(name: str, tmp_path: Path, webhook: WebhookReceiver) -> None:
    path = EXAMPLES / name
    records, start, end = _records_from_bundle_dir(path)
    offline = {(i.category, i.component) for i in Diagnoser().diagnose(load_bundle(path))}
    cfg = _cfg(tmp_path, alerts={"urls": [webhook.apprise_url()]})
    svc = MonitorService(cfg, sources=[])
    res = svc.run_pass(records, start=start, end=end)
    assert {(i["category"], i["component"]) for i in res.incidents} == offline
    expected = json.loads((path / "expected.json").read_text())["incidents"]
    assert offline == {(e["category"], e["component"]) for e in expected}
    stored = svc.store.incidents("open")
    assert {(r["category"], r["component"]) for r in stored} == offline
    assert len(webhook.wait_for(len(offline), 10)) == len(offline)  # one alert per incident
    again = svc.run_pass(records, start=start, end=end)
    assert all(i["change"] == "unchanged" for i in again.incidents) and not again.alerts
    svc.store.close()


def _scrape(port: int) -> str:
    return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_daemon_reacts_to_error_lines_and_stops_gracefully(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    app_log = Path(cfg.pipeline.root) / "logs" / "app.log"
    app_log.write_text("")
    svc = MonitorService(cfg)
    for s in svc.sources:
        s.poll_interval_s = min(s.poll_interval_s, 0.2)
    ready = threading.Event()
    passes: list = []
    svc.on_pass = passes.append
    t = threading.Thread(target=svc.run, kwargs={"ready": ready}, daemon=True)
    t.start()
    try:
        assert ready.wait(30)
        port = svc.metrics.port
        text = _scrape(port)
        assert _metric(text, "vvai_monitor_up") == 1.0
        assert _metric(text, 'vvai_monitor_passes_total{trigger="start"}') == 1.0
        assert "process_resident_memory_bytes" in text
        with open(app_log, "a") as f:
            f.write(json.dumps({"ts": "2026-11-24T00:00:00Z", "level": "ERROR", "component": "scene_scanner",
                                "msg": "decode failed"}) + "\n")
        deadline = time.monotonic() + 20  # interval_s is an hour: only the ERROR line can cause a pass
        while time.monotonic() < deadline and not any(p for p in passes[1:]):
            time.sleep(0.05)
        assert len(passes) >= 2
        text = _scrape(port)
        assert _metric(text, 'vvai_monitor_passes_total{trigger="event"}') >= 1.0
        assert _metric(text, 'vvai_monitor_records_total{kind="app_log"}') == 1.0
    finally:
        svc.stop()
        t.join(15)
    assert not t.is_alive()
    with pytest.raises(httpx.HTTPError):
        _scrape(port)  # the metrics server went down with the daemon
    svc.store.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write_toml(path: Path, cfg_root: Path, db: Path, port: int) -> None:
    path.write_text(f"""
[monitor]
host = "edge-cli"
window_s = 600
[pipeline]
root = "{cfg_root}"
[engine]
enabled = false
[store]
path = "{db}"
[metrics]
port = {port}
""")


@pytest.mark.slow
def test_cli_run_serves_metrics_and_exits_cleanly_on_sigterm(tmp_path: Path) -> None:
    root = tmp_path / "vv"
    (root / "input").mkdir(parents=True)
    port = _free_port()
    toml = tmp_path / "vvai.toml"
    _write_toml(toml, root, tmp_path / "m.db", port)
    proc = subprocess.Popen([sys.executable, "-m", "vvai", "monitor", "run", "--config", str(toml)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        text = ""
        while time.monotonic() < deadline:
            try:
                text = _scrape(port)
                if _metric(text, "vvai_monitor_passes_total{trigger=\"start\"}") >= 1:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        assert _metric(text, "vvai_monitor_up") == 1.0
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert proc.returncode == 0, err
    assert "shutting down" in err and "Traceback" not in err
    assert (tmp_path / "m.db").exists()


def test_once_and_capture_cli_on_files(tmp_path: Path) -> None:
    root = tmp_path / "vv"
    for d in ("input", "processed", "corrupted", "logs"):
        (root / d).mkdir(parents=True)
    (root / "input" / "cam1.mp4").write_bytes(b"x" * 100)
    (root / "vv-signature.json").write_text('{"sig": 1}')
    now = time.time()
    ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 30))
    (root / "logs" / "app.log").write_text(
        json.dumps({"ts": ts, "level": "INFO", "component": "scene_scanner", "msg": "hello"}) + "\n"
        + "garbage line\n")
    toml = tmp_path / "vvai.toml"
    _write_toml(toml, root, tmp_path / "m.db", 0)
    env = {**os.environ, "VVAI_CONFIG": str(toml)}
    r = subprocess.run([sys.executable, "-m", "vvai", "monitor", "once", "--json", "--since", "10m"],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["diagnosed"] and res["incidents"] == []
    assert any("not a JSON line" in p for p in res["problems"])
    out = tmp_path / "b.tar.gz"
    r = subprocess.run([sys.executable, "-m", "vvai", "monitor", "capture", "--since", "10m", "--out", str(out),
                        "--json"], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["app_log"] == 1 and summary["pipeline"] == 1 and summary["files"] == ["vv-signature.json"]
    b = load_bundle(out)
    assert b.meta["format"] == "vvai-bundle/1" and b.host == "edge-cli"
    assert [a.msg for a in b.app_log] == ["hello"]
    assert [r.data["dirs"]["input"][0]["name"] for r in b.pipeline] == ["cam1.mp4"]
    assert b.files == {"vv-signature.json": b'{"sig": 1}'}
    assert "events.jsonl" not in b.watched  # the engine was not watched: no events.jsonl
    folder = tmp_path / "bundle-dir"
    r = subprocess.run([sys.executable, "-m", "vvai", "monitor", "capture", "--since", "10m", "--out", str(folder)],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["bundle.json", "files", "logs", "pipeline.jsonl"]
    assert json.loads((folder / "bundle.json").read_text())["capture_problems"][0].startswith("logfile:")
    assert [a.msg for a in load_bundle(folder).app_log] == ["hello"]
    r = subprocess.run([sys.executable, "-m", "vvai", "monitor", "capture", "--out", str(out)],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 1 and r.stderr.startswith("error: ") and "already exists" in r.stderr
