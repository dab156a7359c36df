"""Authentication on every route, console login with an HttpOnly SameSite=Strict session cookie,
CSRF on every state-changing form, loopback binding rules."""

from __future__ import annotations

import os
import re
import stat

import httpx
import pytest
from starlette.routing import Mount

from tests.api.conftest import TOKEN
from vvai.api.auth import is_loopback, resolve_token, same
from vvai.common.errors import ConfigError


def _flat(routes):
    for r in routes:
        if hasattr(r, "effective_route_contexts"):  # FastAPI >= 0.16x keeps included routers as one entry
            yield from r.effective_route_contexts()
        else:
            yield r


def _routes(app) -> list[tuple[str, str]]:
    out = []
    for r in _flat(app.routes):
        if isinstance(r, Mount):
            out.append(("GET", r.path + "/console.css"))
            continue
        path = re.sub(r"\{video\}", "cam0", r.path)
        path = re.sub(r"\{verb\}", "approve", path)
        path = re.sub(r"\{[a-z_]+\}", "1", path)
        for m in sorted(getattr(r, "methods", None) or {"GET"}):
            if m != "HEAD":
                out.append((m, path))
    return out


def _app(site):
    app = site.api.server.config.app
    return app


def test_every_route_refuses_without_a_valid_token(site) -> None:
    routes = _routes(_app(site))
    paths = {p for _, p in routes}
    assert {"/docs", "/openapi.json", "/api/v1/incidents", "/api/v1/config/policy", "/", "/policy"} <= paths
    assert len(routes) >= 30
    with site.anon() as anon:
        for method, path in [*routes, ("GET", "/no/such/page"), ("GET", "/api/v1/nothing")]:
            for headers in ({}, {"Authorization": "Bearer wrong-token-wrong-token"}, {"Authorization": "Basic eDp5"},
                            {"Authorization": f"Bearer {TOKEN}x"}, {"Cookie": "vvai_session=forged"}):
                if (method, path) in (("GET", "/login"), ("POST", "/login")):
                    continue
                r = anon.request(method, path, headers=headers, json={} if method in ("POST", "PUT") else None)
                assert r.status_code in (401, 303), (method, path, headers, r.status_code)
                if r.status_code == 303:
                    assert r.headers["location"] == "/login" and r.content == b""
                else:
                    assert r.json()["detail"].startswith("a valid API token is required")
                    assert r.headers["www-authenticate"].startswith("Bearer")


def test_bearer_token_opens_every_get_route(site) -> None:
    for method, path in _routes(_app(site)):
        if method != "GET":
            continue
        r = site.client.get(path)
        assert r.status_code not in (401, 403, 500), (path, r.status_code, r.text[:200])
    assert site.client.get("/openapi.json").json()["info"]["title"] == "vvai operator API"
    docs = site.client.get("/docs")
    assert docs.status_code == 200 and "/api/v1/incidents" in docs.text and "cdn" not in docs.text.lower()


def _login(site, client: httpx.Client, token: str = TOKEN, name: str = "alice") -> httpx.Response:
    form = client.get("/login")
    assert form.status_code == 200 and 'name="token"' in form.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    return client.post("/login", data={"token": token, "name": name, "csrf": csrf})


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_console_login_session_cookie_and_csrf(site) -> None:
    with site.anon() as c:
        bad = _login(site, c, token="not-the-token-at-all")
        assert bad.status_code == 303 and "error=wrong+token" in bad.headers["location"]
        assert "vvai_session" not in c.cookies
        r = _login(site, c)
        assert r.status_code == 303 and r.headers["location"] == "/"
        set_cookie = [v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("vvai_session=")][0]
        assert "HttpOnly" in set_cookie and "SameSite=strict" in set_cookie.replace("Strict", "strict")
        page = c.get("/")
        assert page.status_code == 200 and "Incidents" in page.text and "alice" in page.text
        csrf = _csrf(page.text)
        # the session authenticates GETs of the JSON API (the live list polls it)...
        assert c.get("/api/v1/incidents").status_code == 200
        # ...but a state change through the JSON API with the cookie needs the CSRF header
        iid = site.ids["oom_kill"][0]
        r = c.post(f"/api/v1/incidents/{iid}/feedback", json={"verdict": "correct"})
        assert r.status_code == 403
        r = c.post(f"/api/v1/incidents/{iid}/feedback", json={"verdict": "correct"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 201
        # every console form refuses a missing or wrong CSRF token
        posts = [(p, {"verdict": "correct"}) for p in (f"/incidents/{iid}/feedback",)] + [
            ("/actions/1/approve", {}), ("/actions/1/reject", {}), ("/actions/1/revert", {}), ("/models/rollback", {}),
            ("/policy", {"mode": "auto"}), ("/summaries/cam0/feedback", {"verdict": "good"}), ("/logout", {})]
        for path, data in posts:
            for token in (None, "forged-csrf-token"):
                r = c.post(path, data={**data, **({"csrf": token} if token else {})})
                assert r.status_code == 403, (path, token, r.status_code)
        assert "mode = \"approval\"" in site.cfg_path.read_text()  # nothing changed
        # the right token passes
        r = c.post(f"/incidents/{iid}/feedback", data={"verdict": "partial", "csrf": csrf})
        assert r.status_code == 303
        # logout kills the session on the server
        sid = c.cookies["vvai_session"]
        assert c.post("/logout", data={"csrf": csrf}).status_code == 303
    with site.anon() as c2:
        r = c2.get("/api/v1/incidents", headers={"Cookie": f"vvai_session={sid}"})
        assert r.status_code == 401


def test_login_form_needs_its_own_csrf_cookie(site) -> None:
    with site.anon() as c:
        r = c.post("/login", data={"token": TOKEN, "csrf": "made-up"})
        assert r.status_code == 303 and "error=" in r.headers["location"] and "vvai_session" not in c.cookies


def test_only_the_login_form_and_its_stylesheet_are_public(site) -> None:
    with site.anon() as anon:
        assert anon.get("/login").status_code == 200
        css = anon.get("/static/login.css")
        assert css.status_code == 200 and "text/css" in css.headers["content-type"]
        for path in ("/static/console.css", "/static/console.js", "/static/../login.css", "/static/login.css/x"):
            assert anon.get(path).status_code in (401, 404) and anon.get(path).status_code != 200, path


def test_security_headers(site) -> None:
    r = site.client.get("/")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"


def test_token_sources_and_binding_rules(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("VVAI_API_TOKEN", raising=False)
    fallback = tmp_path / "state" / "api-token"
    with pytest.raises(ConfigError, match="refusing to serve on 0.0.0.0 without a token"):
        resolve_token(None, "0.0.0.0", fallback)
    with pytest.raises(ConfigError, match="without a token"):
        resolve_token(None, "192.168.1.20", fallback)
    tok, origin = resolve_token(None, "127.0.0.1", fallback)  # loopback: a private generated token
    assert len(tok) >= 32 and origin == str(fallback)
    assert stat.S_IMODE(os.stat(fallback).st_mode) == 0o600
    assert resolve_token(None, "::1", fallback)[0] == tok  # stable across restarts
    tf = tmp_path / "token"
    tf.write_text("from-the-file-0123456789\n")
    assert resolve_token(str(tf), "0.0.0.0", fallback) == ("from-the-file-0123456789", str(tf))
    monkeypatch.setenv("VVAI_API_TOKEN", "from-the-environment-42")
    assert resolve_token(str(tf), "10.0.0.1", fallback)[0] == "from-the-environment-42"
    monkeypatch.setenv("VVAI_API_TOKEN", "short")
    with pytest.raises(ConfigError, match="too short"):
        resolve_token(None, "127.0.0.1", fallback)
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and not is_loopback("0.0.0.0")
    assert same("abc", "abc") and not same("abc", "abd") and not same("", "") and not same(None, "x")


def test_serve_refuses_a_public_address_without_a_token(tmp_path) -> None:
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "VVAI_API_TOKEN"}
    cfg = tmp_path / "vvai.toml"
    cfg.write_text(f'[store]\npath = "{tmp_path / "m.db"}"\n')
    p = subprocess.run([sys.executable, "-m", "vvai", "monitor", "serve", "--config", str(cfg), "--host", "0.0.0.0",
                        "--port", "0"], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 2 and "refusing to serve on 0.0.0.0 without a token" in p.stderr
