"""Bad input of every kind gets a clear 4xx and the server keeps serving."""

from __future__ import annotations

import socket

import httpx

BAD = [
    # (method, path, kwargs, expected status, a word the detail must contain)
    ("GET", "/api/v1/incidents/0", {}, 422, "incident_id"),
    ("GET", "/api/v1/incidents/-4", {}, 422, "incident_id"),
    ("GET", "/api/v1/incidents/abc", {}, 422, "incident_id"),
    ("GET", "/api/v1/incidents/99999999999999999999999", {}, 422, "incident_id"),
    ("GET", "/api/v1/incidents/123456", {}, 404, "no incident #123456"),
    ("GET", "/api/v1/incidents?status=burning", {}, 422, "status"),
    ("GET", "/api/v1/incidents?limit=0", {}, 422, "limit"),
    ("GET", "/api/v1/incidents?limit=100000", {}, 422, "limit"),
    ("GET", "/api/v1/incidents?offset=-1", {}, 422, "offset"),
    ("GET", "/api/v1/incidents?since=yesterday-ish", {}, 422, "since"),
    ("GET", "/api/v1/incidents?category=" + "x" * 5000, {}, 422, "category"),
    ("GET", "/api/v1/actions?status=whatever", {}, 422, "status"),
    ("GET", "/api/v1/summary?since=%00%01", {}, 422, "since"),
    ("POST", "/api/v1/incidents/1/feedback", {"json": {"verdict": "meh"}}, 422, "verdict"),
    ("POST", "/api/v1/incidents/1/feedback", {"json": {"note": "no verdict"}}, 422, "verdict"),
    ("POST", "/api/v1/incidents/1/feedback", {"json": {"verdict": "correct", "extra": 1}}, 422, "extra"),
    ("POST", "/api/v1/incidents/1/feedback", {"json": {"verdict": "correct", "note": 5}}, 422, "note"),
    ("POST", "/api/v1/incidents/1/feedback", {"json": {"verdict": "correct", "correct_category": "<b>"}}, 422,
     "correct_category"),
    ("POST", "/api/v1/incidents/1/feedback", {"json": ["verdict", "correct"]}, 422, "body"),
    ("POST", "/api/v1/incidents/1/feedback", {"content": b"{\"verdict\": ", "headers": {"content-type":
                                                                                        "application/json"}}, 422, ""),
    ("POST", "/api/v1/incidents/1/feedback", {"content": b"\xff\xfe\x00garbage",
                                              "headers": {"content-type": "application/json"}}, 422, ""),
    ("POST", "/api/v1/incidents/1/feedback", {"content": b"verdict=correct",
                                              "headers": {"content-type": "text/plain"}}, 422, ""),
    ("POST", "/api/v1/incidents/777777/feedback", {"json": {"verdict": "noise"}}, 404, "no incident"),
    ("POST", "/api/v1/actions/0/approve", {}, 422, "action_id"),
    ("POST", "/api/v1/actions/424242/approve", {}, 404, "no action #424242"),
    ("POST", "/api/v1/actions/424242/reject", {"json": {"note": "x" * 9000}}, 422, "note"),
    ("POST", "/api/v1/models/rollback", {"json": {"to_version": "../../etc"}}, 422, "to_version"),
    ("POST", "/api/v1/summaries/..%2F..%2Fetc/feedback", {"json": {"verdict": "good"}}, 404, ""),
    ("POST", "/api/v1/summaries/cam0/feedback", {"json": {"verdict": "great"}}, 422, "verdict"),
    ("POST", "/api/v1/summaries/nosuchvideo/feedback", {"json": {"verdict": "good"}}, 404, "no summary"),
    ("POST", "/api/v1/summaries/.hidden/feedback", {"json": {"verdict": "good"}}, 422, "video"),
    ("PUT", "/api/v1/config/policy", {"json": {"mode": 3}}, 422, "mode"),
    ("DELETE", "/api/v1/incidents/1", {}, 405, ""),
    ("GET", "/incidents/0", {}, 422, ""),
    ("GET", "/incidents/31337", {}, 404, ""),
    ("POST", "/incidents/1/feedback", {"data": {"verdict": "maybe"}}, 422, "verdict"),
]


def test_every_bad_input_is_a_clear_4xx(site) -> None:
    for method, path, kw, code, word in BAD:
        r = site.client.request(method, path, **kw)
        assert r.status_code == code, (method, path, r.status_code, r.text[:300])
        if word and "json" in r.headers.get("content-type", ""):
            assert word in r.json()["detail"], (path, r.json())
        elif word:
            assert word in r.text, (path, r.text[:300])
    assert site.client.get("/api/v1/incidents").status_code == 200  # still serving


def test_bodies_over_one_megabyte_are_413(site) -> None:
    big = b'{"verdict": "correct", "note": "' + b"x" * (1 << 20) + b'"}'
    r = site.client.post("/api/v1/incidents/1/feedback", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "1048576" in r.json()["detail"]

    def chunks():  # no Content-Length: the limit is counted as the body streams in
        for _ in range(40):
            yield b"x" * 65536

    r = site.client.put("/api/v1/config/policy", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    # just under the limit is fine
    ok = b'{"verdict": "correct", "note": "' + b"y" * 7000 + b'"}'
    assert site.client.post("/api/v1/incidents/1/feedback", content=ok,
                            headers={"content-type": "application/json"}).status_code == 201


def test_garbage_on_the_socket_does_not_kill_the_server(site) -> None:
    host, port = "127.0.0.1", int(site.base.rsplit(":", 1)[1])
    for junk in (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,  # a TLS hello
                 b"GET /" + b"A" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                 b"POST /api/v1/incidents/1/feedback HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{",
                 b"\r\n\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n"):
        with socket.create_connection((host, port), timeout=5) as s:
            s.sendall(junk)
            s.settimeout(2)
            try:
                s.recv(1024)
            except (TimeoutError, ConnectionError):
                pass
    auth = site.client.headers["authorization"].encode()
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(b"POST /api/v1/incidents/1/feedback HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth
                  + b"\r\nContent-Length: banana\r\n\r\n{}")
        assert s.recv(1024).split(b"\r\n", 1)[0] in (b"HTTP/1.1 400 Bad Request", b"HTTP/1.1 413 Payload Too Large")
    assert httpx.get(site.base + "/api/v1/incidents", headers=site.client.headers, timeout=10).status_code == 200
