"""Self-tests of the hostile ArtifactServer, with plain httpx clients (no vvai code)."""

from __future__ import annotations

import hashlib
import socket
import ssl
import threading
import time

import httpx
import pytest

from .httpserver import ArtifactServer, parse_range, write_blob_file

DATA = hashlib.shake_256(b"artifact").digest(300_000)
P = "/m/model.tar.gz"
# One client for the plain-HTTP tests (creating one per call reloads the CA bundle every time);
# no keep-alive, so a connection a test deliberately broke is never reused by the next request.
_HTTP = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0), timeout=10)


def _stream(url: str, headers: dict[str, str] | None = None, **kw: object) -> tuple[bytes, Exception | None]:
    """GET ``url`` and return (bytes received, the exception that interrupted the body or None)."""
    got = bytearray()
    try:
        ctx = (
            httpx.stream("GET", url, headers=headers, **kw)  # type: ignore[arg-type]
            if kw
            else _HTTP.stream("GET", url, headers=headers)
        )
        with ctx as r:
            for chunk in r.iter_raw():
                got += chunk
    except httpx.HTTPError as exc:
        return bytes(got), exc
    return bytes(got), None


def test_full_get_and_head_carry_length_and_validators(artifact_server: ArtifactServer) -> None:
    url = artifact_server.add(P, DATA)
    r = _HTTP.get(url)
    assert r.status_code == 200 and r.content == DATA
    assert r.headers["content-length"] == str(len(DATA))
    assert r.headers["accept-ranges"] == "bytes"
    sha = hashlib.sha256(DATA).hexdigest()
    assert artifact_server.sha256(P) == sha
    assert r.headers["etag"] == f'"{sha[:32]}"' == artifact_server.etag(P)
    assert r.headers["last-modified"] == artifact_server.last_modified(P)
    h = _HTTP.head(url)
    assert h.status_code == 200 and h.content == b""
    assert h.headers["content-length"] == str(len(DATA)) and h.headers["etag"] == r.headers["etag"]
    assert [(q.method, q.status, q.outcome) for q in artifact_server.settle()] == [
        ("GET", 200, "ok"), ("HEAD", 200, "ok")
    ]
    assert _HTTP.get(artifact_server.url("/nope")).status_code == 404


def test_ranges_206_and_416(artifact_server: ArtifactServer) -> None:
    url = artifact_server.add(P, DATA)
    n = len(DATA)
    r = _HTTP.get(url, headers={"Range": "bytes=1000-"})
    assert r.status_code == 206 and r.content == DATA[1000:]
    assert r.headers["content-range"] == f"bytes 1000-{n - 1}/{n}"
    assert r.headers["content-length"] == str(n - 1000)
    r = _HTTP.get(url, headers={"Range": "bytes=10-19"})
    assert r.status_code == 206 and r.content == DATA[10:20]
    r = _HTTP.get(url, headers={"Range": f"bytes=10-{n + 50}"})  # end clipped to the size
    assert r.status_code == 206 and r.content == DATA[10:]
    r = _HTTP.get(url, headers={"Range": "bytes=-100"})
    assert r.status_code == 206 and r.content == DATA[-100:]
    r = _HTTP.get(url, headers={"Range": f"bytes={n}-"})
    assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{n}"
    r = _HTTP.get(url, headers={"Range": "bytes=0-1,5-9"})  # multi-range: ignored, full body
    assert r.status_code == 200 and r.content == DATA
    h = _HTTP.head(url, headers={"Range": "bytes=5-"})
    assert h.status_code == 206 and h.content == b""
    assert [q.range for q in artifact_server.requests_for(P)][:2] == ["bytes=1000-", "bytes=10-19"]


def test_parse_range_edge_cases() -> None:
    assert parse_range("bytes=0-", 10) == (0, 9)
    assert parse_range("bytes=9-", 10) == (9, 9)
    assert parse_range("bytes=10-", 10) == "unsatisfiable"
    assert parse_range("bytes=-0", 10) == "unsatisfiable"
    assert parse_range("bytes=-50", 10) == (0, 9)
    assert parse_range("bytes=5-2", 10) is None
    assert parse_range("items=0-1", 10) is None
    assert parse_range("bytes=0-", 0) == "unsatisfiable"


def test_if_range_honoured_with_etag_and_date(artifact_server: ArtifactServer) -> None:
    url = artifact_server.add(P, DATA)
    etag, date = artifact_server.etag(P), artifact_server.last_modified(P)
    r = _HTTP.get(url, headers={"Range": "bytes=100-", "If-Range": etag})
    assert r.status_code == 206 and r.content == DATA[100:]
    r = _HTTP.get(url, headers={"Range": "bytes=100-", "If-Range": date})
    assert r.status_code == 206
    r = _HTTP.get(url, headers={"Range": "bytes=100-", "If-Range": "W/" + etag})  # weak never matches
    assert r.status_code == 200 and r.content == DATA
    new = DATA[::-1]
    artifact_server.add(P, new)  # the artifact changed between two attempts
    assert artifact_server.etag(P) != etag and artifact_server.last_modified(P) != date
    for validator in (etag, date):
        r = _HTTP.get(url, headers={"Range": "bytes=100-", "If-Range": validator})
        assert r.status_code == 200 and r.content == new


def test_drop_first_request_then_resume_with_range(artifact_server: ArtifactServer) -> None:
    url = artifact_server.add(P, DATA)
    artifact_server.behave(P, drop_after=70_000, drop_times=1)
    got, err = _stream(url)
    assert isinstance(err, httpx.RemoteProtocolError)  # closed before the announced Content-Length
    assert got == DATA[:70_000]
    rest, err = _stream(url, headers={"Range": f"bytes={len(got)}-", "If-Range": artifact_server.etag(P)})
    assert err is None and got + rest == DATA
    artifact_server.settle()
    log = artifact_server.requests_for(P)
    assert [(q.range, q.status, q.outcome, q.body_bytes) for q in log] == [
        (None, 200, "dropped", 70_000),
        ("bytes=70000-", 206, "ok", len(DATA) - 70_000),
    ]
    assert log[0].time <= log[1].time


def test_drop_every_request_and_drop_inside_a_range(artifact_server: ArtifactServer) -> None:
    url = artifact_server.add(P, DATA)
    artifact_server.behave(P, drop_after=1000)
    for _ in range(2):
        got, err = _stream(url)
        assert err is not None and got == DATA[:1000]
    got, err = _stream(url, headers={"Range": "bytes=5000-"})
    assert err is not None and got == DATA[5000:6000]  # N counts bytes of this response's body
    assert _HTTP.head(url).status_code == 200  # HEAD has no body to cut


def test_drop_with_reset(artifact_server: ArtifactServer) -> None:
    url = artifact_server.add(P, DATA)
    artifact_server.behave(P, drop_after=1000, drop_rst=True, drop_times=1)
    got, err = _stream(url)
    assert err is not None and len(got) <= 1000 and DATA.startswith(got)
    assert artifact_server.settle()[0].outcome == "dropped"
    assert _HTTP.get(url).content == DATA


def test_ignore_range_answers_200_full_body(artifact_server: ArtifactServer) -> None:
    url = artifact_server.add(P, DATA)
    artifact_server.behave(P, ignore_range=True)
    r = _HTTP.get(url, headers={"Range": "bytes=1000-"})
    assert r.status_code == 200 and r.content == DATA and "content-range" not in r.headers


def test_wrong_bytes_same_length_different_content(artifact_server: ArtifactServer) -> None:
    url = artifact_server.add(P, DATA)
    artifact_server.behave(P, wrong_bytes=True)
    r = _HTTP.get(url)
    assert len(r.content) == len(DATA) and r.content != DATA
    assert hashlib.sha256(r.content).hexdigest() != artifact_server.sha256(P)
    assert r.headers["etag"] == artifact_server.etag(P)  # the server lies: validators of the true data
    diff = [i for i in range(len(DATA)) if r.content[i] != DATA[i]]
    assert diff == list(range(len(DATA) // 2, len(DATA) // 2 + 16))
    mid = len(DATA) // 2
    part = _HTTP.get(url, headers={"Range": f"bytes={mid - 4}-"}).content
    assert part == r.content[mid - 4 :]  # a resumed download sees the same corruption


def test_endless_stream_stops_when_client_closes(artifact_server: ArtifactServer) -> None:
    artifact_server.behave("/endless", endless=True)
    got = 0
    with _HTTP.stream("GET", artifact_server.url("/endless")) as r:
        assert r.status_code == 200 and "content-length" not in r.headers
        for chunk in r.iter_raw():
            got += len(chunk)
            if got > 3_000_000:
                break
    rec = artifact_server.wait_for_outcome("/endless", "client_closed")
    assert rec is not None
    assert rec.body_bytes >= got


def test_endless_cap_and_lying_length(artifact_server: ArtifactServer) -> None:
    artifact_server.behave("/e", endless=True, endless_cap=1 << 20)
    got, err = _stream(artifact_server.url("/e"))
    assert err is None and len(got) == 1 << 20  # stops by itself at the safety cap
    assert artifact_server.settle()[0].outcome == "cap_reached"
    artifact_server.behave("/e", endless=True, declared_length=100)
    r = _HTTP.get(artifact_server.url("/e"))
    assert r.headers["content-length"] == "100" and len(r.content) == 100
    url = artifact_server.add(P, DATA)
    artifact_server.behave(P, declared_length=len(DATA) - 10)  # a lying Content-Length on a blob
    assert _HTTP.get(url).content == DATA[:-10]


def test_status_always_and_for_first_k_requests(artifact_server: ArtifactServer) -> None:
    url = artifact_server.add(P, DATA)
    artifact_server.behave(P, status=503, fail_times=2, retry_after=1)
    first, second = _HTTP.get(url), _HTTP.head(url)  # HEAD counts too
    assert (first.status_code, second.status_code) == (503, 503)
    assert first.headers["retry-after"] == "1"
    third = _HTTP.get(url)
    assert third.status_code == 200 and third.content == DATA
    artifact_server.settle()
    assert [q.outcome for q in artifact_server.requests_for(P)] == ["injected_status"] * 2 + ["ok"]
    artifact_server.behave(P, status=404)
    assert [_HTTP.get(url).status_code for _ in range(3)] == [404, 404, 404]
    artifact_server.behave(P, status=500, fail_times=1)  # behave() resets the counters
    assert [_HTTP.get(url).status_code for _ in range(2)] == [500, 200]
    artifact_server.behave(P)
    assert _HTTP.get(url).status_code == 200


def test_behaviour_sequence_one_step_per_request(artifact_server: ArtifactServer) -> None:
    url = artifact_server.add(P, DATA)
    artifact_server.behave_sequence(P, [dict(status=503), dict(drop_after=10), dict(ignore_range=True)],
                                    status=404)
    assert _HTTP.get(url).status_code == 503
    got, err = _stream(url)
    assert err is not None and got == DATA[:10]
    r = _HTTP.get(url, headers={"Range": "bytes=10-"})
    assert r.status_code == 200 and r.content == DATA
    assert _HTTP.get(url).status_code == 404  # steps used up: the ``then`` behaviour applies
    with pytest.raises(TypeError):
        artifact_server.behave_sequence(P, [dict(nonsense=1)])


def test_stall_triggers_client_read_timeout(artifact_server: ArtifactServer) -> None:
    url = artifact_server.add(P, DATA)
    artifact_server.behave(P, stall_after=1000, stall_max=30)
    got, err = _stream(url, timeout=httpx.Timeout(5.0, read=0.3))
    assert isinstance(err, httpx.ReadTimeout) and got == DATA[:1000]
    assert artifact_server.wait_for_outcome(P, "stalled") is not None
    artifact_server.behave(P, stall_after=1000, stall_times=1)
    got, err = _stream(url, timeout=httpx.Timeout(5.0, read=0.3))
    assert isinstance(err, httpx.ReadTimeout) and got == DATA[:1000]
    rest, err = _stream(url, headers={"Range": "bytes=1000-"}, timeout=httpx.Timeout(5.0, read=0.3))
    assert err is None and got + rest == DATA  # only the first GET stalls


def test_stall_is_released_when_server_stops() -> None:
    srv = ArtifactServer().start()
    url = srv.add(P, DATA)
    srv.behave(P, stall_after=10, stall_max=120)
    result: list[tuple[bytes, Exception | None]] = []
    t = threading.Thread(target=lambda: result.append(_stream(url, timeout=60)))
    t.start()
    assert srv.wait_for_outcome(P, "stalled") is not None
    srv.stop()
    t.join(timeout=10)
    assert not t.is_alive()  # would hang for 60-120 s if stop() did not release the stall
    got, err = result[0]
    assert got == DATA[:10] and err is not None
    assert not [th for th in threading.enumerate() if th.name == "artifact-conn"]
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", srv.port), timeout=1).close()


def test_slow_throttles_the_body(artifact_server: ArtifactServer) -> None:
    url = artifact_server.add(P, DATA[:50_000])
    artifact_server.behave(P, slow=100_000)
    t0 = time.monotonic()
    assert _HTTP.get(url).content == DATA[:50_000]
    # One-sided bound: load can only make it slower, never faster than the throttle allows.
    assert time.monotonic() - t0 >= 0.4


def test_header_delay_and_redirect(artifact_server: ArtifactServer) -> None:
    url = artifact_server.add(P, DATA)
    artifact_server.behave("/slow-answer", header_delay=2.0)
    with pytest.raises(httpx.ReadTimeout):
        _HTTP.get(artifact_server.url("/slow-answer"), timeout=httpx.Timeout(5.0, read=0.2))
    artifact_server.behave("/alias", redirect=P)
    r = _HTTP.get(artifact_server.url("/alias"))
    assert r.status_code == 302 and r.headers["location"] == P
    assert _HTTP.get(artifact_server.url("/alias"), follow_redirects=True).content == DATA
    assert _HTTP.get(url + "?X-Signature=abc").content == DATA  # the query is ignored for matching
    assert artifact_server.requests_for(P)[-1].target == P + "?X-Signature=abc"


def test_behave_rejects_unknown_options(artifact_server: ArtifactServer) -> None:
    with pytest.raises(TypeError):
        artifact_server.behave(P, drop_afterr=3)


def test_file_blobs_are_served_lazily_with_ranges(artifact_server: ArtifactServer, tmp_path) -> None:
    f = tmp_path / "big.bin"
    sha = write_blob_file(f, 5 * (1 << 20) + 123)
    assert hashlib.sha256(f.read_bytes()).hexdigest() == sha
    url = artifact_server.add_file("/big.bin", f, sha256=sha)
    r = _HTTP.get(url)
    assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == sha
    r = _HTTP.get(url, headers={"Range": "bytes=3000000-"})
    assert r.status_code == 206 and r.content == f.read_bytes()[3_000_000:]
    artifact_server.behave("/big.bin", drop_after=1 << 20, drop_times=1, wrong_bytes=True)
    got, err = _stream(url)
    assert err is not None and got == f.read_bytes()[: 1 << 20]
    assert artifact_server.etag("/big.bin") == f'"{sha[:32]}"'


def test_tls_untrusted_fails_and_trusted_works(tls_artifact_server: ArtifactServer) -> None:
    srv = tls_artifact_server
    url = srv.add(P, DATA)
    assert url.startswith("https://localhost:")
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        _HTTP.get(url)
    assert srv.wait_for_tls_failures(1) >= 1 and srv.requests == []  # refused before any HTTP request
    ctx = ssl.create_default_context(cafile=str(srv.cert_path))
    with httpx.Client(verify=ctx) as trusted:
        r = trusted.get(url)
        assert r.status_code == 200 and r.content == DATA
        assert trusted.get(srv.base_url + P).content == DATA  # the cert also names 127.0.0.1
    srv.behave(P, drop_after=500, drop_times=1)
    got, err = _stream(url, verify=ctx)
    assert err is not None and got == DATA[:500]
    rest, err = _stream(url, headers={"Range": "bytes=500-"}, verify=ctx)
    assert err is None and got + rest == DATA
