"""Drive deploy/build-images.sh and deploy/docker-compose.yml on a private Podman engine.

Shared by the stack test (and usable by a drill script): an engine whose storage persists under
one folder (so the images built once stay cached), the compose command that works here, an
environment for the compose file, and a teardown that removes every container and volume of the
project by id. Each step is timed.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from tests.paths import PROJECT
from vvai.testing.podman import PodmanEngine

DEPLOY = PROJECT / "deploy"
COMPOSE_FILE = DEPLOY / "docker-compose.yml"
ENGINE_ROOT = Path(os.environ.get("VV_DEPLOY_PODMAN_ROOT", "/var/tmp/vvai-deploy-podman"))
LONG_RUNNING = ("socket_proxy", "s3_store", "scene_scanner", "scene_summarizer", "log_exporter",
                "llm_monitor_service")


def compose_command() -> list[str] | None:
    """Debian's docker-compose 1.29.2 (talks to Podman's Docker API), else podman-compose."""
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("podman-compose"):
        return ["podman-compose"]
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def cached_engine(timeout_s: float = 900) -> Iterator[PodmanEngine]:
    """The private engine under ENGINE_ROOT, one user at a time (a lock file), stopped afterwards."""
    ENGINE_ROOT.mkdir(parents=True, exist_ok=True)
    with open(ENGINE_ROOT.parent / f"{ENGINE_ROOT.name}.lock", "w") as lock:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{ENGINE_ROOT} is in use by another run") from None
                time.sleep(1)
        engine = PodmanEngine(ENGINE_ROOT)
        try:
            yield engine.start()
        finally:
            engine.stop()


class Timer:
    def __init__(self) -> None:
        self.steps: dict[str, float] = {}

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        t0 = time.monotonic()
        try:
            yield
        finally:
            self.steps[name] = round(time.monotonic() - t0, 1)

    def report(self) -> str:
        return ", ".join(f"{k} {v} s" for k, v in self.steps.items())


class HealthTicker:
    """Runs every container's health check each ``interval_s`` (``podman healthcheck run``).

    Podman schedules health checks with systemd timers; without systemd (as here) they never run,
    State.Health stays "starting" and no health_status event is emitted. This plays the timer.
    """

    def __init__(self, engine: PodmanEngine, names: list[str], interval_s: float = 5.0):
        self.engine, self.names, self.interval_s = engine, names, interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="health-ticker", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name in self.names:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    subprocess.run(["podman", "healthcheck", "run", name], env=self.engine.env,
                                   capture_output=True, timeout=60, cwd=self.engine.workdir)
            self._stop.wait(self.interval_s)

    def start(self) -> HealthTicker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=90)


def build_images(engine: PodmanEngine, log: Path, timeout_s: float = 900) -> None:
    with open(log, "wb") as out:
        r = subprocess.run([str(DEPLOY / "build-images.sh"), "--podman-root", str(engine.root)], stdout=out,
                           stderr=subprocess.STDOUT, timeout=timeout_s, cwd=PROJECT)
    if r.returncode != 0:
        raise RuntimeError(f"build-images.sh failed ({r.returncode}): {log.read_text()[-3000:]}")
    engine.podman("image", "prune", "-f")  # earlier builds' untagged layers: keep the cached storage bounded


def stack_env(engine: PodmanEngine, root: Path, stack: str, **extra: str) -> dict[str, str]:
    env = dict(engine.env)
    env.update(DOCKER_HOST=engine.socket_url, VV_ROOT=str(root), VV_STACK=stack,
               VV_ENGINE_SOCKET=str(engine.socket_path),
               VV_S3_PORT=str(free_port()), VV_SUMMARIZER_METRICS_PORT=str(free_port()),
               VV_MONITOR_METRICS_PORT=str(free_port()), COMPOSE_HTTP_TIMEOUT="120")
    env.update(extra)
    return env


def compose(cmd: list[str], project: str, env: dict[str, str], *args: str, timeout_s: float = 300,
            log: Path | None = None) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([*cmd, "-p", project, "-f", str(COMPOSE_FILE), *args], env=env, capture_output=True,
                       text=True, timeout=timeout_s, cwd=DEPLOY)
    if log is not None:
        with open(log, "a") as f:
            f.write(f"$ compose {' '.join(args)} -> {r.returncode}\n{r.stdout}{r.stderr}\n")
    return r


def teardown(engine: PodmanEngine, cmd: list[str], project: str, env: dict[str, str], log: Path) -> list[str]:
    """compose down, then remove by id whatever of the project is still there; returns what was left."""
    compose(cmd, project, env, "down", "-v", "-t", "3", log=log)
    client = engine.docker_client()
    left = []
    for c in client.containers.list(all=True, filters={"label": f"com.docker.compose.project={project}"}):
        left.append(c.name)
        with contextlib.suppress(Exception):
            client.api.remove_container(c.id, force=True, v=True)
    for v in client.volumes.list(filters={"label": f"com.docker.compose.project={project}"}):
        left.append(f"volume {v.name}")
        with contextlib.suppress(Exception):
            v.remove(force=True)
    return left
