"""Hash mismatches read by meaning, whatever tool wrote them: a file named next to two different
digests (an expected and an actual sha256, a recorded and a computed md5...) is a mismatch.

Sources: every state file in ``files/`` (JSON documents walked recursively, text line by line),
every ``app.log`` record (its extra keys count: ``sha256_expected`` / ``sha256_actual``), every
container log line. Two equal digests, or one, say nothing. Evidence is the verbatim line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from vvai.monitor.detect.context import Context
from vvai.monitor.detect.evidence import clip, ev_app, ev_file, ev_line
from vvai.monitor.incident import Evidence

HEX_RE = re.compile(r"(?<![0-9A-Za-z])(?:sha\d*[:=-])?([0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|"
                    r"[0-9a-fA-F]{128})(?![0-9A-Za-z])")
# a file-like token: a name with an extension (not a bare digest, not a version number)
NAME_RE = re.compile(r"(?<![\w.\-/])(/?(?:[\w.\-]+/)*[\w\-][\w.\-]*?\.(?:[A-Za-z][A-Za-z0-9]{0,11})"
                     r"(?:\.[A-Za-z]{1,5})?)(?![\w\-])")
FILE_KEYS = ("file", "path", "name", "filename", "file_name", "artifact", "target", "object", "key", "model_file")
# two digests on one line mean a mismatch only when the line talks about checking (a model update
# log naming the old and the new artifact's sha256 is not a mismatch)
CHECK_RE = re.compile(r"mismatch|differ|!=|expected|actual|\bgot\b|\bwant|computed|calculated|recorded|"
                      r"verif|checksum|does ?n[o']t match|corrupt|tamper|invalid|fail|\bbad\b|observed|on.disk",
                      re.IGNORECASE)
CHECK_KEY_RE = re.compile(r"expect|actual|record|comput|calculat|want|got|observ|stored|current|on_?disk|manifest|"
                          r"declared|measured", re.IGNORECASE)
_NOT_FILES = re.compile(r"^(?:[\d.]+|[\w-]+\.(?:com|org|net|io|local|internal|svc))$", re.IGNORECASE)


def _digests(text: str) -> list[str]:
    return [m.group(1).lower() for m in HEX_RE.finditer(text)]


def _conflict(digests: list[str]) -> bool:
    """Two different digests of the same length (same algorithm)."""
    by_len: dict[int, set[str]] = {}
    for d in digests:
        by_len.setdefault(len(d), set()).add(d)
    return any(len(v) >= 2 for v in by_len.values())


def known_names(ctx: Context) -> list[str]:
    """File basenames the bundle itself knows (folder snapshots, app.log ``file`` keys, the keys and
    file fields of JSON state files), longest first: names with spaces and parentheses
    (``cam-07 2026-09-04 16h50 (3).mp4``) are found in free text by these, not by a pattern."""
    key = ("known_names",)
    if key in ctx._cache:
        return ctx._cache[key]
    names: set[str] = set()
    for snap in ctx.bundle.pipeline[-1:] + ctx.bundle.pipeline[:1]:
        for entries in (snap.data.get("dirs") or {}).values():
            names.update(e["name"] for e in entries or [] if isinstance(e, dict) and isinstance(e.get("name"), str))
    names.update(r.file.rsplit("/", 1)[-1] for r in ctx.bundle.app_log if r.file)
    for raw in ctx.bundle.files.values():
        doc = _json_doc(raw.decode("utf-8", errors="replace"))
        if doc is not None:
            names.update(n for n, _ in _walk(doc))
            if isinstance(doc, dict):
                for v in doc.values():
                    if isinstance(v, dict):
                        names.update(k.rsplit("/", 1)[-1] for k in v if isinstance(k, str) and "." in k)
    out = sorted((n for n in names if len(n) > 4), key=len, reverse=True)
    ctx._cache[key] = out
    return out


def file_named(ctx: Context, text: str, digests: list[str] = ()) -> str | None:
    """The file a line talks about: the longest name the bundle knows, else a name-like token."""
    for n in known_names(ctx):
        if n in text:
            return n
    return _file_in(text, list(digests))


def _file_in(text: str, digests: list[str]) -> str | None:
    for m in NAME_RE.finditer(text):
        name = m.group(1).strip()
        base = name.rsplit("/", 1)[-1]
        if base.lower() in digests or _NOT_FILES.match(base) or HEX_RE.fullmatch(base.split(".")[0] or ""):
            continue
        return base
    return None


def _walk(node: object, path: tuple = ()) -> Iterator[tuple[str, list[str]]]:
    """(file name, digests) for every JSON object that names one file and holds digests."""
    if isinstance(node, dict):
        digests = [d for k, v in node.items() if isinstance(v, str) and CHECK_KEY_RE.search(str(k))
                   for d in _digests(v) if HEX_RE.fullmatch(v.strip().split(":")[-1])]
        name = next((v for k, v in node.items() if str(k).lower() in FILE_KEYS and isinstance(v, str) and v), None)
        if name is None and path and isinstance(path[-1], str) and "." in path[-1] and not HEX_RE.fullmatch(path[-1]):
            name = path[-1]  # {"files": {"model.gguf": {"expected": ..., "actual": ...}}}
        if name and digests:
            yield name.rsplit("/", 1)[-1], digests
        for k, v in node.items():
            yield from _walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, path + (i,))


def _json_doc(text: str) -> object | None:
    t = text.lstrip()
    if not t.startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def mismatches(ctx: Context) -> list[tuple[str, Evidence]]:
    """(file basename, verbatim evidence) for every file named next to two different digests."""
    out: list[tuple[str, Evidence]] = []
    seen: set[str] = set()

    def add(name: str, ev: Evidence | None) -> None:
        if ev is not None and name not in seen:
            seen.add(name)
            out.append((name, ev))

    for fname, raw in sorted(ctx.bundle.files.items()):
        text = raw.decode("utf-8", errors="replace")
        doc = _json_doc(text)
        if doc is not None:
            for name, digests in _walk(doc):
                if _conflict(digests):
                    needle = next((d for d in digests if d in text.lower()), name)
                    add(name, ev_file(fname, text, name) or ev_file(fname, text, needle))
            continue
        for line in text.splitlines():
            ds = _digests(line)
            if len(ds) >= 2 and _conflict(ds) and CHECK_RE.search(line):
                name = file_named(ctx, line, ds)
                if name:
                    i = line.find(name)
                    add(name, Evidence(source=f"files/{fname}", ts=None, text=clip(line.rstrip("\r"), max(0, i - 40))))
    for r in ctx.bundle.app_log:
        ds = _digests(r.raw)
        if len(ds) >= 2 and _conflict(ds) and CHECK_RE.search(r.raw):
            name = r.file or file_named(ctx, r.raw, ds)
            if name:
                add(name.rsplit("/", 1)[-1], ev_app(r))
    for comp in ctx.bundle.all_components():
        for ln in ctx.bundle.log_lines(comp):
            if len(ln.text) < 64 or not HEX_RE.search(ln.text):
                continue
            ds = _digests(ln.text)
            if len(ds) >= 2 and _conflict(ds) and CHECK_RE.search(ln.text):
                name = file_named(ctx, ln.text, ds)
                if name:
                    add(name, ev_line(ln))
    return out
