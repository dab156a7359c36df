"""Scanner throughput on a 1080p video vs. a plain PyAV decode baseline measured in the same run.

    .venv/bin/python bench/scanner.py [--seconds 12] [--fps 25] [--keep DIR]

Prints frames/s and realtime factor for (a) decoding every frame with PyAV and doing nothing
else (the floor: the scanner cannot beat it), (b) the full analysis the scanner does, and the
ratio (b)/(a); also whether the detected cuts match the generated ground truth.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def baseline_decode(path: Path, skip_loop_filter: bool = False) -> int:
    """Decode every frame, threaded, convert nothing: the cost of just reading the video."""
    import av

    n = 0
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        if skip_loop_filter:  # the scanner's decoder setting, to separate its two effects
            s.codec_context.options = {"skip_loop_filter": "all"}
        for _ in c.decode(s):
            n += 1
    return n


def timed(fn, *args):
    """(result, wall seconds, CPU seconds of this process incl. decoder threads)."""
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - w, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=12.0)
    ap.add_argument("--fps", type=int, default=25)
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1080)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each; the best is reported")
    ap.add_argument("--keep", type=Path, help="write the video here instead of a temp folder")
    args = ap.parse_args()

    from vvai.pipeline.analysis import analyze_video
    from vvai.pipeline.videogen import load_truth, make_video, truth_path

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        video = folder / f"bench_{args.width}x{args.height}.mp4"
        t0 = time.perf_counter()
        verb = "reused"
        if video.exists() and truth_path(video).exists():  # --keep from an earlier run: reuse it
            truth = load_truth(video)
        else:
            verb = "generated"
            truth = make_video(video, seed=42, width=args.width, height=args.height, fps=args.fps, seconds=args.seconds)
        print(
            f"{verb} {video.name}: {truth['frames']} frames, {truth['duration_s']:.1f} s, "
            f"{len(truth['cut_frames'])} cuts, {video.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t0:.1f} s"
        )

        base, fast, scan = [], [], []
        for _ in range(args.repeat):  # interleaved, so load from other processes hits all alike
            base.append(timed(baseline_decode, video))
            fast.append(timed(baseline_decode, video, True))
            scan.append(timed(analyze_video, video))

    n_base = base[0][0]
    b_wall, b_cpu = min(r[1] for r in base), min(r[2] for r in base)
    f_wall, f_cpu = min(r[1] for r in fast), min(r[2] for r in fast)
    doc = scan[0][0]
    s_wall, s_cpu = min(r[1] for r in scan), min(r[2] for r in scan)
    frames = doc["video"]["frames"]
    dur = truth["duration_s"]
    print(f"best of {args.repeat} interleaved runs (wall clock; CPU = all threads of this process)")
    print(
        f"baseline decode : {n_base} frames, {b_wall:.2f} s wall = {n_base / b_wall:6.1f} frames/s, "
        f"realtime x{dur / b_wall:.2f}; CPU {b_cpu:.2f} s = {1000 * b_cpu / n_base:.1f} ms/frame"
    )
    print(
        f"scanner analysis: {frames} frames, {s_wall:.2f} s wall = {frames / s_wall:6.1f} frames/s, "
        f"realtime x{dur / s_wall:.2f}; CPU {s_cpu:.2f} s = {1000 * s_cpu / frames:.1f} ms/frame"
    )
    print(
        f"decode, loop filter skipped (the scanner's setting): {f_wall:.2f} s wall = {n_base / f_wall:6.1f} "
        f"frames/s; CPU {1000 * f_cpu / n_base:.1f} ms/frame -> analysis adds "
        f"{1000 * (s_cpu - f_cpu) / frames:.1f} ms/frame"
    )
    print(
        f"scanner / baseline throughput ratio: wall {b_wall / s_wall:.2f}, CPU {b_cpu / s_cpu:.2f} "
        "(1.00 = the scanner is as fast as a plain decode of every frame)"
    )
    tol = 1.0 / truth["fps"] + 1e-6
    found, want = doc["cuts_s"], truth["cut_times_s"]
    ok = len(found) == len(want) and all(abs(a - b) <= tol for a, b in zip(found, want, strict=False))
    print(f"cuts: found {len(found)}, truth {len(want)}, {'all within one frame' if ok else 'MISMATCH'}")


if __name__ == "__main__":
    main()
