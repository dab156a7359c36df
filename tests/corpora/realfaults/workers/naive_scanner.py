"""A scanner build without the corrupt-file guard: it decodes the oldest video in input/ with
PyAV and lets any decoder error escape, so one unreadable file crashes it at every start."""

import os
import sys
import time
from pathlib import Path

import av

root = Path(os.environ.get("VVAI_PIPELINE_ROOT", "/opt/vv-video-ai-system"))
print(f"scene_scanner 2.3.1 starting, watching {root / 'input'}", flush=True)
time.sleep(float(os.environ.get("STARTUP_S", "1")))
while True:
    for f in sorted((root / "input").glob("*.mp4")):
        print(f"decode start: {f.name}", flush=True)
        frames = 0
        with av.open(str(f)) as box:
            for _frame in box.decode(video=0):
                frames += 1
        if frames == 0:
            raise RuntimeError(f"no video frames decoded from {f.name}")
        f.rename(root / "processed" / f.name)
        print(f"scanned {f.name}: {frames} frames", flush=True)
    time.sleep(1)
    sys.stdout.flush()
