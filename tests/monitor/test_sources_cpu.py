"""docker-stats CPU % from two samples, whatever the engine puts in system_cpu_usage."""

from __future__ import annotations

from vvai.monitor.sources.docker_engine import cpu_percent


def _sample(read: str, total_ns: int, system: int = 0, ncpu: int = 2) -> dict:
    return {"read": read, "cpu_stats": {"cpu_usage": {"total_usage": total_ns}, "system_cpu_usage": system,
                                        "online_cpus": ncpu}}


def test_cpu_time_over_the_samples_own_read_times():
    a = _sample("2026-11-24T01:00:00.000000000Z", 10_000_000_000)
    b = _sample("2026-11-24T01:00:02.000000000Z", 11_000_000_000)  # 1 s of CPU in 2 s: half a core
    assert cpu_percent(a, b) == 50.0
    c = _sample("2026-11-24T01:00:04.000000000Z", 15_000_000_000)  # 4 s of CPU in 2 s: two cores
    assert cpu_percent(b, c) == 200.0


def test_system_usage_fallback_and_nonsense():
    a = _sample("0001-01-01T00:00:00Z", 1_000, system=10_000)
    b = _sample("0001-01-01T00:00:00Z", 3_000, system=20_000, ncpu=2)  # Docker's formula
    assert cpu_percent(a, b) == 40.0
    assert cpu_percent(None, b) is None
    assert cpu_percent(b, a) is None  # counter went backwards (container restarted)
    assert cpu_percent({"cpu_stats": {}}, b) is None
