"""What the throw-away container engines (:mod:`.podman`, :mod:`.dockerd`) share: a daemon started
as our child that serves the Docker Engine API on a unix socket under its own folder, ready when
the socket answers a ping, stopped by its PID after its containers are removed, and the zombies
its helpers leave reaped (PID 1 on these machines never reaps orphans).

Written by hand: no library wraps a throw-away engine daemon.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Any

from vvai.common.errors import VvaiError

BUSYBOX_IMAGE = "localhost/vvai-busybox:latest"


def busybox_rootfs_tar(tar_path: Path) -> Path:
    """A rootfs tar of the host's static busybox, one symlink per applet (no registry needed)."""
    applets = subprocess.run(["/bin/busybox", "--list"], capture_output=True, text=True, check=True).stdout.split()
    with tarfile.open(tar_path, "w") as tar:
        for d in ("bin", "tmp", "proc", "sys", "dev", "etc"):
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o1777 if d == "tmp" else 0o755
            tar.addfile(info)
        tar.add("/bin/busybox", arcname="bin/busybox")
        for applet in applets:
            if applet == "busybox":
                continue  # a symlink named busybox would overwrite the binary
            info = tarfile.TarInfo(f"bin/{applet}")
            info.type = tarfile.SYMTYPE
            info.linkname = "busybox"
            tar.addfile(info)
    return tar_path


def become_subreaper() -> None:
    """Adopt orphans (conmon and containerd shims double-fork) so they can be reaped."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def reap(names: tuple[str, ...]) -> None:
    """Reap our zombie children whose command name starts with one of ``names``; leave the rest."""
    me = os.getpid()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm = text[text.find("(") + 1:text.rfind(")")]
        fields = text[text.rfind(")") + 2:].split()
        if fields[0] == "Z" and int(fields[1]) == me and comm.startswith(names):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(int(stat.parent.name), os.WNOHANG)


class EngineService:
    """Base of one private engine daemon under ``root`` (subclasses define ``start``)."""

    label = "engine"  # for messages
    log_name = "service.log"
    reap_names: tuple[str, ...] = ()
    stop_timeout_s = 10.0

    def __init__(self, root: Path | str, socket_name: str):
        self.root = Path(root).resolve()
        self.socket_path = self.root / socket_name
        self.proc: subprocess.Popen[bytes] | None = None
        self._client: Any = None

    @property
    def socket_url(self) -> str:
        return f"unix://{self.socket_path}"

    def _launch(self, argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> None:
        """Start the daemon, wait until its socket answers, then make the test image."""
        become_subreaper()
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        log = open(self.root / self.log_name, "ab")  # noqa: SIM115 - kept open for the child's life
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.stop()
                raise VvaiError(f"{self.label} exited with {code}", hint=f"see {self.root / self.log_name}")
            if self.socket_path.exists():
                try:
                    self.docker_client().ping()
                    break
                except Exception:  # noqa: BLE001 - not ready yet
                    pass
            time.sleep(0.1)
        else:
            self.stop()
            raise VvaiError(f"{self.label} did not come up", hint=f"see {self.root / self.log_name}")
        try:
            self.ensure_busybox()
        except BaseException:
            self.stop()
            raise

    def ensure_busybox(self, tag: str = BUSYBOX_IMAGE) -> str:
        """A tiny image from the host's static busybox (no registry), made once per engine."""
        try:
            self.docker_client().images.get(tag)
            return tag
        except Exception:  # noqa: BLE001 - docker.errors.ImageNotFound
            pass
        tar_path = busybox_rootfs_tar(self.root / "busybox-rootfs.tar")
        try:
            self._import_image(tar_path, tag)
        finally:
            tar_path.unlink(missing_ok=True)
        return tag

    def _import_image(self, tar_path: Path, tag: str) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Remove every container, stop the daemon by its PID, then clean up after it."""
        if self._client is not None:
            with contextlib.suppress(Exception):
                for c in self._client.containers.list(all=True):
                    with contextlib.suppress(Exception):
                        c.remove(force=True)
            with contextlib.suppress(Exception):
                self._client.close()
            self._client = None
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=self.stop_timeout_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None
        self._after_stop()
        reap(self.reap_names)

    def _after_stop(self) -> None:
        """What a subclass undoes once its daemon is gone (mounts, helper processes)."""

    def __enter__(self) -> Any:
        return self.start()  # type: ignore[attr-defined]

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def docker_client(self, timeout: int = 60) -> Any:
        """A ``docker.DockerClient`` bound to this engine (shared; use ``new_client`` for threads)."""
        if self._client is None:
            self._client = self.new_client(timeout)
        return self._client

    def new_client(self, timeout: int = 60) -> Any:
        import docker

        return docker.DockerClient(base_url=self.socket_url, timeout=timeout)
