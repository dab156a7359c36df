"""An incident that says who diagnosed it: the rules, the LLM, or both (spec: ``diagnosed_by``)."""

from __future__ import annotations

from typing import Any

from vvai.monitor.incident import Incident


class AdvisedIncident(Incident):
    diagnosed_by: str = "rules"  # rules | llm | rules+llm
    llm_analysis: str | None = None

    def to_spec(self) -> dict[str, Any]:
        out = super().to_spec()
        out["diagnosed_by"] = self.diagnosed_by
        return out


def advised(inc: Incident, diagnosed_by: str = "rules", analysis: str | None = None) -> AdvisedIncident:
    data = {name: getattr(inc, name) for name in Incident.model_fields}
    return AdvisedIncident(**data, diagnosed_by=diagnosed_by, llm_analysis=analysis)
