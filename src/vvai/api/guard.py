"""ASGI middleware in front of every route: body size limit, authentication, security headers.

Authentication runs before routing, so no route (``/docs`` and ``/openapi.json`` included, and
paths that do not exist) answers anything but a refusal without a valid token. Only the login
form is public.
"""

from __future__ import annotations

import json
from http.cookies import SimpleCookie
from typing import Any

from vvai.api.auth import SESSION_COOKIE, same
from vvai.api.state import ApiState

MAX_BODY = 1 << 20
# the login form and its stylesheet (no data, nothing secret) are the only public things
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("HEAD", "/login"), ("GET", "/static/login.css")}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                  b"script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
]


async def _send_json(send: Any, status: int, body: dict[str, Any], extra: list | None = None) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            *HEADERS, *(extra or [])]})
    await send({"type": "http.response.body", "body": data})


class BodyTooLarge(Exception):
    pass


class Guard:
    def __init__(self, app: Any, state: ApiState):
        self.app = app
        self.state = state

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        try:
            length = int(headers.get("content-length") or 0)
        except ValueError:
            await _send_json(send, 400, {"detail": "bad Content-Length header"})
            return
        if length > MAX_BODY:
            await _send_json(send, 413, {"detail": f"request body over {MAX_BODY} bytes"})
            return
        method, path = scope["method"], scope["path"]
        who = self._who(headers, method, path)
        if who is None:
            await self._refuse(send, method, path, "text/html" in headers.get("accept", ""))
            return
        if who == "csrf":
            await _send_json(send, 403, {"detail": "missing or wrong X-CSRF-Token header for a cookie session"})
            return
        scope.setdefault("state", {})["who"] = who

        seen = 0

        async def limited_receive() -> dict:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > MAX_BODY:
                    raise BodyTooLarge()
            return msg

        started = False

        async def with_headers(msg: dict) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
                have = {k.lower() for k, _ in msg.get("headers", [])}
                msg = {**msg, "headers": [*msg.get("headers", []), *[h for h in HEADERS if h[0] not in have]]}
            await send(msg)

        try:
            await self.app(scope, limited_receive, with_headers)
        except BodyTooLarge:
            if not started:
                await _send_json(send, 413, {"detail": f"request body over {MAX_BODY} bytes"})

    def _who(self, headers: dict[str, str], method: str, path: str) -> str | None:
        if (method, path) in PUBLIC:
            return "anonymous"
        auth = headers.get("authorization", "")
        if auth[:7].lower() == "bearer ":
            if same(auth[7:].strip(), self.state.token):
                return (headers.get("x-vvai-operator") or "token").strip()[:80] or "token"
            return None
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # noqa: BLE001 - a malformed cookie header is just no session
            return None
        sid = cookie[SESSION_COOKIE].value if SESSION_COOKIE in cookie else None
        sess = self.state.sessions.get(sid)
        if sess is None:
            return None
        if path.startswith("/api/") and method not in SAFE_METHODS and not same(headers.get("x-csrf-token"),
                                                                                  sess.csrf):
            return "csrf"
        return sess.who

    @staticmethod
    async def _refuse(send: Any, method: str, path: str, wants_html: bool) -> None:
        if method == "GET" and wants_html and not path.startswith(("/api/", "/openapi.json", "/static/")):
            await send({"type": "http.response.start", "status": 303,
                        "headers": [(b"location", b"/login"), (b"content-length", b"0"), *HEADERS]})
            await send({"type": "http.response.body", "body": b""})
            return
        await _send_json(send, 401, {"detail": "a valid API token is required (Authorization: Bearer <token>)"},
                         [(b"www-authenticate", b'Bearer realm="vvai"')])
