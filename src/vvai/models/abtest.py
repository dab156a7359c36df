"""A/B split between the active model and one candidate version.

The split is stored in ``<models root>/.vvai/ab.json`` (``vvai model ab set``), so the
consumer picks it up on its next reload signal, and the candidate is pinned against gc.
Assignment hashes the input's key with a salt: the same video always goes to the same arm
(reproducible, no state), and over many inputs the share converges to ``fraction``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from vvai.common.atomic import atomic_write_json
from vvai.common.errors import ConfigError, VvaiError
from vvai.models.store import Store, read_json


@dataclass(frozen=True)
class ABConfig:
    candidate: str
    fraction: float
    salt: str

    def arm(self, key: str) -> str:
        """``"candidate"`` for about ``fraction`` of keys, else ``"baseline"``."""
        h = hashlib.sha256(f"{self.salt}:{key}".encode()).digest()
        u = int.from_bytes(h[:8], "big") / 2**64
        return "candidate" if u < self.fraction else "baseline"


def _path(store: Store) -> Path:
    return store.internal / "ab.json"


def load(store: Store) -> ABConfig | None:
    d = read_json(_path(store))
    if not d or not isinstance(d.get("candidate"), str) or not d["candidate"]:
        return None
    fraction = d.get("fraction", 0.0)
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not 0.0 <= fraction <= 1.0:
        return None  # a hand-edited split that is not a share of inputs splits nothing
    return ABConfig(d["candidate"], float(fraction), str(d.get("salt", "")))


def set_split(root: Path | str | None, candidate: str, fraction: float) -> ABConfig:
    from vvai.models.lifecycle import ModelManager

    if not 0.0 < fraction < 1.0:
        raise ConfigError(f"--fraction must be between 0 and 1 exclusive (got {fraction})")
    mgr = ModelManager(root)
    with mgr._lock():
        iv = mgr.store.find(candidate)
        if iv is None:
            raise VvaiError(f"candidate {candidate} is not installed",
                            hint="install it with 'vvai model sync --manifest M --no-activate'")
        act = mgr.store.active()
        if act is not None and act.version == candidate:
            raise ConfigError(f"{candidate} is already the active version")
        cfg = ABConfig(candidate, fraction, secrets.token_hex(8))
        atomic_write_json(_path(mgr.store), {"candidate": candidate, "fraction": fraction, "salt": cfg.salt})
        st = mgr.store.read_state()
        st["pinned"] = sorted(set(st.get("pinned", [])) | {candidate})
        mgr.store.write_state(st)
        mgr.store.record_event("ab_set", candidate=candidate, fraction=fraction)
        if act is not None:
            mgr._write_flag(act)  # consumers re-read the split on their reload signal
    return cfg


def clear(root: Path | str | None) -> ABConfig | None:
    from vvai.models.lifecycle import ModelManager

    mgr = ModelManager(root)
    with mgr._lock():
        cfg = load(mgr.store)
        _path(mgr.store).unlink(missing_ok=True)
        if cfg is not None:
            st = mgr.store.read_state()
            st["pinned"] = sorted(set(st.get("pinned", [])) - {cfg.candidate})
            mgr.store.write_state(st)
            mgr.store.record_event("ab_clear", candidate=cfg.candidate)
            act = mgr.store.active()
            if act is not None:
                mgr._write_flag(act)
    return cfg
