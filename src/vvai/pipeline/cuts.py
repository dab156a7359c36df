"""Scene-cut detection on a stream of small RGB frames: a pure algorithm, no I/O.

Why this method: a hard cut changes the colour distribution of the whole picture at once,
while motion inside a scene (objects moving, noise, slow light changes) mostly moves pixels
around and leaves the distribution nearly unchanged. So the score between two consecutive
frames is the HSV-histogram distance (total variation, hue weighted by saturation so grey
noise does not count) plus a small share of the mean luma difference (catches cuts between
two scenes of similar colours). A frame starts a new scene when its score exceeds an
*adaptive* threshold, ``max(min_score, mean + k*std)`` of the recent scores of the current
scene, so a busy scene needs a bigger jump than a static one; and a scene is at least
``min_scene_s`` long, so a flash or a fast pan does not split it into slivers.

The per-scene statistics (motion = mean absolute luma change, brightness = mean luma) and the
keyframe's perceptual hashes (aHash/dHash, 64 bits each, of the scene's middle frame) are
computed here too, from the same thumbnails. Written by hand because it is ~150 lines of
numpy; PySceneDetect would pull in OpenCV, too heavy for the edge image.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

_HUE_BINS, _SAT_BINS, _VAL_BINS = 18, 8, 8


@dataclass(frozen=True)
class CutParams:
    """Detector tuning; the defaults work for surveillance-style footage at any frame rate."""

    min_score: float = 0.3  # never a cut below this score, however calm the scene
    k: float = 6.0  # a cut is this many standard deviations above the recent mean
    window_s: float = 2.0  # how much recent history the adaptive threshold looks at
    min_scene_s: float = 0.5  # shortest scene we report
    luma_weight: float = 0.5  # share of the mean absolute luma change (0..1) in the score


def rgb_to_hsv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised RGB (uint8, HxWx3) -> hue in [0,1), saturation and value in [0,1]."""
    f = rgb.astype(np.float32) / 255.0
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    mx = f.max(axis=-1)
    mn = f.min(axis=-1)
    delta = mx - mn
    safe = np.where(delta > 0, delta, 1.0)
    h = np.where(mx == r, ((g - b) / safe) % 6.0, np.where(mx == g, (b - r) / safe + 2.0, (r - g) / safe + 4.0))
    h = np.where(delta > 0, h / 6.0, 0.0)
    s = np.where(mx > 0, delta / np.where(mx > 0, mx, 1.0), 0.0)
    return h, s, mx


def _resize_mean(img: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Area-average downscale of a 2-D array (needs img at least out_h x out_w)."""
    rows = np.linspace(0, img.shape[0], out_h + 1).astype(int)
    cols = np.linspace(0, img.shape[1], out_w + 1).astype(int)
    s = np.add.reduceat(np.add.reduceat(img, rows[:-1], axis=0), cols[:-1], axis=1)
    counts = np.outer(np.diff(rows), np.diff(cols))
    return s / counts


def ahash(luma: np.ndarray) -> str:
    """Average hash: 8x8 means, bit set where brighter than the mean; 16 hex digits."""
    small = _resize_mean(luma, 8, 8)
    return np.packbits(small > small.mean()).tobytes().hex()


def dhash(luma: np.ndarray) -> str:
    """Difference hash: 9x8 means, bit set where a pixel is brighter than its right neighbour."""
    small = _resize_mean(luma, 8, 9)
    return np.packbits(small[:, 1:] > small[:, :-1]).tobytes().hex()


def hamming(a: str, b: str) -> int:
    """Bits that differ between two hex hashes (near-duplicate keyframes differ by a few bits)."""
    return bin(int(a, 16) ^ int(b, 16)).count("1")


@dataclass
class _Features:
    hist: np.ndarray  # concatenated, each channel normalised to sum 1
    luma: np.ndarray  # float32 HxW in [0, 255]


def _hist(x: np.ndarray, bins: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Histogram of values in [0, 1] by bin index + bincount (several times faster than np.histogram)."""
    idx = np.minimum((x * bins).astype(np.intp), bins - 1).ravel()
    return np.bincount(idx, weights=None if weights is None else weights.ravel(), minlength=bins).astype(np.float64)


def features(rgb: np.ndarray) -> _Features:
    h, s, v = rgb_to_hsv(rgb)
    hh = _hist(h, _HUE_BINS, s)
    total = hh.sum()
    hh = hh / total if total > 1e-6 else np.full(_HUE_BINS, 1.0 / _HUE_BINS)
    sh = _hist(s, _SAT_BINS) / s.size
    vh = _hist(v, _VAL_BINS) / v.size
    f = rgb.astype(np.float32)
    luma = 0.299 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]
    return _Features(hist=np.concatenate([hh, sh, vh]), luma=luma)


def frame_score(prev: _Features, cur: _Features, luma_weight: float) -> tuple[float, float]:
    """(cut score, motion) between two frames; motion is the mean |luma change| in [0, 1]."""
    n = _HUE_BINS
    tv = np.abs(prev.hist - cur.hist)
    hist_d = 0.5 * (0.5 * tv[:n].sum() + 0.25 * tv[n : n + _SAT_BINS].sum() + 0.25 * tv[n + _SAT_BINS :].sum())
    motion = float(np.abs(prev.luma - cur.luma).mean() / 255.0)
    return float(hist_d + luma_weight * motion), motion


@dataclass
class Scene:
    """One detected scene, with the statistics the summarizer and the monitor use."""

    index: int
    start_frame: int
    start_s: float
    end_frame: int = 0  # exclusive
    end_s: float = 0.0
    cut_score: float | None = None
    motion: list[float] = field(default_factory=list)
    brightness: list[float] = field(default_factory=list)
    hashes: list[tuple[int, float, str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        frames = self.end_frame - self.start_frame
        mid = self.hashes[len(self.hashes) // 2] if self.hashes else (self.start_frame, self.start_s, "", "")
        mot = np.array(self.motion[1:] or [0.0])  # the first frame's change is the cut itself
        bri = np.array(self.brightness or [0.0])
        return {
            "index": self.index,
            "start_s": round(self.start_s, 4),
            "end_s": round(self.end_s, 4),
            "duration_s": round(self.end_s - self.start_s, 4),
            "start_frame": self.start_frame,
            "frames": frames,
            "cut_score": None if self.cut_score is None else round(self.cut_score, 4),
            "motion": {
                "mean": round(float(mot.mean()), 5),
                "max": round(float(mot.max()), 5),
                "p95": round(float(np.percentile(mot, 95)), 5),
            },
            "brightness": {
                "mean": round(float(bri.mean()), 4),
                "min": round(float(bri.min()), 4),
                "max": round(float(bri.max()), 4),
            },
            "keyframe": {"frame": mid[0], "time_s": round(mid[1], 4), "ahash": mid[2], "dhash": mid[3]},
        }


class SceneDetector:
    """Feed frames in display order with :meth:`push`; :meth:`finish` returns every scene."""

    def __init__(self, fps: float, params: CutParams | None = None):
        self.params = params or CutParams()
        self.fps = fps if fps and fps > 0 else 25.0
        self.min_scene_frames = max(1, math.ceil(self.params.min_scene_s * self.fps))
        self._window: deque[float] = deque(maxlen=max(5, round(self.params.window_s * self.fps)))
        self._prev: _Features | None = None
        self._scenes: list[Scene] = []
        self._cur: Scene | None = None
        self._n = 0
        self._last_t = 0.0
        self.scores: list[float] = []  # kept for tuning and the bench; one float per frame

    def threshold(self) -> float:
        """The score the next frame must exceed to start a new scene."""
        w = self._window
        if len(w) < 5:
            return max(self.params.min_score, 2 * self.params.min_score)
        arr = np.fromiter(w, dtype=np.float64)
        return max(self.params.min_score, float(arr.mean() + self.params.k * arr.std()))

    def push(self, rgb: np.ndarray, t: float | None = None) -> None:
        """Add the next frame (small RGB uint8 HxWx3) shown at time ``t`` seconds."""
        t = self._n / self.fps if t is None else float(t)
        feat = features(rgb)
        motion = 0.0
        if self._cur is None:
            self._cur = Scene(index=0, start_frame=0, start_s=t)
        else:
            assert self._prev is not None
            score, motion = frame_score(self._prev, feat, self.params.luma_weight)
            self.scores.append(score)
            long_enough = self._n - self._cur.start_frame >= self.min_scene_frames
            if long_enough and score > self.threshold():
                self._close(self._n, t)
                self._cur = Scene(index=len(self._scenes), start_frame=self._n, start_s=t, cut_score=score)
                self._window.clear()
            else:
                self._window.append(score)
        cur = self._cur
        cur.motion.append(motion)
        cur.brightness.append(float(feat.luma.mean() / 255.0))
        cur.hashes.append((self._n, t, ahash(feat.luma), dhash(feat.luma)))
        self._prev = feat
        self._n += 1
        self._last_t = t

    def _close(self, end_frame: int, end_s: float) -> None:
        assert self._cur is not None
        self._cur.end_frame, self._cur.end_s = end_frame, end_s
        self._scenes.append(self._cur)

    @property
    def frames(self) -> int:
        return self._n

    def finish(self, end_s: float | None = None) -> list[Scene]:
        """Close the last scene (ending one frame after the last frame unless told) and return all."""
        if self._cur is not None:
            self._close(self._n, end_s if end_s is not None else self._last_t + 1.0 / self.fps)
            self._cur = None
        return list(self._scenes)

    @property
    def cut_times(self) -> list[float]:
        return [s.start_s for s in self._scenes[1:]] + ([self._cur.start_s] if self._cur and self._cur.index else [])
