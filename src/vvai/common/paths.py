"""Where things live on an edge box by default (each overridable by option or environment)."""

from __future__ import annotations

#: The pipeline's root (input/, processed/, corrupted/, logs/), as in the original docker-compose design.
DEFAULT_ROOT = "/opt/vv-video-ai-system"
#: The model store the summarizer reads (``vvai model --root``, ``$VVAI_MODELS_DIR``).
DEFAULT_MODELS_ROOT = f"{DEFAULT_ROOT}/models"
