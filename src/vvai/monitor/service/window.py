"""The daemon's memory: the records of the last ``window_s`` seconds, thread-safe and bounded."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque

from vvai.monitor.sources.base import Record

_LATEST_ONLY = ("component", "file")  # describe the present: keep the newest per name


class RecordWindow:
    def __init__(self, window_s: float, max_records: int = 200_000):
        self.window_s = window_s
        self.max_records = max_records
        self._items: deque[Record] = deque()
        self._latest: dict[tuple[str, str], Record] = {}
        self._problems: deque[Record] = deque(maxlen=200)
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.dropped = 0

    def add(self, rec: Record) -> None:
        with self._lock:
            self.counts[rec.kind] += 1
            if rec.kind in _LATEST_ONLY:
                self._latest[(rec.kind, rec.name)] = rec
            elif rec.kind == "problem":
                self._problems.append(rec)
            else:
                self._items.append(rec)
                if len(self._items) > self.max_records:
                    self._items.popleft()
                    self.dropped += 1

    def snapshot(self, now: float | None = None) -> list[Record]:
        """Current records (pruning the expired ones); problems are handed out once."""
        now = time.time() if now is None else now
        cutoff = now - self.window_s
        with self._lock:
            while self._items and self._items[0].ts < cutoff:
                self._items.popleft()
            items = [r for r in self._items if r.ts >= cutoff]
            if len(items) < len(self._items) - 1000:
                self._items = deque(items)
            out = list(self._latest.values()) + items + list(self._problems)
            self._problems.clear()
        return out

    def __len__(self) -> int:
        return len(self._items)
