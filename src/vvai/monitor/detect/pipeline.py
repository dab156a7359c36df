"""Pipeline folders: input backlog without progress, orphan outputs, processed/ never shipped,
and disk space. All computed from pipeline.jsonl snapshots (plus the filesystem metric)."""

from __future__ import annotations

from vvai.common.sizes import fmt_bytes
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
    out += _disk(ctx)
    return out


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


def _disk(ctx: Context) -> list[Finding]:
    s = ctx.settings
    rows = [r for r in ctx.bundle.pipeline if isinstance((r.data.get("disk") or {}).get("total_bytes"), int | float)]
    src = "pipeline.jsonl"
    if rows:
        fracs = [(r, 1 - float(r.data["disk"].get("free_bytes") or 0) / float(r.data["disk"]["total_bytes"]))
                 for r in rows if r.data["disk"]["total_bytes"]]
    else:
        return _disk_from_metrics(ctx)
    if not fracs:
        return []
    worst = max(fracs, key=lambda x: x[1])
    last = fracs[-1]
    if last[1] < s.disk_full_fraction and worst[1] < max(s.disk_full_fraction, 0.97):
        return []
    hit = last if last[1] >= s.disk_full_fraction else worst
    first = next(r for r, f in fracs if f >= s.disk_full_fraction)
    snap = hit[0].data
    sizes = {}
    for folder, entries in (snap.get("dirs") or {}).items():
        sizes[folder] = sum(e.get("size", 0) for e in entries or [] if isinstance(e, dict)
                            and isinstance(e.get("size"), int | float))
    biggest = max(sizes, key=sizes.get) if sizes else None
    disk = snap["disk"]
    return [Finding(
        kind="disk_full", component="host", ts=first.ts, last_ts=hit[0].ts,
        severity=Severity.critical if hit[1] >= 0.98 else Severity.error,
        evidence=[ev_record(src, hit[0], "disk")],
        summary=f"disk {disk.get('path', '')} {hit[1]:.0%} used, {fmt_bytes(disk.get('free_bytes'))} free",
        attrs={"used_fraction": round(hit[1], 4), "free_bytes": disk.get("free_bytes"), "path": disk.get("path"),
               "biggest_folder": biggest, "folder_bytes": sizes})]


def _disk_from_metrics(ctx: Context) -> list[Finding]:
    """Fallback when folders were not watched: node_exporter's filesystem avail/size gauges."""
    s = ctx.settings
    size: dict[str, float] = {}
    hits = []
    for r in ctx.bundle.metrics:
        d = r.data
        mount = str((d.get("labels") or {}).get("mountpoint", ""))
        if d.get("name") == "node_filesystem_size_bytes":
            size[mount] = float(d["value"])
        elif d.get("name") == "node_filesystem_avail_bytes" and size.get(mount):
            used = 1 - float(d["value"]) / size[mount]
            if used >= s.disk_full_fraction:
                hits.append((r, used, mount))
    if not hits:
        return []
    r, used, mount = hits[-1]
    return [Finding(kind="disk_full", component="host", ts=hits[0][0].ts, last_ts=r.ts,
                    severity=Severity.critical if used >= 0.98 else Severity.error,
                    evidence=[ev_record("metrics.jsonl", r, "value")],
                    summary=f"filesystem {mount} {used:.0%} used",
                    attrs={"used_fraction": round(used, 4), "free_bytes": r.data["value"], "path": mount,
                           "biggest_folder": None, "folder_bytes": {}})]
