"""`vvai monitor` commands. Each command lives in the subpackage that implements it."""

from __future__ import annotations

import typer

from vvai.actions.cli import actions, approve, plan, reject, revert
from vvai.api.cli import import_, policy, serve
from vvai.monitor.commands.capture import capture
from vvai.monitor.commands.history import feedback, incidents
from vvai.monitor.diagnose.cli import diagnose, score
from vvai.monitor.service.cli import once, run
from vvai.monitor.templates.cli import templates

app = typer.Typer(no_args_is_help=True)
app.command("templates")(templates)
app.command("diagnose")(diagnose)
app.command("score")(score)
app.command("run")(run)
app.command("once")(once)
app.command("capture")(capture)
app.command("incidents")(incidents)
app.command("feedback")(feedback)
app.command("actions")(actions)
app.command("approve")(approve)
app.command("revert")(revert)
app.command("reject")(reject)
app.command("plan")(plan)
app.command("serve")(serve)
app.command("import")(import_)
app.command("policy")(policy)
