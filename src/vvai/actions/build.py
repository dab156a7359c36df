"""Recommended actions (from the diagnosis, a knowledge base or an LLM) -> typed requests with
their safety verdicts. PURE: the facts and the stats samples are passed in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vvai.actions import safety, sizing
from vvai.actions.requests import (
    CleanupRequest,
    QuarantineRequest,
    RestartRequest,
    RollbackModelRequest,
    SuggestLimitsRequest,
    SuggestRollbackRequest,
    Verdict,
)

Stats = Callable[[str], tuple[list[dict[str, Any]], int | None, float | None]]  # samples, mem_limit, cpus


def _common(incident_id: int | None, incident: Any) -> dict[str, Any]:
    ev = [e.model_dump() if hasattr(e, "model_dump") else dict(e) for e in (incident.evidence or [])[:3]]
    return {"incident_id": incident_id, "category": incident.category, "component": incident.component,
            "evidence": ev}


def requests_for(incident_id: int | None, incident: Any, action: Any, facts: safety.Facts,
                 stats: Stats | None = None) -> list[tuple[Any, Verdict]]:
    """One recommended action -> [(request, safety verdict)]; a restart of a dependency expands into
    the dependency then its dependents (each request's ``step`` gives the order). ``alert`` -> []."""
    t, target = action.type, action.target
    c = _common(incident_id, incident)
    if t == "alert":
        return []
    if t == "restart":
        verdict, order = safety.restart_plan(incident, target, facts)
        if not verdict.ok:
            return [(RestartRequest(target=str(target or ""), **c), verdict)]
        return [(RestartRequest(target=name, step=i, **c), verdict) for i, name in enumerate(order)]
    if t == "quarantine":
        req = QuarantineRequest(target=str(target or ""), failures=safety.failures_naming(incident, target or ""), **c)
        return [(req, safety.check_quarantine(incident, target, facts))]
    if t == "cleanup":
        verdict = safety.check_cleanup(incident, target)
        return [(CleanupRequest(target=safety.cleanup_folder(target) or str(target or ""), **c), verdict)]
    if t == "suggest_limits":
        verdict = safety.check(incident, t, target, facts)
        extra: dict[str, Any] = {}
        if verdict.ok and stats is not None:
            samples, mem_limit, cpus = stats(str(target))
            s = sizing.suggest_limits(str(target), samples, mem_limit, cpus)
            extra = {"mem_limit_bytes": s["proposed_mem_limit_bytes"], "cpus": s["proposed_cpus"],
                     "snippet": s["snippet"],
                     "current": {k: v for k, v in s.items() if not k.startswith("proposed") and k != "snippet"}}
        return [(SuggestLimitsRequest(target=str(target or ""), **extra, **c), verdict)]
    if t == "suggest_rollback":
        return [(SuggestRollbackRequest(target=str(target or ""), **c), safety.check(incident, t, target, facts))]
    if t == "rollback_model":
        return [(RollbackModelRequest(target=str(target or ""), **c), safety.check(incident, t, target, facts))]
    return []  # an unknown type has no request model: the caller records it refused (default deny)


def describe(req: Any) -> str:
    """What a suggestion says, for the alert (a compose snippet for limits)."""
    if req.type == "suggest_limits":
        cur = req.current or {}
        if not req.snippet:
            return "no usage samples to size the limits from"
        peak, p95 = cur.get("mem_peak_bytes"), cur.get("mem_p95_bytes")
        usage = (f"memory peak {int(peak) >> 20} MiB, p95 {int(p95) >> 20} MiB" if peak else "") + (
            f" vs limit {int(cur['mem_limit_bytes']) >> 20} MiB" if cur.get("mem_limit_bytes") else "")
        cpu = cur.get("cpu_p95_percent")
        usage += (f"; CPU p95 {cpu:.0f}%" + (f" of {cur['cpus']:g} CPU" if cur.get("cpus") else "")) if cpu else ""
        return f"{usage.strip('; ')}; suggested: " + req.snippet.replace("\n", " | ")
    if req.type == "suggest_rollback":
        return f"go back to {req.target}"
    return ""
