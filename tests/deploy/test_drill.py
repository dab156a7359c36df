"""deploy/drill.sh end to end: the real stack on Podman, five injected faults, the table.

Runs the drill's Python entry (what drill.sh execs) in a subprocess and checks that it exits 0,
prints one row per drill (all PASS) and the summary line, and leaves no container of its project.
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from tests.paths import PROJECT
from vvai.testing.podman import podman_available

pytestmark = [pytest.mark.podman, pytest.mark.slow, pytest.mark.timeout(1800)]
DRILLS = ("healthy+noise", "poison-video", "s3-down", "broken-model", "scanner-oom")


def test_drill_sh_runs_every_drill_and_passes(tmp_path):
    reason = podman_available()
    if reason:
        pytest.skip(f"needs Podman: {reason}")
    if os.geteuid() != 0:
        pytest.skip("the local base image is made with debootstrap, which needs root")
    out = tmp_path / "drill.json"
    r = subprocess.run([str(PROJECT / "deploy" / "drill.sh"), "--json", str(out)], capture_output=True, text=True,
                       timeout=1700, cwd=PROJECT)
    print(r.stdout[-6000:])
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^(\S+)\s+(PASS|FAIL)\s+mttd=", r.stdout, re.M)}
    assert set(rows) == set(DRILLS), r.stdout[-4000:] + r.stderr[-2000:]
    summary = re.search(r"^drills: (\d+) passed, (\d+) failed; median MTTD (\S+ s|-), median MTTR (\S+ s|-)$",
                        r.stdout, re.M)
    assert summary, r.stdout[-3000:]
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert summary.group(1) == "5" and summary.group(2) == "0"
    assert all(v == "PASS" for v in rows.values()), rows
    assert "teardown removed leftovers" not in r.stdout
