"""`vvai monitor run|once|capture`: thin commands over :mod:`vvai.monitor.service.daemon`."""

from __future__ import annotations

import typer

CONFIG_HELP = "vvai.toml to use (default: $VVAI_CONFIG, ./vvai.toml, /etc/vvai/vvai.toml, built-in defaults)."


def run(
    config: str = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    metrics_port: int = typer.Option(None, help="Override [metrics] port (0 = any free port)."),
) -> None:
    """Watch the pipeline until SIGTERM/SIGINT: detect, diagnose, store and alert incidents."""
    import logging
    import signal

    from vvai.monitor.config import load_config
    from vvai.runtime import build_service

    cfg = load_config(config)
    if metrics_port is not None:
        cfg.metrics.port = metrics_port
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    svc = build_service(cfg)
    if svc.diagnoser is None:
        logging.getLogger("vvai.monitor").warning("diagnosis engine not installed: collecting only")
    from vvai.api.server import start_api_if_enabled

    api = start_api_if_enabled(cfg)  # [api] enabled = true: the console and API in this process

    def _stop(signum: int, _frame: object) -> None:
        logging.getLogger("vvai.monitor").info("signal %d: shutting down", signum)
        svc.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    svc.run()
    if api is not None:
        api.stop()
    svc.store.close()


def once(
    config: str = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    since: str = typer.Option(None, help="Window to diagnose, e.g. 15m or 1h (default: [monitor] window_s)."),
    json_out: bool = typer.Option(False, "--json", help="Print the pass result as JSON."),
) -> None:
    """One pass: read the sources over the recent window, diagnose, store and alert, then exit."""
    from vvai.common.output import console, print_json
    from vvai.monitor.capture import parse_duration
    from vvai.monitor.config import load_config
    from vvai.runtime import build_service

    cfg = load_config(config)
    svc = build_service(cfg)
    try:
        res = svc.once(parse_duration(since) if since else None)
    finally:
        svc.store.close()
    if json_out:
        print_json(res.to_json())
        return
    from vvai.common.output import err_console

    for prob in res.problems[:20]:
        err_console.print(f"warning: {prob}", markup=False, highlight=False, soft_wrap=True)
    if len(res.problems) > 20:
        err_console.print(f"warning: ... and {len(res.problems) - 20} more source problem(s)", markup=False)
    if not res.diagnosed:
        console.print("[yellow]diagnosis engine not installed: nothing diagnosed[/]")
    if not res.incidents:
        console.print("[green]no incident[/]")
    for inc in res.incidents:
        console.print(f"[bold]{inc['severity']}[/] {inc['category']} {inc['component']} ({inc['change']}): "
                      f"{inc['root_cause']}")
    for a in res.alerts:
        console.print(f"alert {a['kind']} {a['key']}: {a['decision']}")
    for k in res.resolved:
        console.print(f"resolved {k}")


def capture(
    out: str = typer.Option(..., "--out", "-o", help="Bundle folder to create, or a path ending in .tar.gz."),
    since: str = typer.Option("1h", help="How far back to capture, e.g. 15m, 1h, 2d."),
    config: str = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print what was written as JSON."),
) -> None:
    """Write an incident bundle (vvai-bundle/1) of the recent past from the live sources."""
    from vvai.common.output import console, print_json
    from vvai.monitor.capture import capture_bundle, parse_duration
    from vvai.monitor.config import load_config

    cfg = load_config(config)
    path, parts = capture_bundle(cfg, parse_duration(since), out)
    summary = {"bundle": str(path), "events": len(parts.events), "components": sorted(parts.meta["components"]),
               "log_lines": {k: len(v) for k, v in parts.container_logs.items()}, "app_log": len(parts.app_log),
               "stats": len(parts.stats), "metrics": len(parts.metrics), "pipeline": len(parts.pipeline),
               "files": sorted(parts.files), "problems": parts.problems}
    if json_out:
        print_json(summary)
    else:
        console.print(f"wrote {path}: {summary['events']} events, {sum(summary['log_lines'].values())} log lines, "
                      f"{summary['stats']} stats, {summary['pipeline']} pipeline snapshots, "
                      f"{len(parts.problems)} problem(s)")


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
