"""Secrets in an incident's evidence and cause never reach the alert channel (a real local webhook)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.common.secret_corpus import SHAPES
from vvai.monitor.alerts import Alerter
from vvai.monitor.history import IncidentStore
from vvai.monitor.incident import Action, Evidence, Incident
from vvai.testing.webhook import WebhookReceiver

AWS_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
BEARER = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ2diJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"


def test_aws_key_and_bearer_token_in_evidence_never_reach_the_webhook(tmp_path: Path,
                                                                      webhook: WebhookReceiver) -> None:
    line = (f"2026-11-20T10:00:00Z ERROR upload failed: credentials {AWS_ID}:{AWS_SECRET} "
            f"header Authorization: Bearer {BEARER}")
    inc = Incident(category="exporter_failure", component="log_exporter", severity="error", confidence=0.9,
                   root_cause=f"S3 refused {AWS_ID}", evidence=[Evidence(source="logs/log_exporter.log",
                                                                         ts="2026-11-20T10:00:00Z", text=line)],
                   actions=[Action(type="alert")])
    store = IncidentStore(tmp_path / "m.db")
    al = Alerter(store, [webhook.apprise_url("vvai")], host="edge-07")
    assert al.on_change(inc, store.upsert(inc, 1000.0), 1000.0) == "sent"
    got = webhook.wait_for(1, 10)
    raw = got[0].raw.decode()
    for secret in (AWS_ID, AWS_SECRET, BEARER):
        assert secret not in raw
    assert "[REDACTED:aws_access_key_id]" in raw and "upload failed" in raw  # the rest stays readable
    # the local history keeps the verbatim evidence (checkable on the box)
    row = store.incidents()[0]
    assert AWS_SECRET in row["spec"]
    # what the alerts table records as sent is what was sent
    assert all(AWS_SECRET not in (a["body"] or "") for a in store.alerts_since(0))
    store.close()


def test_no_corpus_secret_reaches_the_webhook(tmp_path: Path, webhook: WebhookReceiver) -> None:
    evidence = [Evidence(source="logs/app.log", ts="2026-11-20T10:00:00Z", text=s.line) for s in SHAPES]
    store = IncidentStore(tmp_path / "m.db")
    al = Alerter(store, [webhook.apprise_url("vvai")], host="edge-07")
    sent = 0
    for i in range(0, len(evidence), 6):  # an alert shows 6 evidence lines: one incident per 6 shapes
        inc = Incident(category="crash_loop", component=f"c{i}", severity="error", confidence=0.8,
                       root_cause=SHAPES[i].line, evidence=evidence[i:i + 6], actions=[Action(type="alert")])
        assert al.on_change(inc, store.upsert(inc, 1000.0 + i), 1000.0 + i) == "sent"
        sent += 1
    got = webhook.wait_for(sent, 20)
    blob = "\n".join(json.dumps(r.body) + r.raw.decode() for r in got)
    leaked = [s.name for s in SHAPES if s.secret in blob or json.dumps(s.secret)[1:-1] in blob]
    assert leaked == []
    store.close()


def test_configured_redaction_reaches_the_alerter_of_the_daemon(tmp_path: Path, webhook: WebhookReceiver) -> None:
    """``[redaction]`` in vvai.toml (IPs, extra patterns) is what the daemon's alerts go through."""
    from vvai.monitor.config import parse_config
    from vvai.monitor.service.daemon import MonitorService

    cfg = parse_config({"pipeline": {"root": str(tmp_path)}, "engine": {"enabled": False},
                        "store": {"path": str(tmp_path / "m.db")}, "metrics": {"enabled": False},
                        "alerts": {"urls": [webhook.apprise_url("vvai")]},
                        "redaction": {"ips": True, "extra_patterns": [r"site-[0-9]{4}"]}})
    svc = MonitorService(cfg, sources=[])
    inc = Incident(category="export_failure", component="log_exporter", severity="error", confidence=0.9,
                   root_cause="cannot reach 10.20.0.15 for site-0042", actions=[Action(type="alert")])
    assert svc.alerter.on_change(inc, svc.store.upsert(inc, 1000.0), 1000.0) == "sent"
    raw = webhook.wait_for(1, 10)[0].raw.decode()
    assert "10.20.0.15" not in raw and "site-0042" not in raw and "cannot reach" in raw
    svc.store.close()
