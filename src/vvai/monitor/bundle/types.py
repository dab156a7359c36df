"""The in-memory incident bundle (`vvai-bundle/1`) and the records it holds.

`Bundle.from_records` is the single entry point: the offline reader (:mod:`.read`) and the live
monitor both build bundles with it, so one code path diagnoses both. Parsing is forgiving: bad
lines and fields are recorded in ``bundle.problems`` and skipped, never raised; only an unusable
bundle.json is a ConfigError.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vvai.common.errors import ConfigError
from vvai.common.sizes import parse_mem
from vvai.common.timefmt import has_zone, parse_ts
from vvai.monitor.bundle.normalize import CLEANERS, MAX_LINE, json_lines

FORMAT = "vvai-bundle/1"


@dataclass
class ComponentSpec:
    name: str
    image: str | None = None
    mem_limit_bytes: int | None = None
    cpus: float | None = None
    restart: str | None = None
    depends_on: list[str] = field(default_factory=list)


@dataclass
class Line:
    """One line of a text source. ``text`` is verbatim (after the docker timestamp for logs)."""

    source: str
    ts: datetime | None
    text: str
    ts_raw: str | None = None
    component: str | None = None


@dataclass
class Event:
    ts: datetime
    type: str
    action: str
    name: str
    attrs: dict[str, Any]
    raw: str

    @property
    def exit_code(self) -> int | None:
        """``exitCode`` (Docker, Podman 4.4+), ``containerExitCode`` (older Podman)."""
        for key in ("exitCode", "containerExitCode", "exit_code", "ExitCode"):
            try:
                return int(self.attrs[key])
            except (KeyError, TypeError, ValueError):
                continue
        return None

    @property
    def image(self) -> str | None:
        return self.attrs.get("image") or None


@dataclass
class AppRecord:
    ts: datetime | None
    level: str
    component: str
    msg: str
    data: dict[str, Any]
    raw: str

    @property
    def file(self) -> str | None:
        f = self.data.get("file")
        return f if isinstance(f, str) else None


@dataclass
class JsonRecord:
    """One record of stats/metrics/pipeline.jsonl, with its timestamp and its raw line."""

    ts: datetime
    data: dict[str, Any]
    raw: str


def record_line(rec: Any) -> str:
    """The line a record would have on disk: compact, as `vvai monitor capture` writes it."""
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))


class Bundle:
    """Everything observed in one window on one host, parsed and indexed for the detectors."""

    def __init__(self) -> None:
        self.meta: dict[str, Any] = {}
        self.host: str = ""
        self.window_start: datetime | None = None
        self.window_end: datetime | None = None
        self.window_error: str | None = None  # a window that cannot be right (ends before it starts)
        self.partial = False  # an archive cut short: only the files before the damage were read
        self.components: dict[str, ComponentSpec] = {}
        self.benchmarks: dict[str, Any] = {}
        self.model: dict[str, Any] = {}
        self.events: list[Event] = []
        self.logs: dict[str, list[Line]] = {}
        self.app_log: list[AppRecord] = []
        self.stats: list[JsonRecord] = []
        self.metrics: list[JsonRecord] = []
        self.pipeline: list[JsonRecord] = []
        self.files: dict[str, bytes] = {}
        self.problems: list[str] = []
        self.watched: set[str] = set()
        self._components_cache: list[str] | None = None

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_records(
        cls,
        meta: dict,
        events: list[dict],
        container_logs: dict[str, list[str]],
        app_log: list[str],
        stats: list[dict],
        metrics: list[dict],
        pipeline: list[dict],
        files: dict[str, bytes],
        problems: list[str] | None = None,
        *,
        raw_lines: dict[str, list[str]] | None = None,
        watched: set[str] | None = None,
    ) -> Bundle:
        """Build a bundle from records in the spec's on-disk shapes.

        ``raw_lines`` (optional) maps ``events.jsonl``/``stats.jsonl``/``metrics.jsonl``/
        ``pipeline.jsonl`` to the exact lines the records were parsed from, so evidence quotes
        the file byte for byte; without it a record's line is ``json.dumps(record)``.
        ``watched`` names the sources that were watched (default: those with any data).
        """
        b = cls()
        b.problems = list(problems or [])
        b._set_meta(meta)
        raw_lines = raw_lines or {}
        b.events = b._parse_events(events, raw_lines.get("events.jsonl"))
        for name, lines in sorted((container_logs or {}).items()):
            b.logs[name] = b._parse_container_log(name, lines)
        b.app_log = b._parse_app_log(app_log or [])
        b.stats = b._parse_records("stats.jsonl", stats, raw_lines.get("stats.jsonl"))
        b.metrics = b._parse_records("metrics.jsonl", metrics, raw_lines.get("metrics.jsonl"))
        b.pipeline = b._parse_records("pipeline.jsonl", pipeline, raw_lines.get("pipeline.jsonl"))
        b.files = dict(files or {})
        if watched is not None:
            b.watched = set(watched)
        else:
            b.watched = {"bundle.json"}
            for src, data in (("events.jsonl", events), ("logs/app.log", app_log), ("stats.jsonl", stats),
                              ("metrics.jsonl", metrics), ("pipeline.jsonl", pipeline)):
                if data:
                    b.watched.add(src)
            b.watched.update(f"logs/{n}.log" for n in container_logs or {})
        b._note_zoneless()
        return b

    def _note_zoneless(self) -> None:
        """Timestamps without a zone are read as UTC; say how many, per source, so nobody is misled."""
        counts: dict[str, int] = {}
        for source, recs in (("stats.jsonl", self.stats), ("metrics.jsonl", self.metrics),
                             ("pipeline.jsonl", self.pipeline)):
            n = sum(1 for r in recs if isinstance(r.data.get("ts"), str) and not has_zone(r.data["ts"]))
            if n:
                counts[source] = n
        n = sum(1 for r in self.app_log for k in ("ts", "time", "timestamp")
                if isinstance(r.data.get(k), str) and not has_zone(r.data[k]))
        if n:
            counts["logs/app.log"] = n
        for name, lines in self.logs.items():
            n = sum(1 for ln in lines if ln.ts_raw and not has_zone(ln.ts_raw))
            if n:
                counts[f"logs/{name}.log"] = n
        for source, n in counts.items():
            self.problems.append(f"{source}: {n} timestamp(s) without a zone, read as UTC")

    def _set_meta(self, meta: dict) -> None:
        if not isinstance(meta, dict):
            raise ConfigError("bundle.json is not a JSON object", hint="bundle.json holds one object (vvai-bundle/1)")
        self.meta = meta
        if meta.get("format") != FORMAT:
            self.problems.append(f"bundle.json: format is {meta.get('format')!r}, expected {FORMAT!r}")
        self.host = str(meta.get("host") or "")
        win = meta.get("window") if isinstance(meta.get("window"), dict) else {}
        self.window_start = parse_ts(win.get("start"))
        self.window_end = parse_ts(win.get("end"))
        if not self.window_start or not self.window_end:
            self.problems.append("bundle.json: window.start/window.end missing or invalid")
        elif self.window_end < self.window_start:
            self.window_error = (f"bundle.json: the window ends ({win.get('end')}) before it starts "
                                 f"({win.get('start')})")
            self.problems.append(self.window_error)
        if any(isinstance(win.get(k), str) and not has_zone(win[k]) for k in ("start", "end")):
            self.problems.append("bundle.json: window timestamps without a zone, read as UTC")
        comps = meta.get("components")
        if not isinstance(comps, dict):
            self.problems.append("bundle.json: components missing; components are taken from the sources")
            comps = {}
        for name, spec in comps.items():
            spec = spec if isinstance(spec, dict) else {}
            cpus = spec.get("cpus")
            try:
                cpus = float(cpus) if cpus is not None else None
            except (TypeError, ValueError):
                self.problems.append(f"bundle.json: {name}.cpus is not a number")
                cpus = None
            deps = spec.get("depends_on") or []
            if isinstance(deps, dict):
                deps = list(deps)
            elif isinstance(deps, str):
                deps = [deps]
            elif not isinstance(deps, list):
                deps = []
            self.components[str(name)] = ComponentSpec(
                name=str(name),
                image=spec.get("image") if isinstance(spec.get("image"), str) else None,
                mem_limit_bytes=parse_mem(spec.get("mem_limit")),
                cpus=cpus,
                restart=spec.get("restart") if isinstance(spec.get("restart"), str) else None,
                depends_on=[str(d) for d in deps if isinstance(d, str)],
            )
        self.benchmarks = meta.get("benchmarks") if isinstance(meta.get("benchmarks"), dict) else {}
        self.model = meta.get("model") if isinstance(meta.get("model"), dict) else {}

    def component_name(self, raw: str | None) -> str:
        """Map an engine container name (``proj-scene_scanner-1``, ``/scanner``) to a service name."""
        if not raw:
            return ""
        name = raw.lstrip("/")
        if name in self.components:
            return name
        for comp in sorted(self.components, key=len, reverse=True):
            if re.search(rf"(^|[-_./]){re.escape(comp)}([-_.]\d+)?$", name):
                return comp
        return name

    def _parse_events(self, events: list[dict], raw: list[str] | None) -> list[Event]:
        out: list[Event] = []
        bad = 0
        for i, ev in enumerate(events or []):
            if not isinstance(ev, dict):
                bad += 1
                continue
            ts = None
            if isinstance(ev.get("timeNano"), int | float):
                ts = parse_ts(ev["timeNano"] / 1e9)
            if ts is None:
                ts = parse_ts(ev.get("time"))
            actor = ev.get("Actor") if isinstance(ev.get("Actor"), dict) else {}
            attrs = actor.get("Attributes") if isinstance(actor.get("Attributes"), dict) else {}
            if ts is None:
                bad += 1
                continue
            name = attrs.get("com.docker.compose.service") or attrs.get("name") or ""
            line = raw[i] if raw and i < len(raw) else record_line(ev)
            out.append(Event(ts=ts, type=str(ev.get("Type") or ev.get("type") or ""),
                             action=str(ev.get("Action") or ev.get("status") or ""),
                             name=self.component_name(str(name)), attrs=attrs, raw=line))
        if bad:
            self.problems.append(f"events.jsonl: {bad} event(s) without a usable time or shape skipped")
        out.sort(key=lambda e: e.ts)
        return out

    def _parse_container_log(self, name: str, lines: list[str]) -> list[Line]:
        source = f"logs/{name}.log"
        comp = self.component_name(name)
        out: list[Line] = []
        no_ts = 0
        last_ts = None
        for line in lines:
            line = line.rstrip("\r\n")
            if len(line) > MAX_LINE:
                self.problems.append(f"{source}: a {len(line)}-char line cut to {MAX_LINE}")
                line = line[:MAX_LINE]
            head, sep, rest = line.partition(" ")
            ts = parse_ts(head) if sep or head else None
            if ts is None:
                if line.strip():
                    no_ts += 1
                out.append(Line(source=source, ts=last_ts, text=line, component=comp))
                continue
            last_ts = ts
            out.append(Line(source=source, ts=ts, text=rest, ts_raw=head, component=comp))
        if no_ts:
            self.problems.append(f"{source}: {no_ts} line(s) without a docker timestamp")
        return out

    def _parse_app_log(self, lines: list[str]) -> list[AppRecord]:
        recs, raws = json_lines("logs/app.log", [ln.rstrip("\r\n") for ln in lines], self.problems)
        out: list[AppRecord] = []
        for rec, line in zip(recs, raws, strict=True):
            comp = rec.get("component")
            out.append(AppRecord(
                ts=parse_ts(rec.get("ts") or rec.get("time") or rec.get("timestamp")),
                level=str(rec.get("level") or rec.get("levelname") or "").upper(),
                component=self.component_name(comp) if isinstance(comp, str) else "",
                msg=str(rec.get("msg") or rec.get("message") or ""),
                data=rec, raw=line))
        return out

    def _parse_records(self, source: str, recs: list[dict], raw: list[str] | None) -> list[JsonRecord]:
        out: list[JsonRecord] = []
        bad = fixed = 0
        clean = CLEANERS[source]
        for i, rec in enumerate(recs or []):
            ts = parse_ts(rec.get("ts")) if isinstance(rec, dict) else None
            if ts is None:
                bad += 1
                continue
            line = raw[i] if raw and i < len(raw) else record_line(rec)
            data, n = clean(rec)
            fixed += n
            if data is None:
                bad += 1
                continue
            if isinstance(data.get("component"), str):
                data["component"] = self.component_name(data["component"])
            out.append(JsonRecord(ts=ts, data=data, raw=line))
        if bad:
            self.problems.append(f"{source}: {bad} record(s) without a valid ts or shape skipped")
        if fixed:
            self.problems.append(f"{source}: {fixed} field(s) of the wrong type ignored")
        out.sort(key=lambda r: r.ts)
        return out

    # ------------------------------------------------------------------ views
    def all_components(self) -> list[str]:
        if self._components_cache is not None:
            return list(self._components_cache)
        names = dict.fromkeys(self.components)
        for e in self.events:
            if e.type == "container" and e.name:
                names.setdefault(e.name)
        for n in self.logs:
            names.setdefault(self.component_name(n))
        for r in self.stats:
            c = r.data.get("component")
            if isinstance(c, str) and c:
                names.setdefault(c)
        # a pipeline run outside containers (or not watched through the engine) is known only by
        # its app.log lines; its ERROR lines still make it a component that can fail
        for r in self.app_log:
            if r.component and r.level in ("ERROR", "CRITICAL", "FATAL"):
                names.setdefault(r.component)
        self._components_cache = list(names)
        return list(names)

    def log_lines(self, component: str) -> list[Line]:
        if component in self.logs:
            return self.logs[component]
        for name, lines in self.logs.items():
            if self.component_name(name) == component:
                return lines
        return []

    def text_file(self, name: str) -> str:
        return self.files.get(name, b"").decode("utf-8", errors="replace")
