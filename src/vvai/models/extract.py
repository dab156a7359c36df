"""Safe extraction of model archives (.tar.gz, .tgz, .tar, .zip) into a staging folder.

Defence in depth: tarfile's ``data`` filter is asked about every tar member first, and our own
checks run on top of it (the filter alone had bypasses in 2025), for tar and zip alike:

- names: no absolute paths, no ``..`` component, no backslashes, no NUL, bounded length,
  no duplicates (the "file, then a link with the same name" trick);
- types: regular files, folders, and symlinks/hardlinks whose target stays inside the
  folder; devices, FIFOs and anything else are refused;
- no member is written through a symlink: every parent of a member must be a real folder
  that this extraction created;
- files are created with ``O_EXCL | O_NOFOLLOW`` and mode 0444 (setuid/setgid/sticky and
  write bits dropped), folders 0755;
- bombs: the member count and the bytes actually written (not the sizes an archive
  declares) are capped, both absolutely and as a ratio to the archive's size.

We write every file ourselves (instead of ``extractall``) so the checks and the per-file
sha256 for ``vvai model verify`` happen in the same single pass.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from vvai.common.errors import IntegrityError

CHUNK = 1 << 20


@dataclass
class ExtractLimits:
    max_members: int = 2_000  # model archives hold a handful of files; raise it for odd ones
    max_total_bytes: int = 256 << 30
    max_ratio: float = 50.0  # extracted bytes / archive bytes (model weights barely compress)
    max_name_len: int = 1024

    def byte_cap(self, archive_size: int) -> int:
        return int(min(self.max_total_bytes, max(archive_size * self.max_ratio, 64 << 20)))


@dataclass
class ExtractResult:
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    symlinks: dict[str, str] = field(default_factory=dict)  # relative path -> target
    total_bytes: int = 0


class UnsafeArchive(IntegrityError):
    pass


class _Extractor:
    def __init__(self, archive: Path, dest: Path, limits: ExtractLimits, result: ExtractResult):
        self.archive = archive
        self.dest = dest
        self.limits = limits
        self.result = result
        self.cap = limits.byte_cap(archive.stat().st_size)
        self.members = 0
        self.dirs: set[str] = set()  # folders we created (relative, normalised), "" is the root
        self.dirs.add("")
        self.seen: set[str] = set()

    def refuse(self, name: str, why: str) -> UnsafeArchive:
        return UnsafeArchive(f"{self.archive.name}: unsafe member {name[:200]!r}: {why}",
                             hint="nothing was installed; the previous version stays active")

    def check_name(self, raw: str) -> str:
        self.members += 1
        if self.members > self.limits.max_members:
            raise UnsafeArchive(f"{self.archive.name}: more than {self.limits.max_members} members (archive bomb?)",
                                hint="nothing was installed")
        if "\x00" in raw:
            raise self.refuse(raw, "NUL in name")
        if len(raw) > self.limits.max_name_len:
            raise self.refuse(raw, "name too long")
        if "\\" in raw:
            raise self.refuse(raw, "backslash in name")
        if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":"):
            raise self.refuse(raw, "absolute path")
        parts = [p for p in raw.split("/") if p not in ("", ".")]
        if any(p == ".." for p in parts):
            raise self.refuse(raw, "'..' in path")
        rel = "/".join(parts)
        if rel in self.seen:
            raise self.refuse(raw, "duplicate member name")
        return rel

    def ensure_parents(self, rel: str, raw: str) -> None:
        parent = posixpath.dirname(rel)
        chain = []
        while parent not in self.dirs:
            chain.append(parent)
            parent = posixpath.dirname(parent)
        for d in reversed(chain):
            target = self.dest / d
            if os.path.lexists(target):
                # exists but not created by us as a folder: a symlink or a file
                raise self.refuse(raw, f"path goes through {d!r}, which is not a folder of this archive")
            os.mkdir(target, 0o755)
            self.dirs.add(d)

    def add_dir(self, rel: str, raw: str) -> None:
        if rel == "":
            return
        self.ensure_parents(rel, raw)
        if rel not in self.dirs:
            if os.path.lexists(self.dest / rel):
                raise self.refuse(raw, "folder name already used by another member")
            os.mkdir(self.dest / rel, 0o755)
            self.dirs.add(rel)
        self.seen.add(rel)

    def add_file(self, rel: str, raw: str, src) -> None:
        if rel == "":
            raise self.refuse(raw, "empty file name")
        self.ensure_parents(rel, raw)
        path = self.dest / rel
        h = hashlib.sha256()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        try:
            while True:
                b = src.read(CHUNK)
                if not b:
                    break
                self.result.total_bytes += len(b)
                if self.result.total_bytes > self.cap:
                    raise UnsafeArchive(
                        f"{self.archive.name}: extracts to more than {self.cap} bytes (decompression bomb?)",
                        hint="nothing was installed; raise the limit only for an archive you trust")
                _write_all(fd, b)
                h.update(b)
            os.fchmod(fd, 0o444)  # durability: one syncfs for the whole staging folder, see sync_tree
        finally:
            os.close(fd)
        self.seen.add(rel)
        self.result.files[rel] = h.hexdigest()

    def link_target_inside(self, rel: str, target: str, raw: str, *, hard: bool) -> str:
        if not target or "\x00" in target or "\\" in target:
            raise self.refuse(raw, "invalid link target")
        if target.startswith("/"):
            raise self.refuse(raw, f"link to absolute path {target!r}")
        base = "" if hard else posixpath.dirname(rel)
        resolved = posixpath.normpath(posixpath.join(base, target))
        if resolved == ".." or resolved.startswith("../") or resolved.startswith("/"):
            raise self.refuse(raw, f"link points outside the model folder ({target!r})")
        return resolved

    def add_symlink(self, rel: str, target: str, raw: str) -> None:
        self.link_target_inside(rel, target, raw, hard=False)
        self.ensure_parents(rel, raw)
        os.symlink(target, self.dest / rel)
        self.seen.add(rel)
        self.result.symlinks[rel] = target

    def add_hardlink(self, rel: str, target: str, raw: str) -> None:
        resolved = self.link_target_inside(rel, target, raw, hard=True)
        if resolved not in self.result.files:
            raise self.refuse(raw, f"hardlink to {target!r}, which is not a regular file extracted before it")
        self.ensure_parents(rel, raw)
        os.link(self.dest / resolved, self.dest / rel, follow_symlinks=False)
        self.seen.add(rel)
        self.result.files[rel] = self.result.files[resolved]


def _write_all(fd: int, b: bytes) -> None:
    view = memoryview(b)
    while view:
        n = os.write(fd, view)
        view = view[n:]


# tarfile's extraction filters came in Python 3.11.4 (Debian bookworm ships 3.11.2): use them where
# they exist; the project's own member checks run either way.
_DATA_FILTER = getattr(tarfile, "data_filter", None)
_FILTER_ERROR: type[Exception] = getattr(tarfile, "FilterError", tarfile.TarError)


def _extract_tar(ex: _Extractor) -> None:
    try:
        tf = tarfile.open(ex.archive, mode="r:*")
    except (tarfile.TarError, OSError, EOFError) as e:
        raise IntegrityError(f"{ex.archive.name}: not a readable tar archive: {e}") from None
    with tf:
        try:
            for m in tf:
                rel = ex.check_name(m.name)
                try:  # the standard library's opinion first (Python >= 3.11.4; our checks below stand alone)...
                    if _DATA_FILTER is not None:
                        _DATA_FILTER(m, str(ex.dest))
                except _FILTER_ERROR as e:
                    raise ex.refuse(m.name, f"rejected by tarfile's data filter: {e.__class__.__name__}") from None
                # ...then our own checks, on what the member really is
                if m.isdir():
                    ex.add_dir(rel, m.name)
                elif m.isreg():
                    src = tf.extractfile(m)
                    assert src is not None
                    ex.add_file(rel, m.name, src)
                elif m.issym():
                    ex.add_symlink(rel, m.linkname, m.name)
                elif m.islnk():
                    ex.add_hardlink(rel, m.linkname, m.name)
                else:
                    kind = ("character device" if m.ischr() else "block device" if m.isblk()
                            else "FIFO" if m.isfifo() else f"type {m.type!r}")
                    raise ex.refuse(m.name, f"{kind} not allowed")
        except (tarfile.TarError, EOFError, zlib.error) as e:
            raise IntegrityError(f"{ex.archive.name}: corrupt archive: {e}") from None


def _extract_zip(ex: _Extractor) -> None:
    try:
        zf = zipfile.ZipFile(ex.archive)
    except (zipfile.BadZipFile, OSError) as e:
        raise IntegrityError(f"{ex.archive.name}: not a readable zip archive: {e}") from None
    with zf:
        try:
            for info in zf.infolist():
                rel = ex.check_name(info.filename)
                mode = (info.external_attr >> 16) & 0xFFFF
                ftype = stat.S_IFMT(mode)
                if info.is_dir():
                    ex.add_dir(rel.rstrip("/"), info.filename)
                elif ftype == stat.S_IFLNK:
                    target = zf.read(info)[:4096].decode("utf-8", "replace")
                    ex.add_symlink(rel, target, info.filename)
                elif ftype in (0, stat.S_IFREG):
                    with zf.open(info) as src:
                        ex.add_file(rel, info.filename, src)
                else:
                    raise ex.refuse(info.filename, f"special file (mode {oct(mode)}) not allowed")
        except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError) as e:
            raise IntegrityError(f"{ex.archive.name}: corrupt zip archive: {e}") from None


def sync_tree(folder: Path) -> None:
    """Flush everything written under ``folder`` to disk with one ``syncfs`` (Linux), instead of
    one fsync per file: an archive of 10 000 small files would otherwise take minutes."""
    import ctypes

    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if getattr(libc, "syncfs", None) is None or libc.syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


def extract_archive(archive: Path, kind: str, dest: Path, limits: ExtractLimits | None = None,
                    result: ExtractResult | None = None) -> ExtractResult:
    """Extract ``archive`` (``kind`` "tar" or "zip") into the existing folder ``dest``."""
    result = result if result is not None else ExtractResult()
    ex = _Extractor(archive, dest, limits or ExtractLimits(), result)
    # members already placed in dest by earlier artifacts of the same version count as taken
    for root, dirs, files in os.walk(dest):
        r = os.path.relpath(root, dest)
        r = "" if r == "." else r
        for d in dirs:
            p = posixpath.join(r, d) if r else d
            if not os.path.islink(os.path.join(root, d)):
                ex.dirs.add(p)
            ex.seen.add(p)
        for f in files:
            ex.seen.add(posixpath.join(r, f) if r else f)
    if kind == "tar":
        _extract_tar(ex)
    elif kind == "zip":
        _extract_zip(ex)
    else:
        raise ValueError(kind)
    return result
