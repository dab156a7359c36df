"""Synthetic incident bundles for every category, with ground truth, to show the diagnosis
generalises beyond the four recorded examples.

``generate_bundle(category, seed, out)`` writes one bundle folder (spec format + expected.json);
``generate_corpus(out, seeds)`` writes one per category and seed. A seed fixes every variation:
wording, log styles, tracebacks, timing, names and limits, engine, noise and decoys.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

CATEGORIES = [
    "healthy",
    "oom_kill",
    "crash_loop",
    "poison_input",
    "disk_full",
    "export_failure",
    "pipeline_stall",
    "orphan_outputs",
    "resource_saturation",
    "performance_degradation",
    "integrity_mismatch",
    "deployment_regression",
    "model_failure",
    "dependency_failure",
]


def build(category: str, seed: int) -> tuple[dict[str, bytes], dict]:
    """The bundle's files (relative path -> bytes) and its expected.json, in memory."""
    from vvai.testing.synth.scenarios import BUILDERS

    if category not in BUILDERS:
        from vvai.common.errors import ConfigError

        raise ConfigError(f"unknown category {category!r}", hint="one of: " + ", ".join(CATEGORIES))
    rng = random.Random(f"{category}:{seed}")
    sim, expected = BUILDERS[category](rng)
    watch_events = not (category == "oom_kill" and rng.random() < 0.2)  # sometimes events were not watched
    return sim.render(watch_events=watch_events), expected


def generate_bundle(category: str, seed: int, out: str | Path) -> Path:
    files, expected = build(category, seed)
    root = Path(out)
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    (root / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    return root


def generate_corpus(
    out: str | Path, seeds: range | list[int] = range(8), categories: list[str] | None = None
) -> list[Path]:
    out = Path(out)
    return [generate_bundle(c, s, out / f"{c}-{s:03d}") for c in categories or CATEGORIES for s in seeds]
