"""Which bundles a split holds, and writing them: `generate(split, out, seed)`."""
from __future__ import annotations

import hashlib
import random
import shutil
from pathlib import Path

from vvai.common.errors import ConfigError

from . import noise
from .scenarios import REGISTRY
from .scenarios.registry import CATEGORIES
from .site import make_site

SPLITS = {"dev": {"seed": 1009, "per_category": 6, "healthy": 20},
          "heldout": {"seed": 7919, "per_category": 4, "healthy": 15}}


def plan(split: str) -> list[tuple[str, object]]:
    """[(category, Variant)] for the split: variants cycle; held-out-only variants come first in heldout."""
    cfg = SPLITS[split]
    out = []
    for cat in CATEGORIES:
        n = cfg["healthy"] if cat == "healthy" else cfg["per_category"]
        vs = [v for v in REGISTRY[cat] if split in v.splits]
        if split == "heldout":
            vs.sort(key=lambda v: (v.splits != ("heldout",), -v.priority))
        else:
            vs.sort(key=lambda v: -v.priority)
        out += [(cat, vs[i % len(vs)]) for i in range(n)]
    return out


def _rng(split: str, seed: int, cat: str, n: int) -> random.Random:
    h = hashlib.sha256(f"{split}/{seed}/{cat}/{n}".encode()).digest()
    return random.Random(int.from_bytes(h[:8], "big"))


def build(split: str, seed: int, cat: str, n: int, var) -> object:
    rng = _rng(split, seed, cat, n)
    opts = dict(var.site_opts)
    if "extras" not in opts and rng.random() < 0.3:   # side services are not a tell of their own incidents
        opts["extras"] = (rng.choice(["redis", "llm", "mosquitto"]),)
    site = make_site(rng, split, f"{split}-{cat}-{n}", **opts)
    var.build(site)
    noise.apply(site, cat)
    site.b.variant = var.name
    return site.b


def generate(split: str, out: Path, seed: int | None = None) -> list[Path]:
    if split not in SPLITS:
        raise ConfigError(f"unknown split {split!r}", hint=f"expected one of {', '.join(SPLITS)}")
    seed = SPLITS[split]["seed"] if seed is None else seed
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    counters: dict[str, int] = {}
    paths = []
    for cat, var in plan(split):
        n = counters.get(cat, 0)
        counters[cat] = n + 1
        b = build(split, seed, cat, n, var)
        target = out / b.name
        if target.exists():
            shutil.rmtree(target)
        paths.append(b.write(out))
    return paths
