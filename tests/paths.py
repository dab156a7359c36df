"""The one place tests find the team's shared material (spec examples, loghub data).

It lives in ``../shared`` beside the project (as in CI), or where ``$VVAI_SHARED`` points. A
clone without it still runs: tests that need it use :func:`needs_shared` (a skip marker) or
:func:`require_shared` (skips from inside a test or fixture), both saying what is missing and
how to provide it. Nothing else in the tests names a machine path.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("VVAI_SHARED") or PROJECT.parent / "shared")
EXAMPLES = SHARED / "spec" / "examples"
LOGHUB = SHARED / "data" / "loghub2k"


def _reason(path: Path) -> str:
    return (f"needs the shared material {path.relative_to(SHARED)} (not found under {SHARED}; "
            "put the team's shared/ folder beside the clone or set VVAI_SHARED)")


def needs_shared(path: Path) -> pytest.MarkDecorator:
    """``@needs_shared(EXAMPLES)``: skip the test, with a clear reason, when ``path`` is absent."""
    return pytest.mark.skipif(not path.exists(), reason=_reason(path))


def require_shared(path: Path) -> Path:
    """``path`` if it exists, else skip the calling test with a clear reason."""
    if not path.exists():
        pytest.skip(_reason(path))
    return path


def example_names() -> list[str]:
    """The recorded example bundles, for parametrize (empty without the shared material)."""
    return sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()) if EXAMPLES.is_dir() else []
