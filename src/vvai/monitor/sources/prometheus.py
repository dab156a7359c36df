"""Prometheus HTTP API (``/api/v1/query`` and ``/api/v1/query_range``) via httpx.

Each configured query becomes ``metric`` records in the bundle format
``{"ts", "name", "labels", "value"}``: an instant query gives one sample per series, a range
query (``collect`` over a window) one per series per step. ``name`` is the configured name,
else the series' ``__name__``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

from vvai.common.timefmt import rfc3339
from vvai.monitor.sources.base import Record, Source, problem


class PrometheusSource(Source):
    name = "prometheus"
    poll_interval_s = 60.0

    def __init__(self, url: str, queries: dict[str, str], *, step_s: float = 60.0, timeout_s: float = 10.0):
        super().__init__()
        self.url = url.rstrip("/")
        self.queries = queries  # name -> PromQL
        self.step_s = step_s
        self.timeout_s = timeout_s
        self._client: Any = None

    def _http(self) -> Any:
        import httpx

        if self._client is None:
            self._client = httpx.Client(base_url=self.url, timeout=self.timeout_s)
        return self._client

    def _get(self, path: str, params: dict[str, Any]) -> list[dict]:
        r = self._http().get(path, params=params)
        try:
            body = r.json()
        except ValueError:
            raise RuntimeError(f"HTTP {r.status_code}, not JSON: {r.text[:200]!r}") from None
        if r.status_code != 200 or body.get("status") != "success":
            raise RuntimeError(f"HTTP {r.status_code}: {body.get('errorType', '')} {body.get('error', '')}".strip())
        data = body.get("data") or {}
        result = data.get("result") or []
        if data.get("resultType") == "scalar":
            return [{"metric": {}, "value": result}]
        return result

    @staticmethod
    def _sample(name: str, metric: dict, ts: float, value: str) -> Record | None:
        v = float(value)
        if math.isnan(v):
            return None
        labels = {k: v2 for k, v2 in metric.items() if k != "__name__"}
        return Record("metric", ts, {"ts": rfc3339(ts), "name": name or metric.get("__name__", "value"),
                                     "labels": labels, "value": v}, name=name)

    def instant(self, at: float | None = None) -> Iterator[Record]:
        """One sample per series of every query, now (or at ``at``)."""
        for name, q in self.queries.items():
            params: dict[str, Any] = {"query": q}
            if at is not None:
                params["time"] = at
            try:
                for series in self._get("/api/v1/query", params):
                    ts, value = series["value"]
                    rec = self._sample(name, series.get("metric", {}), float(ts), value)
                    if rec:
                        yield rec
            except Exception as e:  # noqa: BLE001 - httpx errors, bad answers: reported, not fatal
                yield problem(self.name, f"query {name!r}: {type(e).__name__}: {e}")

    def range(self, since: float, until: float) -> Iterator[Record]:
        """Every series of every query over the window at ``step_s``."""
        for name, q in self.queries.items():
            try:
                for series in self._get("/api/v1/query_range",
                                        {"query": q, "start": since, "end": until, "step": self.step_s}):
                    for ts, value in series.get("values", []):
                        rec = self._sample(name, series.get("metric", {}), float(ts), value)
                        if rec:
                            yield rec
            except Exception as e:  # noqa: BLE001
                yield problem(self.name, f"range query {name!r}: {type(e).__name__}: {e}")

    def collect(self, since: float, until: float) -> Iterator[Record]:
        if until - since > self.step_s * 1.5:
            yield from self.range(since, until)
        else:
            yield from self.instant(until if until < time.time() - 1 else None)

    def stop(self, timeout: float = 5.0) -> None:
        super().stop(timeout)
        if self._client is not None:
            self._client.close()
            self._client = None
