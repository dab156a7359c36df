"""LIVE on Podman: a poison video makes a real scanner-like container crash at every start; the
monitor diagnoses it, the executor quarantines it by itself (policy auto), and the container
recovers and scans the other files. The alert says what was done."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.actions.live import daemon, make_config, run_scanner, wait
from vvai.actions import journal
from vvai.testing.podman import PodmanEngine
from vvai.testing.webhook import WebhookReceiver

pytestmark = [pytest.mark.podman, pytest.mark.slow]


def test_poison_video_is_quarantined_and_the_scanner_recovers(tmp_path: Path, podman_engine: PodmanEngine,
                                                              compose_project: str, webhook: WebhookReceiver) -> None:
    cfg = make_config(tmp_path, podman_engine, compose_project, hook=webhook,
                      actions={"mode": "suggest", "policy": {"quarantine": "auto"},
                               "limits": {"settle_s": 3, "min_failures": 3}})
    root = Path(cfg.pipeline.root)
    (root / "input" / "cam1_0001.mp4").write_bytes(b"POISON" + b"\0" * 1000)
    for i in (2, 3):
        (root / "input" / f"cam1_000{i}.mp4").write_bytes(b"frames" * 100)
    c = podman_engine.docker_client()
    with daemon(cfg) as svc:
        ct = run_scanner(c, compose_project, root)
        assert wait(lambda: (root / "corrupted" / "cam1_0001.mp4").exists(), 60), \
            [r.data for r in svc.window.snapshot() if r.kind == "log"][-10:]
        row = wait(lambda: next((r for r in journal.select(svc.store, type="quarantine")
                                 if r["status"] in ("effective", "ineffective", "failed")), None), 30)
        assert row["status"] == "effective", row
        ct.reload()
        assert ct.attrs["State"]["Status"] == "running"
        assert wait(lambda: sorted(p.name for p in (root / "processed").iterdir()) == ["cam1_0002.mp4",
                                                                                        "cam1_0003.mp4"], 20)
        reason = json.loads((root / "corrupted" / "cam1_0001.mp4.reason.json").read_text())
        assert reason["incident_id"] == row["incident_id"] and reason["failures"] >= 3
        assert any("cam1_0001.mp4" in e["text"] for e in reason["evidence"])
        # the alert says what was done (the outcome, when the incident is still diagnosed after its settle time)
        got = webhook.wait_for(1, 20, lambda r: "quarantine cam1_0001.mp4: executed" in r.body["message"]
                               or "quarantine cam1_0001.mp4: effective" in r.body["message"])
        assert got, "\n---\n".join(r.body["title"] + "\n" + r.body["message"] for r in webhook.received)
        # and its outcome reaches the channel too, also when it arrives after the incident left the diagnosis
        effective = webhook.wait_for(1, 30, lambda r: "quarantine cam1_0001.mp4: effective" in r.body["message"])
        assert effective, "\n---\n".join(r.body["title"] + "\n" + r.body["message"] for r in webhook.received)
    assert len(journal.select(svc.store if False else _store(cfg), type="quarantine")) == 1


def _store(cfg):
    from vvai.monitor.history import IncidentStore

    return IncidentStore(cfg.store.path)
