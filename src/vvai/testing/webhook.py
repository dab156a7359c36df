"""A real local HTTP webhook receiver (a thread in the test process) that records what is POSTed.

Stands in for Slack/Teams/a pager, which cannot be reached from here: apprise's ``json://``
and ``form://`` notifiers speak plain HTTP to it, so the whole delivery path is real.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any
    raw: bytes
    at: float = field(default_factory=time.time)


class WebhookReceiver:
    """``with WebhookReceiver() as hook: ... hook.url ... hook.wait_for(1)``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.received: list[Received] = []
        self.status = 200  # set to 500 to make deliveries fail
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                ctype = self.headers.get("Content-Type", "")
                body: Any
                try:
                    if "json" in ctype:
                        body = json.loads(raw)
                    elif "form" in ctype:
                        body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                    else:
                        body = raw.decode(errors="replace")
                except ValueError:
                    body = raw.decode(errors="replace")
                rec = Received(self.path, dict(self.headers.items()), body, raw)
                status = receiver.status
                if status < 400:
                    with receiver._cond:
                        receiver.received.append(rec)
                        receiver._cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.host, self.port = self.server.server_address[:2]
        self._thread = threading.Thread(target=self.server.serve_forever, name="webhook", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def apprise_url(self, path: str = "hook", scheme: str = "json") -> str:
        return f"{scheme}://{self.host}:{self.port}/{path}"

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_for(self, count: int, timeout: float = 10.0, predicate: Any = None) -> list[Received]:
        """Block until ``count`` matching posts arrived (or timeout); returns the matching ones."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                got = [r for r in self.received if predicate is None or predicate(r)]
                left = deadline - time.monotonic()
                if len(got) >= count or left <= 0:
                    return got
                self._cond.wait(left)

    def clear(self) -> None:
        with self._cond:
            self.received.clear()
