"""Self-tests of the hostile archive corpus: each archive really holds what its case claims.

Read with plain tarfile/zipfile/gzip/zlib; nothing here uses vvai code.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path

from .hostile_archives import (
    ESCAPE_MARK,
    GiB,
    HostileCorpus,
    build_corpus,
    make_sample_model,
    write_gzip_zeros,
    write_zip_zeros,
)


def _tar_members(path: Path) -> list[tarfile.TarInfo]:
    with tarfile.open(path) as tf:
        return tf.getmembers()


def _one(members: list[tarfile.TarInfo], name: str) -> tarfile.TarInfo:
    return [m for m in members if m.name == name][-1]


def test_every_case_is_listed_with_a_valid_expectation(hostile_corpus: HostileCorpus) -> None:
    names = hostile_corpus.names()
    assert len(names) == len(set(names))
    assert {c.expect for c in hostile_corpus} == {"refuse", "accept", "strip_mode"}
    for case in hostile_corpus:
        assert case.path.is_file() and case.path.stat().st_size > 0, case.name
        assert case.description
        if case.expect != "refuse":
            assert case.files, case.name
    required = {
        "tar_abs_path", "tar_abs_double_slash", "tar_dotdot", "tar_dotdot_nested", "tar_symlink_abs",
        "tar_symlink_rel", "tar_symlink_dir_write_abs", "tar_symlink_dir_write_rel", "tar_hardlink_abs",
        "tar_hardlink_rel", "tar_chardev", "tar_blockdev", "tar_fifo", "zip_slip_dotdot", "zip_slip_abs",
        "zip_slip_backslash", "zip_symlink", "tar_bomb_members", "targz_decompression_bomb", "zip_bomb",
        "tar_nul_name", "tar_long_component", "tar_long_path", "tar_dup_file_then_symlink",
        "tar_setuid", "benign_targz", "benign_tgz", "benign_tar", "benign_zip", "benign_tar_internal_symlink",
    }
    assert required <= set(names)


def test_tar_cases_hold_the_advertised_members(hostile_corpus: HostileCorpus) -> None:
    c = hostile_corpus
    canary, target = str(c.canary_dir), str(c.canary_target)
    skip = {"tar_bomb_members", "targz_decompression_bomb"}
    for case in c.select(kind="tar"):
        if case.name not in skip:
            assert [m.name for m in _tar_members(case.path)] == list(case.members), case.name

    m = _tar_members(c["tar_abs_path"].path)[1]
    assert m.isfile() and m.name.startswith(canary + "/") and os.path.isabs(m.name)
    assert _tar_members(c["tar_abs_double_slash"].path)[1].name.startswith("//")
    assert _tar_members(c["tar_dotdot"].path)[1].name == f"../{ESCAPE_MARK}-dotdot"
    assert _tar_members(c["tar_dotdot_nested"].path)[2].name.startswith("a/../../")
    gnu = _tar_members(c["tar_gnu_longname_traversal"].path)[1]
    assert gnu.name.startswith("../") and len(gnu.name) > 100
    assert b"././@LongLink" in gzip.decompress(c["tar_gnu_longname_traversal"].path.read_bytes())
    assert "\x00" in _tar_members(c["tar_nul_name"].path)[1].name
    assert max(len(p) for p in _tar_members(c["tar_long_component"].path)[1].name.split("/")) == 300
    assert len(_tar_members(c["tar_long_path"].path)[1].name) > 4096

    s = _tar_members(c["tar_symlink_abs"].path)[1]
    assert s.issym() and s.linkname == target
    s = _tar_members(c["tar_symlink_rel"].path)[2]
    assert s.issym() and s.linkname.startswith("../../")
    ms = _tar_members(c["tar_symlink_dir_write_abs"].path)
    assert ms[1].issym() and ms[1].linkname == canary and ms[2].isfile() and ms[2].name.startswith("link/")
    ms = _tar_members(c["tar_symlink_dir_write_rel"].path)
    assert ms[1].issym() and ms[1].linkname == ".." and ms[2].isfile() and ms[2].name.startswith("link/")
    ms = _tar_members(c["tar_dup_file_then_symlink"].path)
    assert ms[1].isfile() and ms[2].issym() and ms[1].name == ms[2].name and ms[2].linkname == target
    ms = _tar_members(c["tar_dup_symlink_then_file"].path)
    assert ms[1].issym() and ms[2].isfile() and ms[1].name == ms[2].name

    h = _tar_members(c["tar_hardlink_abs"].path)[1]
    assert h.islnk() and h.linkname == target and Path(target).is_file()
    h = _tar_members(c["tar_hardlink_rel"].path)[1]
    assert h.islnk() and h.linkname.startswith("../")
    ms = _tar_members(c["tar_hardlink_then_write"].path)
    assert ms[1].islnk() and ms[2].isfile() and ms[1].name == ms[2].name

    d = _tar_members(c["tar_chardev"].path)[1]
    assert d.ischr() and (d.devmajor, d.devminor) == (1, 3)
    assert _tar_members(c["tar_blockdev"].path)[1].isblk()
    assert _tar_members(c["tar_fifo"].path)[1].isfifo()
    modes = {m.name: m.mode for m in _tar_members(c["tar_setuid"].path)}
    assert modes["bin/tool"] & stat.S_ISUID and modes["bin/group"] & stat.S_ISGID
    assert modes["bin/sticky"] & stat.S_ISVTX


def test_zip_cases_hold_the_advertised_entries(hostile_corpus: HostileCorpus) -> None:
    c = hostile_corpus
    for case in c.select(kind="zip"):
        with zipfile.ZipFile(case.path) as zf:
            assert zf.namelist() == list(case.members), case.name
    with zipfile.ZipFile(c["zip_slip_dotdot"].path) as zf:
        assert zf.namelist()[1].startswith("../")
    with zipfile.ZipFile(c["zip_slip_abs"].path) as zf:
        assert zf.namelist()[1].startswith(str(c.canary_dir) + "/")
    with zipfile.ZipFile(c["zip_slip_backslash"].path) as zf:
        assert zf.namelist()[1].startswith("..\\")
    with zipfile.ZipFile(c["zip_symlink"].path) as zf:
        info = zf.infolist()[1]
        assert stat.S_ISLNK(info.external_attr >> 16) and zf.read(info).startswith(b"../../")
    with zipfile.ZipFile(c["zip_setuid"].path) as zf:
        assert (zf.getinfo("bin/tool").external_attr >> 16) & stat.S_ISUID


def test_bombs_declare_huge_sizes_in_tiny_files(hostile_corpus: HostileCorpus) -> None:
    c = hostile_corpus
    for name in ("targz_decompression_bomb", "gz_bomb", "zip_bomb"):
        case = c[name]
        assert case.declared_size == GiB
        assert case.path.stat().st_size < GiB // 500, name  # ratio > 500:1
    with tarfile.open(c["targz_decompression_bomb"].path) as tf:
        m = tf.next()
        assert m is not None and m.name == "model.gguf" and m.size == GiB
        f = tf.extractfile(m)
        assert f is not None and f.read(4 << 20) == bytes(4 << 20)
    raw = c["gz_bomb"].path.read_bytes()
    assert raw[:2] == b"\x1f\x8b" and struct.unpack("<I", raw[-4:])[0] == GiB % (1 << 32)
    with gzip.open(c["gz_bomb"].path) as g:
        assert g.read(4 << 20) == bytes(4 << 20)
    with zipfile.ZipFile(c["zip_bomb"].path) as zf:
        info = zf.getinfo("model.gguf")
        assert info.file_size == GiB and info.compress_size < GiB // 500
        with zf.open(info) as f:
            assert f.read(4 << 20) == bytes(4 << 20)


def test_bomb_writers_produce_valid_streams_end_to_end(tmp_path: Path) -> None:
    """Same writers at a small size, decompressed completely: CRCs and sizes check out."""
    size = 3 * (1 << 20) + 12345
    g = tmp_path / "z.gz"
    write_gzip_zeros(g, size, prefix=b"head")
    assert gzip.decompress(g.read_bytes()) == b"head" + bytes(size)  # gzip verifies CRC and ISIZE
    z = tmp_path / "z.zip"
    write_zip_zeros(z, "w.bin", size)
    with zipfile.ZipFile(z) as zf:
        assert zf.testzip() is None and zf.read("w.bin") == bytes(size)
    small = build_corpus(tmp_path / "small", bomb_size=size, tar_bomb_members=1000)
    with tarfile.open(small["targz_decompression_bomb"].path) as tf:
        (m,) = tf.getmembers()
        f = tf.extractfile(m)
        assert m.size == size and f is not None and f.read() == bytes(size)
    assert len(_tar_members(small["tar_bomb_members"].path)) == 1000


def test_tar_bomb_has_the_announced_member_count(hostile_corpus: HostileCorpus) -> None:
    case = hostile_corpus["tar_bomb_members"]
    assert case.member_count == 200_000
    raw = gzip.decompress(case.path.read_bytes())
    assert raw.count(b"ustar\x0000") == 200_000  # one ustar header per member
    with tarfile.open(fileobj=io.BytesIO(raw)) as tf:
        first = [tf.next() for _ in range(3)]
    assert [m.name for m in first if m] == list(case.members[:3])


def _safe_extract(case_path: Path, dest: Path) -> None:
    if case_path.suffix == ".zip":
        with zipfile.ZipFile(case_path) as zf:
            zf.extractall(dest)
    else:
        with tarfile.open(case_path) as tf:
            tf.extractall(dest, filter="data")


def test_benign_cases_extract_to_the_expected_tree(hostile_corpus: HostileCorpus, tmp_path: Path) -> None:
    for case in hostile_corpus.select(expect="accept"):
        dest = tmp_path / "work" / case.name
        _safe_extract(case.path, dest)
        for rel, data in case.files.items():
            assert (dest / rel).read_bytes() == data, (case.name, rel)
        for rel, target in case.symlinks.items():
            assert os.readlink(dest / rel) == target and (dest / rel).exists(), (case.name, rel)
        for rel in case.dirs:
            assert (dest / rel).is_dir(), (case.name, rel)
        assert hostile_corpus.violations(dest) == [], case.name


def test_violations_catch_a_naive_extraction(tmp_path: Path) -> None:
    """The audit must flag what a trusting extractor does (own small corpus: it gets polluted)."""
    corpus = build_corpus(tmp_path / "c", bomb_size=1 << 20, tar_bomb_members=10)
    cases = {
        "tar_dotdot": "escaped entry",
        "tar_symlink_abs": "symlink escapes",
        "tar_symlink_dir_write_abs": "new entry in the canary dir",
        "tar_hardlink_abs": "canary file hard-linked",
        "tar_hardlink_then_write": "canary file modified",
        "tar_fifo": "fifo/socket",
        "tar_setuid": "set-id/sticky bits kept",
    }
    for name, expected in cases.items():
        dest = tmp_path / "w" / name / "x"
        with tarfile.open(corpus[name].path) as tf:
            tf.extractall(dest, filter="fully_trusted")
        found = corpus.violations(dest)
        assert any(v.startswith(expected) for v in found), (name, found)
        corpus.reset_canary()
        assert corpus.violations(tmp_path / "w" / "none" / "x", scan_root=tmp_path / "w" / "none") == []


def test_sample_model_is_deterministic_and_looks_like_a_model(tmp_path: Path, sample_model) -> None:
    a = sample_model("1.2.0")
    b = make_sample_model(tmp_path / "again", "1.2.0")
    c = sample_model("1.3.0")
    assert (a.sha256, a.size) == (b.sha256, b.size) and a.sha256 != c.sha256
    assert hashlib.sha256(a.path.read_bytes()).hexdigest() == a.sha256 and a.path.stat().st_size == a.size
    path, sha, size = a  # plain tuple unpacking works too
    with tarfile.open(path) as tf:
        assert tf.getnames() == ["model.gguf", "config.json"]
        gguf = tf.extractfile("model.gguf").read()  # type: ignore[union-attr]
        config = tf.extractfile("config.json").read()  # type: ignore[union-attr]
    assert gguf[:4] == b"GGUF" and struct.unpack("<I", gguf[4:8])[0] == 3
    assert b'"version": "1.2.0"' in config
    z = sample_model("1.2.0", fmt="zip", gguf_size=1000)
    with zipfile.ZipFile(z.path) as zf:
        assert len(zf.read("model.gguf")) == 1000


def test_deflate_segments_are_independent() -> None:
    """The bomb trick: a full-flushed deflate segment can be repeated (no back-references)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    seg = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    fin = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    out = zlib.decompress(seg * 5 + fin, -15)
    assert out == bytes(5 << 20)
