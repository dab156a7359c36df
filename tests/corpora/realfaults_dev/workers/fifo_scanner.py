"""A scanner build that names cameras from a map it reads from a named pipe (the camera agent
writes the map into /tmp/camera-map.fifo once, at start-up). It decodes each video with PyAV,
writes <stem>.analytic.json and moves the video to processed/. Every REFRESH_S it re-opens the pipe
to pick up a new map; with no writer left, open() blocks forever and nothing more is printed."""

import json
import os
import time
from pathlib import Path

import av

root = Path(os.environ.get("VVAI_PIPELINE_ROOT", "/opt/vv-video-ai-system"))
FIFO = "/tmp/camera-map.fifo"
REFRESH_S = float(os.environ.get("REFRESH_S", "20"))


def load_map() -> dict:
    with open(FIFO) as f:  # blocks until a writer opens the pipe
        return json.loads(f.read() or "{}")


print(f"scene_scanner 2.4.0 starting, watching {root / 'input'}", flush=True)
cameras = load_map()
loaded = time.monotonic()
print(f"camera map loaded: {len(cameras)} camera(s)", flush=True)
while True:
    if time.monotonic() - loaded > REFRESH_S:
        cameras, loaded = load_map(), time.monotonic()
    for f in sorted(p for p in (root / "input").iterdir() if p.suffix in (".mp4", ".mkv")):
        if time.time() - f.stat().st_mtime < 1:
            continue
        cam = f.name.split("_", 1)[0]
        started = time.monotonic()
        frames = 0
        with av.open(str(f)) as box:
            for _frame in box.decode(video=0):
                frames += 1
        out = {
            "format": "vv-analytic/1",
            "generator": "scene_scanner 2.4.0",
            "camera": cameras.get(cam, cam),
            "video": {"file": f.name, "frames": frames},
            "scenes": [],
            "cuts_s": [],
        }
        (root / "processed" / (f.stem + ".analytic.json")).write_text(json.dumps(out))
        f.rename(root / "processed" / f.name)
        print(f"scanned {f.name}: {frames} frames in {time.monotonic() - started:.2f}s", flush=True)
    time.sleep(1)
