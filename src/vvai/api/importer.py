"""``vvai monitor import BUNDLE``: diagnose a bundle and record its incidents as if seen live.

Each incident is stored at the times the bundle shows (first detection at its first finding,
last seen at its last), with the bundle's triggering signal for the console's chart, its
knowledge-base signature and ``origin = import``. Its key is prefixed with the bundle's host and
window, so a post-mortem of another box never merges into a live incident, and importing the
same bundle twice changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vvai.api import db
from vvai.api.signals import incident_signal
from vvai.monitor.config import Config
from vvai.monitor.history import IncidentStore


class _Keyed:
    """An incident seen through another key (what ``IncidentStore.upsert`` reads of it)."""

    def __init__(self, incident: Any, key: str):
        self._inc, self.key = incident, key
        self.severity = incident.severity

    def to_spec(self) -> dict[str, Any]:
        return {**self._inc.to_spec(), "signature": self._inc.signature}


def bundle_id(bundle: Any) -> str:
    start = bundle.window_start.isoformat() if bundle.window_start else "?"
    end = bundle.window_end.isoformat() if bundle.window_end else "?"
    return f"{bundle.host or 'unknown'}@{start}/{end}"


def import_bundle(cfg: Config, store: IncidentStore, path: str | Path, kb_files: list[str] | None = None
                  ) -> dict[str, Any]:
    from vvai.monitor.bundle import load_bundle
    from vvai.monitor.diagnose.engine import Diagnoser
    from vvai.monitor.diagnose.kb import load_kb

    bundle = load_bundle(path)
    bid = bundle_id(bundle)
    done = db.rows(store, "SELECT incident_id FROM incident_meta WHERE bundle = ? ORDER BY incident_id", (bid,))
    if done:
        return {"bundle": bid, "already_imported": True, "incidents": [r["incident_id"] for r in done]}
    incidents = Diagnoser(kb=load_kb(kb_files or []), settings=cfg.detector_settings()).diagnose(bundle)
    end = bundle.window_end.timestamp() if bundle.window_end else None
    out = []
    for inc in incidents:
        first = inc.first_seen.timestamp() if inc.first_seen else (end or 0.0)
        last = inc.last_seen.timestamp() if inc.last_seen else first
        keyed = _Keyed(inc, f"import:{bid}|{inc.key}")
        change = store.upsert(keyed, now=first)
        if last > first:
            store.upsert(keyed, now=last)
        iid = change.incident_id
        db.set_meta(store, iid, signature=inc.signature, origin="import", bundle=bid)
        store.add_timeline(iid, "imported", f"from bundle {Path(path).name} ({bid})", ts=last)
        if end is not None and last + cfg.alerts.resolve_after_s <= end:
            with db.tx(store) as con:
                con.execute("UPDATE incidents SET status='resolved', resolved_at=? WHERE id=?",
                            (last + cfg.alerts.resolve_after_s, iid))
                con.execute("INSERT INTO timeline (incident_id, ts, kind, detail) VALUES (?,?,?,?)",
                            (iid, last + cfg.alerts.resolve_after_s, "resolved", "no longer seen in the bundle"))
        sig = incident_signal(bundle, inc)
        if sig is not None:
            db.add_signal(store, iid, sig.name, sig.unit, sig.points, sig.limit)
        out.append(iid)
    return {"bundle": bid, "already_imported": False, "incidents": out,
            "categories": [i.category for i in incidents]}
