"""The executor's approval queue through the API (the same functions as `vvai monitor approve`),
and a model rollback requested from the API, gated by approval and run by the real executor."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from tests.api.conftest import vvai_env


def _pending(site) -> list[dict]:
    r = site.client.get("/api/v1/actions")
    assert r.status_code == 200
    return r.json()["items"]


def test_queue_approve_reject_and_conflicts(site) -> None:
    pend = _pending(site)
    assert {(a["type"], a["status"]) for a in pend} == {("quarantine", "pending"), ("suggest_limits", "pending")}
    q = next(a for a in pend if a["type"] == "quarantine")
    s = next(a for a in pend if a["type"] == "suggest_limits")
    refused = site.client.get("/api/v1/actions", params={"status": "refused"}).json()["items"]
    assert refused and all(a["status"] == "refused" and a["reason"] for a in refused)
    r = site.client.post(f"/api/v1/actions/{q['id']}/approve", headers={"X-Vvai-Operator": "erin"})
    assert r.status_code == 200 and r.json()["result"]["status"] == "approved"
    assert r.json()["result"]["decided_by"] == "erin"
    r = site.client.post(f"/api/v1/actions/{q['id']}/approve")
    assert r.status_code == 409 and "not pending" in r.json()["detail"]
    r = site.client.post(f"/api/v1/actions/{s['id']}/reject", json={"note": "limits are fine"})
    assert r.status_code == 200 and r.json()["result"]["status"] == "rejected"
    assert r.json()["result"]["note"] == "limits are fine"
    assert site.client.post(f"/api/v1/actions/{s['id']}/reject").status_code == 409
    assert site.client.post("/api/v1/actions/99999/approve").status_code == 404
    assert _pending(site) == []
    # the CLI sees the same journal
    p = subprocess.run([sys.executable, "-m", "vvai", "monitor", "actions", "--status", "all", "--json"],
                       capture_output=True, text=True, env=vvai_env(site), timeout=60)
    assert p.returncode == 0 and '"decided_by": "erin"' in p.stdout
    audit = site.client.get("/api/v1/config/audit").json()["items"]
    assert [(a["action"], a["who"]) for a in audit[:2]] == [("reject", "token"), ("approve", "erin")]


def test_approved_quarantine_runs_on_the_next_executor_pass(site) -> None:
    from vvai.actions.executor import Executor

    q = next(a for a in _pending(site) if a["type"] == "quarantine")
    assert site.client.post(f"/api/v1/actions/{q['id']}/approve").status_code == 200
    store = site.store()
    Executor(site.cfg, store).tick(time.time())
    store.close()
    root = site.cfg.pipeline.root
    assert os.path.exists(os.path.join(root, "corrupted", q["target"]))
    got = site.client.get("/api/v1/actions", params={"status": "all"}).json()["items"]
    assert next(a for a in got if a["id"] == q["id"])["status"] in ("executed", "effective")
    inc = site.client.get(f"/api/v1/incidents/{site.ids['oom_kill'][0]}").json()
    assert next(a for a in inc["actions"] if a["id"] == q["id"])["status"] in ("executed", "effective")


def test_model_rollback_is_an_approval_gated_action(site) -> None:
    from vvai.actions.executor import Executor

    models = site.client.get("/api/v1/models").json()
    assert models["active"]["version"] == "1.1.0"
    assert {v["version"] for v in models["installed"]} == {"1.0.0", "1.1.0"}
    assert any(h["action"] == "activate" for h in models["history"])
    r = site.client.post("/api/v1/models/rollback", json={"to_version": "1.0.0"})
    assert r.status_code == 202, r.text
    aid = r.json()["id"]
    assert r.json()["status"] == "pending" and r.json()["type"] == "rollback_model"
    assert site.client.post("/api/v1/models/rollback", json={"to_version": "1.0.0"}).status_code == 409
    assert site.client.post("/api/v1/models/rollback", json={"to_version": "9.9.9"}).status_code == 404
    assert site.client.get("/api/v1/models").json()["active"]["version"] == "1.1.0"  # nothing ran yet
    assert site.client.post(f"/api/v1/actions/{aid}/approve").status_code == 200
    store = site.store()
    Executor(site.cfg, store).tick(time.time())
    store.close()
    assert site.client.get("/api/v1/models").json()["active"]["version"] == "1.0.0"


def test_revert_of_applied_limits_through_the_api(site) -> None:
    from vvai.actions import journal

    store = site.store()
    req = {"type": "suggest_limits", "target": "scene_summarizer", "mem_limit_bytes": 512 << 20, "cpus": None,
           "incident_id": None, "category": "resource_saturation", "component": "scene_summarizer"}
    aid = journal.insert(store, incident_id=None, type="suggest_limits", target="scene_summarizer",
                         decision="approval", status="effective", reason="applied", request=req,
                         result={"before": {"mem_limit_bytes": 256 << 20}, "after": {"mem_limit_bytes": 512 << 20}})
    store.close()
    r = site.client.post(f"/api/v1/actions/{aid}/revert", headers={"X-Vvai-Operator": "erin"})
    assert r.status_code == 202, r.text
    got = r.json()["result"]
    assert (got["status"], got["decided_by"], got["request"]["mem_limit_bytes"]) == ("approved", "erin", 256 << 20)
    r = site.client.post(f"/api/v1/actions/{aid}/revert")
    assert r.status_code == 409 and "already reverted" in r.json()["detail"]
    q = next(a for a in _pending(site) if a["type"] == "quarantine")
    assert site.client.post(f"/api/v1/actions/{q['id']}/revert").status_code == 409  # not applied limits
    assert site.client.post("/api/v1/actions/99999/revert").status_code == 404
    audit = site.client.get("/api/v1/config/audit").json()["items"]
    assert (audit[0]["action"], audit[0]["who"]) == ("revert_limits", "erin")


def test_console_offers_revert_for_applied_limits_only(site) -> None:
    from tests.api.test_auth import _csrf, _login
    from vvai.actions import journal

    iid = site.ids["oom_kill"][0]
    store = site.store()
    req = {"type": "suggest_limits", "target": "scene_scanner", "mem_limit_bytes": 768 << 20, "cpus": None,
           "incident_id": iid, "category": "oom_kill", "component": "scene_scanner"}
    aid = journal.insert(store, incident_id=iid, type="suggest_limits", target="scene_scanner", decision="approval",
                         status="effective", reason="applied", request=req,
                         result={"before": {"mem_limit_bytes": 512 << 20}, "after": {"mem_limit_bytes": 768 << 20}})
    store.close()
    with site.anon() as c:
        assert _login(site, c, name="heidi").status_code == 303
        page = c.get(f"/incidents/{iid}")
        assert page.status_code == 200
        assert page.text.count(">Revert limits</button>") == 1 and f'action="/actions/{aid}/revert"' in page.text
        csrf = _csrf(page.text)
        assert c.post(f"/actions/{aid}/revert", data={"back_to": f"/incidents/{iid}"}).status_code == 403
        r = c.post(f"/actions/{aid}/revert", data={"csrf": csrf, "back_to": f"/incidents/{iid}"})
        assert r.status_code == 303 and r.headers["location"].startswith(f"/incidents/{iid}?msg=")
        assert "puts+back+the+limits" in r.headers["location"]
        assert c.post(f"/actions/{aid}/revert", data={"csrf": csrf}).status_code == 409  # once
    queued = [a for a in site.client.get("/api/v1/actions", params={"status": "approved"}).json()["items"]
              if (a.get("request") or {}).get("revert_of") == aid]
    assert len(queued) == 1 and queued[0]["decided_by"] == "heidi"
    assert queued[0]["request"]["mem_limit_bytes"] == 512 << 20
