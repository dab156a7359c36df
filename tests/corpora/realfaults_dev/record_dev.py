"""Record the development real-fault corpus (fault variants): every scenario on a private Podman
engine, captured with the real ``vvai monitor capture`` while ``vvai monitor run`` keeps its history.

    python tests/corpora/realfaults_dev/record_dev.py --out DIR [--only NAME[,NAME...]] [--work DIR]

Reuses ../realfaults/rig.py (Box, the private engine, the daemon, the capture) and kit.py (samples,
the project's scanner and exporter, moto) by import; its record_one is reused too, with this
corpus's scenario table. Needs root, podman + runc + conmon + busybox-static and the project's .venv
(moto[server], boto3, PyAV). Each scenario writes ``DIR/<name>/`` (the bundle plus expected.json).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dev_faults  # noqa: E402
import dev_healthy  # noqa: E402
import dev_kit  # noqa: E402,F401  (puts ../realfaults on sys.path)
import kit  # noqa: E402
import record  # noqa: E402  (../realfaults/record.py: record_one, write_expected)
import rig  # noqa: E402

from vvai.testing.podman import PodmanEngine  # noqa: E402

SCENARIOS = {
    "stall_frozen_summarizer": dev_faults.stall_frozen_summarizer,
    "stall_scanner_fifo_read": dev_faults.stall_scanner_fifo,
    "saturation_scanner_reindex_cpu": dev_faults.saturation_scanner_reindex,
    "saturation_exporter_memory": dev_faults.saturation_exporter_memory,
    "export_endpoint_refused": dev_faults.export_refused_port,
    "export_moto_stopped_slow_loop": dev_faults.export_moto_killed_slow_loop,
    "oom_summarizer_huge_analytic": dev_faults.oom_summarizer_huge_analytic,
    "poison_truncated_analytic": dev_faults.poison_truncated_analytic,
    "crash_loop_readonly_spool": dev_faults.crash_loop_readonly_spool,
    "healthy_slow_backlog": dev_healthy.slow_backlog,
    "healthy_exporter_stop_start": dev_healthy.exporter_stop_start,
    "healthy_info_error_words": dev_healthy.info_lines_say_error,
    "healthy_transient_restart": dev_healthy.transient_start_failure,
}


def record_one(engine: PodmanEngine, work: Path, out: Path, name: str, samples: Path) -> dict:
    """realfaults' record_one (daemon, scenario, minimum history, capture, expected.json, size check)
    run over this corpus's scenario table."""
    saved = record.SCENARIOS
    record.SCENARIOS = SCENARIOS
    try:
        return record.record_one(engine, work, out, name, samples)
    finally:
        record.SCENARIOS = saved


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--only", default="", help="comma-separated scenario names")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp folder, removed)")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args(argv)
    if a.list:
        for n, fn in SCENARIOS.items():
            print(f"{n}: {(fn.__doc__ or '').split(chr(10))[0]}")
        return 0
    names = [n for n in a.only.split(",") if n] or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        print(f"error: unknown scenario {unknown[0]!r} (see --list)", file=sys.stderr)
        return 2
    work = (a.work or Path(tempfile.mkdtemp(prefix="vvdev-"))).resolve()
    a.out = a.out.resolve()  # the capture runs in the box's folder: a relative --out would land there
    a.out.mkdir(parents=True, exist_ok=True)
    engine = PodmanEngine(work / "podman")
    results, failed = [], []
    try:
        engine.start()
        rig.build_hostpy(engine)
        samples = kit.make_samples(work / "samples")
        time.sleep(6)  # the engine's own image imports stay out of the first scenario's window
        for n in names:
            rig.log(f"scenario {n}")
            try:
                results.append(record_one(engine, work, a.out, n, samples))
                rig.log(f"  recorded {n}: {results[-1]['bytes']} bytes in {results[-1]['seconds']} s")
            except Exception as e:  # noqa: BLE001 - one scenario failing must not lose the others
                traceback.print_exc()
                failed.append((n, str(e)))
                rig.log(f"  FAILED {n}: {e}")
    finally:
        engine.stop()
        if a.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"recorded": results, "failed": failed}, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
