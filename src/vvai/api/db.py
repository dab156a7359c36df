"""The API's own SQL on the monitor's history (tables of migration 5 in ``vvai.monitor.history``).

Everything goes through the store's one connection and its lock, so the API, the CLI and the
daemon share the same SQLite file safely (WAL: readers never block the writer).
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from typing import Any

from vvai.common.errors import VvaiError
from vvai.monitor.history import IncidentStore

VERDICTS = ("correct", "wrong", "partial", "noise")
SUMMARY_VERDICTS = ("good", "bad")
MAX_PAGE = 500


class NotFound(VvaiError):
    """An id that is not in the history (the API answers 404)."""


@contextmanager
def tx(store: IncidentStore):
    """One write transaction on the store's shared connection (BEGIN IMMEDIATE ... COMMIT/ROLLBACK)."""
    with store.tx():
        yield store.connection()


def rows(store: IncidentStore, sql: str, args: tuple | list = ()) -> list[dict[str, Any]]:
    with store.lock:
        return [dict(r) for r in store.connection().execute(sql, tuple(args))]


def values(store: IncidentStore, sql: str, args: tuple | list = ()) -> list[tuple]:
    """Rows as plain tuples (cheaper than dicts for thousands of rows)."""
    with store.lock:
        return [tuple(r) for r in store.connection().execute(sql, tuple(args))]


def one(store: IncidentStore, sql: str, args: tuple | list = ()) -> dict[str, Any] | None:
    got = rows(store, sql, args)
    return got[0] if got else None


def has_table(store: IncidentStore, name: str) -> bool:
    return one(store, "SELECT 1 AS x FROM sqlite_master WHERE type='table' AND name=?", (name,)) is not None


# -- incidents -------------------------------------------------------------------------------------
def list_incidents(store: IncidentStore, *, status: str | None = None, category: str | None = None,
                   component: str | None = None, since: float | None = None, limit: int = 50,
                   offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """One page of incidents, newest activity first, and the total matching the filters."""
    where, args = [], []
    for col, val in (("status", status), ("category", category), ("component", component)):
        if val:
            where.append(f"i.{col} = ?")
            args.append(val)
    if since is not None:
        where.append("i.last_seen >= ?")
        args.append(since)
    w = (" WHERE " + " AND ".join(where)) if where else ""
    total = one(store, f"SELECT COUNT(*) AS n FROM incidents i{w}", args)["n"]  # type: ignore[index]
    page = rows(store, "SELECT i.id, i.category, i.component, i.file, i.severity, i.confidence, i.root_cause, "
                       "i.status, i.first_seen, i.last_seen, i.resolved_at, i.passes, "
                       "(SELECT verdict FROM feedback f WHERE f.incident_id = i.id ORDER BY f.id DESC LIMIT 1) "
                       f"AS verdict FROM incidents i{w} ORDER BY i.last_seen DESC, i.id DESC LIMIT ? OFFSET ?",
                [*args, limit, offset])
    return page, int(total)


def incident_detail(store: IncidentStore, incident_id: int) -> dict[str, Any]:
    inc = store.incident(incident_id)
    if inc is None:
        raise NotFound(f"no incident #{incident_id}")
    spec = json.loads(inc.pop("spec") or "{}")
    inc["recommended_actions"] = spec.get("actions", [])
    meta = one(store, "SELECT signature, origin, bundle FROM incident_meta WHERE incident_id=?", (incident_id,))
    from vvai.api.metrics import signature_of

    inc["signature"] = signature_of(inc["category"], (meta or {}).get("signature") or spec.get("signature"))
    inc["origin"] = (meta or {}).get("origin") or "live"
    inc["feedback"] = rows(store, "SELECT id, ts, verdict, note, author, correct_category, correct_component "
                                  "FROM feedback WHERE incident_id=? ORDER BY id", (incident_id,))
    return inc


def add_incident_feedback(store: IncidentStore, incident_id: int, verdict: str, note: str = "", author: str = "",
                          correct_category: str | None = None, correct_component: str | None = None) -> int:
    """The CLI's ``store.add_feedback`` plus the corrected category/component of the API."""
    if verdict not in VERDICTS:
        raise VvaiError(f"verdict must be one of {', '.join(VERDICTS)} (got {verdict!r})")
    try:
        fid = store.add_feedback(incident_id, verdict, note, author)
    except VvaiError as e:
        raise NotFound(e.message) from None
    if correct_category or correct_component:
        with tx(store) as db:
            db.execute("UPDATE feedback SET correct_category=?, correct_component=? WHERE id=?",
                       (correct_category, correct_component, fid))
    return fid


def set_meta(store: IncidentStore, incident_id: int, *, signature: str = "", origin: str = "live",
             bundle: str = "") -> None:
    with tx(store) as db:
        db.execute("INSERT INTO incident_meta (incident_id, signature, origin, bundle) VALUES (?,?,?,?) "
                   "ON CONFLICT(incident_id) DO UPDATE SET signature=excluded.signature, origin=excluded.origin, "
                   "bundle=excluded.bundle", (incident_id, signature, origin, bundle))


def add_signal(store: IncidentStore, incident_id: int, name: str, unit: str,
               points: list[tuple[float, float]], limit: float | None = None) -> None:
    with tx(store) as db:
        db.execute("DELETE FROM incident_signals WHERE incident_id=? AND name=?", (incident_id, name))
        db.executemany("INSERT INTO incident_signals (incident_id, name, unit, ts, value, limit_value) "
                       "VALUES (?,?,?,?,?,?)", [(incident_id, name, unit, t, v, limit) for t, v in points])


def signals(store: IncidentStore, incident_id: int) -> list[dict[str, Any]]:
    """Recorded series of an incident: ``[{name, unit, limit, points: [(ts, value)]}]``."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows(store, "SELECT name, unit, ts, value, limit_value FROM incident_signals WHERE incident_id=? "
                         "ORDER BY name, ts", (incident_id,)):
        s = out.setdefault(r["name"], {"name": r["name"], "unit": r["unit"], "limit": r["limit_value"],
                                       "points": []})
        s["points"].append((r["ts"], r["value"]))
    return list(out.values())


def similar_candidates(store: IncidentStore, exclude: int, category: str, component: str, limit: int = 1000,
                       known: set[tuple[int, int]] | None = None) -> list[dict[str, Any]]:
    """Past incidents sharing the category or the culprit, newest first, with their evidence text
    (skipped for ``known`` ``(id, passes)`` pairs, whose terms the caller already has), last verdict
    and resolution: the candidates of the similarity search."""
    base = rows(store, "SELECT i.id, i.category, i.component, i.file, i.root_cause, i.status, i.first_seen, "
                       "i.resolved_at, i.passes, (SELECT verdict FROM feedback f WHERE f.incident_id=i.id ORDER BY "
                       "f.id DESC LIMIT 1) AS verdict FROM incidents i WHERE i.id != ? AND (i.category = ? OR "
                       "i.component = ?) ORDER BY i.last_seen DESC LIMIT ?", (exclude, category, component, limit))
    if not base:
        return base
    ids = [b["id"] for b in base if (b["id"], b["passes"]) not in (known or set())]
    ev: dict[int, list[str]] = {}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        q = ",".join("?" * len(part))
        for r in rows(store, f"SELECT incident_id, text FROM evidence WHERE incident_id IN ({q})", part):
            ev.setdefault(r["incident_id"], []).append(r["text"])
    for b in base:
        b["evidence"] = ev.get(b["id"], [])
    return base


# -- audit and summary feedback --------------------------------------------------------------------
def audit(store: IncidentStore, who: str, action: str, detail: dict[str, Any]) -> int:
    with tx(store) as db:
        cur = db.execute("INSERT INTO api_audit (ts, who, action, detail) VALUES (?,?,?,?)",
                         (time.time(), who, action, json.dumps(detail, sort_keys=True, default=str)))
        return int(cur.lastrowid or 0)


def audit_log(store: IncidentStore, limit: int = 50) -> list[dict[str, Any]]:
    out = rows(store, "SELECT id, ts, who, action, detail FROM api_audit ORDER BY id DESC LIMIT ?", (limit,))
    for r in out:
        r["detail"] = json.loads(r["detail"] or "{}")
    return out


def add_summary_feedback(store: IncidentStore, record: dict[str, Any], verdict: str, note: str = "",
                         corrected: str | None = None, author: str = "") -> int:
    if verdict not in SUMMARY_VERDICTS:
        raise VvaiError(f"verdict must be good or bad (got {verdict!r})")
    with tx(store) as db:
        cur = db.execute("INSERT INTO summary_feedback (ts, video, model_name, model_version, verdict, note, "
                         "corrected, author) VALUES (?,?,?,?,?,?,?,?)",
                         (time.time(), record["video"], record.get("model_name", ""),
                          record.get("model_version", ""), verdict, note, corrected or None, author))
        return int(cur.lastrowid or 0)


def summary_rates(store: IncidentStore, since: float = 0.0) -> list[dict[str, Any]]:
    """Good/bad counts and the good rate per model version (latest verdict per video and version)."""
    out = rows(store, "SELECT model_name, model_version, SUM(verdict='good') AS good, SUM(verdict='bad') AS bad "
                      "FROM summary_feedback WHERE id IN (SELECT MAX(id) FROM summary_feedback WHERE ts >= ? "
                      "GROUP BY video, model_version) GROUP BY model_name, model_version ORDER BY model_version",
               (since,))
    for r in out:
        n = (r["good"] or 0) + (r["bad"] or 0)
        r["good_rate"] = round(r["good"] / n, 4) if n else None
    return out


def summary_feedback_rows(store: IncidentStore, video: str | None = None) -> list[dict[str, Any]]:
    if video:
        return rows(store, "SELECT * FROM summary_feedback WHERE video=? ORDER BY id", (video,))
    return rows(store, "SELECT * FROM summary_feedback ORDER BY id")
