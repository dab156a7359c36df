"""LIVE on Podman: a crash loop no restart can fix. A site knowledge base recommends restarting it;
the executor restarts it, sees each restart fail its post-condition, opens the breaker after
``breaker_failures`` restarts and from then on only alerts ("breaker open: restarts stopped")."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.actions.live import RESTART_CRASH_LOOP_KB, daemon, labels, make_config, wait, window_summary
from vvai.actions import journal
from vvai.testing.podman import BUSYBOX_IMAGE, PodmanEngine
from vvai.testing.webhook import WebhookReceiver

pytestmark = [pytest.mark.podman, pytest.mark.slow]

CRASH = ("echo 'scanner starting'; echo 'Traceback (most recent call last):' >&2; "
         "echo \"ValueError: invalid literal for int() with base 10: 'auto'\" >&2; exit 3")


def _starts(client, since: float, name: str) -> int:
    evs = client.api.events(since=int(since), until=int(time.time()) + 1, decode=True,
                            filters={"type": "container", "event": "start", "container": name})
    return sum(1 for _ in evs)


def test_unfixable_crash_loop_opens_the_breaker_then_only_alerts(tmp_path: Path, podman_engine: PodmanEngine,
                                                                 compose_project: str,
                                                                 webhook: WebhookReceiver) -> None:
    cfg = make_config(tmp_path, podman_engine, compose_project, hook=webhook,
                      actions={"mode": "suggest", "policy": {"restart": "auto"},
                               "limits": {"settle_s": 2, "breaker_failures": 3, "max_per_hour": 20,
                                          "restart_timeout_s": 1}})
    c = podman_engine.docker_client()
    name = f"{compose_project}-scanner"
    ct = c.containers.run(BUSYBOX_IMAGE, ["sh", "-c", CRASH], detach=True, name=name,
                          labels=labels(compose_project, "scene_scanner"))
    for _ in range(3):  # an operator tried a few times already: the crash loop is there before the monitor
        ct.wait(timeout=30)
        ct.start()
    ct.wait(timeout=30)
    time.sleep(1.5)  # event times are whole seconds: keep the operator's starts out of the count below
    t0 = time.time()
    with daemon(cfg, RESTART_CRASH_LOOP_KB, tmp_path) as svc:
        opened = wait(lambda: next((r for r in journal.select(svc.store, type="restart", status=("refused",))
                                    if r["reason"].startswith("breaker open")), None), 90)
        assert opened, ([(r["type"], r["target"], r["status"], r["reason"]) for r in journal.select(svc.store)],
                        [(i["category"], i["component"], i["root_cause"]) for i in svc.store.incidents()],
                        window_summary(svc))
        assert "breaker open: restarts stopped" in opened["reason"]
        time.sleep(8)  # many more passes: nothing restarts it any more
        ran = [r for r in journal.select(svc.store, type="restart") if r["started"]]
    assert [r["status"] for r in ran] == ["ineffective"] * 3
    assert _starts(c, t0, name) == 3  # the engine saw exactly the three restarts
    refused = [r for r in journal.select(_store(cfg), type="restart") if r["status"] == "refused"]
    assert len(refused) == 1  # one refusal recorded, not one per pass
    got = webhook.wait_for(1, 15, lambda r: "breaker open: restarts stopped" in r.body["message"])
    assert got and "crash_loop: scene_scanner" in got[0].body["title"]
    assert len([r for r in webhook.received if "breaker open" in r.body["message"]]) == 1


def _store(cfg):
    from vvai.monitor.history import IncidentStore

    return IncidentStore(cfg.store.path)
