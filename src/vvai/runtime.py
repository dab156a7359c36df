"""The composition root of the monitor: a :class:`MonitorService` with its Remediator (the action
executor) and, when configured, its Advisor (the LLM layer), built from one Config.

``vvai monitor run`` and ``once`` (and the API app) build the service here, so the monitor loop
itself never imports the executor or the LLM client.
"""

from __future__ import annotations

import time
from typing import Any

from vvai.monitor.config import Config
from vvai.monitor.service.daemon import MonitorService


def build_service(cfg: Config, **overrides: Any) -> MonitorService:
    """``MonitorService(cfg, ...)`` wired with the executor; ``overrides`` are passed through
    (``store``, ``sources``, ``diagnoser``, ``advisor``, ``remediator``...)."""
    from vvai.actions.executor import Executor
    from vvai.monitor.history import IncidentStore

    store = overrides.pop("store", None) or IncidentStore(cfg.store.path)
    executor = None
    if "remediator" not in overrides:
        executor = Executor(cfg, store)
        overrides["remediator"] = executor
    if "advisor" not in overrides:
        from vvai.llm.advisor import build_advisor

        overrides["advisor"] = build_advisor(cfg)  # None when [llm] mode is off
    svc = MonitorService(cfg, store=store, **overrides)
    if executor is not None:
        # suggest_limits sizes from the stats samples the monitor already holds in its window (read
        # without snapshot(), which would hand the pending source problems out to us instead of the pass)
        def stats(component: str) -> list[dict]:
            cutoff = time.time() - svc.window.window_s
            return [r.data for r in list(svc.window._items)
                    if r.kind == "stats" and r.name == component and r.ts >= cutoff]

        executor.stats_provider = stats
    return svc
