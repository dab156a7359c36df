"""Assemble the eight Loghub systems kept outside ``../shared/data/loghub2k`` for ``bench/templates.py``.

    .venv/bin/python bench/loghub_outside.py --loghub CLONE --loghub2 CLONE --out /tmp/loghub_other
    .venv/bin/python bench/templates.py --data /tmp/loghub_other --no-scale

``CLONE`` are git checkouts (or bare mirrors) of https://github.com/logpai/loghub (raw
``<S>/<S>_2k.log``) and https://github.com/logpai/loghub-2.0 (``2k_dataset/<S>/<S>_2k.log_structured_corrected.csv``,
the corrected ground truth). loghub-2.0 has no 2k set for Android and Windows: for those the
original ground truth of logpai/loghub is used, and the script says so. ``settings.json`` is
copied from ``../shared/data/loghub2k`` (it holds all 16 systems). The data is written outside
the project and never committed (Loghub's licence: research use, cite it).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

OUTSIDE = ("Android", "HPC", "Linux", "Mac", "OpenStack", "Proxifier", "Thunderbird", "Windows")


def git_show(repo: Path, path: str) -> bytes | None:
    """The file at HEAD of a checkout or bare mirror, or None when it has no such file."""
    git_dir = repo / ".git" if (repo / ".git").exists() else repo
    r = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"HEAD:{path}"], capture_output=True, check=False)
    return r.stdout if r.returncode == 0 else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loghub", type=Path, required=True, help="clone of logpai/loghub")
    ap.add_argument("--loghub2", type=Path, required=True, help="clone of logpai/loghub-2.0")
    ap.add_argument("--out", type=Path, required=True, help="folder to write (outside the project)")
    ap.add_argument("--settings", type=Path,
                    default=Path(__file__).resolve().parents[1].parent / "shared/data/loghub2k/settings.json")
    a = ap.parse_args(argv)
    if not a.settings.is_file():
        print(f"error: {a.settings} not found; pass --settings (Loghub's settings.json for all 16 systems)",
              file=sys.stderr)
        return 2
    a.out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(a.settings, a.out / "settings.json")
    for s in OUTSIDE:
        raw = git_show(a.loghub, f"{s}/{s}_2k.log")
        if raw is None:
            print(f"error: {a.loghub} has no {s}/{s}_2k.log; is it a clone of logpai/loghub?", file=sys.stderr)
            return 2
        truth = git_show(a.loghub2, f"2k_dataset/{s}/{s}_2k.log_structured_corrected.csv")
        which = "corrected (loghub-2.0)"
        if truth is None:
            truth = git_show(a.loghub, f"{s}/{s}_2k.log_structured.csv")
            which = "ORIGINAL (loghub; no corrected 2k set)"
        if truth is None:
            print(f"error: no ground truth for {s} in either clone", file=sys.stderr)
            return 2
        (a.out / s).mkdir(exist_ok=True)
        (a.out / s / f"{s}_2k.log").write_bytes(raw)
        (a.out / s / f"{s}_2k.log_structured_corrected.csv").write_bytes(truth)
        print(f"{s:12} ground truth {which}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
