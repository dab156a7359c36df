"""`vvai monitor templates` (stub until the template miner lands)."""

from __future__ import annotations

import typer


def templates(file: str = typer.Argument(..., help="Log file to summarise.")) -> None:
    """Summarise a log file into templates with counts."""
    raise typer.Exit(1)
