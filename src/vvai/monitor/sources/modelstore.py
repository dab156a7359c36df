"""What the model store says is active, for bundle.json's ``model`` (read-only: a symlink and two
small JSON files; no lock taken, nothing written).

``[model]`` in vvai.toml is copied as it is (a name, a declared version, the root); where the store
under the models root has an active version, its name, version and previous version replace the
declared ones: the diagnosis then knows what is active now (a rolled-back release is no longer a
failure to report) and what a rollback would go back to.
"""

from __future__ import annotations

from typing import Any

from vvai.models.store import Store, read_json
from vvai.monitor.config import Config, models_root


def model_meta(cfg: Config) -> dict[str, Any]:
    meta: dict[str, Any] = dict(cfg.model)
    try:
        store = Store(models_root(cfg))
        active = store.active()
        info = read_json(store.info_path) or {}
    except OSError:
        return meta
    if active is None:
        return meta
    meta["version"] = active.version
    if active.model_name:
        meta["name"] = active.model_name
    if info.get("version") == active.version and isinstance(info.get("previous_version"), str):
        meta["previous_version"] = info["previous_version"]
    return meta
