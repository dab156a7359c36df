"""Incident severity: the one definition every part ranks and checks severities with.

``info`` < ``warning`` < ``error`` < ``critical``. Stored and sent as the lower-case name; code
compares ranks (``severity_rank``), never names, so a typo can not silently sort first.
"""

from __future__ import annotations

from enum import StrEnum

SEVERITIES = ("info", "warning", "error", "critical")
_RANK = {name: i for i, name in enumerate(SEVERITIES)}


class Severity(StrEnum):
    info = "info"
    warning = "warning"
    error = "error"
    critical = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self.value]


def severity_name(value: object) -> str:
    """``Severity.error`` or ``"error"`` -> ``"error"`` (anything else: its ``str``)."""
    return str(getattr(value, "value", value))


def severity_rank(value: object) -> int:
    """0 (info) .. 3 (critical); an unknown name ranks as info."""
    return _RANK.get(severity_name(value), 0)


def check_severity(value: str) -> str:
    """For validators: the name itself, or ValueError saying which names exist."""
    if value not in _RANK:
        raise ValueError("must be one of info, warning, error, critical")
    return value
