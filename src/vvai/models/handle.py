"""The consumer side of the model store: load the active version, reload it without a gap.

A consumer (the scene summarizer) asks ``handle.current()`` for the model to use for ONE piece
of work and keeps that object until the work is done. A reload builds the new model completely
(in the watcher thread), then replaces the reference in one assignment: work in flight finishes
on the old object, new work gets the new one, and no call ever sees "no model". A model that
fails to load leaves the old one serving; the failure is logged and counted.

What triggers a reload: ``.model_updated_flag`` changing (the signal ``vvai model sync``,
``activate`` and ``rollback`` write), or the ``active`` pointer designating another folder (so
a missed or deleted flag cannot leave a stale model serving). Polling a file is deliberate: it
works across the read-only bind mount the summarizer container gets, where inotify does not.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from vvai.common.errors import VvaiError
from vvai.models.store import Store, read_json

E = TypeVar("E")


class ModelLoadError(VvaiError):
    """The model files could not be turned into a working engine."""


@dataclass(frozen=True)
class LoadedModel(Generic[E]):
    version: str
    model_name: str
    folder: Path  # the immutable version folder (versions/<v>)
    slot_path: Path  # the model folder inside it (versions/<v>/<slot>)
    engine: E
    load_seconds: float
    loaded_at: float = field(default_factory=time.time)


Loader = Callable[[Path, dict[str, Any]], Any]  # (slot folder, install record) -> engine


class ModelHandle(Generic[E]):
    def __init__(self, root: Path | str | None, loader: Loader, *, slot: str | None = None,
                 on_event: Callable[[str, dict[str, Any]], None] | None = None, poll_interval: float = 0.5):
        self.store = Store(root)
        self.loader = loader
        self.slot = slot
        self.on_event = on_event or (lambda kind, data: None)
        self.poll_interval = poll_interval
        self._current: LoadedModel[E] | None = None
        self._others: dict[str, LoadedModel[E]] = {}  # other versions (A/B candidate, evaluation)
        self._seen: tuple[Any, ...] | None = None
        self._reload_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.load_failures = 0
        self._failed_folder: Path | None = None

    # ------------------------------------------------------------------ loading

    def _signature(self) -> tuple[Any, ...]:
        try:
            st = os.stat(self.store.flag_path)
            flag = (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            flag = None
        try:
            target = os.readlink(self.store.active_link)
        except OSError:
            target = None
        return flag, target

    def _load_folder(self, folder: Path) -> LoadedModel[E]:
        rec = read_json(folder / "install.json")
        if not rec:
            raise ModelLoadError(f"{folder} is not an installed model version (no install.json)")
        slots = rec.get("slots") or []
        slot = self.slot or (slots[0] if slots else None)
        if slot is None or slot not in slots:
            raise ModelLoadError(f"version {rec.get('version')} has no model folder {slot!r}")
        t0 = time.perf_counter()
        try:
            engine = self.loader(folder / slot, rec)
        except ModelLoadError:
            raise
        except Exception as e:  # any failure of a third-party loader is a load failure
            raise ModelLoadError(f"{rec.get('model_name')} {rec.get('version')}: {type(e).__name__}: {e}") from e
        return LoadedModel(rec["version"], rec.get("model_name", ""), folder, folder / slot, engine,
                           time.perf_counter() - t0)

    def load_active(self) -> LoadedModel[E]:
        """Load whatever ``active`` designates now and make it current (raises on failure)."""
        with self._reload_lock:
            sig = self._signature()
            folder = self.store.active_folder()
            if folder is None:
                raise ModelLoadError(f"no active model under {self.store.root}",
                                     hint="install one with 'vvai model sync --manifest M'")
            if self._current is not None and self._current.folder == folder:
                self._seen = sig
                return self._current
            old = self._current
            if folder == self._failed_folder and old is not None:
                self._seen = sig  # version folders are immutable: a failed one would fail again
                return old
            try:
                new = self._load_folder(folder)
            except ModelLoadError as e:
                self.load_failures += 1
                self._failed_folder = folder
                self._seen = sig
                self.on_event("load_failed", {"folder": folder.name, "error": e.message,
                                              "serving": old.version if old else None})
                raise
            self._current = new  # the swap: one reference assignment
            self._seen = sig
            self.on_event("loaded", {"model_name": new.model_name, "version": new.version,
                                     "load_s": round(new.load_seconds, 4),
                                     "previous": old.version if old else None})
            return new

    def current(self) -> LoadedModel[E]:
        cur = self._current
        if cur is None:
            return self.load_active()
        return cur

    def version(self, version: str) -> LoadedModel[E]:
        """A specific installed version (A/B candidate, evaluation), loaded once and cached."""
        cur = self._current
        if cur is not None and cur.version == version:
            return cur
        got = self._others.get(version)
        if got is not None:
            return got
        iv = self.store.find(version)
        if iv is None:
            raise ModelLoadError(f"version {version} is not installed")
        with self._reload_lock:
            got = self._others.get(version) or self._load_folder(iv.folder)
            self._others[version] = got
        return got

    def forget(self, version: str) -> None:
        self._others.pop(version, None)

    # ------------------------------------------------------------------ watching

    def check_for_update(self) -> bool:
        """Reload if the flag or the pointer changed. True when a new model is now current."""
        if self._signature() == self._seen:
            return False
        before = self._current
        with contextlib.suppress(ModelLoadError):
            self.load_active()
        if self._current is before:
            # the flag changed but no new model was loaded (e.g. an A/B split was set): tell the
            # consumer; a new model already announced itself with a "loaded" event
            self.on_event("signal", {})
        return self._current is not before

    def start_watching(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(self.poll_interval):
                try:
                    self.check_for_update()
                except Exception as e:  # the watcher must never die
                    self.on_event("watch_error", {"error": f"{type(e).__name__}: {e}"})

        self._thread = threading.Thread(target=loop, name="vvai-model-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
