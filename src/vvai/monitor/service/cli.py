"""`vvai monitor run|once|capture` (stubs until the service lands)."""

from __future__ import annotations
