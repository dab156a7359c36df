"""A bounded history of the slow signals: folder snapshots, stats samples and metric scrapes.

The daemon reads each source continuously, but a bundle written by ``vvai monitor capture`` (and a
one-shot ``vvai monitor once``) reads them once: one snapshot of the folders and one stats sample per
container say nothing about a stall, a saturation or a growing backlog. So the daemon keeps these
records in the monitor's SQLite history (table ``samples``, migration 4), bounded by age and row
count, and ``capture`` / ``once`` read that history for their window.
"""

from __future__ import annotations

import json
import threading
import time

from vvai.monitor.history import IncidentStore
from vvai.monitor.sources.base import Record

KINDS = ("stats", "pipeline", "metric")


class SampleHistory:
    """Buffer records as they arrive (``add``), write them in one transaction per pass (``flush``)."""

    def __init__(self, store: IncidentStore, *, max_age_s: float = 7 * 86400, max_rows: int = 500_000):
        self.store = store
        self.max_age_s = max_age_s
        self.max_rows = max_rows
        self._buf: list[tuple[str, float, str, str]] = []
        self._lock = threading.Lock()
        self._flushes = 0

    def add(self, rec: Record) -> None:
        if rec.kind in KINDS:
            with self._lock:
                self._buf.append((rec.kind, float(rec.ts), rec.name or "", json.dumps(rec.data, separators=(",", ":"))))

    def flush(self, now: float | None = None) -> int:
        """Write what was buffered; every 20th flush also drops rows past the age and count bounds."""
        now = time.time() if now is None else now
        with self._lock:
            rows, self._buf = self._buf, []
        db = self.store.connection()
        with self.store.tx():
            if rows:
                db.executemany("INSERT INTO samples(kind, ts, name, data) VALUES (?, ?, ?, ?)", rows)
            self._flushes += 1
            if self._flushes % 20 == 1:
                db.execute("DELETE FROM samples WHERE ts < ?", (now - self.max_age_s,))
                db.execute("DELETE FROM samples WHERE id IN (SELECT id FROM samples ORDER BY ts DESC, id DESC "
                           "LIMIT -1 OFFSET ?)", (self.max_rows,))  # keep the newest max_rows
        return len(rows)

    def read(self, since: float, until: float) -> list[Record]:
        """The stored records of [since, until], oldest first."""
        with self.store.lock:
            rows = self.store.connection().execute(
                "SELECT kind, ts, name, data FROM samples WHERE ts BETWEEN ? AND ? ORDER BY ts, id",
                (since, until)).fetchall()
        return [Record(r["kind"], r["ts"], json.loads(r["data"]), name=r["name"]) for r in rows]

    def span(self, since: float, until: float) -> float:
        """Seconds of history the store holds in [since, until] (0 when it holds none)."""
        with self.store.lock:
            row = self.store.connection().execute(
                "SELECT MIN(ts), MAX(ts) FROM samples WHERE ts BETWEEN ? AND ?", (since, until)).fetchone()
        return float(row[1] - row[0]) if row and row[0] is not None else 0.0


def with_history(records: list[Record], history: SampleHistory | None, since: float, until: float,
                 min_span_s: float) -> tuple[list[Record], str | None]:
    """The records of one read plus the stored history of the same window; the second value is a
    note to show when the history is too short to see trends (no daemon running beside us)."""
    if history is not None and history.span(since, until) >= min_span_s:
        return history.read(since, until) + records, None
    return records, ("trends are one reading: no monitor daemon history covers this window "
                     "(start `vvai monitor run` to keep one)")
