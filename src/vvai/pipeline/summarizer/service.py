"""scene_summarizer: ``processed/<stem>.analytic.json`` -> ``processed/<stem>.summary.json``.

The model comes from the model store through a :class:`~vvai.models.handle.ModelHandle`: the
active version (or, for a configured share of inputs, the A/B candidate). Every output names
the model name, version and A/B arm that made it. Every load, summary and failure is logged to
``logs/app.log`` as a JSON line and counted in Prometheus metrics labelled by model version.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vvai.common import jsonsafe
from vvai.common.atomic import atomic_write_json
from vvai.common.errors import ConfigError, VvaiError
from vvai.common.jsonlog import JsonLineLogger, now_rfc3339
from vvai.models import abtest
from vvai.models.handle import LoadedModel, ModelHandle, ModelLoadError
from vvai.pipeline.summarizer.engines import Engine, load_engine
from vvai.pipeline.summarizer.metrics import SummarizerMetrics, peak_rss_bytes, rss_bytes

COMPONENT = "scene_summarizer"
SUMMARY_FORMAT = "vvai-summary/1"
ANALYTIC_SUFFIX = ".analytic.json"
SUMMARY_SUFFIX = ".summary.json"


@dataclass
class SummaryResult:
    key: str
    model_name: str
    model_version: str
    arm: str
    summary: str
    captions: list[str]
    inference_s: float
    engine: str = "?"


class Summarizer:
    """Thread-safe: many threads may call :meth:`summarize` while models are swapped."""

    def __init__(self, models_root: Path | str | None, *, app_log: Path | None = None,
                 metrics: SummarizerMetrics | None = None, poll_interval: float = 0.5, slot: str | None = None):
        self.log = JsonLineLogger(app_log, COMPONENT)
        self.metrics = metrics or SummarizerMetrics()
        self.handle: ModelHandle[Engine] = ModelHandle(models_root, load_engine, slot=slot, on_event=self._on_event,
                                                       poll_interval=poll_interval)
        self._ab: abtest.ABConfig | None = None
        self._ab_lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle

    def _on_event(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "loaded":
            self.metrics.load_seconds.labels(data["version"]).set(data["load_s"])
            self.metrics.set_active(data["model_name"], data["version"])
            self.log.info("model loaded", model_name=data["model_name"], model_version=data["version"],
                          load_s=data["load_s"], previous_version=data.get("previous"))
            self._refresh_ab()
        elif kind == "signal":
            self._refresh_ab()
        elif kind == "load_failed":
            self.metrics.load_failures.inc()
            self.log.error("model load failed; the previous model keeps serving", error=data["error"],
                           folder=data["folder"], model_version=data.get("serving"))
        else:
            self.log.warning(f"model watcher: {kind}", **data)

    def _refresh_ab(self) -> None:
        cfg = abtest.load(self.handle.store)
        with self._ab_lock:
            old, self._ab = self._ab, cfg
        if old is not None and (cfg is None or cfg.candidate != old.candidate):
            self.handle.forget(old.candidate)
        if cfg is not None:
            self.log.info("A/B split", candidate=cfg.candidate, fraction=cfg.fraction)

    def start(self, watch: bool = True) -> LoadedModel[Engine]:
        lm = self.handle.load_active()
        if watch:
            self.handle.start_watching()
        return lm

    def stop(self) -> None:
        self.handle.stop()

    # ------------------------------------------------------------------ the hot path

    def _pick(self, key: str) -> tuple[LoadedModel[Engine], str]:
        base = self.handle.current()  # one reference for the whole piece of work
        ab = self._ab
        if ab is not None and ab.candidate != base.version and ab.arm(key) == "candidate":
            try:
                return self.handle.version(ab.candidate), "candidate"
            except ModelLoadError as e:
                self.metrics.load_failures.inc()
                self.log.error("A/B candidate failed to load; serving the baseline", candidate=ab.candidate,
                               error=e.message)
                with self._ab_lock:
                    self._ab = None
        return base, "baseline"

    def summarize(self, analytic: dict[str, Any], key: str) -> SummaryResult:
        lm, arm = self._pick(key)
        eng = lm.engine
        t0 = time.perf_counter()
        c0 = time.thread_time()
        try:
            captions = []
            video = analytic.get("video") or {}
            for scene in analytic.get("scenes") or []:
                s0 = time.perf_counter()
                captions.append(eng.caption(scene, video))
                self.metrics.inference.labels(lm.version).observe(time.perf_counter() - s0)
            text = eng.summarize(analytic, captions)
        except Exception as e:
            self.metrics.errors.labels(lm.version, type(e).__name__).inc()
            self.log.error("inference failed", file=key, model_version=lm.version, error=f"{type(e).__name__}: {e}")
            raise
        dt = time.perf_counter() - t0
        self.metrics.cpu.labels(lm.version).inc(time.thread_time() - c0)
        self.metrics.rss.labels(lm.version).set(rss_bytes())
        self.metrics.peak_rss.set(peak_rss_bytes())
        self.metrics.videos.labels(lm.version, arm).inc()
        return SummaryResult(key, lm.model_name, lm.version, arm, text, captions, dt, getattr(eng, "name", "?"))

    # ------------------------------------------------------------------ files

    def process_file(self, analytic_path: Path, signature=None) -> Path:
        name = analytic_path.name[: -len(ANALYTIC_SUFFIX)]
        out = analytic_path.with_name(name + SUMMARY_SUFFIX)
        try:
            raw = analytic_path.read_bytes()
            analytic = jsonsafe.loads(raw, what=analytic_path.name)
            if not isinstance(analytic, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError, ConfigError) as e:
            self.metrics.errors.labels("none", "bad_input").inc()
            self.log.error("unreadable analytic file", file=analytic_path.name, error=str(e))
            raise VvaiError(f"{analytic_path.name}: unreadable analytic file: {e}") from None
        res = self.summarize(analytic, name)
        doc = {
            "format": SUMMARY_FORMAT,
            "video": (analytic.get("video") or {}).get("file") or analytic.get("file") or name,
            "created": now_rfc3339(),
            "model": {"name": res.model_name, "version": res.model_version, "ab_arm": res.arm,
                      "engine": res.engine},
            "summary": res.summary,
            "scenes": [{"index": i, "start_s": s.get("start_s"), "end_s": s.get("end_s"), "caption": c}
                       for i, (s, c) in enumerate(zip(analytic.get("scenes") or [], res.captions, strict=False))],
            "inference_s": round(res.inference_s, 6),
            "analytic_sha256": hashlib.sha256(raw).hexdigest(),
        }
        atomic_write_json(out, doc)
        if signature is not None:
            from vvai.pipeline.signature import record_for

            root = signature.path.parent
            signature.record(record_for(root, out, kind="output", component=COMPONENT,
                                        derived_from=analytic_path.absolute().relative_to(root).as_posix()))
        self.log.info("summary written", file=out.name, model_name=res.model_name, model_version=res.model_version,
                      ab_arm=res.arm, scenes=len(res.captions), inference_s=round(res.inference_s, 6),
                      rss_bytes=rss_bytes())
        return out

    def pending(self, folder: Path) -> list[Path]:
        return sorted(p for p in folder.glob("*" + ANALYTIC_SUFFIX)
                      if not p.with_name(p.name[: -len(ANALYTIC_SUFFIX)] + SUMMARY_SUFFIX).exists())

    def run_once(self, folder: Path, signature=None) -> dict[str, Any]:
        self.handle.check_for_update()
        done, failed = [], []
        for p in self.pending(folder):
            try:
                done.append(self.process_file(p, signature).name)
            except Exception as e:  # one bad input never stops the others
                failed.append({"file": p.name, "error": f"{type(e).__name__}: {e}"})
        return {"summarized": done, "failed": failed, "model_version": self.handle.current().version}
