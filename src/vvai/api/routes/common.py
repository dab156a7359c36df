"""Shared request helpers: the app state, who is calling, time filters."""

from __future__ import annotations

import time

from fastapi import Request

from vvai.api.state import ApiState
from vvai.common.errors import ConfigError
from vvai.common.timefmt import parse_ts

MAX_ID = 2**63 - 1
MAX_TEXT = 8000


def state(request: Request) -> ApiState:
    return request.app.state.api


def who(request: Request) -> str:
    return str(request.scope.get("state", {}).get("who") or "unknown")


def parse_since(value: str | None, default_s: float | None = None) -> float | None:
    """``since``: an RFC 3339 time, epoch seconds, or a duration back from now (``15m``, ``7d``)."""
    if value in (None, ""):
        return None if default_s is None else time.time() - default_s
    from vvai.monitor.capture import parse_duration

    t = parse_ts(value)
    if t is not None:
        return t.timestamp()
    try:
        return float(value)  # type: ignore[arg-type]
    except ValueError:
        pass
    try:
        return time.time() - parse_duration(str(value), "since")
    except ConfigError:
        raise ConfigError(f"since: {value!r} is neither a time (RFC 3339 or epoch) nor a duration (15m, 7d)") from None
