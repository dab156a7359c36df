"""Every hostile archive is refused through the real `sync` path; the old version stays active."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.models.hostile_archives import build_corpus
from tests.models.model_helpers import artifact_entry, model_file_version, release, write_manifest
from vvai.common.errors import VvaiError
from vvai.models.lifecycle import ModelManager

# the corpus is built once per session by the `hostile_corpus` fixture; names are read here to
# parametrize, from a small build without the slow bombs
_NAMES = None


def _case_names():
    global _NAMES
    if _NAMES is None:
        import tempfile

        with tempfile.TemporaryDirectory() as d:
            corpus = build_corpus(Path(d), bomb_size=64 << 20, tar_bomb_members=2_000)
            _NAMES = [(c.name, c.expect) for c in corpus]
    return _NAMES


@pytest.fixture
def root_with_v1(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    root = work / "models"
    ModelManager(root).sync(str(release(tmp_path / "rel", "1.0.0", size=50_000)))
    return root


@pytest.mark.parametrize("name,expect", _case_names(), ids=[n for n, _ in _case_names()])
def test_archive_case(hostile_corpus, root_with_v1: Path, tmp_path: Path, name: str, expect: str):
    case = hostile_corpus[name]
    hostile_corpus.reset_canary()
    entry = artifact_entry(case.path)
    entry["url"] = str(case.path)
    manifest = write_manifest(tmp_path / "m" / "manifest.json", "2.0.0", [entry])
    mgr = ModelManager(root_with_v1)
    if case.kind == "gz":
        # a plain .gz is not one of the archive formats: it is installed as an opaque file and
        # never decompressed, so a gzip bomb cannot expand (the consumer would read it as is)
        mgr.sync(str(manifest))
        installed = root_with_v1 / "versions/2.0.0/bitnet" / case.path.name
        assert installed.stat().st_size == case.path.stat().st_size
    elif expect == "refuse":
        with pytest.raises(VvaiError) as ei:
            mgr.sync(str(manifest))
        assert "\n" not in ei.value.one_line()
        assert model_file_version(root_with_v1) == "1.0.0", "the old version stays active"
        assert [iv.version for iv in mgr.store.installed()] == ["1.0.0"], "nothing half-installed"
        assert not list((root_with_v1 / ".vvai/staging").iterdir()), "staging cleaned up"
    else:
        mgr.sync(str(manifest))
        slot = root_with_v1 / "versions" / "2.0.0" / "bitnet"
        for rel, content in case.files.items():
            assert (slot / rel).read_bytes() == content, rel
        for rel, target in case.symlinks.items():
            assert os.readlink(slot / rel) == target
        for d in case.dirs:
            assert (slot / d).is_dir()
        for dirpath, _, files in os.walk(slot):
            for f in files:
                mode = os.lstat(os.path.join(dirpath, f)).st_mode
                if stat.S_ISLNK(mode):
                    continue
                assert not mode & (stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX | 0o222)
        assert mgr.verify()[0].ok
    assert hostile_corpus.violations(root_with_v1, scan_root=tmp_path) == []
