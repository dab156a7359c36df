"""RFC 3339 timestamps with nanoseconds (what `docker logs --timestamps` prints) to aware datetimes.

`datetime.fromisoformat` handles neither 9 fractional digits nor every zone spelling on 3.11, so
the fraction is trimmed to microseconds by hand.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

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


def iso(dt: datetime | None) -> str | None:
    """Millisecond RFC 3339 in UTC with a Z, the form evidence timestamps use."""
    if dt is None:
        return None
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
