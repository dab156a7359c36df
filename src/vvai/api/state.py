"""What every request handler needs: the config (re-read when its file changes), the store, auth."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from vvai.api.auth import Sessions
from vvai.monitor.config import Config, load_config
from vvai.monitor.history import IncidentStore


@dataclass
class ApiState:
    cfg: Config
    store: IncidentStore
    token: str
    sessions: Sessions
    _stamp: tuple | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._stamp = self._file_stamp()

    def _file_stamp(self) -> tuple | None:
        p = self.config_path
        try:
            st = p.stat() if p is not None else None
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino) if st else None

    @property
    def config_path(self) -> Path | None:
        return Path(self.cfg.source_path) if self.cfg.source_path else None

    def config(self) -> Config:
        """The effective config; re-read when the file's mtime moved (a policy edit by anyone)."""
        p = self.config_path
        if p is None:
            return self.cfg
        with self._lock:
            stamp = self._file_stamp()
            if stamp is not None and stamp != self._stamp:
                try:
                    self.cfg = load_config(p)
                except Exception:  # noqa: BLE001 - a bad edit by hand: keep serving the last good one
                    pass
                self._stamp = stamp
            return self.cfg

    def models_root(self) -> Path:
        from vvai.monitor.config import models_root

        return models_root(self.config())

    def processed_dir(self) -> Path:
        c = self.config()
        return c.pipeline.path(c.pipeline.processed)
