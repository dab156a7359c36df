"""Token budgets: the model's own tokenizer where it is local, a close estimate
otherwise, and an allocator that fills prioritised sections of lines within a total.

The estimate counts what BPE tokenizers split log text into: each run of up to 4 letters and each
other non-space character (every digit) is about one token. Measured against SmolLM2's tokenizer
on the example bundles (tests/llm/test_budget.py): from 2 % below (plain container logs) to 25 %
above (JSON lines); on a whole prompt 18 % above. Without an exact count the prompt builder
aims 5 % under the budget to cover the low side; where the model is local its tokenizer decides.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

_PIECES = re.compile(r"[A-Za-z]{1,4}|[^\sA-Za-z]")


def estimate_tokens(text: str) -> int:
    return len(_PIECES.findall(text)) + text.count("\n") // 4 + 1


@dataclass
class Section:
    title: str
    lines: list[str]
    share: float  # fraction of the budget reserved in the first pass
    used: list[str] = field(default_factory=list)
    tokens: int = 0


def allocate(sections: list[Section], budget: int, count: Callable[[str], int] = estimate_tokens) -> int:
    """Fill each section in order up to its share, then hand what is left to the sections in order.
    A line that does not fit is skipped (a shorter one after it may fit). Returns the tokens used."""
    costs = [[count(line) + 1 for line in s.lines] for s in sections]
    heads = [count(f"## {s.title}") + 1 for s in sections]
    total = 0
    taken: list[set[int]] = [set() for _ in sections]

    def fill(limit_of: Callable[[int], int]) -> None:
        nonlocal total
        for si, s in enumerate(sections):
            limit = limit_of(si)
            for li, c in enumerate(costs[si]):
                if li in taken[si]:
                    continue
                head = heads[si] if not taken[si] else 0
                if s.tokens + c + head > limit or total + c + head > budget:
                    continue
                taken[si].add(li)
                s.tokens += c + head
                total += c + head

    fill(lambda si: int(sections[si].share * budget))
    fill(lambda si: budget)
    for si, s in enumerate(sections):
        s.used = [s.lines[i] for i in sorted(taken[si])]
    return total
