"""LIVE on Podman: suggest_limits sized from the container's real stats against its limit, queued
for approval (never applied by itself), applied through the engine's container update once an
operator approved, and recorded with the previous limits so it can be reverted. (Podman 4.3 has no
compat ``/update`` endpoint: there the approved update is ``failed`` with that reason.)"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.actions.helpers import config, incident
from tests.actions.live import labels
from vvai.actions import approvals, journal
from vvai.actions.checks import EngineView
from vvai.actions.executor import Executor
from vvai.monitor.history import IncidentStore
from vvai.monitor.sources.docker_engine import DockerEngineSource
from vvai.testing.podman import BUSYBOX_IMAGE, PodmanEngine

pytestmark = [pytest.mark.podman, pytest.mark.slow]

HOG = "head -c 40000000 /dev/zero > /dev/shm/hold; echo holding; sleep 600"


def test_limits_suggested_then_applied_after_approval(tmp_path: Path, podman_engine: PodmanEngine,
                                                     compose_project: str) -> None:
    c = podman_engine.docker_client()
    ct = c.containers.run(BUSYBOX_IMAGE, ["sh", "-c", HOG], detach=True, name=f"{compose_project}-summ",
                          mem_limit="64m", labels=labels(compose_project, "scene_summarizer"))
    src = DockerEngineSource(podman_engine.socket_url, compose_project=compose_project)
    time.sleep(3)
    samples = []
    for _ in range(3):
        samples += [r.data for r in src.collect(time.time() - 60, time.time()) if r.kind == "stats"]
        time.sleep(1)
    assert samples and max(s["mem_bytes"] for s in samples) > 20 << 20
    cfg = config(tmp_path, engine={"socket": podman_engine.socket_url, "compose_project": compose_project},
                 actions={"mode": "auto", "limits": {"settle_s": 0}})  # auto is capped to approval for limits
    store = IncidentStore(cfg.store.path)
    ex = Executor(cfg, store, engine=EngineView(src), stats_provider=lambda comp: samples)
    inc = incident("resource_saturation", "scene_summarizer", actions=[("suggest_limits", "scene_summarizer")])
    iid = store.upsert(inc, time.time()).incident_id
    out = ex.on_incident(iid, inc, "new", time.time())
    assert [(r["type"], r["decision"], r["status"]) for r in out] == [("suggest_limits", "approval", "pending")]
    req = journal.get(store, out[0]["action_id"])["request"]
    assert req["current"]["mem_limit_bytes"] == 64 << 20 and req["current"]["mem_peak_bytes"] > 20 << 20
    assert "mem_limit: " in req["snippet"] and "scene_summarizer:" in req["snippet"]
    ex.tick(time.time())
    ct.reload()
    assert ct.attrs["HostConfig"]["Memory"] == 64 << 20  # nothing applied without the operator
    approvals.approve(store, out[0]["action_id"], who="alice")
    ex.tick(time.time())
    row = journal.get(store, out[0]["action_id"])
    ct.reload()
    if row["status"] == "failed":  # Podman 4.3 (Debian 12) has no compat update endpoint: said, not crashed
        assert "does not implement POST /containers/" in row["reason"] and "/update" in row["reason"], row
        assert ct.attrs["HostConfig"]["Memory"] == 64 << 20
    else:
        assert row["status"] == "effective", row
        assert ct.attrs["HostConfig"]["Memory"] == req["mem_limit_bytes"] != 64 << 20
        assert row["result"]["before"]["mem_limit_bytes"] == 64 << 20  # recorded for a revert
    assert ct.attrs["State"]["Status"] == "running"
    store.close()
    src.stop()
