"""What the monitor loop lets others plug in, without importing them.

The monitor core and this service never hold a client that can change anything, nor an LLM
client: the composition root (the CLI or the API app) builds an ``Advisor`` (``vvai.llm``) and a
``Remediator`` (``vvai.actions``) and injects them into :class:`MonitorService`. Either may be
absent; the loop then behaves exactly as the deterministic monitor alone.
"""

from __future__ import annotations

from typing import Any, Protocol

from vvai.monitor.incident import Incident


class Advisor(Protocol):
    """Consulted after the rules: may refine root causes and add incidents the rules missed; may
    never remove or downgrade an incident the rules found (it returns the fused list)."""

    def advise(self, bundle: Any, incidents: list[Incident]) -> list[Incident]: ...


class Remediator(Protocol):
    """The action executor's door. ``on_incident`` is called for every incident present in a pass
    (new or not) with its history id; it decides each recommended action under the policy and may
    start the ones the policy allows to run by themselves. It returns the decisions to report, each
    a dict with at least ``type``, ``target``, ``decision`` (auto/approval/suggest/refused),
    ``reason``, ``status`` and ``news`` (true when this pass changed something an operator must hear
    about: an action ran, waits for approval, or a breaker opened). ``tick`` runs the follow-ups
    that do not belong to one incident (post-condition checks, approval expiry)."""

    def on_incident(self, incident_id: int, incident: Incident, change_kind: str, now: float) -> list[dict]: ...

    def tick(self, now: float) -> list[dict]: ...

    # optional: ``report(incident_id) -> list[dict]``, the latest decisions of one incident with news
    # marked once; the loop uses it to alert outcomes that arrive after the incident left the diagnosis
