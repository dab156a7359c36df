"""The action journal in the monitor's SQLite history (migration 2 of vvai.monitor.history).

Every decision is a row; every change of its status is an ``action_events`` line (who, when,
why). Running is a compare-and-set: a row goes ``queued|approved -> running`` in one UPDATE
guarded by its current status, committed BEFORE the effector is called (the intent), and the
outcome is written after. A monitor killed in between finds the row still ``running`` on restart
and never starts it again (see ``Executor.recover``).
"""

from __future__ import annotations

import json
import time
from typing import Any

_JSON_COLS = ("request", "result")
_COLS = ("incident_id", "type", "target", "decision", "status", "reason", "request", "result", "after_id",
         "created", "updated", "expires", "started", "finished", "verify_at", "decided_by", "note", "reported")


def _row(r: Any) -> dict[str, Any]:
    d = dict(r)
    for k in _JSON_COLS:
        try:
            d[k] = json.loads(d.get(k) or "{}")
        except ValueError:
            d[k] = {}
    return d


def _enc(k: str, v: Any) -> Any:
    return json.dumps(v, default=str, sort_keys=True) if k in _JSON_COLS and not isinstance(v, str) else v


def insert(store: Any, *, incident_id: int | None, type: str, target: str, decision: str, status: str,
           reason: str, request: dict[str, Any], now: float | None = None, who: str = "monitor",
           **cols: Any) -> int:
    now = time.time() if now is None else now
    values = {"incident_id": incident_id, "type": type, "target": target or "", "decision": decision,
              "status": status, "reason": reason, "request": request, "created": now, "updated": now, **cols}
    bad = set(values) - set(_COLS)
    if bad:
        raise ValueError(f"unknown journal column(s): {sorted(bad)}")
    names = list(values)
    with store.tx():
        db = store.connection()
        cur = db.execute(f"INSERT INTO actions ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                         [_enc(k, values[k]) for k in names])
        aid = int(cur.lastrowid or 0)
        db.execute("INSERT INTO action_events (action_id, ts, status, detail, who) VALUES (?,?,?,?,?)",
                   (aid, now, status, reason, who))
    return aid


def transition(store: Any, action_id: int, to: str, *, expect: tuple[str, ...] | None = None, reason: str | None = None,
               now: float | None = None, who: str = "monitor", **cols: Any) -> bool:
    """Set the status (and columns) of one row, only if its status is in ``expect`` (compare-and-set).
    Returns whether this call made the change."""
    now = time.time() if now is None else now
    sets = {"status": to, "updated": now, **cols}
    if reason is not None:
        sets["reason"] = reason
    bad = set(sets) - set(_COLS)
    if bad:
        raise ValueError(f"unknown journal column(s): {sorted(bad)}")
    q = f"UPDATE actions SET {', '.join(f'{k}=?' for k in sets)} WHERE id=?"
    args: list[Any] = [_enc(k, v) for k, v in sets.items()] + [action_id]
    if expect:
        q += f" AND status IN ({', '.join('?' for _ in expect)})"
        args += list(expect)
    with store.tx():
        db = store.connection()
        changed = db.execute(q, args).rowcount == 1
        if changed:
            db.execute("INSERT INTO action_events (action_id, ts, status, detail, who) VALUES (?,?,?,?,?)",
                       (action_id, now, to, reason if reason is not None else "", who))
    return changed


def set_reported(store: Any, action_id: int, status: str) -> None:
    with store.tx():
        store.connection().execute("UPDATE actions SET reported=? WHERE id=?", (status, action_id))


def get(store: Any, action_id: int) -> dict[str, Any] | None:
    with store.lock:
        r = store.connection().execute("SELECT * FROM actions WHERE id=?", (action_id,)).fetchone()
    return _row(r) if r else None


def events(store: Any, action_id: int) -> list[dict[str, Any]]:
    with store.lock:
        return [dict(r) for r in store.connection().execute(
            "SELECT ts, status, detail, who FROM action_events WHERE action_id=? ORDER BY id", (action_id,))]


def select(store: Any, *, status: tuple[str, ...] | None = None, incident_id: int | None = None,
           type: str | None = None, target: str | None = None, since: float | None = None) -> list[dict[str, Any]]:
    q, args = "SELECT * FROM actions WHERE 1=1", []
    if status:
        q += f" AND status IN ({', '.join('?' for _ in status)})"
        args += list(status)
    for col, val in (("incident_id", incident_id), ("type", type), ("target", target)):
        if val is not None:
            q += f" AND {col}=?"
            args.append(val)
    if since is not None:
        q += " AND created>=?"
        args.append(since)
    with store.lock:
        return [_row(r) for r in store.connection().execute(q + " ORDER BY id", args)]


def last_reset(store: Any, type: str, target: str) -> float | None:
    with store.lock:
        r = store.connection().execute("SELECT MAX(ts) FROM breaker_resets WHERE type=? AND target=?",
                                       (type, target)).fetchone()
    return float(r[0]) if r and r[0] is not None else None


def add_reset(store: Any, type: str, target: str, who: str, now: float | None = None) -> None:
    with store.tx():
        store.connection().execute("INSERT INTO breaker_resets (type, target, ts, who) VALUES (?,?,?,?)",
                                   (type, target, time.time() if now is None else now, who))
