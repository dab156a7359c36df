"""File effectors: quarantine one file into corrupted/ (moved, never deleted, with a reason), and
the pipeline's own cleanup with parameters computed for the case.

The move goes through directory descriptors opened with O_NOFOLLOW and re-checks that the name
is a regular file (not a symlink) in that very folder right before ``rename``; the reason file
``<name>.reason.json`` (incident id, evidence, time, action id) is written first, so a crash
between the two leaves a reason that says what was intended (the executor finishes the move).
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from typing import Any

from vvai.actions.effectors import EffectorFailed


def _dir_fd(path: Path) -> int:
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as e:
        raise EffectorFailed(f"cannot open {path}: {e.strerror} (a symlink or not a folder?)") from None


def _write_reason(fd: int, name: str, doc: dict[str, Any]) -> None:
    tmp = f".{name}.reason.json.tmp"
    data = json.dumps(doc, indent=2, default=str).encode()
    wfd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644, dir_fd=fd)
    try:
        os.write(wfd, data)
        os.fsync(wfd)
    finally:
        os.close(wfd)
    os.replace(tmp, f"{name}.reason.json", src_dir_fd=fd, dst_dir_fd=fd)


def quarantine(src_dir: Path, corrupted: Path, name: str, reason: dict[str, Any]) -> dict[str, Any]:
    """Move ``src_dir/name`` into ``corrupted/`` beside ``<name>.reason.json``."""
    if not name or "/" in name or "\x00" in name or name in (".", ".."):
        raise EffectorFailed(f"refusing to move {name!r}: not a plain file name")
    corrupted.mkdir(parents=True, exist_ok=True)
    sfd, dfd = _dir_fd(src_dir), _dir_fd(corrupted)
    try:
        try:
            st = os.stat(name, dir_fd=sfd, follow_symlinks=False)
        except FileNotFoundError:
            raise EffectorFailed(f"{src_dir.name}/{name} no longer exists") from None
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
            raise EffectorFailed(f"refusing to move {src_dir.name}/{name}: not a regular file "
                                 "(symlinks are never moved)")
        dst = name
        for i in range(1, 1000):
            try:
                os.stat(dst, dir_fd=dfd, follow_symlinks=False)
            except FileNotFoundError:
                break
            dst = f"{Path(name).stem}.{i}{Path(name).suffix}"
        doc = {**reason, "file": name, "from": src_dir.name, "moved_to": f"{corrupted.name}/{dst}",
               "size_bytes": st.st_size, "quarantined_at": time.time(), "by": "vvai monitor (executor)"}
        _write_reason(dfd, dst, doc)
        os.rename(name, dst, src_dir_fd=sfd, dst_dir_fd=dfd)
        os.fsync(dfd)
        os.fsync(sfd)
    except OSError as e:
        raise EffectorFailed(f"moving {src_dir.name}/{name} to {corrupted.name}/ failed: {e.strerror or e}") from None
    finally:
        os.close(sfd)
        os.close(dfd)
    return {"moved_from": f"{src_dir.name}/{name}", "moved_to": f"{corrupted.name}/{dst}",
            "reason_file": f"{corrupted.name}/{dst}.reason.json", "size_bytes": st.st_size}


def finish_reason(corrupted: Path, dst: str, reason: dict[str, Any]) -> None:
    """Write the reason of a file already moved (recovery after a crash between move and reason)."""
    fd = _dir_fd(corrupted)
    try:
        _write_reason(fd, dst, reason)
    finally:
        os.close(fd)


def cleanup(root: Path, folders: tuple[str, ...], max_total_bytes: int) -> dict[str, Any]:
    """The pipeline's cleanup (``vvai pipeline cleanup``) by size, oldest first, unshipped kept."""
    from vvai.common.errors import VvaiError
    from vvai.pipeline.cleanup import CleanupPolicy
    from vvai.pipeline.cleanup import cleanup as pipeline_cleanup
    from vvai.pipeline.layout import Layout

    try:
        rep = pipeline_cleanup(Layout(Path(root)), CleanupPolicy(max_total_bytes=max_total_bytes, folders=folders,
                                                                 require_shipped=True))
    except (VvaiError, OSError) as e:
        raise EffectorFailed(f"cleanup failed: {getattr(e, 'message', None) or e}") from None
    return rep.to_json()
