"""The summarizer under continuous load while models are synced, rolled back and broken."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.models.model_helpers import run_vvai
from vvai.models.handle import ModelHandle, ModelLoadError
from vvai.pipeline.summarizer.engines import load_engine
from vvai.pipeline.summarizer.sample_model import publish_summarizer_model
from vvai.pipeline.summarizer.service import Summarizer

ANALYTIC = {
    "video": {"file": "cam1.mp4", "width": 640, "height": 360, "duration_s": 9.0},
    "scenes": [
        {"index": 0, "start_s": 0.0, "end_s": 3.0, "duration_s": 3.0, "brightness": {"mean": 200.0},
         "motion": {"mean": 0.002}},
        {"index": 1, "start_s": 3.0, "end_s": 6.0, "duration_s": 3.0, "brightness": {"mean": 30.0},
         "motion": {"mean": 0.09}},
        {"index": 2, "start_s": 6.0, "end_s": 9.0, "duration_s": 3.0, "brightness": {"mean": 120.0},
         "motion": {"mean": 0.03}},
    ],
}
# what each release's wording looks like: an output can be checked against the version it names
WORDING = {"1.0.0": "bright, static", "2.0.0": "brightly lit and still", "3.0.0": None}


@pytest.fixture
def releases(tmp_path: Path) -> dict[str, Path]:
    slow = {"simulated_latency_s": 0.003}  # each scene takes a little time: work is in flight at swaps
    return {
        "1.0.0": publish_summarizer_model(tmp_path / "rel", "1.0.0", style="brief", extra_config=slow),
        "2.0.0": publish_summarizer_model(tmp_path / "rel", "2.0.0", style="detailed", extra_config=slow),
        "3.0.0": publish_summarizer_model(tmp_path / "rel", "3.0.0", broken=True),
    }


def _wait_for(pred, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return False


def test_zero_failed_calls_while_syncing_rolling_back_and_loading_a_broken_model(tmp_path, releases):
    root = tmp_path / "models"
    run_vvai("model", "sync", "-m", str(releases["1.0.0"]), "--root", str(root), check=True)
    log = tmp_path / "app.log"
    s = Summarizer(root, app_log=log, poll_interval=0.02)
    s.start(watch=True)

    results: list[tuple[str, str]] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def worker(n: int) -> None:
        i = 0
        while not stop.is_set():
            try:
                r = s.summarize(ANALYTIC, f"w{n}-{i}")
                results.append((r.model_version, r.summary))
            except BaseException as e:  # noqa: BLE001 - every failure is a test failure
                failures.append(e)
            i += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    try:
        assert _wait_for(lambda: len(results) > 20)
        run_vvai("model", "sync", "-m", str(releases["2.0.0"]), "--root", str(root), check=True)
        assert _wait_for(lambda: results[-1][0] == "2.0.0"), "the new version serves after sync"
        n_after_sync = len(results)
        assert _wait_for(lambda: len(results) > n_after_sync + 20)
        run_vvai("model", "rollback", "--root", str(root), check=True)
        assert _wait_for(lambda: results[-1][0] == "1.0.0"), "the old version serves after rollback"
        n_after_rb = len(results)
        # a release that installs and verifies but cannot be loaded: the old model keeps serving
        run_vvai("model", "sync", "-m", str(releases["3.0.0"]), "--root", str(root), check=True)
        assert _wait_for(lambda: s.metrics.load_failures._value.get() >= 1)
        assert _wait_for(lambda: len(results) > n_after_rb + 40)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        s.stop()

    assert failures == [], failures[:3]
    versions = Counter(v for v, _ in results)
    assert set(versions) == {"1.0.0", "2.0.0"} and min(versions.values()) > 10
    for version, summary in results:  # the version an output names is the one that made it
        assert WORDING[version] in summary, (version, summary)
    assert results[-1][0] == "1.0.0"
    records = [json.loads(line) for line in log.read_text().splitlines()]
    loads = [r["model_version"] for r in records if r["msg"] == "model loaded"]
    assert loads == ["1.0.0", "2.0.0", "1.0.0"]
    failed = [r for r in records if r["msg"].startswith("model load failed")]
    assert len(failed) == 1 and "bad magic" in failed[0]["error"] and failed[0]["model_version"] == "1.0.0"
    metrics = s.metrics.registry
    assert metrics.get_sample_value("vv_summarizer_model_load_failures_total") == 1
    assert metrics.get_sample_value("vv_summarizer_inference_seconds_count", {"model_version": "2.0.0"}) > 0
    assert metrics.get_sample_value("vv_summarizer_model_info", {"model_name": "BitNet-4bit-Summarizer",
                                                                 "model_version": "1.0.0"}) == 1


def test_the_handle_refuses_a_missing_model_and_names_the_fix(tmp_path):
    h = ModelHandle(tmp_path / "empty", load_engine)
    with pytest.raises(ModelLoadError, match="no active model") as ei:
        h.current()
    assert "vvai model sync" in ei.value.one_line()
