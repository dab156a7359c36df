"""A scanner build with an archive de-duplication sweep: every DEDUPE_S it hashes the videos in
processed/ block by block. The block loop stops on ``pos != size`` while ``pos`` grows by whole
blocks, so on any file whose size is not a multiple of the block it never ends: one core spins on
hashing empty reads, nothing more is printed, nothing more is scanned."""

import hashlib
import json
import os
import time
from pathlib import Path

import av

root = Path(os.environ.get("VVAI_PIPELINE_ROOT", "/opt/vv-video-ai-system"))
DEDUPE_S = float(os.environ.get("DEDUPE_S", "25"))
BLOCK = 1 << 16


def digest(path: Path) -> str:
    h = hashlib.sha256()
    size = path.stat().st_size
    pos = 0
    with open(path, "rb") as f:
        while pos != size:  # the bug: pos jumps past size on the last, short block
            h.update(f.read(BLOCK))
            pos += BLOCK
    return h.hexdigest()


print(f"scene_scanner 2.5.0 starting, watching {root / 'input'}, archive dedupe every {DEDUPE_S:g}s", flush=True)
last_dedupe = time.monotonic()
while True:
    if time.monotonic() - last_dedupe > DEDUPE_S:
        seen = {digest(v): v.name for v in sorted((root / "processed").glob("*.mp4"))}
        last_dedupe = time.monotonic()
    for f in sorted(p for p in (root / "input").iterdir() if p.suffix in (".mp4", ".mkv")):
        if time.time() - f.stat().st_mtime < 1:
            continue
        t = time.monotonic()
        frames = 0
        with av.open(str(f)) as box:
            for _frame in box.decode(video=0):
                frames += 1
        out = {
            "format": "vv-analytic/1",
            "generator": "scene_scanner 2.5.0",
            "video": {"file": f.name, "frames": frames},
            "scenes": [],
            "cuts_s": [],
        }
        (root / "processed" / (f.stem + ".analytic.json")).write_text(json.dumps(out))
        f.rename(root / "processed" / f.name)
        print(f"scanned {f.name}: {frames} frames in {time.monotonic() - t:.2f}s", flush=True)
    time.sleep(1)
