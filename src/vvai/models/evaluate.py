"""Staging evaluation of a candidate version against a baseline, and promotion gates.

``evaluate`` runs both versions on a held-out dataset, each in its own subprocess (so peak RSS
is measured per version and one model cannot disturb the other), and reports side by side:
quality against reference outputs (ROUGE-L F1), latency p50/p95 and peak RSS.

Gates follow MLflow's ``MetricThreshold``: for each metric an absolute ``threshold``, a
``min_absolute_change`` and a ``min_relative_change`` against the baseline, and whether greater
is better. The report is stored in ``.vvai/evaluations/<candidate>.json``; ``promote`` reads it.

ROUGE-L is written here (an LCS over tokens, a few lines): the ``rouge-score`` package would
pull in nltk and absl for the same arithmetic.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vvai.common import jsonsafe
from vvai.common.atomic import atomic_write_json
from vvai.common.errors import ConfigError, VvaiError
from vvai.common.jsonlog import now_rfc3339
from vvai.models.store import Store, read_json

DEFAULT_TASK = "vvai.pipeline.summarizer.task"  # module with load(folder) and run(engine, doc) -> str


# ------------------------------------------------------------------------ metrics

_TOKEN = re.compile(r"\w+", re.UNICODE)


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F1 (beta = 1) between two texts, on lower-cased word tokens."""
    c, r = _TOKEN.findall(candidate.lower()), _TOKEN.findall(reference.lower())
    if not c or not r:
        return 0.0
    prev = [0] * (len(r) + 1)
    for ct in c:
        cur = [0]
        for j, rt in enumerate(r, 1):
            cur.append(prev[j - 1] + 1 if ct == rt else max(prev[j], cur[j - 1]))
        prev = cur
    lcs = prev[-1]
    if lcs == 0:
        return 0.0
    p, rec = lcs / len(c), lcs / len(r)
    return 2 * p * rec / (p + rec)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


# ------------------------------------------------------------------------ gates


@dataclass
class MetricThreshold:
    """MLflow-style gate on one metric (None disables a check)."""

    threshold: float | None = None
    min_absolute_change: float | None = None
    min_relative_change: float | None = None
    greater_is_better: bool = True

    def check(self, name: str, candidate: float, baseline: float | None) -> list[str]:
        """Failures, as sentences (empty when the gate passes)."""
        out = []
        better = (lambda a, b: a >= b) if self.greater_is_better else (lambda a, b: a <= b)
        if self.threshold is not None and not better(candidate, self.threshold):
            out.append(f"{name} {candidate:.4g} is {'below' if self.greater_is_better else 'above'} the "
                       f"threshold {self.threshold:g}")
        if baseline is not None:
            gain = (candidate - baseline) if self.greater_is_better else (baseline - candidate)
            if self.min_absolute_change is not None and gain < self.min_absolute_change:
                out.append(f"{name} changed by {gain:+.4g} (better is positive), less than the required "
                           f"{self.min_absolute_change:+g}")
            if self.min_relative_change is not None and baseline != 0:
                rel = gain / abs(baseline)
                if rel < self.min_relative_change:
                    out.append(f"{name} changed by {rel:+.1%} (better is positive), less than the required "
                               f"{self.min_relative_change:+.0%}")
        return out


def default_gates() -> dict[str, MetricThreshold]:
    return {
        "rouge_l": MetricThreshold(min_absolute_change=0.0, greater_is_better=True),  # no worse than baseline
        "latency_p95_s": MetricThreshold(min_relative_change=-0.25, greater_is_better=False),  # <= 25% slower
        "peak_rss_bytes": MetricThreshold(min_relative_change=-0.25, greater_is_better=False),  # <= 25% more
    }


def parse_gate(spec: str, gates: dict[str, MetricThreshold]) -> None:
    """``METRIC:key=value,...`` e.g. ``rouge_l:threshold=0.4,min_absolute_change=0.02``."""
    name, _, rest = spec.partition(":")
    if name not in ("rouge_l", "latency_p50_s", "latency_p95_s", "peak_rss_bytes"):
        raise ConfigError(f"--gate {spec!r}: unknown metric {name!r} "
                          "(rouge_l, latency_p50_s, latency_p95_s, peak_rss_bytes)")
    g = gates.get(name) or MetricThreshold(greater_is_better=(name == "rouge_l"))
    for part in filter(None, rest.split(",")):
        key, _, val = part.partition("=")
        if key not in ("threshold", "min_absolute_change", "min_relative_change", "greater_is_better"):
            raise ConfigError(f"--gate {spec!r}: unknown key {key!r}")
        try:
            value: Any = val.lower() in ("1", "true", "yes") if key == "greater_is_better" else (
                None if val.lower() == "none" else float(val))
        except ValueError:
            raise ConfigError(f"--gate {spec!r}: {key} must be a number (got {val!r})") from None
        setattr(g, key, value)
    gates[name] = g


# ------------------------------------------------------------------------ dataset and runs


@dataclass
class Sample:
    name: str
    analytic: Path
    reference: str | None


def load_dataset(folder: Path) -> list[Sample]:
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"dataset folder not found: {folder}")
    out = []
    for p in sorted(folder.glob("*.analytic.json")):
        stem = p.name[: -len(".analytic.json")]
        ref = None
        if (folder / f"{stem}.reference.txt").exists():
            ref = (folder / f"{stem}.reference.txt").read_text(encoding="utf-8").strip()
        elif (folder / f"{stem}.reference.json").exists():
            ref = (read_json(folder / f"{stem}.reference.json") or {}).get("summary")
        out.append(Sample(stem, p, ref))
    if not out:
        raise ConfigError(f"dataset {folder} has no *.analytic.json files")
    if not any(s.reference for s in out):
        raise ConfigError(f"dataset {folder} has no reference summaries (<name>.reference.txt)")
    return out


@dataclass
class RunResult:
    version: str
    folder: str
    outputs: dict[str, str]
    latencies: list[float]
    peak_rss_bytes: int
    load_seconds: float
    errors: list[str] = field(default_factory=list)


def run_version(slot_folder: Path, version: str, dataset: Path, task: str = DEFAULT_TASK,
                timeout: float = 1800) -> RunResult:
    """Run one version over the dataset in a fresh subprocess; measure its peak RSS."""
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    cmd = [sys.executable, "-m", "vvai.models.evaluate", str(slot_folder), str(dataset), task]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + timeout
    while True:
        pid, status, rusage = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            p.kill()
            raise VvaiError(f"evaluation of {version} took longer than {timeout:.0f} s")
        time.sleep(0.02)
    out = p.stdout.read().decode() if p.stdout else ""
    err = p.stderr.read().decode() if p.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        last = (err.strip().splitlines() or ["no output"])[-1]
        raise VvaiError(f"version {version} failed during evaluation: {last}")
    res = RunResult(version, str(slot_folder), {}, [], rusage.ru_maxrss * 1024, 0.0)
    for line in out.splitlines():
        rec = json.loads(line)
        if "load_s" in rec:
            res.load_seconds = rec["load_s"]
        elif "error" in rec:
            res.errors.append(f"{rec['name']}: {rec['error']}")
        else:
            res.outputs[rec["name"]] = rec["output"]
            res.latencies.append(rec["latency_s"])
    return res


def _worker(slot_folder: str, dataset: str, task_module: str) -> None:
    """Subprocess body: load the model once, run every sample, one JSON line each."""
    task = importlib.import_module(task_module)
    t0 = time.perf_counter()
    engine = task.load(Path(slot_folder))
    print(json.dumps({"load_s": time.perf_counter() - t0}), flush=True)
    for p in sorted(Path(dataset).glob("*.analytic.json")):
        name = p.name[: -len(".analytic.json")]
        t = time.perf_counter()
        try:
            doc = jsonsafe.load_file(p, what=p.name)
        except ConfigError as e:
            print(json.dumps({"name": name, "error": e.message}), flush=True)
            continue
        try:
            text = task.run(engine, doc)
        except Exception as e:  # a failing sample is reported, not fatal to the evaluation
            print(json.dumps({"name": name, "error": f"{type(e).__name__}: {e}"}), flush=True)
            continue
        print(json.dumps({"name": name, "output": text, "latency_s": time.perf_counter() - t}), flush=True)


# ------------------------------------------------------------------------ the report


def _metrics(run: RunResult, samples: list[Sample]) -> dict[str, float]:
    scored = [rouge_l(run.outputs[s.name], s.reference) for s in samples if s.reference and s.name in run.outputs]
    return {
        "rouge_l": statistics.fmean(scored) if scored else 0.0,
        "latency_p50_s": percentile(run.latencies, 0.50),
        "latency_p95_s": percentile(run.latencies, 0.95),
        "peak_rss_bytes": float(run.peak_rss_bytes),
        "errors": float(len(run.errors)),
    }


def evaluate(root: Path | str | None, candidate: str, dataset: Path, *, baseline: str = "active",
             gates: dict[str, MetricThreshold] | None = None, task: str = DEFAULT_TASK) -> dict[str, Any]:
    store = Store(root)
    samples = load_dataset(dataset)
    cand = store.find(candidate)
    if cand is None:
        raise VvaiError(f"candidate {candidate} is not installed",
                        hint="install it with 'vvai model sync --manifest M --no-activate'")
    if baseline == "active":
        base = store.active()
        if base is None:
            raise VvaiError("no active version to compare with", hint="pass --baseline VERSION")
    else:
        base = store.find(baseline)
        if base is None:
            raise VvaiError(f"baseline {baseline} is not installed")
    slot = (cand.slots or [""])[0]
    runs = {"baseline": run_version(base.folder / slot, base.version, dataset, task),
            "candidate": run_version(cand.folder / slot, cand.version, dataset, task)}
    m = {k: _metrics(r, samples) for k, r in runs.items()}
    gates = gates if gates is not None else default_gates()
    failures: list[str] = []
    if runs["candidate"].errors:
        failures.append(f"candidate failed on {len(runs['candidate'].errors)} sample(s): {runs['candidate'].errors[0]}")
    for name, g in gates.items():
        failures += g.check(name, m["candidate"][name], m["baseline"][name])
    report = {
        "format": "vvai-evaluation/1",
        "evaluated_at": now_rfc3339(),
        "candidate": {"version": cand.version, "folder": cand.folder.name},
        "baseline": {"version": base.version, "folder": base.folder.name},
        "dataset": {"path": str(Path(dataset).absolute()), "samples": len(samples),
                    "with_reference": sum(1 for s in samples if s.reference)},
        "metrics": m,
        "gates": {k: asdict(v) for k, v in gates.items()},
        "passed": not failures,
        "failures": failures,
        "outputs": {k: r.outputs for k, r in runs.items()},
    }
    out = store.internal / "evaluations" / f"{cand.version}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out, report)
    report["report_path"] = str(out)
    return report


def last_evaluation(store: Store, version: str) -> dict[str, Any] | None:
    return read_json(store.internal / "evaluations" / f"{version}.json")


def promote(root: Path | str | None, version: str, *, force: bool = False):
    """Activate ``version`` only if its last evaluation passed against the version active now."""
    from vvai.models import abtest
    from vvai.models.lifecycle import ModelManager

    mgr = ModelManager(root)
    act = mgr.store.active()
    rep = last_evaluation(mgr.store, version)
    reason = None
    if rep is None:
        reason = f"{version} has never been evaluated"
    elif not rep.get("passed"):
        reason = f"the last evaluation of {version} failed its gates: {(rep.get('failures') or ['?'])[0]}"
    elif act is not None and rep["baseline"]["folder"] != act.folder.name:
        reason = (f"{version} was evaluated against {rep['baseline']['version']}, but {act.version} is active now")
    if reason and not force:
        raise VvaiError(f"refusing to promote: {reason}",
                        hint=f"run 'vvai model evaluate --candidate {version} --dataset DIR', or --force")
    iv, prev = mgr.activate(version, reason="promote", forced=bool(reason and force))
    cfg = abtest.load(mgr.store)
    if cfg is not None and cfg.candidate == version:
        abtest.clear(root)
    if reason and force:
        mgr.store.record_event("forced_promotion", version=version, why=reason)
    return iv, prev, reason


if __name__ == "__main__":  # the evaluation subprocess
    _worker(sys.argv[1], sys.argv[2], sys.argv[3])
