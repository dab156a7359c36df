"""Run the app on uvicorn: in the foreground (``vvai monitor serve``) or in a thread of ``vvai monitor run``."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from vvai.api.auth import resolve_token
from vvai.monitor.config import Config

log = logging.getLogger("vvai.api")


def _token(cfg: Config, host: str) -> str:
    fallback = Path(cfg.store.path).with_name("api-token")
    tok, origin = resolve_token(cfg.api.token_file, host, fallback)
    log.info("API token from %s", origin)
    return tok


def build_server(cfg: Config, host: str | None = None, port: int | None = None, store: Any = None) -> Any:
    """A configured ``uvicorn.Server`` (not started). Refuses a non-loopback bind without a token."""
    import importlib.util

    need = ("uvicorn", "fastapi", "jinja2", "multipart", "tomlkit")
    missing = [m for m in need if importlib.util.find_spec(m) is None]
    if missing:
        from vvai.common.errors import ConfigError

        raise ConfigError(f"the operator API needs {', '.join(missing)}, not installed here",
                          hint="install the api extra: pip install 'vvai[api]'")
    import uvicorn

    from vvai.api.app import create_app

    host = host or cfg.api.host
    port = cfg.api.port if port is None else port
    app = create_app(cfg, token=_token(cfg, host), store=store)
    conf = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                          proxy_headers=False, server_header=False, timeout_graceful_shutdown=5,
                          limit_concurrency=64)
    return uvicorn.Server(conf)


def serve(cfg: Config, host: str | None = None, port: int | None = None) -> None:
    server = build_server(cfg, host, port)
    log.info("console and API on http://%s:%d/", server.config.host, server.config.port)
    server.run()


class ApiThread:
    """The API inside another process (``vvai monitor run`` with ``[api] enabled = true``)."""

    def __init__(self, cfg: Config, store: Any = None):
        self.server = build_server(cfg, store=store)
        self.server.install_signal_handlers = lambda: None  # type: ignore[method-assign] # the daemon owns signals
        self.thread = threading.Thread(target=self.server.run, name="vvai-api", daemon=True)

    def start(self, timeout_s: float = 10.0) -> ApiThread:
        import time

        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        if not self.server.started:
            from vvai.common.errors import VvaiError

            raise VvaiError(f"the API did not start on {self.server.config.host}:{self.server.config.port}",
                            hint="is the port in use? set [api] port")
        log.info("console and API on http://%s:%d/", self.server.config.host, self.port)
        return self

    @property
    def port(self) -> int:
        servers = getattr(self.server, "servers", None) or []
        for s in servers:
            for sock in s.sockets:
                return int(sock.getsockname()[1])
        return int(self.server.config.port)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_api_if_enabled(cfg: Config, store: Any = None) -> ApiThread | None:
    """What ``vvai monitor run`` calls: the API thread when ``[api] enabled = true``, else None."""
    if not cfg.api.enabled:
        return None
    return ApiThread(cfg, store=store).start()
