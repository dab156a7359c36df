"""``python -m vvai.testing.synth OUT [SEEDS] [CATEGORY...]``: write a synthetic corpus to OUT
(default 8 seeds of every category), ready for ``vvai monitor score OUT``."""

from __future__ import annotations

import sys

from vvai.testing.synth import CATEGORIES, generate_corpus


def main(argv: list[str]) -> int:
    if not argv:
        sys.stderr.write("usage: python -m vvai.testing.synth OUT [SEEDS] [CATEGORY...]\n")
        return 2
    seeds = int(argv[1]) if len(argv) > 1 else 8
    cats = argv[2:] or CATEGORIES
    paths = generate_corpus(argv[0], range(seeds), cats)
    print(f"wrote {len(paths)} bundles to {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
