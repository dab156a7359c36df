"""suggest_limits sees the container's CPU limit however it was set (compose's cpus or a CPU quota)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.actions.helpers import config, incident
from vvai.actions import journal
from vvai.actions.checks import EngineView
from vvai.actions.executor import Executor
from vvai.monitor.history import IncidentStore


class _OneContainer:
    """The two calls EngineView makes of the engine source, for one summarizer container."""

    def __init__(self, host_config: dict) -> None:
        self.host_config = host_config

    def discover(self) -> dict:
        return {"scene_summarizer": {"Id": "c1", "HostConfig": self.host_config}}

    def component_meta(self, attrs: dict) -> dict:
        return {"depends_on": []}


@pytest.mark.parametrize("hc", [{"Memory": 96 << 20, "NanoCpus": 500_000_000},
                                {"Memory": 96 << 20, "CpuQuota": 50_000, "CpuPeriod": 100_000}])
def test_the_current_cpu_limit_whichever_way_it_was_set(tmp_path: Path, hc: dict) -> None:
    samples = [{"mem_bytes": 90 << 20, "cpu_percent": 49.0, "mem_limit_bytes": 96 << 20}] * 5
    cfg = config(tmp_path, actions={"mode": "auto", "limits": {"settle_s": 0}})
    store = IncidentStore(cfg.store.path)
    ex = Executor(cfg, store, engine=EngineView(_OneContainer(hc)), stats_provider=lambda comp: samples)
    inc = incident("resource_saturation", "scene_summarizer", actions=[("suggest_limits", "scene_summarizer")])
    iid = store.upsert(inc, time.time()).incident_id
    out = ex.on_incident(iid, inc, "new", time.time())
    assert [(r["type"], r["status"]) for r in out] == [("suggest_limits", "pending")]
    req = journal.get(store, out[0]["action_id"])["request"]
    assert req["current"]["cpus"] == 0.5 and req["current"]["mem_limit_bytes"] == 96 << 20
    assert req["cpus"] >= 0.5  # at its quota: the proposal never lowers it
    store.close()
