"""LIVE on Podman, the approval flow end to end: the alert names the command; the operator runs
``vvai monitor approve ID`` (another process, same SQLite history); the daemon runs it on its next
pass: executed, then effective. And an approval nobody gives expires: nothing runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.actions.live import RESTART_CRASH_LOOP_KB, daemon, labels, make_config, run_scanner, wait, window_summary
from vvai.actions import journal
from vvai.testing.podman import BUSYBOX_IMAGE, PodmanEngine
from vvai.testing.webhook import WebhookReceiver

pytestmark = [pytest.mark.podman, pytest.mark.slow]


def _cli(store_path: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    toml = tmp_path / "cli.toml"
    toml.write_text(f'[store]\npath = "{store_path}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("VVAI_")}
    return subprocess.run([sys.executable, "-m", "vvai", "monitor", *args, "--config", str(toml)],
                          capture_output=True, text=True, env=env, timeout=60)


def test_pending_approved_executed_effective(tmp_path: Path, podman_engine: PodmanEngine, compose_project: str,
                                             webhook: WebhookReceiver) -> None:
    cfg = make_config(tmp_path, podman_engine, compose_project, hook=webhook,
                      actions={"mode": "suggest", "policy": {"quarantine": "approval"},
                               "limits": {"settle_s": 3, "approval_ttl_s": 600}})
    root = Path(cfg.pipeline.root)
    (root / "input" / "cam2_0001.mp4").write_bytes(b"POISON")
    (root / "input" / "cam2_0002.mp4").write_bytes(b"fine")
    c = podman_engine.docker_client()
    with daemon(cfg) as svc:
        ct = run_scanner(c, compose_project, root)
        got = webhook.wait_for(1, 90, lambda r: "waiting for approval: vvai monitor approve" in r.body["message"])
        assert got, [r.body["message"][-300:] for r in webhook.received]
        aid = int(re.search(r"vvai monitor approve (\d+)", got[0].body["message"]).group(1))
        assert "quarantine cam2_0001.mp4: pending" in got[0].body["message"]
        time.sleep(2)
        assert (root / "input" / "cam2_0001.mp4").exists()  # nothing runs without the operator
        listed = _cli(cfg.store.path, tmp_path, "actions")
        assert listed.returncode == 0 and "cam2_0001.mp4" in listed.stdout
        p = _cli(cfg.store.path, tmp_path, "approve", str(aid), "--who", "alice")
        assert p.returncode == 0, p.stderr
        row = wait(lambda: (lambda r: r if r["status"] in ("effective", "ineffective", "failed", "refused")
                            else None)(journal.get(svc.store, aid)), 40)
        assert row["status"] == "effective", row
        assert [e["status"] for e in journal.events(svc.store, aid)][-4:] == ["approved", "running", "executed",
                                                                             "effective"]
        assert (root / "corrupted" / "cam2_0001.mp4").exists()
        assert wait(lambda: (root / "processed" / "cam2_0002.mp4").exists(), 20)
        ct.reload()
        assert ct.attrs["State"]["Status"] == "running"
        assert webhook.wait_for(1, 20, lambda r: "quarantine cam2_0001.mp4: effective" in r.body["message"])
    assert _cli(cfg.store.path, tmp_path, "approve", str(aid)).returncode == 6  # not pending any more


def test_an_approval_nobody_gives_expires(tmp_path: Path, podman_engine: PodmanEngine, compose_project: str,
                                          webhook: WebhookReceiver) -> None:
    cfg = make_config(tmp_path, podman_engine, compose_project, hook=webhook,
                      actions={"mode": "suggest", "policy": {"restart": "approval"},
                               "limits": {"settle_s": 1, "approval_ttl_s": 3}})
    c = podman_engine.docker_client()
    crash = "echo 'Traceback (most recent call last):' >&2; echo 'ValueError: invalid literal for int()' >&2; exit 1"
    ct = c.containers.run(BUSYBOX_IMAGE, ["sh", "-c", crash], detach=True, name=f"{compose_project}-scanner",
                          labels=labels(compose_project, "scene_scanner"),
                          restart_policy={"Name": "on-failure", "MaximumRetryCount": 4})
    assert wait(lambda: (ct.reload(), ct.attrs["State"]["Status"] == "exited"
                         and ct.attrs.get("RestartCount", 0) >= 4)[1], 60)
    started = ct.attrs["State"]["StartedAt"]
    with daemon(cfg, RESTART_CRASH_LOOP_KB, tmp_path) as svc:
        row = wait(lambda: next(iter(journal.select(svc.store, type="restart", status=("expired",))), None), 60)
        assert row, ([(r["status"], r["reason"]) for r in journal.select(svc.store)],
                     [(i["category"], i["component"]) for i in svc.store.incidents()], window_summary(svc))
        aid = row["id"]
        assert webhook.wait_for(1, 20, lambda r: "restart scene_scanner: expired" in r.body["message"])
    p = _cli(cfg.store.path, tmp_path, "approve", str(aid))
    assert p.returncode == 6 and "expired" in p.stderr
    ct.reload()
    assert ct.attrs["State"]["StartedAt"] == started  # never restarted
