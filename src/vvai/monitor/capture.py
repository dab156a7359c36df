"""``vvai monitor capture``: read every configured source over the recent past and write a
``vvai-bundle/1`` (folder or ``.tar.gz``) that ``vvai monitor diagnose`` reads offline."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from vvai.common.errors import VvaiError
from vvai.common.timefmt import parse_duration
from vvai.monitor.assemble import assemble, collect, watched_files
from vvai.monitor.bundle.write import Parts, write_bundle
from vvai.monitor.history import IncidentStore
from vvai.monitor.samples import SampleHistory, with_history
from vvai.monitor.sources.base import problem
from vvai.monitor.sources.build import build_sources, configured_components
from vvai.monitor.sources.modelstore import model_meta

__all__ = ["capture_bundle", "parse_duration"]


def capture_bundle(cfg: Any, since_s: float, out: Path | str) -> tuple[Path, Parts]:
    """``vvai monitor capture``: read every configured source over the last ``since_s`` seconds."""
    out = Path(out)
    if out.exists() and (out.is_file() or any(out.iterdir())):
        raise VvaiError(f"{out} already exists", hint="choose a new --out path")
    sources = build_sources(cfg)
    start = time.time() - since_s
    try:
        comps = configured_components(cfg, sources)
        records = collect(sources, start, time.time())
        end = time.time()  # the last stats samples are taken at the end of the read
    finally:
        for s in sources:
            s.stop()
    store = IncidentStore(cfg.store.path) if Path(cfg.store.path).is_file() else None
    try:  # the daemon's history of folders, stats and metrics: trends, not one reading
        records, note = with_history(records, SampleHistory(store) if store else None, start, end,
                                     min_span_s=3 * cfg.monitor.interval_s)
    finally:
        if store is not None:
            store.close()
    if note:
        records.append(problem("capture", note, end))
    parts = assemble(records, host=cfg.monitor.host, start=start, end=end, pipeline_root=cfg.pipeline.root,
                     benchmarks=cfg.benchmarks, model=model_meta(cfg), components=comps,
                     watched=watched_files(sources, comps))
    if parts.problems:  # an unknown key for readers; tells a post-mortem what could not be seen
        parts.meta["capture_problems"] = parts.problems[:200]
    return write_bundle(parts, out), parts
