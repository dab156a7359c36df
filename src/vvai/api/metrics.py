"""``GET /api/v1/summary``: the design's success metrics over a period, from the history alone.

- incidents by category (first seen in the period);
- MTTD: first evidence line's timestamp -> the incident's first detection; MTTR: first detection
  -> resolution (mean and median, seconds);
- the share of incidents with an effective automatic action (executor journal);
- accuracy by operator verdict (the latest verdict per incident; partial counts half);
- alerts sent (by kind) and actions refused; summary ratings per model version.
"""

from __future__ import annotations

import functools
import statistics
from collections import Counter
from typing import Any

from vvai.api import db
from vvai.monitor.history import IncidentStore


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
    return db.rows(store, "SELECT i.id, i.category, i.first_seen, "
                          "COALESCE(NULLIF(m.signature, ''), json_extract(i.spec, '$.signature')) AS signature, "
                          "f.verdict FROM feedback f JOIN incidents i ON i.id = f.incident_id "
                          "LEFT JOIN incident_meta m ON m.incident_id = i.id WHERE f.id IN (SELECT MAX(id) FROM "
                          "feedback GROUP BY incident_id) AND i.first_seen >= ?", (since,))


@functools.cache
def _only_signature() -> dict[str, str]:
    """Category -> its signature id, for the categories that only one knowledge-base signature raises."""
    from vvai.monitor.diagnose.kb import load_kb

    by_cat: dict[str, list[str]] = {}
    for sig in load_kb().ordered():
        by_cat.setdefault(sig.category, []).append(sig.id)
    return {c: ids[0] for c, ids in by_cat.items() if len(ids) == 1}


def signature_of(category: str, recorded: str | None) -> str:
    """The recorded signature (imported incidents), else the category's only one, else ``category:<name>``
    (the live daemon does not record which signature matched)."""
    return recorded or _only_signature().get(category) or f"category:{category}"


def by_signature(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[str]] = {}
    for r in rows:
        groups.setdefault(signature_of(r["category"], r["signature"]), []).append(r["verdict"])
    return {sig: accuracy(v) for sig, v in sorted(groups.items())}


_EPOCH = "(julianday({}) - 2440587.5) * 86400.0"  # SQLite parses RFC 3339 with any zone and fraction


def summary(store: IncidentStore, since: float, until: float, journal: list[dict[str, Any]] | None) -> dict[str, Any]:
    span = (since, until)
    where = "first_seen >= ? AND first_seen <= ?"
    cats = db.values(store, f"SELECT category, COUNT(*), SUM(status = 'open') FROM incidents WHERE {where} "
                          "GROUP BY category ORDER BY COUNT(*) DESC, category", span)
    total = sum(r[1] for r in cats)
    mttd = [max(0.0, r[0]) for r in db.values(
        store, f"SELECT i.first_seen - MIN({_EPOCH.format('e.ts')}) FROM incidents i JOIN evidence e ON "
               f"e.incident_id = i.id WHERE i.{where.replace(' AND ', ' AND i.')} AND e.ts IS NOT NULL "
               "GROUP BY i.id", span) if r[0] is not None]
    mttr = [r[0] for r in db.values(store, f"SELECT resolved_at - first_seen FROM incidents WHERE {where} "
                                         "AND resolved_at IS NOT NULL", span)]
    verdict_rows = [r for r in latest_verdicts(store, since) if r["first_seen"] <= until]
    alerts = db.rows(store, "SELECT kind, status, COUNT(*) AS n FROM alerts WHERE ts >= ? AND ts <= ? "
                            "GROUP BY kind, status", span)
    out: dict[str, Any] = {
        "period": {"since": since, "until": until},
        "incidents": {"total": total, "open": sum(r[2] or 0 for r in cats), "by_category": {r[0]: r[1] for r in cats}},
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
        ids = {r[0] for r in db.values(store, f"SELECT id FROM incidents WHERE {where}", span)} if journal else set()
        acts = [a for a in journal if a.get("incident_id") in ids]
        eff = {a["incident_id"] for a in acts if a.get("decision") == "auto" and a.get("status") == "effective"}
        out["actions"] = {"total": len(acts), "refused": sum(1 for a in acts if a.get("status") == "refused"),
                          "by_status": dict(Counter(str(a.get("status")) for a in acts))}
        out["automatic_effective_share"] = round(len(eff) / total, 4) if total else None
    return out
