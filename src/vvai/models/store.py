"""The on-disk model store: layout, lock, install records, state.

```
<root>/
  blobs/sha256/<hex>           downloaded artifacts, content-addressed, read-only
  versions/<version>/          one immutable folder per installed version
      install.json             what was installed: manifest, per-file sha256/size/mtime
      <slot>/...               the model files (slot = basename of target_path_in_container)
  active -> versions/<v>       THE pointer: one symlink, swapped atomically
  <slot> -> active/<slot>      stable links the consumer opens, e.g. <root>/bitnet
  .current_model_info.json     derived from `active`, written temp + fsync + os.replace
  .model_updated_flag          rewritten after every activation: the consumer's reload signal
  .vvai/lock                   flock serialising sync/activate/rollback/gc/promote
  .vvai/state.json             highest version ever activated in this store (downgrade guard), history
  .vvai/partial/               <sha256>.part downloads in progress (resumable)
  .vvai/staging/               versions being assembled (never looked at by readers)
  .vvai/trash/                 versions being deleted (renamed here first, then removed)
```

Why one ``active`` pointer plus stable per-slot links rather than one swapped link per slot:
a manifest may install several folders (weights + tokenizer); swapping one pointer switches
all of them at once, so a reader never sees a mix of two versions, even after a crash.
``<root>/bitnet`` still resolves to the active version's folder.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vvai.common import jsonsafe
from vvai.common.atomic import atomic_symlink, atomic_write_json, fsync_dir
from vvai.common.errors import ConfigError, LockedError, VvaiError
from vvai.common.jsonlog import now_rfc3339
from vvai.common.locks import lock_fd, unlock_fd
from vvai.common.paths import DEFAULT_MODELS_ROOT as DEFAULT_ROOT
from vvai.models.manifest import compare_versions

INSTALL_FORMAT = "vvai-install/1"


def default_root() -> Path:
    return Path(os.environ.get("VVAI_MODELS_DIR") or DEFAULT_ROOT)


@dataclass
class InstalledVersion:
    version: str
    folder: Path
    record: dict[str, Any]

    @property
    def model_name(self) -> str:
        return self.record.get("model_name", "")

    @property
    def installed_at(self) -> str:
        return self.record.get("installed_at", "")

    @property
    def slots(self) -> list[str]:
        return list(self.record.get("slots", []))


class StoreLock:
    """An exclusive ``flock`` on ``.vvai/lock``; waits up to ``timeout`` seconds."""

    def __init__(self, path: Path, timeout: float = 600.0, on_wait=None):
        self.path = path
        self.timeout = timeout
        self.on_wait = on_wait
        self.fd: int | None = None

    def __enter__(self) -> StoreLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as e:
            raise store_os_error(e, self.path.parent.parent) from None
        deadline = time.monotonic() + self.timeout
        warned = False
        while True:
            try:
                lock_fd(self.fd, wait=False)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self._holder()
                    os.close(self.fd)
                    self.fd = None
                    raise LockedError(f"another vvai model command holds {self.path}{holder}",
                                      hint="wait for it to finish, or raise --lock-timeout") from None
                if not warned and self.on_wait:
                    self.on_wait(self._holder())
                    warned = True
                time.sleep(0.05)
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)
        return self

    def _holder(self) -> str:
        try:
            pid = Path(self.path).read_text().strip()
            return f" (pid {pid})" if pid else ""
        except OSError:
            return ""

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            unlock_fd(self.fd)
            os.close(self.fd)
            self.fd = None


class Store:
    """Paths and primitive, individually crash-safe operations on one models root."""

    def __init__(self, root: Path | str | None = None):
        self.root = (Path(root) if root else default_root()).absolute()
        self.blobs = self.root / "blobs" / "sha256"
        self.versions = self.root / "versions"
        self.active_link = self.root / "active"
        self.info_path = self.root / ".current_model_info.json"
        self.flag_path = self.root / ".model_updated_flag"
        self.internal = self.root / ".vvai"
        self.partial = self.internal / "partial"
        self.staging = self.internal / "staging"
        self.trash = self.internal / "trash"
        self.state_path = self.internal / "state.json"
        self.lock_path = self.internal / "lock"

    # ---------------------------------------------------------------- layout

    def check_root(self) -> None:
        """A root that exists must be a folder (``--root`` pointing at a file is a mistake, not an empty store)."""
        if os.path.lexists(self.root) and not self.root.is_dir():
            raise ConfigError(f"models root {self.root} is not a folder",
                              hint="pass --root FOLDER or set VVAI_MODELS_DIR")

    def ensure(self) -> None:
        self.check_root()
        try:
            for d in (self.root, self.blobs, self.versions, self.partial, self.staging, self.trash):
                d.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                raise store_os_error(e, self.root) from None
            raise VvaiError(f"cannot create the models root {self.root}: {e.strerror}",
                            hint="choose another --root or set VVAI_MODELS_DIR") from None

    def lock(self, timeout: float = 600.0, on_wait=None) -> StoreLock:
        self.ensure()
        return StoreLock(self.lock_path, timeout, on_wait)

    def blob_path(self, sha256: str) -> Path:
        return self.blobs / sha256

    def new_staging(self) -> Path:
        self.ensure()
        p = self.staging / f"{os.getpid()}-{secrets.token_hex(4)}"
        p.mkdir()
        return p

    # ---------------------------------------------------------------- versions

    def installed(self) -> list[InstalledVersion]:
        """Every complete version folder (a folder without install.json is not a version)."""
        out = []
        if not self.versions.is_dir():
            return out
        for d in sorted(self.versions.iterdir()):
            rec = read_json(d / "install.json")
            if rec and rec.get("format") == INSTALL_FORMAT and rec.get("version"):
                out.append(InstalledVersion(rec["version"], d, rec))
        return out

    def find(self, version: str) -> InstalledVersion | None:
        """The folder holding ``version`` (the active one first, else the newest install)."""
        matches = [iv for iv in self.installed() if iv.version == version]
        if not matches:
            return None
        act = self.active_folder()
        for iv in matches:
            if act is not None and iv.folder.name == act.name:
                return iv
        return max(matches, key=lambda iv: iv.installed_at)

    def free_version_folder(self, version: str) -> Path:
        p = self.versions / version
        if not os.path.lexists(p):
            return p
        return self.versions / f"{version}~{secrets.token_hex(3)}"

    def active_folder(self) -> Path | None:
        try:
            target = os.readlink(self.active_link)
        except (FileNotFoundError, OSError):
            return None
        p = (self.root / target) if not os.path.isabs(target) else Path(target)
        return p if p.is_dir() else None

    def active(self) -> InstalledVersion | None:
        folder = self.active_folder()
        if folder is None:
            return None
        rec = read_json(folder / "install.json")
        if not rec:
            return None
        return InstalledVersion(rec["version"], folder, rec)

    def point_active_to(self, iv: InstalledVersion) -> None:
        """The atomic switch: one symlink replaced with os.replace, then stable slot links."""
        atomic_symlink(self.active_link, os.path.relpath(iv.folder, self.root))
        for slot in iv.slots:
            link = self.root / slot
            want = os.path.join("active", slot)
            try:
                if os.readlink(link) == want:
                    continue
            except FileNotFoundError:
                pass
            except OSError as e:
                if e.errno != errno.EINVAL:
                    raise
                # a real folder from an older, non-atomic installer is in the way: keep it aside
                if link.is_dir() and not link.is_symlink():
                    os.rename(link, self.trash / f"legacy-{slot}-{secrets.token_hex(3)}")
            atomic_symlink(link, want)

    def remove_version(self, iv: InstalledVersion) -> None:
        """Rename into trash first (so it is gone at once for readers), then delete."""
        self.ensure()
        dest = self.trash / f"{iv.folder.name}-{secrets.token_hex(3)}"
        os.rename(iv.folder, dest)
        fsync_dir(self.versions)
        rmtree_force(dest)

    # ---------------------------------------------------------------- state

    def read_state(self) -> dict[str, Any]:
        """The state file; a missing one is an empty state, a corrupt one a clear error (it holds the
        downgrade floor: silently starting over would let an old release back in)."""
        if not os.path.lexists(self.state_path):
            st: dict[str, Any] = {}
        else:
            fix = (f"move it aside (mv {self.state_path} {self.state_path}.bad) and rerun; the downgrade "
                   "floor then restarts from the active version")
            try:
                st = jsonsafe.load_file(self.state_path, what=str(self.state_path))
            except ConfigError as e:
                raise ConfigError(f"corrupt model store state: {e.message}", hint=fix) from None
            if not isinstance(st, dict) or not isinstance(st.get("history", []), list) or not isinstance(
                    st.get("highest_installed", {}), dict):
                raise ConfigError(f"corrupt model store state: {self.state_path}: not a vvai-state/1 object",
                                  hint=fix)
        st.setdefault("format", "vvai-state/1")
        st.setdefault("highest_installed", {})  # per model name, kept for stores written before "floor"
        st.setdefault("history", [])
        return st

    def write_state(self, st: dict[str, Any]) -> None:
        st["history"] = st.get("history", [])[-500:]
        atomic_write_json(self.state_path, st)

    def record_event(self, action: str, **fields: Any) -> None:
        st = self.read_state()
        st["history"].append({"ts": now_rfc3339(), "action": action, **fields})
        self.write_state(st)

    def highest_activated(self, model_name: str | None = None) -> str | None:
        """Highest version ever activated in this store: the downgrade guard's floor.

        The floor belongs to the store, not to a model name: a publisher can rename a model (or
        ``publish`` may name it after the artifact file), and a 1.0.0 manifest under a new name must
        not replace an active 2.0.0. ``model_name`` is accepted for callers of the old API and ignored.
        Staged candidates (installed, never activated) do not raise it, so a candidate that
        fails evaluation does not block syncing the manifest the fleet is really on.
        """
        st = self.read_state()
        candidates = [st.get("floor"), *st["highest_installed"].values()]
        act = self.active()
        if act is not None:
            candidates.append(act.version)
        best: str | None = None
        for v in candidates:
            if not isinstance(v, str):
                continue
            try:
                if best is None or compare_versions(v, best) > 0:
                    best = v
            except ValueError:
                continue  # a version written by hand that is not semver cannot be a floor
        return best

    def note_activated(self, model_name: str, version: str) -> None:
        st = self.read_state()
        cur = self.highest_activated()
        if cur is None or compare_versions(version, cur) >= 0:
            st["floor"] = version
            st["highest_installed"][model_name] = version
            self.write_state(st)

    # ---------------------------------------------------------------- housekeeping

    def sweep(self) -> None:
        """Remove what crashed runs left behind: staging of dead processes, trash."""
        for d in (self.staging, self.trash):
            if not d.is_dir():
                continue
            for p in d.iterdir():
                if d is self.staging:
                    pid = p.name.split("-", 1)[0]
                    if pid.isdigit() and pid_alive(int(pid)) and int(pid) != os.getpid():
                        continue
                rmtree_force(p)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (this machine's PID 1 does not reap) is dead for our purposes
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def read_json(path: Path) -> dict[str, Any] | None:
    """A derived or optional JSON object (install record, info file): ``None`` when missing or unusable.

    Not for the state file, whose loss would matter: see :meth:`Store.read_state`."""
    try:
        obj = jsonsafe.load_file(path)
    except ConfigError:
        return None
    return obj if isinstance(obj, dict) else None


def store_os_error(e: OSError, root: Path) -> VvaiError:
    """A one-line error for a store that cannot be written (read-only, immutable, forbidden, full)."""
    where = e.filename or root
    if e.errno == errno.EROFS:
        return VvaiError(f"the models root {root} is on a read-only file system ({where})",
                         hint="remount it read-write, or pass another --root")
    if e.errno in (errno.EPERM, errno.EACCES):
        return VvaiError(f"not allowed to change {where}: {e.strerror}",
                         hint="check its owner and mode, or whether it is immutable (lsattr; chattr -i)")
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return VvaiError(f"no space left under {root}", hint="free disk space (vvai model gc), then retry")
    return VvaiError(f"cannot change {where}: {e.strerror}")


def rmtree_force(path: Path) -> None:
    """Delete a tree whose files and folders may be read-only."""

    def onerror(func, p, exc_info):  # make the parent writable and try again
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(p), 0o755)
            if not os.path.islink(p) and os.path.isdir(p):
                os.chmod(p, 0o755)
            func(p)

    if os.path.islink(path) or path.is_file():
        path.unlink(missing_ok=True)
        return
    shutil.rmtree(path, onerror=onerror)
    with contextlib.suppress(FileNotFoundError):
        if path.exists():
            shutil.rmtree(path)
