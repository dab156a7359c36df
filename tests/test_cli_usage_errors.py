"""Usage errors (a wrong option value, a missing argument, an unknown command) are one ``error:``
line with exit 2, like every other error of the project, not a multi-line panel or a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("args, says", [
    (["model", "sync", "--keep", "abc"], "--keep"),
    (["monitor", "diagnose"], "Missing argument"),
    (["monitor", "nope"], "No such command"),
    (["pipeline", "scan", "--no-such-flag"], "No such option"),
])
def test_usage_errors_are_one_line(args, says):
    r = subprocess.run([sys.executable, "-m", "vvai", *args], capture_output=True, text=True, timeout=60)
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert r.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], r.stderr
    assert "Traceback" not in r.stderr


def test_help_still_works_and_exits_zero():
    r = subprocess.run([sys.executable, "-m", "vvai", "monitor", "score", "--help"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and "Usage" in r.stdout
