"""Benchmark of the log template miner against drain3 on Loghub-2k, with leave-one-system-out.

    .venv/bin/python bench/templates.py [--data ../shared/data/loghub2k] [--system S ...]

Systems: every system of ``settings.json`` whose folder is present (8 in loghub2k; point
``--data`` at a folder holding others to check them too). For every system:

* **GA in-sample**: grouping accuracy of our miner with its shipped defaults.
* **GA LOSO**: GA with the settings :func:`vvai.monitor.templates.tuning.choose` picks on all
  the *other* systems (leave-one-system-out): the system never helps choose its own settings.
  The bench also checks that the shipped defaults are what ``choose`` picks on all systems.
* **GA LOSO no masks**: the same, without the system's masks: the like-for-like figure beside
  drain3's default, which has none.
* **drain3**: GA of ``drain3.TemplateMiner()`` with its defaults and no masks ("default"),
  with the defaults plus the system's masks ("+masks"), and with the masks and the published
  per-system ``st``/``depth`` ("published").
* **Throughput** (lines/s) of our miner (defaults, system masks) and of drain3 defaults, fed the
  same ``Content`` strings in the same run (each miner built before its timed part); best of
  ``--repeat`` runs, alternating, each timed in CPU seconds of this process
  (``time.process_time``) so other processes do not skew it.

Our miner and drain3 "+masks"/"published" get the system's ``regex`` list from settings.json
(Loghub's benchmark input, given to every parser); headers are split off with its
``log_format``. GA (Loghub definition): a line is right only when the set of lines grouped with
it equals exactly the set of lines sharing its ground-truth EventId
(``<S>/<S>_2k.log_structured_corrected.csv``). The data is read in place, never copied.

**Scale** (issue 8 #4): N distinct error lines (same length and first words, digit-free random
words, so that each is a new template of one bucket) through
:func:`vvai.monitor.templates.batch.final_templates` as the log detector calls it (cap 1000
templates, then the overflow bucket), N = 2k, 10k, 50k: CPU seconds, lines/s and comparisons
per line (at most 64). drain3 defaults on the same lines for reference (they merge them all
into one cluster at its 0.4 threshold, so they are no hang test for drain3).

Targets: LOSO mean GA >= 0.90, LOSO GA >= drain3 default on every system, throughput >= 3x.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import random
import string
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from vvai.monitor.templates import tuning
from vvai.monitor.templates.batch import final_templates
from vvai.monitor.templates.evaluate import grouping_accuracy
from vvai.monitor.templates.logformat import LogFormat
from vvai.monitor.templates.miner import TemplateMiner

LOSO_TARGET = 0.90
RATIO_TARGET = 3.0
SCALE_SIZES = (2_000, 10_000, 50_000)


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


def ours_labels(contents: Sequence[str], masks: Sequence[str], **settings) -> list[int]:
    m = TemplateMiner(masks=masks, **settings)
    return [m.add_message(c).template_id for c in contents]


def drain3_labels(contents: Sequence[str], masks: Sequence[str], **published) -> list[int]:
    add = drain3_miner(masks, **published)
    return [add(c)["cluster_id"] for c in contents]  # type: ignore[index]


def timed(fn: Callable[[], object]) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def distinct_errors(n: int, seed: int = 1) -> list[str]:
    """``n`` distinct error lines sharing length and first words (digit-free random words)."""
    rnd = random.Random(seed)

    def w() -> str:
        return "".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(4, 9)))

    return [f"ERROR worker: cannot handle {w()} {w()} {w()} {w()}" for _ in range(n)]


def scale_rows(sizes: Sequence[int]) -> list[dict]:
    """Issue 8 #4: final templates of N distinct lines, as the log detector computes them."""
    rows = []
    for n in sizes:
        lines = distinct_errors(n)
        m = TemplateMiner(max_clusters=1000, on_full="overflow")
        t = timed(lambda m=m, x=lines: final_templates(x, miner=m))
        add = drain3_miner(None)
        t_d3 = timed(lambda a=add, x=lines: [a(y) for y in x])
        rows.append(
            {
                "lines": n,
                "seconds": round(t, 3),
                "lines_per_s": round(n / t),
                "comparisons_per_line": round(m.comparisons / n, 1),
                "templates": len(m),
                "overflow_lines": m.overflow.count if m.overflow else 0,
                "drain3_seconds": round(t_d3, 3),
            }
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--data",
        default=None,
        help="Loghub-2k folder, read in place (default: ../shared/data/loghub2k from the project root)",
    )
    ap.add_argument("--system", action="append", help="only these systems (repeatable)")
    ap.add_argument("--repeat", type=int, default=5, help="timing runs per miner (best is kept)")
    ap.add_argument("--no-scale", action="store_true", help="skip the 2k/10k/50k distinct-lines figures")
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
    systems = [s for s in (args.system or list(settings)) if s in settings and (data / s).is_dir()]
    if not systems:
        print(f"error: no system folder found under {data}", file=sys.stderr)
        return 2
    loaded = {name: load_system(data, name, settings[name]) for name in systems}

    # The choice procedure: GA of every eligible grid point on every system, then LOSO.
    eligible = [i for i, g in enumerate(tuning.GRID) if tuning.eligible(g)]
    ga: dict[int, dict[str, float]] = {i: {} for i in eligible}
    for name in systems:
        contents, truth, _ = loaded[name]
        for i in eligible:
            ga[i][name] = grouping_accuracy(ours_labels(contents, settings[name]["regex"], **tuning.GRID[i]), truth)
    chosen_all = tuning.choose(ga, systems)
    loso = tuning.loso(ga, systems) if len(systems) > 1 else {}

    rows = []
    tot_lines = tot_ours = tot_d3 = 0.0
    for name in systems:
        setting = settings[name]
        masks = setting.get("regex", [])
        contents, truth, unmatched = loaded[name]
        ours = ours_labels(contents, masks)
        ga_ours = grouping_accuracy(ours, truth)
        add = drain3_miner(None)
        ga_d3 = grouping_accuracy([add(c)["cluster_id"] for c in contents], truth)  # type: ignore[index]
        ga_d3m = grouping_accuracy(drain3_labels(contents, masks), truth)
        ga_d3p = grouping_accuracy(drain3_labels(contents, masks, st=setting["st"], depth=setting["depth"]), truth)
        if args.errors:
            show_errors(name, contents, ours, truth, masks)
        t_ours = t_d3 = float("inf")
        for _ in range(args.repeat):  # both miners built outside the timed part, fed the same way
            add = TemplateMiner(masks=masks).add_message
            t_ours = min(t_ours, timed(lambda c=contents, a=add: [a(x) for x in c]))
            add = drain3_miner(None)
            t_d3 = min(t_d3, timed(lambda c=contents, a=add: [a(x) for x in c]))
        n = len(contents)
        tot_lines += n
        tot_ours += t_ours
        tot_d3 += t_d3
        li, lga = loso.get(name, (chosen_all, ga_ours))
        # like for like with drain3's default (no masks): our miner, LOSO settings, no masks either
        ga_nomask = grouping_accuracy(ours_labels(contents, [], **tuning.GRID[li]), truth)
        rows.append(
            {
                "system": name,
                "lines": n,
                "unmatched_format": unmatched,
                "ga_in_sample": round(ga_ours, 4),
                "ga_loso": round(lga, 4),
                "ga_loso_no_masks": round(ga_nomask, 4),
                "loso_settings": tuning.GRID[li],
                "ga_drain3_default": round(ga_d3, 4),
                "ga_drain3_default_masks": round(ga_d3m, 4),
                "ga_drain3_published": round(ga_d3p, 4),
                "lines_per_s_ours": round(n / t_ours),
                "lines_per_s_drain3_default": round(n / t_d3),
                "ratio": round(t_d3 / t_ours, 2),
            }
        )

    def mean(key: str) -> float:
        return round(sum(r[key] for r in rows) / len(rows), 4)

    ratio = tot_d3 / tot_ours
    loso_mean = mean("ga_loso")
    below = [r["system"] for r in rows if r["ga_loso"] < max(r["ga_drain3_default"], r["ga_drain3_default_masks"])]
    # the same input on both sides: ours without masks vs drain3 default, ours with vs drain3 +masks
    below_same_input = [r["system"] for r in rows if r["ga_loso_no_masks"] < r["ga_drain3_default"]
                        or r["ga_loso"] < r["ga_drain3_default_masks"]]
    summary = {
        "systems": len(rows),
        "eligible_grid_points": [tuning.GRID[i] for i in eligible],
        "grid_points": len(tuning.GRID),
        "choice_on_all_systems": tuning.GRID[chosen_all],
        "defaults_are_the_choice": tuning.GRID[chosen_all] == tuning.DEFAULTS,
        "mean_ga_in_sample": mean("ga_in_sample"),
        "mean_ga_loso": loso_mean,
        "mean_ga_drain3_default": mean("ga_drain3_default"),
        "mean_ga_drain3_default_masks": mean("ga_drain3_default_masks"),
        "mean_ga_drain3_published": mean("ga_drain3_published"),
        "lines_per_s_ours": round(tot_lines / tot_ours),
        "lines_per_s_drain3_default": round(tot_lines / tot_d3),
        "throughput_ratio": round(ratio, 2),
        "loso_target_met": loso_mean >= LOSO_TARGET,
        "systems_below_drain3_default": below,
        "systems_below_drain3_same_input": below_same_input,
        "mean_ga_loso_no_masks": mean("ga_loso_no_masks"),
        "ratio_target_met": ratio >= RATIO_TARGET,
    }
    scale = [] if args.no_scale else scale_rows(SCALE_SIZES)
    if args.json:
        print(json.dumps({"systems": rows, "summary": summary, "scale": scale}, indent=2))
    else:
        print_table(rows, summary, scale)
    return 0


def _short(g: dict) -> str:
    b = "" if g["builtin_masks"] else " nomask"
    return f"st={g['sim_threshold']} w={g['wildcard_weight']} p={g['prefix_tokens']}{b}"


def print_table(rows: list[dict], summary: dict, scale: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(
        title="Template miner vs drain3 on Loghub-2k (leave-one-system-out)",
        caption="GA: grouping accuracy. LOSO: settings chosen on the other systems (shown). d3 = drain3: "
        "'default' = TemplateMiner() as shipped, no masks; '+masks' = defaults + the system's regex masks (as "
        "ours); 'published' = masks + the system's st/depth. lines/s: best of N runs, CPU time; ratio = ours / "
        "drain3 default.",
    )
    cols = (
        "system",
        "GA in-sample",
        "GA LOSO",
        "GA LOSO no masks",
        "LOSO settings",
        "GA d3 default",
        "GA d3 +masks",
        "GA d3 published",
        "lines/s ours",
        "lines/s d3",
        "ratio",
    )
    for col in cols:
        t.add_column(col, justify="left" if col in ("system", "LOSO settings") else "right")
    for r in rows:
        t.add_row(
            r["system"],
            f"{r['ga_in_sample']:.4f}",
            f"{r['ga_loso']:.4f}",
            f"{r['ga_loso_no_masks']:.4f}",
            _short(r["loso_settings"]),
            f"{r['ga_drain3_default']:.4f}",
            f"{r['ga_drain3_default_masks']:.4f}",
            f"{r['ga_drain3_published']:.4f}",
            f"{r['lines_per_s_ours']:,}",
            f"{r['lines_per_s_drain3_default']:,}",
            f"{r['ratio']:.2f}x",
        )
    t.add_section()
    s = summary
    t.add_row(
        "mean / overall",
        f"{s['mean_ga_in_sample']:.4f}",
        f"{s['mean_ga_loso']:.4f}",
        f"{s['mean_ga_loso_no_masks']:.4f}",
        "",
        f"{s['mean_ga_drain3_default']:.4f}",
        f"{s['mean_ga_drain3_default_masks']:.4f}",
        f"{s['mean_ga_drain3_published']:.4f}",
        f"{s['lines_per_s_ours']:,}",
        f"{s['lines_per_s_drain3_default']:,}",
        f"{s['throughput_ratio']:.2f}x",
    )
    c = Console(width=max(Console().width, 160))
    c.print(t)
    ok = "[green]met[/]"
    ko = "[red]NOT met[/]"
    c.print(
        f"choice procedure: {s['grid_points']} grid points, {len(s['eligible_grid_points'])} eligible "
        f"(group the reference app log exactly): {', '.join(_short(g) for g in s['eligible_grid_points'])}"
    )
    c.print(
        f"choice on all {s['systems']} systems: {_short(s['choice_on_all_systems'])}; shipped defaults are "
        f"that choice: {'yes' if s['defaults_are_the_choice'] else '[red]NO[/]'}"
    )
    c.print(f"LOSO mean GA {s['mean_ga_loso']:.4f} >= {LOSO_TARGET}: {ok if s['loso_target_met'] else ko}")
    below = s["systems_below_drain3_default"]
    c.print(f"LOSO GA (with masks) >= drain3 default (without) on every system: "
            f"{ok if not below else ko + ' (' + ', '.join(below) + ')'}")
    same = s["systems_below_drain3_same_input"]
    c.print(f"on the same input (no masks vs drain3 default, masks vs drain3 +masks) never below drain3: "
            f"{ok if not same else ko + ' (' + ', '.join(same) + ')'}")
    c.print(f"throughput {s['throughput_ratio']:.2f}x drain3 >= {RATIO_TARGET}x: {ok if s['ratio_target_met'] else ko}")
    if scale:
        st = Table(title="Scale: N distinct error lines through final_templates (cap 1000, then overflow)")
        for col in ("lines", "seconds", "lines/s", "comparisons/line", "templates", "overflow lines", "drain3 s"):
            st.add_column(col, justify="right")
        for r in scale:
            st.add_row(
                f"{r['lines']:,}",
                f"{r['seconds']:.2f}",
                f"{r['lines_per_s']:,}",
                f"{r['comparisons_per_line']}",
                f"{r['templates']:,}",
                f"{r['overflow_lines']:,}",
                f"{r['drain3_seconds']:.2f}",
            )
        c.print(st)


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
