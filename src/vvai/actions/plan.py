"""``vvai monitor plan BUNDLE``: what the executor would decide for every recommended action of a
bundle's diagnosis under the configured policy, without doing anything (the spec's Action plan).

Components and ``depends_on`` come from the bundle; breakers from the monitor's store when it
exists (read only). Preconditions that need the live box (the file is still there, the
container still failing) are checked only when the action runs.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from vvai.actions.build import describe, requests_for
from vvai.actions.gate import gate
from vvai.actions.safety import Facts
from vvai.monitor.config import Config


def _stats_from(bundle: Any) -> Any:
    def stats(component: str) -> tuple[list[dict], int | None, float | None]:
        spec = bundle.components.get(component)
        rows = [r.data for r in bundle.stats if (r.data or {}).get("component") == component]
        return rows, getattr(spec, "mem_limit_bytes", None), getattr(spec, "cpus", None)

    return stats


def plan(bundle: Any, incidents: list[Any], cfg: Config, store: Any = None, now: float | None = None) -> dict:
    from vvai.actions import breakers

    now = time.time() if now is None else now
    pol = cfg.actions
    facts = Facts(components=frozenset(bundle.all_components()),
                  depends_on={c: tuple(s.depends_on or ()) for c, s in bundle.components.items()},
                  min_failures=pol.limits.min_failures)
    out: list[dict] = []
    for i, inc in enumerate(incidents):
        for action in inc.actions:
            if action.type == "alert":
                continue
            reqs = requests_for(None, inc, action, facts, _stats_from(bundle))
            if not reqs:
                out.append({"incident": i, "category": inc.category, "type": action.type, "target": action.target,
                            "decision": "refused", "reason": f"safety: unknown action type {action.type!r}"})
            for req, verdict in reqs:
                brk = breakers.state(store, req.type, req.target, pol.limits, now) if store and verdict.ok else None
                decision, reason = gate(pol, req.type, verdict, brk)
                text = describe(req) if decision == "suggest" else ""
                entry = {"incident": i, "category": inc.category, "type": req.type, "target": req.target or None,
                         "decision": decision, "reason": f"{reason}: {text}" if text else reason}
                if req.type == "restart" and getattr(req, "step", 0):
                    entry["after"] = reqs[req.step - 1][0].target
                out.append(entry)
    return {"actions": out}


def plan_bundle(path: str | Path, cfg: Config, kb: list[str] | None = None) -> dict:
    from vvai.monitor.bundle import load_bundle
    from vvai.monitor.diagnose.engine import Diagnoser
    from vvai.monitor.diagnose.kb import load_kb

    bundle = load_bundle(path)
    incidents = [i for i in Diagnoser(kb=load_kb(kb or None), settings=cfg.detector_settings()).diagnose(bundle)
                 if i.category != "healthy"]
    store = None
    if Path(cfg.store.path).is_file():
        from vvai.monitor.history import IncidentStore

        store = IncidentStore(cfg.store.path)
    try:
        return plan(bundle, incidents, cfg, store)
    finally:
        if store is not None:
            store.close()
