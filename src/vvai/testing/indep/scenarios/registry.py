"""Scenario variants by category, and the helpers they share for ground truth."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

CATEGORIES = ["oom_kill", "crash_loop", "poison_input", "disk_full", "export_failure", "pipeline_stall",
              "orphan_outputs", "resource_saturation", "performance_degradation", "integrity_mismatch",
              "deployment_regression", "model_failure", "dependency_failure", "healthy"]


@dataclass(frozen=True)
class Variant:
    category: str
    name: str
    build: Callable
    splits: tuple = ("dev", "heldout")
    site_opts: tuple = ()   # (key, value) pairs passed to make_site
    priority: int = 0       # hard cases first, so they recur when variants cycle


REGISTRY: dict[str, list[Variant]] = {c: [] for c in CATEGORIES}


def variant(category: str, name: str, splits=("dev", "heldout"), priority: int = 0, **site_opts):
    def deco(fn):
        REGISTRY[category].append(Variant(category, name, fn, tuple(splits), tuple(site_opts.items()), priority))
        return fn
    return deco


def restart_others(site, *involved) -> list[str]:
    return [f"restart:{c}" for c in site.b.components if c not in involved]


DANGEROUS = ["cleanup:input", "cleanup:processed"]
