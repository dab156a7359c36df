"""A scene_summarizer build that reads each pending <stem>.analytic.json whole into memory
(json.loads of the full text) and writes <stem>.summary.json next to it. No guard on size or
syntax: an oversized or a corrupt analytic file kills it every time it is picked up."""

import json
import os
import time
from pathlib import Path

root = Path(os.environ.get("VVAI_PIPELINE_ROOT", "/opt/vv-video-ai-system"))
proc = root / "processed"
print(f"scene_summarizer 2.2.0 starting, watching {proc}", flush=True)
while True:
    pending = [
        p
        for p in proc.glob("*.analytic.json")
        if not (proc / p.name.replace(".analytic.json", ".summary.json")).exists()
    ]
    for p in sorted(pending, key=lambda p: p.stat().st_mtime):
        print(f"loading {p.name} ({p.stat().st_size} bytes)", flush=True)
        data = json.loads(p.read_text())
        scenes = data.get("scenes", [])
        text = f"{len(scenes)} scene(s) in {data.get('video', {}).get('file', p.name)}"
        out = proc / p.name.replace(".analytic.json", ".summary.json")
        out.write_text(json.dumps({"format": "vv-summary/1", "summary": text}))
        print(f"summary written: {out.name}", flush=True)
    time.sleep(1)
