"""Run deploy/socket-proxy (its run.sh and haproxy.cfg) on the host with Debian's haproxy.

The same script and configuration the socket-proxy image runs; only the socket paths and the
owner of the filtered socket differ (environment variables). Stopped by its PID.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from tests.paths import PROJECT

PROXY_DIR = PROJECT / "deploy" / "socket-proxy"


def haproxy_missing() -> str | None:
    return None if shutil.which("haproxy") else "haproxy is not installed (apt-get install haproxy)"


class HostProxy:
    def __init__(self, engine_socket: Path, proxy_socket: Path, stack_prefix: str, log: Path):
        self.engine_socket, self.proxy_socket = engine_socket, proxy_socket
        self.stack_prefix, self.log = stack_prefix, log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.proxy_socket}"

    def start(self, timeout: float = 10.0) -> HostProxy:
        env = dict(os.environ, VV_ENGINE_SOCKET=str(self.engine_socket), VV_PROXY_SOCKET=str(self.proxy_socket),
                   VV_PROXY_UID=str(os.getuid()), VV_PROXY_GID=str(os.getgid()),
                   VV_STACK_PREFIX=self.stack_prefix, VV_PROXY_CFG=str(PROXY_DIR / "haproxy.cfg"))
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(["/bin/sh", str(PROXY_DIR / "run.sh")], env=env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self.proxy_socket.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"socket proxy did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None
