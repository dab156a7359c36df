"""The pure detector on frames built in memory: cuts found, motion and noise not mistaken for cuts."""

from __future__ import annotations

import numpy as np

from vvai.pipeline.cuts import CutParams, SceneDetector, ahash, dhash, hamming, rgb_to_hsv


def _scene_frames(rng: np.random.Generator, colour: tuple[int, int, int], n: int, mover: bool) -> list[np.ndarray]:
    frames = []
    for i in range(n):
        img = np.zeros((36, 64, 3), np.float32) + np.array(colour, np.float32)
        if mover:  # a bright block sweeping across a third of the frame
            x = int(i * 50 / max(1, n - 1))
            img[8:28, x : x + 14] = (240, 240, 240)
        img += rng.normal(0, 8, img.shape)
        frames.append(np.clip(img, 0, 255).astype(np.uint8))
    return frames


def test_detects_hard_cuts_at_the_right_frame() -> None:
    rng = np.random.default_rng(1)
    frames = (
        _scene_frames(rng, (200, 40, 40), 30, mover=True)
        + _scene_frames(rng, (30, 60, 200), 25, mover=False)
        + _scene_frames(rng, (40, 180, 60), 30, mover=True)
    )
    det = SceneDetector(fps=25)
    for f in frames:
        det.push(f)
    scenes = det.finish()
    assert [s.start_frame for s in scenes] == [0, 30, 55]
    assert [s.end_frame for s in scenes] == [30, 55, 85]
    assert abs(scenes[1].start_s - 30 / 25) < 1e-9


def test_motion_and_noise_alone_make_one_scene() -> None:
    rng = np.random.default_rng(2)
    det = SceneDetector(fps=25)
    for f in _scene_frames(rng, (120, 120, 60), 100, mover=True):
        det.push(f)
    scenes = det.finish()
    assert len(scenes) == 1
    d = scenes[0].to_json()
    assert d["frames"] == 100 and d["motion"]["mean"] > 0.0  # it did see the motion


def test_min_scene_length_suppresses_flashes() -> None:
    rng = np.random.default_rng(3)
    frames = _scene_frames(rng, (50, 50, 200), 20, False) + _scene_frames(rng, (250, 250, 250), 2, False)
    frames += _scene_frames(rng, (50, 50, 200), 20, False)
    det = SceneDetector(fps=25, params=CutParams(min_scene_s=0.5))
    for f in frames:
        det.push(f)
    starts = [s.start_frame for s in det.finish()]
    # the flash at 20 is a cut, but the return at 22 is within 0.5 s and is not reported
    assert 22 not in starts and starts[0] == 0


def test_hashes_are_stable_and_discriminating() -> None:
    rng = np.random.default_rng(4)
    base = rng.integers(0, 255, (36, 64)).astype(np.float32)
    noisy = base + rng.normal(0, 3, base.shape)
    other = rng.integers(0, 255, (36, 64)).astype(np.float32)
    assert len(ahash(base)) == 16 and len(dhash(base)) == 16
    assert hamming(dhash(base), dhash(noisy)) < hamming(dhash(base), dhash(other))
    assert hamming(ahash(base), ahash(base)) == 0


def test_rgb_to_hsv_primaries() -> None:
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [128, 128, 128]]], np.uint8)
    h, s, v = rgb_to_hsv(rgb)
    assert np.allclose(h[0], [0.0, 1 / 3, 2 / 3, 0.0], atol=1e-6)
    assert np.allclose(s[0], [1, 1, 1, 0]) and np.allclose(v[0, :3], 1.0)
