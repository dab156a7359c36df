"""Integrity mismatches: state files (``files/vv-signature.json``, verifier output) or log lines
saying a file does not match its recorded hash or signature."""

from __future__ import annotations

import json
import re

from vvai.monitor.detect.context import Context
from vvai.monitor.detect.digests import file_named, mismatches
from vvai.monitor.detect.evidence import ev_file
from vvai.monitor.incident import Evidence, Finding, Severity

MISMATCH_RE = re.compile(
    r"mismatch|checksum (error|failed)|hash (differs|does not match)|bad signature|signature (invalid|failed|"
    r"verification failed)|invalid signature|tamper|FAILED|MODIFIED|CORRUPT", re.IGNORECASE)
OK_RE = re.compile(r"\b(0|no|zero) (mismatch\w*|failures?|failed|errors?|invalid)\b|all .*\b(ok|match)\b",
                   re.IGNORECASE)


MODEL_FILE_RE = re.compile(r"\.(gguf|ggml|bin|safetensors|onnx|pt|pth|ckpt|model|tflite|tokenizer\.json)$|"
                           r"(^|[/_-])(model|weights|tokenizer|bitnet)[^/]*$", re.IGNORECASE)


def _owner(ctx: Context, name: str | None) -> str:
    """The component that owns a file (spec: a video -> the scanner, a model file -> the summarizer)."""
    role = "scanner"
    if name and (name.endswith(".summary.json") or MODEL_FILE_RE.search(name)):
        role = "summarizer"
    elif name and name.endswith((".log", ".log.gz")):
        role = "exporter"
    got = ctx.by_role(role)
    comps = ctx.bundle.all_components()
    return got[0] if got else (comps[0] if comps else "pipeline")


def _from_json(name: str, data: object) -> list[str]:
    """File names flagged as mismatching in a signature/verifier JSON document."""
    bad: list[str] = []
    if isinstance(data, dict):
        for key in ("mismatches", "mismatched", "failed", "failures", "invalid", "errors"):
            v = data.get(key)
            if isinstance(v, list):
                for item in v:
                    if isinstance(item, str):
                        bad.append(item)
                    elif isinstance(item, dict):
                        f = item.get("file") or item.get("path") or item.get("name")
                        if isinstance(f, str):
                            bad.append(f)
        files = data.get("files")
        if isinstance(files, list | dict):
            items = files.items() if isinstance(files, dict) else ((None, x) for x in files)
            for k, v in items:
                if isinstance(v, dict) and (v.get("ok") is False or str(v.get("status", "")).lower() in
                                            ("mismatch", "failed", "invalid", "modified")):
                    f = v.get("file") or v.get("path") or k
                    if isinstance(f, str):
                        bad.append(f)
    return bad


def detect(ctx: Context) -> list[Finding]:
    bad: list[tuple[str, Evidence]] = []
    for name, raw in sorted(ctx.bundle.files.items()):
        text = raw.decode("utf-8", errors="replace")
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if doc is not None:
            for f in _from_json(name, doc):
                base = f.rsplit("/", 1)[-1]
                ev = ev_file(name, text, f) or ev_file(name, text, base)
                if ev:
                    bad.append((base, ev))
            continue
        for line in text.splitlines():
            if MISMATCH_RE.search(line) and not OK_RE.search(line):
                f = file_named(ctx, line)
                ev = ev_file(name, text, line.strip()[:200])
                if ev and f and f != name:  # a summary line names no file: it is not a mismatch of one
                    bad.append((f.rsplit("/", 1)[-1], ev))
    log_hits = []
    for comp in ctx.bundle.all_components():
        for e in ctx.all_error_text(comp):
            low = e.text.lower()
            if not any(k in low for k in ("sha", "hash", "checksum", "signature")):
                continue
            if re.search(r"(sha-?256|hash|checksum|signature).{0,40}(mismatch|invalid|differ|failed)|"
                         r"(mismatch|invalid).{0,20}(sha-?256|hash|checksum|signature)", e.text, re.IGNORECASE):
                log_hits.append(e)
    known = {f for f, _ in bad}
    bad += [(f, e) for f, e in mismatches(ctx) if f not in known]
    if not bad and len(log_hits) < 2:
        return []
    first = bad[0][0] if bad else (log_hits[0].file or None)
    files = list(dict.fromkeys(f for f, _ in bad))
    ev = [e for _, e in bad[:3]] + [h.evidence for h in log_hits[:2]]
    ts = min((h.ts for h in log_hits if h.ts), default=None) or ctx.end or ctx.start
    return [Finding(kind="integrity_mismatch", component=_owner(ctx, first), file=first, ts=ts,
                    severity=Severity.critical, evidence=ev,
                    summary=f"{len(files) or len(log_hits)} file(s) do not match their recorded hash/signature",
                    attrs={"count": len(files) or len(log_hits), "files": files[:20]})]
