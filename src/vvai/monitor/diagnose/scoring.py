"""Scoring diagnoses against ``expected.json`` with the spec's rules.

An expected incident is matched by a reported one with the same category and component (and
file, when expected names one). Every action of the matched incident must be acceptable; any
forbidden action anywhere in the bundle's diagnosis fails the case; any unmatched incident above
severity ``info`` is a false alarm. Entries in the lists are ``type`` (any target) or ``type:target``.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vvai.monitor.incident import Incident, severity_rank


def _allowed(label: str, type_: str, entries: list[str]) -> bool:
    return type_ in entries or label in entries


def score_case(incidents: list[Incident], expected: dict[str, Any]) -> dict[str, Any]:
    """Score one bundle; returns tp/fn/fp lists and a pass flag with reasons."""
    exp = expected.get("incidents") or []
    reasons: list[str] = []
    matched_ids: set[int] = set()
    tp, fn = [], []
    for e in exp:
        cands = [i for i in incidents if i.category == e.get("category") and i.component == e.get("component")
                 and (not e.get("file") or i.file == e.get("file")) and id(i) not in matched_ids]
        if not cands:
            fn.append(e["category"])
            got = ", ".join(f"{i.category}/{i.component}/{i.file}" for i in incidents) or "nothing"
            reasons.append(f"missed {e.get('category')}/{e.get('component')}/{e.get('file')} (got {got})")
            continue
        inc = cands[0]
        matched_ids.add(id(inc))
        acceptable = e.get("acceptable_actions") or []
        bad = [a.label() for a in inc.actions if acceptable and not _allowed(a.label(), a.type, acceptable)]
        if bad:
            fn.append(e["category"])
            reasons.append(f"{e['category']}: unacceptable action(s) {bad}")
        else:
            tp.append(e["category"])
    forbidden = [f for e in exp for f in (e.get("forbidden_actions") or [])]
    for inc in incidents:
        for a in inc.actions:
            if _allowed(a.label(), a.type, forbidden):
                reasons.append(f"forbidden action {a.label()} in {inc.category}/{inc.component}")
    fp = [i.category for i in incidents if id(i) not in matched_ids and severity_rank(i.severity) > 0]
    for i in incidents:
        if id(i) not in matched_ids and severity_rank(i.severity) > 0:
            reasons.append(f"false alarm {i.category}/{i.component}/{i.file} ({i.severity.value})")
    return {"tp": tp, "fn": fn, "fp": fp, "passed": not reasons, "reasons": reasons}


def verify_evidence(bundle_dir: str | Path, incidents: list[Incident]) -> list[str]:
    """Evidence that is NOT a verbatim substring of one line of its named source (should be none)."""
    root = Path(bundle_dir)
    cache: dict[str, list[str]] = {}
    bad = []
    for inc in incidents:
        for e in inc.evidence:
            if e.source not in cache:
                p = root / e.source
                cache[e.source] = (p.read_bytes().decode("utf-8", errors="replace").splitlines()
                                   if p.is_file() and ".." not in Path(e.source).parts else [])
            if not any(e.text in line for line in cache[e.source]):
                bad.append(f"{inc.category}: evidence not found in {e.source}: {e.text[:80]!r}")
    return bad


def case_category(expected: dict[str, Any]) -> str:
    exp = expected.get("incidents") or []
    return exp[0]["category"] if exp else "healthy"


def iter_corpus(corpus: str | Path) -> list[Path]:
    root = Path(corpus)
    if (root / "bundle.json").is_file():
        return [root]
    return sorted(p for p in root.iterdir() if (p / "bundle.json").is_file() or p.name.endswith(".tar.gz"))


def score_corpus(corpus: str | Path, kb: Any = None, settings: Any = None,
                 diagnose: Callable[[Any], list[Incident]] | None = None) -> dict[str, Any]:
    """Diagnose every bundle of a corpus and score it (see :func:`summarize` for the figures).

    ``diagnose`` replaces the rules engine (e.g. rules + an LLM advisor) so both are scored alike."""
    from vvai.common.errors import ConfigError
    from vvai.monitor.bundle import load_bundle
    from vvai.monitor.diagnose.engine import Diagnoser

    root = Path(corpus)
    if not root.is_dir():
        raise ConfigError(f"corpus {root} is not a folder", hint="pass a folder of bundles with expected.json")
    if diagnose is None:
        diagnose = Diagnoser(kb=kb, settings=settings).diagnose
    cases = []
    for path in iter_corpus(root):
        exp_path = path / "expected.json"
        if not exp_path.is_file():
            continue
        expected = json.loads(exp_path.read_text())
        t0 = time.perf_counter()
        incidents = diagnose(load_bundle(path))
        elapsed = time.perf_counter() - t0
        r = score_case(incidents, expected)
        ungrounded = verify_evidence(path, incidents) if path.is_dir() else []
        if ungrounded:
            r["passed"] = False
            r["reasons"] += ungrounded
        r.update(name=path.name, category=case_category(expected), seconds=elapsed, ungrounded=len(ungrounded),
                 got=[i.category for i in incidents if severity_rank(i.severity) > 0] or ["healthy"],
                 confidences=[(float(i.confidence), _matched(i, expected)) for i in incidents
                              if severity_rank(i.severity) > 0])
        cases.append(r)
    return summarize(cases)


def _matched(inc: Incident, expected: dict[str, Any]) -> bool:
    """Is this reported incident one of the expected ones (category, component, file)?"""
    return any(inc.category == e.get("category") and inc.component == e.get("component")
               and (not e.get("file") or inc.file == e.get("file")) for e in expected.get("incidents") or [])


def _share(pairs: list[tuple[float, bool]]) -> dict[str, Any]:
    return {"incidents": len(pairs), "right": sum(ok for _, ok in pairs),
            "share_right": round(sum(ok for _, ok in pairs) / len(pairs), 3) if pairs else None}


def summarize(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-category precision/recall, the confusion matrix (expected category -> reported categories;
    'healthy' when nothing above info was reported), false alarms, forbidden actions, ungrounded
    evidence, calibration (share right among incidents at confidence >= 0.8 and < 0.5) and time per
    bundle."""
    cats: dict[str, dict[str, int]] = {}
    confusion: dict[str, dict[str, int]] = {}
    for c in cases:
        d = cats.setdefault(c["category"], {"cases": 0, "passed": 0, "tp": 0, "fn": 0, "fp": 0})
        d["cases"] += 1
        d["passed"] += c["passed"]
        d["tp"] += len(c["tp"])
        d["fn"] += len(c["fn"])
        for cat in c["fp"]:
            cats.setdefault(cat, {"cases": 0, "passed": 0, "tp": 0, "fn": 0, "fp": 0})["fp"] += 1
        row = confusion.setdefault(c["category"], {})
        for got in c.get("got") or ["healthy"]:
            row[got] = row.get(got, 0) + 1
    for d in cats.values():
        d["precision"] = round(d["tp"] / (d["tp"] + d["fp"]), 3) if d["tp"] + d["fp"] else (1.0 if not d["fp"] else 0.0)
        d["recall"] = round(d["tp"] / (d["tp"] + d["fn"]), 3) if d["tp"] + d["fn"] else 1.0
    failed = [{"name": c["name"], "reasons": c["reasons"]} for c in cases if not c["passed"]]
    conf = [p for c in cases for p in c.get("confidences") or []]
    times = sorted(c.get("seconds", 0.0) for c in cases)
    healthy = [c for c in cases if c["category"] == "healthy"]
    return {
        "cases": len(cases), "passed": sum(c["passed"] for c in cases), "categories": dict(sorted(cats.items())),
        "confusion": {k: dict(sorted(v.items())) for k, v in sorted(confusion.items())},
        "false_alarms": sum(len(c["fp"]) for c in cases),
        "healthy_bundles_with_alarm": sum(1 for c in healthy if c["fp"]),
        "forbidden_actions": sum(1 for c in cases for r in c["reasons"] if r.startswith("forbidden action")),
        "ungrounded_evidence": sum(c.get("ungrounded", 0) for c in cases),
        "calibration": {"high": _share([p for p in conf if p[0] >= 0.8]),
                        "low": _share([p for p in conf if p[0] < 0.5]),
                        "mid": _share([p for p in conf if 0.5 <= p[0] < 0.8])},
        "seconds_per_bundle": {"median": round(statistics.median(times), 4) if times else None,
                               "p95": round(times[min(len(times) - 1, int(0.95 * len(times)))], 4) if times else None,
                               "max": round(times[-1], 4) if times else None},
        "failed": failed,
    }


def render_scores(result: dict[str, Any], console: Any) -> None:
    from rich.table import Table

    t = Table(title=f"{result['passed']}/{result['cases']} bundles diagnosed right")
    for col in ("category", "cases", "passed", "precision", "recall", "tp", "fn", "fp"):
        t.add_column(col, justify="left" if col == "category" else "right")
    for cat, d in result["categories"].items():
        t.add_row(cat, str(d["cases"]), str(d["passed"]), f"{d['precision']:.2f}", f"{d['recall']:.2f}",
                  str(d["tp"]), str(d["fn"]), str(d["fp"]))
    console.print(t)
    cm = result.get("confusion") or {}
    if cm:
        got_cols = sorted({g for row in cm.values() for g in row})
        m = Table(title="confusion: expected (rows) vs reported (columns)")
        m.add_column("expected")
        for g in got_cols:
            m.add_column(g[:14], justify="right")
        for exp, row in cm.items():
            m.add_row(exp, *[str(row.get(g, "")) for g in got_cols])
        console.print(m)
    cal = result.get("calibration") or {}
    spb = result.get("seconds_per_bundle") or {}

    def _cal(k: str) -> str:
        c = cal.get(k) or {}
        return f"{c.get('right', 0)}/{c.get('incidents', 0)} right" if c.get("incidents") else "none"

    console.print(f"false alarms: {result.get('false_alarms', 0)} (healthy bundles with an alarm: "
                  f"{result.get('healthy_bundles_with_alarm', 0)}); forbidden actions: "
                  f"{result.get('forbidden_actions', 0)}; ungrounded evidence: {result.get('ungrounded_evidence', 0)}",
                  markup=False, highlight=False)
    console.print(f"calibration: confidence >= 0.8: {_cal('high')}; 0.5-0.8: {_cal('mid')}; < 0.5: {_cal('low')}",
                  markup=False, highlight=False)
    if spb.get("median") is not None:
        console.print(f"time per bundle: median {spb['median'] * 1000:.0f} ms, p95 {spb['p95'] * 1000:.0f} ms",
                      markup=False, highlight=False)
    for f in result["failed"]:
        console.print("FAIL " + f["name"] + ": " + "; ".join(f["reasons"]), style="red", markup=False, highlight=False)
