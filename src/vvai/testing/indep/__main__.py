"""`python -m vvai.testing.indep --split dev|heldout --out DIR [--seed N]`"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vvai.common.errors import VvaiError

from .generate import SPLITS, generate


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):   # one line, exit 2
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def main(argv: list[str] | None = None) -> int:
    ap = _Parser(prog="python -m vvai.testing.indep",
                                 description="write an independent corpus of incident bundles")
    ap.add_argument("--split", required=True, choices=sorted(SPLITS))
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args(argv)
    if args.out.exists() and not args.out.is_dir():
        print(f"error: --out {args.out} exists and is not a folder", file=sys.stderr)
        return 2
    try:
        paths = generate(args.split, args.out, args.seed)
    except VvaiError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        print(f"error: cannot write the corpus under {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{len(paths)} bundles written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
