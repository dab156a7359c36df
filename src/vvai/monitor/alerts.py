"""Alerts through apprise: one message per incident, an update when it changes, one when it resolves.

Each message says what happened, the probable cause, the evidence (verbatim lines), and the
recommended actions. Storm control, because a crash loop re-detects the same incident on every
pass and may flap open/resolved:

- one incident = one alert; later passes only update it when it escalates, or when its cause
  changed and ``cooldown_s`` has passed since its last alert; a re-open within the cooldown is
  silent;
- a global ``rate_limit_per_hour`` over everything sent; what is held back is recorded as
  ``suppressed`` with the reason;
- delivery failures are recorded (``failed``) and never raised: the daemon goes on.

Every decision lands in the store's ``alerts`` table, so "why did nobody get paged" has an answer.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from vvai.common.redact import Redactor
from vvai.common.severity import SEVERITIES, Severity, severity_rank
from vvai.monitor.history import Change, IncidentStore
from vvai.monitor.incident import MAX_EVIDENCE

log = logging.getLogger(__name__)
OUTBOX_ATTEMPTS = 5  # a delivery that failed this often is given up (recorded as failed each time)


def redact(url: str) -> str:
    """``scheme://host[:port]`` only: apprise URLs carry tokens that must not land in the store."""
    try:
        u = urlsplit(url)
        host = u.hostname or ""
        return f"{u.scheme}://{host}{f':{u.port}' if u.port else ''}"
    except ValueError:
        return url.split("://", 1)[0] + "://"


_REDACTOR = Redactor()


def render(spec: dict, kind: str, host: str, previous: dict | None = None,
           redactor: Redactor = _REDACTOR) -> tuple[str, str]:
    """Title and body of one alert from an incident's spec dict, secrets redacted (the alert leaves
    the box; the incident history keeps the verbatim evidence)."""
    sev = spec.get("severity", "?")
    where = spec["component"] + (f" ({spec['file']})" if spec.get("file") else "")
    prefix = {"new": "", "reopened": "REOPENED ", "escalated": "ESCALATED ", "changed": "UPDATE ",
              "resolved": "RESOLVED ", "action": "ACTION "}.get(kind, "")
    title = f"[vvai {sev.upper()}] {prefix}{spec['category']}: {where} on {host}"
    lines = [f"What happened: {spec['category']} in {where} on {host}.",
             f"Probable cause: {spec.get('root_cause', '')}"]
    if kind == "resolved":
        lines = [f"Resolved: {spec['category']} in {where} on {host} is no longer detected.",
                 f"It was: {spec.get('root_cause', '')}"]
    elif kind == "escalated" and previous:
        lines.append(f"Severity: {previous.get('severity')} -> {sev}")
    ev = spec.get("evidence") or []
    if ev and kind != "resolved":
        lines.append("Evidence:")
        for e in ev[:MAX_EVIDENCE]:
            text = redactor.redact(str(e.get("text", "")))[:300]  # redact before cutting: no half secret
            lines.append(f"  {e.get('source', '')} {e.get('ts') or ''} | {text}")
        if len(ev) > MAX_EVIDENCE:
            lines.append(f"  ... and {len(ev) - MAX_EVIDENCE} more")
    acts = [a["type"] + (f" {a['target']}" if a.get("target") else "") for a in spec.get("actions") or []]
    remediation = spec.get("remediation") or []
    if remediation and kind != "resolved":
        lines.append("Actions:")
        for r in remediation:
            what = r.get("type", "?") + (f" {r['target']}" if r.get("target") else "")
            lines.append(f"  {what}: {r.get('status') or r.get('decision', '')} ({r.get('reason', '')})")
    elif acts and kind != "resolved":
        lines.append("Recommended: " + "; ".join(acts) + " (no action was taken automatically)")
    return redactor.redact(title), redactor.redact("\n".join(lines))


class Alerter:
    """Decides, sends, and records. ``urls`` are apprise URLs (json://, form://, slack://, ...)."""

    def __init__(self, store: IncidentStore, urls: list[str], *, host: str, rate_limit_per_hour: int = 30,
                 redactor: Redactor | None = None,
                 cooldown_s: float = 900.0, min_severity: str = "warning", timeout_s: float = 10.0):
        self.store = store
        self.urls = list(urls)
        self.host = host
        self.redactor = redactor or _REDACTOR  # alerts leave the box: always redacted
        self.rate_limit_per_hour = rate_limit_per_hour
        self.cooldown_s = cooldown_s
        self.min_rank = severity_rank(min_severity) if min_severity in SEVERITIES else Severity.warning.rank
        self.timeout_s = timeout_s
        self._clients: dict[str, Any] = {}
        self.counters = {"sent": 0, "failed": 0, "suppressed": 0}

    def warm_up(self) -> None:
        """Import apprise and parse the URLs now, so the first alert is not slowed by it."""
        for url in self.urls:
            self._client(url)

    def _client(self, url: str) -> Any:
        if url not in self._clients:
            import apprise

            ap = apprise.Apprise()
            if "cto=" not in url and "rto=" not in url:  # bound each delivery: a dead hook must not stall a pass
                url_t = f"{url}{'&' if '?' in url else '?'}cto={self.timeout_s:g}&rto={self.timeout_s:g}"
            else:
                url_t = url
            if not ap.add(url_t):
                self._clients[url] = None
                log.warning("apprise does not understand the alert URL %s", redact(url))
            else:
                self._clients[url] = ap
        return self._clients[url]

    # -- decisions ------------------------------------------------------------------------------
    def _rate_limited(self, now: float) -> bool:
        channel = redact(self.urls[0]) if self.urls else "none"
        recent = [a for a in self.store.alerts_since(now - 3600) if a["status"] in ("sent", "failed")
                  and a["channel"] == channel]
        return len(recent) >= self.rate_limit_per_hour

    def on_change(self, incident: Any, change: Change, now: float | None = None,
                  remediation: list[dict] | None = None) -> str:
        """Alert (or not) for an upserted incident; returns the decision ("sent", "suppressed: ...", "").
        ``remediation`` is what the executor decided this pass; news there (an action ran, waits for
        approval, a breaker opened) is worth an update even when the diagnosis did not change.
        The change's outbox entry is cleared once decided; a failed delivery keeps it for a retry."""
        decision = self._on_change(incident, change, now, remediation)
        if change.kind != "unchanged" or decision:  # an unchanged incident has nothing in the outbox
            self._settle(change.incident_id, decision)
        return decision

    def on_action(self, incident_id: int, spec: dict, severity: str, remediation: list[dict],
                  now: float | None = None) -> str:
        """The executor's late news about an incident no longer diagnosed (an outcome after it left)."""
        if severity_rank(severity) < self.min_rank:
            return ""
        return self._send(incident_id, "action", {**spec, "remediation": remediation},
                          time.time() if now is None else now, None)

    def _settle(self, incident_id: int, decision: str) -> None:
        if decision == "failed":
            self.store.outbox_retry(incident_id, OUTBOX_ATTEMPTS)
        else:
            self.store.outbox_done(incident_id)

    def drain(self, now: float | None = None) -> list[str]:
        """Decide the alerts a previous pass owed but never decided (it was killed between storing
        the change and alerting, or the delivery failed): at-least-once delivery."""
        now = time.time() if now is None else now
        out: list[str] = []
        pending: dict[int, dict] = {}
        for row in self.store.outbox():
            pending[int(row["incident_id"])] = row  # the latest change per incident wins
        for iid, row in pending.items():
            inc = self.store.incident(iid)
            if inc is None:
                self.store.outbox_done(iid)
                continue
            spec = json.loads(inc["spec"])
            if severity_rank(inc["severity"]) < self.min_rank:
                decision = ""
            else:
                kind = row["kind"]
                last = self.store.last_alert(iid)
                if last is not None and last["ts"] >= row["created"] and last["kind"] == kind:
                    decision = ""  # it was decided after all (killed after recording, before clearing)
                elif kind == "resolved" and (last is None or last["kind"] == "resolved"):
                    decision = ""  # never announced: nothing to take back
                else:
                    previous = json.loads(row["previous"]) if row.get("previous") else None
                    decision = self._send(iid, kind, spec, now, previous)
            self._settle(iid, decision)
            if decision:
                out.append(decision)
        return out

    def _on_change(self, incident: Any, change: Change, now: float | None,
                   remediation: list[dict] | None) -> str:
        now = time.time() if now is None else now
        if severity_rank(incident.severity) < self.min_rank:
            return ""
        kind = change.kind
        news = any(r.get("news") for r in remediation or [])
        if kind == "unchanged":
            if not news:
                return ""
            kind = "action"
        spec = incident.to_spec()
        if remediation:
            spec["remediation"] = remediation
        last = self.store.last_alert(change.incident_id)
        recent = last is not None and now - last["ts"] < self.cooldown_s
        if kind in ("changed", "reopened") and recent and not news:
            return self._suppress(change.incident_id, kind, "cooldown", spec, now)
        return self._send(change.incident_id, kind, spec, now, change.previous)

    def on_resolved(self, row: dict, now: float | None = None) -> str:
        """Tell the channels an incident they heard about is gone (not within the cooldown of the
        last message: a flapping crash loop would otherwise alternate resolved/reopened)."""
        decision = self._on_resolved(row, now)
        self._settle(int(row["id"]), decision)
        return decision

    def _on_resolved(self, row: dict, now: float | None) -> str:
        now = time.time() if now is None else now
        last = self.store.last_alert(int(row["id"]))
        if last is None or last["kind"] == "resolved":
            return ""  # never announced, or already taken back: nothing to say
        spec = json.loads(row["spec"])
        if now - last["ts"] < self.cooldown_s:
            return self._suppress(int(row["id"]), "resolved", "cooldown", spec, now)
        return self._send(int(row["id"]), "resolved", spec, now, None)

    def flush(self, now: float | None = None) -> list[str]:
        """Deliver what the cooldown or the rate limit held back, once they allow it, so the
        channels end up agreeing with the store: a held-back resolve (or re-open) goes out when
        the incident is still resolved (open) one cooldown later; a new incident held back by the
        rate limit goes out when the hour frees up."""
        now = time.time() if now is None else now
        out: list[str] = []
        for row in self.store.incidents():
            if severity_rank(row["severity"]) < self.min_rank or now - row["last_seen"] > 86400:
                continue
            iid = int(row["id"])
            last = self.store.last_alert(iid)
            if last is None:
                continue
            said_open = last["kind"] != "resolved"
            is_open = row["status"] == "open"
            if said_open == is_open or now - last["ts"] < self.cooldown_s:
                continue
            if self._rate_limited(now):
                break
            out.append(self._send(iid, "reopened" if is_open else "resolved", json.loads(row["spec"]), now, None))
        for row in self.store.incidents("open"):  # never announced because of the rate limit
            if severity_rank(row["severity"]) < self.min_rank or self.store.last_alert(int(row["id"])) is not None:
                continue
            held = self.store.last_alert(int(row["id"]), status="suppressed")
            if held is None or not held["reason"].startswith("rate limit") or self._rate_limited(now):
                continue
            out.append(self._send(int(row["id"]), "new", json.loads(row["spec"]), now, None))
        return out

    # -- delivery -------------------------------------------------------------------------------
    def _suppress(self, iid: int, kind: str, reason: str, spec: dict, now: float) -> str:
        title, body = render(spec, kind, self.host, redactor=self.redactor)
        self.store.record_alert(iid, kind, redact(self.urls[0]) if self.urls else "none", "suppressed", reason,
                                title, body, ts=now)
        self.counters["suppressed"] += 1
        return f"suppressed: {reason}"

    def _send(self, iid: int, kind: str, spec: dict, now: float, previous: dict | None) -> str:
        if not self.urls:
            return self._suppress(iid, kind, "no alert channel configured", spec, now)
        if self._rate_limited(now):
            return self._suppress(iid, kind, f"rate limit {self.rate_limit_per_hour}/h", spec, now)
        title, body = render(spec, kind, self.host, previous, redactor=self.redactor)
        notify_type = self._notify_type(kind, spec.get("severity", "warning"))
        outcome = "sent"
        for url in self.urls:
            status, reason = "sent", ""
            try:
                ap = self._client(url)
                if ap is None:
                    status, reason = "failed", "apprise does not understand this URL"
                elif not ap.notify(body=body, title=title, notify_type=notify_type):
                    status, reason = "failed", "delivery failed (see the monitor log)"
            except Exception as e:  # noqa: BLE001 - a broken channel must never stop the daemon
                status, reason = "failed", f"{type(e).__name__}: {e}"
            self.store.record_alert(iid, kind, redact(url), status, reason, title, body, ts=now)
            self.counters[status] += 1
            if status == "failed":
                outcome = "failed"
                log.warning("alert to %s failed: %s", redact(url), reason)
        return outcome

    @staticmethod
    def _notify_type(kind: str, severity: str) -> Any:
        import apprise

        if kind == "resolved":
            return apprise.NotifyType.SUCCESS
        if severity in ("critical", "error"):
            return apprise.NotifyType.FAILURE
        return apprise.NotifyType.WARNING if severity == "warning" else apprise.NotifyType.INFO
