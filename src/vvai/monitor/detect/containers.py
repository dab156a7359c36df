"""Container lifecycle: OOM kills, crash loops, components that went down and stayed down.

Docker reports an OOM kill as an ``oom`` event plus ``die`` with exit code 137; Podman sends no
``oom`` event, so ``die`` 137 with ``oom_killed`` in stats.jsonl counts too, and so do restarts
seen only in stats (restart_count going up while oom_killed is set).
"""

from __future__ import annotations

from datetime import timedelta

from vvai.monitor.detect.context import Context
from vvai.monitor.detect.errorlines import is_error_line
from vvai.monitor.detect.evidence import ev_event, ev_line, ev_record
from vvai.monitor.incident import Evidence, Finding, Severity

PLANNED_EXIT = {0, 143}  # clean exit / SIGTERM from a stop: not a failure


def _oom_times(ctx: Context, comp: str) -> list:
    """Timestamps of OOM kills of a component, from events and (for Podman) stats."""
    evs = [e for e in ctx.bundle.events if e.type == "container" and e.name == comp]
    ooms = [e for e in evs if e.action == "oom"]
    stats = ctx.stats_of(comp)
    oom_flag_times = [r.ts for r in stats if r.data.get("oom_killed") is True]
    kills = []
    for d in (e for e in evs if e.action == "die" and e.exit_code == 137):
        near_oom = any(abs((o.ts - d.ts).total_seconds()) <= 5 for o in ooms)
        near_flag = any(timedelta(0) <= (t - d.ts) <= timedelta(minutes=5) for t in oom_flag_times)
        if near_oom or near_flag:
            kills.append(d)
    if not kills and ooms:
        kills = ooms
    if not kills and not evs:
        # no event source: count restart_count steps while oom_killed is set
        prev = None
        for r in stats:
            rc = r.data.get("restart_count")
            if isinstance(rc, int) and prev is not None and rc > prev and r.data.get("oom_killed") is True:
                kills.append(r)
            if isinstance(rc, int):
                prev = rc
    return kills


def _restarts_from_stats(ctx: Context, comp: str) -> list:
    """restart_count increments (a source of exits when no events were watched)."""
    out, prev = [], None
    for r in ctx.stats_of(comp):
        rc = r.data.get("restart_count")
        if isinstance(rc, int):
            if prev is not None and rc > prev:
                out.append(r)
            prev = rc
    return out


def _last_error_before(ctx: Context, comp: str, ts, window_s: float = 120) -> Evidence | None:
    best = None
    for ln in ctx.bundle.log_lines(comp):
        if ln.ts is None or ln.ts > ts + timedelta(seconds=1):
            break
        if (ts - ln.ts).total_seconds() <= window_s and is_error_line(ln.text):
            best = ln
    return ev_line(best) if best else None


def detect(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    s = ctx.settings
    events_watched = "events.jsonl" in ctx.bundle.watched and bool(ctx.bundle.events)
    for comp in ctx.bundle.all_components():
        kills = _oom_times(ctx, comp)
        if len(kills) >= s.oom_min_kills:
            ev = []
            oom_ev = next((e for e in ctx.bundle.events if e.name == comp and e.action == "oom"), None)
            if oom_ev is not None:
                ev.append(ev_event(oom_ev))
            for k in ([kills[0], kills[-1]] if len(kills) > 1 else kills):
                ev.append(ev_event(k) if hasattr(k, "action") else ev_record("stats.jsonl", k, "oom_killed"))
            ev = ev[:3]
            before = [r for r in ctx.stats_of(comp) if timedelta(0) <= kills[0].ts - r.ts <= timedelta(minutes=5)
                      and isinstance(r.data.get("mem_bytes"), int | float)]
            if before:  # memory right before the kill, next to the limit
                ev.append(ev_record("stats.jsonl", max(before, key=lambda r: r.data["mem_bytes"]), "mem_bytes"))
            flag = next((r for r in ctx.stats_of(comp) if r.data.get("oom_killed") is True), None)
            if flag is not None:
                ev.append(ev_record("stats.jsonl", flag, "oom_killed"))
            out.append(Finding(kind="oom_kill", component=comp, ts=kills[0].ts, last_ts=kills[-1].ts,
                               severity=Severity.critical, evidence=ev,
                               summary=f"{comp} OOM-killed {len(kills)} time(s)",
                               attrs={"count": len(kills), "times": [k.ts for k in kills]}))
        oom_ts = {k.ts for k in kills}
        deaths = [d for d in ctx.deaths(comp) if d.ts not in oom_ts]
        planned_ts = {e.ts for e in ctx.bundle.events if e.name == comp and e.action in ("kill", "stop")}
        failures = [d for d in deaths if d.exit_code not in PLANNED_EXIT
                    and not any(abs((d.ts - p).total_seconds()) < 15 for p in planned_ts)]
        if not events_watched:
            failures = [r for r in _restarts_from_stats(ctx, comp) if r.data.get("oom_killed") is not True]
        per_hour = len(failures) / ctx.hours()
        if len(failures) >= s.crash_loop_min_exits and per_hour >= s.crash_loop_restarts_per_hour:
            ev = []
            for d in failures[:3]:
                if hasattr(d, "action"):
                    ev.append(ev_event(d))
                    err = _last_error_before(ctx, comp, d.ts)
                    if err:
                        ev.append(err)
                else:
                    ev.append(ev_record("stats.jsonl", d, "restart_count"))
            codes = sorted({d.exit_code for d in failures if hasattr(d, "action")} - {None})
            texts = []
            for d in failures[:10]:
                texts += [ln.text[:300] for ln in ctx.bundle.log_lines(comp)
                          if ln.ts and timedelta(0) <= d.ts - ln.ts <= timedelta(seconds=90)
                          and is_error_line(ln.text)][-4:]
            out.append(Finding(kind="crash_loop", component=comp, ts=failures[0].ts, last_ts=failures[-1].ts,
                               severity=Severity.error, evidence=ev,
                               summary=f"{comp} exited {len(failures)} times ({per_hour:.1f}/h)",
                               attrs={"count": len(failures), "per_hour": round(per_hour, 1),
                                      "exit_codes": codes, "times": [d.ts for d in failures],
                                      "texts": texts}))
        down = _down(ctx, comp)
        if down:
            out.append(down)
    return out


def _down(ctx: Context, comp: str) -> Finding | None:
    """A component whose last known state is not running, for long enough to matter."""
    stats = ctx.stats_of(comp)
    end = ctx.end
    if end is None:
        return None
    since = None
    ev: list[Evidence] = []
    if stats and stats[-1].data.get("status") in ("exited", "dead", "stopped", "created", "paused"):
        last_running = None
        for r in stats:
            if r.data.get("status") == "running":
                last_running = r
        first_down = next((r for r in stats if last_running is None or r.ts > last_running.ts), stats[-1])
        since = first_down.ts
        ev.append(ev_record("stats.jsonl", first_down, "status"))
    evs = [e for e in ctx.bundle.events if e.type == "container" and e.name == comp]
    if evs:
        last_die = None
        for e in evs:
            if e.action in ("die", "stop", "kill", "destroy"):
                last_die = last_die or e
            elif e.action in ("start", "restart", "unpause"):
                last_die = None
        if last_die is not None:
            since = min(since, last_die.ts) if since else last_die.ts
            ev.insert(0, ev_event(last_die))
            d = next((e for e in evs if e.action == "die" and e.ts >= last_die.ts), None)
            if d and d is not last_die:
                ev.insert(1, ev_event(d))
    if since is None:
        up = [r for r in ctx.bundle.metrics if r.data.get("name") == "up"
              and (r.data.get("labels") or {}).get("component") == comp]
        if up and up[-1].data.get("value") == 0:
            first0 = next(r for r in reversed(up) if r.data.get("value") == 0)
            for r in reversed(up):
                if r.data.get("value") != 0:
                    break
                first0 = r
            since = first0.ts
            ev.append(ev_record("metrics.jsonl", first0, "name"))
    if since is None:
        return None
    minutes = (end - since).total_seconds() / 60
    if minutes < 3:
        return None
    exits = [e.exit_code for e in ctx.deaths(comp) if e.ts >= since - timedelta(seconds=5)]
    return Finding(kind="component_down", component=comp, ts=since, last_ts=end, severity=Severity.error,
                   evidence=ev[:3], summary=f"{comp} not running for {minutes:.0f} min",
                   attrs={"minutes": round(minutes, 1), "exit_code": exits[0] if exits else None,
                          "stopped": any(e.action in ("kill", "stop") and e.ts >= since - timedelta(seconds=5)
                                         for e in ctx.bundle.events if e.name == comp)})
