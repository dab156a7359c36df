"""A private, real Docker Engine (Debian's ``docker.io``) on a unix socket, for the few tests that
need what Podman 4.3 does not implement (``POST /containers/{id}/update``: applying limits).

Podman stays the engine of the live tests (see :mod:`vvai.testing.podman`); this one is started
only by the tests that ask for it. What it handles:

- every path of its own under one folder (data root, exec root, pid file, socket, a containerd
  namespace and a cgroup parent), so it never touches a system Docker and can coexist with one;
- no bridge and no iptables (the tests need no container networking), the ``vfs`` storage
  driver (works inside any container filesystem; the test image is 2 MB), and ``nofile``
  within what root without CAP_SYS_RESOURCE may set;
- the same busybox image as the Podman engine, imported through the API (no registry);
- stopping: containers removed, then the daemon by its PID, its containerd and shims reaped.

Written by hand: no library wraps a throw-away dockerd.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from vvai.common.errors import VvaiError
from vvai.testing.engine_service import EngineService


def _tool(name: str) -> str | None:
    """The path of a daemon binary, also where a non-root PATH leaves out /usr/sbin."""
    return shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if Path(p).exists()),
                                      None)


def dockerd_available() -> str | None:
    """None when dockerd and its containerd are installed, else the reason they are not."""
    for tool in ("dockerd", "containerd", "runc"):
        if _tool(tool) is None:
            return f"{tool} is not installed (apt-get install docker.io; ./install.sh does)"
    return None


class DockerdEngine(EngineService):
    """One private dockerd under ``root``; use as a context manager or call start/stop."""

    label = "dockerd"
    log_name = "dockerd.log"
    reap_names = ("containerd", "dockerd", "runc")
    stop_timeout_s = 20.0

    def __init__(self, root: Path | str):
        super().__init__(root, "docker.sock")
        self.namespace = f"vvai-{os.getpid()}-{abs(hash(str(self.root))) % 10**6}"

    def start(self, timeout: float = 60) -> DockerdEngine:
        reason = dockerd_available()
        if reason:
            raise VvaiError(f"Docker Engine is not usable: {reason}")
        for d in ("data", "exec"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, PATH=f"{os.environ.get('PATH', '')}:/usr/sbin:/usr/bin:/sbin:/bin")
        self._launch(
            [str(_tool("dockerd")), "--data-root", str(self.root / "data"), "--exec-root", str(self.root / "exec"),
             "--pidfile", str(self.root / "dockerd.pid"), "-H", self.socket_url,
             "--iptables=false", "--ip6tables=false", "--bridge=none", "--storage-driver=vfs",
             "--containerd-namespace", self.namespace, "--containerd-plugins-namespace", f"{self.namespace}-p",
             "--cgroup-parent", f"/{self.namespace}", "--exec-opt", "native.cgroupdriver=cgroupfs",
             "--default-ulimit", "nofile=20000:20000", "--shutdown-timeout", "2", "--userland-proxy=false"],
            cwd=self.root, env=env, timeout=timeout)
        return self

    def _after_stop(self) -> None:
        """containerd and its shims started for this daemon (their command lines name our paths),
        then whatever they left mounted under the root."""
        mine = (str(self.root), self.namespace)
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if "containerd" in text and any(m in text for m in mine):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(int(cmdline.parent.name), signal.SIGKILL)
        time.sleep(0.2)
        try:
            mounts = [m.split(" ")[1] for m in Path("/proc/self/mounts").read_text().splitlines() if " " in m]
        except OSError:
            return
        for mnt in sorted((m for m in mounts if m.startswith(str(self.root))), reverse=True):
            subprocess.run(["umount", "-l", mnt], capture_output=True, timeout=10)

    def _import_image(self, tar_path: Path, tag: str) -> None:
        repo, _, version = tag.rpartition(":")
        self.docker_client().api.import_image_from_data(
            tar_path.read_bytes(), repository=repo, tag=version, changes=['CMD ["/bin/sh"]', "ENV PATH=/bin"])
