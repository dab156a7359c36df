"""The drill's inputs, generated on the host with PyAV (vvai's own sample generator where it fits)."""

from __future__ import annotations

import shutil
from pathlib import Path


def _h264(path: Path, w: int, h: int, frames: int) -> Path:
    import av
    import numpy as np

    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=2)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"preset": "ultrafast"}
        img = np.zeros((h, w, 3), np.uint8)
        for i in range(frames):
            img[:] = (i * 40) % 255
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def make_media(folder: Path) -> dict[str, Path]:
    """good: a small real video; corrupt: one the scanner handles (corrupted/ with a reason);
    bomb: a tiny file of huge 8K frames that exhausts the scanner's memory limit at every start
    (the poison); oversized: a longer 8K clip, an honest but too large input."""
    from vvai.pipeline.videogen import make_samples

    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / "samples"
    make_samples(staging, count=1, seed=5, width=96, height=64, seconds=2.0, highres=False)
    good = next(f for f in sorted(staging.iterdir()) if f.name.startswith("sample_") and f.suffix == ".mp4")
    out = {"good": folder / "good.mp4"}
    shutil.copyfile(good, out["good"])
    out["corrupt"] = folder / "corrupt.mp4"
    out["corrupt"].write_bytes(good.read_bytes()[: len(good.read_bytes()) // 3])
    out["bomb"] = _h264(folder / "bomb.mp4", 7680, 4320, 2)
    out["oversized"] = _h264(folder / "oversized.mp4", 7680, 4320, 8)
    return out
