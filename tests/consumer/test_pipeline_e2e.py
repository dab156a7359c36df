"""Scan then summarize, end to end, through the real CLI on generated videos."""

from __future__ import annotations

import json
from pathlib import Path

from prometheus_client import generate_latest

from tests.models.model_helpers import run_vvai
from vvai.pipeline.summarizer.sample_model import publish_summarizer_model
from vvai.pipeline.summarizer.service import Summarizer


def test_generated_videos_are_scanned_summarized_and_signed(tmp_path: Path):
    root = tmp_path / "vv"
    env = {"VVAI_PIPELINE_ROOT": str(root), "VVAI_MODELS_DIR": str(root / "models")}
    p = run_vvai("pipeline", "make-samples", str(root / "input"), "--count", "3", "--seconds", "3",
                 "--no-highres", "--json", env=env)
    assert p.returncode == 0, p.stderr
    truths = {f.name.replace(".truth.json", ""): json.loads(f.read_text())
              for f in (root / "input").glob("*.truth.json")}
    for f in (root / "input").glob("*.truth.json"):
        f.unlink()  # ground truth stays out of the pipeline
    assert run_vvai("pipeline", "scan", "--once", "--settle", "0", env=env).returncode == 0
    man = publish_summarizer_model(tmp_path / "rel", "1.0.0", style="detailed")
    assert run_vvai("model", "sync", "-m", str(man), env=env).returncode == 0

    p = run_vvai("pipeline", "summarize", "--json", env=env)
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout)
    assert res["failed"] == [] and res["model_version"] == "1.0.0"
    analytics = sorted((root / "processed").glob("*.analytic.json"))
    assert len(analytics) == len(truths) == len(res["summarized"])
    for a in analytics:
        stem = a.name[: -len(".analytic.json")]
        doc = json.loads(a.read_text())
        truth = truths[stem]
        cuts = truth["cut_times_s"]
        assert len(doc["cuts_s"]) == len(cuts), (stem, doc["cuts_s"], cuts)
        fps = truth["fps"]
        assert all(abs(a - b) <= 1.0 / fps + 1e-6 for a, b in zip(doc["cuts_s"], cuts, strict=True))
        summary = json.loads((root / "processed" / f"{stem}.summary.json").read_text())
        assert summary["model"] == {"name": "BitNet-4bit-Summarizer", "version": "1.0.0", "ab_arm": "baseline",
                                    "engine": "deterministic"}
        assert len(summary["scenes"]) == len(doc["scenes"]) == len(cuts) + 1
        assert summary["summary"].startswith(f"{len(doc['scenes'])} scene(s)")
    # corrupt inputs were quarantined with a reason, and nothing was summarized for them
    reasons = list((root / "corrupted").glob("*.reason.json"))
    assert reasons and not list((root / "corrupted").glob("*.summary.json"))
    # the signature covers inputs, analytics and summaries: verify passes, then catches tampering
    assert run_vvai("pipeline", "verify", env=env).returncode == 0
    sig = json.loads((root / "vv-signature.json").read_text())["files"]
    assert sum(1 for k in sig if k.endswith(".summary.json")) == len(analytics)
    victim = root / "processed" / res["summarized"][0]
    victim.write_text(victim.read_text().replace("scene", "SCENE"))
    p = run_vvai("pipeline", "verify", env=env)
    assert p.returncode == 3 and victim.name in (p.stdout + p.stderr)
    # a second run has nothing left to do
    p = run_vvai("pipeline", "summarize", "--json", env=env)
    assert json.loads(p.stdout)["summarized"] == []
    log = [json.loads(line) for line in (root / "logs" / "app.log").read_text().splitlines()]
    loads = [r for r in log if r["component"] == "scene_summarizer" and r["msg"] == "model loaded"]
    assert loads and loads[0]["model_version"] == "1.0.0" and loads[0]["model_name"] == "BitNet-4bit-Summarizer"


def test_metrics_are_labelled_by_model_version(tmp_path: Path):
    root = tmp_path / "models"
    run_vvai("model", "sync", "-m", str(publish_summarizer_model(tmp_path / "rel", "3.1.0")), "--root", str(root),
             check=True)
    s = Summarizer(root)
    s.start(watch=False)
    doc = {"video": {"width": 64, "height": 36, "duration_s": 2}, "scenes": [
        {"index": 0, "start_s": 0, "end_s": 2, "duration_s": 2, "brightness": {"mean": 90}, "motion": {"mean": 0.0}}]}
    for i in range(5):
        s.summarize(doc, f"k{i}")
    text = generate_latest(s.metrics.registry).decode()
    assert 'vv_summarizer_inference_seconds_count{model_version="3.1.0"} 5.0' in text
    assert 'vv_summarizer_videos_total{arm="baseline",model_version="3.1.0"} 5.0' in text
    assert 'vv_summarizer_model_load_seconds{model_version="3.1.0"}' in text
    assert 'vv_summarizer_rss_bytes{model_version="3.1.0"}' in text
    assert 'vv_summarizer_cpu_seconds_total{model_version="3.1.0"}' in text
