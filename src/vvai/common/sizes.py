"""Byte sizes: parsing the two notations operators write, and printing sizes for people.

- ``parse_size("500M")``: the CLI's notation. Decimal units (k, M, G, T = powers of 1000), binary
  ones spelled with an ``i`` (KiB, MiB, GiB, TiB = powers of 1024), optional ``B``.
- ``parse_mem("512m")``: Docker/compose memory notation (``mem_limit``), where every unit is
  binary (``2g`` = 2 GiB), as the engine reads it. Numbers pass through as bytes.
"""

from __future__ import annotations

import math
import re

from vvai.common.errors import ConfigError

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)(b?)\s*$", re.IGNORECASE)
_POWER = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}


def _split(text: str) -> tuple[float, int, bool, bool] | None:
    m = _SIZE.match(text)
    if not m:
        return None
    num, unit, binary, b = m.groups()
    if binary and not unit:  # "5i" / "5ib" are not sizes
        return None
    return float(num), _POWER[unit.lower()], bool(binary), bool(b)


def parse_size(text: str) -> int:
    """``"500M"``, ``"2GiB"``, ``"1048576"`` -> bytes; ConfigError for anything else."""
    parts = _split(str(text))
    if parts is None:
        raise ConfigError(f"not a size: {text!r}", hint="use a number with an optional unit, e.g. 500M or 2GiB")
    num, power, binary, _ = parts
    value = num * (1024 if binary else 1000) ** power
    if not math.isfinite(value):  # "9" * 400 is a float infinity: int() would raise OverflowError
        raise ConfigError(f"not a size: {text[:40]!r}... is too large", hint="use a number with a unit, e.g. 20G")
    return int(value)


def parse_mem(value: object) -> int | None:
    """Compose memory notation (``2g``, ``512m``, ``1.5G``, ``256MiB``, bytes) -> bytes, None if not one."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if math.isfinite(value) else None  # YAML's .inf / .nan are not sizes
    if not isinstance(value, str):
        return None
    parts = _split(value)
    if parts is None:
        return None
    num, power, _, _ = parts
    value = num * 1024**power
    return int(value) if math.isfinite(value) else None


def fmt_bytes(n: float | None) -> str:
    """``1536`` -> ``"1.5 KB"`` (binary steps, one decimal; bytes without one; None -> ``"?"``)."""
    if n is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"
