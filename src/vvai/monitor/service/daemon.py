"""The monitor loop: sources push records into a window; a pass turns the window into a Bundle,
diagnoses it, records incidents, resolves the vanished ones, and alerts.

Reaction time: a pass runs every ``interval_s``, and also right after any record a source marks
important (a container died, an OOM kill, an ERROR line), after a short settle delay so the
records that belong together (``die`` then the inspect carrying ``OOMKilled``) are diagnosed
together. ``min_pass_gap_s`` bounds the pass rate under an event storm (a crash loop).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from vvai.common.severity import SEVERITIES
from vvai.monitor.alerts import Alerter
from vvai.monitor.assemble import assemble, collect, watched_files
from vvai.monitor.config import Config
from vvai.monitor.diagnose.engine import Diagnoser
from vvai.monitor.history import IncidentStore
from vvai.monitor.samples import SampleHistory, with_history
from vvai.monitor.service.hooks import Advisor, Remediator
from vvai.monitor.service.metrics import MonitorMetrics
from vvai.monitor.service.window import RecordWindow
from vvai.monitor.sources.base import Record, Source
from vvai.monitor.sources.build import build_sources, configured_components
from vvai.monitor.sources.modelstore import model_meta

log = logging.getLogger("vvai.monitor")
SETTLE_S = 0.25


@dataclass
class PassResult:
    at: float
    duration_s: float
    incidents: list[dict] = field(default_factory=list)  # spec dicts + "change"
    resolved: list[str] = field(default_factory=list)
    alerts: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    diagnosed: bool = True  # kept in the JSON for readers of older output; always true
    remediation: list[dict] = field(default_factory=list)  # follow-ups of the executor (Remediator.tick)

    def to_json(self) -> dict:
        return {"at": self.at, "duration_s": round(self.duration_s, 3), "incidents": self.incidents,
                "resolved": self.resolved, "alerts": self.alerts, "problems": self.problems,
                "diagnosed": self.diagnosed, "remediation": self.remediation}


def load_diagnoser(cfg: Config) -> Diagnoser:
    """The diagnosis engine with the config's thresholds."""
    return Diagnoser(settings=cfg.detector_settings())


class MonitorService:
    def __init__(self, cfg: Config, *, store: IncidentStore | None = None, sources: list[Source] | None = None,
                 diagnoser: Any = None, metrics: MonitorMetrics | None = None,
                 advisor: Advisor | None = None, remediator: Remediator | None = None):
        self.cfg = cfg
        self.store = store or IncidentStore(cfg.store.path)
        self.sources = sources if sources is not None else build_sources(cfg)
        self.diagnoser = diagnoser if diagnoser is not None else load_diagnoser(cfg)
        self.metrics = metrics or MonitorMetrics()
        self.advisor = advisor
        self.remediator = remediator
        a = cfg.alerts
        self.alerter = Alerter(self.store, a.urls, host=cfg.monitor.host, rate_limit_per_hour=a.rate_limit_per_hour,
                               cooldown_s=a.cooldown_s, min_severity=a.min_severity, timeout_s=a.timeout_s,
                               redactor=cfg.redaction.redactor())
        self.window = RecordWindow(cfg.monitor.window_s, cfg.monitor.max_records)
        self.samples = SampleHistory(self.store)  # folders, stats, metrics over time, for capture and once
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._last_pass = 0.0
        self.components: list[str] = []
        self.last_result: PassResult | None = None
        self.on_pass: Any = None  # callback(PassResult), for tests and benchmarks

    # -- one pass -------------------------------------------------------------------------------
    def run_pass(self, records: list[Record], *, start: float, end: float, trigger: str = "interval") -> PassResult:
        """Diagnose ``records`` of [start, end]; upsert, resolve, alert. Never raises on bad data."""
        t0 = time.perf_counter()
        now = time.time()
        comps = [r.name for r in records if r.kind == "component"] or self.components
        parts = assemble(records, host=self.cfg.monitor.host, start=start, end=end,
                         pipeline_root=self.cfg.pipeline.root, benchmarks=self.cfg.benchmarks,
                         model=model_meta(self.cfg), components=self.components,
                         watched=watched_files(self.sources, comps))
        for rec in records:
            if rec.kind == "problem":
                self.metrics.problems.labels(source=str(rec.data.get("source", rec.name))[:60]).inc()
        result = PassResult(at=now, duration_s=0.0, problems=list(parts.problems))
        for decision in self.alerter.drain(now):  # alerts a killed or failed earlier pass still owes
            self.metrics.alerts.labels(status=decision.split(":", 1)[0]).inc()
            result.alerts.append({"key": "", "kind": "owed", "decision": decision})
        bundle = parts.bundle()
        incidents = self.diagnoser.diagnose(bundle)
        if self.advisor is not None:
            incidents = self.advisor.advise(bundle, incidents)
        present: set[str] = set()
        for inc in incidents:
            if getattr(inc, "category", "") == "healthy":
                continue
            present.add(inc.key)
            change = self.store.upsert(inc, now)
            remediation: list[dict] = []
            if self.remediator is not None:
                remediation = self.remediator.on_incident(change.incident_id, inc, change.kind, now)
            decision = self.alerter.on_change(inc, change, now, remediation=remediation)
            if change.kind in ("new", "reopened"):
                self.metrics.detected.labels(category=inc.category).inc()
            if decision:
                status = decision.split(":", 1)[0]
                self.metrics.alerts.labels(status=status).inc()
                result.alerts.append({"key": inc.key, "kind": change.kind, "decision": decision})
            result.incidents.append({**inc.to_spec(), "key": inc.key, "change": change.kind,
                                     "remediation": remediation})
        for row in self.store.resolve_missing(present, now, self.cfg.alerts.resolve_after_s):
            result.resolved.append(row["key"])
            decision = self.alerter.on_resolved(row, now)
            if decision:
                self.metrics.alerts.labels(status=decision.split(":", 1)[0]).inc()
                result.alerts.append({"key": row["key"], "kind": "resolved", "decision": decision})
        if self.remediator is not None:
            result.remediation = self.remediator.tick(now)
            self._alert_late_outcomes(result, present, now)
        for decision in self.alerter.flush(now):
            self.metrics.alerts.labels(status=decision.split(":", 1)[0]).inc()
            result.alerts.append({"key": "", "kind": "held-back", "decision": decision})
        sev_counts: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
        for row in self.store.incidents("open"):
            sev_counts[row["severity"]] = sev_counts.get(row["severity"], 0) + 1
        for sev, n in sev_counts.items():
            self.metrics.open.labels(severity=sev).set(n)
        result.duration_s = time.perf_counter() - t0
        self.metrics.passes.labels(trigger=trigger).inc()
        self.metrics.pass_seconds.observe(result.duration_s)
        self.metrics.last_pass.set(time.time())
        self.last_result = result
        if self.on_pass is not None:
            self.on_pass(result)
        return result

    def _alert_late_outcomes(self, result: PassResult, present: set[str], now: float) -> None:
        """An outcome that arrives after its incident left the diagnosis (the quarantined poison file
        no longer crashes anything: "effective") is still news for the channels."""
        report = getattr(self.remediator, "report", None)
        if report is None:
            return
        ids = {r["incident_id"] for r in result.remediation if r.get("news") and r.get("incident_id")}
        for iid in sorted(ids):
            row = self.store.incident(int(iid))
            if row is None or row["key"] in present:
                continue  # a present incident's outcomes went out with its own alert this pass
            remediation = report(int(iid))
            if any(r.get("news") for r in remediation):
                decision = self.alerter.on_action(int(iid), json.loads(row["spec"]), row["severity"], remediation,
                                                  now)
                if decision:
                    self.metrics.alerts.labels(status=decision.split(":", 1)[0]).inc()
                    result.alerts.append({"key": row["key"], "kind": "action", "decision": decision})

    def once(self, window_s: float | None = None) -> PassResult:
        """Read every source over the recent window and run one pass (``vvai monitor once``)."""
        start = time.time() - (window_s or self.cfg.monitor.window_s)
        self.components = configured_components(self.cfg, self.sources)
        end = time.time()
        records, note = with_history(collect(self.sources, start, end), self.samples, start, end,
                                     min_span_s=3 * self.cfg.monitor.interval_s)
        result = self.run_pass(records, start=start, end=time.time(), trigger="once")
        if note:
            result.problems.append(note)
        return result

    # -- the daemon -----------------------------------------------------------------------------
    def _ingest(self, rec: Record) -> None:
        self.window.add(rec)
        self.samples.add(rec)
        self.metrics.records.labels(kind=rec.kind).inc()
        if rec.important:
            self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def run(self, *, serve_metrics: bool = True, ready: threading.Event | None = None) -> None:
        """Warm up from the recent past, follow every source, and pass until ``stop()``."""
        if serve_metrics and self.cfg.metrics.enabled:
            port = self.metrics.serve(self.cfg.metrics.host, self.cfg.metrics.port)
            log.info("metrics on http://%s:%d/metrics", self.cfg.metrics.host, port)
        self.metrics.up.set(1)
        self.alerter.warm_up()
        end = time.time()
        start = end - self.cfg.monitor.window_s
        self.components = configured_components(self.cfg, self.sources)
        for rec in collect(self.sources, start, end):
            self.window.add(rec)
            self.samples.add(rec)
        for s in self.sources:
            try:
                s.follow(self._ingest)
            except Exception as e:  # noqa: BLE001 - the other sources still run
                log.warning("source %s cannot follow: %s", s.name, e)
        try:
            self._pass_from_window("start")
            if ready is not None:
                ready.set()
            while not self._stop.is_set():
                woke = self._wake.wait(max(0.0, self._last_pass + self.cfg.monitor.interval_s - time.time()))
                if self._stop.is_set():
                    break
                trigger = "interval"
                if woke:
                    trigger = "event"
                    self._stop.wait(max(SETTLE_S, self._last_pass + self.cfg.monitor.min_pass_gap_s - time.time()))
                    if self._stop.is_set():
                        break
                self._wake.clear()
                self._pass_from_window(trigger)
        finally:
            for s in self.sources:
                try:
                    s.stop()
                except Exception as e:  # noqa: BLE001
                    log.warning("stopping %s: %s", s.name, e)
            self.metrics.up.set(0)
            self.metrics.stop()

    def _pass_from_window(self, trigger: str) -> None:
        end = time.time()
        self._last_pass = end
        records = self.window.snapshot(end)
        self.metrics.window.set(len(self.window))
        comps = sorted({r.name for r in records if r.kind == "component"})
        if comps:
            self.components = sorted(set(self.components) | set(comps))
        try:
            res = self.run_pass(records, start=end - self.cfg.monitor.window_s, end=end, trigger=trigger)
            self.samples.flush()
        except Exception:  # noqa: BLE001 - a bug in one pass must not end monitoring
            self.metrics.errors.inc()
            log.exception("diagnosis pass failed")
            return
        for inc in res.incidents:
            if inc["change"] != "unchanged":
                log.info("%s %s %s: %s", inc["change"], inc["category"], inc["component"], inc["root_cause"])
