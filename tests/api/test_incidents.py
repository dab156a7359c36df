"""Incidents over HTTP: filters, pagination, one incident with everything, feedback in the CLI's store,
similar past incidents."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.api.conftest import add_incidents, make_incident, vvai_env


def _all_pages(client, **params) -> list[dict]:
    out, offset = [], 0
    while offset is not None:
        r = client.get("/api/v1/incidents", params={**params, "offset": offset})
        assert r.status_code == 200, r.text
        page = r.json()
        out += page["items"]
        offset = page["next_offset"]
    return out


def test_list_filters_and_pages(site) -> None:
    now = time.time()
    store = site.store()
    specs = [("crash_loop", f"worker{k % 3}", f"v{k}.mp4", f"worker{k % 3} exited with code {k}") for k in range(57)]
    new = add_incidents(store, specs, now - 600)
    store.resolve_missing({"nothing"}, now=now - 1, after_s=0)  # everything seen so far resolves...
    store.upsert(make_incident("disk_full", "log_exporter", text="No space left on device"), now=now)  # one open
    store.close()
    r = site.client.get("/api/v1/incidents", params={"limit": 10})
    page = r.json()
    assert r.status_code == 200 and page["total"] == 57 + 1 + 3 and len(page["items"]) == 10
    assert page["items"][0]["category"] == "disk_full" and page["items"][0]["status"] == "open"
    seen = [i["last_seen"] for i in page["items"]]
    assert seen == sorted(seen, reverse=True)
    pages = _all_pages(site.client, limit=7)
    assert len(pages) == 61 and len({i["id"] for i in pages}) == 61  # no overlap, nothing lost
    assert {i["id"] for i in pages} >= set(new)
    crash = _all_pages(site.client, category="crash_loop", limit=500)
    assert len(crash) == 57 and all(i["category"] == "crash_loop" for i in crash)
    w1 = _all_pages(site.client, category="crash_loop", component="worker1")
    assert len(w1) == 19 and all(i["component"] == "worker1" for i in w1)
    assert [i["category"] for i in _all_pages(site.client, status="open")] == ["disk_full"]
    resolved = _all_pages(site.client, status="resolved")
    assert len(resolved) == 60 and all(i["status"] == "resolved" for i in resolved)
    recent = _all_pages(site.client, since="15m")  # the imported ones were last seen in March
    assert len(recent) == 58 and len(_all_pages(site.client, since="9m")) == 1  # the 57 were last seen 10 min ago
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 30))
    assert [i["category"] for i in _all_pages(site.client, since=iso)] == ["disk_full"]
    assert _all_pages(site.client, since=str(now - 30))[0]["category"] == "disk_full"
    last = site.client.get("/api/v1/incidents", params={"offset": 60, "limit": 10}).json()
    assert len(last["items"]) == 1 and last["next_offset"] is None
    assert site.client.get("/api/v1/incidents", params={"offset": 1000}).json()["items"] == []


def test_one_incident_has_everything(site) -> None:
    iid = site.ids["oom_kill"][0]
    inc = site.client.get(f"/api/v1/incidents/{iid}").json()
    assert inc["category"] == "oom_kill" and inc["component"] == "scene_scanner"
    assert "OOM" in inc["root_cause"] or "memory" in inc["root_cause"].lower()
    assert inc["evidence"] and all(e["source"] and e["ts"] and e["text"] for e in inc["evidence"])
    bundle = site.dir.parent  # evidence is verbatim from the bundle's named source
    from tests.api.conftest import EXAMPLES

    for e in inc["evidence"]:
        src = (EXAMPLES / "example-oom_kill" / e["source"]).read_text(errors="replace")
        assert e["text"] in src, e
    assert [t["kind"] for t in inc["timeline"]][:1] == ["opened"] and "imported" in [t["kind"] for t in inc["timeline"]]
    assert inc["signature"] == "oom-kill" and inc["origin"] == "import"
    kinds = {(a["type"], a["status"]) for a in inc["actions"]}
    assert ("quarantine", "pending") in kinds and ("suggest_limits", "pending") in kinds
    assert {a["type"] for a in inc["recommended_actions"]} >= {"alert", "quarantine"}
    sig = inc["signals"][0]
    assert sig["name"] == "memory of scene_scanner" and sig["unit"] == "bytes" and sig["limit"] > 0
    assert len(sig["points"]) > 10
    assert isinstance(inc["similar"], list) and inc["alerts"] == [] and inc["feedback"] == []
    del bundle


def test_feedback_is_the_cli_store(site) -> None:
    iid = site.ids["export_failure"][0]
    r = site.client.post(f"/api/v1/incidents/{iid}/feedback",
                         json={"verdict": "wrong", "note": "it was the network",
                               "correct_category": "dependency_failure", "correct_component": "minio"},
                         headers={"X-Vvai-Operator": "carol"})
    assert r.status_code == 201 and r.json()["verdict"] == "wrong"
    env = vvai_env(site)
    p = subprocess.run([sys.executable, "-m", "vvai", "monitor", "feedback", str(iid), "--verdict", "partial",
                        "--note", "from the CLI", "--author", "dave"], capture_output=True, text=True, env=env,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    fb = site.client.get(f"/api/v1/incidents/{iid}").json()["feedback"]
    assert [(f["verdict"], f["author"]) for f in fb] == [("wrong", "carol"), ("partial", "dave")]
    assert fb[0]["correct_category"] == "dependency_failure" and fb[0]["correct_component"] == "minio"
    p = subprocess.run([sys.executable, "-m", "vvai", "monitor", "incidents", "--id", str(iid), "--json"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert [f["verdict"] for f in json.loads(p.stdout)["feedback"]] == ["wrong", "partial"]
    listed = site.client.get("/api/v1/incidents", params={"category": "export_failure"}).json()["items"]
    assert listed[0]["verdict"] == "partial"  # the latest verdict shows in the list


def test_similar_past_incidents_with_what_resolved_them(site) -> None:
    now = time.time()
    store = site.store()
    a, b, c = add_incidents(store, [
        ("poison_input", "scene_scanner", "cam7_0001.mp4", "Invalid data found when processing input cam7_0001.mp4"),
        ("disk_full", "log_exporter", None, "OSError: [Errno 28] No space left on device"),
        ("poison_input", "scene_scanner", "cam9_0042.mp4", "Invalid data found when processing input cam9_0042.mp4"),
    ], now - 3600)
    store.resolve_missing({"x"}, now=now - 1800, after_s=0)
    store.close()
    site.client.post(f"/api/v1/incidents/{a}/feedback", json={"verdict": "correct"})
    sims = site.client.get(f"/api/v1/incidents/{c}").json()["similar"]
    assert sims and sims[0]["id"] == a and sims[0]["score"] > 0.8
    assert sims[0]["verdict"] == "correct" and sims[0]["resolved_by"].startswith("resolved without an action after")
    assert b not in [s["id"] for s in sims]


def test_a_live_incident_is_charted_from_the_daemons_samples(site) -> None:
    from vvai.monitor.samples import SampleHistory
    from vvai.monitor.sources.base import Record

    now = time.time()
    store = site.store()
    hist = SampleHistory(store)
    limit = 512 * 1024 * 1024
    for k in range(120):  # memory climbing to the limit, one sample every 15 s, for 30 min
        data = {"component": "scene_summarizer", "mem_bytes": 4_000_000 * k, "mem_limit_bytes": limit,
                "cpu_percent": 50.0}
        hist.add(Record("stats", now - 1800 + 15 * k, data, name="scene_summarizer"))
        hist.add(Record("stats", now - 1800 + 15 * k, {"component": "other", "mem_bytes": 1}, name="other"))
    hist.flush(now)
    iid = store.upsert(make_incident("oom_kill", "scene_summarizer", text="Killed"), now=now - 60).incident_id
    store.close()
    inc = site.client.get(f"/api/v1/incidents/{iid}").json()
    sig = inc["signals"][0]
    assert sig["name"] == "memory of scene_summarizer" and sig["source"] == "samples" and sig["limit"] == limit
    assert len(sig["points"]) == 120 and sig["points"][-1][1] == 4_000_000 * 119
    assert inc["signature"] == "category:oom_kill"  # two signatures raise oom_kill: the live one is not known
    page = site.client.get(f"/incidents/{iid}")
    assert page.status_code == 200 and "<svg" in page.text and "memory of scene_summarizer" in page.text
