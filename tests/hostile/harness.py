"""Run one hostile case through the real CLI (a subprocess: ``python -m vvai``, the entry point
users have) and judge it: no traceback, no hang, the exit code and one stderr line expected,
no secret echoed, and nothing lost (checked by the caller's invariant)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

TALLY = {"cases": 0, "tracebacks": 0, "hangs": 0, "data_losses": 0, "leaked_secrets": 0, "wrong_exit": 0,
         "not_one_line": 0}


@dataclass
class Ctx:
    tmp: Path
    root: Path  # a model store (models cases) or a pipeline root (pipeline cases)
    extra: dict[str, Path] = field(default_factory=dict)


@dataclass
class Case:
    name: str
    argv: Callable[[Ctx], list]  # str or bytes items
    setup: Callable[[Ctx], None] | None = None
    expect: str = "fail"  # "fail": non-zero exit, exactly one stderr line; "ok": exit 0
    exit_code: int | None = None
    secrets: tuple[str, ...] = ()
    check: Callable[[Ctx, subprocess.CompletedProcess], None] | None = None
    teardown: Callable[[Ctx], None] | None = None
    timeout: float = 90.0

    def __str__(self) -> str:
        return self.name


def env() -> dict[str, str]:
    e = dict(os.environ)
    for k in ("VVAI_MODEL_PUBKEY", "VVAI_MODELS_DIR", "VVAI_PIPELINE_ROOT"):
        e.pop(k, None)
    e.update({"VVAI_PROGRESS": "0", "COLUMNS": "200", "AWS_ACCESS_KEY_ID": "testing",
              "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
              "VVAI_S3_ENDPOINT": "http://127.0.0.1:9", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    return e


def run(case: Case, ctx: Ctx) -> subprocess.CompletedProcess:
    """Run and judge; every problem is counted in TALLY before the assertion that reports it."""
    TALLY["cases"] += 1
    args = [os.fsencode(a) if isinstance(a, str) else a for a in case.argv(ctx)]
    try:
        p = subprocess.run([os.fsencode(sys.executable), b"-m", b"vvai", *args], capture_output=True,
                           timeout=case.timeout, env=env(), cwd=ctx.tmp)
    except subprocess.TimeoutExpired:
        TALLY["hangs"] += 1
        raise AssertionError(f"{case.name}: no answer within {case.timeout:.0f} s (a hang)") from None
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    problems = []
    if "Traceback" in out or "Traceback" in err:
        TALLY["tracebacks"] += 1
        problems.append(f"traceback:\n{err[-3000:]}")
    leaked = [s for s in case.secrets if s in out or s in err]
    if leaked:
        TALLY["leaked_secrets"] += 1
        problems.append(f"secret(s) printed: {leaked}")
    lines = [ln for ln in err.splitlines() if ln.strip()]
    if case.expect == "fail":
        if p.returncode == 0 or (case.exit_code is not None and p.returncode != case.exit_code):
            TALLY["wrong_exit"] += 1
            problems.append(f"exit {p.returncode}, expected {case.exit_code or 'non-zero'}")
        if len(lines) != 1 and not problems:
            TALLY["not_one_line"] += 1
            problems.append(f"{len(lines)} stderr lines, expected exactly one")
        elif lines and not lines[0].startswith("error: "):
            TALLY["not_one_line"] += 1
            problems.append(f"stderr is not an 'error: ' line: {lines[0][:200]!r}")
    elif p.returncode != 0:
        TALLY["wrong_exit"] += 1
        problems.append(f"exit {p.returncode}, expected 0")
    assert not problems, f"{case.name}: " + "; ".join(problems) + f"\nstdout: {out[-1500:]}\nstderr: {err[-1500:]}"
    return p


def lost(what: str, missing: list) -> None:
    """Count and report a data loss found by an invariant check."""
    if missing:
        TALLY["data_losses"] += 1
        raise AssertionError(f"data lost ({what}): {missing[:10]}")
