"""Staging evaluation, promotion gates and the A/B split, on real installed versions."""

from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path

import pytest

from tests.models.model_helpers import active_version, run_vvai
from vvai.models.abtest import ABConfig
from vvai.models.evaluate import MetricThreshold, parse_gate, percentile, rouge_l
from vvai.models.lifecycle import ModelManager
from vvai.models.store import read_json
from vvai.pipeline.summarizer.engines import DeterministicEngine
from vvai.pipeline.summarizer.sample_model import STYLES, publish_summarizer_model
from vvai.pipeline.summarizer.service import Summarizer
from vvai.pipeline.summarizer.task import run as run_task


def _analytic(rng: random.Random, i: int) -> dict:
    scenes, t = [], 0.0
    for k in range(rng.randint(1, 6)):
        d = round(rng.uniform(0.5, 8.0), 2)
        scenes.append({"index": k, "start_s": t, "end_s": t + d, "duration_s": d,
                       "brightness": {"mean": rng.uniform(5, 250)}, "motion": {"mean": rng.uniform(0, 0.12)}})
        t += d
    return {"video": {"file": f"cam{i}.mp4", "width": 1280, "height": 720, "duration_s": t}, "scenes": scenes}


@pytest.fixture
def staged(tmp_path: Path):
    """v1 (brief wording) active, v2 (detailed wording) installed but not active, and a held-out
    dataset whose reference summaries were written in the detailed style."""
    root = tmp_path / "models"
    rel = tmp_path / "rel"
    # a few ms per scene, as a real model would take: latencies are then stable enough to gate on
    slow = {"simulated_latency_s": 0.002}
    run_vvai("model", "sync", "-m", str(publish_summarizer_model(rel, "1.0.0", style="brief", extra_config=slow)),
             "--root", str(root), check=True)
    p = run_vvai("model", "sync", "-m", str(publish_summarizer_model(rel, "2.0.0", style="detailed",
                                                                     extra_config=slow)),
                 "--root", str(root), "--no-activate", "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["action"] == "staged"
    assert active_version(root) == "1.0.0"
    ds = tmp_path / "dataset"
    ds.mkdir()
    rng = random.Random(7)
    ref_engine = DeterministicEngine(dict(STYLES["detailed"]))
    for i in range(12):
        doc = _analytic(rng, i)
        (ds / f"cam{i}.analytic.json").write_text(json.dumps(doc))
        # a human-ish reference: the detailed facts, reworded a little
        ref = run_task(ref_engine, doc).replace("scene(s)", "scenes").replace(" for ", " during ")
        (ds / f"cam{i}.reference.txt").write_text(ref)
    return root, ds


def test_rouge_l_and_percentiles():
    assert rouge_l("the cat sat on the mat", "the cat sat on the mat") == 1.0
    assert rouge_l("", "x") == 0.0
    # LCS "the cat the mat" = 4 of 6 and 4 of 5 tokens
    expected = 2 * (4 / 6) * (4 / 5) / (4 / 6 + 4 / 5)
    assert math.isclose(rouge_l("the cat sat on the mat", "the cat saw the mat"), expected)
    assert percentile([1, 2, 3, 4], 0.5) == 2.5 and percentile([5], 0.95) == 5


def test_metric_thresholds_follow_mlflow_semantics():
    g = MetricThreshold(threshold=0.5, min_absolute_change=0.05, min_relative_change=0.1)
    assert g.check("q", 0.7, 0.6) == []
    fails = g.check("q", 0.45, 0.44)
    assert len(fails) == 3 and "below the threshold" in fails[0]
    lat = MetricThreshold(min_relative_change=-0.25, greater_is_better=False)
    assert lat.check("lat", 1.2, 1.0) == []  # 20% slower is tolerated
    assert lat.check("lat", 1.3, 1.0)  # 30% is not
    gates: dict = {}
    parse_gate("rouge_l:threshold=0.4,min_absolute_change=0.02", gates)
    assert gates["rouge_l"].threshold == 0.4 and gates["rouge_l"].greater_is_better


def test_evaluate_then_promote_through_the_gates(staged):
    root, ds = staged
    p = run_vvai("model", "evaluate", "--candidate", "2.0.0", "--dataset", str(ds), "--root", str(root), "--json")
    assert p.returncode == 0, p.stderr
    rep = json.loads(p.stdout)
    assert rep["passed"] and rep["baseline"]["version"] == "1.0.0"
    b, c = rep["metrics"]["baseline"], rep["metrics"]["candidate"]
    assert c["rouge_l"] > b["rouge_l"] + 0.2, "the detailed model matches the detailed references better"
    assert c["peak_rss_bytes"] > 10e6 and b["latency_p95_s"] > 0, "measured, not made up"
    assert read_json(root / ".vvai/evaluations/2.0.0.json")["passed"] is True
    p = run_vvai("model", "promote", "2.0.0", "--root", str(root))
    assert p.returncode == 0, p.stderr
    assert active_version(root) == "2.0.0"

    # the other way round, the old model fails the quality gate and is not promoted
    p = run_vvai("model", "evaluate", "--candidate", "1.0.0", "--dataset", str(ds), "--root", str(root))
    assert p.returncode == 1 and "gates failed" in p.stdout and "rouge_l changed by" in p.stdout
    p = run_vvai("model", "promote", "1.0.0", "--root", str(root))
    assert p.returncode == 1 and p.stderr.count("\n") == 1
    assert "refusing to promote: the last evaluation of 1.0.0 failed its gates" in p.stderr
    assert active_version(root) == "2.0.0"
    p = run_vvai("model", "promote", "1.0.0", "--force", "--root", str(root), "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["forced"] is True
    history = read_json(root / ".vvai/state.json")["history"]
    assert history[-1]["action"] == "forced_promotion" and history[-2]["forced"] is True


def test_promotion_needs_an_evaluation_against_the_current_active(staged):
    root, ds = staged
    p = run_vvai("model", "promote", "2.0.0", "--root", str(root))
    assert p.returncode == 1 and "has never been evaluated" in p.stderr
    run_vvai("model", "evaluate", "--candidate", "2.0.0", "--dataset", str(ds), "--root", str(root), check=True)
    ModelManager(root).activate("2.0.0")
    ModelManager(root).activate("1.0.0")  # same version active again: still valid
    rel = Path(str(root).replace("models", "rel"))
    run_vvai("model", "sync", "-m", str(publish_summarizer_model(rel, "2.5.0")), "--root", str(root), check=True)
    p = run_vvai("model", "promote", "2.0.0", "--root", str(root))
    assert p.returncode == 1 and "evaluated against 1.0.0, but 2.5.0 is active now" in p.stderr


def test_bad_evaluation_input_gives_one_line_errors(staged, tmp_path):
    root, ds = staged
    p = run_vvai("model", "evaluate", "--candidate", "2.0.0", "--dataset", str(ds), "--root", str(root),
                 "--gate", "accuracy:threshold=1")
    assert p.returncode == 2 and "unknown metric 'accuracy'" in p.stderr
    p = run_vvai("model", "evaluate", "--candidate", "9.9.9", "--dataset", str(ds), "--root", str(root))
    assert p.returncode == 1 and "candidate 9.9.9 is not installed" in p.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    p = run_vvai("model", "evaluate", "--candidate", "2.0.0", "--dataset", str(empty), "--root", str(root))
    assert p.returncode == 2 and "no *.analytic.json" in p.stderr


def test_ab_assignment_is_deterministic_and_within_statistical_tolerance():
    n, f = 20_000, 0.2
    cfg = ABConfig("2.0.0", f, "salt-1")
    hits = sum(cfg.arm(f"video-{i}.mp4") == "candidate" for i in range(n))
    sigma = math.sqrt(n * f * (1 - f))
    assert abs(hits - n * f) < 4.5 * sigma, (hits, n * f, sigma)
    assert all(cfg.arm(f"v{i}") == cfg.arm(f"v{i}") for i in range(100))
    other = ABConfig("2.0.0", f, "salt-2")
    assert sum(cfg.arm(f"v{i}") != other.arm(f"v{i}") for i in range(1000)) > 100, "the salt reshuffles arms"


def test_ab_split_in_the_running_summarizer(staged, tmp_path):
    root, ds = staged
    s = Summarizer(root, app_log=tmp_path / "app.log", poll_interval=0.02)
    s.start(watch=True)
    try:
        doc = json.loads((ds / "cam0.analytic.json").read_text())
        doc["scenes"] = doc["scenes"][:1]  # one scene: the models' simulated latency stays small
        assert {s.summarize(doc, f"k{i}").arm for i in range(50)} == {"baseline"}
        p = run_vvai("model", "ab", "set", "2.0.0", "--fraction", "0.3", "--root", str(root))
        assert p.returncode == 0, p.stderr
        deadline = time.monotonic() + 10
        while s._ab is None and time.monotonic() < deadline:
            time.sleep(0.02)
        results = [s.summarize(doc, f"video-{i}") for i in range(2000)]
        cand = [r for r in results if r.arm == "candidate"]
        sigma = math.sqrt(2000 * 0.3 * 0.7)
        assert abs(len(cand) - 600) < 4.5 * sigma
        assert all(r.model_version == "2.0.0" for r in cand)
        assert all(r.model_version == "1.0.0" for r in results if r.arm == "baseline")
        # the candidate is pinned: gc keeping one version does not remove it
        ModelManager(root).gc(keep=1)
        assert {iv.version for iv in ModelManager(root).store.installed()} == {"1.0.0", "2.0.0"}
        run_vvai("model", "ab", "clear", "--root", str(root), check=True)
        deadline = time.monotonic() + 10
        while s._ab is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert {s.summarize(doc, f"video-{i}").arm for i in range(200)} == {"baseline"}
    finally:
        s.stop()
    p = run_vvai("model", "ab", "set", "9.9.9", "--fraction", "0.3", "--root", str(root))
    assert p.returncode == 1 and "not installed" in p.stderr
    p = run_vvai("model", "ab", "set", "2.0.0", "--fraction", "1.5", "--root", str(root))
    assert p.returncode == 2 and "between 0 and 1" in p.stderr
