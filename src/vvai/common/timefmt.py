"""Time text: the one parser and the one formatter of RFC 3339 timestamps, and durations.

``parse_ts`` reads what ``docker logs --timestamps`` prints (nanoseconds), what Python logs
(comma fractions, ``+0000`` zones) and epoch numbers, into an aware UTC datetime; ``parse_epoch``
is the same as epoch seconds. ``rfc3339`` writes UTC with a ``Z``, milliseconds by default
(the form evidence and bundle records use) or nanoseconds.

`datetime.fromisoformat` handles neither 9 fractional digits nor every zone spelling on 3.11, so
the fraction is trimmed to microseconds by hand. The parser is strict on purpose: a log line that
merely starts with a date is not a timestamped line.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from vvai.common.errors import ConfigError

_DUR = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_TS = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d+))?\s*(Z|z|[+-]\d{2}:?\d{2})?$"
)


def parse_ts(value: object) -> datetime | None:
    """Parse an RFC 3339 string or epoch number; None when it is not a timestamp."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    m = _TS.match(value.strip())
    if not m:
        return None
    day, clock, frac, zone = m.groups()
    frac = (frac or "0")[:6].ljust(6, "0")
    if zone in (None, "Z", "z"):
        zone = "+00:00"
    elif ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    try:
        return datetime.fromisoformat(f"{day}T{clock}.{frac}{zone}").astimezone(UTC)
    except ValueError:
        return None


def has_zone(value: str) -> bool:
    """Does an RFC 3339-looking string carry its zone (``Z`` or an offset)? Non-timestamps: True."""
    m = _TS.match(value.strip())
    return m is None or m.group(4) is not None


def parse_epoch(value: object) -> float | None:
    """:func:`parse_ts` as epoch seconds."""
    dt = parse_ts(value)
    return dt.timestamp() if dt is not None else None


def rfc3339(value: float | datetime | None, *, nano: bool = False) -> str | None:
    """Epoch seconds or a datetime -> ``2026-01-02T03:04:05.678Z`` (``nano``: 9 digits); None -> None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        dt = value.astimezone(UTC)
        if nano:
            return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond * 1000:09d}Z"
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    dt = datetime.fromtimestamp(value, UTC)
    if nano:
        ns = int(round((value - int(value)) * 1e9))
        if ns >= 1_000_000_000:
            ns = 999_999_999
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ns:09d}Z"
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_rfc3339() -> str:
    """The current time, milliseconds, UTC."""
    return rfc3339(time.time())  # type: ignore[return-value]


def parse_duration(text: str, what: str = "--since") -> float:
    """``90s``, ``15m``, ``1h``, ``2d`` or plain seconds -> seconds; ConfigError naming ``what``."""
    m = _DUR.match(str(text))
    if not m:
        raise ConfigError(f"{what}: {text!r} is not a duration", hint="use e.g. 90s, 15m, 1h or 2d")
    return float(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2) or "s"]
