"""``vvai monitor score --feedback``: the diagnosis accuracy by operator verdict, the design's feedback loop.

The latest verdict per incident counts; accuracy = (correct + partial/2) / (correct + wrong +
partial); ``noise`` says the incident should not have been raised. Grouped overall, per
knowledge-base signature and per category, with the corrections operators gave.
"""

from __future__ import annotations

from typing import Any

from vvai.api import db, metrics


def feedback_report(config: str | None) -> dict[str, Any]:
    from vvai.monitor.config import load_config
    from vvai.monitor.history import IncidentStore

    cfg = load_config(config)
    store = IncidentStore(cfg.store.path)
    try:
        rows = metrics.latest_verdicts(store)
        corrections = db.rows(store, "SELECT i.category, f.correct_category, COUNT(*) AS n FROM feedback f JOIN "
                                     "incidents i ON i.id = f.incident_id WHERE f.correct_category IS NOT NULL "
                                     "AND f.id IN (SELECT MAX(id) FROM feedback GROUP BY incident_id) "
                                     "GROUP BY i.category, f.correct_category ORDER BY n DESC")
        total = db.one(store, "SELECT COUNT(*) AS n FROM incidents")["n"]  # type: ignore[index]
    finally:
        store.close()
    by_cat: dict[str, list[str]] = {}
    for r in rows:
        by_cat.setdefault(r["category"], []).append(r["verdict"])
    return {"store": cfg.store.path, "incidents": total, "overall": metrics.accuracy([r["verdict"] for r in rows]),
            "by_signature": metrics.by_signature(rows),
            "by_category": {c: metrics.accuracy(v) for c, v in sorted(by_cat.items())},
            "corrections": corrections}


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v * 100:.0f}%"


def render_feedback(report: dict[str, Any], console: Any) -> None:
    from rich.table import Table

    o = report["overall"]
    console.print(f"{o['rated']} of {report['incidents']} incident(s) rated by operators: accuracy {_pct(o['accuracy'])}"
                  f", noise {_pct(o['noise_rate'])}")
    t = Table("signature", "rated", "correct", "partial", "wrong", "noise", "accuracy", box=None)
    for sig, a in report["by_signature"].items():
        t.add_row(sig, str(a["rated"]), str(a["correct"]), str(a["partial"]), str(a["wrong"]), str(a["noise"]),
                  _pct(a["accuracy"]))
    if report["by_signature"]:
        console.print(t)
    for c in report["corrections"]:
        console.print(f"  {c['category']} was really {c['correct_category']}: {c['n']} time(s)")
