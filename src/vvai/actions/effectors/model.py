"""Model rollback through the model store (``vvai model rollback``): local, atomic, instant."""

from __future__ import annotations

from pathlib import Path

from vvai.actions.effectors import EffectorFailed
from vvai.common.errors import VvaiError


def rollback(models_root: Path, to_version: str | None) -> dict:
    from vvai.models.lifecycle import ModelManager

    try:
        iv, prev = ModelManager(models_root, lock_timeout=30).rollback(to_version or None)
    except VvaiError as e:
        raise EffectorFailed(f"model rollback failed: {e.one_line()}") from None
    return {"active": iv.version, "previous": prev}
