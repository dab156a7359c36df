"""``vvai monitor plan`` on the spec's recorded incidents (the Action plan format), and the model
rollback requested by an operator (the API's models page), approved, run through the model store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.actions.helpers import config
from tests.paths import SHARED
from vvai.actions import approvals, journal
from vvai.actions.executor import Executor
from vvai.common.errors import ConflictError, NotFoundError
from vvai.monitor.history import IncidentStore

EXAMPLES = SHARED / "spec" / "examples"


def _plan(bundle: Path, toml: Path, *extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VVAI_")}
    p = subprocess.run([sys.executable, "-m", "vvai", "monitor", "plan", str(bundle), "--config", str(toml), "--json",
                        *extra], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="needs the shared spec examples")
def test_plan_follows_the_policy_and_the_spec_format(tmp_path: Path) -> None:
    toml = tmp_path / "vvai.toml"
    toml.write_text(f'[store]\npath = "{tmp_path / "none.db"}"\n')
    dry = _plan(EXAMPLES / "example-oom_kill", toml)
    assert {a["decision"] for a in dry["actions"]} == {"suggest"}  # the defaults: a dry run
    toml.write_text(f'[store]\npath = "{tmp_path / "none.db"}"\n[actions]\nmode = "auto"\n'
                    '[actions.policy]\nsuggest_limits = "auto"\nrestart = "off"\n')
    out = _plan(EXAMPLES / "example-oom_kill", toml)
    for a in out["actions"]:
        assert set(a) >= {"incident", "category", "type", "target", "decision", "reason"}
    q = next(a for a in out["actions"] if a["type"] == "quarantine")
    assert q == {"incident": 0, "category": "oom_kill", "type": "quarantine", "target": q["target"],
                 "decision": "auto", "reason": "policy: mode=auto"}
    lim = next(a for a in out["actions"] if a["type"] == "suggest_limits")
    assert lim["decision"] == "approval" and "capped to approval" in lim["reason"]
    restart = _plan(EXAMPLES / "example-orphan_outputs", toml)["actions"]
    assert [(a["type"], a["decision"]) for a in restart] == [("restart", "refused")]
    assert _plan(EXAMPLES / "example-healthy", toml) == {"actions": []}


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="needs the shared spec examples")
def test_plan_with_a_hostile_knowledge_base(tmp_path: Path) -> None:
    kb = tmp_path / "hostile.yaml"
    kb.write_text("""format: vvai-kb/1
signatures:
  - id: oom-kill
    actions:
      - {type: cleanup, target: input}
      - {type: cleanup, target: "../processed"}
      - {type: restart, target: log_exporter}
      - {type: restart, target: scene_summarizer}
      - {type: quarantine, target: "../../etc/passwd"}
      - {type: cleanup, target: corrupted}
      - {type: rollback_model}
""")
    toml = tmp_path / "vvai.toml"
    toml.write_text(f'[store]\npath = "{tmp_path / "none.db"}"\n[actions]\nmode = "auto"\n')
    out = _plan(EXAMPLES / "example-oom_kill", toml, "--kb", str(kb))
    # the diagnosis drops what names the wrong component, file or a protected folder; the executor's own
    # rules refuse what passes that filter but does not fit the incident
    assert [(a["type"], a["target"], a["decision"]) for a in out["actions"]] == [
        ("cleanup", "corrupted", "refused"), ("rollback_model", None, "refused")], out
    assert "only for a disk_full incident" in out["actions"][0]["reason"]


def test_operator_requested_model_rollback(tmp_path: Path) -> None:
    from vvai.models.lifecycle import ModelManager
    from vvai.pipeline.summarizer.sample_model import publish_summarizer_model

    models = tmp_path / "models"
    cfg = config(tmp_path, actions={"mode": "suggest", "policy": {"rollback_model": "approval"},
                                    "limits": {"settle_s": 0}}, model={"root": str(models)})
    mgr = ModelManager(models)
    for v in ("1.0.0", "1.1.0"):
        mgr.sync(str(publish_summarizer_model(tmp_path / "rel", v, weights_kib=16)))
    assert mgr.store.active().version == "1.1.0"
    store = IncidentStore(cfg.store.path)
    with pytest.raises(NotFoundError):
        approvals.request_model_rollback(cfg, store, "9.9.9", who="alice")
    row = approvals.request_model_rollback(cfg, store, None, who="alice")
    assert row["status"] == "pending" and row["target"] == "1.0.0"
    assert f"vvai monitor approve {row['id']}" in row["reason"]
    with pytest.raises(ConflictError):
        approvals.request_model_rollback(cfg, store, "1.0.0", who="bob")  # already asked
    ex = Executor(cfg, store)
    ex.tick(time.time())
    assert mgr.store.active().version == "1.1.0"  # nothing without the approval
    approvals.approve(store, row["id"], who="bob")
    ex.tick(time.time())
    assert journal.get(store, row["id"])["status"] == "effective"
    assert ModelManager(models).store.active().version == "1.0.0"
    off = config(tmp_path / "off", actions={"mode": "off"}, model={"root": str(models)})
    with pytest.raises(ConflictError, match="refused"):
        approvals.request_model_rollback(off, store, None, who="alice")
    store.close()
