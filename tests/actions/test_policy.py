"""The policy decision (pure, default deny) and its re-reading when the config file changes."""

from __future__ import annotations

import os
import time
from pathlib import Path

from vvai.actions.breakers import BreakerState
from vvai.actions.gate import gate
from vvai.actions.policy import decide
from vvai.actions.reload import PolicySource
from vvai.actions.requests import Verdict
from vvai.monitor.config import load_config
from vvai.monitor.config.actions import ActionsConfig


def test_defaults_are_a_dry_run() -> None:
    pol = ActionsConfig()
    for t in ("restart", "quarantine", "cleanup", "suggest_limits", "suggest_rollback", "rollback_model"):
        assert decide(pol, t)[0] == "suggest", t


def test_per_type_policy_overrides_mode_and_caps_hold() -> None:
    pol = ActionsConfig(mode="off", policy={"restart": "auto", "suggest_limits": "auto", "suggest_rollback": "auto",
                                            "rollback_model": "approval"})
    assert decide(pol, "restart") == ("auto", "policy: restart=auto")
    assert decide(pol, "quarantine")[0] == "refused" and "off" in decide(pol, "quarantine")[1]
    assert decide(pol, "suggest_limits")[0] == "approval"  # never changes a container by itself
    assert decide(pol, "suggest_rollback")[0] == "suggest"
    assert decide(pol, "rollback_model")[0] == "approval"
    assert decide(pol, "format_disk")[0] == "refused"


def test_gate_order_safety_policy_breaker() -> None:
    pol = ActionsConfig(mode="auto")
    assert gate(pol, "restart", Verdict.no("not the culprit"))[0] == "refused"
    brk = BreakerState(True, False, 3, 3, "breaker open: restarts stopped")
    assert gate(pol, "restart", Verdict.yes(), brk) == ("refused", "breaker open: restarts stopped")
    assert gate(pol, "restart", Verdict.yes(), BreakerState(False, False, 0, 0))[0] == "auto"
    # a suggestion is still reported when the breaker is open (it runs nothing)
    assert gate(ActionsConfig(mode="suggest"), "restart", Verdict.yes(), brk)[0] == "suggest"


def test_policy_is_re_read_when_the_file_changes(tmp_path: Path) -> None:
    f = tmp_path / "vvai.toml"
    f.write_text('[actions]\nmode = "suggest"\n')
    src = PolicySource(load_config(f))
    assert src.current().mode == "suggest"
    f.write_text('[actions]\nmode = "auto"\n[actions.policy]\ncleanup = "approval"\n')
    os.utime(f, ns=(time.time_ns(), time.time_ns() + 10_000_000))
    assert src.current().mode == "auto" and src.current().policy.cleanup == "approval"
    f.write_text('[actions]\nmode = "everything"\n')  # invalid: the last good policy stays
    os.utime(f, ns=(time.time_ns(), time.time_ns() + 20_000_000))
    assert src.current().mode == "auto"
