"""Structured JSON-lines logging, the format of the pipeline's ``logs/app.log``.

Each record is one line: ``{"ts": RFC3339, "level": ..., "component": ..., "msg": ..., **extra}``.
Writes are single ``write()`` calls on an ``O_APPEND`` file so lines from several processes
never interleave.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from vvai.common.timefmt import now_rfc3339

__all__ = ["JsonLineLogger", "now_rfc3339"]


class JsonLineLogger:
    """Append JSON lines to a file (created with its folder on first use)."""

    def __init__(self, path: Path | str | None, component: str):
        self.path = Path(path) if path else None
        self.component = component
        self._lock = threading.Lock()

    def log(self, level: str, msg: str, **extra: Any) -> dict[str, Any]:
        record: dict[str, Any] = {"ts": now_rfc3339(), "level": level.upper(), "component": self.component,
                                  "msg": msg}
        record.update({k: v for k, v in extra.items() if v is not None})
        if self.path is not None:
            line = (json.dumps(record, default=str, ensure_ascii=False) + "\n").encode("utf-8")
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    os.write(fd, line)
                finally:
                    os.close(fd)
        return record

    def info(self, msg: str, **extra: Any) -> dict[str, Any]:
        return self.log("INFO", msg, **extra)

    def warning(self, msg: str, **extra: Any) -> dict[str, Any]:
        return self.log("WARNING", msg, **extra)

    def error(self, msg: str, **extra: Any) -> dict[str, Any]:
        return self.log("ERROR", msg, **extra)
