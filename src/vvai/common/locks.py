"""Advisory file locks (``flock``): the one place that calls ``fcntl.flock``.

``lock_fd(fd)`` waits; ``lock_fd(fd, wait=False)`` raises BlockingIOError when another process
holds it; ``unlock_fd``. ``locked_file(path)`` is the common case: a sibling lock file opened,
locked exclusively for the block, and released by closing it. Locks are per open file
description, so two opens in one process exclude each other too.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


def lock_fd(fd: int, *, wait: bool = True, shared: bool = False) -> None:
    op = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    fcntl.flock(fd, op if wait else op | fcntl.LOCK_NB)


def unlock_fd(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def locked_file(path: Path | str, *, wait: bool = True) -> Iterator[int]:
    """Hold an exclusive lock on ``path`` (created, with its folder) for the block; yields the fd."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        lock_fd(fd, wait=wait)
        yield fd
    finally:
        os.close(fd)  # closing releases the lock
