"""Fusion: the rules' incidents plus what a grounded LLM answer adds. The LLM never takes anything away.

- An LLM incident with the rules' category and component *refines* it (``rules+llm``): the rules'
  severity, confidence, culprit and actions stand (never lowered, never widened: what the executor
  may do stays what the rules proposed); the LLM's root-cause sentence is added as its analysis
  (it reaches the alert through the root cause), its extra grounded evidence is appended.
- An LLM incident for a component the rules already diagnosed differently is not added (the rules'
  diagnosis of that component stands); the reason is recorded.
- An LLM incident for a component no rule diagnosed is *added* (``llm``) only when it quotes one of
  the error signals the rules left unexplained and its confidence reaches ``min_confidence``:
  a model cannot raise an alarm on a window where nothing went wrong.
"""

from __future__ import annotations

from vvai.llm.advised import AdvisedIncident, advised
from vvai.llm.signals import Signal
from vvai.monitor.incident import Incident, severity_rank

MAX_EVIDENCE = 8  # a fused incident: the rules' evidence (at most incident.MAX_EVIDENCE) plus the LLM's quotes


def _quotes_signal(inc: Incident, signals: list[Signal]) -> bool:
    for e in inc.evidence:
        for s in signals:
            if s.component == inc.component and s.evidence.source == e.source and (
                    e.text in s.evidence.text or s.evidence.text in e.text):
                return True
    return False


def _refine(rule: AdvisedIncident, llm: Incident) -> None:
    rule.diagnosed_by = "rules+llm"
    analysis = llm.root_cause.strip()
    proposed = [a.label() for a in llm.actions if a.type != "alert" and a not in rule.actions]
    if proposed:
        analysis += f" (LLM suggests: {', '.join(proposed)}; not added to the actions)"
    if analysis and analysis not in rule.root_cause:
        rule.llm_analysis = analysis
        rule.root_cause = f"{rule.root_cause} LLM analysis: {analysis}"
    if severity_rank(llm.severity) > severity_rank(rule.severity):
        rule.severity = llm.severity  # an escalation only
    for e in llm.evidence:
        if e not in rule.evidence and len(rule.evidence) < MAX_EVIDENCE:
            rule.evidence.append(e)


def fuse(rules: list[Incident], llm: list[Incident], signals: list[Signal],
         min_confidence: float = 0.5) -> tuple[list[AdvisedIncident], list[str]]:
    """The fused list (every rules incident, in order, then the LLM's additions) and the reasons
    for what was not taken."""
    out = [i if isinstance(i, AdvisedIncident) else advised(i) for i in rules]
    by_comp = {i.component: i for i in out if i.category != "healthy"}
    refused: list[str] = []
    added: set[str] = set()
    for inc in llm:
        same = next((r for r in out if r.category == inc.category and r.component == inc.component
                     and r.diagnosed_by != "llm"), None)
        if same is not None:
            _refine(same, inc)
            continue
        if inc.component in by_comp:
            other = by_comp[inc.component]
            refused.append(f"{inc.category}/{inc.component}: the rules diagnosed {inc.component} as "
                           f"{other.category}; not added")
            continue
        if inc.confidence < min_confidence:
            refused.append(f"{inc.category}/{inc.component}: confidence {inc.confidence:.2f} below {min_confidence}")
            continue
        if not _quotes_signal(inc, signals):
            refused.append(f"{inc.category}/{inc.component}: adds an incident without quoting an error "
                           "signal the rules left unexplained")
            continue
        if inc.key in added:
            continue
        added.add(inc.key)
        out.append(advised(inc, "llm", inc.root_cause))
    return out, refused
