"""The executor on real files and a real SQLite store (no engine needed): quarantine, refusals of
hostile recommendations, preconditions on disk, crash recovery, the import contract."""

from __future__ import annotations

import ast
import json
import os
import time
from pathlib import Path

from tests.actions.helpers import config, incident
from vvai.actions import journal
from vvai.actions.executor import Executor
from vvai.monitor.history import IncidentStore

SRC = Path(__file__).resolve().parents[2] / "src" / "vvai"


def _store(cfg) -> IncidentStore:
    return IncidentStore(cfg.store.path)


def test_a_hostile_recommendation_list_is_refused_rule_by_rule(tmp_path: Path) -> None:
    cfg = config(tmp_path)  # mode auto: only the safety rules stand in the way
    root = Path(cfg.pipeline.root)
    for rel in ("input/cam1.mp4", "input/other.mp4", "processed/cam0.analytic.json"):
        (root / rel).write_bytes(b"x" * 10)
    outside = tmp_path / "secret.txt"
    outside.write_text("keep")
    inc = incident("poison_input", "scene_scanner", file="cam1.mp4", count=5, actions=[
        ("alert", None), ("quarantine", "../input/other.mp4"), ("quarantine", str(outside)),
        ("quarantine", "other.mp4"), ("cleanup", "input"), ("cleanup", "processed"), ("cleanup", "corrupted"),
        ("restart", "log_exporter"), ("restart", "*"), ("rollback_model", None), ("exec", "rm -rf /")])
    store = _store(cfg)
    iid = store.upsert(inc, time.time()).incident_id
    out = Executor(cfg, store).on_incident(iid, inc, "new", time.time())
    by = {(r["type"], r["target"]): r for r in out}
    assert all(r["status"] == "refused" and r["decision"] == "refused" for r in out), out
    assert "a path, not a file name" in by[("quarantine", "../input/other.mp4")]["reason"]
    assert "absolute" in by[("quarantine", str(outside))]["reason"]
    assert "not the file the incident names" in by[("quarantine", "other.mp4")]["reason"]
    assert "protected" in by[("cleanup", "input")]["reason"] and "protected" in by[("cleanup", "processed")]["reason"]
    assert "only for a disk_full" in by[("cleanup", "corrupted")]["reason"]
    assert "not the incident's culprit" in by[("restart", "log_exporter")]["reason"]
    assert "not the incident's culprit" in by[("restart", "*")]["reason"]
    assert "only for model_failure" in by[("rollback_model", None)]["reason"]
    assert "default deny" in by[("exec", "rm -rf /")]["reason"]
    assert sorted(p.name for p in (root / "input").iterdir()) == ["cam1.mp4", "other.mp4"]
    assert list((root / "corrupted").iterdir()) == [] and outside.read_text() == "keep"
    # every refusal is in the history once, with its reason; a second pass adds nothing
    n = len(journal.select(store))
    Executor(cfg, store).on_incident(iid, inc, "unchanged", time.time())
    assert len(journal.select(store)) == n == 10
    store.close()


def test_quarantine_auto_moves_the_file_with_its_reason(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    root = Path(cfg.pipeline.root)
    (root / "input" / "cam1.mp4").write_bytes(b"poison")
    (root / "input" / "cam2.mp4").write_bytes(b"fine")
    inc = incident("poison_input", "scene_scanner", file="cam1.mp4", count=3,
                   actions=[("alert", None), ("quarantine", "cam1.mp4")])
    store = _store(cfg)
    iid = store.upsert(inc, time.time()).incident_id
    ex = Executor(cfg, store)
    out = ex.on_incident(iid, inc, "new", time.time())
    assert [(r["type"], r["status"], r["news"]) for r in out] == [("quarantine", "effective", True)]
    assert (root / "corrupted" / "cam1.mp4").read_bytes() == b"poison" and (root / "input" / "cam2.mp4").exists()
    doc = json.loads((root / "corrupted" / "cam1.mp4.reason.json").read_text())
    assert doc["incident_id"] == iid and doc["failures"] == 3 and doc["from"] == "input"
    # the incident stays in the monitor's window for a while: never quarantined twice, said once
    again = ex.on_incident(iid, inc, "unchanged", time.time())
    assert again[0]["status"] == "effective" and again[0]["news"] is False
    assert len(journal.select(store, type="quarantine")) == 1
    store.close()


def test_quarantine_preconditions_on_disk(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    root = Path(cfg.pipeline.root)
    target = tmp_path / "elsewhere.mp4"
    target.write_bytes(b"not yours")
    os.symlink(target, root / "input" / "link.mp4")
    store = _store(cfg)
    inc = incident("poison_input", "scene_scanner", file="link.mp4", count=4, actions=[("quarantine", "link.mp4")])
    iid = store.upsert(inc, time.time()).incident_id
    out = Executor(cfg, store).on_incident(iid, inc, "new", time.time())
    assert out[0]["status"] == "refused" and "symlink" in out[0]["reason"]
    assert (root / "input" / "link.mp4").is_symlink() and target.read_bytes() == b"not yours"
    gone = incident("poison_input", "scene_scanner", file="gone.mp4", count=4, actions=[("quarantine", "gone.mp4")])
    gid = store.upsert(gone, time.time()).incident_id
    out = Executor(cfg, store).on_incident(gid, gone, "new", time.time())
    assert out[0]["status"] == "refused" and "neither input/ nor processed/" in out[0]["reason"]
    store.close()


def test_input_folder_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    root = Path(cfg.pipeline.root)
    real = tmp_path / "real_input"
    real.mkdir()
    (real / "cam1.mp4").write_bytes(b"x")
    (root / "input").rmdir()
    os.symlink(real, root / "input")
    store = _store(cfg)
    inc = incident("poison_input", "scene_scanner", file="cam1.mp4", count=4, actions=[("quarantine", "cam1.mp4")])
    iid = store.upsert(inc, time.time()).incident_id
    out = Executor(cfg, store).on_incident(iid, inc, "new", time.time())
    assert out[0]["status"] == "refused" and "input/ is a symlink" in out[0]["reason"]
    assert (real / "cam1.mp4").exists()
    store.close()


def test_dry_run_defaults_and_off(tmp_path: Path) -> None:
    for actions, status in (({}, "suggested"), ({"mode": "off"}, "refused")):
        sub = tmp_path / (status or "x")
        cfg = config(sub, actions=actions)
        (Path(cfg.pipeline.root) / "input" / "cam1.mp4").write_bytes(b"p")
        store = _store(cfg)
        inc = incident("poison_input", "scene_scanner", file="cam1.mp4", count=4,
                       actions=[("quarantine", "cam1.mp4")])
        iid = store.upsert(inc, time.time()).incident_id
        out = Executor(cfg, store).on_incident(iid, inc, "new", time.time())
        assert out[0]["status"] == status, out
        assert (Path(cfg.pipeline.root) / "input" / "cam1.mp4").exists()
        store.close()


def test_a_killed_monitor_never_runs_an_action_twice(tmp_path: Path) -> None:
    """Rows a killed monitor left 'running': a quarantine not yet moved is finished exactly once; one
    already moved gets its reason and is verified; a restart without proof is marked, not re-sent."""
    cfg = config(tmp_path)
    root = Path(cfg.pipeline.root)
    store = _store(cfg)
    (root / "input" / "a.mp4").write_bytes(b"a")
    (root / "corrupted" / "b.mp4").write_bytes(b"b")  # moved before the kill, reason not written
    now = time.time()
    ids = {}
    for name in ("a.mp4", "b.mp4"):
        req = {"type": "quarantine", "target": name, "failures": 4, "incident_id": None, "category": "poison_input",
               "component": "scene_scanner", "evidence": []}
        ids[name] = journal.insert(store, incident_id=None, type="quarantine", target=name, decision="auto",
                                   status="running", reason="", request=req, now=now, started=now,
                                   result={"pre": {"folder": "input"}})
    rid = journal.insert(store, incident_id=None, type="restart", target="scene_scanner", decision="auto",
                         status="running", reason="", request={"type": "restart", "target": "scene_scanner"},
                         now=now, started=now, result={"pre": {"id": "abc"}})
    ex = Executor(cfg, store)
    ex.tick(time.time())
    assert journal.get(store, ids["a.mp4"])["status"] == "effective"
    assert (root / "corrupted" / "a.mp4").exists() and not (root / "input" / "a.mp4").exists()
    assert journal.get(store, ids["b.mp4"])["status"] == "effective"
    assert json.loads((root / "corrupted" / "b.mp4.reason.json").read_text())["action_id"] == ids["b.mp4"]
    r = journal.get(store, rid)
    assert r["status"] == "failed" and "not run again" in r["reason"]
    Executor(cfg, store).tick(time.time())  # a second restart of the monitor changes nothing
    assert [journal.get(store, i)["status"] for i in (*ids.values(), rid)] == ["effective", "effective", "failed"]
    assert sorted(p.name for p in (root / "corrupted").iterdir() if not p.name.endswith(".json")) == ["a.mp4", "b.mp4"]
    store.close()


def test_only_the_executor_imports_the_effectors() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("actions/effectors/") or rel == "actions/executor.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
                if isinstance(node, ast.ImportFrom) else [])
            if any(n.startswith("vvai.actions.effectors") for n in names):
                offenders.append(rel)
    assert offenders == []
