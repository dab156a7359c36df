"""The grounding check: an LLM answer is accepted only when it is grounded in what the monitor read.

For each incident of an answer (already mapped back from redaction placeholders):
- the category is one of the spec's (``healthy`` means "no incident" and adds nothing);
- the component is one of the bundle's, the severity one of the spec's, the confidence a number;
- there is at least one evidence item and every evidence text is verbatim in the source it names
  (a substring of one line of that source, at least ``MIN_EVIDENCE_CHARS`` long so that "ERROR" alone
  proves nothing);
- a named file is a basename that appears in the bundle;
- every action type is the spec's and every action passes the gate (by default the engine's own
  safety rules: never clean up input/ or processed/, restart or limit only the culprit,
  quarantine only the incident's file).
Otherwise the incident is rejected and the reason recorded. Nothing here trusts the model.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vvai.llm.lines import is_grounded
from vvai.llm.spec import ACTION_TYPES, CATEGORIES, SEVERITIES
from vvai.monitor.incident import Action, Evidence, Incident, Severity

MIN_EVIDENCE_CHARS = 12
MAX_ROOT_CAUSE = 600
Gate = Callable[[Action, str, str | None], bool]


def engine_gate(action: Action, component: str, file: str | None) -> bool:
    """The deterministic engine's safety rules, applied to the LLM's actions as to the rules'."""
    from vvai.monitor.diagnose.engine import Diagnoser

    return Diagnoser._safe(action, component, file)


def policy_gate(actions_cfg: Any) -> Gate:
    """The engine's safety rules, then the executor's gate under ``[actions]``: an action the policy
    refuses (``off``) is not one the LLM may propose. ``alert`` is always allowed."""
    from vvai.actions.gate import gate
    from vvai.actions.requests import Verdict as Safety

    def check(action: Action, component: str, file: str | None) -> bool:
        if not engine_gate(action, component, file):
            return False
        if action.type == "alert":
            return True
        return gate(actions_cfg, action.type, Safety(ok=True))[0] != "refused"

    return check


@dataclass
class Verdict:
    accepted: list[Incident] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    healthy: bool = False  # the answer said: no incident
    seconds: float = 0.0


class Rejected(ValueError):
    pass


def _line_ts(source: str, text: str, lines: list[str]) -> str | None:
    """The docker timestamp of the line quoted (container logs), as the rules' evidence carries it."""
    if not source.startswith("logs/") or source == "logs/app.log":
        return None
    from vvai.common.timefmt import parse_ts

    line = next((ln for ln in lines if text in ln), "")
    head = line.partition(" ")[0]
    return head if head and parse_ts(head) is not None else None


def _text(v: Any, name: str) -> str:
    if not isinstance(v, str) or not v.strip():
        raise Rejected(f"{name} missing or not text")
    return v


def _confidence(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise Rejected("confidence is not a number")
    v = float(v)
    if 1.0 < v <= 100.0:  # a percentage
        v /= 100.0
    if not 0.0 <= v <= 1.0:
        raise Rejected(f"confidence {v} outside [0, 1]")
    return v


def check_incident(raw: dict[str, Any], sources: dict[str, list[str]], components: list[str],
                   restore: Callable[[str], str], gate: Gate) -> Incident:
    cat = raw.get("category")
    if cat not in CATEGORIES:
        raise Rejected(f"unknown category {str(cat)[:40]!r}")
    comp = restore(_text(raw.get("component"), "component"))
    if comp not in components:
        raise Rejected(f"unknown component {comp[:40]!r} (the bundle's: {', '.join(components)})")
    sev = raw.get("severity", "warning")
    if sev not in SEVERITIES:
        raise Rejected(f"unknown severity {str(sev)[:20]!r}")
    conf = _confidence(raw.get("confidence", 0.5))
    root = restore(_text(raw.get("root_cause"), "root_cause"))[:MAX_ROOT_CAUSE]
    file = raw.get("file")
    if file in ("", None):
        file = None
    else:
        file = restore(_text(file, "file"))
        if "/" in file or "\\" in file:
            raise Rejected(f"file {file[:60]!r} is not a basename")
        if not any(file in line for lines in sources.values() for line in lines):
            raise Rejected(f"file {file[:60]!r} appears nowhere in the bundle")
    evs = raw.get("evidence")
    if not isinstance(evs, list) or not evs:
        raise Rejected("no evidence")
    evidence: list[Evidence] = []
    for e in evs:
        if not isinstance(e, dict):
            raise Rejected("an evidence item is not an object")
        src = _text(e.get("source"), "evidence.source")
        text = restore(_text(e.get("text"), "evidence.text"))
        if src not in sources:
            raise Rejected(f"evidence names an unknown source {src[:60]!r}")
        if len(text.strip()) < MIN_EVIDENCE_CHARS:
            raise Rejected(f"evidence text {text[:40]!r} is shorter than {MIN_EVIDENCE_CHARS} characters")
        if not is_grounded(text, sources[src]):
            raise Rejected(f"evidence not verbatim in {src}: {text[:80]!r}")
        ev = Evidence(source=src, ts=_line_ts(src, text, sources[src]), text=text)
        if ev not in evidence:
            evidence.append(ev)
    actions: list[Action] = []
    for a in raw.get("actions") or []:
        if not isinstance(a, dict) or a.get("type") not in ACTION_TYPES:
            raise Rejected(f"unknown action type {str(a.get('type') if isinstance(a, dict) else a)[:40]!r}")
        target = a.get("target")
        act = Action(type=a["type"], target=restore(target) if isinstance(target, str) and target else None)
        if not gate(act, comp, file):
            raise Rejected(f"action {act.label()[:80]} is forbidden by the policy")
        if act not in actions:
            actions.append(act)
    if not any(a.type == "alert" for a in actions):
        actions.insert(0, Action(type="alert"))
    return Incident(category=cat, component=comp, file=file, severity=Severity(sev), confidence=conf,
                    root_cause=root, evidence=evidence, actions=actions, signature="llm")


def ground(answer: list[dict[str, Any]], sources: dict[str, list[str]], components: list[str],
           restore: Callable[[str], str] = lambda s: s, gate: Gate = engine_gate) -> Verdict:
    t0 = time.perf_counter()
    v = Verdict()
    real = [r for r in answer if r.get("category") != "healthy"]
    v.healthy = not real
    for raw in real:
        try:
            v.accepted.append(check_incident(raw, sources, components, restore, gate))
        except Rejected as e:
            v.rejected.append(str(e))
    v.seconds = time.perf_counter() - t0
    return v
