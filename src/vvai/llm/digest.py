"""What the prompt says about a window, as data lines ``[source] text`` (verbatim where quoted):
the rules' incidents, unexplained error signals, lines around each evidence, log templates with
counts (the project's template miner, so a crash loop's thousand lines are one line), metrics and
container stats summarised, the folders' state and the engine events counted.

Each function returns the lines of one prompt section, most useful first.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from vvai.llm.signals import Signal
from vvai.monitor.incident import Incident

MAX_LINE_CHARS = 400
CONTEXT = 3


def quote(source: str, text: str) -> str:
    return f"[{source}] {text[:MAX_LINE_CHARS]}"


def overview(bundle: Any) -> list[str]:
    out = [f"host {bundle.host or '?'}; window {bundle.meta.get('window', {})}"]
    for name in bundle.all_components():
        spec = bundle.components.get(name)
        if spec is None:
            out.append(f"component {name}")
            continue
        out.append(f"component {name}: image {spec.image}, mem_limit {spec.mem_limit_bytes} bytes, cpus {spec.cpus}, "
                   f"restart {spec.restart}, depends_on {spec.depends_on}")
    if bundle.model:
        out.append(f"model {json.dumps(bundle.model, ensure_ascii=False)[:200]}")
    return out


def findings(incidents: list[Incident]) -> list[str]:
    out: list[str] = []
    for n, inc in enumerate(incidents, 1):
        out.append(f"rules incident {n}: {inc.category} component={inc.component} file={inc.file} "
                   f"severity={inc.severity.value} confidence={inc.confidence:.2f}: {inc.root_cause}")
        out.extend(quote(e.source, e.text) for e in inc.evidence)
    return out


def signals(sigs: list[Signal]) -> list[str]:
    seen: set[str] = set()
    out = []
    for s in sigs:
        line = quote(s.evidence.source, s.evidence.text)
        if line not in seen:
            seen.add(line)
            out.append(line)
    return out


def context(incidents: list[Incident], sources: dict[str, list[str]]) -> list[str]:
    out: list[str] = []
    seen: set[tuple[str, int]] = set()
    for inc in incidents:
        for e in inc.evidence:
            if not e.source.startswith("logs/"):
                continue
            lines = sources.get(e.source) or []
            idx = next((i for i, ln in enumerate(lines) if e.text in ln), None)
            if idx is None:
                continue
            for i in range(max(0, idx - CONTEXT), min(len(lines), idx + CONTEXT + 1)):
                if (e.source, i) not in seen:
                    seen.add((e.source, i))
                    out.append(quote(e.source, lines[i]))
    return out


def templates(bundle: Any, sources: dict[str, list[str]]) -> list[str]:
    """Per log source: ``N x <template>`` with one verbatim example; error-looking templates first."""
    from vvai.monitor.detect.errorlines import is_error_line
    from vvai.monitor.templates.miner import TemplateMiner

    rows: list[tuple[int, int, str]] = []  # (error first, -count, line)
    for src in sorted(s for s in sources if s.startswith("logs/")):
        miner = TemplateMiner()
        example: dict[int, str] = {}
        err: dict[int, bool] = {}
        for line in sources[src]:
            msg = line.partition(" ")[2] if src != "logs/app.log" else line
            t = miner.add_message(msg[:MAX_LINE_CHARS])
            example.setdefault(t.template_id, line)
            err[t.template_id] = err.get(t.template_id, False) or is_error_line(msg) or '"ERROR"' in msg
        for t in miner.templates():
            rows.append((0 if err.get(t.template_id) else 1, -t.count,
                         f"{src}: {t.count} x {t.template[:200]}\n  e.g. {quote(src, example[t.template_id])}"))
    rows.sort()
    return [r[2] for r in rows]


def metrics(bundle: Any) -> list[str]:
    series: dict[str, list[float]] = defaultdict(list)
    for r in bundle.metrics:
        labels = r.data.get("labels") if isinstance(r.data.get("labels"), dict) else {}
        key = f"{r.data.get('name')}{json.dumps(labels, sort_keys=True, separators=(',', ':'))}"
        v = r.data.get("value")
        if isinstance(v, int | float):
            series[key].append(float(v))
    return [f"metric {k}: {len(v)} samples, min {min(v):g}, max {max(v):g}, first {v[0]:g}, last {v[-1]:g}"
            for k, v in sorted(series.items())]


def stats(bundle: Any) -> list[str]:
    by: dict[str, list[dict]] = defaultdict(list)
    for r in bundle.stats:
        by[str(r.data.get("component"))].append(r.data)
    out = []
    for comp, rows in sorted(by.items()):
        cpu = [d["cpu_percent"] for d in rows if isinstance(d.get("cpu_percent"), int | float)]
        mem = [d["mem_bytes"] for d in rows if isinstance(d.get("mem_bytes"), int | float)]
        lim = next((d["mem_limit_bytes"] for d in rows if isinstance(d.get("mem_limit_bytes"), int | float)), None)
        restarts = max((d["restart_count"] for d in rows if isinstance(d.get("restart_count"), int)), default=0)
        oom = any(d.get("oom_killed") is True for d in rows)
        status = Counter(str(d.get("status")) for d in rows).most_common(3)
        out.append(f"stats {comp}: {len(rows)} samples, cpu% max {max(cpu, default=0):g}, mem max "
                   f"{max(mem, default=0):g} of limit {lim}, restart_count {restarts}, oom_killed {oom}, "
                   f"status {status}")
    return out


def folders(bundle: Any) -> list[str]:
    if not bundle.pipeline:
        return []
    first, last = bundle.pipeline[0].data, bundle.pipeline[-1].data
    out = []
    for name, entries in sorted((last.get("dirs") or {}).items()):
        entries = entries if isinstance(entries, list) else []
        before = (first.get("dirs") or {}).get(name) or []
        size = sum(e.get("size", 0) for e in entries if isinstance(e, dict) and isinstance(e.get("size"), int))
        mtimes = sorted(str(e.get("mtime")) for e in entries if isinstance(e, dict) and e.get("mtime"))
        out.append(f"folder {name}/: {len(entries)} files ({len(before)} at the window's start), {size} bytes, "
                   f"oldest mtime {mtimes[0] if mtimes else None}")
    disk = last.get("disk")
    if isinstance(disk, dict):
        out.append(f"disk {disk.get('path')}: free {disk.get('free_bytes')} of {disk.get('total_bytes')} bytes")
    return out


def events(bundle: Any) -> list[str]:
    c: Counter[tuple[str, str, str]] = Counter()
    for e in bundle.events:
        c[(e.name or "?", e.action, str(e.attrs.get("exitCode", "")))] += 1
    return [f"events {name}: {n} x {action}" + (f" exitCode={code}" if code else "")
            for (name, action, code), n in c.most_common(40)]
