"""What the JSON API and the console show, computed once for both."""

from __future__ import annotations

import time
from typing import Any

from vvai.api import db, executor
from vvai.api.chart import line_chart
from vvai.api.livesignal import live_signal
from vvai.monitor.similar import similar, terms

# (store, incident id, passes) -> its terms: evidence only grows with passes; ids are per store
_TERMS: dict[tuple[str, int, int], Any] = {}
_TERMS_MAX = 50_000


def _known(store: Any) -> set[tuple[int, int]]:
    where = str(store.path)
    return {(i, n) for s, i, n in _TERMS if s == where}


def _with_terms(store: Any, cands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(_TERMS) > _TERMS_MAX:
        _TERMS.clear()
    for c in cands:
        key = (str(store.path), c["id"], c["passes"])
        got = _TERMS.get(key)
        if got is None:
            got = _TERMS[key] = terms(c)
        c["terms"] = got
    return cands


def resolution(store: Any, past: dict[str, Any], journal: list[dict[str, Any]]) -> str:
    """What resolved a past incident, in a few words."""
    eff = [a for a in journal if a.get("incident_id") == past["id"] and a.get("status") == "effective"]
    if eff:
        a = eff[-1]
        who = "automatically" if a.get("decision") == "auto" else "after approval"
        return f"{a.get('type')} {a.get('target') or ''} ({who})".replace("  ", " ")
    if past.get("status") == "resolved" and past.get("resolved_at"):
        mins = (past["resolved_at"] - past["first_seen"]) / 60
        return f"resolved without an action after {mins:.0f} min"
    return "still open"


def incident_view(store: Any, incident_id: int, with_chart: bool = True, cfg: Any = None) -> dict[str, Any]:
    inc = db.incident_detail(store, incident_id)
    try:
        journal = executor.list_actions(store, status=None)
    except executor.Unavailable:
        journal = []
    inc["actions"] = [a for a in journal if a.get("incident_id") == incident_id]
    target = {**inc, "evidence": [e["text"] for e in inc["evidence"]]}
    cands = db.similar_candidates(store, incident_id, inc["category"], inc["component"], limit=300,
                                  known=_known(store))
    sims = similar(target, _with_terms(store, cands), k=5)
    inc["similar"] = [{"id": s["id"], "score": s["score"], "category": s["category"], "component": s["component"],
                       "file": s.get("file"), "root_cause": s["root_cause"], "status": s["status"],
                       "verdict": s.get("verdict"), "resolved_by": resolution(store, s, journal)} for s in sims]
    inc["signals"] = db.signals(store, incident_id)
    if not inc["signals"] and cfg is not None:
        live = live_signal(store, cfg, inc)
        if live is not None:
            inc["signals"] = [{"name": live.name, "unit": live.unit, "limit": live.limit, "points": live.points,
                               "source": "samples"}]
    inc["age_s"] = round(time.time() - inc["first_seen"], 1)
    if with_chart:
        inc["charts"] = [line_chart(s["name"], s["points"], s["unit"], s["limit"],
                                    "benchmark" if s["unit"] == "s" else "limit") for s in inc["signals"][:2]]
    return inc
