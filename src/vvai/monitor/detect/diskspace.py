"""Disk full, read by meaning and attributed to a component (never to a made-up ``host``).

Signals: a component's own log lines saying its writes fail for lack of space (``No space left on
device``, ``ENOSPC``, errno 28, redis's ``MISCONF``...), ``df`` output in ``files/`` (any of
``df``, ``df -h``, ``df -P``: a row whose ``Use%``/``Capacity`` is at the limit), the pipeline
folders' disk in ``pipeline.jsonl`` and node_exporter's filesystem gauges.

Culprit (spec, "Which component, which file"): the component whose writes fail for lack of space,
or whose volume is full (a full redis volume is redis's incident even when the pipeline disk has
room); for the pipeline disk with no failing writer, the stage that writes into it first (the
scanner). A full disk needs evidence that it is full *now*: the last reading, or writes failing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vvai.common.sizes import fmt_bytes
from vvai.monitor.detect.context import Context
from vvai.monitor.detect.evidence import ev_app, ev_file, ev_line, ev_record
from vvai.monitor.incident import Evidence, Finding, Severity

ENOSPC_RE = re.compile(
    r"No space left on device|ENOSPC|\[Errno 28\]|errno[ =:]*28\b|MISCONF|Disk quota exceeded|EDQUOT|"
    r"disk (is )?full|filesystem (is )?full|not enough (free )?(disk )?space|insufficient (free )?(disk )?space|"
    r"out of disk space|no free space|write error.{0,40}space", re.IGNORECASE)
_PCT = re.compile(r"^(\d{1,3})%$")
_PSEUDO_FS = re.compile(r"^(tmpfs|devtmpfs|overlay|shm|squashfs|proc|sysfs|cgroup|udev|none)$|^/dev/loop", re.I)
_PSEUDO_MOUNT = re.compile(r"^/(snap|boot|proc|sys|dev|run)(/|$)")


@dataclass
class DfRow:
    source: str
    line: str
    fs: str
    mount: str
    used_fraction: float
    avail: str = ""
    extra: dict = field(default_factory=dict)


def df_rows(ctx: Context) -> list[DfRow]:
    """Rows of every ``df``-style table in files/: the Use% (or Capacity) column located by header."""
    out: list[DfRow] = []
    for name, raw in sorted(ctx.bundle.files.items()):
        text = raw.decode("utf-8", errors="replace")
        lines = text.splitlines()
        for i, head in enumerate(lines):
            cols = head.split()
            idx = next((j for j, c in enumerate(cols) if c.lower() in ("use%", "capacity", "use", "used%", "pcent")),
                       None)
            if idx is None or not any(c.lower().startswith("mount") for c in cols):
                continue
            for row in lines[i + 1:]:
                parts = row.split()
                if not parts:
                    break
                pct = next((p for p in parts if _PCT.match(p)), None)
                if pct is None:
                    continue
                k = parts.index(pct)
                mount = " ".join(parts[k + 1:]) or parts[-1]
                avail = parts[k - 1] if k >= 1 else ""
                out.append(DfRow(f"files/{name}", row, parts[0], mount, int(_PCT.match(pct).group(1)) / 100, avail))
            break
    return out


def _enospc(ctx: Context) -> dict[str, list[tuple]]:
    """Per component, (time, verbatim evidence) of the lines saying its writes fail for lack of space.

    A line in one component's log that names another component (a client quoting redis's
    ``MISCONF ... unable to persist to disk``) is that other component's: the client is not the one
    out of space. The component's own lines come first."""
    comps = ctx.bundle.all_components()
    own: dict[str, list[tuple]] = {}
    reported: dict[str, list[tuple]] = {}

    redis = [c for c in comps if "redis" in c.lower() or "redis" in str(getattr(ctx.bundle.components.get(c),
                                                                                  "image", "") or "").lower()]

    def owner(text: str, comp: str) -> str:
        others = [c for c in comps if c != comp and _mentions(text, c)]
        if not others and "MISCONF" in text and redis and comp not in redis:
            others = redis  # MISCONF is redis's own error, quoted by its client
        return others[0] if others else comp

    for comp in comps:
        hits = [(ln.ts, ev_line(ln), ln.text) for ln in ctx.bundle.log_lines(comp) if ENOSPC_RE.search(ln.text)]
        hits += [(r.ts, ev_app(r), r.raw) for r in ctx.bundle.app_log if r.component == comp
                 and ENOSPC_RE.search(r.raw)]
        for ts, ev, text in hits:
            who = owner(text, comp)
            (own if who == comp else reported).setdefault(who, []).append((ts, ev))
    out = {c: own.get(c, []) + reported.get(c, []) for c in comps if c in own or c in reported}
    return out


def _mentions(text: str, comp: str) -> bool:
    t = text.lower()
    c = comp.lower()
    return c in t or c.replace("_", "-") in t or c.replace("-", "_") in t


def _pipeline_disk(ctx: Context) -> tuple | None:
    """(record, used fraction, disk dict, folder sizes) of the pipeline disk when nearly full now."""
    s = ctx.settings
    rows = [r for r in ctx.bundle.pipeline if isinstance((r.data.get("disk") or {}).get("total_bytes"), int | float)
            and r.data["disk"]["total_bytes"]]
    if not rows:
        return None
    fracs = [(r, 1 - float(r.data["disk"].get("free_bytes") or 0) / float(r.data["disk"]["total_bytes"]))
             for r in rows]
    last = fracs[-1]
    if last[1] < s.disk_full_fraction:
        return None  # it was full earlier but has room now: nothing is wrong now
    snap = last[0].data
    sizes = {}
    for folder, entries in (snap.get("dirs") or {}).items():
        sizes[folder] = sum(e.get("size", 0) for e in entries or [] if isinstance(e, dict)
                            and isinstance(e.get("size"), int | float))
    first = next(r for r, f in fracs if f >= s.disk_full_fraction)
    return last[0], last[1], snap["disk"], sizes, first


def _metrics_disk(ctx: Context) -> tuple | None:
    """node_exporter's filesystem gauges, latest reading per mount, when one is nearly full now."""
    s = ctx.settings
    size: dict[str, float] = {}
    latest: dict[str, tuple] = {}
    for r in ctx.bundle.metrics:
        d = r.data
        mount = str((d.get("labels") or {}).get("mountpoint", ""))
        if d.get("name") == "node_filesystem_size_bytes":
            size[mount] = float(d["value"])
        elif d.get("name") == "node_filesystem_avail_bytes" and size.get(mount):
            latest[mount] = (r, 1 - float(d["value"]) / size[mount], mount)
    full = [v for m, v in latest.items() if v[1] >= s.disk_full_fraction and not _PSEUDO_MOUNT.match(m)]
    return max(full, key=lambda v: v[1]) if full else None


def detect(ctx: Context) -> list[Finding]:
    s = ctx.settings
    comps = ctx.bundle.all_components()
    if not comps:
        return []
    writers = _enospc(ctx)
    df = [r for r in df_rows(ctx) if r.used_fraction >= max(s.disk_full_fraction, 0.95)
          and not _PSEUDO_FS.match(r.fs) and not _PSEUDO_MOUNT.match(r.mount)]
    pipe = _pipeline_disk(ctx)
    met = _metrics_disk(ctx) if pipe is None else None
    out: list[Finding] = []
    claimed: set[str] = set()

    def finding(comp: str, ev: list[Evidence], used: float | None, path: str, free: object, sizes: dict,
                own: bool, ts, last_ts) -> Finding:
        biggest = max(sizes, key=sizes.get) if sizes else None
        used_txt = f"{used:.0%} used" if used is not None else "full"
        return Finding(kind="disk_full", component=comp, ts=ts, last_ts=last_ts,
                       severity=Severity.critical if (used or 1) >= 0.98 else Severity.error, evidence=ev[:4],
                       summary=f"disk {path} {used_txt}" + (f", {fmt_bytes(free)} free" if isinstance(
                           free, int | float) else "") + (f"; {comp}'s writes fail" if own else ""),
                       attrs={"used_fraction": round(used if used is not None else 1.0, 4),
                              "free_bytes": free if isinstance(free, int | float) else None,
                              "path": path, "biggest_folder": biggest, "folder_bytes": sizes, "own_errors": own})

    # 1. components whose own writes fail for lack of space: one incident per full disk. Writers on
    #    a volume of their own (a df row names them) each get theirs; writers sharing the pipeline disk
    #    are one incident, on the first stage among them (the scanner) or the one failing most.
    own_volume = {c: next((r for r in df if _mentions(r.mount + " " + r.fs, c)), None) for c in writers}
    shared = [c for c in writers if own_volume[c] is None]
    groups = [[c] for c in writers if own_volume[c] is not None]
    if shared:
        scanners = [c for c in shared if ctx.roles.get(c) == "scanner"]
        lead = scanners[0] if scanners else max(shared, key=lambda c: len(writers[c]))
        groups.append([lead] + [c for c in shared if c != lead])
    for group in groups:
        comp = group[0]
        evs = sorted((h for c in group for h in writers[c]), key=lambda h: (h[0] is None, h[0] or 0))
        if len(evs) < 2 and not (df or pipe or met):
            continue  # one stray line with nothing else saying the disk is full: not enough
        row = own_volume[comp]
        ev = [e for _, e in writers[comp][:3]]
        used, path, free, sizes = None, "", None, {}
        if row is not None:
            e = ev_file(row.source.removeprefix("files/"), ctx.bundle.text_file(row.source.removeprefix("files/")),
                        row.line.strip())
            if e:
                ev.append(e)
            used, path, free = row.used_fraction, row.mount, row.avail
        elif pipe is not None:
            ev.append(ev_record("pipeline.jsonl", pipe[0], "disk"))
            used, path, free, sizes = pipe[1], pipe[2].get("path", ""), pipe[2].get("free_bytes"), pipe[3]
        times = [t for t, _ in evs if t] or [ctx.end or ctx.start]
        out.append(finding(comp, ev, used, path or "of " + comp, free, sizes, True, min(times), max(times)))
        claimed.update(group)
    # 2. a full volume named after a component (df), with no failing writes seen
    for row in df:
        comp = next((c for c in comps if _mentions(row.mount + " " + row.fs, c)), None)
        if comp is None or comp in claimed:
            continue
        e = ev_file(row.source.removeprefix("files/"), ctx.bundle.text_file(row.source.removeprefix("files/")),
                    row.line.strip())
        if e:
            out.append(finding(comp, [e], row.used_fraction, row.mount, row.avail, {}, False, ctx.end or ctx.start,
                               ctx.end or ctx.start))
            claimed.add(comp)
    # 3. the pipeline disk itself
    if pipe is not None and not out:
        rec, used, disk, sizes, first = pipe
        comp = (ctx.by_role("scanner") or comps)[0]
        out.append(finding(comp, [ev_record("pipeline.jsonl", rec, "disk")], used, disk.get("path", ""),
                           disk.get("free_bytes"), sizes, False, first.ts, rec.ts))
    elif met is not None and not out:
        r, used, mount = met
        comp = (ctx.by_role("scanner") or comps)[0]
        out.append(finding(comp, [ev_record("metrics.jsonl", r, "value")], used, mount, r.data["value"], {}, False,
                           r.ts, r.ts))
    elif not out:
        root = str(ctx.bundle.meta.get("pipeline_root") or "")
        row = next((r for r in df if root and (root.startswith(r.mount) and r.mount != "/" or r.mount == root)), None)
        if row is not None:
            e = ev_file(row.source.removeprefix("files/"), ctx.bundle.text_file(row.source.removeprefix("files/")),
                        row.line.strip())
            comp = (ctx.by_role("scanner") or comps)[0]
            if e:
                out.append(finding(comp, [e], row.used_fraction, row.mount, row.avail, {}, False,
                                   ctx.end or ctx.start, ctx.end or ctx.start))
    return out
