"""The deterministic diagnosis engine: detectors -> findings -> knowledge-base signatures ->
incidents, with correlation, grounded evidence and safety rules on actions.

Safety is enforced here, not in the (user-editable) knowledge base: never clean up input/ or
processed/ (data would be lost), restart only the incident's own culprit, quarantine only a named
file. A healthy bundle yields no incident: findings no signature claims are dropped.
"""

from __future__ import annotations

import re
import string
from typing import Any

from vvai.monitor.bundle import Bundle
from vvai.monitor.correlate import corpus, related
from vvai.monitor.detect import run_all
from vvai.monitor.detect.common import Context, fmt_bytes
from vvai.monitor.diagnose.kb import KnowledgeBase, Signature, load_kb
from vvai.monitor.diagnose.settings import DetectorSettings
from vvai.monitor.incident import Action, Evidence, Finding, Incident, Severity

PROTECTED_FOLDERS = {"input", "processed"}
SAFE_CLEANUP = ("corrupted", "logs", "tmp", "cache")
MAX_EVIDENCE = 6
INPUT_FILE_RE = re.compile(r"\.(mp4|mkv|avi|mov|ts|webm|m4v|flv|h264|h265|hevc|mpg|mpeg|3gp|analytic\.json)$",
                           re.IGNORECASE)


class _Fmt(string.Formatter):
    def get_value(self, key, args, kwargs):  # type: ignore[override]
        v = kwargs.get(key) if isinstance(key, str) else None
        return "?" if v is None else v

    def format_field(self, value, format_spec):  # type: ignore[override]
        try:
            return super().format_field(value, format_spec)
        except (ValueError, TypeError):
            return str(value)


_FMT = _Fmt()


def render(template: str, values: dict[str, Any]) -> str:
    return _FMT.vformat(template, (), values)


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
            if w.pattern and not re.search(w.pattern, text):
                return None
            if w.not_pattern and re.search(w.not_pattern, text):
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
        values = self._values(ctx, trig, required, used, file)
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

    def _values(self, ctx: Context, trig: Finding, required: list[Finding], used: list[Finding],
                file: str | None) -> dict[str, Any]:
        b = ctx.bundle
        spec = b.components.get(trig.component)
        v: dict[str, Any] = dict(trig.attrs)
        v.update(component=trig.component, file=file, role=ctx.roles.get(trig.component, "other"),
                 image=spec.image if spec else None,
                 mem_limit=fmt_bytes(spec.mem_limit_bytes) if spec and spec.mem_limit_bytes else "configured",
                 cpus=f"{spec.cpus:g}" if spec and spec.cpus else "?")
        for f in required:
            for k, val in f.attrs.items():
                v.setdefault(f"req_{f.kind}_{k}", val)
        if required:
            starts = []
            for f in required:
                times = [t for t in (f.attrs.get("times") or []) if t >= trig.ts]
                starts.append(times[0] if times else f.ts)
            delay = (min(starts) - trig.ts).total_seconds() / 60
            v["req_delay_text"] = f"{max(delay, 0):.0f} min"
        hours = max((trig.end - trig.ts).total_seconds() / 3600, 0)
        v["hours_text"] = f"{hours * 60:.0f} min" if hours < 1.5 else f"{hours:.1f} h"
        size = trig.attrs.get("size_bytes")
        poison = next((f for f in used if f.kind == "poison_input" and f.file == file), None)
        if size is None and poison:
            size = poison.attrs.get("size_bytes")
        v["size_text"] = f", {fmt_bytes(size)}" if size else ""
        # quarantine moves pipeline inputs (videos, analytics) into corrupted/; never a model file
        v["input_file"] = file if file and INPUT_FILE_RE.search(file) else None
        v["file_text"] = (f" while processing {file}" + (f" ({fmt_bytes(size)})" if size else "")) if file else ""
        errs = [e.text for e in ctx.errors(trig.component) if e.text.strip()]
        texts = trig.attrs.get("texts") or []
        top = (texts[-1] if texts and trig.kind == "crash_loop" else None) or (errs[0] if errs else None) \
            or trig.attrs.get("top_template") or trig.summary
        v["top_error"] = " ".join(str(top).split())[:200]
        codes = trig.attrs.get("exit_codes") or []
        v["exit_codes_text"] = ", ".join(str(c) for c in codes) or "?"
        deps = trig.attrs.get("dependents") or []
        v["dependents_text"] = " and ".join(deps) or "its dependents"
        v["in_bundle"] = bool(trig.attrs.get("in_bundle"))
        model = b.model or {}
        v["model_name"] = model.get("name") or "model"
        v["model_version"] = trig.attrs.get("new_version") or model.get("version") or ""
        v["previous_model_version"] = model.get("previous_version")
        mc = next((f for f in used if f.kind == "model_change"), None)
        if mc:
            v["model_version"] = mc.attrs.get("new_version")
            v["previous_model_version"] = mc.attrs.get("old_version") or v["previous_model_version"]
        v["model_change_text"] = (f" (updated from {v['previous_model_version']})"
                                  if mc or (model.get("previous_version") and model.get("version") !=
                                            model.get("previous_version")) else "")
        down = next((f for f in used if f.kind == "component_down" and f.component == trig.component), None)
        v["down_text"] = (f" (it has not been running for {down.attrs.get('minutes', 0):.0f} min)" if down else "")
        if "mean_fraction" in trig.attrs:
            v["mean_percent"] = f"{trig.attrs['mean_fraction'] * 100:.0f}"
        if trig.kind == "disk_full":
            v["used_percent"] = f"{trig.attrs.get('used_fraction', 0) * 100:.1f}"
            v["free_text"] = fmt_bytes(trig.attrs.get("free_bytes"))
            sizes = trig.attrs.get("folder_bytes") or {}
            biggest = trig.attrs.get("biggest_folder")
            v["biggest_text"] = f"; {biggest}/ holds {fmt_bytes(sizes.get(biggest))}" if biggest else ""
            safe = {k: s for k, s in sizes.items() if k in SAFE_CLEANUP and s > 0}
            v["cleanup_folder"] = max(safe, key=safe.get) if safe else None
        return v

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
        if a.type == "cleanup":
            parts = {p for p in re.split(r"[\\/]+", a.target or "") if p}
            return bool(parts) and not (parts & PROTECTED_FOLDERS)
        if a.type == "restart":
            return a.target == component  # never restart an innocent component
        if a.type == "quarantine":
            return bool(a.target) and a.target == file
        if a.type == "suggest_limits":
            return a.target == component
        return True

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
