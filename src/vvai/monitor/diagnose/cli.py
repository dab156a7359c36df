"""`vvai monitor diagnose` (stub until the engine lands)."""

from __future__ import annotations

import typer


def diagnose(bundle: str = typer.Argument(..., help="Incident bundle folder or .tar.gz.")) -> None:
    """Diagnose an incident bundle."""
    raise typer.Exit(1)
