"""``vvai monitor actions|approve|reject|revert|plan``: thin commands over :mod:`vvai.actions`."""

from __future__ import annotations

import typer

CONFIG_HELP = "vvai.toml to use (default: $VVAI_CONFIG, ./vvai.toml, /etc/vvai/vvai.toml, built-in defaults)."


def _store(config: str | None) -> tuple[object, object]:
    from vvai.monitor.config import load_config
    from vvai.monitor.history import IncidentStore

    cfg = load_config(config)
    return cfg, IncidentStore(cfg.store.path)


def _who(who: str) -> str:
    import getpass

    return who or getpass.getuser()


def actions(
    status: str = typer.Option("pending", "--status", help="pending, all, or one status (executed, refused...)."),
    reset: str = typer.Option(None, "--reset", help="Close the breaker of TYPE:TARGET (e.g. restart:scene_scanner)."),
    who: str = typer.Option("", "--who", help="Operator name recorded (default: the login name)."),
    config: str = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The executor's journal: what ran, what was refused and why, what waits for approval."""
    import datetime as dt

    from rich.table import Table

    from vvai.actions import approvals, breakers
    from vvai.common.output import console, print_json

    _cfg, store = _store(config)
    try:
        if reset:
            out = breakers.reset(store, reset, who=_who(who))
            console.print(f"breaker {out['breaker']} reset by {out['reset_by']}")
            return
        rows = approvals.list_actions(store, None if status == "all" else status)
    finally:
        store.close()  # type: ignore[attr-defined]
    if json_out:
        print_json(rows)
        return
    if not rows:
        console.print(f"no {'' if status == 'all' else status + ' '}action")
        return
    t = Table("id", "status", "decision", "action", "incident", "when", "reason", box=None)
    for r in rows:
        when = dt.datetime.fromtimestamp(r["updated"], dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        t.add_row(str(r["id"]), r["status"], r["decision"], f"{r['type']} {r['target'] or ''}".strip(),
                  str(r["incident_id"] or ""), when, r["reason"])
    console.print(t)


def approve(
    action_id: int = typer.Argument(..., help="Action id (see 'vvai monitor actions')."),
    who: str = typer.Option("", "--who", help="Operator name recorded (default: the login name)."),
    config: str = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
) -> None:
    """Approve a pending action: the monitor runs it on its next pass (preconditions re-checked)."""
    from vvai.actions import approvals
    from vvai.common.output import console

    _cfg, store = _store(config)
    try:
        row = approvals.approve(store, action_id, who=_who(who))
    finally:
        store.close()  # type: ignore[attr-defined]
    console.print(f"action #{row['id']} {row['type']} {row['target'] or ''} approved by {row['decided_by']}; "
                  f"it runs on the monitor's next pass", markup=False)


def reject(
    action_id: int = typer.Argument(..., help="Action id (see 'vvai monitor actions')."),
    note: str = typer.Option("", "--note", help="Why (kept in the journal)."),
    who: str = typer.Option("", "--who", help="Operator name recorded (default: the login name)."),
    config: str = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
) -> None:
    """Reject a pending action (it never runs; the incident will not ask again until it reopens)."""
    from vvai.actions import approvals
    from vvai.common.output import console

    _cfg, store = _store(config)
    try:
        row = approvals.reject(store, action_id, who=_who(who), note=note)
    finally:
        store.close()  # type: ignore[attr-defined]
    console.print(f"action #{row['id']} {row['type']} {row['target'] or ''} rejected by {row['decided_by']}",
                  markup=False)


def revert(
    action_id: int = typer.Argument(..., help="An applied suggest_limits action (see 'vvai monitor actions')."),
    who: str = typer.Option("", "--who", help="Operator name recorded (default: the login name)."),
    config: str = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
) -> None:
    """Put back the limits an applied suggest_limits recorded: the monitor runs it on its next pass."""
    from vvai.actions import approvals
    from vvai.common.output import console

    _cfg, store = _store(config)
    try:
        row = approvals.revert_limits(store, action_id, who=_who(who))
    finally:
        store.close()  # type: ignore[attr-defined]
    console.print(f"action #{row['id']} puts back the limits of {row['target']} from before #{action_id} "
                  f"(approved by {row['decided_by']}); it runs on the monitor's next pass", markup=False)


def plan(
    bundle: str = typer.Argument(..., help="Incident bundle folder or .tar.gz."),
    config: str = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    kb: list[str] = typer.Option(None, "--kb", help="Extra knowledge base YAML (merged over the built-in one)."),
    json_out: bool = typer.Option(False, "--json", help="Print the spec's Action plan JSON."),
) -> None:
    """Dry run: the executor's decision for every recommended action of a bundle, doing nothing."""
    from vvai.actions.plan import plan_bundle
    from vvai.common.output import console, print_json
    from vvai.monitor.config import load_config

    out = plan_bundle(bundle, load_config(config), kb)
    if json_out:
        print_json(out)
        return
    if not out["actions"]:
        console.print("no action recommended")
    for a in out["actions"]:
        console.print(f"incident {a['incident']} {a['category']}: {a['type']} {a['target'] or ''} -> "
                      f"[bold]{a['decision']}[/] ({a['reason']})")
