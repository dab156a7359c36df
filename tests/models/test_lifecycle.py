"""The model lifecycle on a real store, with artifacts on the local filesystem."""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from tests.models.model_helpers import (
    active_version,
    artifact_entry,
    make_model_tar,
    model_file_version,
    release,
    run_vvai,
    sha256_of,
    write_manifest,
)
from vvai.common.errors import ConfigError, IntegrityError, VvaiError
from vvai.models.lifecycle import ModelManager
from vvai.models.publish import publish


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "models"


@pytest.fixture
def rel(tmp_path: Path):
    return lambda v, **kw: release(tmp_path / "releases", v, **kw)


def test_sync_installs_atomically_with_the_original_layout(root, rel):
    m1 = rel("1.0.0")
    res = ModelManager(root).sync(str(m1))
    assert res.action == "installed" and res.version == "1.0.0"
    assert os.readlink(root / "active") == "versions/1.0.0"
    assert (root / "bitnet").resolve() == (root / "versions/1.0.0/bitnet").resolve()
    assert model_file_version(root) == "1.0.0"
    info = json.loads((root / ".current_model_info.json").read_text())
    assert info["version"] == "1.0.0"
    assert info["model_name"] == "BitNet-4bit-Summarizer"
    assert info["artifact_file"] == "bitnet_summarizer_v1.0.0.tar.gz"
    assert info["sha256"] == sha256_of(m1.parent / "bitnet_summarizer_v1.0.0.tar.gz")
    assert info["previous_version"] is None and info["installed_at"]
    assert json.loads((root / ".model_updated_flag").read_text())["version"] == "1.0.0"
    blob = root / "blobs/sha256" / info["sha256"]
    assert blob.is_file() and not (blob.stat().st_mode & 0o222), "blobs are read-only"
    model = root / "versions/1.0.0/bitnet/model.gguf"
    assert not (model.stat().st_mode & 0o222), "installed files are read-only"
    assert not list((root / ".vvai/partial").iterdir()), "no partial file left behind"


def test_sync_is_idempotent_and_downloads_nothing_the_second_time(root, rel):
    m1 = rel("1.0.0")
    mgr = ModelManager(root)
    mgr.sync(str(m1))
    flag_before = (root / ".model_updated_flag").stat().st_mtime_ns
    (m1.parent / "bitnet_summarizer_v1.0.0.tar.gz").unlink()  # the source is gone: must not be needed
    res = mgr.sync(str(m1))
    assert res.action == "unchanged" and res.downloaded_bytes == 0
    assert (root / ".model_updated_flag").stat().st_mtime_ns == flag_before, "no reload signal for a no-op"


def test_update_rollback_and_activate_are_local_and_instant(root, rel):
    mgr = ModelManager(root)
    mgr.sync(str(rel("1.0.0")))
    res = mgr.sync(str(rel("1.1.0")))
    assert res.action == "installed" and res.previous_version == "1.0.0"
    assert model_file_version(root) == "1.1.0"
    iv, prev = mgr.rollback()
    assert (iv.version, prev) == ("1.0.0", "1.1.0")
    assert model_file_version(root) == "1.0.0"
    info = json.loads((root / ".current_model_info.json").read_text())
    assert info["version"] == "1.0.0" and info["previous_version"] == "1.1.0"
    iv, _ = mgr.rollback()  # rolling back a rollback returns to 1.1.0
    assert iv.version == "1.1.0"
    iv, _ = mgr.activate("1.0.0")
    assert active_version(root) == "1.0.0"
    with pytest.raises(VvaiError, match="not installed"):
        mgr.activate("9.9.9")


def test_rollback_refuses_a_version_that_no_longer_verifies(root, rel):
    mgr = ModelManager(root)
    mgr.sync(str(rel("1.0.0")))
    mgr.sync(str(rel("1.1.0")))
    victim = root / "versions/1.0.0/bitnet/model.gguf"
    os.chmod(victim, 0o644)
    with open(victim, "r+b") as f:
        f.write(b"XXXX")  # same size, different content and mtime
    with pytest.raises(IntegrityError, match="no longer verifies"):
        mgr.rollback()
    assert active_version(root) == "1.1.0"
    reports = {r.version: r for r in mgr.verify(all_versions=True)}
    assert reports["1.1.0"].ok and not reports["1.0.0"].ok
    assert "sha256 differs" in reports["1.0.0"].problems[0]


def test_verify_detects_missing_and_unexpected_files(root, rel):
    mgr = ModelManager(root)
    mgr.sync(str(rel("1.0.0")))
    assert mgr.verify()[0].ok
    os.chmod(root / "versions/1.0.0/bitnet", 0o755)
    (root / "versions/1.0.0/bitnet/extra.bin").write_bytes(b"x")
    (root / "versions/1.0.0/bitnet/config.json").unlink()
    problems = mgr.verify()[0].problems
    assert any("config.json: missing" in p for p in problems)
    assert any("extra.bin: unexpected file" in p for p in problems)
    p = run_vvai("model", "verify", "--root", str(root))
    assert p.returncode == 1 and "missing" in p.stdout


def test_a_corrupt_active_version_is_repaired_from_the_cached_blob(root, rel):
    mgr = ModelManager(root)
    m1 = rel("1.0.0")
    mgr.sync(str(m1))
    os.chmod(root / "versions/1.0.0/bitnet/model.gguf", 0o644)
    (root / "versions/1.0.0/bitnet/model.gguf").write_bytes(b"truncated")
    (m1.parent / "bitnet_summarizer_v1.0.0.tar.gz").unlink()
    res = mgr.sync(str(m1))
    assert res.downloaded_bytes == 0 and res.action == "installed"
    assert mgr.verify()[0].ok and model_file_version(root) == "1.0.0"


def test_keep_n_and_gc(root, rel):
    mgr = ModelManager(root)
    for v in ("1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0"):
        mgr.sync(str(rel(v)), keep=3)
    assert sorted(i.version for i in mgr.store.installed()) == ["1.2.0", "1.3.0", "1.4.0"]
    assert len(list((root / "blobs/sha256").iterdir())) == 3
    mgr.rollback(to="1.2.0")
    res = mgr.gc(keep=1)
    assert res["kept_versions"] == ["1.2.0"]
    assert sorted(res["removed_versions"]) == ["1.3.0", "1.4.0"]
    assert len(list((root / "blobs/sha256").iterdir())) == 1
    assert model_file_version(root) == "1.2.0" and mgr.verify()[0].ok
    with pytest.raises(ConfigError):
        mgr.gc(keep=0)


def test_downgrade_refused_unless_allowed(root, rel):
    mgr = ModelManager(root)
    mgr.sync(str(rel("1.1.0")))
    old = rel("1.0.0")
    with pytest.raises(IntegrityError, match="lower than 1.1.0, the highest ever activated"):
        mgr.sync(str(old))
    assert active_version(root) == "1.1.0"
    # the guard survives garbage collection of the higher version: it is in state.json
    mgr.sync(str(old), allow_downgrade=True, keep=1)
    assert [i.version for i in mgr.store.installed()] == ["1.0.0"]
    with pytest.raises(IntegrityError, match="lower than 1.1.0, the highest ever activated"):
        mgr.sync(str(rel("1.0.5")))


def test_wrong_hash_or_size_installs_nothing(root, rel, tmp_path):
    mgr = ModelManager(root)
    mgr.sync(str(rel("1.0.0")))
    art = make_model_tar(tmp_path / "bad" / "bitnet_summarizer_v2.0.0.tar.gz", "2.0.0")
    entry = artifact_entry(art)
    entry["sha256"] = "0" * 64
    bad_hash = write_manifest(tmp_path / "bad" / "m-hash.json", "2.0.0", [entry])
    with pytest.raises(IntegrityError, match="sha256 mismatch"):
        mgr.sync(str(bad_hash))
    entry = artifact_entry(art)
    entry["size_bytes"] -= 10
    bad_size = write_manifest(tmp_path / "bad" / "m-size.json", "2.0.0", [entry])
    with pytest.raises(IntegrityError, match="wrong size"):
        mgr.sync(str(bad_size))
    assert active_version(root) == "1.0.0" and model_file_version(root) == "1.0.0"
    assert [i.version for i in mgr.store.installed()] == ["1.0.0"]
    assert len(list((root / "blobs/sha256").iterdir())) == 1
    assert not list((root / ".vvai/partial").glob("*.part")), "a bad download is not kept for resume"


def test_several_artifacts_raw_files_and_zip(root, tmp_path):
    src = tmp_path / "r"
    src.mkdir()
    tar = make_model_tar(src / "weights.tar.gz", "3.0.0")
    gguf = src / "bitnet-q4.gguf"
    gguf.write_bytes(b"GGUF" + os.urandom(50_000))
    zpath = src / "tokenizer.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        z.writestr("vocab/tokens.txt", "a b c")
    m = write_manifest(src / "m.json", "3.0.0", [
        artifact_entry(tar), artifact_entry(gguf),
        artifact_entry(zpath, target="/app/models/tokenizer")])
    mgr = ModelManager(root)
    mgr.sync(str(m))
    assert (root / "bitnet" / "bitnet-q4.gguf").read_bytes() == gguf.read_bytes()
    assert (root / "tokenizer/vocab/tokens.txt").read_text() == "a b c"
    assert (root / "tokenizer").resolve().parent == (root / "bitnet").resolve().parent
    blob = root / "blobs/sha256" / sha256_of(gguf)
    installed = root / "versions/3.0.0/bitnet/bitnet-q4.gguf"
    assert os.stat(blob).st_ino == os.stat(installed).st_ino, "a raw file is hardlinked, not copied"
    assert mgr.verify()[0].ok


def test_signed_manifests(root, tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir()
    p = run_vvai("model", "keygen", "--private", str(keys / "k"), "--public", str(keys / "k.pub"))
    assert p.returncode == 0, p.stderr
    assert stat.S_IMODE((keys / "k").stat().st_mode) == 0o600
    art = make_model_tar(tmp_path / "pub" / "bitnet_v1.tar.gz", "1.0.0")
    man = tmp_path / "pub" / "model_manifest.json"
    publish(art, version="1.0.0", url=art.name, manifest_out=man, sign_key=keys / "k")
    assert Path(str(man) + ".sig").exists()
    ok = ModelManager(root, public_key=keys / "k.pub").sync(str(man))
    assert ok.version == "1.0.0"

    # tampered manifest: refused before anything is parsed or downloaded
    doc = json.loads(man.read_text())
    doc["notes"] = "tampered"
    man.write_text(json.dumps(doc, indent=2) + "\n")
    with pytest.raises(IntegrityError, match="signature does not match"):
        ModelManager(root, public_key=keys / "k.pub").sync(str(man))
    # unsigned
    Path(str(man) + ".sig").unlink()
    with pytest.raises(IntegrityError, match="has no signature"):
        ModelManager(root, public_key=keys / "k.pub").sync(str(man))
    # signed by another key
    run_vvai("model", "keygen", "--private", str(keys / "other"), "--public", str(keys / "other.pub"), check=True)
    publish(art, version="1.0.0", url=art.name, manifest_out=man, sign_key=keys / "other")
    p = run_vvai("model", "sync", "-m", str(man), "--root", str(root), "--public-key", str(keys / "k.pub"))
    assert p.returncode != 0 and p.stderr.count("\n") == 1
    assert "signature does not match" in p.stderr


def test_publish_writes_and_updates_the_manifest(tmp_path):
    man = tmp_path / "out" / "model_manifest.json"
    a1 = make_model_tar(tmp_path / "bitnet_summarizer_v1.0.0.tar.gz", "1.0.0")
    p = run_vvai("model", "publish", str(a1), "--version", "1.0.0", "--url", "https://s/m/" + a1.name,
                 "--manifest", str(man), "--model-name", "BitNet-4bit-Summarizer", "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(man.read_text())
    assert doc["artifacts"][0] == {"filename": a1.name, "url": "https://s/m/" + a1.name, "sha256": sha256_of(a1),
                                   "size_bytes": a1.stat().st_size, "target_path_in_container": "/app/models/bitnet"}
    a2 = make_model_tar(tmp_path / "bitnet_summarizer_v1.1.0.tar.gz", "1.1.0")
    run_vvai("model", "publish", str(a2), "--version", "1.1.0", "--url", a2.name, "--manifest", str(man), check=True)
    doc = json.loads(man.read_text())
    assert doc["version"] == "1.1.0" and doc["model_name"] == "BitNet-4bit-Summarizer"
    assert [a["filename"] for a in doc["artifacts"]] == [a2.name], "the new release replaces the old artifact"
    p = run_vvai("model", "publish", str(tmp_path / "nope.gguf"), "--version", "1.0.0", "--url", "x",
                 "--manifest", str(man))
    assert p.returncode != 0 and "artifact not found" in p.stderr


def test_cli_one_line_errors_and_json(root, rel, tmp_path):
    p = run_vvai("model", "sync", "-m", str(tmp_path / "missing.json"), "--root", str(root))
    assert p.returncode == 2 and p.stderr.startswith("error: manifest not found") and p.stderr.count("\n") == 1
    bad = tmp_path / "bad.json"
    bad.write_text('{"model_name": "x", "version": "1.0.0", "artifacts": [{"filename": "a.gguf"}]}')
    p = run_vvai("model", "sync", "-m", str(bad), "--root", str(root))
    assert p.returncode == 2 and "artifacts[0].url: field required" in p.stderr
    m = rel("1.0.0")
    p = run_vvai("model", "sync", "-m", str(m), "--root", str(root), "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["action"] == "installed" and out["version"] == "1.0.0"
    st = json.loads(run_vvai("model", "status", "--root", str(root), "--json", check=True).stdout)
    assert st["active"]["version"] == "1.0.0"
    assert st["manifest"]["active_matches"] is True
    assert [i["version"] for i in st["installed"]] == ["1.0.0"]
    p = run_vvai("model", "rollback", "--root", str(root))
    assert p.returncode == 1 and "only one installed" in p.stderr


def test_info_file_is_repaired_after_a_crash_between_swap_and_write(root, rel):
    mgr = ModelManager(root)
    mgr.sync(str(rel("1.0.0")))
    mgr.sync(str(rel("1.1.0")))
    # simulate the crash: pointer switched back to 1.0.0 by hand, info still says 1.1.0
    os.remove(root / "active")
    os.symlink("versions/1.0.0", root / "active")
    assert mgr.status()["info_consistent"] is False
    mgr.sync(str(rel("1.1.0")))
    info = json.loads((root / ".current_model_info.json").read_text())
    assert info["version"] == "1.1.0" and active_version(root) == "1.1.0"
