"""Is this action allowed, and how: safety rule, then policy, then breaker. PURE.

The one decision function the executor, ``vvai monitor plan`` and (if it wants) the LLM layer
share. The LLM layer may import this module; it never sees an effector.
"""

from __future__ import annotations

from typing import Any

from vvai.actions.breakers import BreakerState
from vvai.actions.policy import decide
from vvai.actions.requests import Decision, Verdict
from vvai.monitor.config.actions import ActionsConfig


def gate(policy: ActionsConfig, action_type: str, safety: Verdict,
         breaker: BreakerState | None = None) -> tuple[Decision, str]:
    """(decision, reason) for one action whose safety verdict is ``safety``."""
    if not safety.ok:
        return "refused", f"safety: {safety.reason}"
    decision, why = decide(policy, action_type)
    if decision == "refused":
        return decision, why
    if breaker is not None and breaker.blocked and decision in ("auto", "approval"):
        return "refused", breaker.reason
    return decision, why


def allowed(policy: ActionsConfig, incident: Any, action_type: str, target: str | None, facts: Any) -> bool:
    """True when the action could run (by itself or with approval) under the safety rules and policy."""
    from vvai.actions.safety import check

    return gate(policy, action_type, check(incident, action_type, target, facts))[0] in ("auto", "approval")
