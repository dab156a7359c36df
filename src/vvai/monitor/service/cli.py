"""`vvai monitor run|once`: thin commands over :mod:`vvai.monitor.service.daemon`."""

from __future__ import annotations

import typer

from vvai.monitor.commands import CONFIG_HELP


def run(
    config: str = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    metrics_port: int = typer.Option(None, help="Override \\[metrics] port (0 = any free port)."),
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
    since: str = typer.Option(None, help="Window to diagnose, e.g. 15m or 1h (default: \\[monitor] window_s)."),
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
    if not res.incidents:
        console.print("[green]no incident[/]")
    for inc in res.incidents:
        console.print(f"[bold]{inc['severity']}[/] {inc['category']} {inc['component']} ({inc['change']}): "
                      f"{inc['root_cause']}")
    for a in res.alerts:
        console.print(f"alert {a['kind']} {a['key']}: {a['decision']}")
    for k in res.resolved:
        console.print(f"resolved {k}")
