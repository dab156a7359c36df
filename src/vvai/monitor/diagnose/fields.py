"""The fields a knowledge-base template may use, each made and documented here.

A signature's ``root_cause`` and its actions' ``target``/``when`` name fields as ``{name}``
(see :mod:`.render`: plain names only). The values of one incident are, in this order:

1. every attribute of the trigger finding, by its name (``{count}``, ``{minutes}``, ...: the
   detector that makes that finding kind documents them in its ``attrs``);
2. ``req_<kind>_<attr>``: each attribute of each required finding (first one wins);
3. the fields of :data:`FIELDS` below, computed by :func:`template_values` (general ones for
   every trigger, and the per-kind ones of :data:`KIND_FIELDS` for that trigger's kind).

A missing value renders as ``?``; an action whose target still holds ``?`` or is empty is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from vvai.common.folders import CLEANABLE_FOLDERS
from vvai.common.sizes import fmt_bytes
from vvai.monitor.detect.context import Context
from vvai.monitor.incident import Finding

INPUT_FILE_RE = re.compile(r"\.(mp4|mkv|avi|mov|ts|webm|m4v|flv|h264|h265|hevc|mpg|mpeg|3gp|analytic\.json)$",
                           re.IGNORECASE)

#: Every computed field, with what it holds. A test checks the built-in templates use only these
#: or attributes the detectors really set.
FIELDS: dict[str, str] = {
    "component": "the culprit: the trigger finding's component",
    "file": "the file involved: the trigger's, else that of a `file_from` finding (may be empty)",
    "role": "the culprit's role: scanner, summarizer, exporter or other",
    "image": "the culprit's image from bundle.json (may be empty)",
    "mem_limit": "the culprit's memory limit for people ('1.0 GB'), or 'configured' when unknown",
    "cpus": "the culprit's CPU limit ('0.5'), or '?'",
    "req_delay_text": "minutes from the trigger to the first required finding ('12 min'); with requires only",
    "hours_text": "how long the trigger lasted: '40 min' under 1.5 h, else '3.2 h'",
    "size_text": "', <size>' of the file (from the trigger or a poison_input finding), or ''",
    "file_text": "' while processing <file> (<size>)', or '' without a file",
    "input_file": "the file when it is a pipeline input (a video or an .analytic.json) that a quarantine may "
                  "move, else empty: a model file is never quarantined",
    "top_error": "the culprit's most telling error line (a crash loop's last text, else its first "
                 "error line, else the top template, else the finding's summary), at most 200 chars",
    "exit_codes_text": "the exit codes seen, comma-separated, or '?'",
    "dependents_text": "the components that depend on the culprit ('a and b'), or 'its dependents'",
    "in_bundle": "true when the culprit is a container of this bundle (restartable here)",
    "model_name": "the summarizer model's name from bundle.json, or 'model'",
    "model_version": "the model version involved: a model_change finding's new version, else the "
                     "trigger's new_version, else bundle.json's",
    "previous_model_version": "the version before it (a model_change's old one, else bundle.json's "
                              "previous_version); empty when unknown",
    "model_change_text": "' (updated from <previous>)' when the model changed, else ''",
    "down_text": "' (it has not been running for N min)' when the culprit is also down, else ''",
    "mean_percent": "a saturation finding's mean use in percent ('93'); triggers with mean_fraction",
    # disk_full only
    "used_percent": "disk_full: used share of the disk in percent, one decimal",
    "free_text": "disk_full: free bytes for people ('1.2 GB')",
    "biggest_text": "disk_full: '; <folder>/ holds <size>' for the biggest folder, or ''",
    "cleanup_folder": "disk_full: the biggest folder a cleanup may free (common.folders.CLEANABLE_FOLDERS), "
                      "or empty when none holds anything",
}


def _general(ctx: Context, trig: Finding, required: list[Finding], used: list[Finding],
             file: str | None) -> dict[str, Any]:
    b = ctx.bundle
    spec = b.components.get(trig.component)
    v: dict[str, Any] = {}
    v.update(component=trig.component, file=file, role=ctx.roles.get(trig.component, "other"),
             image=spec.image if spec else None,
             mem_limit=fmt_bytes(spec.mem_limit_bytes) if spec and spec.mem_limit_bytes else "configured",
             cpus=f"{spec.cpus:g}" if spec and spec.cpus else "?")
    if required:
        starts = []
        for f in required:
            times = [t for t in (f.attrs.get("times") or []) if t >= trig.ts]
            starts.append(times[0] if times else f.ts)
        delay = (min(starts) - trig.ts).total_seconds() / 60
        v["req_delay_text"] = f"{max(delay, 0):.0f} min"
    hours = max((trig.end - trig.ts).total_seconds() / 3600, 0)
    v["hours_text"] = f"{hours * 60:.0f} min" if hours < 1.5 else f"{hours:.1f} h"
    size = trig.attrs.get("size_bytes")
    poison = next((f for f in used if f.kind == "poison_input" and f.file == file), None)
    if size is None and poison:
        size = poison.attrs.get("size_bytes")
    v["size_text"] = f", {fmt_bytes(size)}" if size else ""
    v["input_file"] = file if file and INPUT_FILE_RE.search(file) else None
    v["file_text"] = (f" while processing {file}" + (f" ({fmt_bytes(size)})" if size else "")) if file else ""
    errs = [e.text for e in ctx.errors(trig.component) if e.text.strip()]
    texts = trig.attrs.get("texts") or []
    top = (texts[-1] if texts and trig.kind == "crash_loop" else None) or (errs[0] if errs else None) \
        or trig.attrs.get("top_template") or trig.summary
    v["top_error"] = " ".join(str(top).split())[:200]
    codes = trig.attrs.get("exit_codes") or []
    v["exit_codes_text"] = ", ".join(str(c) for c in codes) or "?"
    deps = trig.attrs.get("dependents") or []
    v["dependents_text"] = " and ".join(deps) or "its dependents"
    v["in_bundle"] = bool(trig.attrs.get("in_bundle"))
    model = b.model or {}
    v["model_name"] = model.get("name") or "model"
    v["model_version"] = trig.attrs.get("new_version") or model.get("version") or ""
    v["previous_model_version"] = model.get("previous_version")
    mc = next((f for f in used if f.kind == "model_change"), None)
    if mc:
        v["model_version"] = mc.attrs.get("new_version")
        v["previous_model_version"] = mc.attrs.get("old_version") or v["previous_model_version"]
    v["model_change_text"] = (f" (updated from {v['previous_model_version']})"
                              if mc or (model.get("previous_version") and model.get("version") !=
                                        model.get("previous_version")) else "")
    down = next((f for f in used if f.kind == "component_down" and f.component == trig.component), None)
    v["down_text"] = (f" (it has not been running for {down.attrs.get('minutes', 0):.0f} min)" if down else "")
    if "mean_fraction" in trig.attrs:
        v["mean_percent"] = f"{trig.attrs['mean_fraction'] * 100:.0f}"
    return v


def _disk_full(trig: Finding) -> dict[str, Any]:
    sizes = trig.attrs.get("folder_bytes") or {}
    biggest = trig.attrs.get("biggest_folder")
    cleanable = {k: s for k, s in sizes.items() if k in CLEANABLE_FOLDERS and s > 0}
    return {"used_percent": f"{trig.attrs.get('used_fraction', 0) * 100:.1f}",
            "free_text": fmt_bytes(trig.attrs.get("free_bytes")),
            "biggest_text": f"; {biggest}/ holds {fmt_bytes(sizes.get(biggest))}" if biggest else "",
            "cleanup_folder": max(cleanable, key=cleanable.get) if cleanable else None}


#: Fields only some trigger kinds have: kind -> function of the trigger finding.
KIND_FIELDS: dict[str, Callable[[Finding], dict[str, Any]]] = {"disk_full": _disk_full}


def template_values(ctx: Context, trig: Finding, required: list[Finding], used: list[Finding],
                    file: str | None) -> dict[str, Any]:
    """The values an incident's templates are rendered with (see the module docstring)."""
    v: dict[str, Any] = dict(trig.attrs)
    general = _general(ctx, trig, required, used, file)
    for key in ("component", "file", "role", "image", "mem_limit", "cpus"):
        v[key] = general.pop(key)
    for f in required:
        for k, val in f.attrs.items():
            v.setdefault(f"req_{f.kind}_{k}", val)
    v.update(general)
    if trig.kind in KIND_FIELDS:
        v.update(KIND_FIELDS[trig.kind](trig))
    return v
