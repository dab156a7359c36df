"""Import of bundles as if seen live, the success metrics, verdicts per signature and
`vvai monitor score --feedback`, summary ratings per model version and their reference-set export."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.api.conftest import EXAMPLES, vvai_env


def _vvai(site, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vvai", *args], capture_output=True, text=True, env=vvai_env(site),
                          timeout=120)


def test_import_is_idempotent_and_shows_like_any_incident(site) -> None:
    before = site.client.get("/api/v1/incidents").json()["total"]
    p = _vvai(site, "monitor", "import", str(EXAMPLES / "example-oom_kill"), "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["already_imported"] is True
    assert site.client.get("/api/v1/incidents").json()["total"] == before
    p = _vvai(site, "monitor", "import", str(site.dir / "no-such-bundle"))
    assert p.returncode != 0 and p.stderr.startswith("error: ") and len(p.stderr.strip().splitlines()) == 1
    inc = site.client.get(f"/api/v1/incidents/{site.ids['export_failure'][0]}").json()
    # as if seen live: the history's times are the bundle's, not the import's
    assert inc["first_seen"] < time.time() - 86400 and inc["last_seen"] >= inc["first_seen"]
    assert inc["signals"][0]["name"] == "processed files waiting for export"
    assert site.ids["healthy"] == []


def test_summary_metrics(site) -> None:
    iid = site.ids["oom_kill"][0]
    site.client.post(f"/api/v1/incidents/{iid}/feedback", json={"verdict": "correct"})
    site.client.post(f"/api/v1/incidents/{site.ids['export_failure'][0]}/feedback", json={"verdict": "partial"})
    site.client.post(f"/api/v1/incidents/{site.ids['orphan_outputs'][0]}/feedback", json={"verdict": "wrong"})
    site.client.post(f"/api/v1/incidents/{site.ids['orphan_outputs'][0]}/feedback", json={"verdict": "noise"})
    store = site.store()
    store.record_alert(iid, "new", "json", "sent", ts=time.time() - 10)
    store.record_alert(iid, "update", "json", "failed", reason="timeout", ts=time.time() - 5)
    store.close()
    m = site.client.get("/api/v1/summary", params={"since": "3650d"}).json()
    assert m["incidents"]["by_category"] == {"oom_kill": 1, "export_failure": 1, "orphan_outputs": 1}
    # the latest verdict counts: correct 1, partial 1, noise 1 -> (1 + 0.5) / 2
    assert m["accuracy"]["accuracy"] == 0.75 and m["accuracy"]["noise"] == 1 and m["accuracy"]["wrong"] == 0
    assert m["accuracy_by_signature"]["oom-kill"]["correct"] == 1
    assert m["mttd"]["count"] == 3 and m["mttd"]["median_s"] >= 0
    assert m["alerts"]["sent"] == 1 and m["alerts"]["sent_by_kind"] == {"new": 1}  # alerts count by their own time
    assert m["actions"]["refused"] == 2 and m["actions"]["total"] == 4
    assert m["automatic_effective_share"] == 0.0
    recent = site.client.get("/api/v1/summary", params={"since": "1h"}).json()
    assert recent["incidents"]["total"] == 0 and recent["alerts"]["sent"] == 1 and recent["alerts"]["failed"] == 1
    p = _vvai(site, "monitor", "score", "--feedback", "--json")
    assert p.returncode == 0, p.stderr
    rep = json.loads(p.stdout)
    assert rep["overall"]["rated"] == 3 and rep["overall"]["accuracy"] == 0.75
    assert set(rep["by_signature"]) == {"oom-kill", "exporter-cannot-ship", "orphan-outputs"}
    p = _vvai(site, "monitor", "score", "--feedback")
    assert p.returncode == 0 and "accuracy 75%" in p.stdout and "oom-kill" in p.stdout


def test_summary_ratings_per_model_version_and_export(site, tmp_path) -> None:
    items = site.client.get("/api/v1/summaries").json()["items"]
    assert {i["stem"] for i in items} == {"cam0", "cam1", "cam2"}
    assert all(i["model_version"] == "1.1.0" and i["summary"] for i in items)
    r = site.client.post("/api/v1/summaries/cam0/feedback", json={"verdict": "bad", "note": "missed the car",
                                                                  "corrected_summary": "A car crosses the yard."})
    assert r.status_code == 201 and r.json()["model_version"] == "1.1.0"
    assert site.client.post("/api/v1/summaries/cam1.mp4/feedback", json={"verdict": "good"}).status_code == 201
    p = _vvai(site, "pipeline", "feedback", "cam2.mp4", "--verdict", "good")
    assert p.returncode == 0 and "1.1.0" in p.stdout, p.stderr
    p = _vvai(site, "pipeline", "feedback", "cam2.mp4", "--verdict", "so-so")
    assert p.returncode == 2 and "--verdict must be good or bad" in p.stderr
    p = _vvai(site, "pipeline", "feedback", "../etc/passwd", "--verdict", "good")
    assert p.returncode != 0 and "not a video name" in p.stderr
    rates = site.client.get("/api/v1/summary", params={"since": "1h"}).json()["summaries"]
    assert rates == [{"model_name": "BitNet-4bit-Summarizer", "model_version": "1.1.0", "good": 2, "bad": 1,
                      "good_rate": 0.6667}]
    assert site.client.get("/api/v1/models").json()["summary_ratings"] == rates
    out = tmp_path / "heldout"
    p = _vvai(site, "pipeline", "feedback-export", str(out))
    assert p.returncode == 0 and "wrote 1 reference summary" in p.stdout
    assert (out / "cam0.reference.txt").read_text() == "A car crosses the yard.\n"
    from vvai.models.evaluate import load_dataset

    ds = load_dataset(out)
    assert [(s.name, s.reference) for s in ds] == [("cam0", "A car crosses the yard.")]
