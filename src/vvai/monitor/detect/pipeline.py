"""Pipeline folders: input backlog without progress, orphan outputs, processed/ never shipped.
All computed from pipeline.jsonl snapshots (disk space is detect/diskspace.py)."""

from __future__ import annotations

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
        out += _orphans(ctx)
        out += _processed(ctx)
    return out  # disk space: see detect/diskspace.py


def _backlog(ctx: Context) -> list[Finding]:
    s = ctx.settings
    snaps = ctx.bundle.pipeline
    counts = [len(_inputs(r.data)) for r in snaps]
    last = counts[-1]
    growth = last - min(counts[: max(1, len(counts) // 4)])
    if last < s.backlog_min_files or growth < s.backlog_min_growth:
        return []
    last_progress = snaps[0].ts
    prev = _inputs(snaps[0].data)
    for r in snaps[1:]:
        cur = _inputs(r.data)
        if set(prev) - set(cur):
            last_progress = r.ts
        prev = cur
    idle = (snaps[-1].ts - last_progress).total_seconds() / 60
    consumers = ctx.by_role("scanner") or [c for c in ctx.bundle.all_components()
                                            if not ctx.bundle.components.get(c, None)
                                            or not ctx.bundle.components[c].depends_on][:1]
    comp = consumers[0] if consumers else "pipeline"
    first_big = next((r for r, c in zip(snaps, counts, strict=True) if c >= s.backlog_min_files), snaps[-1])
    return [Finding(
        kind="input_backlog", component=comp, ts=first_big.ts, last_ts=snaps[-1].ts, severity=Severity.warning,
        evidence=[ev_record("pipeline.jsonl", first_big, "input"), ev_record("pipeline.jsonl", snaps[-1], "input")],
        summary=f"{last} files waiting in input/ (+{growth}); no input consumed for {idle:.0f} min",
        attrs={"count": last, "growth": growth, "idle_minutes": round(idle, 1),
               "stalled": idle >= s.stall_minutes})]


def _orphans(ctx: Context) -> list[Finding]:
    s = ctx.settings
    snaps = ctx.bundle.pipeline
    last = snaps[-1]
    names: dict[str, dict] = {}
    for folder in (last.data.get("dirs") or {}):
        names.update(_names(last.data, folder))
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
