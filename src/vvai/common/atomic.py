"""Crash-safe file updates: temp file in the same folder + fsync + os.replace + fsync(dir).

A reader sees either the old content or the new content, never a mix, and after a power
loss the rename itself is durable because the directory entry is fsynced too.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink inside ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_name(target: Path, tag: str = "tmp") -> Path:
    """A unique sibling name for ``target`` (same filesystem, so rename is atomic)."""
    return target.with_name(f".{target.name}.{tag}-{os.getpid()}-{secrets.token_hex(4)}")


@contextlib.contextmanager
def atomic_writer(target: Path, mode: str = "w", *, perms: int = 0o644) -> Iterator[Any]:
    """Open a temp file beside ``target``; on clean exit fsync and rename it over ``target``."""
    target = Path(target)
    tmp = temp_name(target)
    f = open(tmp, mode, encoding=None if "b" in mode else "utf-8")
    try:
        yield f
        f.flush()
        os.fsync(f.fileno())
        f.close()
        os.chmod(tmp, perms)
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except BaseException:
        f.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(target: Path, data: bytes, *, perms: int = 0o644) -> None:
    with atomic_writer(Path(target), "wb", perms=perms) as f:
        f.write(data)


def atomic_write_text(target: Path, text: str, *, perms: int = 0o644) -> None:
    with atomic_writer(Path(target), "w", perms=perms) as f:
        f.write(text)


def atomic_write_json(target: Path, obj: Any, *, perms: int = 0o644) -> None:
    atomic_write_text(Path(target), json.dumps(obj, indent=2, sort_keys=False) + "\n", perms=perms)


def atomic_symlink(link: Path, points_to: str | Path) -> None:
    """Point ``link`` at ``points_to`` atomically (temp symlink + os.replace)."""
    link = Path(link)
    tmp = temp_name(link, "lnk")
    os.symlink(str(points_to), tmp)
    try:
        os.replace(tmp, link)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(link.parent)
