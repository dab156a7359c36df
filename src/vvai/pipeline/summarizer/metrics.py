"""Prometheus metrics of the summarizer, labelled by model version.

Each Summarizer owns its registry (so tests and several instances do not collide); the CLI
serves it on ``--metrics-port``. The same facts go to ``logs/app.log`` (see service.py), where
the monitor reads them.
"""

from __future__ import annotations

import os
import resource

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class SummarizerMetrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.inference = Histogram(
            "vv_summarizer_inference_seconds", "Inference time per scene", ["model_version"], registry=r,
            buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
        self.videos = Counter("vv_summarizer_videos_total", "Videos summarized", ["model_version", "arm"], registry=r)
        self.errors = Counter("vv_summarizer_errors_total", "Summaries that failed", ["model_version", "kind"],
                              registry=r)
        self.load_seconds = Gauge("vv_summarizer_model_load_seconds", "Time to load the model",
                                  ["model_version"], registry=r)
        self.load_failures = Counter("vv_summarizer_model_load_failures_total", "Model loads that failed",
                                     registry=r)
        self.cpu = Counter("vv_summarizer_cpu_seconds_total", "CPU time spent in inference", ["model_version"],
                           registry=r)
        self.rss = Gauge("vv_summarizer_rss_bytes", "Resident memory after the last inference", ["model_version"],
                         registry=r)
        self.peak_rss = Gauge("vv_summarizer_peak_rss_bytes", "Peak resident memory of the process", registry=r)
        self.active = Gauge("vv_summarizer_model_info", "The model version serving (1)", ["model_name",
                                                                                           "model_version"],
                            registry=r)

    def set_active(self, model_name: str, version: str) -> None:
        self.active.clear()
        self.active.labels(model_name, version).set(1)


def rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
