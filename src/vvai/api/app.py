"""The FastAPI application: JSON API under ``/api/v1``, console at ``/``, nothing public but the login.

``create_app(cfg, token=..., store=...)`` builds it for uvicorn or for tests. Errors become 4xx
JSON answers with one clear line (``detail``); an unexpected exception is a logged 500, never a
dead server.
"""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from vvai.api import db, executor
from vvai.api.auth import Sessions
from vvai.api.guard import MAX_BODY, BodyTooLarge, Guard
from vvai.api.state import ApiState
from vvai.common.errors import ConfigError, LockedError, VvaiError
from vvai.monitor.config import Config
from vvai.monitor.history import IncidentStore

log = logging.getLogger("vvai.api")


def _field_errors(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    errs = []
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body",)]
        errs.append({"field": ".".join(loc) or "body", "problem": str(e.get("msg", "invalid"))})
    first = errs[0] if errs else {"field": "body", "problem": "invalid"}
    more = f" (and {len(errs) - 1} more)" if len(errs) > 1 else ""
    return f"{first['field']}: {first['problem']}{more}", errs


def _status(e: VvaiError) -> int:
    from vvai.pipeline.feedback import SummaryNotFound

    if isinstance(e, db.NotFound | executor.Missing | SummaryNotFound):
        return 404
    if isinstance(e, executor.Conflict):
        return 409
    if isinstance(e, LockedError):
        return 423
    if isinstance(e, executor.Unavailable):
        return 503
    if isinstance(e, ConfigError):
        return 422
    return 400


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/openapi.json", "/docs"))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        msg, errs = _field_errors(exc)
        return JSONResponse({"detail": msg, "errors": errs}, status_code=422)

    @app.exception_handler(VvaiError)
    async def _vvai(request: Request, exc: VvaiError) -> Any:
        code = _status(exc)
        if _wants_html(request):
            from vvai.api.console import error_page

            return error_page(request, code, exc.one_line())
        return JSONResponse({"detail": exc.one_line()}, status_code=code)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Any:
        if isinstance(exc.__cause__, BodyTooLarge):
            return JSONResponse({"detail": f"request body over {MAX_BODY} bytes"}, status_code=413)
        if _wants_html(request) and exc.status_code == 404:
            from vvai.api.console import error_page

            return error_page(request, 404, "no such page")
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": f"internal error: {type(exc).__name__} (logged on the server)"},
                            status_code=500)


def create_app(cfg: Config, *, token: str, store: IncidentStore | None = None) -> FastAPI:
    """The app over ``cfg``'s history (or ``store``), requiring ``token``."""
    from vvai.api import console
    from vvai.api.routes import incidents, ops, summary

    st = ApiState(cfg=cfg, store=store or IncidentStore(cfg.store.path), token=token,
                  sessions=Sessions(cfg.api.session_ttl_s))
    app = FastAPI(title="vvai operator API", version="1", docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json")
    app.state.api = st
    install_error_handlers(app)
    app.include_router(incidents.router)
    app.include_router(ops.router)
    app.include_router(summary.router)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """The API reference, rendered here from the OpenAPI schema (no CDN: the box may be offline)."""
        spec = app.openapi()
        rows = []
        for path, ops_ in spec.get("paths", {}).items():
            for method, op in ops_.items():
                rows.append(f"<tr><td><code>{escape(method.upper())}</code></td><td><code>{escape(path)}</code>"
                            f"</td><td>{escape(op.get('summary') or '')}<br><small>"
                            f"{escape((op.get('description') or '').strip())}</small></td></tr>")
        return HTMLResponse("<!doctype html><html lang=en><head><meta charset=utf-8><title>vvai API</title>"
                            "<link rel=stylesheet href=/static/console.css></head><body><main><h1>vvai API</h1>"
                            "<p>All routes need <code>Authorization: Bearer &lt;token&gt;</code>. Schema: "
                            "<a href=/openapi.json>/openapi.json</a>.</p><table><thead><tr><th>method</th>"
                            "<th>path</th><th>what</th></tr></thead><tbody>" + "".join(rows)
                            + "</tbody></table></main></body></html>")

    console.mount(app)
    app.add_middleware(Guard, state=st)
    return app
