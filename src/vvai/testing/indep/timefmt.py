"""Timestamps as different tools print them: RFC 3339 in a zone, `docker logs` nanoseconds, zone-less text."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

ZONES = {
    "Z": UTC,
    "+05:30": timezone(timedelta(hours=5, minutes=30)),
    "-03:00": timezone(timedelta(hours=-3)),
    "+01:00": timezone(timedelta(hours=1)),
    "+09:00": timezone(timedelta(hours=9)),
}


def zone(name: str) -> timezone:
    return ZONES[name]


def _offset(dt: datetime) -> str:
    off = dt.utcoffset() or timedelta(0)
    if off == timedelta(0):
        return "Z"
    total = int(off.total_seconds() // 60)
    sign = "+" if total >= 0 else "-"
    total = abs(total)
    return f"{sign}{total // 60:02d}:{total % 60:02d}"


def rfc3339(dt: datetime, tz: timezone = UTC, digits: int = 3) -> str:
    """`2026-11-20T10:04:05.123Z` or `...+05:30`; digits 0, 3, 6."""
    local = dt.astimezone(tz)
    base = local.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        base += "." + f"{local.microsecond:06d}"[:digits]
    return base + _offset(local)


def nano(dt: datetime, tz: timezone = UTC, tail: int = 0) -> str:
    """`docker logs --timestamps` style: nine fractional digits (microseconds plus three more)."""
    local = dt.astimezone(tz)
    frac = f"{local.microsecond:06d}{tail % 1000:03d}"
    return local.strftime("%Y-%m-%dT%H:%M:%S") + "." + frac + _offset(local)


def naive_text(dt: datetime, tz: timezone, style: str) -> str:
    """Zone-less timestamps that programs print inside their own log text (deliberately no zone)."""
    local = dt.astimezone(tz)
    ms = f"{local.microsecond // 1000:03d}"
    if style == "pylog":      # logging default asctime
        return local.strftime("%Y-%m-%d %H:%M:%S") + "," + ms
    if style == "loguru":
        return local.strftime("%Y-%m-%d %H:%M:%S") + "." + ms
    if style == "go":         # log.LstdFlags
        return local.strftime("%Y/%m/%d %H:%M:%S")
    if style == "redis":      # 1:M 20 Nov 2026 10:04:05.123
        return local.strftime("%d %b %Y %H:%M:%S") + "." + ms
    if style == "nginx":      # 20/Nov/2026:10:04:05 +0530 (has a zone, nginx style)
        return local.strftime("%d/%b/%Y:%H:%M:%S %z")
    raise ValueError(style)


def epoch(dt: datetime) -> float:
    return dt.timestamp()


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
