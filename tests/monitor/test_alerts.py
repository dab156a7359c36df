"""Alerts through apprise to a real local webhook: one per incident, updates, resolve, storms."""

from __future__ import annotations

from pathlib import Path

from vvai.monitor.alerts import Alerter, redact
from vvai.monitor.history import IncidentStore
from vvai.monitor.incident import Action, Evidence, Incident
from vvai.testing.webhook import WebhookReceiver


def incident(comp: str = "scene_summarizer", sev: str = "error", cause: str = "exits with ValueError",
             cat: str = "crash_loop") -> Incident:
    return Incident(category=cat, component=comp, severity=sev, confidence=0.8, root_cause=cause,
                    evidence=[Evidence(source=f"logs/{comp}.log", ts="2026-11-20T10:00:00Z",
                                       text="ValueError: invalid literal for int()")],
                    actions=[Action(type="alert"), Action(type="restart", target=comp)])


def _pass(store: IncidentStore, alerter: Alerter, incs: list[Incident], now: float, resolve_after: float = 0):
    decisions = []
    for inc in incs:
        decisions.append(alerter.on_change(inc, store.upsert(inc, now), now))
    for row in store.resolve_missing({i.key for i in incs}, now, resolve_after):
        decisions.append(alerter.on_resolved(row, now))
    decisions += alerter.flush(now)
    return [d for d in decisions if d]


def test_one_alert_per_incident_then_update_and_resolve(tmp_path: Path, webhook: WebhookReceiver) -> None:
    store = IncidentStore(tmp_path / "m.db")
    al = Alerter(store, [webhook.apprise_url("vvai")], host="edge-07", cooldown_s=600)
    for t in range(10):  # the same incident seen by ten passes
        _pass(store, al, [incident()], now=1000 + t)
    got = webhook.wait_for(1, 5)
    assert len(got) == 1 and got[0].path == "/vvai"
    body = got[0].body
    assert body["title"] == "[vvai ERROR] crash_loop: scene_summarizer on edge-07"
    assert "Probable cause: exits with ValueError" in body["message"]
    assert "ValueError: invalid literal for int()" in body["message"]  # the evidence
    assert "Recommended: alert; restart scene_summarizer" in body["message"]
    assert body["type"] == "failure"
    # escalation is sent at once, even inside the cooldown
    _pass(store, al, [incident(sev="critical")], now=1020)
    esc = webhook.wait_for(2, 5)[1].body
    assert esc["title"].startswith("[vvai CRITICAL] ESCALATED crash_loop")
    assert "Severity: error -> critical" in esc["message"]
    # a changed cause inside the cooldown is held back, after it is sent
    assert _pass(store, al, [incident(sev="critical", cause="exits with KeyError")], now=1030) == [
        "suppressed: cooldown"]
    _pass(store, al, [incident(sev="critical", cause="exits with OSError")], now=1700)
    assert webhook.wait_for(3, 5)[2].body["title"].startswith("[vvai CRITICAL] UPDATE crash_loop")
    # gone 100 s after the last message: the resolve is held for the cooldown, then delivered once
    assert _pass(store, al, [], now=1800) == ["suppressed: cooldown"]
    assert _pass(store, al, [], now=1900) == []
    assert _pass(store, al, [], now=2300) == ["sent"]
    res = webhook.wait_for(4, 5)[3].body
    assert res["title"].startswith("[vvai CRITICAL] RESOLVED") and res["type"] == "success"
    assert _pass(store, al, [], now=5000) == []
    assert len(webhook.received) == 4
    statuses = [a["status"] for a in store.alerts_since(0)]
    assert statuses == ["sent", "sent", "suppressed", "sent", "suppressed", "sent"]
    store.close()


def test_crash_loop_flapping_never_becomes_a_storm(tmp_path: Path, webhook: WebhookReceiver) -> None:
    """A crash loop flaps present/absent on every pass for an hour; plus 40 distinct incidents."""
    store = IncidentStore(tmp_path / "m.db")
    al = Alerter(store, [webhook.apprise_url()], host="h", rate_limit_per_hour=10, cooldown_s=900)
    now = 10_000.0
    for i in range(120):  # every 30 s for an hour: present, absent, present...
        _pass(store, al, [incident()] if i % 2 == 0 else [], now=now + 30 * i)
    for i in range(40):
        _pass(store, al, [incident(comp=f"worker{i}")], now=now + 3600 + i)
    webhook.wait_for(10, 5)
    sent = store.alerts_since(0, "sent")
    assert len(webhook.received) == len(sent)
    per_hour_max = max(sum(1 for a in sent if t <= a["ts"] < t + 3600) for t in (a["ts"] for a in sent))
    assert per_hour_max <= 10
    flap = [a for a in sent if a["ts"] < now + 3600]
    # the flapping incident: its first alert, then at most one message per cooldown
    assert flap[0]["kind"] == "new" and 1 <= len(flap) <= 3600 // 900 + 1
    suppressed = store.alerts_since(0, "suppressed")
    assert any(a["reason"] == "rate limit 10/h" for a in suppressed)
    assert any(a["reason"] == "cooldown" for a in suppressed)
    store.close()


def test_delivery_failure_is_recorded_not_raised(tmp_path: Path, webhook: WebhookReceiver) -> None:
    store = IncidentStore(tmp_path / "m.db")
    webhook.status = 500
    al = Alerter(store, [webhook.apprise_url(), "json://127.0.0.1:1/closed", "notaservice://x"], host="h")
    assert _pass(store, al, [incident()], now=1) == ["failed"]
    rows = store.alerts_since(0)
    assert [r["status"] for r in rows] == ["failed", "failed", "failed"]
    assert rows[2]["reason"] == "apprise does not understand this URL"
    assert al.counters["failed"] == 3
    webhook.status = 200
    assert _pass(store, al, [incident(sev="critical")], now=2) == ["failed"]  # the two bad ones still fail
    assert len(webhook.wait_for(1, 5)) == 1
    store.close()


def test_below_min_severity_and_no_channel(tmp_path: Path) -> None:
    store = IncidentStore(tmp_path / "m.db")
    al = Alerter(store, [], host="h", min_severity="error")
    assert _pass(store, al, [incident(sev="warning")], now=1) == []
    assert _pass(store, al, [incident(comp="x", sev="error")], now=2) == ["suppressed: no alert channel configured"]
    store.close()


def test_redact_keeps_no_secret() -> None:
    assert redact("slack://T000/B000/XXXXsecret") == "slack://t000"
    assert redact("json://user:pass@hooks.example:8443/p?token=abc") == "json://hooks.example:8443"
