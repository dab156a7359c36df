"""``GET /api/v1/models``: the model store's active version, installed versions and history (read-only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def models_info(root: Path) -> dict[str, Any]:
    from vvai.models.store import Store

    out: dict[str, Any] = {"root": str(root), "active": None, "installed": [], "history": []}
    if not root.is_dir():
        out["problem"] = f"no model store at {root}"
        return out
    st = Store(root)
    act = st.active()
    if act is not None:
        out["active"] = {"version": act.version, "model_name": act.model_name, "installed_at": act.installed_at}
    out["installed"] = [{"version": iv.version, "model_name": iv.model_name, "installed_at": iv.installed_at,
                         "folder": iv.folder.name, "active": act is not None and iv.folder == act.folder}
                        for iv in st.installed()]
    out["history"] = list(reversed(st.read_state().get("history", [])))[:100]
    return out
