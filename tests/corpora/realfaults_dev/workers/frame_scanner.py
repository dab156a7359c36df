"""A scanner build that keeps the first KEEP decoded frames of each video as RGB arrays (for its
thumbnail strip and cut comparison) before writing <stem>.analytic.json. It logs the file name when
it starts a video and the result when done. Memory per video grows with width x height x KEEP; no
guard on resolution."""

import json
import os
import time
from pathlib import Path

import av

root = Path(os.environ.get("VVAI_PIPELINE_ROOT", "/opt/vv-video-ai-system"))
KEEP = int(os.environ.get("KEEP_FRAMES", "6"))
print(f"scene_scanner 2.6.0 starting, watching {root / 'input'}", flush=True)
while True:
    ready = [p for p in (root / "input").iterdir() if p.suffix in (".mp4", ".mkv") and not p.name.startswith(".")]
    for f in sorted(ready, key=lambda p: p.stat().st_mtime):
        if time.time() - f.stat().st_mtime < 1:
            continue
        print(f"processing {f.name}", flush=True)
        t = time.monotonic()
        strip = []
        frames = 0
        with av.open(str(f)) as box:
            for frame in box.decode(video=0):
                frames += 1
                if len(strip) < KEEP:
                    strip.append(frame.to_ndarray(format="rgb24"))
        out = {
            "format": "vv-analytic/1",
            "generator": "scene_scanner 2.6.0",
            "video": {"file": f.name, "frames": frames, "resolution": f"{strip[0].shape[1]}x{strip[0].shape[0]}"},
            "scenes": [],
            "cuts_s": [],
        }
        (root / "processed" / (f.stem + ".analytic.json")).write_text(json.dumps(out))
        f.rename(root / "processed" / f.name)
        print(f"done: {frames} frames in {time.monotonic() - t:.2f}s", flush=True)
        strip.clear()
    time.sleep(1)
