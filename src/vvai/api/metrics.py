"""``GET /api/v1/summary``: the design's success metrics over a period, from the history alone.

- incidents by category (first seen in the period);
- MTTD: first evidence line's timestamp -> the incident's first detection; MTTR: first detection
  -> resolution (mean and median, seconds);
- the share of incidents with an effective automatic action (executor journal);
- accuracy by operator verdict (the latest verdict per incident; partial counts half);
- alerts sent (by kind) and actions refused; summary ratings per model version.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from vvai.api import db
from vvai.monitor.history import IncidentStore
from vvai.monitor.timeutil import parse_ts


def _stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "mean_s": None, "median_s": None}
    return {"count": len(values), "mean_s": round(statistics.fmean(values), 3),
            "median_s": round(statistics.median(values), 3)}


def accuracy(verdicts: list[str]) -> dict[str, Any]:
    """Counts per verdict and accuracy = (correct + partial/2) / (correct + wrong + partial)."""
    c = Counter(verdicts)
    judged = c["correct"] + c["wrong"] + c["partial"]
    return {"rated": sum(c.values()), **{v: c[v] for v in db.VERDICTS},
            "accuracy": round((c["correct"] + 0.5 * c["partial"]) / judged, 4) if judged else None,
            "noise_rate": round(c["noise"] / sum(c.values()), 4) if c else None}


def latest_verdicts(store: IncidentStore, since: float = 0.0) -> list[dict[str, Any]]:
    """Latest verdict per incident with its category and knowledge-base signature."""
    return db.rows(store, "SELECT i.id, i.category, COALESCE(NULLIF(m.signature, ''), 'category:' || i.category) "
                          "AS signature, f.verdict FROM feedback f JOIN incidents i ON i.id = f.incident_id "
                          "LEFT JOIN incident_meta m ON m.incident_id = i.id WHERE f.id IN (SELECT MAX(id) FROM "
                          "feedback GROUP BY incident_id) AND i.first_seen >= ?", (since,))


def by_signature(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[str]] = {}
    for r in rows:
        groups.setdefault(r["signature"], []).append(r["verdict"])
    return {sig: accuracy(v) for sig, v in sorted(groups.items())}


def summary(store: IncidentStore, since: float, until: float, journal: list[dict[str, Any]] | None) -> dict[str, Any]:
    incs = db.rows(store, "SELECT id, category, first_seen, resolved_at, status FROM incidents "
                          "WHERE first_seen >= ? AND first_seen <= ?", (since, until))
    first_ev: dict[int, float] = {}
    if incs:
        for r in db.rows(store, "SELECT e.incident_id, e.ts FROM evidence e JOIN incidents i ON i.id = e.incident_id "
                                "WHERE i.first_seen >= ? AND i.first_seen <= ? AND e.ts IS NOT NULL",
                         (since, until)):
            t = parse_ts(r["ts"])
            if t is not None:
                v = t.timestamp()
                first_ev[r["incident_id"]] = min(v, first_ev.get(r["incident_id"], v))
    mttd = [max(0.0, i["first_seen"] - first_ev[i["id"]]) for i in incs if i["id"] in first_ev]
    mttr = [i["resolved_at"] - i["first_seen"] for i in incs if i["resolved_at"]]
    ids = {i["id"] for i in incs}
    verdict_rows = [r for r in latest_verdicts(store, since) if r["id"] in ids]
    alerts = db.rows(store, "SELECT kind, status, COUNT(*) AS n FROM alerts WHERE ts >= ? AND ts <= ? "
                            "GROUP BY kind, status", (since, until))
    out: dict[str, Any] = {
        "period": {"since": since, "until": until},
        "incidents": {"total": len(incs), "open": sum(1 for i in incs if i["status"] == "open"),
                      "by_category": dict(Counter(i["category"] for i in incs).most_common())},
        "mttd": _stats(mttd), "mttr": _stats(mttr),
        "accuracy": accuracy([r["verdict"] for r in verdict_rows]),
        "accuracy_by_signature": by_signature(verdict_rows),
        "alerts": {"sent": sum(a["n"] for a in alerts if a["status"] == "sent"),
                   "failed": sum(a["n"] for a in alerts if a["status"] == "failed"),
                   "suppressed": sum(a["n"] for a in alerts if a["status"] == "suppressed"),
                   "sent_by_kind": {a["kind"]: a["n"] for a in alerts if a["status"] == "sent"}},
        "summaries": db.summary_rates(store, since),
    }
    if journal is None:
        out["actions"] = None
        out["automatic_effective_share"] = None
    else:
        acts = [a for a in journal if a.get("incident_id") in ids]
        eff = {a["incident_id"] for a in acts if a.get("decision") == "auto" and a.get("status") == "effective"}
        out["actions"] = {"total": len(acts), "refused": sum(1 for a in acts if a.get("status") == "refused"),
                          "by_status": dict(Counter(str(a.get("status")) for a in acts))}
        out["automatic_effective_share"] = round(len(eff) / len(incs), 4) if incs else None
    return out
