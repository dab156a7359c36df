"""model_failure: after a model change the model does not load, or loads but every output is unusable."""
from __future__ import annotations

from datetime import timedelta

from .. import naming, tools
from ..flow import SUMM, Flow
from .common import p50 as _p50
from .registry import DANGEROUS, restart_others, variant


def _model_change(site, t, lg, level="info"):
    b = site.b
    m = b.meta["model"]
    root = "/opt/vv-video-ai-system/models"
    lg(t, "info", f".model_updated_flag changed: {m['previous_version']} -> {m['version']}")
    b.app_log(t, level, SUMM, "model update detected", model_version=m["version"],
              previous_version=m["previous_version"], path=f"{root}/active")


def _parse_failures(site, style: str):
    b, rng = site.b, site.rng
    t0 = b.start + timedelta(minutes=rng.uniform(6, 15))
    f = Flow(site, summ_p50=_p50(site), summarizer_stop=t0)
    f.simulate()
    lg, ver = site.lg(SUMM), b.meta["model"]["version"]
    _model_change(site, t0 - timedelta(seconds=20), lg, f.lvl("info"))
    lg(t0 - timedelta(seconds=8), "info", f"model BitNet-4bit-Summarizer {ver} loaded in {rng.uniform(3, 9):.1f}s")
    b.app_log(t0 - timedelta(seconds=8), f.lvl("info"), SUMM, "model loaded", model_version=ver,
              load_seconds=round(rng.uniform(3, 9), 2))
    todo = sorted((v for v in f.videos if v.scanned and not v.summarized), key=lambda v: v.scanned)
    t = t0
    for n, v in enumerate(todo):
        t = max(t, v.scanned + timedelta(seconds=3)) + timedelta(seconds=_p50(site) * rng.uniform(0.8, 1.2))
        if t >= b.end:
            break
        an = naming.analytic(v.name)
        lg(t - timedelta(seconds=4), "info", f"picked {an}")
        if style == "truncated":
            col = rng.randrange(60, 400)
            err = f"Unterminated string starting at: line 1 column {col} (char {col - 1})"
            msg = f"model output for {an} is not valid JSON (finish_reason=length, 512 tokens): {err}"
            lg(t, "error", msg, evidence=(n == 0))
        elif style == "json":
            err = "Expecting value: line 1 column 1 (char 0)"
            msg = f"could not parse model output for {an}: {err}"
            lg(t, "error", msg, evidence=(n == 0))
            lg(t, "debug", "raw output: '<|im_start|>assistant\\n<|im_start|>assistant\\n<|im_start|>'")
        else:
            msg = f"summary for {an} rejected: 1 validation error for SceneSummary"
            lg(t, "error", msg, evidence=(n == 0))
            lg.raw(t, "scenes\n  Field required [type=missing, input_value={'text': ' , , , , , , ,'}, "
                      "input_type=dict]\n    For further information visit https://errors.pydantic.dev/2.7/v/missing")
        b.app_log(t, f.lvl("error"), SUMM, "inference output unparseable", file=an, model_version=ver,
                  evidence=(n == 0))

    f.emit()
    errs = 0
    for tt in _ticks(site, (29, 31)):
        if tt > t0:
            errs += rng.randint(0, 2)
        b.metric(tt, "vv_summarizer_errors_total", {"component": SUMM, "model_version": ver, "kind": "parse"}, errs)
    b.incident("model_failure", SUMM, ["alert", "rollback_model", "suggest_rollback"],
               DANGEROUS + ["quarantine"] + restart_others(site, SUMM))


def _ticks(site, step):
    t, out = site.b.start, []
    while t < site.b.end:
        out.append(t)
        t += timedelta(seconds=site.rng.uniform(*step))
    return out


@variant("model_failure", "loads-but-unparseable-json", priority=2)
def mf_json(site):
    _parse_failures(site, "json")


@variant("model_failure", "loads-but-truncated-json", priority=2)
def mf_trunc_json(site):
    _parse_failures(site, "truncated")


@variant("model_failure", "loads-but-schema-invalid", splits=("heldout",))
def mf_schema(site):
    _parse_failures(site, "pydantic")


def _load_failure(site, kind: str):
    """The new version fails to load; the old one keeps serving (or nothing serves if none was loaded)."""
    b = site.b
    f = Flow(site, summ_p50=_p50(site))
    f.simulate()
    lg, m = site.lg(SUMM), b.meta["model"]
    path = f"/opt/vv-video-ai-system/models/versions/{m['version']}/bitnet/bitnet-b1.58-2b-q4_0.gguf"
    for i, t in enumerate(_ticks(site, (300, 600))[1:]):
        _model_change(site, t - timedelta(seconds=2), lg, f.lvl("info"))
        lines = tools.llama_load_failure(path, kind)
        for ln in lines:
            lg.raw(t, ln)
        if i == 0:
            b.mark(f"logs/{SUMM}.log", lines[-2] if len(lines) > 1 else lines[0])
        lg(t + timedelta(milliseconds=5), "error",
           f"model {m['version']} failed to load, still serving {m['previous_version']}", evidence=(i == 0))
        b.app_log(t, f.lvl("error"), SUMM, "model load failed", model_version=m["version"],
                  serving_version=m["previous_version"], evidence=(i == 0))
    f.emit()
    b.incident("model_failure", SUMM, ["alert", "rollback_model", "suggest_rollback"],
               DANGEROUS + ["quarantine"] + restart_others(site, SUMM))


@variant("model_failure", "load-invalid-magic")
def mf_magic(site):
    _load_failure(site, "magic")


@variant("model_failure", "load-unknown-arch")
def mf_arch(site):
    _load_failure(site, "arch")


@variant("model_failure", "load-truncated", splits=("heldout",))
def mf_trunc(site):
    _load_failure(site, "truncated")
