"""Pipeline folders: input backlog without progress, orphan outputs, processed/ never shipped.
All computed from pipeline.jsonl snapshots (disk space is detect/diskspace.py)."""

from __future__ import annotations

from datetime import timedelta

from vvai.common.timefmt import parse_ts
from vvai.monitor.detect.context import Context
from vvai.monitor.detect.evidence import ev_record
from vvai.monitor.incident import Finding, Severity

OUTPUT_SUFFIXES = (".analytic.json", ".summary.json")


def _names(snap: dict, folder: str) -> dict[str, dict]:
    entries = (snap.get("dirs") or {}).get(folder) or []
    return {e["name"]: e for e in entries if isinstance(e, dict) and isinstance(e.get("name"), str)}


def _inputs(snap: dict) -> dict[str, dict]:
    return {n: e for n, e in _names(snap, "input").items() if not n.endswith(OUTPUT_SUFFIXES)}


def detect(ctx: Context) -> list[Finding]:
    snaps = ctx.bundle.pipeline
    out: list[Finding] = []
    if snaps:
        out += _backlog(ctx)
        orphans = _orphans(ctx)
        out += orphans or _summarizer_stall(ctx)
        out += _processed(ctx)
    return out  # disk space: see detect/diskspace.py


def _backlog(ctx: Context) -> list[Finding]:
    consumers = ctx.by_role("scanner") or [c for c in ctx.bundle.all_components()
                                            if not ctx.bundle.components.get(c, None)
                                            or not ctx.bundle.components[c].depends_on][:1]
    comp = consumers[0] if consumers else "pipeline"
    waiting = [set(_inputs(r.data)) for r in ctx.bundle.pipeline]
    return _waiting_backlog(ctx, comp, waiting, "input",
                            "{count} files waiting in input/ (+{growth}); no input consumed for {idle:.0f} min")


def _waiting_backlog(ctx: Context, comp: str, waiting: list[set[str]], folder: str, summary: str,
                     quiet_only: bool = False) -> list[Finding]:
    """The files waiting for ``comp`` in each snapshot (``waiting``, one set per pipeline.jsonl
    record): a backlog when enough of them wait and their number grew; stalled when none was taken
    for long enough (:func:`_stalled`). ``quiet_only`` reports only a stalled, idle worker."""
    s = ctx.settings
    snaps = ctx.bundle.pipeline
    counts = [len(w) for w in waiting]
    growth = counts[-1] - min(counts[: max(1, len(counts) // 4)])
    if counts[-1] < s.backlog_min_files or growth < s.backlog_min_growth:
        return []
    last_progress = snaps[0].ts
    steps = []  # (time, names taken) of every snapshot in which the worker took files
    for r, prev, cur in zip(snaps[1:], waiting, waiting[1:], strict=False):
        if prev - cur:
            last_progress = r.ts
            steps.append((r.ts, prev - cur))
    idle = (snaps[-1].ts - last_progress).total_seconds() / 60
    quiet = _quiet_since(ctx, comp, last_progress)
    overdue = _overdue(ctx, steps, waiting[-1], folder, idle)
    stalled = _stalled(s, idle, quiet or overdue)
    if quiet_only and not (quiet and stalled):
        return []
    first_big = next((r for r, c in zip(snaps, counts, strict=True) if c >= s.backlog_min_files), snaps[-1])
    return [Finding(
        kind="input_backlog", component=comp, ts=first_big.ts, last_ts=snaps[-1].ts, severity=Severity.warning,
        evidence=[ev_record("pipeline.jsonl", first_big, folder), ev_record("pipeline.jsonl", snaps[-1], folder)],
        summary=summary.format(count=counts[-1], growth=growth, idle=idle, comp=comp),
        attrs={"count": counts[-1], "growth": growth, "idle_minutes": round(idle, 1), "folder": folder,
               "quiet": quiet, "overdue": overdue, "stalled": stalled})]


def _stalled(s, idle: float, quick: bool) -> bool:
    """No progress for ``stall_minutes``; or for ``stall_quiet_minutes`` when there is more reason
    to call it sooner (``quick``): the worker shows no sign of work at all (no CPU, not a line of
    log), or it is far behind its own pace on files no bigger than those it already did
    (:func:`_overdue`). A worker busy on a longer video than before gets the first rule only."""
    return idle >= s.stall_minutes or (quick and idle >= s.stall_quiet_minutes)


def _overdue(ctx: Context, steps: list, waiting: set[str], folder: str, idle: float) -> bool:
    """The worker took at least two files in the window, and has now gone ``stall_pace_factor``
    times its slowest step without taking one, that time scaled up by how much bigger the biggest
    waiting file is than the biggest it took (a spinning or blocked worker keeps its CPU or its
    heartbeat going, so neither tells it from a busy one; its own pace does). A step lasts from
    the previous one, or from when its files were first seen waiting, to the snapshot that saw
    them taken."""
    s = ctx.settings
    taken = set().union(*(names for _, names in steps)) if steps else set()
    if len(taken) < 2 or not waiting:
        return False
    first_seen: dict[str, object] = {}
    sizes: dict[str, float] = {}
    for r in ctx.bundle.pipeline:
        for name, e in _names(r.data, folder).items():
            first_seen.setdefault(name, r.ts)
            if isinstance(e.get("size"), int | float):
                sizes[name] = max(sizes.get(name, 0), float(e["size"]))
    durations, prev = [], None
    for ts, names in steps:
        began = min(first_seen.get(n, ts) for n in names)
        began = max(began, prev) if prev is not None else began
        durations.append((ts - began).total_seconds() / 60)
        prev = ts
    done = [sizes[n] for n in taken if n in sizes]
    todo = [sizes[n] for n in waiting if n in sizes]
    if not done or not todo or max(done) <= 0:
        return False
    return idle >= s.stall_pace_factor * max(durations) * max(1.0, max(todo) / max(done))


def _quiet_since(ctx: Context, comp: str, since) -> bool:
    """Since ``since`` the worker was running but idle: enough stats samples, every one of them
    running with CPU under ``stall_quiet_cpu_percent``, and no line of its log."""
    s = ctx.settings
    rows = [r for r in ctx.stats_of(comp) if r.ts > since]
    if len(rows) < s.stall_quiet_min_samples:
        return False
    for r in rows:
        cpu = r.data.get("cpu_percent")
        if r.data.get("status", "running") != "running" or not isinstance(cpu, int | float) \
                or cpu >= s.stall_quiet_cpu_percent:
            return False
    return not any(ln.ts and ln.ts > since + timedelta(seconds=1) for ln in ctx.bundle.log_lines(comp))


def _all_names(snap: dict) -> dict[str, dict]:
    """Every entry of every folder of a snapshot, by name."""
    names: dict[str, dict] = {}
    for folder in (snap.get("dirs") or {}):
        names.update(_names(snap, folder))
    return names


def _waiting_analytics(snap: dict) -> set[str]:
    names = _all_names(snap)
    return {n for n in names if n.endswith(".analytic.json") and n[: -len(".analytic.json")] + ".summary.json"
            not in names}


def _summarizer_stall(ctx: Context) -> list[Finding]:
    """The summarizer's inputs (``.analytic.json`` without a summary) pile up while it is running
    and does nothing. Only the quiet kind: a summarizer that is down or slow for long is the
    orphan-outputs finding's, and one that is busy is working."""
    comps = ctx.by_role("summarizer")
    if not comps:
        return []
    waiting = [_waiting_analytics(r.data) for r in ctx.bundle.pipeline]
    return _waiting_backlog(ctx, comps[0], waiting, "processed",
                            "{count} .analytic.json waiting for {comp} (+{growth}); none summarized for {idle:.0f} min",
                            quiet_only=True)


def _orphans(ctx: Context) -> list[Finding]:
    s = ctx.settings
    snaps = ctx.bundle.pipeline
    last = snaps[-1]
    names = _all_names(last.data)
    orphans = []
    for n, e in names.items():
        if n.endswith(".analytic.json"):
            stem = n[: -len(".analytic.json")]
            if stem + ".summary.json" in names:
                continue
            mt = parse_ts(e.get("mtime"))
            age = (last.ts - mt).total_seconds() / 60 if mt else 0
            if age >= s.orphan_delay_minutes:
                orphans.append((age, n))
    if len(orphans) < s.orphan_min_files:
        return []
    orphans.sort(reverse=True)
    comp = (ctx.by_role("summarizer") or ["scene_summarizer"])[0]
    first = next((r for r in snaps if any(
        n.endswith(".analytic.json") and n[:-14] + ".summary.json" not in _names(r.data, "processed")
        and n == orphans[-1][1] for n in _names(r.data, "processed"))), last)
    return [Finding(
        kind="orphan_outputs", component=comp, ts=first.ts, last_ts=last.ts, severity=Severity.error,
        evidence=[ev_record("pipeline.jsonl", last, "processed")],
        summary=f"{len(orphans)} .analytic.json without .summary.json, oldest {orphans[0][0]:.0f} min "
                f"({orphans[0][1]})",
        attrs={"count": len(orphans), "oldest": orphans[0][1], "oldest_minutes": round(orphans[0][0], 1)})]


def _processed(ctx: Context) -> list[Finding]:
    s = ctx.settings
    snaps = ctx.bundle.pipeline
    counts = [len(_names(r.data, "processed")) for r in snaps]
    peak_drop = any(b < a - 2 for a, b in zip(counts[len(counts) // 3:], counts[len(counts) // 3 + 1:],
                                               strict=False))
    growth = counts[-1] - min(counts[: max(1, len(counts) // 4)])
    if growth < s.processed_growth_min or peak_drop:
        return []
    comp = (ctx.by_role("exporter") or ["log_exporter"])[0]
    return [Finding(
        kind="processed_growth", component=comp, ts=snaps[0].ts, last_ts=snaps[-1].ts, severity=Severity.warning,
        evidence=[ev_record("pipeline.jsonl", snaps[-1], "processed")],
        summary=f"processed/ grew by {growth} files without being purged",
        attrs={"count": counts[-1], "growth": growth})]
