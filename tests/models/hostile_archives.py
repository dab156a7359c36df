"""A corpus of hostile (and a few benign) model archives, plus an audit of an extraction result.

Why hand-written: the extractor of ``vvai model`` must refuse path traversal, links escaping the
target, device nodes, bombs... and no maintained package ships such a corpus for tar *and* zip.
tarfile/zipfile write most cases; the bombs and the tar-bomb headers are assembled by hand so a
1 GiB-of-zeros bomb is built in about a second without ever holding 1 GiB in memory.

Safety: nothing here points at real system files. Every "outside" target lives in the corpus'
``canary_dir`` (absolute paths) or is a name containing :data:`ESCAPE_MARK` one or two levels
above the extraction folder (relative ``..`` paths). :meth:`HostileCorpus.violations` then tells
whether an extraction escaped, whatever the extractor did (refused, sanitised or fell for it).
Extract each case into a folder at least two levels below a private temp dir, e.g.
``tmp_path / "work" / "extract"``, so ``../`` and ``a/../../`` escapes stay inside ``tmp_path``.

Usage::

    corpus = build_corpus(tmp / "corpus")
    for case in corpus.select(expect="refuse"):
        ...  # extract case.path into tmp_path / "work" / "x"; expect a clean VvaiError
        assert corpus.violations(tmp_path / "work" / "x") == []
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

Expect = Literal["refuse", "accept", "strip_mode"]
Kind = Literal["tar", "zip", "gz"]

ESCAPE_MARK = "vvai-escape"  # every file an escaping extraction would create carries this in its name
CANARY_CONTENT = b"canary: must never change\n"
_MTIME = 1_700_000_000  # fixed, so the corpus is byte-identical run to run
_MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True)
class ArchiveCase:
    """One archive and what a safe extractor must do with it.

    expect:
        ``refuse``: a clean error, nothing written outside, ideally nothing kept at all;
        ``accept``: extracted exactly as ``files`` / ``symlinks`` / ``dirs`` say;
        ``strip_mode``: extracted, but setuid/setgid/sticky (and group/other write) bits dropped.
    members:
        member names as stored, in order (capped at the first 50 for the tar bomb).
    member_count:
        the real number of members.
    declared_size:
        total uncompressed size of the regular-file members as the archive declares it.
    files / symlinks / dirs:
        for ``accept``/``strip_mode``: relative path -> content, relative path -> link target,
        and directories that must exist after extraction.
    """

    name: str
    path: Path
    description: str
    expect: Expect
    kind: Kind
    members: tuple[str, ...]
    member_count: int
    declared_size: int
    files: Mapping[str, bytes] = field(default_factory=dict)
    symlinks: Mapping[str, str] = field(default_factory=dict)
    dirs: tuple[str, ...] = ()


@dataclass
class HostileCorpus:
    """The built corpus: iterate it for the cases, index it by case name."""

    root: Path
    canary_dir: Path
    canary_target: Path  # a real file outside; absolute hardlinks point here
    cases: list[ArchiveCase]

    def __iter__(self) -> Iterator[ArchiveCase]:
        return iter(self.cases)

    def __len__(self) -> int:
        return len(self.cases)

    def __getitem__(self, name: str) -> ArchiveCase:
        for case in self.cases:
            if case.name == name:
                return case
        raise KeyError(name)

    def names(self) -> list[str]:
        return [c.name for c in self.cases]

    def select(self, expect: Expect | None = None, kind: Kind | None = None) -> list[ArchiveCase]:
        return [c for c in self.cases if (expect is None or c.expect == expect) and (kind is None or c.kind == kind)]

    def reset_canary(self) -> None:
        """Put the canary folder back to its pristine state (after a test that let something out)."""
        for entry in self.canary_dir.iterdir():
            if entry != self.canary_target:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
        self.canary_target.unlink(missing_ok=True)
        self.canary_target.write_bytes(CANARY_CONTENT)
        self.canary_target.chmod(0o644)

    def violations(
        self, extract_dir: str | os.PathLike[str], scan_root: str | os.PathLike[str] | None = None
    ) -> list[str]:
        """Everything unsafe an extraction into ``extract_dir`` left behind ([] when safe).

        Looks (1) under ``scan_root`` (default: the parent of ``extract_dir``) outside
        ``extract_dir`` for any entry named with :data:`ESCAPE_MARK`; (2) in ``canary_dir`` for
        new entries or a modified / hard-linked canary file; (3) inside ``extract_dir`` (if it
        exists) for symlinks resolving outside it, device nodes, FIFOs, sockets, set-id/sticky
        bits, and hard links to the canary file.
        """
        out: list[str] = []
        ex = Path(extract_dir).absolute()
        ex_real = Path(os.path.realpath(ex))
        scan = Path(scan_root).absolute() if scan_root is not None else ex.parent
        for dirpath, dirnames, filenames in os.walk(scan):
            here = Path(dirpath)
            if here == ex or ex in here.parents:
                dirnames[:] = []
                continue
            for n in dirnames + filenames:
                if ESCAPE_MARK in n and (here / n) != ex:
                    out.append(f"escaped entry outside the extraction dir: {here / n}")
            dirnames[:] = [d for d in dirnames if (here / d) != ex]
        for entry in self.canary_dir.iterdir():
            if entry != self.canary_target:
                out.append(f"new entry in the canary dir: {entry}")
        try:
            cst = self.canary_target.lstat()
            if not stat.S_ISREG(cst.st_mode) or self.canary_target.read_bytes() != CANARY_CONTENT:
                out.append(f"canary file modified: {self.canary_target}")
            if cst.st_nlink != 1:
                out.append(f"canary file hard-linked ({cst.st_nlink} links): {self.canary_target}")
            canary_ino = (cst.st_dev, cst.st_ino)
        except FileNotFoundError:
            out.append(f"canary file removed: {self.canary_target}")
            canary_ino = None
        if ex.is_dir():
            for dirpath, dirnames, filenames in os.walk(ex):
                for n in dirnames + filenames:
                    p = Path(dirpath) / n
                    st = p.lstat()
                    rel = p.relative_to(ex)
                    if stat.S_ISLNK(st.st_mode):
                        real = Path(os.path.realpath(p))
                        if real != ex_real and ex_real not in real.parents:
                            out.append(f"symlink escapes: {rel} -> {os.readlink(p)}")
                    elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                        out.append(f"device node: {rel}")
                    elif stat.S_ISFIFO(st.st_mode) or stat.S_ISSOCK(st.st_mode):
                        out.append(f"fifo/socket: {rel}")
                    else:
                        if st.st_mode & (stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX):
                            out.append(f"set-id/sticky bits kept: {rel} {oct(st.st_mode & 0o7777)}")
                        if canary_ino is not None and (st.st_dev, st.st_ino) == canary_ino:
                            out.append(f"hard link to the canary: {rel}")
        return out


# -- low-level writers -----------------------------------------------------------------------------


def _ti(
    name: str, *, type_: bytes = tarfile.REGTYPE, size: int = 0, mode: int = 0o644, linkname: str = ""
) -> tarfile.TarInfo:
    ti = tarfile.TarInfo(name)
    ti.type, ti.size, ti.mode, ti.linkname = type_, size, mode, linkname
    ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = _MTIME, 0, 0, "root", "root"
    if type_ == tarfile.DIRTYPE:
        ti.mode = 0o755
    return ti


_Member = tuple[tarfile.TarInfo, bytes | None]


def _write_tar(path: Path, members: list[_Member], *, fmt: int = tarfile.PAX_FORMAT) -> None:
    """Write members verbatim (no name normalisation) as .tar, or gzip it for .tar.gz/.tgz."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for ti, data in members:
            if data is not None:
                ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data) if data is not None else None)
    raw = buf.getvalue()
    if path.name.endswith((".gz", ".tgz")):
        raw = gzip.compress(raw, compresslevel=6, mtime=0)
    path.write_bytes(raw)


def _tar_case(
    folder: Path,
    name: str,
    description: str,
    expect: Expect,
    members: list[_Member],
    *,
    suffix: str = ".tar.gz",
    fmt: int = tarfile.PAX_FORMAT,
    files: Mapping[str, bytes] | None = None,
    symlinks: Mapping[str, str] | None = None,
    dirs: tuple[str, ...] = (),
) -> ArchiveCase:
    path = folder / f"{name}{suffix}"
    _write_tar(path, members, fmt=fmt)
    declared = sum(len(d) for ti, d in members if d is not None and ti.type in (tarfile.REGTYPE, b"\0"))
    names = tuple(ti.pax_headers.get("path", ti.name) for ti, _ in members)
    return ArchiveCase(
        name,
        path,
        description,
        expect,
        "tar",
        names,
        len(members),
        declared,
        dict(files or {}),
        dict(symlinks or {}),
        dirs,
    )


def _zip_case(
    folder: Path,
    name: str,
    description: str,
    expect: Expect,
    entries: list[tuple[zipfile.ZipInfo, bytes]],
    *,
    files: Mapping[str, bytes] | None = None,
    dirs: tuple[str, ...] = (),
) -> ArchiveCase:
    path = folder / f"{name}.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            zf.writestr(info, data)
    declared = sum(len(d) for i, d in entries if not i.is_dir())
    return ArchiveCase(
        name,
        path,
        description,
        expect,
        "zip",
        tuple(i.filename for i, _ in entries),
        len(entries),
        declared,
        dict(files or {}),
        {},
        dirs,
    )


def _zi(name: str, *, mode: int = stat.S_IFREG | 0o644) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.create_system = 3  # Unix, so external_attr carries st_mode
    info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _deflate_zeros(total: int, prefix: bytes = b"") -> tuple[list[tuple[bytes, int]], int, int]:
    """Raw-deflate ``prefix`` + ``total`` zero bytes without materialising them.

    Returns (segments, crc32, compressed_size) where segments are (bytes, repeat) pairs whose
    concatenation is one valid raw deflate stream. Every segment but the last ends on a full
    flush (byte-aligned, no back-references), so a segment compressed once can be repeated.
    """
    segs: list[tuple[bytes, int]] = []
    crc = 0
    if prefix:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        segs.append((c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH), 1))
        crc = zlib.crc32(prefix)
    zero = bytes(_MiB)
    full, tail = divmod(total, _MiB)
    if full:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        segs.append((c.compress(zero) + c.flush(zlib.Z_FULL_FLUSH), full))
        for _ in range(full):
            crc = zlib.crc32(zero, crc)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    segs.append((c.compress(bytes(tail)) + c.flush(zlib.Z_FINISH), 1))
    crc = zlib.crc32(bytes(tail), crc)
    return segs, crc, sum(len(s) * n for s, n in segs)


def _write_segments(f: io.BufferedWriter, segs: list[tuple[bytes, int]]) -> None:
    for seg, n in segs:
        for _ in range(n):
            f.write(seg)


def write_gzip_zeros(path: Path, size: int, prefix: bytes = b"") -> int:
    """Write a gzip file whose content is ``prefix`` + ``size`` zero bytes; returns its length."""
    segs, crc, _ = _deflate_zeros(size, prefix)
    with path.open("wb") as f:
        f.write(b"\x1f\x8b\x08\x00" + struct.pack("<I", 0) + b"\x02\xff")
        _write_segments(f, segs)
        f.write(struct.pack("<II", crc, (len(prefix) + size) & 0xFFFFFFFF))
    return path.stat().st_size


def write_zip_zeros(path: Path, member: str, size: int) -> int:
    """Write a one-member zip whose member is ``size`` deflated zero bytes; returns its length."""
    if size >= 0xFFFFFFFF:
        raise ValueError("zip bombs here are limited to < 4 GiB (no zip64)")
    segs, crc, csize = _deflate_zeros(size)
    name = member.encode()
    dos_time, dos_date = 0, (44 << 9) | (1 << 5) | 1  # 2024-01-01 00:00
    with path.open("wb") as f:
        f.write(
            struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, dos_time, dos_date, crc, csize, size, len(name), 0) + name
        )
        _write_segments(f, segs)
        cd_offset = f.tell()
        cd = (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                (3 << 8) | 20,
                20,
                0,
                8,
                dos_time,
                dos_date,
                crc,
                csize,
                size,
                len(name),
                0,
                0,
                0,
                0,
                (stat.S_IFREG | 0o644) << 16,
                0,
            )
            + name
        )
        f.write(cd)
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(cd), cd_offset, 0))
    return path.stat().st_size


def write_tar_bomb(path: Path, count: int) -> list[str]:
    """Write a .tar.gz of ``count`` empty files with hand-packed ustar headers (tarfile is ~20x slower).

    Returns the first 50 member names.
    """
    template = bytearray(_ti("x").tobuf(tarfile.USTAR_FORMAT))
    template[0:100] = bytes(100)
    template[148:156] = b" " * 8
    base = sum(template)
    head, tail = bytes(template[:100]), bytes(template)
    names: list[str] = []
    with gzip.GzipFile(path, "wb", compresslevel=1, mtime=0) as gz:
        batch: list[bytes] = []
        for i in range(count):
            name = b"bomb/%07d" % i
            if i < 50:
                names.append(name.decode())
            chk = b"%06o\0 " % (base + sum(name))
            batch.append(name + head[len(name) :] + tail[100:148] + chk + tail[156:])
            if len(batch) == 4096:
                gz.write(b"".join(batch))
                batch.clear()
        gz.write(b"".join(batch))
        written = count * 512 + 1024
        gz.write(bytes(1024 + (-written % tarfile.RECORDSIZE)))
    return names


# -- the corpus ------------------------------------------------------------------------------------

GGUF = b"GGUF" + struct.pack("<I", 3) + b"benign model weights\n" * 8
CONFIG = b'{"name": "benign", "version": "1.0.0"}\n'
VOCAB = b"hello\nworld\n"


def build_corpus(
    dest: str | os.PathLike[str], *, bomb_size: int = GiB, tar_bomb_members: int = 200_000
) -> HostileCorpus:
    """Write every case into ``dest`` (created) and return the corpus.

    ``bomb_size``: uncompressed size of the decompression/zip bombs (default 1 GiB, ~1 MiB on disk).
    ``tar_bomb_members``: member count of the tar bomb (default 200 000 empty files, ~0.4 MiB).
    Takes about 2-3 s with the defaults.
    """
    root = Path(dest).absolute()
    root.mkdir(parents=True, exist_ok=True)
    canary = root / "canary"
    canary.mkdir(exist_ok=True)
    target = canary / "canary.txt"
    target.write_bytes(CANARY_CONTENT)
    folder = root / "archives"
    folder.mkdir(exist_ok=True)
    E = ESCAPE_MARK
    cases: list[ArchiveCase] = []
    ok = (_ti("model.gguf"), GGUF)  # a legit-looking member so the archive is not trivially empty

    def tar(name: str, description: str, members: list[_Member], expect: Expect = "refuse", **kw: object) -> None:
        cases.append(_tar_case(folder, name, description, expect, members, **kw))  # type: ignore[arg-type]

    # Paths.
    tar("tar_abs_path", "member with an absolute path", [ok, (_ti(f"{canary}/{E}-abs"), b"x")])
    tar("tar_abs_double_slash", "member with a '//' absolute path", [ok, (_ti(f"/{canary}/{E}-dslash"), b"x")])
    tar("tar_dotdot", "member '../x' climbing out of the target", [ok, (_ti(f"../{E}-dotdot"), b"x")])
    tar(
        "tar_dotdot_nested",
        "member 'a/../../x' climbing out through a subdir",
        [ok, (_ti("a", type_=tarfile.DIRTYPE), None), (_ti(f"a/../../{E}-nested"), b"x")],
    )
    tar(
        "tar_gnu_longname_traversal",
        "GNU longname (>100 chars) hiding a '../' traversal",
        [ok, (_ti("../" + "l" * 120 + f"-{E}-gnulong"), b"x")],
        fmt=tarfile.GNU_FORMAT,
    )
    tar("tar_nul_name", "PAX path containing a NUL byte", [ok, (_pax_named("model\x00.evil"), b"x")])
    tar(
        "tar_long_component",
        "one path component of 300 characters (> NAME_MAX)",
        [ok, (_ti("d/" + "n" * 300), b"x")],
    )
    tar(
        "tar_long_path",
        "a 5000-character path (> PATH_MAX) of 100-char components",
        [ok, (_ti("/".join(["p" * 99] * 50)), b"x")],
    )
    # Symlinks.
    tar(
        "tar_symlink_abs",
        "symlink to an absolute path outside",
        [ok, (_ti("evil", type_=tarfile.SYMTYPE, linkname=str(target)), None)],
    )
    tar(
        "tar_symlink_rel",
        "symlink climbing out with ../../",
        [
            ok,
            (_ti("sub", type_=tarfile.DIRTYPE), None),
            (_ti("sub/evil", type_=tarfile.SYMTYPE, linkname=f"../../{E}-reltarget"), None),
        ],
    )
    tar(
        "tar_symlink_dir_write_abs",
        "symlink to an outside dir (absolute), then a file written through it",
        [
            ok,
            (_ti("link", type_=tarfile.SYMTYPE, linkname=str(canary)), None),
            (_ti(f"link/{E}-through-abs"), b"pwned"),
        ],
    )
    tar(
        "tar_symlink_dir_write_rel",
        "symlink 'link -> ..', then a file written through it",
        [
            ok,
            (_ti("link", type_=tarfile.SYMTYPE, linkname=".."), None),
            (_ti(f"link/{E}-through-rel"), b"pwned"),
        ],
    )
    tar(
        "tar_dup_file_then_symlink",
        "a file, then a symlink with the same name pointing outside",
        [
            ok,
            (_ti("config.json"), CONFIG),
            (_ti("config.json", type_=tarfile.SYMTYPE, linkname=str(target)), None),
        ],
    )
    tar(
        "tar_dup_symlink_then_file",
        "a symlink pointing outside, then a file with the same name (write-through)",
        [
            ok,
            (_ti("weights.bin", type_=tarfile.SYMTYPE, linkname=str(target)), None),
            (_ti("weights.bin"), b"pwned"),
        ],
    )
    # Hard links.
    tar(
        "tar_hardlink_abs",
        "hard link to an absolute path outside (an existing file)",
        [ok, (_ti("hl", type_=tarfile.LNKTYPE, linkname=str(target)), None)],
    )
    tar(
        "tar_hardlink_rel",
        "hard link to ../ outside the target",
        [ok, (_ti("hl", type_=tarfile.LNKTYPE, linkname=f"../{E}-hltarget"), None)],
    )
    tar(
        "tar_hardlink_then_write",
        "hard link to an outside file, then a file with the same name (write-through)",
        [ok, (_ti("hl", type_=tarfile.LNKTYPE, linkname=str(target)), None), (_ti("hl"), b"pwned")],
    )
    # Special files.
    cdev = _ti("dev/null0", type_=tarfile.CHRTYPE, mode=0o666)
    cdev.devmajor, cdev.devminor = 1, 3
    tar("tar_chardev", "character device node (1,3)", [ok, (cdev, None)])
    bdev = _ti("dev/ram0", type_=tarfile.BLKTYPE, mode=0o660)
    bdev.devmajor, bdev.devminor = 1, 0
    tar("tar_blockdev", "block device node (1,0)", [ok, (bdev, None)])
    tar("tar_fifo", "named pipe (FIFO)", [ok, (_ti("pipe", type_=tarfile.FIFOTYPE), None)])
    # Modes to strip.
    tar(
        "tar_setuid",
        "setuid, setgid and sticky files: extract, but drop those bits",
        [
            ok,
            (_ti("bin", type_=tarfile.DIRTYPE), None),
            (_ti("bin/tool", mode=0o4755), b"#!/bin/sh\necho tool\n"),
            (_ti("bin/group", mode=0o2755), b"#!/bin/sh\necho group\n"),
            (_ti("bin/sticky", mode=0o1777), b"sticky\n"),
        ],
        expect="strip_mode",
        files={
            "model.gguf": GGUF,
            "bin/tool": b"#!/bin/sh\necho tool\n",
            "bin/group": b"#!/bin/sh\necho group\n",
            "bin/sticky": b"sticky\n",
        },
        dirs=("bin",),
    )
    # Bombs.
    bomb_path = folder / "tar_bomb_members.tar.gz"
    first = write_tar_bomb(bomb_path, tar_bomb_members)
    cases.append(
        ArchiveCase(
            "tar_bomb_members",
            bomb_path,
            f"{tar_bomb_members} empty files",
            "refuse",
            "tar",
            tuple(first),
            tar_bomb_members,
            0,
        )
    )
    hdr = _ti("model.gguf", size=bomb_size).tobuf(tarfile.PAX_FORMAT)
    pad = -bomb_size % tarfile.BLOCKSIZE
    raw_len = len(hdr) + bomb_size + pad + 2 * tarfile.BLOCKSIZE
    raw_len += -raw_len % tarfile.RECORDSIZE
    p = folder / "targz_decompression_bomb.tar.gz"
    write_gzip_zeros(p, raw_len - len(hdr), prefix=hdr)
    cases.append(
        ArchiveCase(
            "targz_decompression_bomb",
            p,
            f"tar.gz with one {bomb_size}-byte member of zeros",
            "refuse",
            "tar",
            ("model.gguf",),
            1,
            bomb_size,
        )
    )
    p = folder / "gz_bomb.gguf.gz"
    write_gzip_zeros(p, bomb_size)
    cases.append(
        ArchiveCase(
            "gz_bomb",
            p,
            f"plain gzip of {bomb_size} zero bytes",
            "refuse",
            "gz",
            ("gz_bomb.gguf",),
            1,
            bomb_size,
        )
    )
    p = folder / "zip_bomb.zip"
    write_zip_zeros(p, "model.gguf", bomb_size)
    cases.append(
        ArchiveCase(
            "zip_bomb",
            p,
            f"zip with one deflated {bomb_size}-byte member of zeros",
            "refuse",
            "zip",
            ("model.gguf",),
            1,
            bomb_size,
        )
    )

    # Zip.
    zok = (_zi("model.gguf"), GGUF)
    cases.append(
        _zip_case(folder, "zip_slip_dotdot", "zip entry '../x'", "refuse", [zok, (_zi(f"../{E}-zipslip"), b"x")])
    )
    cases.append(
        _zip_case(
            folder,
            "zip_slip_abs",
            "zip entry with an absolute path",
            "refuse",
            [zok, (_zi(f"{canary}/{E}-zipabs"), b"x")],
        )
    )
    cases.append(
        _zip_case(
            folder,
            "zip_slip_backslash",
            "zip entry '..\\x' (Windows-style traversal)",
            "refuse",
            [zok, (_zi(f"..\\{E}-zipbs"), b"x")],
        )
    )
    cases.append(
        _zip_case(
            folder,
            "zip_drive_letter",
            "zip entry 'C:/x' (Windows drive path)",
            "refuse",
            [zok, (_zi(f"C:/{E}-zipdrive"), b"x")],
        )
    )
    cases.append(
        _zip_case(
            folder,
            "zip_symlink",
            "zip entry that is a symlink (S_IFLNK) pointing outside",
            "refuse",
            [zok, (_zi("evil", mode=stat.S_IFLNK | 0o777), f"../../{E}-ziplink".encode())],
        )
    )
    cases.append(
        _zip_case(
            folder,
            "zip_setuid",
            "zip entry with setuid mode bits: extract, drop the bits",
            "strip_mode",
            [zok, (_zi("bin/tool", mode=stat.S_IFREG | 0o4755), b"tool\n")],
            files={"model.gguf": GGUF, "bin/tool": b"tool\n"},
        )
    )

    # Benign.
    files = {"model.gguf": GGUF, "config.json": CONFIG, "tokenizer/vocab/vocab.txt": VOCAB}
    dirs = ("tokenizer", "tokenizer/vocab")
    benign: list[_Member] = [
        (_ti("model.gguf"), GGUF),
        (_ti("config.json"), CONFIG),
        (_ti("tokenizer", type_=tarfile.DIRTYPE), None),
        (_ti("tokenizer/vocab", type_=tarfile.DIRTYPE), None),
        (_ti("tokenizer/vocab/vocab.txt"), VOCAB),
    ]
    tar(
        "benign_targz",
        "plain model .tar.gz with nested dirs",
        benign,
        expect="accept",
        files=files,
        dirs=dirs,
    )
    tar("benign_tgz", "same content as .tgz", benign, expect="accept", suffix=".tgz", files=files, dirs=dirs)
    tar(
        "benign_tar",
        "same content as an uncompressed .tar",
        benign,
        expect="accept",
        suffix=".tar",
        files=files,
        dirs=dirs,
    )
    tar(
        "benign_tar_internal_symlink",
        "relative symlinks that stay inside the archive",
        [
            (_ti("weights", type_=tarfile.DIRTYPE), None),
            (_ti("weights/model-q4.gguf"), GGUF),
            (_ti("config.json"), CONFIG),
            (_ti("model.gguf", type_=tarfile.SYMTYPE, linkname="weights/model-q4.gguf"), None),
            (_ti("weights/config.json", type_=tarfile.SYMTYPE, linkname="../config.json"), None),
        ],
        expect="accept",
        files={"weights/model-q4.gguf": GGUF, "config.json": CONFIG},
        symlinks={"model.gguf": "weights/model-q4.gguf", "weights/config.json": "../config.json"},
        dirs=("weights",),
    )
    long_rel = "/".join(["deep-directory-name-" + str(i) for i in range(8)]) + "/weights.bin"
    tar(
        "benign_pax_longname",
        f"PAX long name ({len(long_rel)} chars) inside the archive",
        [ok, (_ti(long_rel), b"deep\n")],
        expect="accept",
        files={"model.gguf": GGUF, long_rel: b"deep\n"},
    )
    cases.append(
        _zip_case(
            folder,
            "benign_zip",
            "zip with nested dirs",
            "accept",
            [
                (_zi("model.gguf"), GGUF),
                (_zi("config.json"), CONFIG),
                (_zi("tokenizer/", mode=stat.S_IFDIR | 0o755), b""),
                (_zi("tokenizer/vocab/vocab.txt"), VOCAB),
            ],
            files=files,
            dirs=dirs,
        )
    )
    return HostileCorpus(root, canary, target, cases)


def _pax_named(name: str) -> tarfile.TarInfo:
    """A regular-file member whose real name only lives in a PAX ``path`` record."""
    ti = _ti("placeholder")
    ti.pax_headers = {"path": name}
    return ti


# -- benign sample models --------------------------------------------------------------------------


class SampleModel(NamedTuple):
    path: Path
    sha256: str
    size: int


def sample_gguf_bytes(version: str, size: int = 64 * 1024, name: str = "tiny") -> bytes:
    """Deterministic fake GGUF weights: the b"GGUF" magic, version 3, then bytes derived from the name/version."""
    head = b"GGUF" + struct.pack("<I", 3)
    body = hashlib.shake_256(f"{name}:{version}".encode()).digest(max(0, size - len(head)))
    return (head + body)[:size]


def make_sample_model(
    dest_dir: str | os.PathLike[str],
    version: str = "1.0.0",
    *,
    name: str = "tiny",
    gguf_size: int = 64 * 1024,
    fmt: Literal["tar.gz", "tgz", "tar", "zip"] = "tar.gz",
    extra_files: Mapping[str, bytes] | None = None,
) -> SampleModel:
    """Write ``<name>-<version>.<fmt>`` holding ``model.gguf`` + ``config.json`` (+ ``extra_files``).

    Byte-identical for the same arguments (fixed mtimes/owners, gzip mtime 0), different for
    another version, so a manifest can pin its sha256. Returns (path, sha256, size).
    """
    folder = Path(dest_dir)
    folder.mkdir(parents=True, exist_ok=True)
    config = json.dumps(
        {"name": name, "version": version, "format": "gguf", "quantization": "Q4_K_M", "context_length": 2048},
        sort_keys=True,
        indent=2,
    ).encode()
    content = {"model.gguf": sample_gguf_bytes(version, gguf_size, name), "config.json": config}
    content.update(extra_files or {})
    path = folder / f"{name}-{version}.{fmt}"
    if fmt == "zip":
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for member, data in content.items():
                zf.writestr(_zi(member), data)
    else:
        _write_tar(path, [(_ti(member), data) for member, data in content.items()])
    raw = path.read_bytes()
    return SampleModel(path, hashlib.sha256(raw).hexdigest(), len(raw))
