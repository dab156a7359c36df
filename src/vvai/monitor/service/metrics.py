"""The monitor's own health on ``/metrics`` (Prometheus text format, prometheus-client).

A private registry (not the global one), so tests can run several monitors in one process.
"""

from __future__ import annotations

import contextlib
from typing import Any


class MonitorMetrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector

        r = self.registry = CollectorRegistry()
        ProcessCollector(registry=r)
        self.up = Gauge("vvai_monitor_up", "1 while the monitor daemon runs", registry=r)
        self.passes = Counter("vvai_monitor_passes", "diagnosis passes", ["trigger"], registry=r)
        self.pass_seconds = Histogram("vvai_monitor_pass_duration_seconds", "time of one diagnosis pass",
                                      buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30), registry=r)
        self.last_pass = Gauge("vvai_monitor_last_pass_timestamp_seconds", "end of the last pass", registry=r)
        self.records = Counter("vvai_monitor_records", "records received from the sources", ["kind"], registry=r)
        self.problems = Counter("vvai_monitor_source_problems", "things a source could not read", ["source"],
                                registry=r)
        self.window = Gauge("vvai_monitor_window_records", "records held in the diagnosis window", registry=r)
        self.open = Gauge("vvai_monitor_incidents_open", "open incidents", ["severity"], registry=r)
        self.detected = Counter("vvai_monitor_incidents_detected", "incidents opened or re-opened",
                                ["category"], registry=r)
        self.alerts = Counter("vvai_monitor_alerts", "alert decisions", ["status"], registry=r)
        self.errors = Counter("vvai_monitor_pass_errors", "passes that failed", registry=r)
        self._server: Any = None
        self._thread: Any = None
        self.port = 0

    def serve(self, host: str, port: int) -> int:
        from prometheus_client import start_http_server

        self._server, self._thread = start_http_server(port, addr=host, registry=self.registry)
        self.port = int(self._server.server_address[1])
        return self.port

    def stop(self) -> None:
        if self._server is not None:
            with contextlib.suppress(Exception):
                self._server.shutdown()
                self._server.server_close()
            self._server = None

    def text(self) -> str:
        from prometheus_client import generate_latest

        return generate_latest(self.registry).decode()
