"""`vvai monitor templates`: summarise a log file into templates with counts (thin wrapper
over :mod:`vvai.monitor.templates.runner`)."""

from __future__ import annotations

import typer


def templates(
    file: str = typer.Argument(..., help="Log file to summarise ('-' reads stdin)."),
    log_format: str = typer.Option(
        None,
        "--log-format",
        help="Header layout in Loghub notation, e.g. '<Date> <Time> <Level> <Component>: <Content>'; "
        "templates are mined from <Content>. Default: the whole line.",
    ),
    mask: list[str] = typer.Option(
        None,
        "--mask",
        help="Regex whose matches become <*> (repeatable), before the built-in masks. Runs on RE2 (linear "
        "time); backreferences and lookarounds run on a backtracking engine with a 1 s limit per line.",
    ),
    per_line: bool = typer.Option(
        False, "--per-line", help="One row per input line: line number, template id and final template."
    ),
    json_out: bool = typer.Option(
        False, "--json", help="JSON: one document (templates, stats), or with --per-line one object per line."
    ),
    top: int = typer.Option(0, "--top", min=0, help="Show only the N most frequent templates (0: all)."),
) -> None:
    """Summarise a log file into templates with counts."""
    import os
    import sys

    from vvai.common.output import console, err_console, print_json
    from vvai.common.progress import RichProgress
    from vvai.monitor.templates.runner import mine_file

    show = not json_out and not per_line and (sys.stderr.isatty() or os.environ.get("VVAI_PROGRESS") == "1")
    res = mine_file(
        file,
        log_format=log_format,
        masks=list(mask or []),
        per_line=per_line,
        progress=RichProgress(console=err_console) if show else None,
    )
    if per_line:
        _print_per_line(res, json_out)
        return
    tpls = res.templates()
    if top:
        tpls = tpls[:top]
    if json_out:
        print_json(
            {
                "templates": [{"id": t.template_id, "template": t.template, "count": t.count} for t in tpls],
                "stats": res.stats(),
            }
        )
        return
    _print_table(file, tpls, res, console)


def _print_per_line(res, json_out: bool) -> None:
    import json
    import sys

    out = sys.stdout
    if json_out:
        dumps = json.dumps
        for row in res.per_line():
            out.write(dumps(row) + "\n")
    else:
        for row in res.per_line():
            out.write(f"{row['line']}\t{row['template_id']}\t{row['template']}\n")
    out.flush()


def _print_table(file: str, tpls, res, console) -> None:
    from rich.markup import escape
    from rich.table import Table

    total = res.lines or 1
    table = Table(title=f"Templates of {'stdin' if file == '-' else file}")
    table.add_column("count", justify="right")
    table.add_column("share", justify="right")
    table.add_column("id", justify="right")
    table.add_column("template", overflow="fold")
    for t in tpls:
        table.add_row(f"{t.count:,}", f"{100 * t.count / total:.1f}%", str(t.template_id), escape(t.template))
    console.print(table)
    s = res.stats()
    extra = f", {s['unmatched_format']:,} not matching the log format" if s["unmatched_format"] else ""
    console.print(
        f"{s['lines']:,} lines, {s['templates']:,} templates{extra}, mined in {s['seconds']:.2f} s",
        highlight=False,
    )
