"""``[actions]``: the remediation policy read by the executor (``vvai.actions``).

Exactly the keys of the remediation issue; the default is a dry run: alerts are always sent and
nothing else runs by itself.

    [actions]
    mode = "suggest"            # off | suggest | approval | auto
    [actions.policy]            # per action type; overrides mode
    restart = "auto"
    [actions.limits]
    max_per_hour = 6            # per (type, target)
    breaker_failures = 3
    breaker_reset_s = 3600
    approval_ttl_s = 3600
    settle_s = 30               # added: post-condition settle time
    min_failures = 3            # added: failures naming a file before it may be quarantined
    restart_timeout_s = 5       # added: graceful stop timeout of a restart
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Mode = Literal["off", "suggest", "approval", "auto"]
ACTION_TYPES = ("restart", "quarantine", "cleanup", "suggest_limits", "suggest_rollback", "rollback_model")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ActionPolicy(_Strict):
    """Per action type; ``None`` means: use ``actions.mode``."""

    restart: Mode | None = None
    quarantine: Mode | None = None
    cleanup: Mode | None = None
    suggest_limits: Mode | None = None
    suggest_rollback: Mode | None = None
    rollback_model: Mode | None = None


class ActionLimits(_Strict):
    max_per_hour: int = Field(6, ge=1)
    breaker_failures: int = Field(3, ge=1)
    breaker_reset_s: float = Field(3600.0, ge=1)
    approval_ttl_s: float = Field(3600.0, ge=1)
    # added by the executor (vvai.actions): post-condition settle time T and quarantine evidence N
    settle_s: float = Field(30.0, ge=0)  # a restarted container must stay up this long to be "effective"
    min_failures: int = Field(3, ge=1)  # a file is quarantined only when named by at least this many failures
    restart_timeout_s: int = Field(5, ge=0)  # seconds the engine waits for a graceful stop before SIGKILL


class ActionsConfig(_Strict):
    mode: Mode = "suggest"
    policy: ActionPolicy = Field(default_factory=ActionPolicy)
    limits: ActionLimits = Field(default_factory=ActionLimits)
