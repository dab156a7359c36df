"""Writing a bundle to disk: a folder (appears complete or not at all) or a ``.tar.gz``.

:class:`Parts` holds a bundle's records in their on-disk shapes (the arguments of
``Bundle.from_records`` plus what was watched); ``write_bundle`` writes them, refusing to
overwrite, and ``Parts.bundle()`` gives the in-memory bundle the diagnosis reads.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vvai.common.atomic import atomic_write_bytes, fsync_dir
from vvai.common.errors import VvaiError
from vvai.monitor.bundle.types import Bundle, record_line

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class Parts:
    """The arguments of ``Bundle.from_records``, plus what was watched."""

    meta: dict[str, Any]
    events: list[dict] = field(default_factory=list)
    container_logs: dict[str, list[str]] = field(default_factory=dict)
    app_log: list[str] = field(default_factory=list)
    stats: list[dict] = field(default_factory=list)
    metrics: list[dict] = field(default_factory=list)
    pipeline: list[dict] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    watched: set[str] = field(default_factory=set)

    def bundle(self) -> Bundle:
        return Bundle.from_records(self.meta, self.events, self.container_logs, self.app_log, self.stats,
                                   self.metrics, self.pipeline, self.files, self.problems, watched=self.watched)


def _jsonl(items: list[dict]) -> bytes:
    return "".join(record_line(i) + "\n" for i in items).encode()


def bundle_files(parts: Parts) -> dict[str, bytes]:
    """Relative path -> bytes of the bundle's files (only the watched optional ones)."""
    out = {"bundle.json": (json.dumps(parts.meta, indent=2, ensure_ascii=False) + "\n").encode()}
    w = parts.watched
    for name, items in (("events.jsonl", parts.events), ("stats.jsonl", parts.stats),
                        ("metrics.jsonl", parts.metrics), ("pipeline.jsonl", parts.pipeline)):
        if items or name in w:
            out[name] = _jsonl(items)
    if parts.app_log or "logs/app.log" in w:
        out["logs/app.log"] = "".join(line + "\n" for line in parts.app_log).encode()
    for name, lines in parts.container_logs.items():
        safe = _SAFE.sub("_", name) or "container"
        out[f"logs/{safe}.log"] = "".join(line + "\n" for line in lines).encode("utf-8", errors="replace")
    for name, data in parts.files.items():
        out[f"files/{_SAFE.sub('_', name)}"] = data
    return out


def write_bundle(parts: Parts, out: Path | str) -> Path:
    """Write a bundle folder, or a ``.tar.gz`` when ``out`` ends with it. Refuses to overwrite."""
    out = Path(out)
    files = bundle_files(parts)
    if out.exists() and (out.is_file() or any(out.iterdir())):
        raise VvaiError(f"{out} already exists", hint="choose a new --out path")
    if out.name.endswith((".tar.gz", ".tgz")):
        top = out.name.removesuffix(".tar.gz").removesuffix(".tgz") or "bundle"
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            now = time.time()
            for rel, data in sorted(files.items()):
                info = tarfile.TarInfo(f"{top}/{rel}")
                info.size, info.mtime, info.mode = len(data), int(now), 0o644
                tar.addfile(info, io.BytesIO(data))
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(out, buf.getvalue())
        return out
    tmp = out.with_name(f".{out.name}.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    for rel, data in files.items():
        p = tmp / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    if out.exists():
        out.rmdir()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp.rename(out)  # the bundle appears complete or not at all
    fsync_dir(out.parent)
    return out
