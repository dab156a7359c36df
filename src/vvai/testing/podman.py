"""A private, real Podman engine speaking the Docker API, for tests and benchmarks.

No Docker Engine runs on the build machines, and no registry is reachable. Podman from Debian
serves the Docker Engine API on a unix socket, so the monitor's Docker-SDK code path is exercised
against real containers that really get OOM-killed, crash and restart. What this class handles
(the measurements behind each point are in the team's container-engine notes):

- private ``CONTAINERS_CONF`` / ``CONTAINERS_STORAGE_CONF`` under one folder, so nothing touches
  the host's podman state and several engines can coexist;
- ``default_ulimits`` within what root without CAP_SYS_RESOURCE may set, ``runtime = "runc"``
  (crun rejects the cgroup v1 hybrid layout), ``events_logger = "file"`` (no journald), and a
  conmon wrapper adding ``--persist-dir`` so ``State.OOMKilled`` is reported;
- the host's network namespace for containers (no bridge, no iptables: the tests need no
  container networking, and the monitor never talks to the containers);
- a busybox image built from the host's busybox-static with ``podman import`` (no registry);
- stopping the service by PID and reaping it (PID 1 here does not reap zombies).

Written by hand: no library wraps a throw-away podman service.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from vvai.common.errors import VvaiError
from vvai.testing.engine_service import BUSYBOX_IMAGE, EngineService

__all__ = ["BUSYBOX_IMAGE", "PodmanEngine", "podman_available"]

_CONMON_WRAPPER = """#!/bin/sh
# podman 4.3.1 does not pass --persist-dir to conmon, so conmon writes its 'oom' marker into
# podman's working directory and State.OOMKilled stays false. Add it (bundle dir = value of -b).
bundle=""
is_exec=0
prev=""
for a in "$@"; do
  case "$a" in
    --exec|-e) is_exec=1 ;;
  esac
  if [ "$prev" = "-b" ] || [ "$prev" = "--bundle" ]; then bundle="$a"; fi
  prev="$a"
done
if [ "$is_exec" = "0" ] && [ -n "$bundle" ]; then
  exec {conmon} "$@" --persist-dir "$bundle"
fi
exec {conmon} "$@"
"""


def podman_available() -> str | None:
    """None when a usable podman + runc + conmon is installed, else the reason it is not."""
    for tool in ("podman", "runc", "conmon"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install podman runc conmon busybox-static)"
    if not Path("/bin/busybox").exists():
        return "/bin/busybox is missing (apt-get install busybox-static)"
    return None


class PodmanEngine(EngineService):
    """One private Podman service under ``root``; use as a context manager or call start/stop."""

    label = "podman service"
    reap_names = ("conmon", "podman", "exe")

    def __init__(self, root: Path | str, *, storage_driver: str = "overlay"):
        super().__init__(root, "podman.sock")
        self.storage_driver = storage_driver
        self.conf_dir = self.root / "conf"
        self.workdir = self.root / "work"

    # -- configuration --------------------------------------------------------------------------
    @property
    def env(self) -> dict[str, str]:
        """Environment for any ``podman`` command that must see this engine."""
        env = dict(os.environ)
        env["CONTAINERS_CONF"] = str(self.conf_dir / "containers.conf")
        env["CONTAINERS_STORAGE_CONF"] = str(self.conf_dir / "storage.conf")
        env["TMPDIR"] = str(self.root / "tmp")
        return env

    def write_config(self) -> dict[str, str]:
        """Write the private configuration (no service started); return the variables that select it."""
        self._write_config()
        return {k: self.env[k] for k in ("CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF", "TMPDIR")}

    def _write_config(self) -> None:
        for d in (self.conf_dir, self.workdir, self.root / "tmp", self.root / "storage",
                  self.root / "run", self.root / "engine-tmp", self.root / "volumes"):
            d.mkdir(parents=True, exist_ok=True)
        conmon = shutil.which("conmon") or "/usr/bin/conmon"
        wrapper = self.conf_dir / "conmon-wrapper.sh"
        wrapper.write_text(_CONMON_WRAPPER.replace("{conmon}", conmon))
        wrapper.chmod(0o755)
        (self.conf_dir / "containers.conf").write_text(
            "[containers]\n"
            'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n'
            'netns = "host"\n'
            'log_driver = "k8s-file"\n'
            "\n[engine]\n"
            'runtime = "runc"\n'
            'events_logger = "file"\n'
            f'events_logfile_path = "{self.root / "events.log"}"\n'
            'cgroup_manager = "cgroupfs"\n'
            f'conmon_path = ["{wrapper}"]\n'
            f'tmp_dir = "{self.root / "engine-tmp"}"\n'
            f'volume_path = "{self.root / "volumes"}"\n'
            "\n[network]\n"
            f'network_config_dir = "{self.root / "networks"}"\n'
        )
        (self.conf_dir / "storage.conf").write_text(
            "[storage]\n"
            f'driver = "{self.storage_driver}"\n'
            f'graphroot = "{self.root / "storage"}"\n'
            f'runroot = "{self.root / "run"}"\n'
        )

    # -- lifecycle ------------------------------------------------------------------------------
    def podman(self, *args: str, input: bytes | None = None, timeout: float = 120) -> str:
        """Run one ``podman`` CLI command against this engine's storage; raise on failure."""
        r = subprocess.run(["podman", *args], env=self.env, input=input, capture_output=True,
                           timeout=timeout, cwd=self.workdir)
        if r.returncode != 0:
            raise VvaiError(f"podman {' '.join(args[:2])} failed: {r.stderr.decode(errors='replace')[-500:]}",
                            hint="podman comes with ./install.sh; rerun the command with this engine's env to see why")
        return r.stdout.decode(errors="replace")

    def start(self, timeout: float = 30) -> PodmanEngine:
        """Write the private config, start ``podman system service`` and wait for the socket."""
        reason = podman_available()
        if reason:
            raise VvaiError(f"podman is not usable: {reason}")
        self._write_config()
        self._launch(["podman", "system", "service", "--time=0", self.socket_url], cwd=self.workdir, env=self.env,
                     timeout=timeout)
        return self

    def _after_stop(self) -> None:
        self._unmount_storage()

    def _unmount_storage(self) -> None:
        """The overlay driver leaves its graphroot bind-mounted; undo that so the folder can go."""
        mnt = str(self.root / "storage" / "overlay")
        for _ in range(20):  # every podman process may have stacked one more bind mount
            try:
                mounts = Path("/proc/self/mounts").read_text().split("\n")
            except OSError:
                return
            if not any(len(f := m.split(" ")) > 1 and f[1] == mnt for m in mounts):
                return
            r = subprocess.run(["umount", "-l", mnt], capture_output=True, timeout=10)
            if r.returncode != 0:
                return

    # -- images ---------------------------------------------------------------------------------
    def _import_image(self, tar_path: Path, tag: str) -> None:
        self.podman("import", "--change", 'CMD ["/bin/sh"]', "--change", "ENV PATH=/bin", str(tar_path), tag)


def main(argv: list[str] | None = None) -> int:
    """``python -m vvai.testing.podman env ROOT``: write ROOT's private config, print ``KEY=VALUE``
    lines that point ``podman`` (CLI) at it (scripts such as deploy/build-images.sh read them)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] != "env":
        print("usage: python -m vvai.testing.podman env ROOT", file=sys.stderr)
        return 2
    engine = PodmanEngine(args[1])
    for key, value in engine.write_config().items():
        print(f"{key}={value}")
    print(f"DOCKER_HOST={engine.socket_url}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
