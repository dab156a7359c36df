from __future__ import annotations

from vvai.actions.sizing import bytes_to_free, cleanup_budget, percentile, suggest_limits


def test_bytes_to_free_reaches_below_the_threshold() -> None:
    total, free = 1000, 20  # 98% used
    need = bytes_to_free(total, free, 0.92)
    assert need == 980 - 890 and (total - free - need) / total <= 0.89
    assert bytes_to_free(total, 500, 0.92) == 0
    assert cleanup_budget(300, 90) == 210 and cleanup_budget(50, 90) == 0


def test_limits_from_peak_and_p95_against_the_limit() -> None:
    mib = 1 << 20
    samples = [{"mem_bytes": m * mib, "cpu_percent": c} for m, c in ((200, 40), (250, 90), (255, 95), (256, 98))]
    s = suggest_limits("scene_scanner", samples, 256 * mib, 1.0)
    assert s["mem_peak_bytes"] == 256 * mib and s["mem_limit_bytes"] == 256 * mib
    assert s["proposed_mem_limit_bytes"] >= 320 * mib and s["proposed_mem_limit_bytes"] % (16 * mib) == 0
    assert s["proposed_cpus"] >= 1.25
    assert "scene_scanner:" in s["snippet"] and "mem_limit: " in s["snippet"] and "cpus:" in s["snippet"]
    assert percentile([1, 2, 3, 4, 5], 0.5) == 3 and suggest_limits("x", [], None, None)["snippet"] == ""
