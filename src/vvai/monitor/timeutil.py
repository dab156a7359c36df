"""Transition only: timestamps are parsed and formatted by :mod:`vvai.common.timefmt`."""

from vvai.common.timefmt import parse_ts
from vvai.common.timefmt import rfc3339 as iso

__all__ = ["iso", "parse_ts"]
