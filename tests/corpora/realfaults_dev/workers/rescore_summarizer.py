"""A scene_summarizer build (2.4.0) that re-scores every scene of each pending <stem>.analytic.json
before summarizing it: a pure-Python activity score of each scene against a window of its
neighbours, a ranking of the scenes, and a detailed report compressed with lzma next to the summary.
All of it is CPU work on one core per file; nothing in it fails, it is only slow under a small quota."""

import json
import lzma
import os
import time
from pathlib import Path

root = Path(os.environ.get("VVAI_PIPELINE_ROOT", "/opt/vv-video-ai-system"))
proc = root / "processed"
WINDOW = int(os.environ.get("RESCORE_WINDOW", "160"))
print(f"scene_summarizer 2.4.0 starting (re-scoring window {WINDOW} scenes), watching {proc}", flush=True)


def score(scenes: list[dict]) -> list[float]:
    mot = [float((s.get("motion") or {}).get("mean") or 0.0) for s in scenes]
    bri = [float((s.get("brightness") or {}).get("mean") or 0.0) for s in scenes]
    out = []
    for i in range(len(scenes)):
        lo, hi = max(0, i - WINDOW), min(len(scenes), i + WINDOW + 1)
        acc = 0.0
        for j in range(lo, hi):
            if j != i:
                acc += abs(mot[i] - mot[j]) * 3.0 + abs(bri[i] - bri[j]) / (1 + abs(i - j))
        out.append(acc / (hi - lo))
    return out


while True:
    pending = sorted(
        p
        for p in proc.glob("*.analytic.json")
        if not (proc / p.name.replace(".analytic.json", ".summary.json")).exists()
    )
    for p in pending:
        t0, c0 = time.monotonic(), time.process_time()
        data = json.loads(p.read_text())
        scenes = data.get("scenes") or []
        print(f"re-scoring {p.name}: {len(scenes)} scenes ({len(pending)} waiting)", flush=True)
        sc = score(scenes)
        top = sorted(range(len(scenes)), key=lambda i: -sc[i])[:10]
        report = json.dumps([{**s, "activity": round(v, 6)} for s, v in zip(scenes, sc, strict=True)]).encode()
        (proc / p.name.replace(".analytic.json", ".report.json.xz")).write_bytes(lzma.compress(report, preset=6))
        text = f"{len(scenes)} scene(s); most active: " + ", ".join(f"#{i + 1}" for i in top)
        out = proc / p.name.replace(".analytic.json", ".summary.json")
        tmp = out.with_name("." + out.name + ".tmp")
        video = (data.get("video") or {}).get("file")
        tmp.write_text(json.dumps({"format": "vv-summary/1", "video": video, "summary": text}))
        tmp.rename(out)
        print(
            f"summary written: {out.name} in {time.monotonic() - t0:.1f}s (cpu {time.process_time() - c0:.1f}s)",
            flush=True,
        )
    time.sleep(1)
