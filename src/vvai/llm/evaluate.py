"""Rules-only and rules+LLM side by side on a scored corpus (``vvai monitor score CORPUS --config C``).

Both columns use the spec's scoring (:mod:`vvai.monitor.diagnose.scoring`); the LLM column also
counts the answers rejected, the calls, the tokens and the latency. ``never_worse`` is true when
no bundle the rules diagnosed right is diagnosed wrong with the LLM.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from vvai.common.errors import ConfigError


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, int(q * len(s)))], 3)


def side_by_side(corpus: str | Path, cfg: Any, kb: Any = None, advisor: Any = None) -> dict[str, Any]:
    from vvai.llm.advisor import build_advisor
    from vvai.monitor.bundle import load_bundle
    from vvai.monitor.diagnose.engine import Diagnoser
    from vvai.monitor.diagnose.scoring import case_category, iter_corpus, score_case, summarize, verify_evidence

    root = Path(corpus)
    if not root.is_dir():
        raise ConfigError(f"corpus {root} is not a folder", hint="pass a folder of bundles with expected.json")
    advisor = advisor or build_advisor(cfg)
    if advisor is None:
        raise ConfigError("[llm] mode is off: nothing to compare", hint="set llm.mode in the config")
    diag = Diagnoser(kb=kb, settings=cfg.detector_settings())
    cols: dict[str, list[dict[str, Any]]] = {"rules": [], "rules+llm": []}
    worse, better, latencies = [], [], []
    rejected = calls = prompt_tokens = completion_tokens = 0
    for path in iter_corpus(root):
        exp_path = path / "expected.json"
        if not exp_path.is_file():
            continue
        expected = json.loads(exp_path.read_text())
        bundle = load_bundle(path)
        rules = diag.diagnose(bundle)
        fused = advisor.advise(bundle, rules)
        block = advisor.last_block
        rejected += len(block.get("rejected", []))
        calls += block.get("calls", 0)
        prompt_tokens += block.get("prompt_tokens", 0)
        completion_tokens += block.get("completion_tokens", 0)
        if block.get("calls"):
            latencies.append(block["latency_s"])
        for name, incs in (("rules", rules), ("rules+llm", fused)):
            r = score_case(incs, expected)
            if path.is_dir():
                bad = verify_evidence(path, incs)
                if bad:
                    r["passed"], r["reasons"] = False, r["reasons"] + bad
            r.update(name=path.name, category=case_category(expected))
            cols[name].append(r)
        a, b = cols["rules"][-1]["passed"], cols["rules+llm"][-1]["passed"]
        if a and not b:
            worse.append(path.name)
        elif b and not a:
            better.append(path.name)
    out: dict[str, Any] = {}
    for name, cases in cols.items():
        s = summarize(cases)
        s["accuracy"] = round(s["passed"] / s["cases"], 3) if s["cases"] else None
        s["false_alarms"] = sum(len(c["fp"]) for c in cases)
        out[name] = s
    out["rules+llm"].update(
        rejected_answers=rejected, calls=calls, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
        latency_p50_s=_pct(latencies, 0.5), latency_p95_s=_pct(latencies, 0.95),
        latency_mean_s=round(statistics.fmean(latencies), 3) if latencies else None)
    out["mode"] = cfg.llm.mode
    out["never_worse"] = not worse
    out["worse"], out["better"] = worse, better
    return out


def render_side_by_side(result: dict[str, Any], console: Any) -> None:
    from rich.table import Table

    r, m = result["rules"], result["rules+llm"]
    t = Table(title=f"rules vs rules+LLM ({result['mode']}): never worse = {result['never_worse']}")
    t.add_column("")
    t.add_column("rules", justify="right")
    t.add_column("rules+LLM", justify="right")
    for key in ("cases", "passed", "accuracy", "false_alarms"):
        t.add_row(key, str(r[key]), str(m[key]))
    for key in ("rejected_answers", "calls", "prompt_tokens", "completion_tokens", "latency_p50_s", "latency_p95_s"):
        t.add_row(key, "", str(m[key]))
    console.print(t)
    for name in result["worse"]:
        console.print(f"[red]WORSE[/red] {name}", markup=True, highlight=False)
    for name in result["better"]:
        console.print(f"[green]BETTER[/green] {name}", markup=True, highlight=False)
