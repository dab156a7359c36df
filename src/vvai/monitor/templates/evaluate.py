"""Grouping accuracy (GA), the Loghub measure of a template miner, shared by the bench and tests.

A line counts as right only when the set of lines grouped with it equals exactly the set of
lines sharing its ground-truth event id; GA is the share of right lines.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence


def grouping_accuracy(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> float:
    """GA of ``predicted`` group labels against ``truth`` event ids (same length, same order)."""
    if len(predicted) != len(truth):
        raise ValueError(f"{len(predicted)} predicted labels but {len(truth)} ground-truth labels")
    if not truth:
        return 1.0
    truth_size = Counter(truth)
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for i, p in enumerate(predicted):
        groups[p].append(i)
    right = 0
    for members in groups.values():
        labels = {truth[i] for i in members}
        if len(labels) == 1 and truth_size[next(iter(labels))] == len(members):
            right += len(members)
    return right / len(truth)
