"""Typed action requests and the values every step returns.

A request is what the executor was asked to do, frozen at decision time with the facts that
justified it (the incident, its evidence, how many failures named the file). It is stored as
JSON in the journal, so an approval hours later runs exactly what was decided, and a refusal
is a value with a status and a reason, never an exception.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

ActionType = Literal["restart", "quarantine", "cleanup", "suggest_limits", "suggest_rollback", "rollback_model"]
Decision = Literal["auto", "approval", "suggest", "refused"]

#: Final outcomes (the issue's list) and the queue's intermediate states.
OUTCOMES = ("executed", "effective", "ineffective", "failed", "refused", "expired")
QUEUE_STATES = ("pending", "approved", "queued", "running", "suggested", "rejected")
#: States in which an action is still alive (will run, is running, or waits for its verdict).
ACTIVE = ("pending", "approved", "queued", "running", "executed")
#: States that count toward the breaker (a run that did not help).
UNHELPFUL = ("ineffective", "failed")


class _Req(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    incident_id: int | None = None
    category: str = ""
    component: str = ""
    evidence: list[dict[str, Any]] = Field(default_factory=list)

    def label(self) -> str:
        target = getattr(self, "target", "")
        return f"{self.type}:{target}" if target else str(self.type)  # type: ignore[attr-defined]


class RestartRequest(_Req):
    type: Literal["restart"] = "restart"
    target: str  # a component (compose service or container name)
    step: int = 0  # 0: the culprit / dependency; 1..n: dependents in depends_on order


class QuarantineRequest(_Req):
    type: Literal["quarantine"] = "quarantine"
    target: str  # a basename, found in input/ or processed/
    failures: int = 0  # failures that named the file when it was decided


class CleanupRequest(_Req):
    type: Literal["cleanup"] = "cleanup"
    target: str  # a folder name relative to the pipeline root (corrupted, logs)
    need_bytes: int = 0  # space missing to get back under the disk threshold


class SuggestLimitsRequest(_Req):
    type: Literal["suggest_limits"] = "suggest_limits"
    target: str
    mem_limit_bytes: int | None = None  # proposed
    cpus: float | None = None  # proposed
    current: dict[str, Any] = Field(default_factory=dict)  # limits and usage (peak, p95) seen
    snippet: str = ""
    revert_of: int | None = None  # the action whose recorded previous limits this puts back


class SuggestRollbackRequest(_Req):
    type: Literal["suggest_rollback"] = "suggest_rollback"
    target: str  # image or model@version


class RollbackModelRequest(_Req):
    type: Literal["rollback_model"] = "rollback_model"
    target: str = ""  # the version to go back to ("" = the previous one)


ActionRequest = Annotated[RestartRequest | QuarantineRequest | CleanupRequest | SuggestLimitsRequest
                          | SuggestRollbackRequest | RollbackModelRequest, Field(discriminator="type")]
_ADAPTER: TypeAdapter[Any] = TypeAdapter(ActionRequest)


def parse_request(data: dict[str, Any]) -> Any:
    """A stored request (dict) back into its typed model."""
    return _ADAPTER.validate_python(data)


class Outcome(BaseModel):
    """What one step produced: a status from OUTCOMES/QUEUE_STATES, a reason an operator can read,
    and details (what moved where, freed bytes, the container's new start time...)."""

    status: str
    reason: str = ""
    detail: dict[str, Any] = Field(default_factory=dict)


class Verdict(BaseModel):
    """A pure check's answer."""

    ok: bool
    reason: str = ""

    @classmethod
    def yes(cls, reason: str = "") -> Verdict:
        return cls(ok=True, reason=reason)

    @classmethod
    def no(cls, reason: str) -> Verdict:
        return cls(ok=False, reason=reason)
