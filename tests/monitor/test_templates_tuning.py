"""The choice procedure of the miner's settings: grid, requirement, leave-one-system-out."""

from __future__ import annotations

import csv
import json

import pytest

from tests.monitor.test_templates import APP_LOG
from tests.monitor.test_templates_logformat import LOGHUB, needs_loghub
from vvai.monitor.templates import tuning
from vvai.monitor.templates.evaluate import grouping_accuracy
from vvai.monitor.templates.logformat import LogFormat
from vvai.monitor.templates.miner import TemplateMiner


def test_defaults_are_a_grid_point_and_the_miners_defaults() -> None:
    assert tuning.REFERENCE_LOG == APP_LOG  # the requirement is the project's own test corpus
    assert tuning.DEFAULTS in tuning.GRID
    assert tuning.eligible(tuning.DEFAULTS)
    s = TemplateMiner().settings()
    assert {k: s[k] for k in tuning.DEFAULTS} == tuning.DEFAULTS


def test_requirement_rejects_settings_that_split_or_merge_the_reference_events() -> None:
    base = dict(tuning.DEFAULTS)
    assert not tuning.eligible({**base, "sim_threshold": 0.8})  # splits "User <*> logged out"
    assert not tuning.eligible({**base, "prefix_tokens": 2})  # routes "User alice" / "User bob" apart
    assert not tuning.eligible({**base, "sim_threshold": 0.5})  # merges "Failed none" into "Failed password"


def test_choose_and_loso_never_let_a_system_pick_its_own_settings() -> None:
    ga = {
        0: {"a": 0.90, "b": 0.90, "c": 0.90},
        1: {"a": 1.00, "b": 1.00, "c": 0.40},  # best mean with c, but only a and b like it
        2: {"a": 0.95, "b": 0.95, "c": 0.95},
    }
    assert tuning.choose(ga, ["a", "b", "c"]) == 2
    assert tuning.choose(ga, ["a", "b"]) == 1
    out = tuning.loso(ga, ["a", "b", "c"])
    assert out["c"] == (1, 0.40)  # chosen on a and b, measured on c
    assert out["a"] == (2, 0.95) and out["b"] == (2, 0.95)
    tie = {0: {"a": 0.9, "b": 0.8}, 1: {"a": 0.85, "b": 0.85}, 2: {"a": 0.85, "b": 0.85}}
    assert tuning.choose(tie, ["a", "b"]) == 1  # same mean: the better worst system, then grid order
    with pytest.raises(ValueError):
        tuning.choose(ga, [])


def _system(name: str, settings: dict) -> tuple[list[str], list[str]]:
    s = settings[name]
    fmt = LogFormat.compile(s["log_format"])
    raw = (LOGHUB / s["log_file"]).read_bytes().decode("utf-8", errors="replace").split("\n")
    lines = [ln.rstrip("\r") for ln in raw if ln.rstrip("\r")]
    with (LOGHUB / name / f"{name}_2k.log_structured_corrected.csv").open(newline="", encoding="utf-8") as f:
        truth = [r["EventId"] for r in csv.DictReader(f)]
    return [fmt.content(ln) or ln for ln in lines], truth


@needs_loghub
def test_shipped_defaults_are_the_choice_on_loghub_and_loso_generalises() -> None:
    settings = json.loads((LOGHUB / "settings.json").read_text())
    systems = [n for n in settings if (LOGHUB / n).is_dir()]
    if len(systems) < 2:
        pytest.skip("LOSO needs 2+ systems")
    data = {n: _system(n, settings) for n in systems}
    eligible = [i for i, g in enumerate(tuning.GRID) if tuning.eligible(g)]
    ga = {}
    for i in eligible:
        ga[i] = {}
        for n, (contents, truth) in data.items():
            m = TemplateMiner(masks=settings[n]["regex"], **tuning.GRID[i])
            ga[i][n] = grouping_accuracy([m.add_message(c).template_id for c in contents], truth)
    assert tuning.GRID[tuning.choose(ga, systems)] == tuning.DEFAULTS
    loso = tuning.loso(ga, systems)
    assert sum(v for _, v in loso.values()) / len(systems) >= 0.90
