"""Build the live sources a config asks for."""

from __future__ import annotations

from vvai.monitor.config import Config
from vvai.monitor.sources.base import Source


def build_sources(cfg: Config) -> list[Source]:
    from vvai.monitor.sources.docker_engine import DockerEngineSource
    from vvai.monitor.sources.folders import FolderSource
    from vvai.monitor.sources.logfile import LogFileSource
    from vvai.monitor.sources.prometheus import PrometheusSource

    out: list[Source] = []
    if cfg.engine.enabled:
        out.append(DockerEngineSource(cfg.engine.socket or None, components=cfg.engine.components,
                                      compose_project=cfg.engine.compose_project or None,
                                      stats_interval_s=cfg.engine.stats_interval_s,
                                      log_tail_lines=cfg.engine.log_tail_lines))
    p = cfg.pipeline
    if p.app_log:
        out.append(LogFileSource(p.path(p.app_log), fmt="json", max_line_bytes=cfg.logs.max_line_bytes))
    for f in cfg.logs.files:
        out.append(LogFileSource(p.path(f.path), fmt=f.format, name=f.name or None,
                                 max_line_bytes=cfg.logs.max_line_bytes))
    folders = FolderSource(p.root, p.dirs(), p.state_files)
    folders.poll_interval_s = p.snapshot_interval_s
    out.append(folders)
    if cfg.prometheus.url and cfg.prometheus.queries:
        prom = PrometheusSource(cfg.prometheus.url, cfg.prometheus.queries, step_s=cfg.prometheus.step_s,
                                timeout_s=cfg.prometheus.timeout_s)
        prom.poll_interval_s = cfg.prometheus.interval_s
        out.append(prom)
    return out


def configured_components(cfg: Config, sources: list[Source]) -> list[str]:
    """Components named by the config or discovered from the engine (best effort)."""
    from vvai.monitor.sources.docker_engine import DockerEngineSource

    names = list(cfg.engine.components)
    for s in sources:
        if isinstance(s, DockerEngineSource):
            try:
                names += [n for n in s.discover() if n not in names]
            except Exception:  # noqa: BLE001 - engine down: reported by collect
                pass
    return names
