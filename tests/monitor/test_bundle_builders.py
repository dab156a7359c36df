"""Hand-built bundle records shared by the monitor's detector and engine tests (and a check of them)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from vvai.monitor.bundle import Bundle

T0 = datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)


def ts(minutes: float) -> str:
    t = T0 + timedelta(minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def dts(minutes: float) -> str:
    t = T0 + timedelta(minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}123Z"


def meta(minutes: float = 60, **extra: Any) -> dict:
    m = {"format": "vvai-bundle/1", "host": "edge-test",
         "window": {"start": ts(0), "end": ts(minutes)}, "pipeline_root": "/opt/vv-video-ai-system",
         "components": {
             "scene_scanner": {"image": "vv/scene-scanner:2.3.1", "mem_limit": "2g", "cpus": 1.5,
                               "restart": "on-failure", "depends_on": []},
             "scene_summarizer": {"image": "vv/scene-summarizer:2.1.0", "mem_limit": "4g", "cpus": 1.5,
                                  "restart": "on-failure", "depends_on": ["scene_scanner"]},
             "log_exporter": {"image": "vv/log-exporter:1.4.0", "mem_limit": "256m", "cpus": 0.25,
                              "restart": "always", "depends_on": []}}}
    m.update(extra)
    return m


def event(minutes: float, action: str, name: str, **attrs: Any) -> dict:
    t = T0 + timedelta(minutes=minutes)
    a = {"name": name, "image": attrs.pop("image", "vv/img:1")}
    a.update({k: str(v) for k, v in attrs.items()})
    return {"Type": "container", "Action": action, "Actor": {"ID": "abc", "Attributes": a},
            "time": int(t.timestamp()), "timeNano": int(t.timestamp() * 1e9)}


def app(minutes: float, comp: str, msg: str, level: str = "info", **extra: Any) -> str:
    return json.dumps({"ts": ts(minutes), "level": level, "component": comp, "msg": msg, **extra})


def stat(minutes: float, comp: str, cpu: float = 5.0, mem: int = 500_000_000, limit: int = 2 * 1024**3,
         restarts: int = 0, oom: bool = False, status: str = "running") -> dict:
    return {"ts": ts(minutes), "component": comp, "cpu_percent": cpu, "mem_bytes": mem, "mem_limit_bytes": limit,
            "restart_count": restarts, "oom_killed": oom, "status": status}


def snap(minutes: float, inp: list[str] = (), processed: list[tuple[str, float]] = (), corrupted: list = (),
         total: int = 10**12, free: int = 5 * 10**11) -> dict:
    return {"ts": ts(minutes), "dirs": {
        "input": [{"name": n, "size": 100_000_000, "mtime": ts(minutes)} for n in inp],
        "processed": [{"name": n, "size": 20_000, "mtime": ts(m)} for n, m in processed],
        "corrupted": [{"name": n, "size": s, "mtime": ts(0)} for n, s in corrupted]},
        "disk": {"path": "/opt/vv-video-ai-system", "total_bytes": total, "free_bytes": free}}


def build(m: dict | None = None, *, events=(), logs=None, app_log=(), stats=(), metrics=(), pipeline=(),
          files=None) -> Bundle:
    return Bundle.from_records(m or meta(), list(events), logs or {}, list(app_log), list(stats), list(metrics),
                               list(pipeline), files or {})


def test_builders_make_a_clean_bundle():
    b = build(events=[event(1, "start", "scene_scanner")], logs={"scene_scanner": [f"{dts(1)} hello"]},
              app_log=[app(1, "scene_scanner", "hi")], stats=[stat(1, "scene_scanner")])
    assert b.problems == [] and b.events[0].action == "start" and b.log_lines("scene_scanner")[0].text == "hello"
    assert b.app_log[0].level == "INFO" and b.stats[0].data["component"] == "scene_scanner"
