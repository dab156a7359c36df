"""Run-time policy edits: validated, written atomically into vvai.toml (the rest of the file kept),
audited with who and when, applied without a restart, and safe against a concurrent CLI write."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import tomllib

from tests.api.conftest import vvai_env
from vvai.actions.reload import PolicySource
from vvai.monitor.config import load_config


def test_put_policy_writes_the_file_and_applies_at_once(site) -> None:
    source = PolicySource(site.cfg)  # what the running executor reads
    assert source.current().mode == "approval"
    before = site.cfg_path.read_text()
    time.sleep(0.01)
    r = site.client.put("/api/v1/config/policy", headers={"X-Vvai-Operator": "frank"},
                        json={"mode": "suggest", "policy": {"quarantine": "auto"}, "limits": {"max_per_hour": 2}})
    assert r.status_code == 200, r.text
    assert r.json()["actions"]["mode"] == "suggest" and r.json()["actions"]["policy"]["quarantine"] == "auto"
    text = site.cfg_path.read_text()
    assert "# the box's monitor configuration (this comment must survive policy edits)" in text
    assert "enabled = false    # watched through files only" in text
    assert 'mode = "suggest"   # operators approve every action' in text  # the value changed, its comment stayed
    assert 'urls = ["slack://TOKENA/TOKENB/TOKENC", "json://127.0.0.1:9/hook"]' in text
    data = tomllib.loads(text)
    assert data["actions"]["limits"] == {"settle_s": 0, "max_per_hour": 2}
    assert before.replace('mode = "approval"', 'mode = "suggest"').split("[actions]")[0] == text.split("[actions]")[0]
    # applied without a restart: the executor's policy source and the API's own config see it
    assert source.current().mode == "suggest" and source.current().policy.quarantine == "auto"
    assert site.client.get("/api/v1/config").json()["actions"]["limits"]["max_per_hour"] == 2
    # null resets a key to its default
    r = site.client.put("/api/v1/config/policy", json={"policy": {"quarantine": None}})
    assert r.status_code == 200 and r.json()["actions"]["policy"]["quarantine"] is None
    assert "quarantine" not in tomllib.loads(site.cfg_path.read_text())["actions"].get("policy", {})
    audit = site.client.get("/api/v1/config/audit").json()["items"]
    assert [a["who"] for a in audit[:2]] == ["token", "frank"] and all(a["action"] == "policy" for a in audit[:2])
    assert audit[1]["detail"]["before"]["mode"] == "approval" and audit[1]["detail"]["after"]["mode"] == "suggest"
    assert abs(audit[0]["ts"] - time.time()) < 60


def test_bad_policies_are_422_and_leave_the_file_alone(site) -> None:
    before = site.cfg_path.read_bytes()
    for body, word in [({"mode": "yolo"}, "actions.mode"), ({"limits": {"max_per_hour": 0}}, "max_per_hour"),
                       ({"policy": {"format_disk": "auto"}}, "unknown key"), ({"nonsense": 1}, "unknown key"),
                       ({}, "empty"), ({"limits": {"breaker_failures": "many"}}, "breaker_failures"),
                       ({"limits": "none"}, "limits")]:
        r = site.client.put("/api/v1/config/policy", json=body)
        assert r.status_code == 422, (body, r.status_code, r.text)
        assert word in r.json()["detail"], (body, r.json())
    for raw in (b"[1, 2]", b'"mode"', b"{not json", b"null"):
        r = site.client.put("/api/v1/config/policy", content=raw, headers={"Content-Type": "application/json"})
        assert r.status_code == 422, (raw, r.text)
    assert site.cfg_path.read_bytes() == before
    assert site.client.get("/api/v1/config").json()["actions"]["mode"] == "approval"


def test_secrets_are_masked(site) -> None:
    cfg = site.client.get("/api/v1/config").json()
    assert cfg["alerts"]["urls"] == ["slack://***", "json://127.0.0.1:9/***"]
    assert "TOKENA" not in site.client.get("/api/v1/config").text
    assert cfg["source_path"] == str(site.cfg_path)


def test_concurrent_api_and_cli_writes_all_survive(site) -> None:
    """Eight API edits and four CLI edits at the same time, each on its own key: every one lands."""
    env = vvai_env(site)
    api_edits = [{"limits": {"max_per_hour": 10 + k}} if k == 0 else {"policy": {t: "suggest"}}
                 for k, t in enumerate(["-", "restart", "quarantine", "cleanup", "suggest_limits"])]
    api_edits += [{"limits": {"breaker_failures": 7}}, {"limits": {"breaker_reset_s": 99.0}},
                  {"limits": {"approval_ttl_s": 120.0}}]
    cli_edits = ["policy.suggest_rollback=approval", "policy.rollback_model=off", "mode=auto",
                 "limits.settle_s=5"]
    errors: list[str] = []

    def api(body: dict) -> None:
        r = site.client.put("/api/v1/config/policy", json=body)
        if r.status_code != 200:
            errors.append(r.text)

    procs = [subprocess.Popen([sys.executable, "-m", "vvai", "monitor", "policy", e], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for e in cli_edits]
    threads = [threading.Thread(target=api, args=(b,)) for b in api_edits]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert errors == []
    got = load_config(site.cfg_path).actions  # still a valid vvai.toml
    assert got.mode == "auto" and got.limits.max_per_hour == 10 and got.limits.breaker_failures == 7
    assert got.limits.breaker_reset_s == 99.0 and got.limits.approval_ttl_s == 120.0 and got.limits.settle_s == 5
    assert (got.policy.restart, got.policy.quarantine, got.policy.cleanup, got.policy.suggest_limits) == \
        ("suggest",) * 4
    assert (got.policy.suggest_rollback, got.policy.rollback_model) == ("approval", "off")
    audit = site.client.get("/api/v1/config/audit", params={}).json()["items"]
    assert sum(1 for a in audit if a["who"].startswith("cli:")) == 4 and len(audit) == 12
    assert site.client.get("/api/v1/config").json()["actions"]["mode"] == "auto"
