"""Model lifecycle operations: sync, install, activate, rollback, verify, gc, status (publishing is
:mod:`vvai.models.publish`).

``sync`` runs its steps as named methods in a fixed order (python-tuf's updater is the model):

1. ``_load_manifest``       read the manifest (path or URL) and, when a key is set, its ``.sig``
2. ``_verify_signature``    refuse an unsigned or badly signed manifest before parsing it
3. ``_parse``               validate every field (errors name the field)
4. ``_check_not_downgrade`` refuse a version below the highest ever activated in this store
                           (freeze/rollback attacks; the floor is the store's, whatever the model name)
5. ``_installed_match``     nothing to download when that version is installed and verifies
6. ``_fetch``               stream each artifact into the blob store, verifying size and sha256
7. ``_stage``               extract / link into a fresh staging folder, hashing every file
8. ``_commit``              rename the staging folder into ``versions/`` (atomic)
9. ``_activate``            swap the ``active`` pointer, write the info file, rewrite the flag
10. ``_retain``             keep the last N versions, drop unreferenced blobs

Every step either completes or leaves the active version exactly as it was: nothing is
visible to readers before step 9, and step 9 is a single ``os.replace``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vvai.common.atomic import atomic_write_json, atomic_write_text, fsync_dir
from vvai.common.errors import ConfigError, IntegrityError, VvaiError
from vvai.common.jsonlog import now_rfc3339
from vvai.common.redact import redact
from vvai.models import trust
from vvai.models.extract import ExtractLimits, ExtractResult, extract_archive, sync_tree
from vvai.models.fetch import Download, NullProgress, ProgressSink
from vvai.models.manifest import (
    Manifest,
    compare_versions,
    parse_manifest,
    resolve_url,
)
from vvai.models.store import INSTALL_FORMAT, InstalledVersion, Store, read_json, rmtree_force, store_os_error
from vvai.models.transports import FetchPolicy, read_small
from vvai.models.verify import check_version

DEFAULT_KEEP = 3


@dataclass
class SyncResult:
    version: str
    model_name: str
    action: str  # "installed" | "activated" | "unchanged"
    previous_version: str | None
    active_path: str
    downloaded_bytes: int = 0
    resumed_bytes: int = 0
    seconds: float = 0.0
    removed_versions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class VerifyReport:
    version: str
    folder: str
    ok: bool
    problems: list[str]
    files: int


class ModelManager:
    """All lifecycle operations on one models root."""

    def __init__(self, root: Path | str | None = None, *, policy: FetchPolicy | None = None,
                 progress: ProgressSink | None = None, limits: ExtractLimits | None = None,
                 public_key: Path | str | None = None, lock_timeout: float = 600.0, on_lock_wait=None):
        self.store = Store(root)
        self.store.check_root()
        if lock_timeout < 0 or lock_timeout != lock_timeout:
            raise ConfigError(f"--lock-timeout must be 0 or more seconds (got {lock_timeout:g})")
        self.policy = policy or FetchPolicy.from_env()
        self.progress = progress or NullProgress()
        self.limits = limits or ExtractLimits()
        pk = public_key or os.environ.get("VVAI_MODEL_PUBKEY") or None
        self.public_key = trust.load_public_key(Path(pk)) if pk else None
        self.lock_timeout = lock_timeout
        self.on_lock_wait = on_lock_wait

    def _lock(self):
        return self.store.lock(self.lock_timeout, self.on_lock_wait)

    @contextlib.contextmanager
    def _writing(self):
        """An OSError while changing the store (read-only, immutable, full) is a one-line error."""
        try:
            yield
        except OSError as e:
            raise store_os_error(e, self.store.root) from None

    # ================================================================= sync

    def sync(self, manifest_location: str, *, allow_downgrade: bool = False, keep: int = DEFAULT_KEEP,
             activate: bool = True) -> SyncResult:
        t0 = time.monotonic()
        if keep < 1:
            raise ConfigError(f"--keep must be at least 1 (got {keep}): the active version is always kept")
        with self._lock(), self._writing():
            self.store.sweep()
            self._reconcile()
            raw, sig = self._load_manifest(manifest_location)
            self._verify_signature(raw, sig, manifest_location)
            manifest = self._parse(raw, manifest_location)
            self._check_not_downgrade(manifest, allow_downgrade)
            before = self.store.active()
            iv = self._installed_match(manifest)
            downloaded = resumed = 0
            if iv is None:
                blobs, downloaded, resumed = self._fetch(manifest, manifest_location)
                staged = self._stage(manifest, blobs, manifest_location)
                iv = self._commit(staged, manifest)
                action = "installed"
            elif before is not None and before.folder == iv.folder:
                action = "unchanged"
            else:
                action = "activated"
            if activate and action != "unchanged":
                self._activate(iv, reason="sync")
            st = self.store.read_state()
            st["manifest_source"] = manifest_location
            self.store.write_state(st)
            removed = self._retain(keep)
            return SyncResult(
                version=iv.version, model_name=iv.model_name, action=action if activate else "staged",
                previous_version=(before.version if before and action != "unchanged"
                                  else self._info_previous(iv)),
                active_path=str(self.store.root / (iv.slots[0] if iv.slots else "active")),
                downloaded_bytes=downloaded, resumed_bytes=resumed, seconds=time.monotonic() - t0,
                removed_versions=removed)

    def install(self, manifest_location: str, *, allow_downgrade: bool = True) -> InstalledVersion:
        """Install a version without activating it (staging evaluation, A/B candidates)."""
        with self._lock(), self._writing():
            self.store.sweep()
            raw, sig = self._load_manifest(manifest_location)
            self._verify_signature(raw, sig, manifest_location)
            manifest = self._parse(raw, manifest_location)
            self._check_not_downgrade(manifest, allow_downgrade)
            iv = self._installed_match(manifest)
            if iv is None:
                blobs, _, _ = self._fetch(manifest, manifest_location)
                iv = self._commit(self._stage(manifest, blobs, manifest_location), manifest)
            return iv

    # ---- the steps

    def _load_manifest(self, location: str) -> tuple[bytes, bytes | None]:
        if "://" not in location:
            p = Path(location)
            if not p.is_file():
                raise ConfigError(f"manifest not found: {location}", hint="pass --manifest PATH or URL")
        raw = read_small(location, self.policy)
        if raw is None:
            raise ConfigError(f"manifest not found: {location}", hint="check the --manifest path or URL")
        sig = read_small(location + ".sig", self.policy, limit=4096) if self.public_key else None
        return raw, sig

    def _verify_signature(self, raw: bytes, sig: bytes | None, location: str) -> None:
        if self.public_key is not None:
            trust.verify(raw, sig, self.public_key, location)

    def _parse(self, raw: bytes, location: str) -> Manifest:
        return parse_manifest(raw, where=location)

    def _check_not_downgrade(self, manifest: Manifest, allow_downgrade: bool) -> None:
        highest = self.store.highest_activated()
        if highest and compare_versions(manifest.version, highest) < 0 and not allow_downgrade:
            raise IntegrityError(
                f"manifest version {manifest.version} is lower than {highest}, the highest ever activated",
                hint="use 'vvai model rollback' for a local rollback, or --allow-downgrade if this is intended")

    def _installed_match(self, manifest: Manifest) -> InstalledVersion | None:
        """The installed folder of this exact version and artifacts, if it still verifies."""
        want = {(a.filename, a.sha256) for a in manifest.artifacts}
        for iv in sorted(self.store.installed(), key=lambda i: i.installed_at, reverse=True):
            if iv.version != manifest.version or iv.model_name != manifest.model_name:
                continue
            have = {(a["filename"], a["sha256"]) for a in iv.record.get("artifacts", [])}
            if have == want and not check_version(iv, full=True):
                return iv
        return None

    def _fetch(self, manifest: Manifest, location: str) -> tuple[dict[str, Path], int, int]:
        blobs: dict[str, Path] = {}
        downloaded = resumed = 0
        for a in manifest.artifacts:
            url = resolve_url(location, a.url)
            dl = Download(url, a.sha256, a.size_bytes, self.store.blob_path(a.sha256), self.store.partial,
                          self.policy, self.progress, name=a.filename)
            blobs[a.filename] = dl.run()
            downloaded += dl.bytes_from_network
            resumed += dl.resumed_from
        return blobs, downloaded, resumed

    def _stage(self, manifest: Manifest, blobs: dict[str, Path], location: str) -> Path:
        staging = self.store.new_staging()
        try:
            files: dict[str, dict[str, Any]] = {}
            symlinks: dict[str, str] = {}
            for a in manifest.artifacts:
                slot_dir = staging / a.slot
                slot_dir.mkdir(exist_ok=True)
                if a.archive:
                    res = extract_archive(blobs[a.filename], a.archive, slot_dir, self.limits, ExtractResult())
                    for rel, sha in res.files.items():
                        files[f"{a.slot}/{rel}"] = {"sha256": sha}
                    for rel, target in res.symlinks.items():
                        symlinks[f"{a.slot}/{rel}"] = target
                else:
                    dest = slot_dir / a.filename
                    if os.path.lexists(dest):
                        raise ConfigError(f"artifact {a.filename}: {a.slot}/{a.filename} is already provided "
                                          "by another artifact of this manifest")
                    _link_or_copy(blobs[a.filename], dest)
                    files[f"{a.slot}/{a.filename}"] = {"sha256": a.sha256}
            for rel, meta in files.items():
                st = os.lstat(staging / rel)
                meta["size"] = st.st_size
                meta["mtime_ns"] = st.st_mtime_ns
            record = {
                "format": INSTALL_FORMAT,
                "model_name": manifest.model_name,
                "version": manifest.version,
                "installed_at": now_rfc3339(),
                "manifest_source": location,
                "manifest": manifest.to_json_dict(),
                "slots": manifest.slots,
                "artifacts": [{"filename": a.filename, "sha256": a.sha256, "size_bytes": a.size_bytes,
                               "slot": a.slot, "target_path_in_container": a.target_path_in_container,
                               "archive": a.archive} for a in manifest.artifacts],
                "files": files,
                "symlinks": symlinks,
            }
            sync_tree(staging)  # every extracted file durable before the record says it exists
            atomic_write_json(staging / "install.json", record, perms=0o444)
            return staging
        except OSError as e:
            rmtree_force(staging)
            if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                raise VvaiError(f"no space left while installing {manifest.version}",
                                hint="free disk space under the models root (vvai model gc), then sync again") from None
            raise VvaiError(f"cannot install {manifest.version}: {e}") from None
        except BaseException:
            rmtree_force(staging)
            raise

    def _commit(self, staging: Path, manifest: Manifest) -> InstalledVersion:
        for _ in range(5):
            target = self.store.free_version_folder(manifest.version)
            try:
                os.rename(staging, target)
            except OSError as e:
                if e.errno in (errno.EEXIST, errno.ENOTEMPTY):
                    continue  # someone else committed that name in the meantime
                rmtree_force(staging)  # a failed sync leaves no staging folder behind
                raise store_os_error(e, self.store.root) from None
            fsync_dir(self.store.versions)
            rec = read_json(target / "install.json") or {}
            return InstalledVersion(manifest.version, target, rec)
        rmtree_force(staging)
        raise VvaiError(f"cannot find a free folder name for version {manifest.version}")

    def _activate(self, iv: InstalledVersion, *, reason: str, forced: bool = False) -> str | None:
        prev = self.store.active()
        if prev is not None and prev.folder == iv.folder:
            previous = self._info_previous(iv)
            self._write_info(iv, previous)
            return previous
        self.store.point_active_to(iv)
        self.store.note_activated(iv.model_name, iv.version)
        prev_version = prev.version if prev else None
        self._write_info(iv, prev_version)
        self._write_flag(iv)
        self.store.record_event("activate", version=iv.version, folder=iv.folder.name,
                                previous=prev_version, reason=reason, forced=forced or None)
        return prev_version

    def _retain(self, keep: int) -> list[str]:
        if keep <= 0:
            return []
        return self._gc(keep, blobs=True, partials=False)["removed_versions"]

    # ---- info file and flag

    def _info_previous(self, iv: InstalledVersion) -> str | None:
        info = read_json(self.store.info_path) or {}
        return info.get("previous_version") if info.get("version") == iv.version else None

    def _write_info(self, iv: InstalledVersion, previous: str | None) -> None:
        arts = iv.record.get("artifacts", [])
        info = {
            "version": iv.version,
            "model_name": iv.model_name,
            "artifact_file": arts[0]["filename"] if arts else None,
            "sha256": arts[0]["sha256"] if arts else None,
            "artifacts": [{"filename": a["filename"], "sha256": a["sha256"], "slot": a["slot"]} for a in arts],
            "installed_at": iv.installed_at,
            "activated_at": now_rfc3339(),
            "previous_version": previous,
            "folder": str(iv.folder.relative_to(self.store.root)),
            "paths": {s: str(self.store.root / s) for s in iv.slots},
        }
        atomic_write_json(self.store.info_path, info)

    def _write_flag(self, iv: InstalledVersion) -> None:
        atomic_write_text(self.store.flag_path, f'{{"version": "{iv.version}", "at": "{now_rfc3339()}"}}\n')

    def _reconcile(self) -> None:
        """Repair derived files after a crash between the pointer swap and the info write."""
        act = self.store.active()
        if act is None:
            return
        info = read_json(self.store.info_path) or {}
        if info.get("version") == act.version and info.get("folder") == str(act.folder.relative_to(self.store.root)):
            return
        prev = None
        for ev in reversed(self.store.read_state().get("history", [])):
            if ev.get("action") == "activate" and ev.get("folder") == act.folder.name:
                prev = ev.get("previous")
                break
        else:
            prev = info.get("version") if info.get("version") != act.version else None
        self._write_info(act, prev)
        self._write_flag(act)

    # ================================================================= local operations

    def activate(self, version: str, *, full_verify: bool = False, reason: str = "activate",
                 forced: bool = False) -> tuple[InstalledVersion, str | None]:
        with self._lock(), self._writing():
            self._reconcile()
            iv = self.store.find(version)
            if iv is None:
                have = ", ".join(sorted({i.version for i in self.store.installed()})) or "none"
                raise VvaiError(f"version {version} is not installed (installed: {have})",
                                hint="install it with 'vvai model sync --manifest M'")
            problems = check_version(iv, full=full_verify)
            if problems:
                raise IntegrityError(f"version {version} no longer verifies: {problems[0]}"
                                     + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""),
                                     hint="reinstall it with 'vvai model sync'")
            prev = self._activate(iv, reason=reason, forced=forced)
            return iv, prev

    def rollback_target(self, to: str | None) -> str:
        act = self.store.active()
        if to:
            return to
        if act is None:
            raise VvaiError("no active version to roll back from", hint="run 'vvai model sync' first")
        installed = {i.version for i in self.store.installed()} - {act.version}
        info = read_json(self.store.info_path) or {}
        prev = info.get("previous_version")
        if prev and prev in installed:
            return prev
        older = [v for v in installed if compare_versions(v, act.version) < 0]
        if older:
            return max(older, key=_semver_key)
        raise VvaiError(f"no version to roll back to: {act.version} is the only one installed",
                        hint="sync an older manifest with --allow-downgrade")

    def rollback(self, to: str | None = None, *, full_verify: bool = False) -> tuple[InstalledVersion, str | None]:
        target = self.rollback_target(to)
        return self.activate(target, full_verify=full_verify, reason="rollback")

    def verify(self, all_versions: bool = False, version: str | None = None) -> list[VerifyReport]:
        if version:
            iv = self.store.find(version)
            if iv is None:
                raise VvaiError(f"version {version} is not installed")
            targets = [iv]
        elif all_versions:
            targets = self.store.installed()
        else:
            act = self.store.active()
            if act is None:
                raise VvaiError("no active version to verify", hint="run 'vvai model sync' first, or use --all")
            targets = [act]
        out = []
        for iv in targets:
            problems = check_version(iv, full=True)
            out.append(VerifyReport(iv.version, iv.folder.name, not problems, problems,
                                    len(iv.record.get("files", {}))))
        return out

    def gc(self, keep: int = DEFAULT_KEEP, *, partials: bool = True) -> dict[str, Any]:
        if keep < 1:
            raise ConfigError(f"--keep must be at least 1 (got {keep}): the active version is always kept")
        with self._lock(), self._writing():
            self.store.sweep()
            return self._gc(keep, blobs=True, partials=partials)

    def _gc(self, keep: int, *, blobs: bool, partials: bool) -> dict[str, Any]:
        if keep < 1:
            raise ConfigError("--keep must be at least 1 (the active version is always kept)")
        act = self.store.active()
        info = read_json(self.store.info_path) or {}
        prev = info.get("previous_version")
        pins = set(self.store.read_state().get("pinned", []))
        newest_first = sorted(self.store.installed(), key=lambda i: i.installed_at, reverse=True)

        def priority(iv: InstalledVersion) -> int:
            if act is not None and iv.folder == act.folder:
                return 0
            return 1 if iv.version in pins else 2 if iv.version == prev else 3

        kept: list[InstalledVersion] = []
        kept_versions: set[str] = set()
        removed: list[str] = []
        for iv in sorted(newest_first, key=priority):  # stable: newest first within a priority
            always = priority(iv) <= 1
            if always or (iv.version not in kept_versions and len(kept_versions) < keep):
                kept.append(iv)
                kept_versions.add(iv.version)
            else:
                self.store.remove_version(iv)
                removed.append(iv.version)
        freed = 0
        removed_blobs: list[str] = []
        if blobs and self.store.blobs.is_dir():
            referenced = {a["sha256"] for iv in kept for a in iv.record.get("artifacts", [])}
            for b in self.store.blobs.iterdir():
                if b.name not in referenced:
                    freed += b.stat().st_size
                    b.unlink()
                    removed_blobs.append(b.name)
        removed_partials: list[str] = []
        if partials and self.store.partial.is_dir():
            from vvai.common.locks import lock_fd

            for p in self.store.partial.glob("*.part"):
                with open(p, "rb") as f:
                    try:
                        lock_fd(f.fileno(), wait=False)
                    except BlockingIOError:
                        continue  # a download is writing it
                    freed += os.fstat(f.fileno()).st_size
                    p.unlink()
                    with contextlib.suppress(FileNotFoundError):
                        (p.parent / (p.name + ".json")).unlink()
                    removed_partials.append(p.name)
        if removed:
            self.store.record_event("gc", removed=removed)
        return {"kept_versions": [k.version for k in kept], "removed_versions": removed,
                "removed_blobs": removed_blobs, "removed_partials": removed_partials, "freed_bytes": freed}

    # ================================================================= read-only views

    def status(self, manifest_location: str | None = None, *, compare_manifest: bool = True) -> dict[str, Any]:
        """The store's state; with ``compare_manifest`` also whether the active version matches the
        given manifest (or the last one synced), which reads that manifest (maybe over the network)."""
        act = self.store.active()
        info = read_json(self.store.info_path) or {}
        st = self.store.read_state()
        installed = sorted(self.store.installed(), key=lambda i: _semver_key(i.version), reverse=True)
        out: dict[str, Any] = {
            "root": str(self.store.root),
            "active": None,
            "installed": [self._describe(iv, act) for iv in installed],
            "info_consistent": bool(act is None or info.get("version") == act.version),
            "manifest": None,
        }
        if act is not None:
            out["active"] = {"version": act.version, "model_name": act.model_name,
                             "folder": str(act.folder), "paths": {s: str(self.store.root / s) for s in act.slots},
                             "previous_version": info.get("previous_version"),
                             "activated_at": info.get("activated_at")}
        loc = manifest_location or st.get("manifest_source")
        if loc and compare_manifest:
            m: dict[str, Any] = {"source": redact(loc)}  # printed (also as --json): no credentials
            try:
                raw = read_small(loc, FetchPolicy(max_attempts=1, connect_timeout=5, stall_timeout=5))
                if raw is None:
                    raise VvaiError("not found")
                manifest = parse_manifest(raw, where=loc)
                m["version"] = manifest.version
                m["model_name"] = manifest.model_name
                want = {(a.filename, a.sha256) for a in manifest.artifacts}
                have = {(a["filename"], a["sha256"]) for a in (act.record.get("artifacts", []) if act else [])}
                m["active_matches"] = bool(act and act.version == manifest.version and want == have)
            except VvaiError as e:
                m["error"] = redact(e.message)
                m["active_matches"] = None
            out["manifest"] = m
        return out

    def _describe(self, iv: InstalledVersion, act: InstalledVersion | None) -> dict[str, Any]:
        size = sum(int(f.get("size", 0)) for f in iv.record.get("files", {}).values())
        return {"version": iv.version, "model_name": iv.model_name, "folder": iv.folder.name,
                "installed_at": iv.installed_at, "size_bytes": size,
                "active": bool(act is not None and act.folder == iv.folder),
                "artifacts": [a["filename"] for a in iv.record.get("artifacts", [])]}


# ===================================================================== helpers


def _semver_key(v: str):
    from vvai.models.manifest import parse_version

    try:
        return parse_version(v)
    except ValueError:
        return parse_version("0.0.0")


def _link_or_copy(src: Path, dest: Path) -> None:
    """Install a single-file artifact: hardlink the read-only blob (no copy), else copy it."""
    try:
        os.link(src, dest)
    except OSError as e:
        if e.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
            raise
        tmp = dest.with_name(dest.name + ".copy")
        shutil.copyfile(src, tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o444)
        os.replace(tmp, dest)
