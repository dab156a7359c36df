"""The triggering signal of a live incident, from the daemon's sample history (table ``samples``).

Imported incidents carry their bundle's series; a live one is charted from the stats, folder
snapshots and metric scrapes the daemon kept around its time (an hour before it opened until
ten minutes after it was last seen), through the same selection as a bundle's
(:func:`vvai.api.signals.incident_signal`).
"""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

from vvai.api import db
from vvai.api.signals import Signal, incident_signal

MAX_POINTS = 400
MAX_ROWS = 50_000


def _thin(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """At most MAX_POINTS, keeping each bucket's peak (a spike to the limit must stay visible)."""
    if len(points) <= MAX_POINTS:
        return points
    step = len(points) / MAX_POINTS
    out = []
    for k in range(MAX_POINTS):
        bucket = points[int(k * step): int((k + 1) * step)] or points[-1:]
        out.append(max(bucket, key=lambda p: p[1]))
    return out


def live_signal(store: Any, cfg: Any, inc: dict[str, Any]) -> Signal | None:
    if not db.has_table(store, "samples"):
        return None
    since, until = inc["first_seen"] - 3600, (inc.get("resolved_at") or inc["last_seen"]) + 600
    recs: dict[str, list] = {"stats": [], "pipeline": [], "metric": []}
    for kind, ts, name, data in db.values(store, "SELECT kind, ts, name, data FROM samples WHERE ts BETWEEN ? AND ? "
                                                 "ORDER BY ts, id LIMIT ?", (since, until, MAX_ROWS)):
        try:
            d = json.loads(data)
        except ValueError:
            continue
        if kind == "stats" and not d.get("component"):
            d["component"] = name
        recs.setdefault(kind, []).append(SimpleNamespace(ts=dt.datetime.fromtimestamp(ts, dt.UTC), data=d))
    if not any(recs.values()):
        return None
    view = SimpleNamespace(stats=recs["stats"], pipeline=recs["pipeline"], metrics=recs["metric"], components={},
                           benchmarks=cfg.benchmarks)
    sig = incident_signal(view, inc)
    if sig is not None:
        sig.points = _thin(sig.points)
    return sig
