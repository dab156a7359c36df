"""Every detector threshold in one pydantic model, so a config file can embed and override it."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DetectorSettings(BaseModel):
    # crash loops / restarts
    crash_loop_restarts_per_hour: float = Field(4, description="non-memory exits per hour for a crash loop")
    crash_loop_min_exits: int = Field(3, description="never call a crash loop on fewer exits than this")
    oom_min_kills: int = Field(1, description="OOM kills needed for an oom_kill finding")
    poison_min_crashes: int = Field(3, description="failures on the same input to call it poison")
    # logs
    error_burst_min: int = Field(5, description="error lines of one component to call an error burst")
    error_burst_per_hour: float = Field(6.0, description="error-line rate per hour for a burst")
    new_template_min_count: int = Field(3, description="repeats of a template first seen mid-window")
    # resources
    cpu_saturation_fraction: float = Field(0.85, description="CPU use / cpus limit counted as saturated")
    cpu_saturation_minutes: float = Field(10.0, description="how long saturation must last")
    cpu_saturation_share: float = Field(0.8, description="share of samples above the fraction in that span")
    saturation_short_minutes: float = Field(1.0, description="the least span when the bundle covers less than "
                                                             "cpu_saturation_minutes / mem_pressure_minutes")
    mem_pressure_fraction: float = Field(0.85, description="mem use (docker-stats style) / mem_limit counted as "
                                                             "near the limit, like cpu_saturation_fraction")
    mem_pressure_minutes: float = Field(10.0, description="how long memory must stay near the limit")
    # performance
    degradation_percent: float = Field(30.0, description="p50 increase over baseline to call degradation")
    degradation_volume_tolerance: float = Field(0.35, description="relative volume change still 'similar'")
    degradation_min_span_hours: float = Field(24.0, description="trend span needed without a benchmark")
    # pipeline
    backlog_min_files: int = Field(8, description="input files for a backlog")
    backlog_min_growth: int = Field(5, description="growth of the input folder across the window")
    stall_minutes: float = Field(10.0, description="minutes without progress while input waits")
    stall_quiet_minutes: float = Field(1.0, description="the same when the worker shows no CPU and no log line")
    stall_quiet_cpu_percent: float = Field(2.0, description="CPU percent under which a running worker is idle")
    stall_quiet_min_samples: int = Field(5, description="stats samples needed to call a worker idle")
    stall_pace_factor: float = Field(4.0, description="times its slowest step in the window without progress, "
                                                      "scaled by file size, to call a busy worker stalled")
    orphan_delay_minutes: float = Field(10.0, description="expected time from analytic to summary")
    orphan_min_files: int = Field(3, description="orphans needed for a finding")
    processed_growth_min: int = Field(15, description="growth of processed/ that means nothing is shipped")
    disk_full_fraction: float = Field(0.92, description="used / total counted as nearly full")
    # exporter
    export_min_failures: int = Field(3, description="failed shipments for an export failure")
    export_min_minutes: float = Field(5.0, description="span the export failures must cover")
    export_persist_minutes: float = Field(0.5, description="a shorter span counts when failures last to the "
                                                           "window's end")
    # deployment
    deploy_window_minutes: float = Field(30.0, description="errors within this after a deploy are blamed on it")
    # roles: component name -> scanner|summarizer|exporter|other (inferred from names when absent)
    roles: dict[str, str] = Field(default_factory=dict)
