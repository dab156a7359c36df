"""A scanner build that appends every result to a shared archive index, processed/.archive-index,
under an exclusive flock (the nightly archive job takes the same lock). A watchdog thread prints a
heartbeat every HEARTBEAT_S whatever the scan loop does. When the lock is held by someone else the
scan loop waits in flock() with no timeout: the heartbeat goes on, nothing is scanned."""

import fcntl
import json
import os
import threading
import time
from pathlib import Path

import av

root = Path(os.environ.get("VVAI_PIPELINE_ROOT", "/opt/vv-video-ai-system"))
HEARTBEAT_S = float(os.environ.get("HEARTBEAT_S", "5"))
INDEX = root / "processed" / ".archive-index"
started = time.monotonic()


def heartbeat() -> None:
    while True:
        time.sleep(HEARTBEAT_S)
        print(f"heartbeat: scene_scanner alive, uptime {time.monotonic() - started:.0f}s", flush=True)


print(f"scene_scanner 2.5.1 starting, watching {root / 'input'}", flush=True)
threading.Thread(target=heartbeat, daemon=True).start()
while True:
    for f in sorted(p for p in (root / "input").iterdir() if p.suffix in (".mp4", ".mkv")):
        if time.time() - f.stat().st_mtime < 1:
            continue
        print(f"scanning {f.name}", flush=True)
        t = time.monotonic()
        frames = 0
        with av.open(str(f)) as box:
            for _frame in box.decode(video=0):
                frames += 1
        with open(INDEX, "a") as idx:
            fcntl.flock(idx, fcntl.LOCK_EX)  # no timeout
            idx.write(json.dumps({"file": f.name, "frames": frames}) + "\n")
            out = {
                "format": "vv-analytic/1",
                "generator": "scene_scanner 2.5.1",
                "video": {"file": f.name, "frames": frames},
                "scenes": [],
                "cuts_s": [],
            }
            (root / "processed" / (f.stem + ".analytic.json")).write_text(json.dumps(out))
            f.rename(root / "processed" / f.name)
            fcntl.flock(idx, fcntl.LOCK_UN)
        print(f"scanned {f.name}: {frames} frames in {time.monotonic() - t:.2f}s", flush=True)
    time.sleep(1)
