"""The recording rig: one private Podman engine, and per scenario a fresh edge "box" (pipeline
folder, vvai.toml, monitor store, compose project) whose containers, daemon and capture are real.

Containers run either the engine's busybox image or ``localhost/vv/hostpy:1``: a rootfs of
symlinks (``/lib -> usr/lib`` ...) with the host's ``/usr``, pyenv and this checkout bind-mounted
read-only, so the project's own ``vvai pipeline ...`` commands (real PyAV, real boto3) run inside
a real container without a registry or an image build. The pipeline folder is mounted at
``/opt/vv-video-ai-system`` as in the compose stack.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vvai.testing.podman import BUSYBOX_IMAGE, PodmanEngine

REPO = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
VENV_PY = REPO / ".venv" / "bin" / "python"
HOSTPY_IMAGE = "localhost/vv/hostpy:1"
BOX_ROOT = "/opt/vv-video-ai-system"  # where containers see the pipeline folder
PY_HOME = Path(os.path.realpath(VENV_PY)).parents[1]  # e.g. /root/.pyenv/versions/3.11.7


def build_hostpy(engine: PodmanEngine) -> str:
    """An image that is only mount points and symlinks; the host's /usr and Python fill it."""
    with contextlib.suppress(Exception):
        engine.docker_client().images.get(HOSTPY_IMAGE)
        return HOSTPY_IMAGE
    tar_path = engine.root / "hostpy.tar"
    with tarfile.open(tar_path, "w") as tar:
        for d in ("usr", "root", "work", "tmp", "etc", "proc", "sys", "dev", "opt", "app", "var"):
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o1777 if d == "tmp" else 0o755
            tar.addfile(info)
        for link, target in (("lib", "usr/lib"), ("lib64", "usr/lib64"), ("bin", "usr/bin"), ("sbin", "usr/sbin")):
            info = tarfile.TarInfo(link)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    engine.podman("import", "--change", "ENV PATH=/usr/bin:/bin", str(tar_path), HOSTPY_IMAGE)
    tar_path.unlink()
    return HOSTPY_IMAGE


def wait_for(pred: Callable[[], Any], timeout: float, step: float = 0.5, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


class Box:
    """One scenario's edge box. Everything it starts is stopped by ``close`` (containers by id,
    processes by pid, mounts by path)."""

    def __init__(self, engine: PodmanEngine, work: Path, name: str):
        self.engine = engine
        self.client = engine.docker_client()
        self.name = name
        self.project = "vv-" + name.replace("_", "-")
        self.dir = work / name
        self.root = self.dir / "vv"
        for d in ("input", "processed", "corrupted", "logs"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        self.store = self.dir / "monitor.db"
        self.config = self.dir / "vvai.toml"
        self.containers: list[Any] = []
        self.procs: list[subprocess.Popen[bytes]] = []
        self.mounts: list[Path] = []
        self.images: list[str] = []
        self.model: dict[str, str] = {}
        self.t0 = time.time()

    # -- configuration and monitor ---------------------------------------------------------------
    def write_config(self) -> None:
        model = "".join(f'{k} = "{v}"\n' for k, v in self.model.items())
        self.config.write_text(
            "[monitor]\n"
            'host = "edge-rf"\nwindow_s = 600\ninterval_s = 3\n'
            "[pipeline]\n"
            f'root = "{self.root}"\nsnapshot_interval_s = 2\n'
            "[engine]\n"
            f'socket = "{self.engine.socket_url}"\ncompose_project = "{self.project}"\nstats_interval_s = 2\n'
            "[store]\n"
            f'path = "{self.store}"\n'
            "[metrics]\nenabled = false\n"
            "[alerts]\nurls = []\n" + (f"[model]\n{model}" if model else "")
        )

    def start_daemon(self) -> None:
        """``vvai monitor run`` in the background: it keeps the history of folders and stats."""
        self.write_config()
        log = open(self.dir / "daemon.log", "ab")  # noqa: SIM115 - the child keeps it
        self.daemon = subprocess.Popen(
            [str(VENV_PY), "-m", "vvai", "monitor", "run", "--config", str(self.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.dir,
            start_new_session=True,
        )
        log.close()
        self.procs.append(self.daemon)
        time.sleep(2.0)

    def capture(self, out: Path) -> dict[str, Any]:
        since = int(time.time() - self.t0) + 2
        r = subprocess.run(
            [
                str(VENV_PY),
                "-m",
                "vvai",
                "monitor",
                "capture",
                "--config",
                str(self.config),
                "--since",
                f"{since}s",
                "--out",
                str(out),
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.dir,
        )
        if r.returncode != 0:
            raise RuntimeError(f"capture failed ({r.returncode}): {r.stderr.strip()[-800:]}")
        return json.loads(r.stdout) if r.stdout.strip().startswith("{") else {"stdout": r.stdout}

    # -- processes --------------------------------------------------------------------------------
    def vvai(
        self, *args: str, env: dict[str, str] | None = None, check: bool = False, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """One host-side ``vvai`` command (an ops script run by cron or by the operator)."""
        e = dict(os.environ, VVAI_PIPELINE_ROOT=str(self.root), **(env or {}))
        return subprocess.run(
            [str(VENV_PY), "-m", "vvai", *args],
            capture_output=True,
            text=True,
            env=e,
            timeout=timeout,
            check=check,
            cwd=self.dir,
        )

    def spawn(
        self, argv: list[str], *, env: dict[str, str] | None = None, log: str = "proc.log"
    ) -> subprocess.Popen[bytes]:
        out = open(self.dir / log, "ab")  # noqa: SIM115
        p = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, **(env or {})),
            cwd=self.dir,
            start_new_session=True,
        )
        out.close()
        self.procs.append(p)
        return p

    @staticmethod
    def stop_proc(p: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p.pid, sig)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(p.pid, signal.SIGKILL)
                p.wait(timeout=10)

    # -- containers ------------------------------------------------------------------------------
    def labels(self, service: str, depends_on: tuple[str, ...] = ()) -> dict[str, str]:
        out = {
            "com.docker.compose.project": self.project,
            "com.docker.compose.service": service,
            "com.docker.compose.container-number": "1",
            "com.docker.compose.oneoff": "False",
        }
        if depends_on:
            out["com.docker.compose.depends_on"] = ",".join(f"{d}:service_started:false" for d in depends_on)
        return out

    def run(
        self,
        service: str,
        cmd: list[str],
        *,
        image: str = BUSYBOX_IMAGE,
        mem_limit: str | None = None,
        cpus: float | None = None,
        restart: str = "no",
        retries: int = 0,
        depends_on: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
        hostpy: bool = False,
        extra_volumes: dict[str, dict] | None = None,
        name: str | None = None,
    ) -> Any:
        vols: dict[str, dict] = {
            str(self.root): {"bind": BOX_ROOT, "mode": "rw"},
            str(HERE / "workers"): {"bind": "/app", "mode": "ro"},
        }
        if hostpy:
            vols.update(
                {
                    "/usr": {"bind": "/usr", "mode": "ro"},
                    str(PY_HOME.parents[1]): {"bind": str(PY_HOME.parents[1]), "mode": "ro"},
                    str(REPO): {"bind": str(REPO), "mode": "ro"},
                }
            )
        vols.update(extra_volumes or {})
        kw: dict[str, Any] = {}
        if mem_limit:
            kw["mem_limit"] = mem_limit
        if cpus:
            kw["nano_cpus"] = int(cpus * 1e9)
        if restart != "no":
            kw["restart_policy"] = {
                "Name": restart,
                **({"MaximumRetryCount": retries} if restart == "on-failure" else {}),
            }
        environment = {"VVAI_PIPELINE_ROOT": BOX_ROOT, "PYTHONUNBUFFERED": "1", "HOME": "/tmp", **(env or {})}
        c = self.client.containers.run(
            image,
            cmd,
            detach=True,
            name=name or f"{self.project}-{service}-1",
            labels=self.labels(service, depends_on),
            volumes=vols,
            environment=environment,
            working_dir=BOX_ROOT,
            network_mode="host",
            **kw,
        )
        self.containers.append(c)
        return c

    def py(self, service: str, args: list[str], **kw: Any) -> Any:
        """A container running the checkout's Python (``-m vvai ...`` or a worker script)."""
        kw.setdefault("image", HOSTPY_IMAGE)
        return self.run(service, [str(VENV_PY), *args], hostpy=True, **kw)

    def idle(self, service: str, line: str, every: float = 5, **kw: Any) -> Any:
        """A quiet service that prints one routine line now and then (the rest of the stack)."""
        script = f'i=0; while :; do i=$((i+1)); echo "{line} seq=$i"; sleep {every:g}; done'
        return self.run(service, ["sh", "-c", script], **kw)

    def remove(self, c: Any) -> None:
        with contextlib.suppress(Exception):
            c.remove(force=True)

    def state(self, c: Any) -> dict[str, Any]:
        c.reload()
        return {**c.attrs["State"], "RestartCount": c.attrs.get("RestartCount", 0)}

    # -- cleanup ---------------------------------------------------------------------------------
    def close(self) -> None:
        for p in reversed(self.procs):
            self.stop_proc(p)
        for c in self.containers:
            self.remove(c)
        for img in self.images:
            with contextlib.suppress(Exception):
                self.client.images.remove(img, force=True)
        for m in self.mounts:
            subprocess.run(["umount", "-l", str(m)], capture_output=True, timeout=20)


def log(msg: str) -> None:
    print(f"[record {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)
