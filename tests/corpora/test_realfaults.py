"""The real-fault corpora themselves (tests/corpora/realfaults/bundles, the held-out set, and
tests/corpora/realfaults_dev/bundles, its development variants): recorded with `vvai monitor capture`
on Podman by tests/corpora/realfaults/record.py and tests/corpora/realfaults_dev/record_dev.py.
These tests check the recordings, not the diagnosis: size, that every record reads back with no
problem of the wrong-type or malformed kind, that the ground truth follows the spec, and that it
names what the bundle holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vvai.monitor.bundle import load_bundle

ROOT = Path(__file__).resolve().parent
# each corpus: its folder, its recorder, and the minimum it must cover. realfaults is the held-out set;
# realfaults_dev holds fault variants recorded the same way, for development.
CORPORA = {
    "realfaults": {"recorder": "record.py", "bundles": 15, "healthy": 5, "categories": 10},
    "realfaults_dev": {"recorder": "record_dev.py", "bundles": 8, "healthy": 3, "categories": 6},
}


def _bundles(corpus: str) -> list[Path]:
    d = ROOT / corpus / "bundles"
    return sorted(p for p in d.iterdir() if p.is_dir()) if d.is_dir() else []


BUNDLES = [b for c in CORPORA for b in _bundles(c)]
NAMES = [f"{b.parents[1].name}/{b.name}" for b in BUNDLES]

CATEGORIES = {
    "oom_kill",
    "crash_loop",
    "poison_input",
    "disk_full",
    "export_failure",
    "pipeline_stall",
    "orphan_outputs",
    "resource_saturation",
    "performance_degradation",
    "integrity_mismatch",
    "deployment_regression",
    "model_failure",
    "dependency_failure",
}
ACTIONS = {"alert", "restart", "cleanup", "quarantine", "suggest_limits", "suggest_rollback", "rollback_model"}
COMPONENT_TARGET = {"restart", "suggest_limits"}
FOLDERS = {"input", "processed", "corrupted", "logs"}
MAX_BYTES = 2 * 1024 * 1024
# reader problems that mean the capture wrote something its own reader rejects
BAD = (
    "wrong type",
    "not JSON",
    "without a valid ts",
    "without a usable time",
    "without a docker timestamp",
    "without a zone",
    "invalid UTF-8",
    "NUL bytes",
    "components missing",
    "format is",
    "window",
)


def _expected(b: Path) -> dict:
    return json.loads((b / "expected.json").read_text())


@pytest.mark.parametrize("corpus", list(CORPORA))
def test_the_corpus_is_there_and_covers_faults_and_healthy_runs(corpus: str) -> None:
    here, need = ROOT / corpus, CORPORA[corpus]
    bundles = _bundles(corpus)
    names = [p.name for p in bundles]
    assert len(bundles) >= need["bundles"], names
    cats = [i["category"] for b in bundles for i in _expected(b)["incidents"]]
    healthy = [b for b in bundles if not _expected(b)["incidents"]]
    assert len(healthy) >= need["healthy"], names
    assert len(set(cats)) >= need["categories"], cats
    assert (here / need["recorder"]).is_file() and (here / "README.md").is_file()
    readme = (here / "README.md").read_text()
    assert [n for n in names if n not in readme] == []  # every bundle says how it was recorded


@pytest.mark.parametrize("b", BUNDLES, ids=NAMES)
def test_bundle_is_small_plain_and_reads_back_clean(b: Path) -> None:
    files = [p for p in b.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < MAX_BYTES
    assert not [p for p in files if p.suffix in (".gz", ".tgz", ".tar")] and not [
        p for p in b.rglob("*") if p.is_symlink()
    ]
    bundle = load_bundle(b)
    bad = [p for p in bundle.problems if any(k in p for k in BAD)]
    assert bad == [], bad
    assert bundle.window_start and bundle.window_end and bundle.window_start < bundle.window_end
    assert {"bundle.json", "events.jsonl", "stats.jsonl", "pipeline.jsonl"} <= bundle.watched
    assert bundle.events and bundle.stats and bundle.pipeline  # the engine and folders were really read
    assert any(bundle.logs.values())  # real container output
    raw = json.loads((b / "bundle.json").read_text())
    assert raw["format"] == "vvai-bundle/1" and set(raw["components"]) == set(bundle.components)


@pytest.mark.parametrize("b", BUNDLES, ids=NAMES)
def test_expected_follows_the_spec_and_names_what_the_bundle_holds(b: Path) -> None:
    exp = _expected(b)
    assert set(exp) == {"incidents"} and isinstance(exp["incidents"], list)
    components = set(json.loads((b / "bundle.json").read_text())["components"])
    assert len(exp["incidents"]) <= 1  # one injected fault per scenario
    for inc in exp["incidents"]:
        assert set(inc) <= {"category", "component", "file", "acceptable_actions", "forbidden_actions"}
        assert inc["category"] in CATEGORIES
        assert inc["component"] in components  # never a made-up name such as "host"
        if "file" in inc:
            assert inc["file"] and "/" not in inc["file"]  # a basename
        acceptable, forbidden = inc["acceptable_actions"], inc["forbidden_actions"]
        assert "alert" in acceptable and not set(acceptable) & set(forbidden)
        for a in acceptable + forbidden:
            kind, _, target = a.partition(":")
            assert kind in ACTIONS, a
            if target and kind in COMPONENT_TARGET:
                assert target in components | {"redis"}, a
            if target and kind == "cleanup":
                assert target in FOLDERS, a
        # the spec's safety rules: never clean up input/ or processed/, restart only the culprit
        assert {"cleanup:input", "cleanup:processed"} <= set(forbidden)
        assert not [a for a in acceptable if a.startswith("restart:") and a != f"restart:{inc['component']}"]
        for a in acceptable:
            if a.startswith("quarantine:"):
                assert a.split(":", 1)[1] == inc.get("file"), a


@pytest.mark.parametrize("corpus", list(CORPORA))
def test_scenarios_in_the_recorder_match_the_committed_bundles(corpus: str) -> None:
    """Every committed bundle has a scenario in its corpus's recorder that can re-record it."""
    text = (ROOT / corpus / CORPORA[corpus]["recorder"]).read_text()
    assert [p.name for p in _bundles(corpus) if f'"{p.name}"' not in text] == []
