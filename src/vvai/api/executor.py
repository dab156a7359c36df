"""The executor's approval queue, reached only through ``vvai.actions.approvals`` (the same functions
``vvai monitor approve`` uses). Without the executor installed, these answer 503.
"""

from __future__ import annotations

from typing import Any

from vvai.common.errors import ConflictError, NotFoundError, VvaiError


class Unavailable(VvaiError):
    """The executor (``vvai.actions``) is not installed in this build."""


class Conflict(VvaiError):
    """The action is not pending any more (approved, rejected, expired...)."""


class Missing(VvaiError):
    """No such action."""


def _mod() -> Any:
    try:
        from vvai.actions import approvals
    except ImportError as e:
        raise Unavailable(f"the executor is not installed: {e}") from None
    return approvals


def available() -> bool:
    try:
        _mod()
    except Unavailable:
        return False
    return True


def _classify(e: VvaiError) -> Exception:
    if isinstance(e, NotFoundError):
        return Missing(e.message, hint=e.hint)
    if isinstance(e, ConflictError):
        return Conflict(e.message, hint=e.hint)
    return e


def list_actions(store: Any, status: str | None = "pending") -> list[dict[str, Any]]:
    return [dict(a) for a in _mod().list_actions(store, status=status)]


def approve(store: Any, action_id: int, who: str) -> dict[str, Any]:
    try:
        return dict(_mod().approve(store, action_id, who=who) or {})
    except VvaiError as e:
        raise _classify(e) from None


def reject(store: Any, action_id: int, who: str, note: str = "") -> dict[str, Any]:
    try:
        return dict(_mod().reject(store, action_id, who=who, note=note) or {})
    except VvaiError as e:
        raise _classify(e) from None


def revert_limits(store: Any, action_id: int, who: str) -> dict[str, Any]:
    try:
        return dict(_mod().revert_limits(store, action_id, who=who) or {})
    except VvaiError as e:
        raise _classify(e) from None


def request_model_rollback(cfg: Any, store: Any, to_version: str | None, who: str) -> dict[str, Any]:
    try:
        return dict(_mod().request_model_rollback(cfg, store, to_version, who=who) or {})
    except VvaiError as e:
        raise _classify(e) from None


def actions_of(store: Any, incident_id: int) -> list[dict[str, Any]]:
    """Every journal entry of one incident (any status); [] without the executor."""
    try:
        acts = list_actions(store, status=None)
    except Unavailable:
        return []
    return [a for a in acts if a.get("incident_id") == incident_id]
