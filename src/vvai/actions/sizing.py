"""Numbers for two actions, PURE: how much a cleanup must free, and which limits to suggest.

Cleanup: the space missing to get the disk back under the ``disk_full_fraction`` threshold (with
a margin) becomes the pipeline cleanup's ``max_total_bytes`` over the cleanable folders, so the
oldest files there go first and no more than needed. Limits: peak and p95 usage from the
stats against the limit, rounded up with headroom, as a compose snippet.
"""

from __future__ import annotations

import math
from typing import Any

MARGIN = 0.03  # aim this far below the threshold, so the next write does not trip it again
HEADROOM = 1.25


def bytes_to_free(total: int, free: int, full_fraction: float, margin: float = MARGIN) -> int:
    """Bytes to delete so that used/total <= full_fraction - margin (0 when already there)."""
    if total <= 0:
        return 0
    target_used = max(0.0, full_fraction - margin) * total
    return max(0, math.ceil((total - free) - target_used))


def cleanup_budget(folder_bytes: int, need: int) -> int:
    """``max_total_bytes`` for the cleanable folders that frees ``need`` bytes (never below 0)."""
    return max(0, folder_bytes - need)


def percentile(values: list[float], q: float) -> float | None:
    vals = sorted(v for v in values if isinstance(v, int | float))
    if not vals:
        return None
    k = (len(vals) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return float(vals[lo] + (vals[hi] - vals[lo]) * (k - lo))


def _mib_up(n: float) -> int:
    return int(math.ceil(n / (1 << 20) / 16) * 16) << 20  # whole 16 MiB steps


def suggest_limits(component: str, samples: list[dict[str, Any]], mem_limit: int | None,
                   cpus: float | None) -> dict[str, Any]:
    """From stats samples (``mem_bytes``, ``cpu_percent`` as % of one CPU) and the current limits:
    usage peak and p95, proposed ``mem_limit``/``cpus``, and a compose snippet."""
    mem = [float(s["mem_bytes"]) for s in samples if isinstance(s.get("mem_bytes"), int | float)]
    cpu = [float(s["cpu_percent"]) for s in samples if isinstance(s.get("cpu_percent"), int | float)]
    lim = mem_limit or next((int(s["mem_limit_bytes"]) for s in reversed(samples)
                             if isinstance(s.get("mem_limit_bytes"), int | float) and s["mem_limit_bytes"]), None)
    out: dict[str, Any] = {"mem_peak_bytes": max(mem) if mem else None, "mem_p95_bytes": percentile(mem, 0.95),
                           "cpu_peak_percent": max(cpu) if cpu else None, "cpu_p95_percent": percentile(cpu, 0.95),
                           "mem_limit_bytes": lim, "cpus": cpus}
    new_mem = None
    if mem:
        basis = max(mem)
        if lim and basis >= 0.9 * lim:  # at the limit: the real need is above what was allowed
            basis = lim
        new_mem = max(_mib_up(basis * HEADROOM), (lim or 0) + (16 << 20) if lim and basis >= lim else 0)
    new_cpus = None
    if cpu:
        p95 = percentile(cpu, 0.95) or 0.0
        basis = max(p95 / 100.0, cpus * 0.9 if cpus and p95 / 100.0 >= 0.85 * cpus else 0.0)
        new_cpus = round(max(0.25, math.ceil(basis * HEADROOM * 4) / 4), 2)
    out["proposed_mem_limit_bytes"], out["proposed_cpus"] = new_mem, new_cpus
    out["snippet"] = compose_snippet(component, new_mem, new_cpus)
    return out


def compose_snippet(component: str, mem_limit_bytes: int | None, cpus: float | None) -> str:
    """The compose lines that set these limits ("" when there is none to set)."""
    if not (mem_limit_bytes or cpus):
        return ""
    lines = ["services:", f"  {component}:"]
    if mem_limit_bytes:
        lines.append(f"    mem_limit: {int(mem_limit_bytes) >> 20}m")
    if cpus:
        lines.append(f"    cpus: \"{cpus:g}\"")
    return "\n".join(lines)
