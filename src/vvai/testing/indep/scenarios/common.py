"""Helpers the scenario modules share."""
from __future__ import annotations

import hashlib
from datetime import timedelta


def p50(site) -> float:
    """The summarizer's benchmark p50, the baseline every scenario's processing times start from."""
    return site.b.meta["benchmarks"]["scene_summarizer"]["p50_processing_s"]


def every(site, t, step=(60, 150)) -> list:
    """Times from t to the window's end, a random step apart."""
    out = []
    while t < site.b.end:
        out.append(t)
        t += timedelta(seconds=site.rng.uniform(*step))
    return out


def sha(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()
