"""Turn source records into a ``vvai-bundle/1``: in memory (``Bundle.from_records``) for the live
diagnosis, or on disk (folder or ``.tar.gz``) for ``vvai monitor capture``.

The daemon and ``capture`` share :func:`assemble`, so a captured bundle diagnosed offline sees
exactly what the live pass saw.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import tarfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vvai.common.atomic import atomic_write_bytes, fsync_dir
from vvai.common.errors import ConfigError, VvaiError
from vvai.monitor.sources.base import Record, Source, problem, rfc3339

FORMAT = "vvai-bundle/1"
_DUR = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def parse_duration(text: str, what: str = "--since") -> float:
    """``90s``, ``15m``, ``1h``, ``2d`` or plain seconds -> seconds."""
    m = _DUR.match(str(text))
    if not m:
        raise ConfigError(f"{what}: {text!r} is not a duration", hint="use e.g. 90s, 15m, 1h or 2d")
    return float(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2) or "s"]


@dataclass
class Parts:
    """The arguments of ``Bundle.from_records``, plus what was watched."""

    meta: dict[str, Any]
    events: list[dict] = field(default_factory=list)
    container_logs: dict[str, list[str]] = field(default_factory=dict)
    app_log: list[str] = field(default_factory=list)
    stats: list[dict] = field(default_factory=list)
    metrics: list[dict] = field(default_factory=list)
    pipeline: list[dict] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    watched: set[str] = field(default_factory=set)

    def bundle(self) -> Any:
        from vvai.monitor.bundle import Bundle

        return Bundle.from_records(self.meta, self.events, self.container_logs, self.app_log, self.stats,
                                   self.metrics, self.pipeline, self.files, self.problems, watched=self.watched)


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


def _jsonl(items: list[dict]) -> bytes:
    return "".join(json.dumps(i, ensure_ascii=False, separators=(",", ":")) + "\n" for i in items).encode()


def bundle_files(parts: Parts) -> dict[str, bytes]:
    """Relative path -> bytes of the bundle's files (only the watched optional ones)."""
    out = {"bundle.json": (json.dumps(parts.meta, indent=2, ensure_ascii=False) + "\n").encode()}
    w = parts.watched
    for name, items in (("events.jsonl", parts.events), ("stats.jsonl", parts.stats),
                        ("metrics.jsonl", parts.metrics), ("pipeline.jsonl", parts.pipeline)):
        if items or name in w:
            out[name] = _jsonl(items)
    if parts.app_log or "logs/app.log" in w:
        out["logs/app.log"] = "".join(line + "\n" for line in parts.app_log).encode()
    for name, lines in parts.container_logs.items():
        safe = _SAFE.sub("_", name) or "container"
        out[f"logs/{safe}.log"] = "".join(line + "\n" for line in lines).encode("utf-8", errors="replace")
    for name, data in parts.files.items():
        out[f"files/{_SAFE.sub('_', name)}"] = data
    return out


def write_bundle(parts: Parts, out: Path | str) -> Path:
    """Write a bundle folder, or a ``.tar.gz`` when ``out`` ends with it. Refuses to overwrite."""
    out = Path(out)
    files = bundle_files(parts)
    if out.exists() and (out.is_file() or any(out.iterdir())):
        raise VvaiError(f"{out} already exists", hint="choose a new --out path")
    if out.name.endswith((".tar.gz", ".tgz")):
        top = out.name.removesuffix(".tar.gz").removesuffix(".tgz") or "bundle"
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            now = time.time()
            for rel, data in sorted(files.items()):
                info = tarfile.TarInfo(f"{top}/{rel}")
                info.size, info.mtime, info.mode = len(data), int(now), 0o644
                tar.addfile(info, io.BytesIO(data))
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(out, buf.getvalue())
        return out
    tmp = out.with_name(f".{out.name}.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    for rel, data in files.items():
        p = tmp / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    if out.exists():
        out.rmdir()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp.rename(out)  # the bundle appears complete or not at all
    fsync_dir(out.parent)
    return out


def capture_bundle(cfg: Any, since_s: float, out: Path | str) -> tuple[Path, Parts]:
    """``vvai monitor capture``: read every configured source over the last ``since_s`` seconds."""
    from vvai.monitor.service.sources import build_sources, configured_components

    out = Path(out)
    if out.exists() and (out.is_file() or any(out.iterdir())):
        raise VvaiError(f"{out} already exists", hint="choose a new --out path")
    sources = build_sources(cfg)
    start = time.time() - since_s
    try:
        comps = configured_components(cfg, sources)
        records = collect(sources, start, time.time())
        end = time.time()  # the last stats samples are taken at the end of the read
    finally:
        for s in sources:
            s.stop()
    parts = assemble(records, host=cfg.monitor.host, start=start, end=end, pipeline_root=cfg.pipeline.root,
                     benchmarks=cfg.benchmarks, model=cfg.model, components=comps,
                     watched=watched_files(sources, comps))
    if parts.problems:  # an unknown key for readers; tells a post-mortem what could not be seen
        parts.meta["capture_problems"] = parts.problems[:200]
    return write_bundle(parts, out), parts
