"""Crash-safe file updates: temp file in the same folder + fsync + os.replace + fsync(dir).

A reader sees either the old content or the new content, never a mix, and after a power
loss the rename itself is durable because the directory entry is fsynced too.

:class:`LockedJsonStore` is the one JSON read-modify-write: writers take an exclusive lock on a
sibling ``.<name>.lock`` file (never on the data file itself, which is replaced on every write),
read the current document, change it and write it back atomically. Readers need no lock: they
see the old or the new document, never a torn one. A crash mid-update leaves the old file.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from vvai.common.errors import ConfigError
from vvai.common.locks import locked_file


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


class LockedJsonStore:
    """One JSON object on disk (``{"format": fmt, ...}``), read lock-free, updated under a lock.

    A missing file reads as ``empty()``; a file that is not JSON, or not a ``fmt`` document, is a
    ConfigError saying how to recover (never silently replaced by an empty one)."""

    def __init__(self, path: Path, *, fmt: str, empty: Callable[[], dict[str, Any]]):
        self.path = Path(path)
        self.fmt = fmt
        self._empty = empty

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(f".{self.path.name}.lock")

    def read(self) -> dict[str, Any]:
        from vvai.common import jsonsafe  # bounded depth, not-UTF-8 and not-a-file as ConfigError

        if not os.path.lexists(self.path):
            return self._empty()
        try:
            doc = jsonsafe.load_file(self.path, what=str(self.path))
        except ConfigError as e:
            why = e.message.removeprefix(f"{self.path}: ")
            raise ConfigError(f"{self.path} is not valid JSON: {why}",
                              hint="restore it from a backup or move it aside to start a new one") from None
        if not isinstance(doc, dict) or doc.get("format") != self.fmt:
            raise ConfigError(
                f"{self.path} is not a {self.fmt} document",
                hint="check the path; move the file aside to start a new one",
            )
        return doc

    @contextlib.contextmanager
    def update(self) -> Iterator[dict[str, Any]]:
        """Yield the current document under the lock; it is written back if the block succeeds."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with locked_file(self.lock_path):
            doc = self.read()
            yield doc
            atomic_write_json(self.path, doc)
