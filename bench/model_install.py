"""Benchmark: install a large model over HTTP, against `sha256sum` of the same file.

    python bench/model_install.py [--size-mib 1024] [--workdir DIR]

Serves a SIZE artifact (a raw .gguf: the realistic case for quantized models) from a local
HTTP server running in another process, then prints:
  - seconds for `vvai model sync` (the real CLI, in a subprocess) and for `sha256sum` of the
    same file (page cache warm for both), and their ratio (target <= 1.5: one pass, no re-read);
  - activation and rollback time in ms (target <= 50 ms whatever the model's size), for the
    large model and for a tiny one, to show they do not depend on size;
  - the peak RSS of the sync process (target <= 100 MB whatever the model's size).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_manifest(path: Path, version: str, artifacts: list[dict]) -> Path:
    """A model_manifest.json for the benchmark's artifacts."""
    path.write_text(json.dumps({"model_name": "BitNet-4bit-Summarizer", "version": version,
                                "release_date": "2025-05-01", "description": "bench model", "notes": "",
                                "artifacts": artifacts}, indent=2))
    return path


def _serve(path: str, sha: str, q: mp.Queue, stop: mp.Event) -> None:
    from vvai.testing.httpserver import ArtifactServer

    with ArtifactServer() as srv:
        q.put(srv.add_file("/models/big-model.gguf", path, sha256=sha))
        stop.wait()


def _make_file(path: Path, size: int) -> str:
    h = hashlib.sha256()
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for i in range(size >> 20):
            b = (i.to_bytes(8, "little") + block[8:])  # distinct 1 MiB blocks, cheap to make
            f.write(b)
            h.update(b)
    return h.hexdigest()


def _run_measured(cmd: list[str], env: dict | None = None) -> tuple[float, int, subprocess.CompletedProcess | None]:
    """Wall seconds and peak RSS (bytes) of one child process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, rusage = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    out = p.stdout.read() if p.stdout else b""
    err = p.stderr.read() if p.stderr else b""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{cmd[0]} failed ({code}): {err.decode()[-500:]}")
    return dt, rusage.ru_maxrss * 1024, subprocess.CompletedProcess(cmd, code, out, err)


def _switch_times(root: Path, a: str, b: str, n: int = 20) -> tuple[float, float]:
    from vvai.models.lifecycle import ModelManager

    mgr = ModelManager(root)
    act, rb = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        mgr.activate(a)
        act.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        mgr.rollback()  # back to b (the previous one)
        rb.append((time.perf_counter() - t0) * 1000)
        mgr.activate(b)
    return statistics.median(act), statistics.median(rb)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="vvai-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    size = args.size_mib << 20
    big = work / "big-model.gguf"
    print(f"making a {args.size_mib} MiB artifact in {work} ...", flush=True)
    sha = _make_file(big, size)

    q: mp.Queue = mp.Queue()
    stop = mp.Event()
    server = mp.Process(target=_serve, args=(str(big), sha, q, stop), daemon=True)
    server.start()
    url = q.get(timeout=30)
    try:
        manifest = write_manifest(work / "manifest-1.0.0.json", "1.0.0", [{
            "filename": "big-model.gguf", "url": url, "sha256": sha, "size_bytes": size,
            "target_path_in_container": "/app/models/bitnet"}])
        subprocess.run(["cat", str(big)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
        t_sha, rss_sha, p = _run_measured(["sha256sum", str(big)])
        assert p and p.stdout.split()[0].decode() == sha

        root = work / "models"
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        t_sync, rss_sync, p = _run_measured([sys.executable, "-m", "vvai", "model", "sync", "-m", str(manifest),
                                             "--root", str(root), "--json"], env)
        res = json.loads(p.stdout)
        assert res["action"] == "installed" and res["downloaded_bytes"] == size, res
        t_startup, _, _ = _run_measured([sys.executable, "-m", "vvai", "version"], env)

        # a second large version (same bytes, another version number) and a tiny model
        m2 = write_manifest(work / "manifest-1.1.0.json", "1.1.0", json.loads(manifest.read_text())["artifacts"])
        subprocess.run([sys.executable, "-m", "vvai", "model", "sync", "-m", str(m2), "--root", str(root), "-q"],
                       env=env, check=True, capture_output=True)
        act_big, rb_big = _switch_times(root, "1.0.0", "1.1.0")

        small_root = work / "small"
        tiny = work / "tiny.gguf"
        tiny.write_bytes(b"GGUF" + os.urandom(1000))
        tsha = hashlib.sha256(tiny.read_bytes()).hexdigest()
        for v in ("1.0.0", "1.1.0"):
            mt = write_manifest(work / f"tiny-{v}.json", v, [{
                "filename": "tiny.gguf", "url": str(tiny), "sha256": tsha, "size_bytes": tiny.stat().st_size,
                "target_path_in_container": "/app/models/bitnet"}])
            subprocess.run([sys.executable, "-m", "vvai", "model", "sync", "-m", str(mt), "--root", str(small_root),
                            "-q"], env=env, check=True, capture_output=True)
        act_small, rb_small = _switch_times(small_root, "1.0.0", "1.1.0")
    finally:
        stop.set()
        server.join(5)

    ratio = t_sync / t_sha
    print()
    print(f"artifact                         {args.size_mib} MiB raw .gguf over HTTP "
          "(loopback, server in another process)")
    print(f"sha256sum (baseline)             {t_sha:8.2f} s   ({size / t_sha / 2**20:7.0f} MiB/s)")
    print(f"vvai model sync                  {t_sync:8.2f} s   ({size / t_sync / 2**20:7.0f} MiB/s)  "
          f"incl. {t_startup:.2f} s interpreter start-up")
    print(f"ratio sync / sha256sum           {ratio:8.2f} x   target <= 1.5  {'OK' if ratio <= 1.5 else 'MISSED'}")
    print(f"activation (median of 20)        {act_big:8.2f} ms  ({args.size_mib} MiB model)   "
          f"{act_small:.2f} ms (1 kB model)   target <= 50  {'OK' if max(act_big, act_small) <= 50 else 'MISSED'}")
    print(f"rollback   (median of 20)        {rb_big:8.2f} ms  ({args.size_mib} MiB model)   "
          f"{rb_small:.2f} ms (1 kB model)   target <= 50  {'OK' if max(rb_big, rb_small) <= 50 else 'MISSED'}")
    print(f"peak RSS of sync                 {rss_sync / 2**20:8.1f} MiB   target <= 100  "
          f"{'OK' if rss_sync <= 100 * 2**20 else 'MISSED'}   (sha256sum: {rss_sha / 2**20:.1f} MiB)")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
