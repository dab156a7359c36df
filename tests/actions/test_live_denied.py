"""LIVE on Podman behind a socket proxy that allows the reads and denies every write (403): the
executor's restart is ``failed`` with a reason that says so, and nothing crashes."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.actions.helpers import config, incident
from tests.actions.live import labels
from vvai.actions import journal
from vvai.actions.checks import EngineView
from vvai.actions.executor import Executor
from vvai.monitor.history import IncidentStore
from vvai.monitor.sources.docker_engine import DockerEngineSource
from vvai.testing.podman import BUSYBOX_IMAGE, PodmanEngine

pytestmark = [pytest.mark.podman, pytest.mark.slow]


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str):
        super().__init__("localhost", timeout=30)
        self.unix_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


def read_only_proxy(engine_socket: str) -> ThreadingHTTPServer:
    """A real HTTP proxy in front of the engine: GET and HEAD pass, anything else gets 403."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def _deny(self) -> None:
            body = b'{"message":"forbidden by the socket proxy"}'
            self.send_response(403)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_PUT = do_DELETE = _deny  # noqa: N815

        def do_GET(self) -> None:  # noqa: N802
            conn = _UnixConnection(engine_socket)
            conn.request("GET", self.path)
            r = conn.getresponse()
            data = r.read()
            self.send_response(r.status)
            self.send_header("Content-Type", r.getheader("Content-Type") or "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

        do_HEAD = do_GET  # noqa: N815

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def test_a_denied_restart_is_failed_with_its_reason(tmp_path: Path, podman_engine: PodmanEngine,
                                                    compose_project: str) -> None:
    c = podman_engine.docker_client()
    ct = c.containers.run(BUSYBOX_IMAGE, ["sh", "-c", "exit 1"], detach=True, name=f"{compose_project}-scanner",
                          labels=labels(compose_project, "scene_scanner"))
    ct.wait(timeout=30)
    srv = read_only_proxy(str(podman_engine.socket_path))
    try:
        url = f"tcp://127.0.0.1:{srv.server_address[1]}"
        cfg = config(tmp_path, engine={"socket": url, "compose_project": compose_project})
        store = IncidentStore(cfg.store.path)
        view = EngineView(DockerEngineSource(url, compose_project=compose_project))
        assert "scene_scanner" in view.containers()  # reads pass through the proxy
        inc = incident("crash_loop", "scene_scanner", count=5, actions=[("restart", "scene_scanner")])
        iid = store.upsert(inc, time.time()).incident_id
        out = Executor(cfg, store, engine=view).on_incident(iid, inc, "new", time.time())
        assert [(r["type"], r["status"]) for r in out] == [("restart", "failed")], out
        assert "the engine denied POST /containers/" in out[0]["reason"] and "403 Forbidden" in out[0]["reason"]
        assert "socket proxy must allow it" in out[0]["reason"]
        assert journal.select(store, status=("failed",))[0]["started"]  # it was really attempted, once
        store.close()
    finally:
        srv.shutdown()
    ct.reload()
    assert ct.attrs["State"]["Status"] == "exited"  # nothing went through
