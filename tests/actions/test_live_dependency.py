"""LIVE on Podman: a dependency that is down (a cache its two workers connect to) is restarted
first, then its dependents in depends_on order, each only after the previous one stayed up."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.actions.live import daemon, labels, make_config, wait
from vvai.actions import journal
from vvai.actions.checks import started_at
from vvai.testing.podman import BUSYBOX_IMAGE, PodmanEngine

pytestmark = [pytest.mark.podman, pytest.mark.slow]


def test_dependency_restarted_before_its_dependents(tmp_path: Path, podman_engine: PodmanEngine,
                                                    compose_project: str) -> None:
    # no container networking here: the cache's liveness is a heartbeat file in a shared folder
    cache_sh = "while :; do date +%s > /data/.alive.tmp && mv /data/.alive.tmp /data/cache.alive; sleep 0.3; done"
    worker_sh = ("while :; do t=$(cat /data/cache.alive 2>/dev/null || echo 0); "
                 "if [ $(( $(date +%s) - t )) -le 2 ]; then echo 'cache ok'; sleep 0.5; "
                 "else echo 'ERROR cannot connect to cache:6379: Connection refused' >&2; "
                 "echo 'ERROR lost connection to cache:6379: Connection refused' >&2; exit 1; fi; done")
    shared = tmp_path / "shared"
    shared.mkdir()
    vol = {str(shared): {"bind": "/data", "mode": "rw"}}
    cfg = make_config(tmp_path, podman_engine, compose_project,
                      actions={"mode": "suggest", "policy": {"restart": "auto"}, "limits": {"settle_s": 2}})
    c = podman_engine.docker_client()
    cache = c.containers.run(BUSYBOX_IMAGE, ["sh", "-c", cache_sh], detach=True, name=f"{compose_project}-cache",
                             labels=labels(compose_project, "cache"), volumes=vol)
    time.sleep(0.5)
    workers = {}
    for svc_name, deps in (("scene_summarizer", "cache:service_started:false,scene_scanner:service_started:false"),
                           ("scene_scanner", "cache:service_started:false")):
        workers[svc_name] = c.containers.run(BUSYBOX_IMAGE, ["sh", "-c", worker_sh], detach=True,
                                             name=f"{compose_project}-{svc_name}",
                                             labels=labels(compose_project, svc_name, deps), volumes=vol)
    time.sleep(1.5)
    cache.kill()  # the dependency goes down; both workers fail and exit
    for w in workers.values():
        assert w.wait(timeout=20)["StatusCode"] == 1
    with daemon(cfg) as svc:
        done = wait(lambda: (lambda rows: rows if len(rows) == 3 and all(
            r["status"] == "effective" for r in rows) else None)(journal.select(svc.store, type="restart")), 60)
        assert done, [(r["target"], r["status"], r["reason"]) for r in journal.select(svc.store)]
        inc = svc.store.incident(done[0]["incident_id"])
    assert (inc["category"], inc["component"]) == ("dependency_failure", "cache")
    assert [r["target"] for r in done] == ["cache", "scene_scanner", "scene_summarizer"]
    assert done[0]["started"] < done[1]["started"] < done[2]["started"]
    starts = {}
    for name, ct in (("cache", cache), *workers.items()):
        ct.reload()
        assert ct.attrs["State"]["Status"] == "running", name
        starts[name] = started_at(ct.attrs)
    assert starts["cache"] < starts["scene_scanner"] < starts["scene_summarizer"]
    # each dependent started only after the previous restart had stayed up for its settle time
    assert starts["scene_scanner"] - starts["cache"] >= 0.9
