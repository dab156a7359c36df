"""The policy as the config file says it NOW: re-read when the file's mtime changes, so a policy
edited by the API or by hand applies to the running monitor without a restart. A file that no
longer parses keeps the last good policy (and says so once in the log)."""

from __future__ import annotations

import logging
import os
import tomllib
from pathlib import Path

from pydantic import ValidationError

from vvai.monitor.config import Config
from vvai.monitor.config.actions import ActionsConfig

log = logging.getLogger("vvai.actions")


class PolicySource:
    def __init__(self, cfg: Config):
        self.path = Path(cfg.source_path) if cfg.source_path else None
        self._policy = cfg.actions
        self._mtime = self._stat()

    def _stat(self) -> int | None:
        try:
            return os.stat(self.path).st_mtime_ns if self.path else None
        except OSError:
            return None

    def current(self) -> ActionsConfig:
        mtime = self._stat()
        if mtime is None or mtime == self._mtime:
            return self._policy
        self._mtime = mtime
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))  # type: ignore[union-attr]
            self._policy = ActionsConfig(**(data.get("actions") or {}))
            log.info("policy re-read from %s: mode=%s", self.path, self._policy.mode)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValidationError, TypeError) as e:
            log.warning("policy in %s not re-read (kept the previous one): %s", self.path, str(e).splitlines()[0])
        return self._policy
