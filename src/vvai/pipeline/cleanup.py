"""``vvai pipeline cleanup`` (the original ``cleanup_old_files``): age and size policies.

Safety rules, in order of importance:
- Only the configured folders directly under the root are touched (processed/, corrupted/,
  and in logs/ only rotated files such as ``app.log.1`` or ``app.log.2.gz``, never the live
  log nor verifier.json). A folder that is a symlink or resolves outside the root is refused
  before anything is deleted.
- Symlinks are never followed and never deleted, wherever they point; only regular files
  directly in a folder are candidates (no recursion). Deletion goes through a directory file
  descriptor opened with O_NOFOLLOW and re-checks the inode, so swapping a folder or file
  for a symlink between listing and deletion cannot redirect it.
- A file in processed/ is deleted only when the exporter's ledger confirms it shipped with
  its current size and sha256 (unless ``require_shipped`` is off).
- Dotfiles (in-flight atomic writes, locks) are left alone. ``dry_run`` deletes nothing.

Age policy: delete files whose mtime is older than ``max_age_days``. Size policy: while the
total size of the configured folders exceeds ``max_total_bytes``, delete the oldest eligible.
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vvai.common.errors import ConfigError
from vvai.common.folders import CLEANUP_COMMAND_FOLDERS, PROTECTED_FOLDERS, ROTATED_LOG, SHIPPED_ONLY_FOLDERS
from vvai.common.hashing import sha256_file
from vvai.common.jsonlog import JsonLineLogger
from vvai.common.sizes import parse_size
from vvai.pipeline.layout import Layout
from vvai.pipeline.ledger import ExportLedger
from vvai.pipeline.signature import SignatureFile

__all__ = ["DEFAULT_FOLDERS", "CleanupPolicy", "CleanupReport", "cleanup", "parse_size"]

COMPONENT = "cleanup"
# The one list of what may be cleaned lives in vvai.common.folders (the monitor and the executor
# read it too). processed/ is also listed here because the operator's command may clean it, but
# only of files the exporter confirmed shipped (see ``require_shipped``).
DEFAULT_FOLDERS = CLEANUP_COMMAND_FOLDERS


@dataclass(frozen=True)
class CleanupPolicy:
    max_age_days: float | None = None
    max_total_bytes: int | None = None
    folders: tuple[str, ...] = DEFAULT_FOLDERS
    require_shipped: bool = True
    dry_run: bool = False


@dataclass
class _Candidate:
    folder: str
    name: str
    size: int
    mtime: float
    ino: int
    dev: int


@dataclass
class CleanupReport:
    dry_run: bool
    removed: list[dict[str, Any]] = field(default_factory=list)
    kept_unshipped: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    total_before: int = 0
    total_after: int = 0
    over_budget: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "removed": self.removed,
            "freed_bytes": sum(r["size"] for r in self.removed),
            "kept_unshipped": self.kept_unshipped,
            "skipped": self.skipped,
            "total_before": self.total_before,
            "total_after": self.total_after,
            "over_budget": self.over_budget,
        }


def _check_folders(layout: Layout, names: tuple[str, ...]) -> dict[str, Path]:
    """Map folder names to paths; refuse unknown names, symlinked folders and escapes from the root."""
    root_real = layout.root.resolve(strict=True)
    known = layout.folders()
    out: dict[str, Path] = {}
    for name in names:
        if name not in known or (name in PROTECTED_FOLDERS and name not in SHIPPED_ONLY_FOLDERS):
            raise ConfigError(
                f"cleanup does not manage folder {name!r}", hint=f"choose among {', '.join(DEFAULT_FOLDERS)}"
            )
        path = known[name]
        if not os.path.lexists(path):
            continue
        if path.is_symlink() or not path.is_dir():
            raise ConfigError(f"refusing {path}: it is a symlink or not a folder", hint="make it a real folder")
        real = path.resolve(strict=True)
        if real != root_real and root_real not in real.parents:
            raise ConfigError(f"refusing {path}: it resolves outside {root_real}", hint="fix the pipeline layout")
        out[name] = path
    return out


def _list(folder_name: str, fd: int, report: CleanupReport) -> list[_Candidate]:
    found: list[_Candidate] = []
    for name in sorted(os.listdir(fd)):
        if name.startswith("."):
            continue
        st = os.stat(name, dir_fd=fd, follow_symlinks=False)
        if stat.S_ISLNK(st.st_mode):
            report.skipped.append({"file": f"{folder_name}/{name}", "reason": "symlink (never followed nor deleted)"})
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        if folder_name == "logs" and not ROTATED_LOG.search(name):
            continue
        found.append(_Candidate(folder_name, name, st.st_size, st.st_mtime, st.st_ino, st.st_dev))
    return found


def cleanup(
    layout: Layout, policy: CleanupPolicy, logger: JsonLineLogger | None = None, now: float | None = None
) -> CleanupReport:
    log = logger or JsonLineLogger(layout.app_log, COMPONENT)
    now = time.time() if now is None else now
    folders = _check_folders(layout, policy.folders)
    report = CleanupReport(dry_run=policy.dry_run)
    fds: dict[str, int] = {}
    removed_rels: list[str] = []
    try:
        for name, path in folders.items():
            fds[name] = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        cands = [c for name, fd in fds.items() for c in _list(name, fd, report)]
        report.total_before = sum(c.size for c in cands)
        ledger = ExportLedger(layout.export_ledger).entries() if policy.require_shipped else {}

        def deletable(c: _Candidate) -> bool:
            if c.folder not in SHIPPED_ONLY_FOLDERS or not policy.require_shipped:
                return True
            rel = f"{c.folder}/{c.name}"
            entry = ledger.get(rel)
            if (
                entry
                and entry.get("size") == c.size
                and ExportLedger.confirms(entry, sha256=sha256_file(layout.root / rel), size=c.size)
            ):
                return True
            report.kept_unshipped.append(rel)
            return False

        chosen: list[tuple[_Candidate, str]] = []
        total = report.total_before
        for c in sorted(cands, key=lambda c: (c.mtime, c.folder, c.name)):  # oldest first
            reason = None
            if policy.max_age_days is not None and now - c.mtime > policy.max_age_days * 86400:
                reason = "age"
            elif policy.max_total_bytes is not None and total > policy.max_total_bytes:
                reason = "size"
            if reason and deletable(c):
                chosen.append((c, reason))
                total -= c.size
        report.total_after = total
        report.over_budget = policy.max_total_bytes is not None and total > policy.max_total_bytes
        for c, reason in chosen:
            rel = f"{c.folder}/{c.name}"
            if not policy.dry_run:
                fd = fds[c.folder]
                st = os.stat(c.name, dir_fd=fd, follow_symlinks=False)
                if not stat.S_ISREG(st.st_mode) or (st.st_ino, st.st_dev) != (c.ino, c.dev):
                    report.skipped.append({"file": rel, "reason": "changed since it was listed"})
                    continue
                os.unlink(c.name, dir_fd=fd)
                removed_rels.append(rel)
            report.removed.append(
                {"file": rel, "size": c.size, "reason": reason, "age_days": round((now - c.mtime) / 86400, 2)}
            )
        for fd in fds.values():
            if not policy.dry_run and removed_rels:
                os.fsync(fd)
    finally:
        for fd in fds.values():
            os.close(fd)
    if removed_rels:
        SignatureFile(layout.signature).forget(*removed_rels)
    verb = "would remove" if policy.dry_run else "removed"
    log.info(
        f"cleanup {verb} {len(report.removed)} file(s)",
        dry_run=policy.dry_run,
        freed_bytes=sum(r["size"] for r in report.removed),
        files=[r["file"] for r in report.removed],
        kept_unshipped=len(report.kept_unshipped),
        over_budget=report.over_budget,
    )
    return report
