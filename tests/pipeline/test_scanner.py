"""The scanner end to end on real encoded videos: cuts, outputs, quarantine, crash safety."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from vvai.common.errors import LockedError
from vvai.common.hashing import sha256_file
from vvai.pipeline import scanner as scanner_mod
from vvai.pipeline.analysis import analyze_video
from vvai.pipeline.layout import Layout
from vvai.pipeline.scanner import Scanner, scanner_lock
from vvai.pipeline.verifier import verify
from vvai.pipeline.videogen import load_truth

from .conftest import BAD_FILES, VIDEO_FILES, log_records


def _all_files(layout: Layout) -> dict[str, str]:
    """sha256 -> folder for every video anywhere under the root (to prove nothing was lost)."""
    out = {}
    for folder in ("input", "processed", "corrupted"):
        for p in (layout.root / folder).iterdir():
            if p.suffix in (".mp4", ".mkv"):
                out[sha256_file(p)] = folder
    return out


@pytest.mark.parametrize("name", VIDEO_FILES)
def test_detector_finds_the_known_cuts(samples: Path, name: str) -> None:
    truth = load_truth(samples / name)
    doc = analyze_video(samples / name)
    frame = 1.0 / truth["fps"]
    assert len(doc["cuts_s"]) == len(truth["cut_times_s"]), (doc["cuts_s"], truth["cut_times_s"])
    for found, want in zip(doc["cuts_s"], truth["cut_times_s"], strict=True):
        assert abs(found - want) <= frame + 1e-6


def test_samples_defeat_a_naive_pixel_difference_detector(samples: Path) -> None:
    """The in-scene camera bumps change pixels as much as the cuts do: a fixed threshold on the mean
    luma change that catches every true cut also fires inside a scene, which ours does not."""
    import av
    import numpy as np

    cut_diffs, jolt_diffs = [], []
    for name in VIDEO_FILES:
        truth = load_truth(samples / name)
        with av.open(str(samples / name)) as c:
            frames = [f.to_ndarray(format="gray").astype(np.float32) for f in c.decode(video=0)]
        diffs = [float(np.abs(b - a).mean()) for a, b in zip(frames, frames[1:], strict=False)]
        cut_diffs += [diffs[i - 1] for i in truth["cut_frames"]]
        jolt_diffs += [diffs[i - 1] for i in truth["jolt_frames"]]
    assert jolt_diffs and max(jolt_diffs) >= min(cut_diffs)


def test_scan_moves_everything_and_writes_sane_analytics(samples: Path, layout: Layout) -> None:
    for name in VIDEO_FILES + BAD_FILES:
        shutil.copy2(samples / name, layout.input / name)
    before = {sha256_file(layout.input / n) for n in VIDEO_FILES + BAD_FILES}
    summary = Scanner(layout, settle_s=0).run_once()
    assert sorted(r.file for r in summary.results if r.status == "processed") == sorted(VIDEO_FILES)
    assert sorted(r.file for r in summary.results if r.status == "corrupted") == sorted(BAD_FILES)
    assert list(layout.input.iterdir()) == []
    assert set(_all_files(layout)) == before  # nothing lost, nothing duplicated

    for name in VIDEO_FILES:
        stem = Path(name).stem
        doc = json.loads((layout.processed / f"{stem}.analytic.json").read_text())
        truth = load_truth(samples / name)
        v = doc["video"]
        assert (v["width"], v["height"], v["fps"], v["frames"]) == (160, 90, 25.0, truth["frames"])
        assert v["codec"] == "h264" and v["resolution"] == "160x90"
        assert v["sha256"] == sha256_file(layout.processed / name) and v["size_bytes"] > 0
        assert abs(v["duration_s"] - truth["duration_s"]) < 1e-6
        scenes = doc["scenes"]
        assert len(scenes) == len(truth["cut_frames"]) + 1
        assert scenes[0]["start_s"] == 0.0 and scenes[-1]["end_s"] == pytest.approx(truth["duration_s"])
        assert sum(s["frames"] for s in scenes) == truth["frames"]
        for a, b in zip(scenes, scenes[1:], strict=False):
            assert a["end_s"] == b["start_s"] and a["keyframe"]["dhash"] != b["keyframe"]["dhash"]
        for s in scenes:
            assert 0 < s["brightness"]["min"] <= s["brightness"]["mean"] <= s["brightness"]["max"] < 1
            assert 0 < s["motion"]["mean"] <= s["motion"]["max"]  # every synthetic scene moves
            assert s["start_s"] <= s["keyframe"]["time_s"] < s["end_s"] and len(s["keyframe"]["ahash"]) == 16

    for name in BAD_FILES:
        reason = json.loads((layout.corrupted / f"{Path(name).stem}.reason.json").read_text())
        assert reason["file"] == name and reason["sha256"] == sha256_file(layout.corrupted / name)
        assert reason["reason"]
    truncated = json.loads((layout.corrupted / "truncated.reason.json").read_text())
    assert truncated["error"] == "Truncated"

    recs = log_records(layout)
    done = [r for r in recs if r["msg"].startswith("analysis finished")]
    assert {r["file"] for r in done} == set(VIDEO_FILES)
    assert all(r["component"] == "scene_scanner" and r["scenes"] >= 2 and r["frames"] == 100 for r in done)
    assert all("fps_processed" in r and r["resolution"] == "160x90" for r in done)
    gave_up = [r for r in recs if r["level"] == "ERROR"]
    assert {r["file"] for r in gave_up} == set(BAD_FILES)


def test_files_being_written_are_not_picked_up(samples: Path, layout: Layout) -> None:
    shutil.copy2(samples / "sample_00.mp4", layout.input / "cam.mp4.part")
    (layout.input / "notes.txt").write_text("not a video")
    s = Scanner(layout, settle_s=3600)
    shutil.copy2(samples / "sample_01.mkv", layout.input / "growing.mkv")
    s.look()
    with open(layout.input / "growing.mkv", "ab") as f:  # still being appended to
        f.write(b"\0" * 10)
    ready, waiting = s.look()
    assert ready == [] and waiting == ["growing.mkv"]
    summary = Scanner(layout, settle_s=0).run_once()  # settled now: taken, .part and .txt never
    assert [r.file for r in summary.results] == ["growing.mkv"]
    assert sorted(p.name for p in layout.input.iterdir()) == ["cam.mp4.part", "notes.txt"]


def test_crash_after_output_before_move_is_retried(samples: Path, layout: Layout, monkeypatch) -> None:
    shutil.copy2(samples / "sample_00.mp4", layout.input / "cam.mp4")

    def crash(src, dst):
        raise OSError("simulated crash between writing the analytic and moving the video")

    monkeypatch.setattr(scanner_mod, "move_no_clobber", crash)
    summary = Scanner(layout, settle_s=0).run_once()
    assert summary.results[0].status == "failed"
    assert (layout.input / "cam.mp4").exists()  # left for a retry
    monkeypatch.undo()
    summary = Scanner(layout, settle_s=0).run_once()
    assert summary.results[0].status == "processed"
    # the retry reused its own complete output instead of leaving an orphan beside a "cam~1"
    assert sorted(p.name for p in layout.processed.iterdir()) == ["cam.analytic.json", "cam.mp4"]
    assert [p for p in layout.processed.iterdir() if p.name.startswith(".")] == []


def test_crash_mid_decode_leaves_input_and_no_output(samples: Path, layout: Layout, monkeypatch) -> None:
    shutil.copy2(samples / "sample_02.mp4", layout.input / "cam.mp4")

    def boom(*a, **k):
        raise MemoryError("simulated OOM while decoding")

    monkeypatch.setattr(scanner_mod, "analyze_video", boom)
    summary = Scanner(layout, settle_s=0).run_once()
    assert summary.results[0].status == "failed"
    assert [p.name for p in layout.input.iterdir()] == ["cam.mp4"]
    assert list(layout.processed.iterdir()) == [] and not layout.signature.exists()


def test_name_collision_never_overwrites(samples: Path, scanned: Layout) -> None:
    old = sha256_file(scanned.processed / "sample_00.mp4")
    shutil.copy2(samples / "sample_02.mp4", scanned.input / "sample_00.mp4")  # same name, other bytes
    summary = Scanner(scanned, settle_s=0).run_once()
    assert summary.results[0].moved_to == "processed/sample_00~1.mp4"
    assert sha256_file(scanned.processed / "sample_00.mp4") == old
    doc = json.loads((scanned.processed / "sample_00~1.analytic.json").read_text())
    assert doc["video"]["file"] == "sample_00~1.mp4" and doc["video"]["original_name"] == "sample_00.mp4"


def test_one_scanner_per_root(layout: Layout) -> None:
    with scanner_lock(layout), pytest.raises(LockedError):
        Scanner(layout, settle_s=0).run_once()


def test_watch_mode_processes_new_files(samples: Path, layout: Layout) -> None:
    shutil.copy2(samples / "sample_01.mkv", layout.input / "a.mkv")
    summary = Scanner(layout, settle_s=0).watch(interval_s=0.01, max_loops=3)
    assert [r.status for r in summary.results] == ["processed"]
    assert os.path.exists(layout.processed / "a.analytic.json")


@pytest.mark.slow
def test_1080p_video_is_scanned(tmp_path: Path, layout: Layout) -> None:
    from vvai.pipeline.videogen import make_video

    truth = make_video(layout.input / "hd.mp4", seed=11, width=1920, height=1080, fps=25, seconds=2.0)
    (layout.input / "hd.truth.json").unlink()
    summary = Scanner(layout, settle_s=0).run_once()
    assert [r.status for r in summary.results] == ["processed"]
    doc = json.loads((layout.processed / "hd.analytic.json").read_text())
    assert doc["video"]["resolution"] == "1920x1080" and doc["video"]["frames"] == truth["frames"]
    assert len(doc["cuts_s"]) == len(truth["cut_times_s"])
    assert all(abs(a - b) <= 0.04 + 1e-6 for a, b in zip(doc["cuts_s"], truth["cut_times_s"], strict=True))


def test_poison_input_is_quarantined_after_repeated_failures(samples: Path, layout: Layout, monkeypatch) -> None:
    shutil.copy2(samples / "sample_00.mp4", layout.input / "poison.mp4")

    def boom(*a, **k):
        raise RuntimeError("decoder bug")

    monkeypatch.setattr(scanner_mod, "analyze_video", boom)
    summary = Scanner(layout, settle_s=0, max_failures=3).watch(interval_s=0.0, max_loops=6)
    assert [r.status for r in summary.results] == ["failed", "failed", "corrupted"]
    reason = json.loads((layout.corrupted / "poison.reason.json").read_text())
    assert reason["error"] == "RepeatedFailure" and "decoder bug" in reason["reason"]
    assert sha256_file(layout.corrupted / "poison.mp4") == sha256_file(samples / "sample_00.mp4")


def test_file_growing_during_analysis_is_left_for_a_retry(samples: Path, layout: Layout, monkeypatch) -> None:
    shutil.copy2(samples / "sample_00.mp4", layout.input / "cam.mp4")
    real = scanner_mod.analyze_video

    def analyse_while_written(path, *a, **k):
        doc = real(path, *a, **k)
        with open(path, "ab") as f:  # a writer that ignores the .part convention appends meanwhile
            f.write(b"\0" * 100)
        return doc

    monkeypatch.setattr(scanner_mod, "analyze_video", analyse_while_written)
    summary = Scanner(layout, settle_s=0).run_once()
    assert summary.results[0].status == "failed" and "changed" in (summary.results[0].reason or "")
    assert [p.name for p in layout.input.iterdir()] == ["cam.mp4"] and list(layout.processed.iterdir()) == []


def test_crash_retry_with_a_name_collision_leaves_no_orphan(samples: Path, scanned: Layout, monkeypatch) -> None:
    shutil.copy2(samples / "sample_02.mp4", scanned.input / "sample_00.mp4")  # collides with a processed one

    def crash(src, dst):
        raise OSError("simulated crash before the move")

    monkeypatch.setattr(scanner_mod, "move_no_clobber", crash)
    Scanner(scanned, settle_s=0).run_once()
    monkeypatch.undo()
    summary = Scanner(scanned, settle_s=0).run_once()
    assert summary.results[0].moved_to == "processed/sample_00~1.mp4"
    assert not (scanned.processed / "sample_00~2.analytic.json").exists()
    assert verify(scanned).ok
