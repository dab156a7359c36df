"""Record the real-fault corpus: every scenario on a private Podman engine, captured with the real
``vvai monitor capture`` while ``vvai monitor run`` keeps its history.

    python tests/corpora/realfaults/record.py --out DIR [--only NAME[,NAME...]] [--work DIR]

Needs root (tmpfs mounts), podman + runc + conmon + busybox-static, redis-server (install.sh's
APT_PKGS) and the project's .venv (moto[server], boto3, PyAV). Each scenario writes
``DIR/<name>/`` (the bundle plus its expected.json); everything it started is removed by id/pid.
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

import faults  # noqa: E402
import faults2  # noqa: E402
import healthy  # noqa: E402
import kit  # noqa: E402
import rig  # noqa: E402

from vvai.testing.podman import PodmanEngine  # noqa: E402

MAX_BUNDLE = 2 * 1024 * 1024
MIN_SCENARIO_S = 35.0

SCENARIOS = {
    "oom_kill_8k_input": faults.oom_kill,
    "disk_full_pipeline_tmpfs": faults.disk_full_pipeline,
    "disk_full_redis_volume": faults.disk_full_redis,
    "poison_corrupt_video": faults.poison_corrupt,
    "poison_truncated_video": faults.poison_truncated,
    "export_s3_endpoint_down": faults2.export_s3_down,
    "dependency_redis_stopped": faults2.redis_down,
    "stall_frozen_scanner": faults2.stall_frozen_scanner,
    "integrity_tampered_video": faults2.integrity_tampered,
    "model_file_replaced": faults2.model_replaced,
    "deploy_new_tag_fails": faults2.deploy_regression,
    "crash_loop_bad_setting": faults2.crash_config,
    "saturation_cpu_quota": faults2.cpu_saturation,
    "healthy_corrupt_handled": healthy.corrupt_handled,
    "healthy_operator_restart": healthy.operator_restart,
    "healthy_s3_retries_succeed": healthy.s3_retries_succeed,
    "healthy_planned_upgrade": healthy.planned_upgrade,
    "healthy_backlog_drains": healthy.backlog_drains,
    "healthy_nightly_quiet": healthy.nightly_quiet,
    "healthy_model_update": healthy.model_update,
}


def bundle_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def write_expected(dest: Path, expected: list[dict]) -> None:
    """expected.json; forbidden restarts name only services the bundle has."""
    comps = set(json.loads((dest / "bundle.json").read_text())["components"])
    for inc in expected:
        inc["forbidden_actions"] = [
            a for a in inc["forbidden_actions"] if not a.startswith("restart:") or a.split(":", 1)[1] in comps
        ]
    (dest / "expected.json").write_text(json.dumps({"incidents": expected}, indent=2) + "\n")


def record_one(engine: PodmanEngine, work: Path, out: Path, name: str, samples: Path,
               scenarios: dict | None = None) -> dict:
    box = rig.Box(engine, work, name)
    started = time.monotonic()
    try:
        box.start_daemon()
        expected = (scenarios or SCENARIOS)[name](box, samples)
        time.sleep(max(0.0, MIN_SCENARIO_S - (time.time() - box.t0)))  # enough daemon history for trends
        dest = out / name
        if dest.exists():
            shutil.rmtree(dest)
        info = box.capture(dest)
    finally:
        box.close()
    write_expected(dest, expected)
    size = bundle_bytes(dest)
    if size >= MAX_BUNDLE:
        raise RuntimeError(f"{name}: bundle is {size} bytes (limit {MAX_BUNDLE})")
    return {"name": name, "seconds": round(time.monotonic() - started, 1), "bytes": size, "capture": info}


def main(argv: list[str] | None = None, scenarios: dict | None = None, doc: str | None = None) -> int:
    """The recorder's command line over a scenario table (this corpus's by default; the dev
    corpus's record_dev.py passes its own)."""
    scenarios = scenarios or SCENARIOS
    ap = argparse.ArgumentParser(description=(doc or __doc__).split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--only", default="", help="comma-separated scenario names")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp folder, removed)")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args(argv)
    if a.list:
        for n, fn in scenarios.items():
            print(f"{n}: {(fn.__doc__ or '').split(chr(10))[0]}")
        return 0
    names = [n for n in a.only.split(",") if n] or list(scenarios)
    unknown = [n for n in names if n not in scenarios]
    if unknown:
        print(f"error: unknown scenario {unknown[0]!r} (see --list)", file=sys.stderr)
        return 2
    work = (a.work or Path(tempfile.mkdtemp(prefix="vvrec-"))).resolve()
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
                results.append(record_one(engine, work, a.out, n, samples, scenarios))
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
