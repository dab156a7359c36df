"""`vvai monitor incidents|feedback`: read the incident history, record operator verdicts
(see :mod:`vvai.monitor.history`)."""

from __future__ import annotations

import typer

from vvai.monitor.commands import CONFIG_HELP


def incidents(
    config: str = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    status: str = typer.Option("open", "--status", help="open, resolved or all."),
    show: int = typer.Option(None, "--id", help="Show one incident with its evidence, timeline, alerts, feedback."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The incident history kept in the monitor's SQLite store."""
    import datetime as dt

    from rich.table import Table

    from vvai.common.errors import ConfigError, VvaiError
    from vvai.common.output import console, print_json
    from vvai.monitor.config import load_config
    from vvai.monitor.history import IncidentStore

    if status not in ("open", "resolved", "all"):
        raise ConfigError(f"--status must be open, resolved or all (got {status!r})")
    cfg = load_config(config)
    store = IncidentStore(cfg.store.path)
    try:
        if show is not None:
            inc = store.incident(show)
            if inc is None:
                raise VvaiError(f"no incident #{show} in {cfg.store.path}",
                                hint="list them with 'vvai monitor incidents'")
            inc.pop("spec", None)
            if json_out:
                print_json(inc)
                return
            console.print(f"[bold]#{inc['id']} {inc['severity'].upper()} {inc['category']}[/] {inc['component']} "
                          f"{inc.get('file') or ''} ({inc['status']}, seen in {inc['passes']} pass(es))")
            console.print(f"root cause: {inc['root_cause']}")
            for e in inc["evidence"]:
                console.print(f"  evidence {e['source']} {e['ts']}: {e['text'][:160]}")
            for a in inc["alerts"]:
                console.print(f"  alert {a['kind']} via {a['channel']}: {a['status']} {a['reason'] or ''}")
            for f in inc["feedback"]:
                console.print(f"  feedback {f['verdict']}: {f['note']} ({f['author']})")
            return
        rows = store.incidents(None if status == "all" else status)
    finally:
        store.close()
    if json_out:
        print_json([{k: v for k, v in r.items() if k != "spec"} for r in rows])
        return
    t = Table("id", "status", "severity", "category", "component", "file", "last seen", "passes", box=None)
    for r in rows:
        seen = dt.datetime.fromtimestamp(r["last_seen"], dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        t.add_row(str(r["id"]), r["status"], r["severity"], r["category"], r["component"], r.get("file") or "",
                  seen, str(r["passes"]))
    console.print(t if rows else f"no {status if status != 'all' else ''} incident".replace("  ", " "))


def feedback(
    incident_id: int = typer.Argument(..., help="Incident id (see 'vvai monitor incidents')."),
    verdict: str = typer.Option(..., "--verdict", help="correct, wrong, partial or noise."),
    note: str = typer.Option("", "--note", help="What was right or wrong."),
    author: str = typer.Option("", "--author"),
    config: str = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
) -> None:
    """Record an operator's verdict on a diagnosis (kept with the incident)."""
    import getpass

    from vvai.common.errors import ConfigError
    from vvai.common.output import console
    from vvai.monitor.config import load_config
    from vvai.monitor.history import IncidentStore

    if verdict not in ("correct", "wrong", "partial", "noise"):
        raise ConfigError(f"--verdict must be correct, wrong, partial or noise (got {verdict!r})")
    store = IncidentStore(load_config(config).store.path)
    try:
        fid = store.add_feedback(incident_id, verdict, note, author or getpass.getuser())
    finally:
        store.close()
    console.print(f"feedback #{fid} recorded on incident #{incident_id}: {verdict}")
