"""The approval queue: the functions both the CLI (``vvai monitor actions|approve|reject``) and the
web API call. An approved action is not run here: the monitor's next pass runs it (its
preconditions re-checked first), so the one write path stays the executor.
"""

from __future__ import annotations

import time
from typing import Any

from vvai.actions import journal
from vvai.actions.policy import decide
from vvai.actions.requests import RollbackModelRequest, SuggestLimitsRequest
from vvai.actions.sizing import compose_snippet
from vvai.common.errors import ConfigError, ConflictError, NotFoundError
from vvai.monitor.config import models_root

STATUS_FILTERS = ("pending", "approved", "queued", "running", "executed", "effective", "ineffective", "failed",
                  "refused", "expired", "suggested", "rejected", "all")
_PUBLIC = ("id", "incident_id", "type", "target", "decision", "status", "reason", "created", "updated", "expires",
           "started", "finished", "decided_by", "note", "request", "result")


def public(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: row.get(k) for k in _PUBLIC}
    if row.get("status") == "pending":
        out["command"] = f"vvai monitor approve {row['id']}"
    return out


def expire_due(store: Any, now: float | None = None) -> list[dict[str, Any]]:
    """Mark pending actions past their TTL ``expired``; returns them."""
    now = time.time() if now is None else now
    out = []
    for row in journal.select(store, status=("pending",)):
        due = row.get("expires") is not None and row["expires"] <= now
        if due and journal.transition(store, row["id"], "expired", expect=("pending",), now=now,
                                      reason=f"no decision within the approval TTL (was: {row['reason']})"):
            out.append(journal.get(store, row["id"]) or row)
    return out


def list_actions(store: Any, status: str | None = "pending") -> list[dict]:
    if status not in (None, *STATUS_FILTERS):
        raise ConfigError(f"--status must be one of {', '.join(STATUS_FILTERS)} (got {status!r})")
    expire_due(store)
    rows = journal.select(store, status=None if status in (None, "all") else (status,))
    return [public(r) for r in reversed(rows)]


def _pending(store: Any, action_id: int, now: float) -> dict[str, Any]:
    row = journal.get(store, action_id)
    if row is None:
        raise NotFoundError(f"no action #{action_id}", hint="list them with 'vvai monitor actions --status all'")
    if row["status"] == "pending" and row.get("expires") is not None and row["expires"] <= now:
        expire_due(store, now)
        row = journal.get(store, action_id) or row
    if row["status"] != "pending":
        raise ConflictError(f"action #{action_id} is {row['status']}, not pending",
                            hint="only a pending action can be approved or rejected")
    return row


def approve(store: Any, action_id: int, *, who: str, now: float | None = None) -> dict:
    now = time.time() if now is None else now
    _pending(store, action_id, now)
    if not journal.transition(store, action_id, "approved", expect=("pending",), now=now, who=who,
                              decided_by=who, reason=f"approved by {who}; runs on the monitor's next pass"):
        raise ConflictError(f"action #{action_id} changed while it was being approved", hint="list it again")
    return public(journal.get(store, action_id) or {})


def reject(store: Any, action_id: int, *, who: str, note: str = "", now: float | None = None) -> dict:
    now = time.time() if now is None else now
    _pending(store, action_id, now)
    if not journal.transition(store, action_id, "rejected", expect=("pending",), now=now, who=who,
                              decided_by=who, note=note, reason=f"rejected by {who}" + (f": {note}" if note else "")):
        raise ConflictError(f"action #{action_id} changed while it was being rejected", hint="list it again")
    return public(journal.get(store, action_id) or {})


def request_model_rollback(cfg: Any, store: Any, to_version: str | None, *, who: str) -> dict:
    """An operator asks for a model rollback (the API's models page): always queued for approval."""
    from vvai.models.lifecycle import ModelManager
    from vvai.models.store import Store

    decision, why = decide(cfg.actions, "rollback_model")
    if decision == "refused":
        raise ConflictError(f"rollback_model refused: {why}", hint="set [actions.policy] rollback_model = \"approval\"")
    root = models_root(cfg)
    if to_version and Store(root).find(to_version) is None:
        raise NotFoundError(f"model version {to_version} is not installed in {root}",
                            hint="see 'vvai model list'")
    target = ModelManager(root).rollback_target(to_version)
    now = time.time()
    req = RollbackModelRequest(target=target, category="operator_request")
    for row in journal.select(store, status=("pending", "approved", "running", "executed"), type="rollback_model"):
        if row["target"] == target:
            raise ConflictError(f"a rollback to {target} is already {row['status']} (action #{row['id']})")
    aid = journal.insert(store, incident_id=None, type="rollback_model", target=target, decision="approval",
                         status="pending", reason="", request=req.model_dump(), now=now, who=who,
                         expires=now + cfg.actions.limits.approval_ttl_s, decided_by="")
    journal.transition(store, aid, "pending", now=now, who=who,
                       reason=f"requested by {who}: waiting for approval: vvai monitor approve {aid}")
    return public(journal.get(store, aid) or {})


#: A limits update that was applied (whatever its post-condition said) can be put back.
REVERTIBLE = ("executed", "effective", "ineffective")


def revert_limits(store: Any, action_id: int, *, who: str, now: float | None = None) -> dict:
    """Queue, approved by ``who``, the update that puts back the limits an applied
    ``suggest_limits`` recorded before it ran; the monitor's next pass runs it through the
    executor like any approved action (preconditions re-checked, outcome journaled)."""
    now = time.time() if now is None else now
    row = journal.get(store, action_id)
    if row is None:
        raise NotFoundError(f"no action #{action_id}", hint="list them with 'vvai monitor actions --status all'")
    if row["type"] != "suggest_limits" or row["status"] not in REVERTIBLE:
        raise ConflictError(f"action #{action_id} is {row['type']} {row['status']}: only applied limits can be "
                            "reverted", hint="a suggest_limits action that is executed, effective or ineffective")
    before = (row.get("result") or {}).get("before") or {}
    after = (row.get("result") or {}).get("after") or {}
    mem = before.get("mem_limit_bytes") if after.get("mem_limit_bytes") else None
    cpus = before.get("cpus") if after.get("cpus") else None
    if not mem and not cpus:
        raise ConflictError(f"action #{action_id}: {row['target']} had no limit before it, and an engine update "
                            "cannot remove a limit", hint="recreate the service from its compose file")
    for other in journal.select(store, type="suggest_limits", target=row["target"]):
        if (other.get("request") or {}).get("revert_of") == action_id and other["status"] not in (
                "failed", "refused", "expired", "rejected"):
            raise ConflictError(f"action #{action_id} is already reverted by #{other['id']} ({other['status']})",
                                hint="see 'vvai monitor actions --status all'")
    req = SuggestLimitsRequest(**{**(row.get("request") or {}), "mem_limit_bytes": mem, "cpus": cpus,
                                  "snippet": compose_snippet(row["target"], mem, cpus), "revert_of": action_id})
    aid = journal.insert(store, incident_id=row["incident_id"], type="suggest_limits", target=row["target"],
                         decision="approval", status="approved", request=req.model_dump(), now=now, who=who,
                         decided_by=who, reason=f"revert of #{action_id} approved by {who}; runs on the monitor's "
                                                "next pass")
    return public(journal.get(store, aid) or {})
