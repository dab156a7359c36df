"""``/api/v1/actions``, ``/api/v1/models``, ``/api/v1/config``: the approval queue, models, policy."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Body, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from vvai.api import db, executor
from vvai.api.masking import masked
from vvai.api.modelinfo import models_info
from vvai.api.policy import update_policy
from vvai.api.routes.common import MAX_ID, MAX_TEXT, state, who
from vvai.common.errors import ConfigError

router = APIRouter(prefix="/api/v1", tags=["operations"])
Id = Path(..., ge=1, le=MAX_ID, description="action id")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field("", max_length=MAX_TEXT)


class RollbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to_version: str | None = Field(None, max_length=64, pattern=r"^[0-9A-Za-z.+~-]+$")


@router.get("/actions")
def list_actions(request: Request,
                 status: Literal["pending", "approved", "queued", "running", "executed", "effective", "ineffective",
                                 "failed", "refused", "expired", "rejected", "suggested", "all"] = "pending") -> dict:
    acts = executor.list_actions(state(request).store, status=None if status == "all" else status)
    return {"items": acts, "total": len(acts)}


@router.post("/actions/{action_id}/approve")
def approve(request: Request, action_id: int = Id, body: DecisionIn | None = None) -> dict:
    st = state(request)
    res = executor.approve(st.store, action_id, who(request))
    db.audit(st.store, who(request), "approve", {"action_id": action_id})
    return {"action_id": action_id, "result": res}


@router.post("/actions/{action_id}/reject")
def reject(request: Request, action_id: int = Id, body: DecisionIn | None = None) -> dict:
    st = state(request)
    res = executor.reject(st.store, action_id, who(request), note=body.note if body else "")
    db.audit(st.store, who(request), "reject", {"action_id": action_id, "note": body.note if body else ""})
    return {"action_id": action_id, "result": res}


@router.post("/actions/{action_id}/revert", status_code=202)
def revert(request: Request, action_id: int = Id) -> dict:
    """Queue, approved by the caller, the update that puts back the limits an applied
    suggest_limits replaced (``vvai monitor revert``); the monitor's next pass runs it."""
    st = state(request)
    res = executor.revert_limits(st.store, action_id, who(request))
    db.audit(st.store, who(request), "revert_limits", {"action_id": action_id, "queued": res.get("id")})
    return {"action_id": action_id, "result": res}


@router.get("/models")
def models(request: Request) -> dict:
    st = state(request)
    info = models_info(st.models_root())
    info["summary_ratings"] = db.summary_rates(st.store)
    return info


@router.post("/models/rollback", status_code=202)
def rollback(request: Request, body: RollbackIn | None = None) -> dict:
    """Queue a model rollback for approval (the executor runs it once approved)."""
    st = state(request)
    to = body.to_version if body else None
    res = executor.request_model_rollback(st.config(), st.store, to, who(request))
    db.audit(st.store, who(request), "request_model_rollback", {"to_version": to, "result": res})
    return res


@router.get("/config")
def get_config(request: Request) -> dict:
    return masked(state(request).config())


@router.get("/config/audit")
def config_audit(request: Request) -> dict:
    return {"items": db.audit_log(state(request).store)}


@router.put("/config/policy")
def put_policy(request: Request, body: dict[str, Any] = Body(..., examples=[{"mode": "approval",
                                                                             "policy": {"restart": "auto"}}])) -> dict:
    """Change ``[actions]`` (modes, per-type policy, limits): validated, written atomically, audited."""
    st = state(request)
    if st.config_path is None:
        raise ConfigError("this server runs on built-in defaults: there is no vvai.toml to edit",
                          hint="start it with --config FILE")
    change = update_policy(st.config_path, body)
    db.audit(st.store, who(request), "policy", {"patch": body, **change})
    st.config()
    return {"actions": change["after"], "file": str(st.config_path)}
