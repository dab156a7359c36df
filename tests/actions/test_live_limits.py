"""LIVE: suggest_limits sized from the container's real stats against its limit, queued for
approval (never applied by itself), applied through the engine's container update once an
operator approved, recorded with the previous limits, and reverted with ``revert_limits``.

On Docker Engine (Debian's docker.io) the update is applied; Podman 4.3 (Debian 12) has no
``/containers/{id}/update``: there the approved update is ``failed`` with that reason and nothing
changes."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.actions.helpers import config, incident
from tests.actions.live import labels
from vvai.actions import approvals, journal
from vvai.actions.checks import EngineView
from vvai.actions.executor import Executor
from vvai.common.errors import ConflictError
from vvai.monitor.history import IncidentStore
from vvai.monitor.sources.docker_engine import DockerEngineSource
from vvai.testing.dockerd import DockerdEngine
from vvai.testing.podman import BUSYBOX_IMAGE, PodmanEngine

pytestmark = [pytest.mark.podman, pytest.mark.slow]

HOG = "head -c 40000000 /dev/zero > /dev/shm/hold; echo holding; sleep 600"


def _pending_limits(tmp_path: Path, socket_url: str, project: str) -> tuple[Any, Any, Any, dict, DockerEngineSource]:
    """A summarizer holding ~40 MB under a 96 MiB limit and half a CPU, its real stats, and the
    executor's decision on a saturation incident: one pending suggest_limits."""
    src = DockerEngineSource(socket_url, compose_project=project)
    time.sleep(3)
    samples = []
    for _ in range(3):
        samples += [r.data for r in src.collect(time.time() - 60, time.time()) if r.kind == "stats"]
        time.sleep(1)
    assert samples and max(s["mem_bytes"] for s in samples) > 20 << 20
    cfg = config(tmp_path, engine={"socket": socket_url, "compose_project": project},
                 actions={"mode": "auto", "limits": {"settle_s": 0}})  # auto is capped to approval for limits
    store = IncidentStore(cfg.store.path)
    ex = Executor(cfg, store, engine=EngineView(src), stats_provider=lambda comp: samples)
    inc = incident("resource_saturation", "scene_summarizer", actions=[("suggest_limits", "scene_summarizer")])
    iid = store.upsert(inc, time.time()).incident_id
    out = ex.on_incident(iid, inc, "new", time.time())
    assert [(r["type"], r["decision"], r["status"]) for r in out] == [("suggest_limits", "approval", "pending")]
    row = journal.get(store, out[0]["action_id"])
    req = row["request"]
    assert req["current"]["mem_limit_bytes"] == 96 << 20 and req["current"]["mem_peak_bytes"] > 20 << 20
    assert "mem_limit: " in req["snippet"] and "scene_summarizer:" in req["snippet"]
    return cfg, store, ex, row, src


def _hog(client: Any, project: str) -> Any:
    return client.containers.run(BUSYBOX_IMAGE, ["sh", "-c", HOG], detach=True, name=f"{project}-summ",
                                 mem_limit="96m", nano_cpus=500_000_000,  # compose's cpus: "0.5"
                                 labels=labels(project, "scene_summarizer"))


def _settle(ex: Executor, store: Any, aid: int) -> dict:
    for _ in range(3):
        ex.tick(time.time())
        row = journal.get(store, aid)
        if row["status"] not in ("approved", "queued", "running", "executed"):
            return row
    return journal.get(store, aid)


def test_limits_applied_after_approval_then_reverted_on_docker(tmp_path: Path, docker_engine: DockerdEngine) -> None:
    project = f"vvd{uuid.uuid4().hex[:8]}"
    c = docker_engine.docker_client()
    ct = _hog(c, project)
    try:
        cfg, store, ex, row, src = _pending_limits(tmp_path, docker_engine.socket_url, project)
        aid, req = row["id"], row["request"]
        ex.tick(time.time())
        ct.reload()
        hc0 = ct.attrs["HostConfig"]
        assert (hc0["Memory"], hc0["NanoCpus"]) == (96 << 20, 500_000_000)  # nothing without the operator
        started = ct.attrs["State"]["StartedAt"]
        approvals.approve(store, aid, who="alice")
        done = _settle(ex, store, aid)
        assert done["status"] == "effective", done
        ct.reload()
        hc = ct.attrs["HostConfig"]
        assert hc["Memory"] == req["mem_limit_bytes"] != 96 << 20  # sized from the real peak
        assert hc["NanoCpus"] == int(req["cpus"] * 1e9) != 500_000_000  # set the way compose set it
        assert hc["MemorySwap"] == int(req["mem_limit_bytes"] * hc0["MemorySwap"] / hc0["Memory"])
        assert ct.attrs["State"]["Status"] == "running" and ct.attrs["State"]["StartedAt"] == started  # live
        assert c.api.stats(ct.id, stream=False)["memory_stats"]["limit"] == req["mem_limit_bytes"]  # the cgroup
        assert done["result"]["before"]["mem_limit_bytes"] == 96 << 20 and done["result"]["before"]["cpus"] == 0.5
        assert [e["status"] for e in journal.events(store, aid)][-4:] == ["approved", "running", "executed",
                                                                         "effective"]
        # the operator puts the old limits back: a new approved action, run by the executor
        back = approvals.revert_limits(store, aid, who="bob")
        assert back["status"] == "approved" and back["request"]["revert_of"] == aid
        undone = _settle(ex, store, back["id"])
        assert undone["status"] == "effective", undone
        ct.reload()
        assert (ct.attrs["HostConfig"]["Memory"], ct.attrs["HostConfig"]["NanoCpus"]) == (96 << 20, 500_000_000)
        assert ct.attrs["State"]["StartedAt"] == started
        with pytest.raises(ConflictError, match="already reverted"):
            approvals.revert_limits(store, aid, who="bob")
        with pytest.raises(ConflictError, match="only applied limits"):
            approvals.revert_limits(store, _other(store, ex), who="bob")
        store.close()
        src.stop()
    finally:
        ct.remove(force=True)


def _other(store: Any, ex: Executor) -> int:
    """An action that is not an applied limits update (a restart suggestion, refused or not)."""
    inc = incident("crash_loop", "scene_summarizer", actions=[("restart", "scene_summarizer")])
    iid = store.upsert(inc, time.time()).incident_id
    return ex.on_incident(iid, inc, "new", time.time())[0]["action_id"]


def test_approved_limits_fail_with_the_reason_on_podman_4_3(tmp_path: Path, podman_engine: PodmanEngine,
                                                            compose_project: str) -> None:
    ct = _hog(podman_engine.docker_client(), compose_project)
    cfg, store, ex, row, src = _pending_limits(tmp_path, podman_engine.socket_url, compose_project)
    approvals.approve(store, row["id"], who="alice")
    done = _settle(ex, store, row["id"])
    ct.reload()
    assert done["status"] == "failed", done
    assert "does not implement POST /containers/" in done["reason"] and "/update" in done["reason"], done
    assert ct.attrs["HostConfig"]["Memory"] == 96 << 20 and ct.attrs["State"]["Status"] == "running"
    with pytest.raises(ConflictError, match="only applied limits"):
        approvals.revert_limits(store, row["id"], who="bob")  # nothing was applied: nothing to put back
    store.close()
    src.stop()
