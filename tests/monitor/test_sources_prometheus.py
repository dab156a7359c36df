"""The Prometheus source against a real Prometheus (Debian's package) scraping the monitor's own
/metrics on loopback, and against a local HTTP server for the API's error answers."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from vvai.monitor.service.metrics import MonitorMetrics
from vvai.monitor.sources.prometheus import PrometheusSource


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def real_prometheus(tmp_path: Path) -> Iterator[tuple[str, MonitorMetrics]]:
    if shutil.which("prometheus") is None:
        pytest.skip("needs Debian's prometheus package (apt-get install prometheus)")
    metrics = MonitorMetrics()
    mport = metrics.serve("127.0.0.1", 0)
    metrics.up.set(1)
    metrics.passes.labels(trigger="event").inc(3)
    port = _free_port()
    (tmp_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        f"  - job_name: vvai-monitor\n    static_configs: [{{targets: ['127.0.0.1:{mport}'], "
        "labels: {component: monitor}}]\n")
    proc = subprocess.Popen(["prometheus", f"--config.file={tmp_path / 'prometheus.yml'}",
                             f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "prom.log", "wb"))  # noqa: SIM115
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # wait until the first scrape landed
            try:
                r = httpx.get(f"{url}/api/v1/query", params={"query": "vvai_monitor_up"}, timeout=2)
                if r.status_code == 200 and r.json()["data"]["result"]:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        else:
            pytest.fail("prometheus never scraped the monitor: " + (tmp_path / "prom.log").read_text()[-500:])
        yield url, metrics
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        metrics.stop()


@pytest.mark.slow
def test_real_prometheus_instant_and_range(real_prometheus: tuple[str, MonitorMetrics]) -> None:
    url, metrics = real_prometheus
    src = PrometheusSource(url, {"monitor_up": "vvai_monitor_up",
                                 "passes": 'vvai_monitor_passes_total{trigger="event"}'}, step_s=1)
    try:
        recs = list(src.instant())
        up = [r.data for r in recs if r.name == "monitor_up"]
        assert len(up) == 1 and up[0]["value"] == 1.0
        assert up[0]["labels"]["component"] == "monitor" and up[0]["labels"]["job"] == "vvai-monitor"
        assert "__name__" not in up[0]["labels"]
        passes = [r.data for r in recs if r.name == "passes"]
        assert passes and passes[0]["value"] == 3.0
        time.sleep(2.5)  # a few more scrapes for the range query
        now = time.time()
        rng = [r.data for r in src.range(now - 5, now) if r.kind == "metric" and r.name == "monitor_up"]
        assert len(rng) >= 3 and all(d["value"] == 1.0 for d in rng)
        assert rng == sorted(rng, key=lambda d: d["ts"])
        assert set(rng[0]) == {"ts", "name", "labels", "value"}
        bad = list(PrometheusSource(url, {"broken": "sum(("}).instant())
        assert [r.kind for r in bad] == ["problem"] and "bad_data" in bad[0].data["message"]
    finally:
        src.stop()


class _Api(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/api/v1/query_range"):
            body = {"status": "success", "data": {"resultType": "matrix", "result": [
                {"metric": {"__name__": "vv_export_pending_sets", "component": "log_exporter"},
                 "values": [[1795168800, "3"], [1795168860, "NaN"], [1795168920, "5"]]}]}}
            code = 200
        elif "boom" in self.path:
            body, code = {"status": "error", "errorType": "execution", "error": "query timed out"}, 503
        else:
            body = {"status": "success", "data": {"resultType": "vector", "result": [
                {"metric": {"__name__": "up", "component": "scene_scanner"}, "value": [1795168800.5, "1"]}]}}
            code = 200
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a: object) -> None:
        pass


def test_api_shapes_and_errors_against_local_server() -> None:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    url = f"http://127.0.0.1:{srv.server_address[1]}"
    try:
        src = PrometheusSource(url, {"": "up", "pending": "vv_export_pending_sets", "bad": "boom"})
        inst = list(src.instant())
        assert inst[0].data == {"ts": "2026-11-20T10:00:00.500Z", "name": "up",
                                "labels": {"component": "scene_scanner"}, "value": 1.0}
        assert any(r.kind == "problem" and "query timed out" in r.data["message"] for r in inst)
        rng = [r.data for r in src.range(1795168800, 1795168920) if r.kind == "metric" and r.name == "pending"]
        assert [d["value"] for d in rng] == [3.0, 5.0]  # NaN samples dropped
        src.stop()
        down = PrometheusSource("http://127.0.0.1:1", {"x": "up"}, timeout_s=1)
        assert [r.kind for r in down.instant()] == ["problem"]  # unreachable: reported, not raised
        down.stop()
    finally:
        srv.shutdown()
        srv.server_close()
