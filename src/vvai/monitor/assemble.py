"""The live assembler: source records of a time window -> bundle :class:`Parts`.

The daemon (every pass) and ``vvai monitor capture`` (once, to disk) share :func:`assemble`, so a
captured bundle diagnosed offline sees exactly what the live pass saw.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vvai.common.timefmt import rfc3339
from vvai.monitor.bundle.types import FORMAT
from vvai.monitor.bundle.write import Parts
from vvai.monitor.sources.base import Record, Source, problem


def watched_files(sources: Iterable[Source], components: Iterable[str]) -> set[str]:
    """Bundle files the given sources fill (so an empty one means "watched, nothing happened")."""
    from vvai.monitor.sources.docker_engine import DockerEngineSource
    from vvai.monitor.sources.folders import FolderSource
    from vvai.monitor.sources.logfile import LogFileSource
    from vvai.monitor.sources.prometheus import PrometheusSource

    out = {"bundle.json"}
    for s in sources:
        if isinstance(s, DockerEngineSource):
            out |= {"events.jsonl", "stats.jsonl"} | {f"logs/{c}.log" for c in components}
        elif isinstance(s, LogFileSource):
            out.add("logs/app.log" if s.fmt == "json" else f"logs/{s.log_name}.log")
        elif isinstance(s, FolderSource):
            out.add("pipeline.jsonl")
        elif isinstance(s, PrometheusSource):
            out.add("metrics.jsonl")
    return out


def assemble(records: Iterable[Record], *, host: str, start: float, end: float, pipeline_root: str,
             benchmarks: dict | None = None, model: dict | None = None, components: Iterable[str] = (),
             watched: set[str] | None = None) -> Parts:
    """Sort the window's records into bundle parts (records outside [start, end] are dropped,
    except component/file records which describe the present)."""
    comps: dict[str, dict] = {c: {} for c in components}
    parts = Parts(meta={})
    logs: dict[str, list[tuple[float, int, str]]] = {}
    seq = 0
    buckets: dict[str, list[tuple[float, int, Any]]] = {"event": [], "app_log": [], "stats": [], "metric": [],
                                                        "pipeline": []}
    seen_events: set[tuple] = set()
    for rec in records:
        seq += 1
        if rec.kind == "component":
            comps[rec.name] = rec.data
            continue
        if rec.kind == "file":
            parts.files[rec.name] = rec.data
            continue
        if rec.kind == "problem":
            parts.problems.append(f"{rec.data.get('source', rec.name)}: {rec.data.get('message', '')}")
            continue
        if not (start - 1 <= rec.ts <= end + 1):
            continue
        if rec.kind == "log":
            logs.setdefault(rec.name, []).append((rec.ts, seq, rec.data))
        elif rec.kind == "event":
            ev = rec.data
            k = ((ev.get("Actor") or {}).get("ID"), ev.get("Action"), ev.get("timeNano") or ev.get("time"))
            if k in seen_events:
                continue  # the same event from the warm-up read and the live stream
            seen_events.add(k)
            buckets["event"].append((rec.ts, seq, ev))
        elif rec.kind in buckets:
            buckets[rec.kind].append((rec.ts, seq, rec.data))
    parts.events = [d for _, _, d in sorted(buckets["event"], key=lambda x: x[:2])]
    parts.app_log = [d for _, _, d in sorted(buckets["app_log"], key=lambda x: x[:2])]
    parts.stats = [d for _, _, d in sorted(buckets["stats"], key=lambda x: x[:2])]
    parts.metrics = [d for _, _, d in sorted(buckets["metric"], key=lambda x: x[:2])]
    parts.pipeline = [d for _, _, d in sorted(buckets["pipeline"], key=lambda x: x[:2])]
    for name, items in logs.items():
        lines: list[str] = []
        for _, _, text in sorted(items, key=lambda x: x[:2]):
            lines.extend(text.split("\n"))
        parts.container_logs[name] = lines
    for name in comps:
        if watched is not None and f"logs/{name}.log" in watched:
            parts.container_logs.setdefault(name, [])
    meta: dict[str, Any] = {"format": FORMAT, "host": host,
                            "window": {"start": rfc3339(start), "end": rfc3339(end)},
                            "pipeline_root": pipeline_root, "components": comps}
    if benchmarks:
        meta["benchmarks"] = benchmarks
    if model:
        meta["model"] = model
    parts.meta = meta
    parts.watched = set(watched) if watched is not None else set()
    if watched is None:
        parts.watched = {"bundle.json"} | {f"logs/{n}.log" for n in parts.container_logs}
    return parts


def collect(sources: Iterable[Source], since: float, until: float) -> list[Record]:
    """One read of every source over [since, until]; a failing source becomes a problem record."""
    out: list[Record] = []
    for s in sources:
        try:
            out.extend(s.collect(since, until))
        except Exception as e:  # noqa: BLE001 - one broken source must not sink the capture
            out.append(problem(s.name, f"{type(e).__name__}: {e}"))
    return out
