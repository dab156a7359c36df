"""Read-only checks the executor runs right before an action (preconditions) and after its
settle time (post-conditions). Nothing here writes; engine reads go through the monitor's
read-only engine source.
"""

from __future__ import annotations

import os
import shutil
import stat
import time
from pathlib import Path
from typing import Any

from vvai.actions.requests import Verdict
from vvai.actions.safety import QUARANTINE_FROM, check_file_name
from vvai.common.timefmt import parse_ts

#: Categories whose culprit may be running and still failing (it runs but does no work).
RUNNING_BUT_FAILING = ("pipeline_stall", "orphan_outputs", "export_failure", "deployment_regression")


class EngineView:
    """Components and their newest container, read through the engine source (cached briefly)."""

    def __init__(self, source: Any, ttl_s: float = 1.0):
        self.source = source
        self.ttl_s = ttl_s
        self._at = 0.0
        self._found: dict[str, dict] = {}
        self.error = ""

    def containers(self, fresh: bool = False) -> dict[str, dict]:
        if self.source is None:
            return {}
        if fresh or time.monotonic() - self._at > self.ttl_s:
            try:
                self._found = self.source.discover()
                self.error = ""
            except Exception as e:  # noqa: BLE001 - engine down or denied: no engine facts
                self._found, self.error = {}, f"engine not readable: {str(e).splitlines()[0][:160] if str(e) else e}"
            self._at = time.monotonic()
        return self._found

    def depends_on(self) -> dict[str, tuple[str, ...]]:
        return {c: tuple(self.source.component_meta(a).get("depends_on") or ())
                for c, a in self.containers().items()} if self.source else {}

    @property
    def client(self) -> Any:
        return self.source.client() if self.source is not None else None


def started_at(attrs: dict) -> float | None:
    try:
        dt = parse_ts((attrs.get("State") or {}).get("StartedAt"))
    except (TypeError, ValueError):
        return None
    return dt.timestamp() if dt and dt.year > 1971 else None


def container_failing(attrs: dict | None, category: str, now: float, recent_s: float = 120.0) -> Verdict:
    """Precondition of a restart: the container is still failing (exited, restarting, unhealthy,
    or restarted a moment ago by its restart policy)."""
    if attrs is None:
        return Verdict.no("no container for it (removed?)")
    st = attrs.get("State") or {}
    status = st.get("Status", "")
    health = (st.get("Health") or {}).get("Status")
    if status in ("exited", "dead", "created", "restarting", "stopped") or st.get("Restarting"):
        return Verdict.yes(f"it is {status}")
    if health == "unhealthy":
        return Verdict.yes("it is unhealthy")
    t = started_at(attrs)
    if (attrs.get("RestartCount") or 0) > 0 and t and now - t < recent_s:
        return Verdict.yes(f"restarted {now - t:.0f} s ago by its restart policy")
    if category in RUNNING_BUT_FAILING:
        return Verdict.yes(f"running, but the {category} incident says it does no work")
    return Verdict.no(f"it is {status or 'running'} and healthy now")


def container_stayed_up(attrs: dict | None, since: float, settle_s: float, now: float) -> Verdict:
    """Post-condition of a restart: running, not unhealthy, and up for the settle time."""
    if attrs is None:
        return Verdict.no("the container is gone")
    st = attrs.get("State") or {}
    if st.get("Status") != "running":
        return Verdict.no(f"it is {st.get('Status')} (exit code {st.get('ExitCode')}) {now - since:.0f} s later")
    if (st.get("Health") or {}).get("Status") == "unhealthy":
        return Verdict.no("it is running but unhealthy")
    t = started_at(attrs) or since
    need = settle_s * 0.5
    if now - t < need:
        return Verdict.no(f"it restarted again {now - t:.1f} s ago (needs {need:.0f} s of uptime)")
    return Verdict.yes(f"running for {now - t:.0f} s")


def locate_file(root: Path, folders: dict[str, Path], name: str) -> tuple[Verdict, str | None]:
    """Precondition of a quarantine: ``name`` is a regular file (not a symlink) directly in one of
    input/ or processed/, and that folder is a real folder inside the pipeline root."""
    v = check_file_name(name)
    if not v.ok:
        return v, None
    try:
        root_real = Path(os.path.realpath(root))
    except OSError as e:
        return Verdict.no(f"pipeline root unreadable: {e}"), None
    for fname in QUARANTINE_FROM:
        folder = folders[fname]
        try:
            fst = os.lstat(folder)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(fst.st_mode) or not stat.S_ISDIR(fst.st_mode):
            return Verdict.no(f"{fname}/ is a symlink or not a folder: nothing is moved from it"), None
        real = Path(os.path.realpath(folder))
        if real.parent != root_real and root_real not in real.parents:
            return Verdict.no(f"{fname}/ resolves outside the pipeline root"), None
        try:
            st = os.lstat(folder / name)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(st.st_mode):
            return Verdict.no(f"{fname}/{name} is a symlink (never moved)"), None
        if not stat.S_ISREG(st.st_mode):
            return Verdict.no(f"{fname}/{name} is not a regular file"), None
        return Verdict.yes(f"{fname}/{name} exists ({st.st_size} bytes)"), fname
    return Verdict.no(f"{name} is in neither {' nor '.join(f + '/' for f in QUARANTINE_FROM)}"), None


def disk(root: Path) -> dict[str, int]:
    u = shutil.disk_usage(root)
    return {"total_bytes": u.total, "free_bytes": u.free, "used_bytes": u.total - u.free}


def folder_bytes(folder: Path) -> int:
    """Bytes of the regular files directly in ``folder`` (what the pipeline cleanup can see)."""
    total = 0
    try:
        with os.scandir(folder) as it:
            for e in it:
                if e.is_file(follow_symlinks=False) and not e.name.startswith("."):
                    total += e.stat(follow_symlinks=False).st_size
    except OSError:
        return 0
    return total
