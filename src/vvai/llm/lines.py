"""The bundle as the lines of its sources, as they sit in the files: what evidence must quote.

``source_lines(bundle)`` maps each source name (``logs/scene_scanner.log``, ``events.jsonl``,
``files/vv-signature.json``...) to its lines. A container log line keeps its docker timestamp, so
quoting either the whole line or only the message is grounded, exactly as for the rules.
"""

from __future__ import annotations

from typing import Any


def source_lines(bundle: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, lines in bundle.logs.items():
        out[f"logs/{name}.log"] = [f"{ln.ts_raw} {ln.text}" if ln.ts_raw else ln.text for ln in lines]
    if bundle.app_log:
        out["logs/app.log"] = [r.raw for r in bundle.app_log]
    for src, recs in (("events.jsonl", bundle.events), ("stats.jsonl", bundle.stats),
                      ("metrics.jsonl", bundle.metrics), ("pipeline.jsonl", bundle.pipeline)):
        if recs:
            out[src] = [r.raw for r in recs]
    for name, data in bundle.files.items():
        key = name if name.startswith("files/") else f"files/{name}"
        out[key] = data.decode("utf-8", errors="replace").splitlines()
    return out


def is_grounded(text: str, lines: list[str]) -> bool:
    """``text`` is a verbatim substring of one line."""
    return any(text in line for line in lines)
