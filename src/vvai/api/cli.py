"""`vvai monitor serve|import|policy`: the operator API and console, and the history's other inputs."""

from __future__ import annotations

import typer

CONFIG_HELP = "vvai.toml to use (default: $VVAI_CONFIG, ./vvai.toml, /etc/vvai/vvai.toml, built-in defaults)."


def serve(
    config: str = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    host: str = typer.Option(None, help="Address to bind (default: [api] host, 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default: [api] port, 8787)."),
) -> None:
    """Serve the JSON API (/api/v1) and the web console (/) until SIGTERM/SIGINT."""
    import logging

    from vvai.api.server import serve as run
    from vvai.monitor.config import load_config

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run(load_config(config), host, port)


def import_(
    bundle: str = typer.Argument(..., help="Incident bundle folder or .tar.gz."),
    config: str = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    kb: list[str] = typer.Option(None, "--kb", help="Extra knowledge-base YAML."),
    json_out: bool = typer.Option(False, "--json", help="Print what was recorded as JSON."),
) -> None:
    """Diagnose a bundle and record its incidents in the history, as if seen live."""
    from vvai.api.importer import import_bundle
    from vvai.common.output import console, print_json
    from vvai.monitor.config import load_config
    from vvai.monitor.history import IncidentStore

    cfg = load_config(config)
    store = IncidentStore(cfg.store.path)
    try:
        res = import_bundle(cfg, store, bundle, kb or [])
    finally:
        store.close()
    if json_out:
        print_json(res)
    elif res["already_imported"]:
        console.print(f"{res['bundle']} was already imported: incident(s) {res['incidents']}")
    else:
        cats = ", ".join(f"#{i} {c}" for i, c in zip(res["incidents"], res["categories"], strict=True))
        console.print(f"imported {res['bundle']}: {len(res['incidents'])} incident(s){': ' + cats if cats else ''}")


def policy(
    settings: list[str] = typer.Argument(..., help="KEY=VALUE under [actions], e.g. mode=approval "
                                                   "policy.restart=auto limits.max_per_hour=4 (empty value: default)."),
    config: str = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
) -> None:
    """Change the remediation policy in vvai.toml (the same validated, locked, atomic write as the API)."""
    import getpass

    from vvai.api import db
    from vvai.api.policy import update_policy
    from vvai.common.errors import ConfigError
    from vvai.common.output import console
    from vvai.monitor.config import find_config, load_config
    from vvai.monitor.history import IncidentStore

    path = find_config(config)
    if path is None:
        raise ConfigError("no vvai.toml to edit", hint="pass --config FILE")
    patch: dict = {}
    for item in settings:
        key, eq, val = item.partition("=")
        if not eq or not key.strip():
            raise ConfigError(f"{item!r}: expected KEY=VALUE", hint="e.g. mode=approval or policy.restart=auto")
        parts = key.strip().split(".")
        node = patch
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        v: object = val.strip() or None
        if isinstance(v, str) and v.replace(".", "", 1).isdigit():
            v = float(v) if "." in v else int(v)
        node[parts[-1]] = v
    change = update_policy(path, patch)
    store = IncidentStore(load_config(path).store.path)
    try:
        db.audit(store, f"cli:{getpass.getuser()}", "policy", {"patch": patch, **change})
    finally:
        store.close()
    console.print(f"[actions] updated in {path}")
