"""Downloads over a real HTTP(S) server that misbehaves, and from a real S3-compatible server."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.models.model_helpers import active_version, model_file_version, release, run_vvai, write_manifest
from vvai.common.errors import FetchError, IntegrityError
from vvai.models.lifecycle import ModelManager
from vvai.models.transports import FetchPolicy

FAST = dict(backoff_base=0.01, backoff_max=0.05)


def _serve_release(srv, tmp_path: Path, version: str, size: int = 1_000_000, base: str = "/m"):
    """Publish a release on the server: the manifest names the artifact by a relative url."""
    m = release(tmp_path / f"rel-{version}", version, size=size)
    art = m.parent / f"bitnet_summarizer_v{version}.tar.gz"
    srv.add(f"{base}/{art.name}", art.read_bytes())
    murl = srv.add(f"{base}/manifest-{version}.json", m.read_bytes())
    return murl, f"{base}/{art.name}", art.stat().st_size


def _mgr(root: Path, **policy) -> ModelManager:
    return ModelManager(root, policy=FetchPolicy(**{**FAST, **policy}))


def test_manifest_and_artifact_over_http(artifact_server, tmp_path):
    murl, _, size = _serve_release(artifact_server, tmp_path, "1.0.0")
    res = _mgr(tmp_path / "root").sync(murl)
    assert res.action == "installed" and res.downloaded_bytes == size
    assert model_file_version(tmp_path / "root") == "1.0.0"


def test_a_dropped_connection_resumes_with_range(artifact_server, tmp_path):
    murl, path, size = _serve_release(artifact_server, tmp_path, "1.0.0")
    artifact_server.behave(path, drop_after=300_000, drop_times=2)
    res = _mgr(tmp_path / "root").sync(murl)
    gets = artifact_server.requests_for(path, "GET")
    assert [g.range for g in gets] == [None, "bytes=300000-", "bytes=600000-"]
    assert res.downloaded_bytes == size, "every byte crossed the network exactly once"
    assert model_file_version(tmp_path / "root") == "1.0.0"


def test_resume_after_a_restart_of_the_process(artifact_server, tmp_path):
    root = tmp_path / "root"
    murl, path, size = _serve_release(artifact_server, tmp_path, "1.0.0")
    artifact_server.behave(path, drop_after=400_000)  # every attempt is cut
    p = run_vvai("model", "sync", "-m", murl, "--root", str(root), "--retries", "1")
    assert p.returncode == 4 and p.stderr.count("\n") == 1 and "broke" in p.stderr, p.stderr
    parts = list((root / ".vvai/partial").glob("*.part"))
    assert len(parts) == 1 and parts[0].stat().st_size == 400_000
    assert active_version(root) is None

    artifact_server.behave(path)  # the network is back
    p = run_vvai("model", "sync", "-m", murl, "--root", str(root), "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["resumed_bytes"] == 400_000 and out["downloaded_bytes"] == size - 400_000
    last = artifact_server.requests_for(path, "GET")[-1]
    assert last.range == "bytes=400000-"
    assert last.headers.get("If-Range") == artifact_server.etag(path)
    assert model_file_version(root) == "1.0.0"


def test_a_server_that_ignores_range_restarts_the_file_cleanly(artifact_server, tmp_path):
    murl, path, size = _serve_release(artifact_server, tmp_path, "1.0.0")
    artifact_server.behave(path, drop_after=250_000, drop_times=1)
    root = tmp_path / "root"
    with pytest.raises(FetchError):
        _mgr(root, max_attempts=1).sync(murl)
    artifact_server.behave(path, ignore_range=True)
    res = _mgr(root).sync(murl)
    assert artifact_server.requests_for(path, "GET")[-1].range == "bytes=250000-"
    assert res.downloaded_bytes == size and model_file_version(root) == "1.0.0"


def test_a_republished_artifact_is_not_spliced_onto_an_old_partial(artifact_server, tmp_path):
    """Partials are keyed by the expected sha256: new content never resumes old bytes."""
    root = tmp_path / "root"
    art_name = "bitnet_summarizer_v1.0.0.tar.gz"
    old = release(tmp_path / "old", "1.0.0", size=800_000)
    new = release(tmp_path / "new", "1.0.0", size=800_333)  # republished: other bytes, same name
    artifact_server.add(f"/m/{art_name}", (old.parent / art_name).read_bytes())
    artifact_server.behave(f"/m/{art_name}", drop_after=300_000, drop_times=1)
    murl = artifact_server.add("/m/manifest.json", old.read_bytes())
    with pytest.raises(FetchError):
        _mgr(root, max_attempts=1).sync(murl)
    new_bytes = (new.parent / art_name).read_bytes()
    artifact_server.add(f"/m/{art_name}", new_bytes)
    artifact_server.add("/m/manifest.json", new.read_bytes())
    res = _mgr(root).sync(murl)
    assert res.resumed_bytes == 0 and res.downloaded_bytes == len(new_bytes)
    assert artifact_server.requests_for(f"/m/{art_name}", "GET")[-1].range is None
    assert (root / "bitnet" / "model.gguf").stat().st_size == 800_333
    assert ModelManager(root).gc()["removed_partials"], "the stale partial is garbage-collected"


def test_wrong_bytes_are_refused_and_nothing_is_installed(artifact_server, tmp_path):
    root = tmp_path / "root"
    murl1, _, _ = _serve_release(artifact_server, tmp_path, "1.0.0")
    _mgr(root).sync(murl1)
    murl2, path2, _ = _serve_release(artifact_server, tmp_path, "2.0.0")
    artifact_server.behave(path2, wrong_bytes=True)
    p = run_vvai("model", "sync", "-m", murl2, "--root", str(root))
    assert p.returncode == 3 and p.stderr.startswith("error: ") and "sha256 mismatch" in p.stderr
    assert p.stderr.count("\n") == 1
    assert active_version(root) == "1.0.0" and model_file_version(root) == "1.0.0"
    assert not list((root / ".vvai/partial").glob("*.part"))


def test_endless_bytes_are_cut_at_size_bytes(artifact_server, tmp_path):
    root = tmp_path / "root"
    art = tmp_path / "endless.gguf"
    art.write_bytes(b"GGUF" + b"\0" * 1000)
    artifact_server.behave("/m/endless.gguf", endless=True)
    m = write_manifest(tmp_path / "m.json", "1.0.0", [{
        "filename": "endless.gguf", "url": artifact_server.url("/m/endless.gguf"), "sha256": "1" * 64,
        "size_bytes": 2_000_000, "target_path_in_container": "/app/models/bitnet"}])
    with pytest.raises(IntegrityError, match="sent more than the manifest's 2000000 bytes"):
        _mgr(root).sync(str(m))
    assert not list((root / ".vvai/partial").glob("*.part"))


def test_a_lying_content_length_is_a_wrong_size(artifact_server, tmp_path):
    murl, path, size = _serve_release(artifact_server, tmp_path, "1.0.0")
    artifact_server.behave(path, declared_length=size + 1)
    with pytest.raises(IntegrityError, match=f"wrong size: the server announces {size + 1} bytes"):
        _mgr(tmp_path / "root").sync(murl)


@pytest.mark.parametrize("status,code,text", [(404, 4, "HTTP 404"), (403, 4, "HTTP 403")])
def test_permanent_http_errors_fail_at_once(artifact_server, tmp_path, status, code, text):
    murl, path, _ = _serve_release(artifact_server, tmp_path, "1.0.0")
    artifact_server.behave(path, status=status)
    p = run_vvai("model", "sync", "-m", murl, "--root", str(tmp_path / "root"))
    assert p.returncode == code and text in p.stderr and p.stderr.count("\n") == 1
    assert len(artifact_server.requests_for(path, "GET")) == 1, "no retry for a permanent error"


def test_transient_errors_are_retried_with_backoff(artifact_server, tmp_path):
    murl, path, _ = _serve_release(artifact_server, tmp_path, "1.0.0")
    artifact_server.behave(path, status=503, fail_times=2)
    _mgr(tmp_path / "root").sync(murl)
    assert len(artifact_server.requests_for(path, "GET")) == 3
    artifact_server.behave(path, status=500)
    with pytest.raises(FetchError, match=r"HTTP 500 .*gave up after 3 attempts"):
        _mgr(tmp_path / "root2", max_attempts=3).sync(murl)


def test_stalls_time_out_resume_while_progressing_and_give_up_otherwise(artifact_server, tmp_path):
    root = tmp_path / "root"
    murl, path, size = _serve_release(artifact_server, tmp_path, "1.0.0")
    # each attempt gets 400 kB then the server goes silent: the stall timeout cuts it, the next
    # attempt resumes, and since every attempt progressed the retry budget never runs out
    artifact_server.behave(path, stall_after=400_000, stall_max=20)
    res = _mgr(root, stall_timeout=0.5, max_attempts=2).sync(murl)
    assert res.downloaded_bytes == size
    assert [g.range for g in artifact_server.requests_for(path, "GET")] == [None, "bytes=400000-", "bytes=800000-"]
    # a server that never sends a byte: give up after the budget, with a one-line reason
    murl2, path2, _ = _serve_release(artifact_server, tmp_path, "2.0.0")
    artifact_server.behave(path2, stall_after=0, stall_max=20)
    with pytest.raises(FetchError, match=r"stalled \(no data\) \(gave up after 2 attempts\)"):
        _mgr(root, stall_timeout=0.5, max_attempts=2).sync(murl2)
    assert model_file_version(root) == "1.0.0"


def test_tls_verification_failure_and_a_configured_ca(tls_artifact_server, tmp_path, monkeypatch):
    murl, path, _ = _serve_release(tls_artifact_server, tmp_path, "1.0.0")
    monkeypatch.delenv("VVAI_CA_BUNDLE", raising=False)
    p = run_vvai("model", "sync", "-m", murl, "--root", str(tmp_path / "root"))
    assert p.returncode == 4 and "TLS verification failed for localhost" in p.stderr, p.stderr
    assert "VVAI_CA_BUNDLE" in p.stderr and p.stderr.count("\n") == 1
    p = run_vvai("model", "sync", "-m", murl, "--root", str(tmp_path / "root"),
                 env={"VVAI_CA_BUNDLE": str(tls_artifact_server.cert_path)})
    assert p.returncode == 0, p.stderr


def test_dns_and_connection_refused_give_one_line_errors(tmp_path):
    m = write_manifest(tmp_path / "m.json", "1.0.0", [{
        "filename": "a.gguf", "url": "http://no-such-host.invalid/a.gguf", "sha256": "1" * 64,
        "size_bytes": 10, "target_path_in_container": "/app/models/bitnet"}])
    with pytest.raises(FetchError, match="cannot resolve host 'no-such-host.invalid'"):
        _mgr(tmp_path / "root", max_attempts=1).sync(str(m))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    m2 = write_manifest(tmp_path / "m2.json", "1.0.0", [{
        "filename": "a.gguf", "url": f"http://127.0.0.1:{port}/a.gguf", "sha256": "1" * 64,
        "size_bytes": 10, "target_path_in_container": "/app/models/bitnet"}])
    with pytest.raises(FetchError, match="cannot connect to 127.0.0.1.*gave up after 2"):
        _mgr(tmp_path / "root", max_attempts=2).sync(str(m2))


def test_manifest_not_found_over_http(artifact_server, tmp_path):
    p = run_vvai("model", "sync", "-m", artifact_server.url("/nope.json"), "--root", str(tmp_path / "r"))
    assert p.returncode == 2 and "manifest not found" in p.stderr


def test_s3_manifest_and_artifact(s3_server, tmp_path, monkeypatch):
    monkeypatch.setenv("VVAI_S3_ENDPOINT", s3_server.endpoint_url)
    m = release(tmp_path / "rel", "1.0.0", size=600_000)
    s3_server.create_bucket("models")
    s3_server.put_object("models", "bitnet/bitnet_summarizer_v1.0.0.tar.gz",
                         m.parent / "bitnet_summarizer_v1.0.0.tar.gz")
    s3_server.put_object("models", "bitnet/model_manifest.json", m.read_bytes())
    root = tmp_path / "root"
    res = _mgr(root, s3_endpoint=s3_server.endpoint_url).sync("s3://models/bitnet/model_manifest.json")
    assert res.action == "installed" and model_file_version(root) == "1.0.0"
    # through the CLI, endpoint from the environment; a missing key is a clean error
    p = run_vvai("model", "sync", "-m", "s3://models/bitnet/nope.json", "--root", str(root))
    assert p.returncode == 2 and "manifest not found" in p.stderr
    doc = json.loads(m.read_text())
    doc["version"] = "1.0.1"
    doc["artifacts"][0]["url"] = "s3://models/bitnet/missing.tar.gz"
    doc["artifacts"][0]["sha256"] = "2" * 64  # not in the blob store either
    s3_server.put_object("models", "bitnet/m2.json", json.dumps(doc).encode())
    p = run_vvai("model", "sync", "-m", "s3://models/bitnet/m2.json", "--root", str(root))
    assert p.returncode == 4 and "not found" in p.stderr and p.stderr.count("\n") == 1
    assert model_file_version(root) == "1.0.0"
