"""The one interface every live source implements, and the record it yields.

A source can be read two ways:

- ``collect(since, until)``: one pass over the recent past (``vvai monitor once`` and
  ``capture``, and the daemon's warm-up);
- ``follow(sink)`` / ``stop()``: push records as they happen (the daemon). The default
  ``follow`` is "collect the interval since the last call, every ``poll_interval_s``", so a
  source only overrides it when it has a real push channel (engine events, log streams).

Records carry their payload exactly in the bundle's on-disk format (spec
``vvai-bundle/1``) so a window of them becomes a :class:`Bundle` without any translation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["event", "log", "app_log", "stats", "metric", "pipeline", "file", "problem", "component"]


@dataclass(slots=True)
class Record:
    """One observation.

    ``kind`` decides where it lands in a bundle: ``event`` -> events.jsonl (Docker API event
    dict), ``log`` -> logs/<name>.log (raw ``docker logs --timestamps`` text; several lines
    joined by newlines for a multi-line traceback), ``app_log`` -> logs/app.log (one raw JSON
    line), ``stats``/``metric``/``pipeline`` -> their .jsonl (spec dicts), ``file`` ->
    files/<name> (bytes), ``problem`` -> a source could not read something (dict with
    ``source`` and ``message``), ``component`` -> bundle.json components[name] (dict).
    ``important`` asks the daemon for an immediate diagnosis pass (a container died).
    """

    kind: Kind
    ts: float
    data: Any
    name: str = ""
    important: bool = False
    meta: dict[str, Any] = field(default_factory=dict)


Sink = Callable[[Record], None]


def problem(source: str, message: str, ts: float | None = None, **extra: Any) -> Record:
    """A record saying a source met something it could not read; the pass goes on."""
    return Record("problem", ts if ts is not None else time.time(), {"source": source, "message": message, **extra},
                  name=source)


class Source:
    """Base class: subclasses implement ``collect``; push-capable ones override ``follow``."""

    name = "source"
    poll_interval_s = 30.0

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def collect(self, since: float, until: float) -> Iterable[Record]:
        raise NotImplementedError

    def follow(self, sink: Sink) -> None:
        """Start pushing records to ``sink`` from a background thread (polling by default)."""
        t = threading.Thread(target=self._poll_loop, args=(sink,), name=f"vvai-{self.name}", daemon=True)
        self._threads.append(t)
        t.start()

    def _poll_loop(self, sink: Sink) -> None:
        last = time.time()
        while not self._stop.wait(self.poll_interval_s):
            now = time.time()
            try:
                for rec in self.collect(last, now):
                    sink(rec)
            except Exception as e:  # noqa: BLE001 - a broken source is reported, never fatal
                sink(problem(self.name, f"{type(e).__name__}: {e}"))
            last = now

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()
