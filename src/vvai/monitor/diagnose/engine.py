"""The deterministic diagnosis engine: detectors -> findings -> knowledge-base signatures ->
incidents, with correlation, grounded evidence and safety rules on actions.

Safety is enforced here, not in the (user-editable) knowledge base, as an allow-list
(:data:`SAFETY_RULES`: an action type without a rule is dropped): clean up only a folder of
``vvai.common.folders.CLEANABLE_FOLDERS`` (never input/ or processed/), restart or resize only the
incident's own culprit, quarantine only its named file. Template fields are made and documented
in :mod:`.fields`, rendered by :mod:`.render`. A healthy bundle yields no incident: findings no
signature claims are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vvai.common.folders import is_cleanable
from vvai.monitor.bundle import Bundle
from vvai.monitor.correlate import corpus, kb_regex, related
from vvai.monitor.detect import run_all
from vvai.monitor.detect.context import Context
from vvai.monitor.detect.settings import DetectorSettings
from vvai.monitor.diagnose.fields import template_values
from vvai.monitor.diagnose.kb import KnowledgeBase, Signature, load_kb
from vvai.monitor.diagnose.render import render
from vvai.monitor.incident import MAX_EVIDENCE, Action, Evidence, Finding, Incident, Severity

SafetyRule = Callable[[Action, str, "str | None"], bool]

#: The only action types the engine recommends, each with the condition it must meet
#: (action, culprit component, incident file). Anything else is dropped: default deny.
SAFETY_RULES: dict[str, SafetyRule] = {
    "alert": lambda a, comp, file: True,
    "cleanup": lambda a, comp, file: is_cleanable(a.target),
    "restart": lambda a, comp, file: a.target == comp,  # never restart an innocent component
    "quarantine": lambda a, comp, file: bool(a.target) and a.target == file,
    "suggest_limits": lambda a, comp, file: a.target == comp,
    "suggest_rollback": lambda a, comp, file: bool(a.target),
    "rollback_model": lambda a, comp, file: True,  # the active model: no target to check
}


class Diagnoser:
    """``Diagnoser(kb=None, settings=None).diagnose(bundle) -> list[Incident]``."""

    def __init__(self, kb: KnowledgeBase | None = None, settings: DetectorSettings | None = None):
        self.kb = kb or load_kb()
        self.settings = settings or DetectorSettings()

    def findings(self, bundle: Bundle) -> list[Finding]:
        return run_all(bundle, self.settings)

    def diagnose(self, bundle: Bundle) -> list[Incident]:
        ctx = Context(bundle, self.settings)
        findings = run_all(bundle, self.settings)
        return self.diagnose_findings(ctx, findings)

    def diagnose_findings(self, ctx: Context, findings: list[Finding]) -> list[Incident]:
        consumed: set[int] = set()
        incidents: list[Incident] = []
        for sig in self.kb.ordered():
            for trig in [f for f in findings if f.kind == sig.trigger]:
                if id(trig) in consumed:
                    continue
                live = [f for f in findings if id(f) not in consumed]
                inc = self._match(ctx, sig, trig, live, findings)
                if inc is None:
                    continue
                incident, used = inc
                consumed.update(id(f) for f in used)
                incidents.append(incident)
        incidents.sort(key=lambda i: (-Severity(i.severity).rank, i.first_seen.timestamp() if i.first_seen else 0.0))
        return self._dedupe(incidents)

    # ------------------------------------------------------------------ matching
    def _match(self, ctx: Context, sig: Signature, trig: Finding, live: list[Finding],
               everything: list[Finding]) -> tuple[Incident, list[Finding]] | None:
        w = sig.when
        if w.role and ctx.roles.get(trig.component) != w.role:
            return None
        text = None
        if w.pattern or w.not_pattern:
            text = corpus(ctx, trig)
            if w.pattern and not kb_regex(w.pattern).search(text):
                return None
            if w.not_pattern and kb_regex(w.not_pattern).search(text):
                return None
        for key, want in w.attrs.items():
            got = trig.attrs.get(key)
            if isinstance(want, dict):
                if "min" in want and not (isinstance(got, int | float) and got >= want["min"]):
                    return None
                if "max" in want and not (isinstance(got, int | float) and got <= want["max"]):
                    return None
            elif got != want:
                return None
        required: list[Finding] = []
        for cond in sig.requires:
            hits = related(ctx, trig, live, cond.kinds(), cond.scope, after_trigger=cond.after_trigger,
                           pattern=cond.pattern)
            if not hits:
                return None
            required += hits
        for cond in sig.excludes:
            if related(ctx, trig, everything, cond.kinds(), cond.scope, after_trigger=cond.after_trigger,
                       pattern=cond.pattern):
                return None
        absorbed: list[Finding] = []
        for scope, kinds in sig.absorbs.items():
            absorbed += related(ctx, trig, live, kinds, scope)
        used = [trig]
        for f in required + absorbed:
            if all(f is not u for u in used):
                used.append(f)
        file = trig.file
        if sig.file_from and not file:
            src = next((f for f in used if f.kind == sig.file_from and f.component == trig.component and f.file), None)
            file = src.file if src else None
        confidence = sig.confidence
        for b in sig.boosts:
            if related(ctx, trig, everything, b.kinds(), b.scope):
                confidence += b.add
        values = template_values(ctx, trig, required, used, file)
        root = render(sig.root_cause, values)
        actions = self._actions(sig, values, trig.component, file)
        evidence = self._evidence(trig, required, used)
        first = min(f.ts for f in used)
        last = max(f.end for f in used)
        inc = Incident(category=sig.category, component=trig.component, file=file,
                       severity=Severity(sig.severity), confidence=min(0.99, round(confidence, 2)),
                       root_cause=" ".join(root.split()), evidence=evidence, actions=actions, signature=sig.id,
                       timeline=sorted(used, key=lambda f: f.ts), first_seen=first, last_seen=last)
        return inc, used

    def _actions(self, sig: Signature, values: dict[str, Any], component: str, file: str | None) -> list[Action]:
        out: list[Action] = []
        for t in sig.actions:
            if t.when and not values.get(t.when):
                continue
            target = render(t.target, values) if t.target else None
            if target is not None and ("?" in target.split("@")[0] or target in ("", "None")):
                continue
            act = Action(type=t.type, target=target)
            if self._safe(act, component, file) and act not in out:
                out.append(act)
        if not any(a.type == "alert" for a in out):
            out.insert(0, Action(type="alert"))
        return out

    @staticmethod
    def _safe(a: Action, component: str, file: str | None) -> bool:
        rule = SAFETY_RULES.get(a.type)
        return rule is not None and rule(a, component, file)

    @staticmethod
    def _evidence(trig: Finding, required: list[Finding], used: list[Finding]) -> list[Evidence]:
        out: list[Evidence] = []
        seen = set()
        rest = [u for u in used if u is not trig and all(u is not r for r in required)]
        for f in [trig] + required + rest:
            for e in f.evidence[: (4 if f is trig else 2)]:
                if e.key() not in seen and e.text.strip():
                    seen.add(e.key())
                    out.append(e)
                if len(out) >= MAX_EVIDENCE:
                    return out
        return out

    @staticmethod
    def _dedupe(incidents: list[Incident]) -> list[Incident]:
        seen: dict[str, Incident] = {}
        for i in incidents:
            if i.key not in seen:
                seen[i.key] = i
        return list(seen.values())
