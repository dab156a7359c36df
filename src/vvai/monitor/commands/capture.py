"""`vvai monitor capture`: write a bundle of the recent past (see :mod:`vvai.monitor.capture`)."""

from __future__ import annotations

import typer

from vvai.monitor.commands import CONFIG_HELP


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
