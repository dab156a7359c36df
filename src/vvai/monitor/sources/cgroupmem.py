"""A container's inactive file cache, read from its memory cgroup on the host (read-only).

Podman's Docker-compatible stats give memory ``usage`` and ``limit`` only, and ``usage`` counts
the page cache of every file the container wrote or read: a healthy scanner that went through a
few hundred MB of video sits near its ``mem_limit`` although the kernel would drop that cache
before any OOM kill. Docker sends the cgroup's ``memory.stat`` in ``stats`` and the docker CLI
subtracts its inactive file cache; this module reads the same figure for engines that do not.

It works where the monitor sees the host's ``/proc`` and ``/sys/fs/cgroup`` (it runs on the
box, or in a container with ``pid: host`` and the cgroup tree mounted). The cgroup found from
``/proc/<pid>/cgroup`` must name the container's ID, so a PID from another namespace, or one
reused by another process, is never read. Anything else (no such PID, another layout, a file
that cannot be read or parsed) gives ``None`` and the engine's ``usage`` is taken as it comes.
"""

from __future__ import annotations

from pathlib import Path


def _memory_cgroup(pid: int, proc: Path) -> tuple[str, str] | None:
    """("v1" | "v2", cgroup path) of the process's memory controller, or None."""
    unified = None
    for line in (proc / str(pid) / "cgroup").read_text().splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if "memory" in controllers.split(","):
            return "v1", path
        if parts[0] == "0" and controllers == "":
            unified = path
    return ("v2", unified) if unified is not None else None


def inactive_file_bytes(pid: object, container_id: str, *, proc: Path = Path("/proc"),
                        cgroup_root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """Inactive file cache (bytes) of the container whose main process is ``pid``, or None."""
    if not isinstance(pid, int) or pid <= 0 or not container_id:
        return None
    try:
        found = _memory_cgroup(pid, proc)
        if found is None:
            return None
        version, path = found
        if container_id not in path:
            return None
        rel = path.lstrip("/")
        stat = cgroup_root / "memory" / rel / "memory.stat" if version == "v1" else cgroup_root / rel / "memory.stat"
        key = "total_inactive_file" if version == "v1" else "inactive_file"
        for line in stat.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                n = int(value)
                return n if n >= 0 else None
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return None
