"""The policy decision, PURE and default-deny: what ``[actions]`` allows for one action type.

``auto`` runs by itself, ``approval`` waits for an operator, ``suggest`` is reported only,
``refused`` never runs. Anything the policy does not name is refused. Two caps hold whatever the
file says: ``suggest_limits`` changes a running container's limits, so it never runs without an
operator (``auto`` is read as ``approval``), and ``suggest_rollback`` names an image to go back to
but vvai does not redeploy images, so it is always a suggestion.
"""

from __future__ import annotations

from vvai.actions.requests import Decision
from vvai.monitor.config.actions import ACTION_TYPES, ActionsConfig

#: The strongest decision each type may get, whatever the policy says.
CAPS: dict[str, Decision] = {"suggest_limits": "approval", "suggest_rollback": "suggest"}
_RANK = {"refused": 0, "suggest": 1, "approval": 2, "auto": 3}


def decide(policy: ActionsConfig, action_type: str) -> tuple[Decision, str]:
    """(decision, reason) for one action type under ``policy``."""
    if action_type not in ACTION_TYPES:
        return "refused", f"unknown action type {action_type!r} (default deny)"
    per_type = getattr(policy.policy, action_type)
    mode = per_type or policy.mode
    why = f"policy: {action_type}={per_type}" if per_type else f"policy: mode={policy.mode}"
    if mode == "off":
        return "refused", f"{why} (actions off)"
    decision: Decision = mode  # type: ignore[assignment]
    cap = CAPS.get(action_type)
    if cap and _RANK[decision] > _RANK[cap]:
        return cap, f"{why}, capped to {cap}: {action_type} " + (
            "never changes a container without an operator" if cap == "approval" else "is only ever suggested")
    return decision, why
