"""Who may use the API: one bearer token, console sessions and CSRF tokens.

- The token comes from ``$VVAI_API_TOKEN`` or ``[api] token_file``. Without one, a loopback-only
  server makes its own random token and keeps it in a 0600 file beside the history (its path is
  logged, never the token); a non-loopback address without a token is refused at start.
- Every comparison of a secret is constant-time (:func:`hmac.compare_digest`).
- Console sessions are random ids kept in memory (a restart logs everyone out), sent as an
  HttpOnly, SameSite=Strict cookie; each session has its own CSRF token that every
  state-changing form (and cookie-authenticated API write) must echo.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from vvai.common.atomic import atomic_write_text
from vvai.common.errors import ConfigError

SESSION_COOKIE = "vvai_session"
LOGIN_CSRF_COOKIE = "vvai_login_csrf"
MIN_TOKEN_CHARS = 16


def same(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two secrets (False when either is missing)."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def load_token(token_file: str | None, env: dict[str, str] | None = None) -> str | None:
    """``$VVAI_API_TOKEN``, else the first line of ``token_file``; None when neither is set."""
    env = os.environ if env is None else env
    tok = (env.get("VVAI_API_TOKEN") or "").strip()
    if not tok and token_file:
        try:
            tok = Path(token_file).read_text(encoding="utf-8").strip().splitlines()[0].strip()
        except (OSError, UnicodeDecodeError, IndexError) as e:
            raise ConfigError(f"api.token_file {token_file}: cannot read a token: {e}",
                              hint="write the token on the file's first line, readable by vvai") from None
    if tok and len(tok) < MIN_TOKEN_CHARS:
        raise ConfigError(f"the API token is too short ({len(tok)} characters, at least {MIN_TOKEN_CHARS})",
                          hint="make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")
    return tok or None


def resolve_token(token_file: str | None, host: str, fallback_file: Path) -> tuple[str, str]:
    """The token to require, and where it came from. Refuses a remote bind without a token."""
    tok = load_token(token_file)
    if tok:
        return tok, "VVAI_API_TOKEN" if os.environ.get("VVAI_API_TOKEN") else str(token_file)
    if not is_loopback(host):
        raise ConfigError(f"refusing to serve on {host} without a token",
                          hint="set VVAI_API_TOKEN or [api] token_file, or bind 127.0.0.1")
    try:
        tok = fallback_file.read_text(encoding="utf-8").strip()
    except OSError:
        tok = ""
    if len(tok) < MIN_TOKEN_CHARS:
        tok = secrets.token_urlsafe(32)
        fallback_file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(fallback_file, tok + "\n", perms=0o600)
    return tok, str(fallback_file)


@dataclass
class Session:
    csrf: str
    who: str
    expires: float


@dataclass
class Sessions:
    """In-memory console sessions: ``sid -> Session``; expired ones are dropped on access."""

    ttl_s: float = 43200.0
    _by_id: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def create(self, who: str) -> tuple[str, Session]:
        sid = secrets.token_urlsafe(32)
        s = Session(secrets.token_urlsafe(32), who, time.time() + self.ttl_s)
        with self._lock:
            now = time.time()
            for k in [k for k, v in self._by_id.items() if v.expires < now]:
                del self._by_id[k]
            self._by_id[sid] = s
        return sid, s

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._lock:
            for key, s in self._by_id.items():  # constant-time match on every live id
                if same(key, sid):
                    if s.expires < time.time():
                        del self._by_id[key]
                        return None
                    return s
        return None

    def drop(self, sid: str | None) -> None:
        with self._lock:
            for key in [k for k in self._by_id if same(k, sid)]:
                del self._by_id[key]
