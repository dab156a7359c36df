"""File moves that never lose or overwrite anything.

``move_no_clobber`` renames within one filesystem (the pipeline root) using ``link`` + ``unlink``:
``link`` fails if the destination exists, so two scanners racing, or a file already in
``processed/``, can never be overwritten; the two directory entries are fsynced so the move
survives a power cut. At every instant the file exists under at least one of its names.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from vvai.common.atomic import fsync_dir


def move_no_clobber(src: Path, dst: Path) -> Path:
    """Move ``src`` to ``dst``; raises FileExistsError rather than replace an existing ``dst``."""
    src, dst = Path(src), Path(dst)
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError as e:
        if e.errno in (errno.EEXIST,):
            raise
        if e.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EMLINK):
            raise
        # No hard links on this filesystem: check-then-rename is the best we can do.
        if os.path.lexists(dst):
            raise FileExistsError(errno.EEXIST, "destination exists", str(dst)) from e
        os.rename(src, dst)
        fsync_dir(dst.parent)
        with contextlib.suppress(OSError):
            fsync_dir(src.parent)
        return dst
    fsync_dir(dst.parent)
    os.unlink(src)
    fsync_dir(src.parent)
    return dst


def free_stem(folder: Path, stem: str, suffixes: tuple[str, ...]) -> str:
    """``stem`` if no ``folder/stem+suffix`` exists, else ``stem~1``, ``stem~2``...: never overwrite."""
    candidate, n = stem, 0
    while any(os.path.lexists(folder / f"{candidate}{s}") for s in suffixes):
        n += 1
        candidate = f"{stem}~{n}"
    return candidate
