"""The compose stack under drill: a private Podman engine (or Docker), images, up, teardown by id.

Same approach as tests/deploy/stackrun.py (kept separate: deploy/ does not import the tests):
an engine whose storage persists under one folder so images stay cached, Debian's
docker-compose against the engine's Docker API, and a teardown that removes by id every
container and volume labelled with the drill's compose project.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

DEPLOY = Path(__file__).resolve().parents[1]
PROJECT = DEPLOY.parent
FILES = (DEPLOY / "docker-compose.yml", DEPLOY / "compose.remediate.yml", DEPLOY / "drill" / "compose.drill.yml")
LONG_RUNNING = ("socket_proxy", "s3_store", "scene_scanner", "scene_summarizer", "log_exporter",
                "llm_monitor_service")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def compose_command() -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("podman-compose"):
        return ["podman-compose"]
    if shutil.which("docker"):
        return ["docker", "compose"]
    raise SystemExit("drill: needs docker-compose, podman-compose or docker compose")


class Stack:
    def __init__(self, engine: Any, project: str, root: Path, log: Path, extra_env: dict[str, str]):
        self.engine, self.project, self.root, self.log = engine, project, root, log
        self.cmd = compose_command()
        base = dict(engine.env) if engine is not None else dict(os.environ)
        sock = str(engine.socket_path) if engine is not None else "/var/run/docker.sock"
        url = engine.socket_url if engine is not None else f"unix://{sock}"
        base.update(DOCKER_HOST=url, VV_ROOT=str(root), VV_STACK=project, VV_ENGINE_SOCKET=sock,
                    VV_S3_PORT=str(free_port()), VV_SUMMARIZER_METRICS_PORT=str(free_port()),
                    VV_MONITOR_METRICS_PORT=str(free_port()), COMPOSE_HTTP_TIMEOUT="120")
        base.update(extra_env)
        self.env = base
        import docker

        self.client = docker.DockerClient(base_url=url, timeout=60)

    def compose(self, *args: str, timeout_s: float = 300) -> subprocess.CompletedProcess[str]:
        files = [a for f in FILES for a in ("-f", str(f))]
        r = subprocess.run([*self.cmd, "-p", self.project, *files, *args], env=self.env, capture_output=True,
                           text=True, timeout=timeout_s, cwd=DEPLOY)
        with open(self.log, "a") as f:
            f.write(f"$ compose {' '.join(args)} -> {r.returncode}\n{r.stdout}{r.stderr}\n")
        return r

    def name(self, service: str) -> str:
        return f"{self.project}_{service}"

    def inspect(self, service: str) -> dict:
        return self.client.api.inspect_container(self.name(service))

    def healthy(self, service: str) -> bool:
        """Running, and its health check passes now (Podman runs none in the background here)."""
        try:
            st = self.inspect(service)["State"]
        except Exception:  # noqa: BLE001 - gone counts as not healthy
            return False
        if st.get("Status") != "running":
            return False
        if self.engine is None:
            return (st.get("Health") or {}).get("Status", "healthy") == "healthy"
        r = subprocess.run(["podman", "healthcheck", "run", self.name(service)], env=self.engine.env,
                           capture_output=True, text=True, timeout=60)
        return r.returncode == 0

    def teardown(self) -> list[str]:
        self.compose("down", "-v", "-t", "3")
        left = []
        label = {"label": f"com.docker.compose.project={self.project}"}
        for c in self.client.containers.list(all=True, filters=label):
            left.append(c.name)
            with contextlib.suppress(Exception):
                self.client.api.remove_container(c.id, force=True, v=True)
        for v in self.client.volumes.list(filters=label):
            left.append(f"volume {v.name}")
            with contextlib.suppress(Exception):
                v.remove(force=True)
        return left


def build_images(engine: Any, log: Path, cache: Path) -> float:
    """deploy/build-images.sh (idempotent: cached steps are skipped); returns its seconds."""
    t0 = time.monotonic()
    args = [str(DEPLOY / "build-images.sh")]
    if engine is not None:
        args += ["--podman-root", str(engine.root)]
    else:
        args += ["--engine", "docker"]
    env = dict(os.environ, VV_BUILD_CACHE=str(cache))
    with open(log, "wb") as out:
        r = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, timeout=1500, cwd=PROJECT, env=env)
    if r.returncode != 0:
        raise SystemExit(f"drill: build-images.sh failed ({r.returncode}); see {log}")
    return time.monotonic() - t0
