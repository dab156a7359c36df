"""Where the shared material lives: ``../shared`` beside the project (as in CI), else $VVAI_SHARED."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("VVAI_SHARED") or PROJECT.parent / "shared")
if not SHARED.is_dir() and Path("/work/shared").is_dir():  # a scratch clone elsewhere on a dev box
    SHARED = Path("/work/shared")
EXAMPLES = SHARED / "spec" / "examples"
LOGHUB = SHARED / "data" / "loghub2k"
