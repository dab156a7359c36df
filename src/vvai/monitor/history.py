"""The monitor's history in SQLite: incidents, their evidence and timeline, every alert, feedback.

WAL mode (readers such as ``vvai monitor status`` never block the daemon), ``synchronous=NORMAL``
(durable across a process crash; at most the last transaction lost on power loss, which the
next pass re-creates), a versioned schema migrated forward on open. One connection guarded by a
lock, so the daemon's threads may share the store.

Incidents are keyed by the diagnosis engine's stable ``Incident.key``: the same problem seen by
many passes is one row whose ``last_seen`` moves; it is resolved when absent long enough, and
re-opened (same row, new timeline entry) if it comes back.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vvai.common.errors import VvaiError
from vvai.common.severity import severity_name, severity_rank

_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE incidents (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        category TEXT NOT NULL,
        component TEXT NOT NULL,
        file TEXT,
        severity TEXT NOT NULL,
        confidence REAL,
        root_cause TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
        first_seen REAL NOT NULL,
        last_seen REAL NOT NULL,
        resolved_at REAL,
        passes INTEGER NOT NULL DEFAULT 1,
        spec TEXT NOT NULL
    );
    CREATE INDEX incidents_status ON incidents(status, last_seen);
    CREATE TABLE evidence (
        id INTEGER PRIMARY KEY,
        incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        ts TEXT,
        text TEXT NOT NULL,
        added REAL NOT NULL,
        UNIQUE (incident_id, source, ts, text)
    );
    CREATE TABLE timeline (
        id INTEGER PRIMARY KEY,
        incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
        ts REAL NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX timeline_incident ON timeline(incident_id, ts);
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        incident_id INTEGER REFERENCES incidents(id) ON DELETE SET NULL,
        ts REAL NOT NULL,
        kind TEXT NOT NULL,
        channel TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('sent', 'failed', 'suppressed')),
        reason TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX alerts_ts ON alerts(ts);
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
        ts REAL NOT NULL,
        verdict TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        author TEXT NOT NULL DEFAULT ''
    );
    """,
    5: """
    ALTER TABLE feedback ADD COLUMN correct_category TEXT;
    ALTER TABLE feedback ADD COLUMN correct_component TEXT;
    CREATE INDEX feedback_incident ON feedback(incident_id);
    CREATE INDEX alerts_incident ON alerts(incident_id);
    CREATE INDEX incidents_category ON incidents(category, last_seen);
    CREATE INDEX incidents_last_seen ON incidents(last_seen);
    CREATE TABLE incident_meta (
        incident_id INTEGER PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
        signature TEXT NOT NULL DEFAULT '',
        origin TEXT NOT NULL DEFAULT 'live',
        bundle TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE incident_signals (
        id INTEGER PRIMARY KEY,
        incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        unit TEXT NOT NULL DEFAULT '',
        ts REAL NOT NULL,
        value REAL NOT NULL,
        limit_value REAL
    );
    CREATE INDEX incident_signals_incident ON incident_signals(incident_id, name, ts);
    CREATE TABLE api_audit (
        id INTEGER PRIMARY KEY,
        ts REAL NOT NULL,
        who TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE summary_feedback (
        id INTEGER PRIMARY KEY,
        ts REAL NOT NULL,
        video TEXT NOT NULL,
        model_name TEXT NOT NULL DEFAULT '',
        model_version TEXT NOT NULL DEFAULT '',
        verdict TEXT NOT NULL CHECK (verdict IN ('good', 'bad')),
        note TEXT NOT NULL DEFAULT '',
        corrected TEXT,
        author TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX summary_feedback_version ON summary_feedback(model_version, video);
    """,
    3: """
    -- the alert outbox: a change that owes an alert is written in the same transaction as the change;
    -- the alerter clears it once it has decided (sent, suppressed, below the threshold) and the next
    -- pass retries what a crash or a failed delivery left (at-least-once delivery)
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        created REAL NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        previous TEXT
    );
    CREATE INDEX outbox_incident ON outbox(incident_id);
    """,
    4: """
    -- vvai.monitor.samples: a bounded history of folder snapshots, stats samples and metric scrapes,
    -- so a capture or a one-shot pass sees trends (a stall, a saturation, a growing backlog)
    CREATE TABLE samples (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('stats', 'pipeline', 'metric')),
        ts REAL NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        data TEXT NOT NULL
    );
    CREATE INDEX samples_ts ON samples(ts);
    """,
    2: """
    -- the remediation executor's journal (vvai.actions.journal): intent before, outcome after
    CREATE TABLE actions (
        id INTEGER PRIMARY KEY,
        incident_id INTEGER REFERENCES incidents(id) ON DELETE SET NULL,
        type TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        decision TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        request TEXT NOT NULL DEFAULT '{}',
        result TEXT NOT NULL DEFAULT '{}',
        after_id INTEGER REFERENCES actions(id),
        created REAL NOT NULL,
        updated REAL NOT NULL,
        expires REAL,
        started REAL,
        finished REAL,
        verify_at REAL,
        decided_by TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        reported TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX actions_status ON actions(status, updated);
    CREATE INDEX actions_target ON actions(type, target, created);
    CREATE INDEX actions_incident ON actions(incident_id, type, target);
    CREATE TABLE action_events (
        id INTEGER PRIMARY KEY,
        action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
        ts REAL NOT NULL,
        status TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        who TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX action_events_action ON action_events(action_id, ts);
    CREATE TABLE breaker_resets (
        id INTEGER PRIMARY KEY,
        type TEXT NOT NULL,
        target TEXT NOT NULL,
        ts REAL NOT NULL,
        who TEXT NOT NULL DEFAULT ''
    );
    """,
    6: """
    -- vvai.api's period metrics (GET /api/v1/summary): by first detection, and the first evidence line
    CREATE INDEX incidents_first_seen ON incidents(first_seen, category, status, resolved_at);
    CREATE INDEX evidence_incident_ts ON evidence(incident_id, ts);
    """,
}
SCHEMA_VERSION = max(_MIGRATIONS)


@dataclass(slots=True)
class Change:
    """What an upsert did: ``new``, ``reopened``, ``escalated``, ``changed`` or ``unchanged``."""

    kind: str
    incident_id: int
    key: str
    previous: dict[str, Any] | None = None


class IncidentStore:
    """Open (creating or migrating) the database at ``path``."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        except (OSError, sqlite3.Error) as e:
            raise VvaiError(f"cannot open the monitor store {self.path}: {e}",
                            hint="set [store] path in vvai.toml to a writable location") from None
        self.db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as e:
            self.db.close()
            raise VvaiError(f"the monitor store {self.path} is unusable: {e}",
                            hint="move the file away; a new store is created on the next start") from None

    # -- schema ---------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        current = self.schema_version
        if current > SCHEMA_VERSION:
            raise VvaiError(f"the monitor store {self.path} has schema {current}, newer than this vvai "
                            f"({SCHEMA_VERSION})", hint="upgrade vvai, or point [store] path elsewhere")
        for version in sorted(v for v in _MIGRATIONS if current < v <= SCHEMA_VERSION):
            with self._lock:  # executescript commits on its own: the script is one transaction
                self.db.executescript("BEGIN IMMEDIATE;" + _MIGRATIONS[version]
                                      + f"; PRAGMA user_version={version}; COMMIT;")

    def _tx(self) -> Any:
        store = self

        class _Tx:
            def __enter__(self) -> None:
                store._lock.acquire()
                store.db.execute("BEGIN IMMEDIATE")

            def __exit__(self, exc_type: Any, *_: Any) -> None:
                try:
                    store.db.execute("ROLLBACK" if exc_type else "COMMIT")
                finally:
                    store._lock.release()

        return _Tx()

    def tx(self) -> Any:
        """A write transaction (BEGIN IMMEDIATE ... COMMIT/ROLLBACK) for feature modules' own tables."""
        return self._tx()

    def connection(self) -> sqlite3.Connection:
        """The shared connection (rows as sqlite3.Row); hold ``tx()`` or ``lock`` while using it."""
        return self.db

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def close(self) -> None:
        with self._lock:
            self.db.close()

    # -- incidents ------------------------------------------------------------------------------
    def upsert(self, incident: Any, now: float | None = None) -> Change:
        """Record that ``incident`` (an ``Incident``) is present in this pass."""
        now = time.time() if now is None else now
        spec = {**incident.to_spec(), "signature": getattr(incident, "signature", "")}  # kept for the console
        key = incident.key
        sev = severity_name(incident.severity)
        with self._tx():
            row = self.db.execute("SELECT * FROM incidents WHERE key = ?", (key,)).fetchone()
            if row is None:
                cur = self.db.execute(
                    "INSERT INTO incidents (key, category, component, file, severity, confidence, root_cause, "
                    "status, first_seen, last_seen, spec) VALUES (?,?,?,?,?,?,?,'open',?,?,?)",
                    (key, spec["category"], spec["component"], spec.get("file"), sev, spec.get("confidence"),
                     spec["root_cause"], now, now, json.dumps(spec)))
                iid = int(cur.lastrowid or 0)
                self._timeline(iid, now, "opened", spec["root_cause"])
                change = Change("new", iid, key)
            else:
                iid = int(row["id"])
                previous = dict(row)
                if row["status"] == "resolved":
                    kind = "reopened"
                elif severity_rank(sev) > severity_rank(row["severity"]):
                    kind = "escalated"
                elif row["root_cause"] != spec["root_cause"] or row["severity"] != sev:
                    kind = "changed"
                else:
                    kind = "unchanged"
                self.db.execute(
                    "UPDATE incidents SET severity=?, confidence=?, root_cause=?, status='open', last_seen=?, "
                    "resolved_at=NULL, passes=passes+1, spec=? WHERE id=?",
                    (sev, spec.get("confidence"), spec["root_cause"], now, json.dumps(spec), iid))
                if kind != "unchanged":
                    self._timeline(iid, now, kind, spec["root_cause"] if kind != "escalated"
                                   else f"{row['severity']} -> {sev}: {spec['root_cause']}")
                change = Change(kind, iid, key, previous)
            if change.kind != "unchanged":  # owed an alert decision, durably, with the change itself
                self.db.execute("INSERT INTO outbox (incident_id, kind, created, previous) VALUES (?,?,?,?)",
                                (iid, change.kind, now, json.dumps(change.previous) if change.previous else None))
            for ev in spec.get("evidence", []):
                self.db.execute("INSERT OR IGNORE INTO evidence (incident_id, source, ts, text, added) "
                                "VALUES (?,?,?,?,?)",
                                (iid, ev.get("source", ""), ev.get("ts"), ev.get("text", ""), now))
        return change

    def resolve_missing(self, present: set[str], now: float | None = None, after_s: float = 0.0) -> list[dict]:
        """Resolve open incidents not seen in this pass for ``after_s`` seconds; returns them."""
        now = time.time() if now is None else now
        out: list[dict] = []
        with self._tx():
            for row in self.db.execute("SELECT * FROM incidents WHERE status='open'").fetchall():
                if row["key"] in present or row["last_seen"] > now - after_s:
                    continue
                self.db.execute("UPDATE incidents SET status='resolved', resolved_at=? WHERE id=?", (now, row["id"]))
                self._timeline(int(row["id"]), now, "resolved", "no longer detected")
                self.db.execute("INSERT INTO outbox (incident_id, kind, created) VALUES (?,?,?)",
                                (row["id"], "resolved", now))
                out.append({**dict(row), "status": "resolved", "resolved_at": now})
        return out

    def _timeline(self, iid: int, ts: float, kind: str, detail: str) -> None:
        self.db.execute("INSERT INTO timeline (incident_id, ts, kind, detail) VALUES (?,?,?,?)",
                        (iid, ts, kind, detail))

    def add_timeline(self, incident_id: int, kind: str, detail: str = "", ts: float | None = None) -> None:
        with self._tx():
            self._timeline(incident_id, time.time() if ts is None else ts, kind, detail)

    # -- the alert outbox -----------------------------------------------------------------------
    def outbox(self) -> list[dict]:
        """Alert decisions still owed (oldest first): what a crash or a failed delivery left."""
        with self._lock:
            return [dict(r) for r in self.db.execute("SELECT * FROM outbox ORDER BY id")]

    def outbox_done(self, incident_id: int) -> None:
        """The alerter decided about this incident's pending changes: nothing is owed any more."""
        with self._tx():
            self.db.execute("DELETE FROM outbox WHERE incident_id = ?", (incident_id,))

    def outbox_retry(self, incident_id: int, max_attempts: int) -> bool:
        """A delivery failed: count the attempt; False (and forgotten) once ``max_attempts`` is reached."""
        with self._tx():
            self.db.execute("UPDATE outbox SET attempts = attempts + 1 WHERE incident_id = ?", (incident_id,))
            gone = self.db.execute("DELETE FROM outbox WHERE incident_id = ? AND attempts >= ?",
                                   (incident_id, max_attempts)).rowcount
        return not gone

    # -- alerts and feedback --------------------------------------------------------------------
    def record_alert(self, incident_id: int | None, kind: str, channel: str, status: str, reason: str = "",
                     title: str = "", body: str = "", ts: float | None = None) -> int:
        with self._tx():
            cur = self.db.execute(
                "INSERT INTO alerts (incident_id, ts, kind, channel, status, reason, title, body) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (incident_id, time.time() if ts is None else ts, kind, channel, status, reason, title, body))
            return int(cur.lastrowid or 0)

    def alerts_since(self, since: float, status: str | None = None) -> list[dict]:
        q = "SELECT * FROM alerts WHERE ts >= ?" + (" AND status = ?" if status else "") + " ORDER BY id"
        with self._lock:
            return [dict(r) for r in self.db.execute(q, (since, status) if status else (since,))]

    def last_alert(self, incident_id: int, status: str = "sent") -> dict | None:
        """The newest alert of ``status`` for an incident (by default: the last one delivered)."""
        with self._lock:
            row = self.db.execute("SELECT * FROM alerts WHERE incident_id=? AND status=? ORDER BY id DESC LIMIT 1",
                                  (incident_id, status)).fetchone()
        return dict(row) if row else None

    def add_feedback(self, incident_id: int, verdict: str, note: str = "", author: str = "") -> int:
        with self._tx():
            if self.db.execute("SELECT 1 FROM incidents WHERE id=?", (incident_id,)).fetchone() is None:
                raise VvaiError(f"no incident #{incident_id}", hint="check the incident id in the store")
            cur = self.db.execute("INSERT INTO feedback (incident_id, ts, verdict, note, author) VALUES (?,?,?,?,?)",
                                  (incident_id, time.time(), verdict, note, author))
            return int(cur.lastrowid or 0)

    # -- queries --------------------------------------------------------------------------------
    def incidents(self, status: str | None = None) -> list[dict]:
        q = "SELECT * FROM incidents" + (" WHERE status = ?" if status else "") + " ORDER BY last_seen DESC"
        with self._lock:
            return [dict(r) for r in self.db.execute(q, (status,) if status else ())]

    def incident(self, key_or_id: str | int) -> dict | None:
        col = "id" if isinstance(key_or_id, int) else "key"
        with self._lock:
            row = self.db.execute(f"SELECT * FROM incidents WHERE {col} = ?", (key_or_id,)).fetchone()
            if row is None:
                return None
            out = dict(row)
            out["evidence"] = [dict(r) for r in self.db.execute(
                "SELECT source, ts, text FROM evidence WHERE incident_id=? ORDER BY id", (row["id"],))]
            out["timeline"] = [dict(r) for r in self.db.execute(
                "SELECT ts, kind, detail FROM timeline WHERE incident_id=? ORDER BY id", (row["id"],))]
            out["alerts"] = [dict(r) for r in self.db.execute(
                "SELECT ts, kind, channel, status, reason FROM alerts WHERE incident_id=? ORDER BY id", (row["id"],))]
            out["feedback"] = [dict(r) for r in self.db.execute(
                "SELECT ts, verdict, note, author FROM feedback WHERE incident_id=? ORDER BY id", (row["id"],))]
        return out
