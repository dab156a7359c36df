"""A small JSON state file that several processes update safely: lock file + atomic replace.

Writers take an exclusive ``fcntl.flock`` on a sibling ``.<name>.lock`` file (never on the data
file itself, which is replaced on every write), read the current document, change it and
write it back with :func:`vvai.common.atomic.atomic_write_json`. Readers need no lock: they
see the old or the new document, never a torn one. A crash mid-update leaves the old file.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from vvai.common.atomic import atomic_write_json
from vvai.common.errors import ConfigError


class LockedJsonStore:
    """One JSON object on disk, read lock-free, updated under an exclusive lock."""

    def __init__(self, path: Path, *, fmt: str, empty: Callable[[], dict[str, Any]]):
        self.path = Path(path)
        self.fmt = fmt
        self._empty = empty

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(f".{self.path.name}.lock")

    def read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return self._empty()
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            raise ConfigError(
                f"{self.path} is not valid JSON: {e}",
                hint="restore it from a backup or move it aside to start a new one",
            ) from e
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
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            doc = self.read()
            yield doc
            atomic_write_json(self.path, doc)
        finally:
            os.close(fd)  # closing releases the flock
