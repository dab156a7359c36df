"""The approval queue on a real SQLite store: pending -> approved -> run by the executor; rejected;
expired; unknown ids and non-pending actions are clear errors (exit 2 / 409-like conflict)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.actions.helpers import config, incident
from vvai.actions import approvals, breakers, journal
from vvai.actions.executor import Executor
from vvai.common.errors import ConflictError, NotFoundError
from vvai.monitor.history import IncidentStore

T = time.time()
POLICY = {"mode": "approval", "limits": {"settle_s": 0, "approval_ttl_s": 60}}


@pytest.fixture(autouse=True)
def _now() -> None:
    """Each test's T is taken when it starts: in a long run the module is imported minutes before its
    tests run, and calls that read the wall clock (list_actions, approve) would see T's approvals
    past their 60 s TTL."""
    global T
    T = time.time()


def _cli(tmp_path: Path, toml_text: str):
    """``vvai monitor ...`` in a subprocess with this vvai.toml (and no VVAI_* from the caller)."""
    toml = tmp_path / "vvai.toml"
    toml.write_text(toml_text)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VVAI_")}

    def vvai(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "vvai", "monitor", *args, "--config", str(toml)],
                              capture_output=True, text=True, env=env)

    return vvai


def _poison(cfg, name="cam3_0001.mp4") -> Path:
    p = Path(cfg.pipeline.root) / "input" / name
    p.write_bytes(b"\x00poison" * 100)
    return p


def _setup(tmp_path: Path):
    cfg = config(tmp_path, actions=POLICY)
    store = IncidentStore(cfg.store.path)
    inc = incident("poison_input", "scene_scanner", file="cam3_0001.mp4", count=4,
                   actions=[("alert", None), ("quarantine", "cam3_0001.mp4")])
    iid = store.upsert(inc, T).incident_id
    return cfg, store, inc, iid


def test_pending_then_approved_then_executed_and_effective(tmp_path: Path) -> None:
    cfg, store, inc, iid = _setup(tmp_path)
    src = _poison(cfg)
    ex = Executor(cfg, store)
    out = ex.on_incident(iid, inc, "new", T)
    assert len(out) == 1 and out[0]["status"] == "pending" and out[0]["news"]
    aid = out[0]["action_id"]
    assert f"waiting for approval: vvai monitor approve {aid}" in out[0]["reason"]
    assert src.exists()  # nothing ran
    assert ex.on_incident(iid, inc, "unchanged", T + 1)[0]["news"] is False  # said once
    assert [r["id"] for r in approvals.list_actions(store)] == [aid]
    row = approvals.approve(store, aid, who="alice")
    assert row["status"] == "approved" and row["decided_by"] == "alice"
    with pytest.raises(ConflictError):
        approvals.approve(store, aid, who="bob")  # no longer pending
    ex.tick(T + 2)
    assert journal.get(store, aid)["status"] == "effective"
    assert not src.exists() and (Path(cfg.pipeline.root) / "corrupted" / "cam3_0001.mp4").is_file()
    reason = json.loads((Path(cfg.pipeline.root) / "corrupted" / "cam3_0001.mp4.reason.json").read_text())
    assert reason["incident_id"] == iid and reason["action_id"] == aid and reason["evidence"]
    statuses = [e["status"] for e in journal.events(store, aid)]
    assert statuses[:2] == ["pending", "pending"] and statuses[-4:] == ["approved", "running", "executed", "effective"]
    assert [e["who"] for e in journal.events(store, aid) if e["status"] == "approved"] == ["alice"]
    out = ex.on_incident(iid, inc, "unchanged", T + 3)  # the outcome reaches the alert once
    assert out[0]["status"] == "effective" and out[0]["news"]
    store.close()


def test_reject_and_expiry_and_unknown_ids(tmp_path: Path) -> None:
    cfg, store, inc, iid = _setup(tmp_path)
    src = _poison(cfg)
    ex = Executor(cfg, store)
    aid = ex.on_incident(iid, inc, "new", T)[0]["action_id"]
    row = approvals.reject(store, aid, who="bob", note="the file is evidence, keep it")
    assert row["status"] == "rejected" and row["note"] == "the file is evidence, keep it"
    ex.tick(T + 1)
    assert src.exists()
    assert ex.on_incident(iid, inc, "unchanged", T + 2)[0]["status"] == "rejected"  # not asked again
    # reopened: asked again; then expired after the TTL
    aid2 = ex.on_incident(iid, inc, "reopened", T + 3)[0]["action_id"]
    assert aid2 != aid and journal.get(store, aid2)["status"] == "pending"
    out = ex.tick(T + 3 + 61)
    assert [(r["action_id"], r["status"]) for r in out] == [(aid2, "expired")]
    with pytest.raises(ConflictError, match="expired"):
        approvals.approve(store, aid2, who="alice")
    with pytest.raises(NotFoundError) as e:
        approvals.approve(store, 999, who="alice")
    assert e.value.exit_code == 2
    with pytest.raises(NotFoundError):
        approvals.reject(store, 999, who="alice")
    assert src.exists()
    assert {r["status"] for r in approvals.list_actions(store, "all")} == {"rejected", "expired"}
    store.close()


def test_approve_expired_by_the_clock_at_approval_time(tmp_path: Path) -> None:
    cfg, store, inc, iid = _setup(tmp_path)
    _poison(cfg)
    aid = Executor(cfg, store).on_incident(iid, inc, "new", T)[0]["action_id"]
    with pytest.raises(ConflictError):
        approvals.approve(store, aid, who="alice", now=T + 61)
    assert journal.get(store, aid)["status"] == "expired"
    store.close()


def test_breaker_reset_by_an_operator(tmp_path: Path) -> None:
    cfg, store, _inc, _iid = _setup(tmp_path)
    lim = cfg.actions.limits
    for i in range(3):
        aid = journal.insert(store, incident_id=None, type="restart", target="scanner", decision="auto",
                             status="running", reason="", request={}, now=100.0 + i, started=100.0 + i)
        journal.transition(store, aid, "ineffective", now=101.0 + i, finished=101.0 + i)
    st = breakers.state(store, "restart", "scanner", lim, 200.0)
    assert st.open and "breaker open: restarts stopped" in st.reason
    assert not breakers.state(store, "restart", "scanner", lim, 200.0 + lim.breaker_reset_s + 10).open
    breakers.reset(store, "restart:scanner", who="alice", now=201.0)
    assert not breakers.state(store, "restart", "scanner", lim, 202.0).open
    store.close()


def test_cli_lists_approves_and_rejects(tmp_path: Path) -> None:
    cfg, store, inc, iid = _setup(tmp_path)
    _poison(cfg)
    aid = Executor(cfg, store).on_incident(iid, inc, "new", time.time())[0]["action_id"]
    store.close()
    vvai = _cli(tmp_path, f'[store]\npath = "{cfg.store.path}"\n[pipeline]\nroot = "{cfg.pipeline.root}"\n')

    p = vvai("actions", "--json")
    assert p.returncode == 0, p.stderr
    rows = json.loads(p.stdout)
    assert [r["id"] for r in rows] == [aid] and rows[0]["command"] == f"vvai monitor approve {aid}"
    p = vvai("approve", str(aid), "--who", "alice")
    assert p.returncode == 0 and "approved by alice" in p.stdout, p.stderr
    p = vvai("reject", str(aid), "--note", "too late")
    assert p.returncode == 6 and "is approved, not pending" in p.stderr and len(p.stderr.strip().splitlines()) == 1
    p = vvai("approve", "4242")
    assert p.returncode == 2 and "no action #4242" in p.stderr
    assert vvai("actions", "--status", "bogus").returncode == 2
    p = vvai("actions", "--status", "all", "--json")
    assert [(r["id"], r["status"]) for r in json.loads(p.stdout)] == [(aid, "approved")]


def _applied_limits(store, *, before: dict, after: dict, status: str = "effective") -> int:
    req = {"type": "suggest_limits", "target": "scene_summarizer", "mem_limit_bytes": after.get("mem_limit_bytes"),
           "cpus": after.get("cpus"), "incident_id": None, "category": "resource_saturation",
           "component": "scene_summarizer"}
    return journal.insert(store, incident_id=None, type="suggest_limits", target="scene_summarizer",
                          decision="approval", status=status, reason="applied", request=req, now=T,
                          result={"before": before, "after": after})


def test_revert_queues_the_recorded_limits_approved_once(tmp_path: Path) -> None:
    store = IncidentStore(config(tmp_path).store.path)
    aid = _applied_limits(store, before={"mem_limit_bytes": 256 << 20, "cpus": 0.5},
                          after={"mem_limit_bytes": 512 << 20, "cpus": 1.0})
    row = approvals.revert_limits(store, aid, who="bob", now=T + 5)
    assert (row["type"], row["status"], row["decided_by"]) == ("suggest_limits", "approved", "bob")
    assert (row["request"]["mem_limit_bytes"], row["request"]["cpus"], row["request"]["revert_of"]) == (
        256 << 20, 0.5, aid)
    assert "mem_limit: 256m" in row["request"]["snippet"] and 'cpus: "0.5"' in row["request"]["snippet"]
    with pytest.raises(ConflictError, match=f"already reverted by #{row['id']}"):
        approvals.revert_limits(store, aid, who="bob")
    with pytest.raises(ConflictError, match="only applied limits"):
        approvals.revert_limits(store, row["id"], who="bob")  # approved, not applied yet
    # only what the update changed goes back; a limit the container never had cannot be removed
    only_mem = _applied_limits(store, before={"mem_limit_bytes": 256 << 20, "cpus": None},
                               after={"mem_limit_bytes": 512 << 20, "cpus": None})
    r2 = approvals.revert_limits(store, only_mem, who="bob")
    assert (r2["request"]["mem_limit_bytes"], r2["request"]["cpus"]) == (256 << 20, None)
    unlimited = _applied_limits(store, before={"mem_limit_bytes": None, "cpus": None},
                                after={"mem_limit_bytes": 512 << 20, "cpus": None})
    with pytest.raises(ConflictError, match="had no limit before"):
        approvals.revert_limits(store, unlimited, who="bob")
    failed = _applied_limits(store, before={"mem_limit_bytes": 256 << 20}, after={"mem_limit_bytes": 512 << 20},
                             status="failed")
    with pytest.raises(ConflictError, match="is suggest_limits failed"):
        approvals.revert_limits(store, failed, who="bob")
    with pytest.raises(NotFoundError):
        approvals.revert_limits(store, 4242, who="bob")
    store.close()


def test_cli_revert(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    store = IncidentStore(cfg.store.path)
    aid = _applied_limits(store, before={"mem_limit_bytes": 256 << 20, "cpus": 0.5},
                          after={"mem_limit_bytes": 512 << 20, "cpus": 1.0})
    store.close()
    vvai = _cli(tmp_path, f'[store]\npath = "{cfg.store.path}"\n')

    p = vvai("revert", str(aid), "--who", "carol")
    assert p.returncode == 0 and "puts back the limits of scene_summarizer" in p.stdout, p.stderr
    p = vvai("revert", str(aid))
    assert p.returncode == 6 and "already reverted" in p.stderr and len(p.stderr.strip().splitlines()) == 1
    p = vvai("revert", "4242")
    assert p.returncode == 2 and "no action #4242" in p.stderr
