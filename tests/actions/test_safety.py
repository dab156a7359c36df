"""Every safety rule against hostile requests: the knowledge base or an LLM may recommend anything."""

from __future__ import annotations

import pytest

from tests.actions.helpers import incident
from vvai.actions import safety
from vvai.actions.safety import Facts, check, restart_plan

FACTS = Facts(components=frozenset({"scene_scanner", "scene_summarizer", "log_exporter", "redis"}),
              depends_on={"scene_summarizer": ("redis", "scene_scanner"), "scene_scanner": ("redis",)},
              min_failures=3)


@pytest.mark.parametrize("name, why", [
    ("../input/cam1.mp4", "a path"), ("..", "parent"), ("/etc/passwd", "absolute"), ("C:\\x.mp4", "absolute"),
    ("sub/cam1.mp4", "a path"), ("cam1.mp4\x00.txt", "control"), ("..cam.mp4", "parent"),
    (".cam1.mp4.part", "dotfile"), ("", "no file"), ("a\\..\\b.mp4", "a path"),
])
def test_quarantine_refuses_hostile_names(name: str, why: str) -> None:
    inc = incident("poison_input", "scene_scanner", file=name, count=9)
    v = check(inc, "quarantine", name, FACTS)
    assert not v.ok and why in v.reason


def test_quarantine_only_the_named_file_and_only_with_enough_failures() -> None:
    inc = incident("poison_input", "scene_scanner", file="cam3_0001.mp4", count=3)
    assert check(inc, "quarantine", "cam3_0001.mp4", FACTS).ok
    other = check(inc, "quarantine", "cam3_0002.mp4", FACTS)
    assert not other.ok and "not the file the incident names" in other.reason
    weak = incident("poison_input", "scene_scanner", file="cam3_0001.mp4", count=2)
    v = check(weak, "quarantine", "cam3_0001.mp4", FACTS)
    assert not v.ok and "named by 2 failure(s), at least 3" in v.reason
    # a finding about another file does not count toward this one
    inc.timeline[0].file = "other.mp4"
    assert not check(inc, "quarantine", "cam3_0001.mp4", FACTS).ok


def test_restart_only_the_culprit() -> None:
    inc = incident("crash_loop", "scene_scanner", count=5)
    verdict, order = restart_plan(inc, "scene_scanner", FACTS)
    assert verdict.ok and order == ["scene_scanner"]
    for hostile in ("log_exporter", "*", "all", "", None, "scene_scanner;rm -rf /"):
        v, order = restart_plan(inc, hostile, FACTS)
        assert not v.ok and order == [] and "not the incident's culprit" in v.reason
    ghost = incident("crash_loop", "ghost_service", count=5)
    v, _ = restart_plan(ghost, "ghost_service", FACTS)
    assert not v.ok and "not a component the monitor knows" in v.reason


def test_dependency_first_then_dependents_in_depends_on_order() -> None:
    inc = incident("dependency_failure", "redis", dependents=["scene_summarizer", "scene_scanner", "not_running_here"])
    v, order = restart_plan(inc, "redis", FACTS)
    assert v.ok and order == ["redis", "scene_scanner", "scene_summarizer"]  # summarizer depends on the scanner
    # restarting a dependent directly is not the culprit: refused
    assert not restart_plan(inc, "scene_scanner", FACTS)[0].ok
    # a component the incident does not name is never part of the plan
    assert "log_exporter" not in order


def test_depends_on_order_keeps_a_cycle_finite() -> None:
    assert sorted(safety.depends_on_order(["a", "b"], {"a": ("b",), "b": ("a",)})) == ["a", "b"]


@pytest.mark.parametrize("target", ["input", "processed", "input/", "../input", "corrupted/../input",
                                    "/opt/vv-video-ai-system/processed", "processed/old"])
def test_cleanup_never_touches_protected_folders(target: str) -> None:
    v = check(incident("disk_full", "host"), "cleanup", target, FACTS)
    assert not v.ok and "protected" in v.reason


@pytest.mark.parametrize("target", ["corrupted", "corrupted/", "logs", "./corrupted"])
def test_cleanup_allows_only_cleanable_folders(target: str) -> None:
    assert check(incident("disk_full", "host"), "cleanup", target, FACTS).ok


@pytest.mark.parametrize("target", ["/", "models", "tmp/../../etc", "corrupted/x", ""])
def test_cleanup_refuses_anything_else(target: str) -> None:
    assert not check(incident("disk_full", "host"), "cleanup", target, FACTS).ok


def test_cleanup_only_for_a_full_disk() -> None:
    v = check(incident("crash_loop", "scene_scanner"), "cleanup", "corrupted", FACTS)
    assert not v.ok and "only for a disk_full incident" in v.reason


def test_limits_rollback_and_unknown_types() -> None:
    inc = incident("resource_saturation", "scene_summarizer")
    assert check(inc, "suggest_limits", "scene_summarizer", FACTS).ok
    assert not check(inc, "suggest_limits", "scene_scanner", FACTS).ok
    assert not check(inc, "rollback_model", "", FACTS).ok
    assert check(incident("model_failure", "scene_summarizer"), "rollback_model", "", FACTS).ok
    v = check(inc, "rm_rf", "/", FACTS)
    assert not v.ok and "default deny" in v.reason
