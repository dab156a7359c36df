"""A scanner build that, besides scanning new inputs, re-indexes the archive in processed/ in a
tight loop (decode every frame again with PyAV): CPU-bound all the time, logging its progress."""

import json
import os
import time
from pathlib import Path

import av

root = Path(os.environ.get("VVAI_PIPELINE_ROOT", "/opt/vv-video-ai-system"))
print("scene_scanner 2.4.1 starting: scan + archive re-index", flush=True)


def decode(path: Path) -> int:
    n = 0
    with av.open(str(path)) as box:
        for _frame in box.decode(video=0):
            n += 1
    return n


last = 0.0
npass = 0
while True:
    for f in sorted(p for p in (root / "input").iterdir() if p.suffix in (".mp4", ".mkv")):
        if time.time() - f.stat().st_mtime < 1:
            continue
        t = time.monotonic()
        frames = decode(f)
        out = {
            "format": "vv-analytic/1",
            "generator": "scene_scanner 2.4.1",
            "video": {"file": f.name, "frames": frames},
            "scenes": [],
            "cuts_s": [],
        }
        (root / "processed" / (f.stem + ".analytic.json")).write_text(json.dumps(out))
        f.rename(root / "processed" / f.name)
        print(f"scanned {f.name}: {frames} frames in {time.monotonic() - t:.1f}s", flush=True)
    npass += 1
    archive = sorted(p for p in (root / "processed").iterdir() if p.suffix in (".mp4", ".mkv"))
    done = 0
    for v in archive:
        done += decode(v)
        if time.monotonic() - last > 4:
            print(f"re-index pass {npass}: {v.name}, {done} frames so far", flush=True)
            last = time.monotonic()
