"""The synthetic corpus: every category, 8 seeds each, diagnosed right with grounded evidence.

This is the test that shows the knowledge base generalises beyond the four recorded examples:
wording, log styles, tracebacks, timing, names, limits, engine, noise and decoys all vary by seed.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from vvai.monitor.bundle import load_bundle
from vvai.monitor.diagnose.engine import Diagnoser
from vvai.monitor.diagnose.scoring import score_case, summarize, verify_evidence
from vvai.testing.synth import CATEGORIES, generate_corpus

SEEDS = range(8)
pytestmark = pytest.mark.slow  # ~13 s of CPU: 112 bundles generated, read back and diagnosed


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    diag = Diagnoser()
    cases = []
    for path in generate_corpus(root, SEEDS):
        incidents = diag.diagnose(load_bundle(path))
        expected = json.loads((path / "expected.json").read_text())
        r = score_case(incidents, expected)
        r.update(name=path.name, category=path.name.rsplit("-", 1)[0], path=path, incidents=incidents,
                 expected=expected)
        cases.append(r)
    return cases


def test_every_category_has_eight_seeds_with_ground_truth(corpus):
    counts = Counter(c["category"] for c in corpus)
    assert set(counts) == set(CATEGORIES) and set(counts.values()) == {len(SEEDS)}
    for c in corpus:
        exp = c["expected"]["incidents"]
        assert (exp == []) == (c["category"] == "healthy")
        if exp:
            assert exp[0]["category"] == c["category"] and exp[0]["acceptable_actions"] and exp[0]["forbidden_actions"]


def test_all_bundles_are_diagnosed_right(corpus):
    failed = [(c["name"], c["reasons"]) for c in corpus if not c["passed"]]
    assert failed == []
    scores = summarize(corpus)["categories"]
    assert all(d["precision"] == 1.0 and d["recall"] == 1.0 for d in scores.values()), scores


def test_every_evidence_line_is_verbatim_from_its_source(corpus):
    bad = []
    for c in corpus:
        bad += [f"{c['name']}: {b}" for b in verify_evidence(c["path"], c["incidents"])]
        for inc in c["incidents"]:
            assert inc.evidence, c["name"]
            assert all(e.source.startswith(("logs/", "files/")) or e.source in
                       ("events.jsonl", "stats.jsonl", "metrics.jsonl", "pipeline.jsonl") for e in inc.evidence)
    assert bad == []
