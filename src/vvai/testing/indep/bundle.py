"""An in-memory bundle: streams keyed by source, written to disk in the `vvai-bundle/1` layout."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from . import timefmt


def _dumps(obj: dict, compact: bool) -> str:
    if compact:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return json.dumps(obj, ensure_ascii=False)


@dataclass
class Bundle:
    name: str
    start: datetime
    end: datetime
    meta: dict                       # bundle.json minus format/window
    log_tz: timezone = UTC  # zone of the `docker logs --timestamps` prefix
    data_tz: timezone = UTC  # zone of stats/metrics/pipeline/app.log timestamps
    compact_json: bool = False
    events: list = field(default_factory=list)
    logs: dict = field(default_factory=dict)      # name -> [(dt, bytes)]
    app: list = field(default_factory=list)       # [(dt, dict)]
    stats: list = field(default_factory=list)
    metrics: list = field(default_factory=list)
    pipeline: list = field(default_factory=list)
    files: dict = field(default_factory=dict)     # relative name -> bytes
    incidents: list = field(default_factory=list)
    evidence: list = field(default_factory=list)  # [{"source", "text"}]
    skip: set = field(default_factory=set)        # optional sources not watched
    _tick: int = 0

    # -- helpers -------------------------------------------------------------------------------
    @property
    def components(self) -> dict:
        return self.meta["components"]

    def ts(self, dt: datetime, digits: int = 3) -> str:
        return timefmt.rfc3339(dt, self.data_tz, digits)

    def mark(self, source: str, text: str | bytes) -> None:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        self.evidence.append({"source": source, "text": text})

    # -- streams -------------------------------------------------------------------------------
    def log(self, name: str, dt: datetime, text: str | bytes, evidence: bool = False) -> None:
        """One or several lines of `docker logs --timestamps NAME`; each physical line gets a prefix."""
        raw = text.encode("utf-8") if isinstance(text, str) else text
        lines = raw.split(b"\n")
        out = self.logs.setdefault(name, [])
        for i, line in enumerate(lines):
            self._tick += 1
            out.append((dt + timedelta(microseconds=i * 41), self._tick, line))
        if evidence:
            first = next((ln for ln in lines if ln.strip()), lines[0])
            self.mark(f"logs/{name}.log", first[:300])

    def app_log(self, dt: datetime, level: str, component: str, msg: str, evidence: bool = False,
                **extra) -> None:
        rec = {"ts": self.ts(dt), "level": level, "component": component, "msg": msg}
        rec.update(extra)
        self.app.append((dt, rec))
        if evidence:
            self.mark("logs/app.log", msg)

    def event(self, dt: datetime, obj: dict) -> None:
        self.events.append((dt, obj))

    def stat(self, dt: datetime, rec: dict) -> None:
        self.stats.append((dt, {"ts": self.ts(dt), **rec}))

    def metric(self, dt: datetime, name: str, labels: dict, value: float) -> None:
        self.metrics.append((dt, {"ts": self.ts(dt), "name": name, "labels": labels, "value": value}))

    def snapshot(self, dt: datetime, dirs: dict, disk: dict) -> None:
        self.pipeline.append((dt, {"ts": self.ts(dt), "dirs": dirs, "disk": disk}))

    def file(self, rel: str, content: str | bytes, evidence: str | None = None) -> None:
        data = content.encode() if isinstance(content, str) else content
        self.files[rel] = data
        if evidence:
            self.mark(f"files/{rel}", evidence)

    def incident(self, category: str, component: str, acceptable: list, forbidden: list,
                 file: str | None = None) -> None:
        inc = {"category": category, "component": component}
        if file is not None:
            inc["file"] = file
        inc["acceptable_actions"] = list(acceptable)
        inc["forbidden_actions"] = list(forbidden)
        self.incidents.append(inc)

    def _log_body(self, lines: list) -> bytes:
        return _prefixed(lines, self.log_tz)

    # -- writing -------------------------------------------------------------------------------
    def _inside(self, dt: datetime) -> bool:
        return self.start <= dt <= self.end

    def _clip(self) -> None:
        """A capture holds what happened inside its window, nothing before or after."""
        lo, hi = self.start.timestamp() * 1e9, self.end.timestamp() * 1e9
        self.events = [e for e in self.events if lo <= e[1].get("timeNano", lo) <= hi]
        self.logs = {n: [x for x in lines if self._inside(x[0])] for n, lines in self.logs.items()}
        for attr in ("app", "stats", "metrics", "pipeline"):
            setattr(self, attr, [x for x in getattr(self, attr) if self._inside(x[0])])

    def write(self, root: Path) -> Path:
        self._clip()
        d = root / self.name
        (d / "logs").mkdir(parents=True, exist_ok=True)
        meta = {"format": "vvai-bundle/1", "host": self.meta["host"],
                "window": {"start": self.ts(self.start, 0), "end": self.ts(self.end, 0)}}
        meta.update({k: v for k, v in self.meta.items() if k != "host"})
        (d / "bundle.json").write_text(json.dumps(meta, indent=2) + "\n")
        c = self.compact_json
        if "events" not in self.skip:
            ordered = sorted(self.events, key=lambda e: e[1].get("timeNano", 0))
            _lines(d / "events.jsonl", [_dumps(o, True) for _, o in ordered])
        for name, lines in self.logs.items():
            if f"logs/{name}.log" in self.skip:
                continue
            (d / "logs" / f"{name}.log").write_bytes(self._log_body(lines))
        if self.app and "app" not in self.skip:
            _lines(d / "logs" / "app.log", [_dumps(r, c) for _, r in sorted(self.app, key=_k)])
        for attr, fname in (("stats", "stats.jsonl"), ("metrics", "metrics.jsonl"),
                            ("pipeline", "pipeline.jsonl")):
            rows = getattr(self, attr)
            if rows and attr not in self.skip:
                _lines(d / fname, [_dumps(r, c) for _, r in sorted(rows, key=_k)])
        for rel, data in self.files.items():
            p = d / "files" / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        expected = {"incidents": self.incidents}
        # generator-side ground truth beyond the spec (readers ignore unknown keys): the variant and
        # the verbatim lines a grounded diagnosis would quote
        expected["variant"] = getattr(self, "variant", None)
        expected["evidence"] = self.evidence
        (d / "expected.json").write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n")
        return d


def _prefixed(lines: list, tz) -> bytes:
    """`docker logs --timestamps` prefixes, strictly increasing like the engine's own clock."""
    out, prev, tail = [], None, 0
    for at, seq, line in sorted(lines, key=lambda x: (x[0], x[1])):
        tail = tail + 1 if at == prev else (seq * 137) % 900
        prev = at
        out.append(timefmt.nano(at, tz, min(tail, 999)).encode() + b" " + line)
    return b"\n".join(out) + b"\n"


def _k(item):
    return item[0]


def _lines(path: Path, rows: list[str]) -> None:
    path.write_text("".join(r + "\n" for r in rows), encoding="utf-8")
