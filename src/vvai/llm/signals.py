"""Error signals in a window, and which of them no rules incident explains.

An error signal is an ERROR+ line (app.log or a container log: the detectors' own definition) or a
container that died with a non-zero exit code. It is *explained* when the component it belongs to
is the culprit of a rules incident or appears in an incident's timeline. The LLM is consulted
when unexplained signals exist, and may add an incident only by quoting one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vvai.monitor.detect.context import Context
from vvai.monitor.detect.evidence import ev_event
from vvai.monitor.detect.settings import DetectorSettings
from vvai.monitor.incident import Evidence, Incident

MAX_SIGNALS = 200


@dataclass(frozen=True)
class Signal:
    component: str
    evidence: Evidence


def error_signals(bundle: Any) -> list[Signal]:
    ctx = Context(bundle, DetectorSettings())
    out: list[Signal] = []
    for comp in bundle.all_components():
        for e in ctx.all_error_text(comp):
            out.append(Signal(comp, e.evidence))
            if len(out) >= MAX_SIGNALS:
                return out
        for ev in ctx.deaths(comp):
            if ev.exit_code not in (None, 0):
                out.append(Signal(comp, ev_event(ev)))
    return out


def explained_components(incidents: list[Incident]) -> set[str]:
    out = {i.component for i in incidents if i.category != "healthy"}
    for i in incidents:
        out.update(f.component for f in i.timeline)
    return out


def unexplained(bundle: Any, incidents: list[Incident]) -> list[Signal]:
    known = explained_components(incidents)
    return [s for s in error_signals(bundle) if s.component not in known]
