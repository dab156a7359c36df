"""Operator feedback on summaries, per model version: find a video's summary, export corrections.

A rating is kept with the model version that wrote the summary (every ``<video>.summary.json``
records ``model.name`` and ``model.version``). Where ratings are stored is the caller's business
(the monitor's history); this module only reads summaries and writes the reference set that
``vvai model evaluate --dataset`` reads: ``<name>.analytic.json`` + ``<name>.reference.txt``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from vvai.common import jsonsafe
from vvai.common.atomic import atomic_write_text
from vvai.common.errors import ConfigError, VvaiError
from vvai.pipeline.layout import video_stem

SUMMARY_SUFFIX = ".summary.json"
ANALYTIC_SUFFIX = ".analytic.json"


class SummaryNotFound(VvaiError):
    """No summary file for that video."""


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")


def _candidates(processed: Path, video: str) -> list[Path]:
    name = video.strip()
    for suffix in (SUMMARY_SUFFIX, ANALYTIC_SUFFIX):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return [processed / f"{name}{SUMMARY_SUFFIX}", processed / f"{video_stem(name)}{SUMMARY_SUFFIX}"]


def read_summary(path: Path) -> dict[str, Any]:
    try:
        doc = jsonsafe.load_file(path, what=path.name)
    except ConfigError as e:
        raise VvaiError(f"{path.name}: unreadable summary: {e.message}") from None
    if not isinstance(doc, dict):
        raise VvaiError(f"{path.name}: not a summary object")
    return doc


def summary_record(processed: Path, video: str) -> dict[str, Any]:
    """``{video, stem, path, model_name, model_version, summary}`` of one video's summary."""
    if not _NAME.match(video.strip()) or ".." in video or "/" in video:
        raise ConfigError(f"{video!r} is not a video name", hint="give the video's file name, e.g. cam3_0001.mp4")
    for p in _candidates(Path(processed), video):
        if p.is_file():
            doc = read_summary(p)
            model = doc.get("model") if isinstance(doc.get("model"), dict) else {}
            return {"video": str(doc.get("video") or video), "stem": p.name[: -len(SUMMARY_SUFFIX)],
                    "path": str(p), "model_name": str(model.get("name") or ""),
                    "model_version": str(model.get("version") or ""), "summary": str(doc.get("summary") or ""),
                    "created": doc.get("created")}
    raise SummaryNotFound(f"no summary for {video!r} in {processed}", hint="list them on the console's summaries page")


def list_summaries(processed: Path, limit: int = 500) -> list[dict[str, Any]]:
    """The newest summaries in ``processed`` (by mtime), each as :func:`summary_record` gives it."""
    processed = Path(processed)
    try:
        files = sorted(processed.glob(f"*{SUMMARY_SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return []
    out = []
    for p in files[:limit]:
        try:
            out.append(summary_record(processed, p.name[: -len(SUMMARY_SUFFIX)]))
        except VvaiError:
            continue
    return out


def export_reference_set(corrections: Iterable[dict[str, Any]], processed: Path, out: Path) -> list[str]:
    """Write ``<stem>.analytic.json`` + ``<stem>.reference.txt`` for each corrected summary (newest wins).

    ``corrections`` are rows with ``video`` and ``corrected``; a video whose analytic file is not
    in ``processed`` any more is skipped. Returns the stems written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    latest: dict[str, str] = {}
    for row in corrections:
        if row.get("corrected"):
            latest[str(row["video"])] = str(row["corrected"])
    written = []
    for video, text in sorted(latest.items()):
        try:
            rec = summary_record(Path(processed), video)
        except VvaiError:
            continue
        stem = rec["stem"]
        analytic = Path(processed) / f"{stem}{ANALYTIC_SUFFIX}"
        if not analytic.is_file():
            continue
        shutil.copyfile(analytic, out / f"{stem}{ANALYTIC_SUFFIX}")
        atomic_write_text(out / f"{stem}.reference.txt", text.strip() + "\n")
        written.append(stem)
    return written
