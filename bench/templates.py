"""Benchmark of the log template miner against drain3 on Loghub-2k (8 systems).

    .venv/bin/python bench/templates.py --data ../shared/data/loghub2k

For every system: grouping accuracy (GA) of our miner and of drain3 given the SAME masks
(each system's ``regex`` list from settings.json; headers are split off with its
``log_format``), and the throughput (lines/s) of our miner (with those masks) and of drain3
with its default settings (``drain3.TemplateMiner()``, ``add_log_message``), both fed the same
``Content`` strings in the same run. Throughput is the best of ``--repeat`` runs, alternating
the two miners, each run timed in CPU seconds of this process (``time.process_time``) so that
other processes on a shared box do not skew the ratio. drain3's throughput with the same masks
is printed too, for information.

GA (Loghub definition): a line is right only when the set of lines grouped with it equals
exactly the set of lines sharing its ground-truth EventId. Ground truth is
``<S>/<S>_2k.log_structured_corrected.csv``. The data is read in place, never copied.

Targets: mean GA >= 0.92 (published Drain: 0.920) and overall throughput >= 3x drain3.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from vvai.monitor.templates.evaluate import grouping_accuracy
from vvai.monitor.templates.logformat import LogFormat
from vvai.monitor.templates.miner import TemplateMiner

SYSTEMS = ["HDFS", "Hadoop", "Spark", "Zookeeper", "BGL", "Apache", "OpenSSH", "HealthApp"]
GA_TARGET = 0.92
RATIO_TARGET = 3.0


def load_system(data: Path, name: str, setting: dict) -> tuple[list[str], list[str], int]:
    """(contents, ground-truth event ids, lines not fitting the format) of one system."""
    raw = (data / setting["log_file"]).read_bytes().decode("utf-8", errors="replace")
    lines = [ln.rstrip("\r") for ln in raw.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    fmt = LogFormat.compile(setting["log_format"])
    contents: list[str] = []
    unmatched = 0
    for ln in lines:
        c = fmt.content(ln)
        if c is None:
            unmatched += 1
            c = ln
        contents.append(c)
    truth_file = data / name / f"{name}_2k.log_structured_corrected.csv"
    with truth_file.open(newline="", encoding="utf-8", errors="replace") as f:
        truth = [row["EventId"] for row in csv.DictReader(f)]
    if len(truth) != len(contents):
        raise SystemExit(f"{name}: {len(contents)} log lines but {len(truth)} ground-truth rows")
    return contents, truth, unmatched


def drain3_miner(
    masks: Sequence[str] | None, st: float | None = None, depth: int | None = None
) -> Callable[[str], object]:
    """drain3's add_log_message; defaults, or defaults plus ``masks`` replaced by ``<*>`` (and,
    if given, the published per-system similarity threshold and depth)."""
    from drain3 import TemplateMiner as Drain3Miner
    from drain3.masking import MaskingInstruction
    from drain3.template_miner_config import TemplateMinerConfig

    config = TemplateMinerConfig()
    if st is not None:
        config.drain_sim_th = st
    if depth is not None:
        config.drain_depth = depth
    if masks is not None:
        config.masking_instructions = [MaskingInstruction(m, "*") for m in masks]
        return Drain3Miner(config=config).add_log_message
    return Drain3Miner().add_log_message


def ours_labels(contents: Sequence[str], masks: Sequence[str]) -> list[int]:
    m = TemplateMiner(masks=masks)
    return [m.add_message(c).template_id for c in contents]


def drain3_labels(contents: Sequence[str], masks: Sequence[str], **published) -> list[int]:
    add = drain3_miner(masks, **published)
    return [add(c)["cluster_id"] for c in contents]  # type: ignore[index]


def timed(fn: Callable[[], object]) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--data",
        default=None,
        help="Loghub-2k folder, read in place (default: ../shared/data/loghub2k from the project root)",
    )
    ap.add_argument("--system", action="append", help="only these systems (repeatable)")
    ap.add_argument("--repeat", type=int, default=9, help="timing runs per miner (best is kept)")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON document")
    ap.add_argument("--errors", action="store_true", help="print our mis-grouped templates")
    args = ap.parse_args(argv)
    logging.getLogger("drain3").setLevel(logging.ERROR)
    logging.disable(logging.WARNING)  # drain3 warns about a missing drain3.ini

    data = Path(args.data) if args.data else Path(__file__).resolve().parents[1] / "../shared/data/loghub2k"
    settings_file = data / "settings.json"
    if not settings_file.is_file():
        print(f"error: {settings_file} not found (pass --data to the loghub2k folder)", file=sys.stderr)
        return 2
    settings = json.loads(settings_file.read_text())
    systems = [s for s in (args.system or SYSTEMS) if (data / s).is_dir()]
    rows = []
    tot_lines = tot_ours = tot_d3 = 0.0
    for name in systems:
        setting = settings[name]
        masks = setting.get("regex", [])
        contents, truth, unmatched = load_system(data, name, setting)
        ours = ours_labels(contents, masks)
        ga_ours = grouping_accuracy(ours, truth)
        ga_d3 = grouping_accuracy(drain3_labels(contents, masks), truth)
        ga_d3p = grouping_accuracy(drain3_labels(contents, masks, st=setting["st"], depth=setting["depth"]), truth)
        if args.errors:
            show_errors(name, contents, ours, truth, masks)
        t_ours = t_d3 = t_d3m = float("inf")
        for _ in range(args.repeat):
            t_ours = min(t_ours, timed(lambda c=contents, m=masks: ours_labels(c, m)))
            add = drain3_miner(None)
            t_d3 = min(t_d3, timed(lambda c=contents, a=add: [a(x) for x in c]))
            add = drain3_miner(masks)
            t_d3m = min(t_d3m, timed(lambda c=contents, a=add: [a(x) for x in c]))
        n = len(contents)
        tot_lines += n
        tot_ours += t_ours
        tot_d3 += t_d3
        rows.append(
            {
                "system": name,
                "lines": n,
                "unmatched_format": unmatched,
                "ga_ours": round(ga_ours, 4),
                "ga_drain3_same_masks": round(ga_d3, 4),
                "ga_drain3_published_settings": round(ga_d3p, 4),
                "lines_per_s_ours": round(n / t_ours),
                "lines_per_s_drain3_default": round(n / t_d3),
                "lines_per_s_drain3_same_masks": round(n / t_d3m),
                "ratio": round(t_d3 / t_ours, 2),
            }
        )
    if not rows:
        print(f"error: no system folder found under {data}", file=sys.stderr)
        return 2
    mean_ga = sum(r["ga_ours"] for r in rows) / len(rows)
    mean_ga_d3 = sum(r["ga_drain3_same_masks"] for r in rows) / len(rows)
    mean_ga_d3p = sum(r["ga_drain3_published_settings"] for r in rows) / len(rows)
    ratio = tot_d3 / tot_ours
    summary = {
        "mean_ga_ours": round(mean_ga, 4),
        "mean_ga_drain3_same_masks": round(mean_ga_d3, 4),
        "mean_ga_drain3_published_settings": round(mean_ga_d3p, 4),
        "lines_per_s_ours": round(tot_lines / tot_ours),
        "lines_per_s_drain3_default": round(tot_lines / tot_d3),
        "throughput_ratio": round(ratio, 2),
        "ga_target_met": mean_ga >= GA_TARGET,
        "ratio_target_met": ratio >= RATIO_TARGET,
    }
    if args.json:
        print(json.dumps({"systems": rows, "summary": summary}, indent=2))
    else:
        print_table(rows, summary)
    return 0


def print_table(rows: list[dict], summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(
        title="Template miner vs drain3 on Loghub-2k",
        caption="GA: grouping accuracy. d3 = drain3: 'masks' = defaults + the system's regex masks (same as "
        "ours); 'published' = masks + the system's st/depth. lines/s: best of N runs, CPU time; ratio = "
        "ours / drain3 defaults.",
    )
    cols = (
        "system",
        "GA ours",
        "GA d3 masks",
        "GA d3 published",
        "lines/s ours",
        "lines/s d3 default",
        "ratio",
        "lines/s d3 masks",
    )
    for col in cols:
        t.add_column(col, justify="left" if col == "system" else "right")
    for r in rows:
        t.add_row(
            r["system"],
            f"{r['ga_ours']:.4f}",
            f"{r['ga_drain3_same_masks']:.4f}",
            f"{r['ga_drain3_published_settings']:.4f}",
            f"{r['lines_per_s_ours']:,}",
            f"{r['lines_per_s_drain3_default']:,}",
            f"{r['ratio']:.2f}x",
            f"{r['lines_per_s_drain3_same_masks']:,}",
        )
    t.add_section()
    t.add_row(
        "mean / overall",
        f"{summary['mean_ga_ours']:.4f}",
        f"{summary['mean_ga_drain3_same_masks']:.4f}",
        f"{summary['mean_ga_drain3_published_settings']:.4f}",
        f"{summary['lines_per_s_ours']:,}",
        f"{summary['lines_per_s_drain3_default']:,}",
        f"{summary['throughput_ratio']:.2f}x",
        "",
    )
    c = Console(width=max(Console().width, 150))
    c.print(t)
    ok = "[green]met[/]"
    ko = "[red]NOT met[/]"
    c.print(f"mean GA {summary['mean_ga_ours']:.4f} >= {GA_TARGET}: {ok if summary['ga_target_met'] else ko}")
    c.print(
        f"throughput {summary['throughput_ratio']:.2f}x drain3 >= {RATIO_TARGET}x: "
        f"{ok if summary['ratio_target_met'] else ko}"
    )


def show_errors(name: str, contents: Sequence[str], ours: Sequence[int], truth: Sequence[str], masks) -> None:
    """Debug aid: for each wrong predicted group, its truth labels and an example line each."""
    truth_size = Counter(truth)
    groups: dict[int, list[int]] = defaultdict(list)
    for i, p in enumerate(ours):
        groups[p].append(i)
    print(f"--- {name}")
    for gid, members in groups.items():
        labels = Counter(truth[i] for i in members)
        if len(labels) == 1 and truth_size[next(iter(labels))] == len(members):
            continue
        ex = {}
        for i in members:
            ex.setdefault(truth[i], contents[i])
        parts = ", ".join(f"{lab}:{k}/{truth_size[lab]}" for lab, k in labels.items())
        print(f"  group {gid} ({len(members)} lines): {parts}")
        for lab, line in ex.items():
            print(f"      {lab}: {line[:150]}")


if __name__ == "__main__":
    sys.exit(main())
