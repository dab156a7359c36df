"""Incidents as the diagnosis builds them (category, culprit, file, findings with their counts)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vvai.monitor.config import Config, parse_config
from vvai.monitor.incident import Action, Evidence, Finding, Incident, Severity

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def incident(category: str, component: str, *, file: str | None = None, actions: list[tuple] = (),
             count: int = 0, dependents: list[str] | None = None, kind: str | None = None) -> Incident:
    kind = kind or {"poison_input": "poison_input", "dependency_failure": "dependency_down",
                    "oom_kill": "oom_kill", "crash_loop": "crash_loop",
                    "disk_full": "disk_full"}.get(category, category)
    attrs: dict[str, Any] = {"count": count}
    if dependents is not None:
        attrs.update(dependents=dependents, in_bundle=True)
    f = Finding(kind=kind, component=component, file=file, ts=T0, summary="s", attrs=attrs,
                evidence=[Evidence(source="logs/app.log", text=f"{component} failed on {file}")])
    return Incident(category=category, component=component, file=file, severity=Severity.error, confidence=0.9,
                    root_cause="rc", evidence=f.evidence,
                    actions=[Action(type=t, target=tgt) for t, tgt in actions], timeline=[f])


def config(tmp_path: Path, *, actions: dict | None = None, engine: dict | None = None, **extra: Any) -> Config:
    root = tmp_path / "vv"
    for d in ("input", "processed", "corrupted", "logs"):
        (root / d).mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {"pipeline": {"root": str(root)}, "engine": engine or {"enabled": False},
                            "store": {"path": str(tmp_path / "monitor.db")}, "metrics": {"enabled": False},
                            "actions": actions if actions is not None else {"mode": "auto", "limits": {"settle_s": 0}}}
    data.update(extra)
    return parse_config(data)
