"""The ``vvai`` command: a thin Typer app. Each command group lives in its own package.

Heavy imports happen inside the commands, so ``vvai model ...`` starts fast on an edge box.
"""

from __future__ import annotations

import sys

import typer

from vvai import __version__
from vvai.common.errors import VvaiError
from vvai.models.cli import app as model_app
from vvai.monitor.cli import app as monitor_app
from vvai.pipeline.cli import app as pipeline_app

app = typer.Typer(
    name="vvai",
    help="Operations layer of the VV-Video-AI-System: model lifecycle, self-monitor, reference pipeline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(model_app, name="model", help="Install, verify, roll back and evaluate the summarizer's model.")
app.add_typer(monitor_app, name="monitor", help="Watch the pipeline, detect and diagnose incidents, alert.")
app.add_typer(pipeline_app, name="pipeline", help="The reference pipeline: scanner, summarizer, ops scripts.")


@app.command()
def version() -> None:
    """Print the vvai version."""
    typer.echo(__version__)


@app.command()
def demo(
    workdir: str = typer.Option(None, help="Folder for the demo's files (default: a fresh temp folder)."),
) -> None:
    """The main job on embedded defaults, with no external service."""
    from vvai.demo import run_demo

    run_demo(workdir)


def main() -> None:
    """Run the app; every error, usage errors included, is one ``error:`` line and an exit code."""
    try:
        rc = typer.main.get_command(app).main(prog_name="vvai", standalone_mode=False)
    except typer.Abort:
        sys.stderr.write("error: interrupted\n")
        sys.exit(130)
    except typer.TyperException as e:  # typer's (vendored click's) usage errors: one line, not a panel
        if type(e).__name__ == "NoArgsIsHelpError":  # a group called bare: its help, as before
            e.show()
            sys.exit(2)
        ctx = getattr(e, "ctx", None)
        where = ctx.command_path if ctx is not None else "vvai"
        sys.stderr.write(f"error: {e.format_message()} (see {where} --help)\n")
        sys.exit(getattr(e, "exit_code", 2))
    except VvaiError as e:
        sys.stderr.write(f"error: {e.one_line()}\n")
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        sys.exit(130)
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":
    main()
