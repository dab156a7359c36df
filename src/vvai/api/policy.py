"""``[actions]`` edited at run time: validated, written atomically into vvai.toml, nothing else touched.

tomlkit keeps the rest of the file as it was (comments, order, other sections). A lock file
beside the config (``flock``) serialises writers (the API, ``vvai monitor policy set``), and each
writer re-reads the file inside the lock, so two concurrent edits both survive. The executor
notices the new mtime and re-reads the policy: no restart.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tomlkit
from pydantic import ValidationError

from vvai.common.atomic import atomic_write_text
from vvai.common.errors import ConfigError, LockedError
from vvai.common.locks import lock_fd
from vvai.monitor.config import parse_config
from vvai.monitor.config.actions import ActionsConfig


@contextmanager
def config_lock(path: Path, timeout_s: float = 10.0):
    lock = path.with_name(f".{path.name}.lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                lock_fd(fd, wait=False)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LockedError(f"{path} is being edited by another process",
                                      hint="retry in a moment") from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in patch.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (_drop_none(v) if isinstance(v, dict) else v) for k, v in d.items() if v is not None}


def validate_policy(patch: dict[str, Any], current: dict[str, Any]) -> ActionsConfig:
    """``current`` [actions] table updated with ``patch``; ConfigError naming the first bad key."""
    try:
        return ActionsConfig(**_merge(current, patch))
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(p) for p in err.get("loc", ()))
        msg = "unknown key" if err.get("type") == "extra_forbidden" else str(err.get("msg", "invalid")).lower()
        raise ConfigError(f"actions.{key}: {msg}", hint="see the [actions] keys in vvai.toml's documentation") from None


def _sync(tbl: Any, want: dict[str, Any]) -> None:
    """Make the tomlkit table ``tbl`` hold exactly ``want``, in place (untouched keys keep comments)."""
    for k in [k for k in tbl if k not in want]:
        del tbl[k]
    for k, v in want.items():
        if isinstance(v, dict):
            if k not in tbl or not isinstance(tbl[k], dict):
                tbl[k] = tomlkit.table()
            _sync(tbl[k], v)
        elif k not in tbl or tbl[k] != v:
            tbl[k] = v


def update_policy(config_path: str | Path, patch: dict[str, Any]) -> dict[str, Any]:
    """Apply ``patch`` (a partial ``[actions]`` table; ``null`` resets a key to its default) to the file.

    Returns ``{"before": ..., "after": ...}`` (the effective [actions] tables). The whole new file
    is validated as a vvai.toml before it replaces the old one.
    """
    path = Path(config_path)
    if not isinstance(patch, dict) or not patch:
        raise ConfigError("the policy change is empty", hint='send e.g. {"mode": "approval"}')
    with config_lock(path):
        try:
            text = path.read_text(encoding="utf-8")
            doc = tomlkit.parse(text)
        except OSError as e:
            raise ConfigError(f"cannot read {path}: {e}") from None
        except tomlkit.exceptions.ParseError as e:
            raise ConfigError(f"{path.name}: not valid TOML: {e}") from None
        current = doc.unwrap().get("actions") or {}
        before = ActionsConfig(**current).model_dump()
        after = validate_policy(patch, current)
        merged = _drop_none(_merge(current, patch))
        if "actions" not in doc or not isinstance(doc["actions"], dict):
            doc["actions"] = tomlkit.table()
        _sync(doc["actions"], merged)
        new_text = tomlkit.dumps(doc)
        parse_config(tomlkit.parse(new_text).unwrap(), path.name)  # the whole file must stay valid
        st = path.stat()
        atomic_write_text(path, new_text, perms=st.st_mode & 0o777)
    return {"before": before, "after": after.model_dump()}
