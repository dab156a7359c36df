"""Where the executor's targets live, from the config (pure path arithmetic, nothing touched); the
models root is ``vvai.monitor.config.models_root``, shared with the monitor's model-store reader."""

from __future__ import annotations

from pathlib import Path

from vvai.monitor.config import Config


def folder(cfg: Config, name: str) -> Path:
    """A pipeline folder by its logical name (input, processed, corrupted, logs)."""
    rel = cfg.pipeline.dirs().get(name, name)
    return Path(cfg.pipeline.root) / rel
