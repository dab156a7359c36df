"""Benchmark: summarizer latency per scene, and the reload gap callers see during a model swap.

    python bench/summarizer.py [--calls 3000] [--swaps 10]

1. Latency per scene with the deterministic engine (and with a local GGUF through
   llama-cpp-python when that extra is installed and a GGUF is given with --gguf).
2. Reload gap: 4 threads call the summarizer continuously while the active model is switched
   back and forth (`activate`, the same atomic switch `sync` and `rollback` end with). For each
   call we record its latency; the "gap" a caller sees is the slowest call that overlapped a
   swap, compared with the p99 of calls far from any swap (the baseline, same run). There is
   no gap by construction (the new model is loaded before the reference is replaced); this
   measures what the load costs callers through the GIL.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from vvai.models.evaluate import percentile  # noqa: E402
from vvai.models.lifecycle import ModelManager  # noqa: E402
from vvai.pipeline.summarizer.engines import load_engine  # noqa: E402
from vvai.pipeline.summarizer.sample_model import publish_summarizer_model  # noqa: E402
from vvai.pipeline.summarizer.service import Summarizer  # noqa: E402

SCENES = [{"index": i, "start_s": i * 2.0, "end_s": i * 2.0 + 2, "duration_s": 2.0,
           "brightness": {"mean": 40.0 + 20 * i}, "motion": {"mean": 0.01 * i}} for i in range(8)]
DOC = {"video": {"width": 1920, "height": 1080, "duration_s": 16.0}, "scenes": SCENES}


def per_scene_latency(engine, n: int) -> tuple[float, float]:
    lat = []
    for _ in range(n):
        for s in SCENES:
            t = time.perf_counter()
            engine.caption(s, DOC["video"])
            lat.append(time.perf_counter() - t)
    return percentile(lat, 0.5) * 1e6, percentile(lat, 0.95) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=3000)
    ap.add_argument("--swaps", type=int, default=10)
    ap.add_argument("--gguf", type=Path, default=None, help="a GGUF model to time through llama-cpp-python")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vvai-bench-sum-"))
    root = work / "models"
    mgr = ModelManager(root)
    for v, style in (("1.0.0", "brief"), ("2.0.0", "detailed")):
        mgr.sync(str(publish_summarizer_model(work / "rel", v, style=style, weights_kib=4096)), keep=5)

    eng = load_engine(mgr.store.active().folder / "bitnet")
    p50, p95 = per_scene_latency(eng, 500)
    print(f"deterministic engine, per scene      p50 {p50:8.1f} us   p95 {p95:8.1f} us")
    if args.gguf:
        try:
            from vvai.pipeline.summarizer.engines import LlamaCppEngine

            le = LlamaCppEngine(args.gguf, {"n_ctx": 1024, "max_tokens": 24})
            lat = []
            for s in SCENES[:4]:
                t = time.perf_counter()
                le.caption(s, DOC["video"])
                lat.append(time.perf_counter() - t)
            print(f"llama.cpp GGUF ({args.gguf.name}), per scene  p50 {statistics.median(lat) * 1e3:8.1f} ms")
        except Exception as e:  # noqa: BLE001 - the optional path reports why it did not run
            print(f"llama.cpp GGUF: not measured ({type(e).__name__}: {e})")
    else:
        print("llama.cpp GGUF: not measured (pass --gguf MODEL with the llm extra installed)")

    s = Summarizer(root, poll_interval=0.01)
    s.start(watch=True)
    calls: list[tuple[float, float, str]] = []  # (start, end, version)
    failures = []
    stop = threading.Event()

    def worker(n: int) -> None:
        i = 0
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                r = s.summarize(DOC, f"{n}-{i}")
                calls.append((t0, time.perf_counter(), r.model_version))
            except Exception as e:  # noqa: BLE001
                failures.append(e)
            i += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    swaps: list[tuple[float, float]] = []
    time.sleep(0.3)
    for k in range(args.swaps):
        target = "1.0.0" if k % 2 else "2.0.0"
        t0 = time.perf_counter()
        mgr.activate(target)
        while s.handle.current().version != target:
            time.sleep(0.0005)
        swaps.append((t0, time.perf_counter()))
        time.sleep(0.25)
    stop.set()
    for t in threads:
        t.join()
    s.stop()

    def near(c, margin=0.05):
        return any(a - margin <= c[1] and c[0] <= b + margin for a, b in swaps)

    during = [c[1] - c[0] for c in calls if near(c)]
    far = [c[1] - c[0] for c in calls if not near(c, 0.1)]
    switch_ms = [(b - a) * 1e3 for a, b in swaps]
    print(f"calls: {len(calls)} ({len(failures)} failed) across {len(swaps)} swaps; "
          f"versions served: {sorted({c[2] for c in calls})}")
    print(f"switch to serving the new model       median {statistics.median(switch_ms):7.1f} ms   "
          f"max {max(switch_ms):7.1f} ms (activate + watcher poll + load)")
    print(f"call latency away from swaps (baseline) p50 {percentile(far, .5) * 1e3:7.3f} ms   "
          f"p99 {percentile(far, .99) * 1e3:7.3f} ms")
    print(f"call latency overlapping a swap         p50 {percentile(during, .5) * 1e3:7.3f} ms   "
          f"max {max(during) * 1e3:7.3f} ms")
    print(f"reload gap seen by callers (max overlapping call - baseline p99): "
          f"{(max(during) - percentile(far, .99)) * 1e3:.3f} ms; failed calls: {len(failures)}")


if __name__ == "__main__":
    main()
