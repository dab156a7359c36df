"""Checking an installed version against what was installed (``install.json``).

``full`` re-hashes every file (``vvai model verify``); otherwise existence, type, size and
mtime are checked: what an activation or a rollback can afford in a few milliseconds whatever
the model's size (installed files are read-only, so any write changes their mtime).
"""

from __future__ import annotations

import os
import stat
from typing import Any

from vvai.common.hashing import sha256_file
from vvai.models.store import InstalledVersion


def check_version(iv: InstalledVersion, *, full: bool) -> list[str]:
    """Problems with an installed version. ``full`` re-hashes every file; otherwise existence,
    type, size and mtime are checked (what a rollback can afford in a few milliseconds)."""
    problems: list[str] = []
    files: dict[str, dict[str, Any]] = iv.record.get("files", {})
    symlinks: dict[str, str] = iv.record.get("symlinks", {})
    for rel, meta in files.items():
        p = iv.folder / rel
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            problems.append(f"{rel}: missing")
            continue
        if not stat.S_ISREG(st.st_mode):
            problems.append(f"{rel}: not a regular file any more")
            continue
        if st.st_size != meta.get("size"):
            problems.append(f"{rel}: size {st.st_size} != {meta.get('size')} installed")
            continue
        if full:
            digest = sha256_file(p)
            if digest != meta.get("sha256"):
                problems.append(f"{rel}: sha256 differs from what was installed")
        elif st.st_mtime_ns != meta.get("mtime_ns"):
            problems.append(f"{rel}: modified after install")
    for rel, target in symlinks.items():
        try:
            if os.readlink(iv.folder / rel) != target:
                problems.append(f"{rel}: symlink changed")
        except OSError:
            problems.append(f"{rel}: symlink missing")
    known = set(files) | set(symlinks)
    for slot in iv.record.get("slots", []):
        base = iv.folder / slot
        if not base.is_dir():
            problems.append(f"{slot}/: folder missing")
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            relroot = os.path.relpath(dirpath, iv.folder)
            for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                rel = os.path.join(relroot, name)
                if rel not in known:
                    problems.append(f"{rel}: unexpected file")
    return problems
