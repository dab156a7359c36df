"""How the miner's settings are chosen: a small grid, a requirement, and leave-one-system-out.

Every tunable choice of :class:`~vvai.monitor.templates.miner.TemplateMiner` (similarity
threshold, wildcard weight, prefix depth, built-in masks on or off) is a point of
:data:`GRID`. A point is *eligible* only if it groups :data:`REFERENCE_LOG` exactly: the
project's own sample of pipeline log lines (the same as ``APP_LOG`` in
``tests/monitor/test_templates.py``), whose events differ by one word (``Failed password`` /
``Failed none``) or share a variable word (``User <*> logged out``). :func:`choose` picks the
eligible point with the best mean grouping accuracy (GA) over a set of *training* systems
(ties: the better worst system, then the first in grid order). :func:`loso` measures how well
that generalises: each system is scored with the point chosen on all the *other* systems, so
no system takes part in choosing its own settings. ``bench/templates.py`` runs both on Loghub
and checks that :data:`DEFAULTS`, the miner's shipped defaults, equal ``choose(all systems)``.

The per-system masks of Loghub's ``settings.json`` are an input of the benchmark (every parser
gets them, as in the published benchmark), not a choice of ours; the built-in masks are, and
are on the grid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import product

#: The shipped defaults of TemplateMiner (``bench/templates.py`` checks they are the choice).
DEFAULTS: dict = {"sim_threshold": 0.7, "wildcard_weight": 0.5, "prefix_tokens": 1, "builtin_masks": True}

#: Every candidate setting, in a fixed order (the tie-break of last resort).
GRID: list[dict] = [
    {"sim_threshold": st, "wildcard_weight": w, "prefix_tokens": p, "builtin_masks": b}
    for b, st, w, p in product((True, False), (0.5, 0.6, 0.7, 0.8), (0.0, 0.5, 1.0), (0, 1, 2))
]

#: (line, event) pairs every eligible setting must group exactly (GA 1.0).
REFERENCE_LOG: list[tuple[str, str]] = [
    ("scene_scanner: processing cam1_20240501_0800.mp4 (size 73400320 bytes)", "scan"),
    ("scene_summarizer: model loaded in 2.31 s", "model"),
    ("scene_scanner: processing lobby-cam_20240501_0900.mp4 (size 1048576 bytes)", "scan"),
    ("moved /opt/vv-video-ai-system/input/cam1.mp4 to /opt/vv-video-ai-system/processed/cam1.mp4", "moved"),
    ("User alice logged in from 10.0.0.12", "login"),
    ("scene_scanner: processing cam7_20240501_1000.mp4 (size 52428800 bytes)", "scan"),
    ("log_exporter: shipped 12 records to s3://bucket/vv/2024/05/01 in 340 ms", "ship"),
    ("User bob logged in from 10.0.0.7", "login"),
    ("Connection to 10.0.0.5:8080 failed after 3 retries (timeout=30s)", "connfail"),
    ("scene_summarizer: model loaded in 1.9 s", "model"),
    ("moved /opt/vv-video-ai-system/input/x.mp4 to /opt/vv-video-ai-system/processed/x.mp4", "moved"),
    ("log_exporter: shipped 3 records to s3://bucket/vv/2024/05/02 in 1022 ms", "ship"),
    ("User carol logged in from 192.168.1.40", "login"),
    ("User carol logged out", "logout"),
    ("Connection to 10.0.0.9:443 failed after 5 retries (timeout=10s)", "connfail"),
    ("request 123e4567-e89b-12d3-a456-426614174000 done in 0x1f ticks", "request"),
    ("request 9b2f0c1e-0000-4000-8000-00000000abcd done in 0x2a0 ticks", "request"),
    ("User dave logged out", "logout"),
    ("Failed password for root from 10.1.2.3 port 50022 ssh2", "failpw"),
    ("Failed password for admin from 10.1.2.4 port 50023 ssh2", "failpw"),
    ("Failed none for root from 10.1.2.5 port 50024 ssh2", "failnone"),
    ("Failed password for guest from 10.9.2.3 port 1022 ssh2", "failpw"),
    ("", "empty"),
    ("   ", "empty"),
]


def eligible(settings: Mapping) -> bool:
    """True if a miner with ``settings`` groups :data:`REFERENCE_LOG` exactly."""
    from vvai.monitor.templates.evaluate import grouping_accuracy
    from vvai.monitor.templates.miner import TemplateMiner

    m = TemplateMiner(**settings)
    ids = [m.add_message(line).template_id for line, _ in REFERENCE_LOG]
    return grouping_accuracy(ids, [ev for _, ev in REFERENCE_LOG]) == 1.0


def choose(ga: Mapping[int, Mapping[str, float]], systems: Sequence[str]) -> int:
    """The index in :data:`GRID` with the best mean GA over ``systems`` (ties: the best worst
    system, then the lowest index). ``ga[i][system]`` is the GA of ``GRID[i]`` on ``system``;
    ``ga`` holds the eligible points only."""
    if not systems or not ga:
        raise ValueError("choose needs at least one training system and one eligible setting")

    def score(i: int) -> tuple[float, float, int]:
        vals = [ga[i][s] for s in systems]
        return (round(sum(vals) / len(vals), 9), round(min(vals), 9), -i)

    return max(ga, key=score)


def loso(ga: Mapping[int, Mapping[str, float]], systems: Sequence[str]) -> dict[str, tuple[int, float]]:
    """For every system: (grid index chosen on the other systems, GA of that choice on it)."""
    out = {}
    for held in systems:
        i = choose(ga, [s for s in systems if s != held])
        out[held] = (i, ga[i][held])
    return out
