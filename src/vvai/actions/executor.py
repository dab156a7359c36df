"""The action executor: the monitor's ``Remediator`` and the only importer of the effectors.

For every recommended action of a present incident: safety rule -> policy -> breaker (the gate)
-> preconditions re-checked right before running -> intent in the journal -> effect -> outcome;
after the settle time, the post-condition decides ``effective`` or ``ineffective``. Refusals,
suggestions and approvals are journal rows too, reported once to the alert (``news``).

    MonitorService(cfg, store=store, remediator=Executor(cfg, store))
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from vvai.actions import approvals, breakers, journal, sizing
from vvai.actions.build import describe, requests_for
from vvai.actions.checks import EngineView, container_failing, container_stayed_up, disk, folder_bytes, locate_file
from vvai.actions.effectors import EffectorFailed
from vvai.actions.effectors import engine as eng
from vvai.actions.effectors import files as fx
from vvai.actions.effectors import model as mfx
from vvai.actions.gate import gate
from vvai.actions.reload import PolicySource
from vvai.actions.requests import ACTIVE, UNHELPFUL, parse_request
from vvai.actions.safety import Facts
from vvai.actions.where import folder
from vvai.monitor.config import Config, models_root
from vvai.monitor.sources.docker_engine import host_cpus

log = logging.getLogger("vvai.actions")
RETRY_AFTER = ("ineffective", "failed", "refused")  # a new decision may be taken after these
DONE_UNTIL_REOPENED = ("effective", "suggested", "rejected", "expired")


def _name(attrs: dict | None) -> str:
    """The container's name: engine writes go by name, which is what a socket proxy's rules can match."""
    return str((attrs or {}).get("Name") or "").lstrip("/")


class Executor:
    def __init__(self, cfg: Config, store: Any, *, engine: EngineView | None = None, stats_provider: Any = None):
        self.cfg = cfg
        self.store = store
        self.policy = PolicySource(cfg)
        if engine is None and cfg.engine.enabled:
            from vvai.monitor.sources.docker_engine import DockerEngineSource

            engine = EngineView(DockerEngineSource(cfg.engine.socket or None, components=cfg.engine.components,
                                                   compose_project=cfg.engine.compose_project or None))
        self.engine = engine
        self.root = Path(cfg.pipeline.root)
        self.folders = {n: folder(cfg, n) for n in ("input", "processed", "corrupted")}
        self.stats_provider = stats_provider  # component -> list of stats samples (the monitor's window)
        try:
            self.full_fraction = float(cfg.detector_settings().disk_full_fraction)
        except Exception:  # noqa: BLE001 - diagnosis engine absent: the documented default
            self.full_fraction = 0.92
        self._recovered = False

    # == the Remediator protocol ===============================================================
    def on_incident(self, incident_id: int, incident: Any, change_kind: str, now: float) -> list[dict]:
        self._recover(now)
        pol = self.policy.current()
        facts = self._facts(pol)
        for action in incident.actions:
            if action.type == "alert":
                continue
            reqs = requests_for(incident_id, incident, action, facts, self._stats)
            if not reqs:
                self._unknown(incident_id, action, change_kind, now)
            head: int | None = None
            for req, verdict in reqs:
                if req.type == "restart" and getattr(req, "step", 0) > 0:
                    if head is not None:  # a dependent: queued behind the previous restart of the chain
                        head = journal.insert(self.store, incident_id=incident_id, type="restart", target=req.target,
                                              decision="auto", status="queued", request=req.model_dump(), now=now,
                                              reason=f"after the restart of {reqs[req.step - 1][0].target}",
                                              after_id=head)
                    continue
                head = self._decide(req, verdict, pol, incident_id, change_kind, now)
        return self._report(incident_id)

    def tick(self, now: float) -> list[dict]:
        self._recover(now)
        changed: list[int] = [r["id"] for r in approvals.expire_due(self.store, now)]
        for row in journal.select(self.store, status=("approved", "queued")):
            if row["after_id"]:
                before = journal.get(self.store, row["after_id"]) or {}
                if before.get("status") in ACTIVE:
                    continue
                if before.get("status") != "effective":
                    journal.transition(self.store, row["id"], "refused", expect=("approved", "queued"), now=now,
                                       reason=f"not run: {before.get('type')} {before.get('target')} "
                                              f"(#{row['after_id']}) ended {before.get('status')}")
                    changed.append(row["id"])
                    continue
            self._run(row, now)
            changed.append(row["id"])
        for row in journal.select(self.store, status=("executed",)):
            if row.get("verify_at") is not None and row["verify_at"] <= now:
                self._verify(row, now)
                changed.append(row["id"])
        return [self._public(journal.get(self.store, i) or {}, news=True) for i in dict.fromkeys(changed)]

    # == deciding ==============================================================================
    def _facts(self, pol: Any) -> Facts:
        comps = frozenset(self.engine.containers()) if self.engine else frozenset()
        return Facts(components=comps, depends_on=self.engine.depends_on() if self.engine else {},
                     min_failures=pol.limits.min_failures)

    def _stats(self, component: str) -> tuple[list[dict], int | None, float | None]:
        samples = list(self.stats_provider(component)) if self.stats_provider else []
        attrs = (self.engine.containers().get(component) if self.engine else None) or {}
        hc = attrs.get("HostConfig") or {}
        return samples, hc.get("Memory") or None, host_cpus(hc)

    def _unknown(self, incident_id: int, action: Any, change_kind: str, now: float) -> None:
        reason = f"safety: unknown action type {action.type!r} (default deny)"
        last = self._latest(incident_id, action.type, action.target or "")
        if last is None or last["reason"] != reason:
            journal.insert(self.store, incident_id=incident_id, type=action.type, target=action.target or "",
                           decision="refused", status="refused", reason=reason, now=now,
                           request={"type": action.type, "target": action.target})

    def _latest(self, incident_id: int | None, type_: str, target: str) -> dict | None:
        rows = journal.select(self.store, incident_id=incident_id, type=type_, target=target)
        return rows[-1] if rows else None

    def _decide(self, req: Any, verdict: Any, pol: Any, incident_id: int, change_kind: str, now: float) -> int | None:
        """Record (and maybe run) one decision; returns the row id when a new live row was made."""
        last = self._latest(incident_id, req.type, req.target)
        reopened = change_kind in ("new", "reopened")
        if last is not None:
            if last["status"] in ACTIVE:
                return None
            if last["status"] in DONE_UNTIL_REOPENED and not reopened:
                return None
            if (last.get("result") or {}).get("interrupted") and not reopened:
                return None  # an operator decides whether an interrupted action is tried again
        brk = breakers.state(self.store, req.type, req.target, pol.limits, now) if verdict.ok else None
        decision, reason = gate(pol, req.type, verdict, brk)
        if decision == "suggest":
            text = describe(req)
            reason = f"{reason}: {text}" if text else reason
        if last is not None and last["status"] == "refused" and last["reason"] == reason and not reopened:
            return None
        status = {"auto": "queued", "approval": "pending", "suggest": "suggested", "refused": "refused"}[decision]
        extra: dict[str, Any] = {}
        if decision == "approval":
            extra["expires"] = now + pol.limits.approval_ttl_s
        aid = journal.insert(self.store, incident_id=incident_id, type=req.type, target=req.target, decision=decision,
                             status=status, reason=reason, request=req.model_dump(), now=now, **extra)
        if decision == "approval":
            journal.transition(self.store, aid, "pending", now=now,
                               reason=f"waiting for approval: vvai monitor approve {aid} ({reason})")
        elif decision == "auto":
            self._run(journal.get(self.store, aid) or {}, now)
        return aid if decision in ("auto", "approval") else None

    # == running ===============================================================================
    def _container(self, name: str) -> dict | None:
        return self.engine.containers(fresh=True).get(name) if self.engine else None

    def _precondition(self, req: Any, now: float) -> tuple[bool, str, dict]:
        if req.type == "restart":
            if self.engine is None:
                return False, "no container engine configured", {}
            attrs = self._container(req.target)
            v = container_failing(attrs, req.category, now)
            if not v.ok and self.engine.error:
                return False, self.engine.error, {}
            return v.ok, (f"{req.target}: {v.reason}"), {"id": (attrs or {}).get("Id"), "name": _name(attrs)}
        if req.type == "quarantine":
            v, where_ = locate_file(self.root, self.folders, req.target)
            if v.ok and req.failures < self.policy.current().limits.min_failures:
                return False, f"named by {req.failures} failure(s) only", {}
            return v.ok, v.reason, {"folder": where_}
        if req.type == "cleanup":
            d = disk(self.root)
            need = sizing.bytes_to_free(d["total_bytes"], d["free_bytes"], self.full_fraction)
            if need <= 0:
                return False, "the disk is no longer nearly full", {}
            have = folder_bytes(self.root / req.target)
            return True, f"{need} bytes to free, {req.target}/ holds {have}", {
                "need": need, "budget": sizing.cleanup_budget(have, need), **d}
        if req.type == "suggest_limits":
            if self.engine is None or not (req.mem_limit_bytes or req.cpus):
                return False, "no engine or no limit proposed", {}
            attrs = self._container(req.target)
            return attrs is not None, f"{req.target} {'exists' if attrs else 'has no container'}", {
                "id": (attrs or {}).get("Id"), "name": _name(attrs)}
        if req.type == "rollback_model":
            return True, "model store", {}
        return False, f"{req.type} is never executed (a suggestion)", {}

    def _effect(self, req: Any, row: dict, pre: dict) -> dict:
        lim = self.policy.current().limits
        if req.type == "restart":
            eng.restart(self.engine.client, pre["name"] or pre["id"], lim.restart_timeout_s)  # type: ignore[union-attr]
            return {"container": pre["name"] or str(pre["id"])[:12]}
        if req.type == "quarantine":
            reason = {"incident_id": req.incident_id, "action_id": row["id"], "category": req.category,
                      "component": req.component, "failures": req.failures, "evidence": req.evidence,
                      "reason": f"named by {req.failures} failures of {req.component} ({req.category})"}
            return fx.quarantine(self.folders[pre["folder"]], self.folders["corrupted"], req.target, reason)
        if req.type == "cleanup":
            return fx.cleanup(self.root, (req.target,), pre["budget"])
        if req.type == "suggest_limits":
            before = eng.update_limits(self.engine.client, pre["name"] or pre["id"],  # type: ignore[union-attr]
                                       mem_limit_bytes=req.mem_limit_bytes, cpus=req.cpus)
            return {"before": before, "after": {"mem_limit_bytes": req.mem_limit_bytes, "cpus": req.cpus}}
        if req.type == "rollback_model":
            return mfx.rollback(models_root(self.cfg), req.target or None)
        raise EffectorFailed(f"{req.type} has no effector")

    def _run(self, row: dict, now: float) -> None:
        if not row:
            return
        req = parse_request(row["request"])
        ok, why, pre = self._precondition(req, now)
        if not ok:
            journal.transition(self.store, row["id"], "refused", expect=("queued", "approved"), now=now,
                               reason=f"precondition: {why}")
            return
        # the intent, committed before anything changes: a monitor killed from here on finds it 'running'
        if not journal.transition(self.store, row["id"], "running", expect=("queued", "approved"), now=now,
                                  started=now, reason=f"running ({why})", result={"pre": pre}):
            return
        self._finish(row, req, pre)

    def _finish(self, row: dict, req: Any, pre: dict) -> None:
        try:
            detail = self._effect(req, row, pre)
        except EffectorFailed as e:
            journal.transition(self.store, row["id"], "failed", expect=("running",), now=time.time(),
                               finished=time.time(), reason=e.one_line())
            log.warning("action #%s %s %s failed: %s", row["id"], req.type, req.target, e.one_line())
            return
        except Exception as e:  # noqa: BLE001 - a bug in one action must not end monitoring
            log.exception("action #%s crashed", row["id"])
            journal.transition(self.store, row["id"], "failed", expect=("running",), now=time.time(),
                               finished=time.time(), reason=f"unexpected error: {type(e).__name__}: {e}")
            return
        t = time.time()
        settle = self.policy.current().limits.settle_s
        journal.transition(self.store, row["id"], "executed", expect=("running",), now=t, finished=t,
                           verify_at=t + settle, result={"pre": pre, **detail},
                           reason=f"executed; verifying for {settle:g} s")
        log.info("action #%s %s %s executed", row["id"], req.type, req.target)
        if settle <= 0:
            self._verify(journal.get(self.store, row["id"]) or row, t)

    # == verifying =============================================================================
    def _post(self, row: dict, now: float) -> tuple[bool, str]:
        req = parse_request(row["request"])
        settle = self.policy.current().limits.settle_s
        done = row.get("finished") or row.get("started") or now
        if req.type == "restart":
            v = container_stayed_up(self._container(req.target), done, settle, now)
            return v.ok, f"{req.target}: {v.reason}"
        if req.type == "quarantine":
            res = row.get("result") or {}
            moved = self.root / str(res.get("moved_to", ""))
            if not res.get("moved_to") or not moved.is_file():
                return False, f"{res.get('moved_to')} is missing"
            if self.engine is not None and req.component in self.engine.containers(fresh=True):
                v = container_stayed_up(self._container(req.component), done, settle, now)
                return v.ok, f"{res['moved_to']}; {req.component}: {v.reason}"
            return True, f"moved to {res['moved_to']} with its reason"
        if req.type == "cleanup":
            d = disk(self.root)
            used = d["used_bytes"] / max(d["total_bytes"], 1)
            freed = (row.get("result") or {}).get("freed_bytes", 0)
            return used < self.full_fraction, (f"freed {freed} bytes; disk {used:.0%} used "
                                               f"(threshold {self.full_fraction:.0%})")
        if req.type == "suggest_limits":
            hc = (self._container(req.target) or {}).get("HostConfig") or {}
            cpus = host_cpus(hc)
            ok = ((not req.mem_limit_bytes or hc.get("Memory") == req.mem_limit_bytes)
                  and (not req.cpus or (cpus is not None and abs(cpus - req.cpus) < 0.005)))
            return ok, f"{req.target} memory limit now {hc.get('Memory')}, cpus {cpus}"
        if req.type == "rollback_model":
            from vvai.models.store import Store

            act = Store(models_root(self.cfg)).active()
            want = (row.get("result") or {}).get("active")
            return act is not None and act.version == want, f"active model {act.version if act else None}"
        return False, "no post-condition"

    def _verify(self, row: dict, now: float) -> None:
        try:
            ok, why = self._post(row, now)
        except Exception as e:  # noqa: BLE001 - a check that cannot run is not a success
            ok, why = False, f"post-condition could not be checked: {e}"
        journal.transition(self.store, row["id"], "effective" if ok else "ineffective", expect=("executed",),
                           now=now, reason=why)

    # == crash safety ==========================================================================
    def _recover(self, now: float) -> None:
        """Once per process: actions a killed monitor left 'running' are finished or marked, never re-run."""
        if self._recovered:
            return
        self._recovered = True
        for row in journal.select(self.store, status=("running",)):
            try:
                self._recover_one(row, now)
            except Exception as e:  # noqa: BLE001
                journal.transition(self.store, row["id"], "failed", expect=("running",), now=now, finished=now,
                                   reason=f"interrupted by a monitor restart; recovery failed: {e}")

    def _recover_one(self, row: dict, now: float) -> None:
        req = parse_request(row["request"])
        pre = (row.get("result") or {}).get("pre") or {}
        mark = "interrupted by a monitor restart"
        if req.type == "quarantine":
            corrupted = self.folders["corrupted"]
            reason_file = corrupted / f"{req.target}.reason.json"
            src = self.folders.get(pre.get("folder") or "input", self.folders["input"]) / req.target
            if (corrupted / req.target).is_file() and not src.exists():  # moved: make sure the reason is there
                if not reason_file.exists():
                    fx.finish_reason(corrupted, req.target, {"incident_id": req.incident_id, "action_id": row["id"],
                                                             "evidence": req.evidence, "note": mark})
                result = {"pre": pre, "moved_to": f"{corrupted.name}/{req.target}"}
                self._executed(row, now, f"{mark}; the move had completed", result)
                return
            if src.is_file() and not src.is_symlink():  # not moved yet: finish the one intended move
                log.info("action #%s: finishing the interrupted quarantine of %s", row["id"], req.target)
                self._finish(row, req, pre)
                return
        if req.type == "restart" and pre.get("id") and self.engine is not None:
            from vvai.actions.checks import started_at

            attrs = self._container(req.target)
            t = started_at(attrs or {})
            if t is not None and t >= (row.get("started") or now) - 1:
                self._executed(row, now, f"{mark}; the engine had restarted it", {"pre": pre})
                return
        if req.type == "rollback_model":
            from vvai.models.store import Store

            act = Store(models_root(self.cfg)).active()
            if act is not None and req.target and act.version == req.target:
                self._executed(row, now, f"{mark}; the rollback had completed", {"pre": pre, "active": act.version})
                return
        journal.transition(self.store, row["id"], "failed", expect=("running",), now=now, finished=now,
                           reason=f"{mark} before it completed; not run again",
                           result={"pre": pre, "interrupted": True})

    def _executed(self, row: dict, now: float, why: str, result: dict) -> None:
        settle = self.policy.current().limits.settle_s
        journal.transition(self.store, row["id"], "executed", expect=("running",), now=now, finished=now,
                           verify_at=now + settle, result=result, reason=why)

    # == reporting =============================================================================
    @staticmethod
    def _public(row: dict, news: bool) -> dict:
        return {"action_id": row.get("id"), "incident_id": row.get("incident_id"),
                "type": row.get("type"), "target": row.get("target") or None,
                "decision": row.get("decision"), "reason": row.get("reason", ""), "status": row.get("status"),
                "news": news}

    def report(self, incident_id: int) -> list[dict]:
        """The latest decision per action of an incident, news marked once (for late outcomes)."""
        return self._report(incident_id)

    def _report(self, incident_id: int) -> list[dict]:
        latest: dict[tuple[str, str], dict] = {}
        for row in journal.select(self.store, incident_id=incident_id):
            latest[(row["type"], row["target"])] = row
        out = []
        for row in sorted(latest.values(), key=lambda r: r["id"]):
            news = row["status"] != row["reported"] and row["status"] not in ("queued", "running")
            if news:
                journal.set_reported(self.store, row["id"], row["status"])
            out.append(self._public(row, news))
        return out


__all__ = ["Executor", "UNHELPFUL"]
