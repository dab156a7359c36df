"""Synthetic test videos with known cut points, encoded with PyAV; nothing is downloaded.

Each video is a sequence of scenes; consecutive scenes differ clearly (hue rotated by at least
a quarter turn and a different background pattern) so the true cuts are unambiguous, while
each scene keeps moving (scrolling pattern, bouncing shapes, one large fast object, sensor
noise, light flicker, and a sudden camera bump that shifts the whole background) so a
detector that fires on a large pixel change is wrong. The true cut
times go to ``<stem>.truth.json`` beside the video.

``make_samples`` also writes the awkward inputs a scanner must survive: random bytes with a
``.mp4`` name, an MP4 cut in half (no index: unreadable), an MKV cut in half (readable but
truncated) and a 1080p video.
"""

from __future__ import annotations

import colorsys
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vvai.common.atomic import atomic_write_json

PATTERNS = ("gradient", "stripes", "checker", "rings")


@dataclass(frozen=True)
class SceneSpec:
    frames: int
    pattern: str
    hue: float
    speed: float  # pattern drift, pixels per frame (scaled to width)
    shapes: list[tuple[float, float, float, float, float]] = field(default_factory=list)
    # each shape: x, y (0..1), vx, vy (frame-widths per frame), size (0..1 of height)
    big_mover: bool = False
    jolt_at: int | None = None  # frame (within the scene) where the camera is bumped sideways


@dataclass(frozen=True)
class VideoSpec:
    width: int
    height: int
    fps: int
    scenes: list[SceneSpec]
    noise: float = 6.0

    @property
    def frames(self) -> int:
        return sum(s.frames for s in self.scenes)

    @property
    def jolt_frames(self) -> list[int]:
        out, n = [], 0
        for s in self.scenes:
            if s.jolt_at is not None:
                out.append(n + s.jolt_at)
            n += s.frames
        return out

    @property
    def cut_frames(self) -> list[int]:
        out, n = [], 0
        for s in self.scenes[:-1]:
            n += s.frames
            out.append(n)
        return out


def plan_video(
    rng: np.random.Generator,
    *,
    width: int,
    height: int,
    fps: int,
    seconds: float,
    min_scene_s: float = 0.8,
    max_scene_s: float = 2.0,
) -> VideoSpec:
    """Random scene plan filling ``seconds``; scene lengths in [min_scene_s, max_scene_s]."""
    total = max(1, round(seconds * fps))
    scenes: list[SceneSpec] = []
    hue = float(rng.random())
    pattern = str(rng.choice(PATTERNS))
    used = 0
    while used < total:
        n = int(rng.integers(round(min_scene_s * fps), round(max_scene_s * fps) + 1))
        if total - used - n < round(min_scene_s * fps):
            n = total - used
        shapes = [
            (
                float(rng.random()),
                float(rng.random()),
                float(rng.uniform(-0.02, 0.02)),
                float(rng.uniform(-0.02, 0.02)),
                float(rng.uniform(0.08, 0.2)),
            )
            for _ in range(rng.integers(1, 4))
        ]
        scenes.append(
            SceneSpec(
                frames=n,
                pattern=pattern,
                hue=hue,
                speed=float(rng.uniform(0.3, 1.5)),
                shapes=shapes,
                big_mover=len(scenes) % 2 == 1,
                jolt_at=n // 2 if len(scenes) % 2 == 0 and n >= 16 else None,
            )
        )
        used += n
        hue = (hue + float(rng.uniform(0.25, 0.75))) % 1.0
        pattern = str(rng.choice([p for p in PATTERNS if p != pattern]))
    return VideoSpec(width=width, height=height, fps=fps, scenes=scenes)


def _rgb(h: float, s: float, v: float) -> np.ndarray:
    return np.array(colorsys.hsv_to_rgb(h % 1.0, s, v), dtype=np.float32) * 255.0


class _Renderer:
    """Draws frames of a VideoSpec; coordinate grids and noise are computed once per size.

    Large frames are drawn at a reduced size (width <= ``max_draw_w``, integer factor) and
    enlarged by pixel repetition, then per-pixel sensor noise is added at full size: a 1080p
    frame costs a few tens of ms instead of ~200 ms, and still decodes like a noisy camera.
    """

    def __init__(self, spec: VideoSpec, rng: np.random.Generator, max_draw_w: int = 480):
        self.spec = spec
        f = 1
        for cand in range(max(1, -(-spec.width // max_draw_w)), 0, -1):
            if spec.width % cand == 0 and spec.height % cand == 0:
                f = cand
                break
        self.factor = f
        h, w = spec.height // f, spec.width // f
        self.h, self.w = h, w
        self.yy, self.xx = np.mgrid[0:h, 0:w].astype(np.float32)
        full = (spec.height, spec.width, 1)
        self.noise = [np.round(rng.normal(0.0, spec.noise, full)).astype(np.int16) for _ in range(5)]
        self.rng = rng

    def frame(self, scene: SceneSpec, i: int, n: int) -> np.ndarray:
        h, w = self.h, self.w
        shift = i * scene.speed * w / 160.0
        if scene.jolt_at is not None and i >= scene.jolt_at:
            shift += w / 4  # camera bump: the whole background jumps, its colours stay the same
        c1, c2 = _rgb(scene.hue, 0.75, 0.85), _rgb(scene.hue + 0.08, 0.55, 0.35)
        if scene.pattern == "gradient":
            t = ((self.xx + shift) / w + self.yy / (2 * h)) % 1.0
        elif scene.pattern == "stripes":
            t = (np.sin((self.xx + shift) * (2 * np.pi / (w / 6))) > 0).astype(np.float32)
        elif scene.pattern == "checker":
            cell = max(4.0, w / 10)
            t = ((((self.xx + shift) // cell) + (self.yy // cell)) % 2).astype(np.float32)
        else:  # rings around a drifting centre
            cx, cy = w / 2 + shift % (w / 4), h / 2
            t = (np.sqrt((self.xx - cx) ** 2 + (self.yy - cy) ** 2) / (h / 8)) % 1.0
        img = c2 + t[..., None] * (c1 - c2)
        for k, (x, y, vx, vy, size) in enumerate(scene.shapes):
            px = (x + vx * i) % 1.0 * w
            py = (y + vy * i) % 1.0 * h
            r = size * h / 2
            mask = (np.abs(self.xx - px) < r) & (np.abs(self.yy - py) < r)
            img[mask] = _rgb(scene.hue + 0.5 + 0.1 * k, 0.5, 0.95)
        if scene.big_mover:  # a large object crossing the whole frame within the scene
            px = -0.3 * w + 1.6 * w * i / max(1, n - 1)
            mask = (np.abs(self.xx - px) < 0.15 * w) & (np.abs(self.yy - h / 2) < 0.3 * h)
            img[mask] = _rgb(scene.hue + 0.33, 0.2, 0.6)
        img *= 1.0 + 0.03 * np.sin(i / 3.0)  # light flicker
        out = img.astype(np.int16)
        if self.factor > 1:
            out = out.repeat(self.factor, axis=0).repeat(self.factor, axis=1)
        out += self.noise[(i * 7 + len(scene.shapes)) % len(self.noise)]
        np.clip(out, 0, 255, out=out)
        return out.astype(np.uint8)

    def frames(self) -> Iterator[np.ndarray]:
        for scene in self.spec.scenes:
            for i in range(scene.frames):
                yield self.frame(scene, i, scene.frames)


def encode(
    path: Path, frames: Iterator[np.ndarray], *, width: int, height: int, fps: int, codec: str = "libx264"
) -> int:
    """Encode RGB frames to ``path`` (container from the extension), yuv420p; returns frame count."""
    import av

    n = 0
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if codec == "libx264":
            stream.options = {"preset": "veryfast", "crf": "23", "g": str(2 * fps)}
        else:
            stream.bit_rate = max(400_000, width * height * fps // 6)
        for arr in frames:
            frame = av.VideoFrame.from_ndarray(arr, format="rgb24")
            container.mux(stream.encode(frame))
            n += 1
        container.mux(stream.encode(None))
    return n


def truth_path(video: Path) -> Path:
    return video.with_name(video.stem + ".truth.json")


def make_video(
    path: Path,
    *,
    seed: int,
    width: int = 160,
    height: int = 90,
    fps: int = 25,
    seconds: float = 4.0,
    codec: str = "libx264",
) -> dict[str, Any]:
    """Write one synthetic video and its ``.truth.json``; returns the truth document."""
    rng = np.random.default_rng(seed)
    spec = plan_video(rng, width=width, height=height, fps=fps, seconds=seconds)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = encode(path, _Renderer(spec, rng).frames(), width=width, height=height, fps=fps, codec=codec)
    truth = {
        "video": path.name,
        "width": width,
        "height": height,
        "fps": fps,
        "frames": n,
        "duration_s": n / fps,
        "seed": seed,
        "codec": codec,
        "cut_frames": spec.cut_frames,
        "cut_times_s": [round(f / fps, 6) for f in spec.cut_frames],
        "jolt_frames": spec.jolt_frames,  # in-scene camera bumps: big pixel change, NOT a cut
        "scenes": [{k: v for k, v in asdict(s).items() if k != "shapes"} for s in spec.scenes],
    }
    atomic_write_json(truth_path(path), truth)
    return truth


def make_garbage(path: Path, *, seed: int, size: int = 64 * 1024) -> None:
    """Random bytes behind a plausible MP4 ``ftyp`` box: looks like a video by name and magic."""
    rng = np.random.default_rng(seed)
    head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    path.write_bytes(head + rng.integers(0, 256, size, dtype=np.uint8).tobytes())


def truncate_copy(src: Path, dst: Path, fraction: float = 0.5) -> None:
    """Copy the first ``fraction`` of ``src``: what a crashed camera upload leaves behind."""
    data = src.read_bytes()
    dst.write_bytes(data[: max(1, int(len(data) * fraction))])


def make_samples(
    out: Path,
    *,
    count: int = 3,
    seed: int = 0,
    width: int = 160,
    height: int = 90,
    fps: int = 25,
    seconds: float = 4.0,
    highres: bool = True,
    highres_seconds: float = 2.0,
) -> dict[str, Any]:
    """The sample set; writes ``samples.json`` listing every file with its kind and truth."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files: list[dict[str, Any]] = []
    for i in range(count):
        ext = ".mp4" if i % 2 == 0 else ".mkv"
        video = out / f"sample_{i:02d}{ext}"
        truth = make_video(video, seed=seed * 1000 + i, width=width, height=height, fps=fps, seconds=seconds)
        files.append(
            {"name": video.name, "kind": "video", "truth": truth_path(video).name, "cuts": len(truth["cut_frames"])}
        )
    garbage = out / "corrupt_garbage.mp4"
    make_garbage(garbage, seed=seed)
    files.append({"name": garbage.name, "kind": "corrupt"})
    for name, kind, seed_offset in (("corrupt_truncated.mp4", "corrupt", 900), ("truncated.mkv", "truncated", 901)):
        whole = out / f".whole.tmp{Path(name).suffix}"  # a complete video, then a cut copy of it
        make_video(whole, seed=seed * 1000 + seed_offset, width=width, height=height, fps=fps, seconds=seconds)
        truncate_copy(whole, out / name)
        whole.unlink()
        truth_path(whole).unlink()
        files.append({"name": name, "kind": kind})
    if highres:
        video = out / "highres_1080p.mp4"
        truth = make_video(video, seed=seed * 1000 + 999, width=1920, height=1080, fps=fps, seconds=highres_seconds)
        files.append(
            {"name": video.name, "kind": "highres", "truth": truth_path(video).name, "cuts": len(truth["cut_frames"])}
        )
    index = {"format": "vvai-samples/1", "seed": seed, "files": files}
    atomic_write_json(out / "samples.json", index)
    return index


def load_truth(video: Path) -> dict[str, Any]:
    return json.loads(truth_path(video).read_text(encoding="utf-8"))
