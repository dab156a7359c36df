"""Incident and finding types shared by the detectors, the correlator and the diagnosis engine.

A *finding* is one observation a detector made (an OOM kill, a growing backlog...). An *incident*
is what the engine concludes from one or more findings: one category, one culprit component,
one root cause, evidence copied verbatim from the bundle, and safe recommended actions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from vvai.common.severity import Severity, severity_rank

__all__ = ["MAX_EVIDENCE", "Action", "Evidence", "Finding", "Incident", "Severity", "severity_rank"]


#: At most this many evidence lines per incident (the engine keeps the first ones; alerts print them).
MAX_EVIDENCE = 6


class Evidence(BaseModel):
    """One grounded line: ``text`` is a verbatim substring of one line of ``source``."""

    source: str
    ts: str | None = None
    text: str

    def key(self) -> tuple[str, str | None, str]:
        return (self.source, self.ts, self.text)


class Action(BaseModel):
    type: str
    target: str | None = None

    def label(self) -> str:
        return f"{self.type}:{self.target}" if self.target else self.type

    def to_spec(self) -> dict[str, Any]:
        return {"type": self.type, "target": self.target} if self.target else {"type": self.type}


class Finding(BaseModel):
    """One detector observation, the raw material of an incident's timeline."""

    kind: str
    component: str
    file: str | None = None
    ts: datetime
    last_ts: datetime | None = None
    summary: str
    severity: Severity = Severity.warning
    attrs: dict[str, Any] = Field(default_factory=dict)
    evidence: list[Evidence] = Field(default_factory=list)

    @property
    def end(self) -> datetime:
        return self.last_ts or self.ts


class Incident(BaseModel):
    """A diagnosed incident. ``to_spec()`` is exactly the object `diagnose --json` prints."""

    category: str
    component: str
    file: str | None = None
    severity: Severity
    confidence: float
    root_cause: str
    evidence: list[Evidence] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    signature: str = ""
    timeline: list[Finding] = Field(default_factory=list)
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    @property
    def key(self) -> str:
        """Stable identity for de-duplication across passes of a live monitor."""
        return f"{self.category}|{self.component}|{self.file or ''}"

    def to_spec(self) -> dict[str, Any]:
        out: dict[str, Any] = {"category": self.category, "component": self.component}
        if self.file:
            out["file"] = self.file
        out.update(
            {
                "severity": self.severity.value,
                "confidence": round(float(self.confidence), 2),
                "root_cause": self.root_cause,
                "evidence": [e.model_dump() for e in self.evidence],
                "actions": [a.to_spec() for a in self.actions],
            }
        )
        return out
