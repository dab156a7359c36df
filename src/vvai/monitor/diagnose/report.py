"""Rendering diagnoses: the spec JSON document and a readable rich report."""

from __future__ import annotations

from typing import Any

from vvai.monitor.incident import Incident


def to_document(incidents: list[Incident]) -> dict[str, Any]:
    """Exactly the spec's `diagnose --json` document: ``{"incidents": [...]}``."""
    return {"incidents": [i.to_spec() for i in incidents]}


def render_rich(incidents: list[Incident], problems: list[str], console: Any, title: str = "") -> None:
    from rich.panel import Panel
    from rich.table import Table

    if title:
        console.print(f"[bold]{title}[/bold]")
    if not incidents:
        console.print("[green]No incident: the bundle looks healthy.[/green]")
    colours = {"critical": "red", "error": "red", "warning": "yellow", "info": "blue"}
    for n, inc in enumerate(incidents, 1):
        c = colours.get(inc.severity.value, "white")
        head = f"[{c}]{inc.severity.value.upper()}[/{c}] {inc.category} — culprit [bold]{inc.component}[/bold]"
        if inc.file:
            head += f" (file {inc.file})"
        t = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        t.add_column("source")
        t.add_column("ts")
        t.add_column("text", overflow="fold")
        for e in inc.evidence:
            t.add_row(e.source, e.ts or "", e.text)
        actions = ", ".join(a.label() for a in inc.actions)
        body = [f"[bold]Root cause:[/bold] {inc.root_cause}",
                f"[bold]Confidence:[/bold] {inc.confidence:.2f}   [bold]Actions:[/bold] {actions}"]
        if inc.timeline:
            body.append("[bold]Timeline:[/bold]")
            for f in inc.timeline[:8]:
                body.append(f"  {f.ts.strftime('%Y-%m-%d %H:%M:%S')}  {f.kind:<18} {f.summary[:110]}")
        from rich.console import Group

        console.print(Panel(Group(*body, "[bold]Evidence:[/bold]", t), title=f"#{n} {head}", title_align="left"))
    for p in problems:
        console.print(f"[yellow]warning:[/yellow] {p}")
