"""Record the development real-fault corpus (fault variants): every scenario on a private Podman
engine, captured with the real ``vvai monitor capture`` while ``vvai monitor run`` keeps its history.

    python tests/corpora/realfaults_dev/record_dev.py --out DIR [--only NAME[,NAME...]] [--work DIR]

Reuses ../realfaults/rig.py (Box, the private engine, the daemon, the capture), kit.py (samples,
the project's scanner and exporter, moto) and record.py (the recorder itself, ``record.main``, run
over this corpus's scenario table). Needs root, podman + runc + conmon + busybox-static and the
project's .venv (moto[server], boto3, PyAV). Each scenario writes ``DIR/<name>/`` (the bundle plus expected.json).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dev_faults  # noqa: E402
import dev_healthy  # noqa: E402
import dev_kit  # noqa: E402,F401  (puts ../realfaults on sys.path)
import record  # noqa: E402  (../realfaults/record.py: the recorder, run over this table)

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
    "stall_scanner_spin_dedupe": dev_faults.stall_scanner_spin_dedupe,
    "stall_scanner_lock_heartbeat": dev_faults.stall_scanner_lock_heartbeat,
    "stall_scanner_cgroup_frozen": dev_faults.stall_scanner_cgroup_frozen,
    "saturation_exporter_cpu_quota": dev_faults.saturation_exporter_cpu_quota,
    "saturation_scanner_cpu_quota_backlog": dev_faults.saturation_scanner_cpu_quota_backlog,
    "oom_scanner_8k_frames": dev_faults.oom_scanner_8k_frames,
    "saturation_summarizer_cpu_quota_archive": dev_faults.saturation_summarizer_cpu_quota_archive,
    "saturation_summarizer_rescore_batches": dev_faults.saturation_summarizer_rescore_batches,
    "healthy_slow_backlog": dev_healthy.slow_backlog,
    "healthy_exporter_stop_start": dev_healthy.exporter_stop_start,
    "healthy_info_error_words": dev_healthy.info_lines_say_error,
    "healthy_transient_restart": dev_healthy.transient_start_failure,
    "healthy_scanner_quota_bursts": dev_healthy.scanner_quota_bursts,
    "healthy_summarizer_quota_bursts": dev_healthy.summarizer_quota_bursts,
}


def main(argv: list[str] | None = None) -> int:
    """realfaults' recorder (engine, daemon, scenario, minimum history, capture, expected.json,
    size check) over this corpus's scenario table."""
    return record.main(argv, SCENARIOS, __doc__)


if __name__ == "__main__":
    raise SystemExit(main())
