"""Poison inputs: the same file in flight at every crash, or failing every time it is retried.

The file "in flight" at a crash is the last file the component named (app.log ``file`` key or a
file name in its own log) shortly before it died. Network errors never make a file poison: a
file that cannot be *shipped* because storage is down is not at fault.
"""

from __future__ import annotations

import bisect
from collections import Counter
from datetime import timedelta

from vvai.monitor.detect.context import Context
from vvai.monitor.detect.errorlines import NETWORK_RE
from vvai.monitor.detect.evidence import ev_app, ev_line, first_file
from vvai.monitor.incident import Evidence, Finding, Severity


def _mentions(ctx: Context, comp: str) -> list[tuple]:
    """(ts, file, evidence) for every mention of an input file by a component, in time order."""
    out = []
    for r in ctx.bundle.app_log:
        if r.component == comp and r.ts:
            f = r.file or first_file(r.msg)
            if f:
                out.append((r.ts, f, r))
    for ln in ctx.bundle.log_lines(comp):
        if ln.ts and "." in ln.text:
            f = first_file(ln.text)
            if f:
                out.append((ln.ts, f, ln))
    out.sort(key=lambda x: x[0])
    return out


def _ev(obj) -> Evidence:
    return ev_app(obj) if hasattr(obj, "msg") else ev_line(obj)


def crash_times(ctx: Context, comp: str) -> list:
    times = [d.ts for d in ctx.deaths(comp) if d.exit_code not in (0, 143)]
    if not times:
        prev = None
        for r in ctx.stats_of(comp):
            rc = r.data.get("restart_count")
            if isinstance(rc, int):
                if prev is not None and rc > prev:
                    times.append(r.ts)
                prev = rc
    return sorted(times)


def in_flight(mentions: list[tuple], ts, since=None, lookback_min: float = 45,
              times: list | None = None) -> tuple | None:
    """The last file named before ``ts`` and after ``since`` (the previous crash): a file named
    only before an earlier crash was not being worked on by this incarnation."""
    i = bisect.bisect_right(times if times is not None else [m[0] for m in mentions], ts + timedelta(seconds=1)) - 1
    if i < 0:
        return None
    m = mentions[i]
    if (ts - m[0]) <= timedelta(minutes=lookback_min) and (since is None or m[0] > since + timedelta(seconds=1)):
        return m
    return None


def coarse(mentions: list[tuple]) -> bool:
    """Are all the mentions whole-second stamps? (Podman 4.3's log API cuts the fraction.)

    Then a crash and the lines of the same second cannot be ordered by time, and a restart
    faster than a second puts several incarnations in one stamp."""
    return len(mentions) >= 2 and all(m[0].microsecond == 0 and not hasattr(m[2], "msg") for m in mentions)


def in_flight_coarse(mentions: list[tuple], ts, since=None, lookback_min: float = 45) -> tuple | None:
    """:func:`in_flight` for whole-second stamps: a line stamped ``s`` was written in [s, s+1).

    The file in flight is the last one this incarnation (between ``since``, the previous crash,
    and ``ts``) named. Every mention that may be that one is a candidate: the last mention that
    certainly falls inside the incarnation, and every later one whose second overlaps it. The file
    is named only when all candidates name the same file; when they disagree (a quick restart
    that went on to other files in the same second) nothing is named, never a guess."""
    one = timedelta(seconds=1)
    possible = [m for m in mentions if m[0] <= ts and (since is None or m[0] + one > since)
                and ts - m[0] <= timedelta(minutes=lookback_min)]
    certain = [i for i, m in enumerate(possible) if m[0] + one <= ts and (since is None or m[0] >= since)]
    candidates = possible[certain[-1]:] if certain else possible
    if candidates and len({m[1] for m in candidates}) == 1:
        return candidates[-1]
    return None


def _input_size(ctx: Context, name: str) -> int | None:
    for snap in reversed(ctx.bundle.pipeline):
        for entries in (snap.data.get("dirs") or {}).values():
            for e in entries or []:
                if isinstance(e, dict) and e.get("name") == name and isinstance(e.get("size"), int | float):
                    return int(e["size"])
    return None


def detect(ctx: Context) -> list[Finding]:
    s = ctx.settings
    out: list[Finding] = []
    for comp in ctx.bundle.all_components():
        if ctx.roles.get(comp) == "exporter":
            continue
        mentions = _mentions(ctx, comp)
        if not mentions:
            continue
        crashes = crash_times(ctx, comp)
        mtimes = [m[0] for m in mentions]
        if coarse(mentions):
            seen = [in_flight_coarse(mentions, t, crashes[i - 1] if i else None) for i, t in enumerate(crashes)]
        else:
            seen = [in_flight(mentions, t, crashes[i - 1] if i else None, times=mtimes)
                    for i, t in enumerate(crashes)]
        counts = Counter(m[1] for m in seen if m)
        if crashes and counts:
            name, n = counts.most_common(1)[0]
            if n >= s.poison_min_crashes and n >= 0.6 * len(crashes):
                ev: list[Evidence] = []
                for m in seen:
                    if m and m[1] == name and _ev(m[2]) not in ev:
                        ev.append(_ev(m[2]))
                size = _input_size(ctx, name)
                out.append(Finding(
                    kind="poison_input", component=comp, file=name, ts=crashes[0], last_ts=crashes[-1],
                    severity=Severity.error, evidence=ev[:3],
                    summary=f"{name} was being processed at {n} of {len(crashes)} crashes of {comp}",
                    attrs={"count": n, "crashes": len(crashes), "size_bytes": size, "via": "crash"}))
                continue
        # no crash: the same file failing again and again with a non-network error
        errs = [e for e in ctx.all_error_text(comp) if e.file and not NETWORK_RE.search(e.text)]
        by_file: dict[str, list] = {}
        for e in errs:
            by_file.setdefault(e.file, []).append(e)
        for name, lst in by_file.items():
            times = sorted({e.ts for e in lst if e.ts})
            distinct = []
            for t in times:
                if not distinct or (t - distinct[-1]).total_seconds() > 20:
                    distinct.append(t)
            if len(distinct) >= s.poison_min_crashes:
                out.append(Finding(
                    kind="poison_input", component=comp, file=name, ts=distinct[0], last_ts=distinct[-1],
                    severity=Severity.error, evidence=[e.evidence for e in lst[:3]],
                    summary=f"{comp} failed on {name} {len(distinct)} times",
                    attrs={"count": len(distinct), "crashes": 0, "size_bytes": _input_size(ctx, name),
                           "via": "errors"}))
    return out
