"""Where the executor's targets live, from the config (pure path arithmetic, nothing touched)."""

from __future__ import annotations

import os
from pathlib import Path

from vvai.monitor.config import Config


def models_root(cfg: Config) -> Path:
    """``[model] root`` in vvai.toml, else ``$VVAI_MODELS_DIR``, else ``<pipeline root>/models``."""
    explicit = cfg.model.get("root") or os.environ.get("VVAI_MODELS_DIR")
    return Path(explicit) if explicit else Path(cfg.pipeline.root) / "models"


def folder(cfg: Config, name: str) -> Path:
    """A pipeline folder by its logical name (input, processed, corrupted, logs)."""
    rel = cfg.pipeline.dirs().get(name, name)
    return Path(cfg.pipeline.root) / rel
