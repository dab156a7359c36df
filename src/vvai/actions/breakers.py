"""Circuit breakers and rate limits per (type, target), computed from the journal.

- at most ``max_per_hour`` runs (an action that reached the engine or the disk) per hour;
- ``breaker_failures`` unhelpful runs in a row (``ineffective`` or ``failed``) open the breaker:
  no attempt until ``breaker_reset_s`` after the last one, or until an operator resets it
  (``vvai monitor actions --reset TYPE:TARGET``). An effective run closes the streak.

The state lives in the journal, not in memory, so a restarted monitor keeps its breakers open
(a crash loop that restarts cannot fix stays stopped across monitor restarts too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vvai.actions import journal
from vvai.actions.requests import UNHELPFUL
from vvai.monitor.config.actions import ActionLimits


@dataclass(frozen=True)
class BreakerState:
    open: bool
    limited: bool
    streak: int
    runs_last_hour: int
    reason: str = ""

    @property
    def blocked(self) -> bool:
        return self.open or self.limited


def evaluate(runs: list[dict[str, Any]], limits: ActionLimits, now: float, reset_at: float | None = None,
             label: str = "") -> BreakerState:
    """PURE: the breaker for one (type, target) from its runs (rows with ``started``), oldest first."""
    ran = [r for r in runs if r.get("started")]
    recent = [r for r in ran if r["started"] >= now - 3600]
    streak, last_fail = 0, None
    for r in reversed(ran):
        if reset_at is not None and r["started"] <= reset_at:
            break
        if r["status"] in UNHELPFUL:
            streak += 1
            last_fail = max(last_fail or 0.0, r.get("finished") or r["started"])
        elif r["status"] == "effective":
            break
    is_open = streak >= limits.breaker_failures and last_fail is not None and now - last_fail < limits.breaker_reset_s
    kind = label.split(":", 1)[0]
    if is_open:
        stopped = "restarts stopped" if kind == "restart" else f"{kind or 'action'} stopped"
        return BreakerState(True, False, streak, len(recent),
                            f"breaker open: {stopped} after {streak} unhelpful run(s) in a row of {label} "
                            f"(retry after {limits.breaker_reset_s:g} s, "
                            f"or reset: vvai monitor actions --reset {label})")
    if len(recent) >= limits.max_per_hour:
        return BreakerState(False, True, streak, len(recent),
                            f"rate limit: {len(recent)} run(s) of {label} in the last hour "
                            f"(max_per_hour={limits.max_per_hour})")
    return BreakerState(False, False, streak, len(recent))


def state(store: Any, action_type: str, target: str, limits: ActionLimits, now: float) -> BreakerState:
    window = now - max(3600.0, limits.breaker_reset_s) - 3600.0
    runs = journal.select(store, type=action_type, target=target, since=window)
    return evaluate(runs, limits, now, journal.last_reset(store, action_type, target), f"{action_type}:{target}")


def reset(store: Any, label: str, *, who: str, now: float | None = None) -> dict[str, Any]:
    """An operator closes the breaker of ``TYPE:TARGET``."""
    from vvai.common.errors import ConfigError

    action_type, _, target = label.partition(":")
    if not action_type or not target:
        raise ConfigError(f"breaker {label!r}: expected TYPE:TARGET, e.g. restart:scene_scanner")
    journal.add_reset(store, action_type, target, who, now)
    return {"breaker": label, "reset_by": who}
