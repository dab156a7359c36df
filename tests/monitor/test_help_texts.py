"""Help texts print what they say: Typer renders help through rich markup, where ``[metrics]``
is a style tag and silently vanishes ("Override  port"). Every ``[section]`` named in a help
text, a command docstring or an option, must appear in the rendered ``--help``."""

from __future__ import annotations

import re

import typer
from typer.testing import CliRunner

from vvai.cli import app

_SECTION = re.compile(r"\[([a-z_]+)\]")


def _commands(cmd, path):
    yield path, cmd
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from _commands(sub, path + [name])


def test_every_bracketed_name_survives_rendering() -> None:
    runner = CliRunner()
    missing, checked = [], 0
    for path, cmd in _commands(typer.main.get_command(app), []):
        texts = [cmd.help or ""] + [getattr(p, "help", None) or "" for p in cmd.params]
        wanted = {m for t in texts for m in _SECTION.findall(t)}
        if not wanted:
            continue
        out = " ".join(runner.invoke(app, path + ["--help"], terminal_width=400).output.split())
        checked += 1
        missing += [f"vvai {' '.join(path)}: [{w}]" for w in sorted(wanted) if f"[{w}]" not in out]
    assert checked >= 3  # run, once, score at least name a config section
    assert missing == []
