"""integrity_mismatch: a file next to two different hashes, in whichever format the verifier wrote."""
from __future__ import annotations

from datetime import timedelta

from .. import statefiles
from ..flow import SCAN, SUMM, Flow
from .common import p50 as _p50
from .common import sha as _h
from .registry import DANGEROUS, restart_others, variant


# -- integrity_mismatch -----------------------------------------------------------------------
def _integrity_video(site, fmt: str):
    b, rng = site.b, site.rng
    f = Flow(site, summ_p50=_p50(site))
    f.simulate()
    cands = [v for v in f.videos if v.scanned and f.in_window(v.scanned)]
    bad = rng.choice(cands[: max(1, len(cands) // 2)])
    t = min(b.end - timedelta(minutes=2), bad.scanned + timedelta(minutes=rng.uniform(2, 10)))
    entries = [(v.name, _h(v.name), _h(v.name)) for v in cands[:12]]
    entries = [(n, e, _h("tampered" + n) if n == bad.name else a) for n, e, a in entries]
    if bad.name not in [e[0] for e in entries]:
        entries.append((bad.name, _h(bad.name), _h("tampered" + bad.name)))
    b.file("vv-signature.json", statefiles.signature_manifest([(n, e, 1) for n, e, _ in entries], t, site.tz))
    if fmt == "verify-log":
        text = statefiles.verify_log(t, site.tz, entries)
        b.file("verify.log", text, evidence=next(ln for ln in text.splitlines() if ln.startswith("MISMATCH")))
    elif fmt == "sha256sum":
        text = statefiles.sha256sum_check(entries)
        b.file("SHA256SUMS.check", text, evidence=f"{bad.name}: FAILED")
    else:   # an app.log record from the verifier cron job
        b.app_log(t, f.lvl("error"), "logline_verifier", "verify failed", file=bad.name,
                  sha256_expected=_h(bad.name), sha256_actual=_h("tampered" + bad.name), evidence=True)
    f.emit()
    b.incident("integrity_mismatch", SCAN, ["alert", f"quarantine:{bad.name}"],
               DANGEROUS + ["rollback_model"] + restart_others(site, SCAN), file=bad.name)


@variant("integrity_mismatch", "video-verify-log")
def integ_verify_log(site):
    _integrity_video(site, "verify-log")


@variant("integrity_mismatch", "video-applog-verify-failed")
def integ_applog(site):
    _integrity_video(site, "applog")


@variant("integrity_mismatch", "video-sha256sum", splits=("heldout",))
def integ_sha256sum(site):
    _integrity_video(site, "sha256sum")


MODEL_FILES = [("bitnet-b1.58-2b-q4_0.gguf", 1_187_000_000), ("tokenizer.json", 2_113_710),
               ("config.json", 1_204), ("generation_config.json", 187)]


def _integrity_model(site, fmt: str):
    b, rng = site.b, site.rng
    f = Flow(site, summ_p50=_p50(site))
    f.simulate()
    ver = b.meta["model"]["version"]
    bad = rng.choice(MODEL_FILES[:2])[0]
    t = b.start + timedelta(minutes=rng.uniform(10, 40))
    entries = [(n, _h(n + ver), _h("bitrot" + n) if n == bad else _h(n + ver), s) for n, s in MODEL_FILES]
    if fmt == "json-report":
        text = statefiles.model_hash_report(t, site.tz, ver, entries)
        b.file("model_verify.json", text, evidence=f"versions/{ver}/bitnet/{bad}")
    elif fmt == "sha256sum":
        text = statefiles.sha256sum_check([(f"bitnet/{n}", e, a) for n, e, a, _ in entries])
        b.file("model.sha256sum.out", text, evidence=f"bitnet/{bad}: FAILED")
    else:
        b.app_log(t, f.lvl("error"), SUMM, "verify failed", file=bad, model_version=ver,
                  sha256_expected=_h(bad + ver), sha256_actual=_h("bitrot" + bad), evidence=True)
    f.emit()
    b.incident("integrity_mismatch", SUMM, ["alert", "rollback_model", "suggest_rollback"],
               DANGEROUS + ["quarantine"] + restart_others(site, SUMM), file=bad)


@variant("integrity_mismatch", "model-json-report")
def integ_model_json(site):
    _integrity_model(site, "json-report")


@variant("integrity_mismatch", "model-applog-verify-failed")
def integ_model_applog(site):
    _integrity_model(site, "applog")


@variant("integrity_mismatch", "model-sha256sum", splits=("heldout",))
def integ_model_sha(site):
    _integrity_model(site, "sha256sum")
