"""The summarizer as an evaluation task: ``load(model folder)`` and ``run(engine, analytic) -> text``.

``vvai model evaluate`` runs each version through this module in its own subprocess, with the
very code path the service uses (captions per scene, then the summary).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vvai.pipeline.summarizer.engines import Engine, load_engine


def load(folder: Path) -> Engine:
    return load_engine(folder)


def run(engine: Engine, analytic: dict[str, Any]) -> str:
    video = analytic.get("video") or {}
    captions = [engine.caption(s, video) for s in analytic.get("scenes") or []]
    return engine.summarize(analytic, captions)
