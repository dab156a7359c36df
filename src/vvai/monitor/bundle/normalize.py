"""Record hygiene: detectors trust the shapes these functions leave.

A field of the wrong type is dropped (and counted), never guessed; a JSON line that is not an
object is skipped and counted. Each cleaner returns ``(record or None, fields dropped)``.
"""

from __future__ import annotations

import json
from typing import Any

MAX_LINE = 65536  # longer lines are cut (a prefix stays a verbatim substring of the line)


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _clean_stat(rec: dict) -> tuple[dict | None, int]:
    if not isinstance(rec.get("component"), str) or not rec["component"]:
        return None, 0
    out, n = dict(rec), 0
    for k in ("cpu_percent", "mem_bytes", "mem_limit_bytes", "restart_count"):
        if k in out and not _num(out[k]):
            del out[k]
            n += 1
    if "restart_count" in out:
        out["restart_count"] = int(out["restart_count"])
    if "oom_killed" in out and not isinstance(out["oom_killed"], bool):
        del out["oom_killed"]
        n += 1
    if "status" in out and not isinstance(out["status"], str):
        del out["status"]
        n += 1
    return out, n


def _clean_metric(rec: dict) -> tuple[dict | None, int]:
    if not isinstance(rec.get("name"), str) or not _num(rec.get("value")):
        return None, 0
    out = dict(rec)
    if not isinstance(out.get("labels"), dict):
        out["labels"] = {}
        return out, 1
    return out, 0


def _clean_snapshot(rec: dict) -> tuple[dict | None, int]:
    out, n = dict(rec), 0
    dirs = rec.get("dirs")
    clean_dirs: dict[str, list[dict]] = {}
    if isinstance(dirs, dict):
        for folder, entries in dirs.items():
            if not isinstance(entries, list):
                n += 1
                continue
            good = []
            for e in entries:
                if isinstance(e, dict) and isinstance(e.get("name"), str):
                    if "size" in e and not _num(e["size"]):
                        e = {k: v for k, v in e.items() if k != "size"}
                        n += 1
                    good.append(e)
                else:
                    n += 1
            clean_dirs[str(folder)] = good
    elif dirs is not None:
        n += 1
    out["dirs"] = clean_dirs
    disk = rec.get("disk")
    if disk is not None and not (isinstance(disk, dict) and _num(disk.get("total_bytes")) and disk["total_bytes"] > 0
                                 and _num(disk.get("free_bytes"))):
        out.pop("disk", None)
        n += 1
    return out, n


CLEANERS = {"stats.jsonl": _clean_stat, "metrics.jsonl": _clean_metric, "pipeline.jsonl": _clean_snapshot}


def json_lines(source: str, lines: list[str], problems: list[str]) -> tuple[list[dict], list[str]]:
    recs: list[dict] = []
    raws: list[str] = []
    bad = 0
    for line in lines:
        if not line.strip():
            continue
        if len(line) > MAX_LINE:
            problems.append(f"{source}: a {len(line)}-char line skipped")
            continue
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError):  # RecursionError: a line of deeply nested brackets
            bad += 1
            continue
        if not isinstance(rec, dict):
            bad += 1
            continue
        recs.append(rec)
        raws.append(line)
    if bad:
        problems.append(f"{source}: {bad} line(s) are not JSON objects (malformed JSON), skipped")
    return recs, raws
