"""Streaming sha256 of files: 1 MiB reads, so a multi-GB model or video needs no memory."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

CHUNK = 1 << 20


class _Advance(Protocol):
    def advance(self, n: int) -> None: ...


def sha256_and_size(path: Path, progress: _Advance | None = None) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            n += len(chunk)
            if progress is not None:
                progress.advance(len(chunk))
    return h.hexdigest(), n


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file."""
    return sha256_and_size(path)[0]
