"""Changes that errors can be blamed on: a new image for a component (image pull/tag events, a
container recreated from a different image) and a new model version (app.log ``model_version``),
plus errors that name the model (load or inference failures)."""

from __future__ import annotations

import re

from vvai.monitor.detect.context import Context
from vvai.monitor.detect.evidence import ev_app, ev_event
from vvai.monitor.incident import Finding, Severity

MODEL_ERR_RE = re.compile(
    r"model|gguf|ggml|llama|tensor|quantiz|weights|checkpoint|tokenizer|inference|onnx", re.IGNORECASE)
# one line of this is enough: a model that did not load is not noise, even when a hot reload keeps the
# previous version serving (the next restart would start nothing)
MODEL_LOAD_FAILED_RE = re.compile(
    r"\bmodel\b.{0,40}\b(load|loading)\b.{0,20}\b(fail|failed|error)|"
    r"\b(fail|failed|unable|cannot|could not|can't)\b.{0,20}\b(load|loading|open)\b.{0,20}\bmodel\b",
    re.IGNORECASE)


CONFIG_HASH = "com.docker.compose.config-hash"


def _image_changes(ctx: Context) -> list[Finding]:
    out = []
    pulls = [e for e in ctx.bundle.events if e.type == "image" and e.action in ("pull", "tag", "load")]
    for comp in ctx.bundle.all_components():
        evs = [e for e in ctx.bundle.events if e.type == "container" and e.name == comp and e.image]
        if not evs:
            continue
        old = evs[0].image
        old_cfg = evs[0].attrs.get(CONFIG_HASH)
        for e in evs[1:]:
            new_cfg = e.attrs.get(CONFIG_HASH)
            if e.image == old and old_cfg and new_cfg and new_cfg != old_cfg and e.action in ("create", "start"):
                # same image, new compose configuration (environment, command, mounts): a deployment too
                out.append(Finding(kind="new_image", component=comp, ts=e.ts, severity=Severity.info,
                                   evidence=[ev_event(e)],
                                   summary=f"{comp} redeployed with a new configuration "
                                           f"({old_cfg[:8]} -> {new_cfg[:8]})",
                                   attrs={"old_image": f"{old} (config {old_cfg[:12]})",
                                          "new_image": f"{e.image} (config {new_cfg[:12]})",
                                          "deployed_at": e.ts, "config_only": True}))
                break
            if e.image != old:
                pull = next((p for p in pulls if p.attrs.get("name") == e.image or p.raw.find(str(e.image)) >= 0), None)
                ev = ([ev_event(pull)] if pull else []) + [ev_event(e)]
                out.append(Finding(kind="new_image", component=comp, ts=pull.ts if pull else e.ts,
                                   severity=Severity.info, evidence=ev,
                                   summary=f"{comp} redeployed: {old} -> {e.image}",
                                   attrs={"old_image": old, "new_image": e.image, "deployed_at": e.ts}))
                break
    return out


def _model_changes(ctx: Context) -> list[Finding]:
    out = []
    by_comp: dict[str, list] = {}
    for r in ctx.bundle.app_log:
        v = r.data.get("model_version")
        if isinstance(v, str | int | float) and r.ts:
            by_comp.setdefault(r.component, []).append((r.ts, str(v), r))
    for comp, vals in by_comp.items():
        first = vals[0][1]
        for ts, v, r in vals:
            if v != first:
                out.append(Finding(kind="model_change", component=comp, ts=ts, severity=Severity.info,
                                   evidence=[ev_app(vals[0][2]), ev_app(r)],
                                   summary=f"{comp} model {first} -> {v}",
                                   attrs={"old_version": first, "new_version": v}))
                break
    return out


MODEL_LOADED_RE = re.compile(r"\bmodel loaded\b|\bloaded model\b", re.IGNORECASE)


def _failed_load_still_matters(ctx: Context, comp: str, hit) -> bool:
    """One failed model load, no longer true: a later successful load of the component, or the model
    store's active version (bundle.json ``model.version``) back on the version the failure record
    says kept serving (rolled back, or the bad release never activated)."""
    if not MODEL_LOAD_FAILED_RE.search(hit.text):
        return False
    later = [r for r in ctx.bundle.app_log if r.component == comp and r.ts and r.ts > hit.ts]
    if any(r.level in ("INFO", "DEBUG") and MODEL_LOADED_RE.search(r.msg) for r in later):
        return False
    record = next((r for r in ctx.bundle.app_log if r.component == comp and r.ts == hit.ts
                   and MODEL_LOAD_FAILED_RE.search(r.msg)), None)
    serving = record.data.get("model_version") if record is not None else None
    active = ctx.bundle.model.get("version")
    return not (serving is not None and active is not None and str(serving) == str(active))


def _model_errors(ctx: Context) -> list[Finding]:
    out = []
    for comp in ctx.bundle.all_components():
        hits = [e for e in ctx.errors(comp) if e.ts and MODEL_ERR_RE.search(e.text)]
        if len(hits) < 2 and not (hits and _failed_load_still_matters(ctx, comp, hits[0])):
            continue
        out.append(Finding(kind="model_error", component=comp, ts=hits[0].ts, last_ts=hits[-1].ts,
                           severity=Severity.error, evidence=[h.evidence for h in hits[:3]],
                           summary=f"{comp}: {len(hits)} model errors",
                           attrs={"count": len(hits), "texts": [h.text[:300] for h in hits[:20]]}))
    return out


def detect(ctx: Context) -> list[Finding]:
    return _image_changes(ctx) + _model_changes(ctx) + _model_errors(ctx)
