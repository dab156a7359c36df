"""The signal that triggered an incident, as a time series taken from its bundle's samples.

Which signal depends on the category: memory against its limit (OOM, memory pressure), CPU
against the CPU limit (saturation), the input backlog (stall), the files waiting for the
exporter (export failure), analytic files without a summary (orphans), free disk (disk full),
processing time against the benchmark (degradation), else the restart count. Pure code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_BACKLOG = {"pipeline_stall": "input", "export_failure": "processed"}


@dataclass
class Signal:
    name: str
    unit: str
    points: list[tuple[float, float]]
    limit: float | None = None


def _stat_series(bundle: Any, component: str, key: str) -> list[tuple[float, float]]:
    out = []
    for r in bundle.stats:
        if r.data.get("component") == component and isinstance(r.data.get(key), int | float):
            out.append((r.ts.timestamp(), float(r.data[key])))
    return out


def _limit(bundle: Any, component: str, key: str) -> float | None:
    for r in reversed(bundle.stats):
        if r.data.get("component") == component and isinstance(r.data.get(key), int | float) and r.data[key] > 0:
            return float(r.data[key])
    return None


def _memory(bundle: Any, comp: str) -> Signal | None:
    pts = _stat_series(bundle, comp, "mem_bytes")
    if not pts:
        return None
    spec = bundle.components.get(comp)
    lim = _limit(bundle, comp, "mem_limit_bytes") or (spec.mem_limit_bytes if spec else None)
    return Signal(f"memory of {comp}", "bytes", pts, lim)


def _cpu(bundle: Any, comp: str) -> Signal | None:
    pts = _stat_series(bundle, comp, "cpu_percent")
    if not pts:
        return None
    spec = bundle.components.get(comp)
    return Signal(f"CPU of {comp} (%)", "", pts, spec.cpus * 100 if spec and spec.cpus else None)


def _folder_count(bundle: Any, folder: str, pred: Any, name: str) -> Signal | None:
    pts = []
    for r in bundle.pipeline:
        files = (r.data.get("dirs") or {}).get(folder)
        if isinstance(files, list):
            pts.append((r.ts.timestamp(), float(sum(1 for f in files if pred(f)))))
    return Signal(name, "", pts) if pts else None


def _orphans(f: dict, names: set[str]) -> bool:
    n = str(f.get("name", ""))
    return n.endswith(".analytic.json") and n[: -len(".analytic.json")] + ".summary.json" not in names


def _orphan_series(bundle: Any) -> Signal | None:
    pts = []
    for r in bundle.pipeline:
        files = (r.data.get("dirs") or {}).get("processed")
        if isinstance(files, list):
            names = {str(f.get("name", "")) for f in files}
            pts.append((r.ts.timestamp(), float(sum(1 for f in files if _orphans(f, names)))))
    return Signal("analytic files without a summary", "", pts) if pts else None


def _disk(bundle: Any) -> Signal | None:
    pts, total = [], None
    for r in bundle.pipeline:
        d = r.data.get("disk") or {}
        if isinstance(d.get("free_bytes"), int | float):
            pts.append((r.ts.timestamp(), float(d["free_bytes"])))
            total = d.get("total_bytes") or total
    return Signal("free disk", "bytes", pts, None) if pts else None


def _processing(bundle: Any, comp: str) -> Signal | None:
    pts = []
    for r in bundle.metrics:
        labels = r.data.get("labels") or {}
        if "processing" in str(r.data.get("name", "")) and labels.get("component", comp) == comp \
                and labels.get("quantile", "0.5") in ("0.5", 0.5):
            pts.append((r.ts.timestamp(), float(r.data["value"])))
    if not pts:
        return None
    bench = (bundle.benchmarks.get(comp) or {}).get("p50_processing_s")
    return Signal(f"processing time of {comp} (p50)", "s", pts, float(bench) if bench else None)


def incident_signal(bundle: Any, incident: Any) -> Signal | None:
    """The series that best shows why ``incident`` (an ``Incident`` or its spec dict) was raised."""
    cat = incident["category"] if isinstance(incident, dict) else incident.category
    comp = incident["component"] if isinstance(incident, dict) else incident.component
    if cat == "disk_full":
        return _disk(bundle) or _memory(bundle, comp)
    if cat == "orphan_outputs":
        return _orphan_series(bundle)
    if cat in _BACKLOG:
        folder = _BACKLOG[cat]
        label = "input backlog" if folder == "input" else "processed files waiting for export"
        return _folder_count(bundle, folder, lambda f: not str(f.get("name", "")).startswith("."), label)
    if cat == "performance_degradation":
        return _processing(bundle, comp) or _cpu(bundle, comp)
    if cat == "resource_saturation":
        mem, cpu = _memory(bundle, comp), _cpu(bundle, comp)
        def ratio(s: Signal | None) -> float:
            return max(v for _, v in s.points) / s.limit if s and s.limit else 0.0
        return max((s for s in (mem, cpu) if s), key=ratio, default=None)
    if cat == "oom_kill":
        return _memory(bundle, comp)
    pts = _stat_series(bundle, comp, "restart_count")
    if pts and len({v for _, v in pts}) > 1:
        return Signal(f"restart count of {comp}", "", pts)
    return _memory(bundle, comp)
