"""The web console: server-rendered pages (Jinja2) over the same functions as the JSON API.

Every state-changing form carries the session's CSRF token (hidden field ``csrf``); the login
form uses a double-submit cookie instead. Every asset is served from ``/static`` (no CDN).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from pathlib import Path as FsPath
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from vvai.api import db, executor, metrics, views
from vvai.api.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, same
from vvai.api.masking import redacted_view
from vvai.api.modelinfo import models_info
from vvai.api.policy import update_policy
from vvai.api.routes.common import MAX_ID, MAX_TEXT, parse_since, state, who
from vvai.common.errors import VvaiError
from vvai.monitor.config.actions import ACTION_TYPES, ActionsConfig
from vvai.pipeline.feedback import list_summaries, summary_record

HERE = FsPath(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(include_in_schema=False)
def _id() -> Any:
    return Path(..., ge=1, le=MAX_ID)
CATEGORIES = ("oom_kill", "crash_loop", "poison_input", "disk_full", "export_failure", "pipeline_stall",
              "orphan_outputs", "resource_saturation", "performance_degradation", "integrity_mismatch",
              "deployment_regression", "model_failure", "dependency_failure")
MODES = ("off", "suggest", "approval", "auto")


def age(ts: float | None) -> str:
    if not ts:
        return ""
    s = max(0, time.time() - ts)
    for unit, n in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= n:
            return f"{int(s // n)}{unit}"
    return f"{int(s)}s"


def clock(ts: float | str | None) -> str:
    if ts in (None, ""):
        return ""
    if isinstance(ts, str):
        return ts
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    for unit, n in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= n:
            return f"{seconds / n:.1f} {unit}"
    return f"{seconds:.1f} s"


templates.env.filters["duration"] = duration
templates.env.filters["age"] = age
templates.env.filters["clock"] = clock


def _session(request: Request) -> Any:
    return state(request).sessions.get(request.cookies.get(SESSION_COOKIE))


def check_csrf(request: Request, token: str) -> None:
    """Cookie sessions must echo their CSRF token; bearer clients are not exposed to CSRF."""
    sess = _session(request)
    if sess is None and request.headers.get("authorization", "")[:7].lower() == "bearer ":
        return
    if sess is None or not same(token, sess.csrf):
        raise Forbidden("the form's security token is missing or stale: reload the page and try again")


class Forbidden(VvaiError):
    pass


def page(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    sess = _session(request)
    return templates.TemplateResponse(request, name, {"csrf": sess.csrf if sess else "", "who": who(request),
                                                      "msg": request.query_params.get("msg", "")[:300], **ctx},
                                      status_code=status_code)


def error_page(request: Request, code: int, message: str) -> HTMLResponse:
    return page(request, "error.html", status_code=code, code=code, message=message)


def back(url: str, msg: str) -> RedirectResponse:
    sep = "&" if "?" in url else "?"
    return RedirectResponse(f"{url}{sep}{urlencode({'msg': msg})}", status_code=303)


def _local(url: str, default: str) -> str:
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else default


# -- login -----------------------------------------------------------------------------------------
@router.get("/login")
def login_form(request: Request, error: str = "") -> HTMLResponse:
    # reuse a live login cookie: a second tab or a stray redirect must not invalidate the first form
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if len(token) < 24 or len(token) > 64:
        token = secrets.token_urlsafe(24)
    resp = templates.TemplateResponse(request, "login.html", {"login_csrf": token, "error": error[:200]})
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login", max_age=3600)
    return resp


@router.post("/login")
def login(request: Request, token: str = Form("", max_length=4096), name: str = Form("", max_length=80),
          csrf: str = Form("", max_length=200)) -> Response:
    st = state(request)
    if not same(csrf, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return RedirectResponse("/login?" + urlencode({"error": "the form expired: try again"}), status_code=303)
    if not same(token.strip(), st.token):
        time.sleep(0.2)  # slows guessing down a little; the token's length does the rest
        return RedirectResponse("/login?" + urlencode({"error": "wrong token"}), status_code=303)
    sid, _ = st.sessions.create(name.strip() or "console")
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="strict", path="/", max_age=int(st.sessions.ttl_s))
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return resp


@router.post("/logout")
def logout(request: Request, csrf: str = Form("", max_length=200)) -> Response:
    check_csrf(request, csrf)
    state(request).sessions.drop(request.cookies.get(SESSION_COOKIE))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


# -- incidents -------------------------------------------------------------------------------------
@router.get("/")
def incidents_page(request: Request, status: Literal["open", "resolved", ""] = "",
                   category: str = Query("", max_length=64), component: str = Query("", max_length=200),
                   since: str = Query("", max_length=64), offset: int = Query(0, ge=0, le=10**9),
                   limit: int = Query(50, ge=1, le=db.MAX_PAGE)) -> HTMLResponse:
    st = state(request)
    items, total = db.list_incidents(st.store, status=status or None, category=category or None,
                                     component=component or None, since=parse_since(since), limit=limit,
                                     offset=offset)
    items = redacted_view(items, st.config().redaction.redactor())  # as the live poll shows them
    filters = {"status": status, "category": category, "component": component, "since": since}
    q = {k: v for k, v in filters.items() if v}
    # what console.js compares each poll against: the rows as rendered, so its first poll does not
    # rebuild an unchanged table (a rebuild drops the operator's keyboard focus and selection)
    sig = json.dumps([[i["id"], i["status"], i["severity"], i["last_seen"], i["verdict"], i["root_cause"]]
                      for i in items])
    return page(request, "incidents.html", items=items, total=total, offset=offset, limit=limit, filters=filters,
                categories=CATEGORIES, query=urlencode(q), sig=sig,
                prev_url="/?" + urlencode({**q, "offset": max(0, offset - limit)}) if offset else None,
                next_url="/?" + urlencode({**q, "offset": offset + limit}) if offset + limit < total else None)


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, incident_id: int = _id()) -> HTMLResponse:
    st = state(request)
    inc = views.incident_view(st.store, incident_id, cfg=st.config())
    if request.query_params.get("raw") not in ("1", "true"):  # shown redacted unless asked
        inc = redacted_view(inc, st.config().redaction.redactor())
    return page(request, "incident.html", inc=inc, categories=CATEGORIES, executor_ok=executor.available())


@router.post("/incidents/{incident_id}/feedback")
def incident_feedback(request: Request, incident_id: int = _id(), csrf: str = Form("", max_length=200),
                      verdict: Literal["correct", "wrong", "partial", "noise"] = Form(...),
                      note: str = Form("", max_length=MAX_TEXT),
                      correct_category: str = Form("", max_length=64),
                      correct_component: str = Form("", max_length=200)) -> Response:
    check_csrf(request, csrf)
    if correct_category and correct_category not in CATEGORIES:
        raise VvaiError(f"correct_category: {correct_category!r} is not a category")
    db.add_incident_feedback(state(request).store, incident_id, verdict, note, who(request),
                             correct_category or None, correct_component or None)
    return back(f"/incidents/{incident_id}", f"feedback recorded: {verdict}")


# -- approvals -------------------------------------------------------------------------------------
@router.get("/actions")
def actions_page(request: Request) -> HTMLResponse:
    try:
        pending, problem = executor.list_actions(state(request).store, "pending"), ""
    except executor.Unavailable as e:
        pending, problem = [], e.message
    return page(request, "actions.html", pending=pending, problem=problem)


@router.post("/actions/{action_id}/{verb}")
def decide(request: Request, action_id: int = _id(), verb: Literal["approve", "reject", "revert"] = Path(...),
           csrf: str = Form("", max_length=200), note: str = Form("", max_length=MAX_TEXT),
           back_to: str = Form("/actions", max_length=300)) -> Response:
    check_csrf(request, csrf)
    st = state(request)
    if verb == "approve":
        executor.approve(st.store, action_id, who(request))
    elif verb == "reject":
        executor.reject(st.store, action_id, who(request), note=note)
    else:
        queued = executor.revert_limits(st.store, action_id, who(request))
        db.audit(st.store, who(request), "revert_limits", {"action_id": action_id, "queued": queued.get("id")})
        return back(_local(back_to, "/actions"), f"action #{queued.get('id')} queued: puts back the limits from "
                                                 f"before #{action_id}; the monitor runs it on its next pass")
    db.audit(st.store, who(request), verb, {"action_id": action_id, "note": note})
    return back(_local(back_to, "/actions"), f"action #{action_id} {'approved' if verb == 'approve' else 'rejected'}")


# -- models, policy, summaries, overview -----------------------------------------------------------
@router.get("/models")
def models_page(request: Request) -> HTMLResponse:
    st = state(request)
    return page(request, "models.html", info=models_info(st.models_root()), rates=db.summary_rates(st.store))


@router.post("/models/rollback")
def models_rollback(request: Request, csrf: str = Form("", max_length=200),
                    to_version: str = Form("", max_length=64, pattern=r"^[0-9A-Za-z.+~-]*$")) -> Response:
    check_csrf(request, csrf)
    st = state(request)
    res = executor.request_model_rollback(st.config(), st.store, to_version or None, who(request))
    db.audit(st.store, who(request), "request_model_rollback", {"to_version": to_version or None, "result": res})
    aid = res.get("action_id")
    return back("/models", f"rollback requested{f' (action #{aid})' if aid else ''}: waiting for approval")


@router.get("/policy")
def policy_page(request: Request) -> HTMLResponse:
    st = state(request)
    return page(request, "policy.html", actions=st.config().actions, types=ACTION_TYPES, modes=MODES,
                limits=ActionsConfig.model_fields["limits"].annotation.model_fields,  # type: ignore[union-attr]
                editable=st.config_path is not None, audit=db.audit_log(st.store, 10))


@router.post("/policy")
async def policy_save(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    patch: dict[str, Any] = {"policy": {}, "limits": {}}
    for key, raw in form.multi_items():
        val = str(raw).strip()
        if key == "mode":
            patch["mode"] = val
        elif key.startswith("policy."):
            patch["policy"][key[7:]] = val or None
        elif key.startswith("limits."):
            try:
                patch["limits"][key[7:]] = float(val) if "." in val or "e" in val.lower() else int(val)
            except ValueError:
                raise VvaiError(f"actions.{key}: {val!r} is not a number") from None
        elif key != "csrf":
            raise VvaiError(f"unknown field {key!r}")
    st = state(request)
    if st.config_path is None:
        raise VvaiError("this server runs on built-in defaults: there is no vvai.toml to edit")
    change = await run_in_threadpool(update_policy, st.config_path, patch)
    await run_in_threadpool(db.audit, st.store, who(request), "policy", {"patch": patch, **change})
    st.config()
    return back("/policy", "policy saved")


@router.get("/summaries")
def summaries_page(request: Request) -> HTMLResponse:
    st = state(request)
    items = list_summaries(st.processed_dir(), 200)
    rated = {(r["video"], r["model_version"]): r for r in db.summary_feedback_rows(st.store)}
    for it in items:
        it["rating"] = (rated.get((it["video"], it["model_version"])) or {}).get("verdict")
    return page(request, "summaries.html", items=items, rates=db.summary_rates(st.store))


@router.post("/summaries/{video}/feedback")
def summaries_feedback(request: Request, video: str = Path(..., max_length=200, pattern=r"^[A-Za-z0-9][\w.-]*$"),
                       csrf: str = Form("", max_length=200), verdict: Literal["good", "bad"] = Form(...),
                       note: str = Form("", max_length=MAX_TEXT),
                       corrected_summary: str = Form("", max_length=100_000)) -> Response:
    check_csrf(request, csrf)
    st = state(request)
    rec = summary_record(st.processed_dir(), video)
    db.add_summary_feedback(st.store, rec, verdict, note, corrected_summary.strip() or None, who(request))
    return back("/summaries", f"{rec['video']} rated {verdict} (model {rec['model_version'] or '?'})")


@router.get("/overview")
def overview_page(request: Request, since: str = Query("7d", max_length=64)) -> HTMLResponse:
    st = state(request)
    try:
        journal = executor.list_actions(st.store, status=None)
    except executor.Unavailable:
        journal = None
    m = metrics.summary(st.store, parse_since(since) or 0.0, time.time(), journal)
    return page(request, "overview.html", m=m, since=since)


def mount(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Any:
        if request.url.path.startswith("/api/"):
            from fastapi.responses import JSONResponse

            return JSONResponse({"detail": exc.message}, status_code=403)
        return error_page(request, 403, exc.message)
