"""Snapshots of the pipeline folders, the disk they sit on, and small state files.

One ``pipeline`` record per snapshot (spec: ``{"ts", "dirs": {name: [{name, size, mtime}]},
"disk": {path, total_bytes, free_bytes}}``) plus one ``file`` record per state file
(``vv-signature.json``, the verifier's output...) copied verbatim, so the diagnosis can see
piled-up inputs, orphaned outputs, a full disk and integrity reports.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from vvai.common.timefmt import rfc3339
from vvai.monitor.sources.base import Record, Source, problem

MAX_STATE_FILE_BYTES = 1 << 20


class FolderSource(Source):
    """Watches ``root/<dir>`` for each pipeline folder and the state files under ``root``."""

    name = "folders"
    poll_interval_s = 60.0

    def __init__(self, root: Path | str, dirs: dict[str, str], state_files: list[str] | None = None,
                 *, max_entries: int = 5000):
        super().__init__()
        self.root = Path(root)
        self.dirs = dirs  # label in the bundle ("input") -> folder relative to root or absolute
        self.state_files = state_files or []
        self.max_entries = max_entries

    def snapshot(self) -> tuple[Record, list[Record]]:
        """The pipeline record now, and problems met while listing."""
        now = time.time()
        problems: list[Record] = []
        dirs: dict[str, list[dict]] = {}
        for label, rel in self.dirs.items():
            folder = self.root / rel
            entries: list[dict] = []
            try:
                with os.scandir(folder) as it:
                    for entry in it:
                        if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                            continue  # temp files of atomic writes, sub-folders
                        try:
                            st = entry.stat(follow_symlinks=False)
                        except FileNotFoundError:
                            continue  # moved away while we listed
                        entries.append({"name": entry.name, "size": st.st_size, "mtime": rfc3339(st.st_mtime)})
            except FileNotFoundError:
                problems.append(problem(self.name, f"pipeline folder {folder} does not exist", now))
            except PermissionError as e:
                problems.append(problem(self.name, f"cannot list {folder}: {e}", now))
            entries.sort(key=lambda e: e["mtime"])
            if len(entries) > self.max_entries:
                problems.append(problem(self.name, f"{folder}: {len(entries)} files, kept the newest "
                                                   f"{self.max_entries}", now))
                entries = entries[-self.max_entries:]
            dirs[label] = entries
        data: dict = {"ts": rfc3339(now), "dirs": dirs}
        try:
            du = shutil.disk_usage(self.root)
            data["disk"] = {"path": str(self.root), "total_bytes": du.total, "free_bytes": du.free}
        except OSError as e:
            problems.append(problem(self.name, f"disk usage of {self.root}: {e}", now))
        return Record("pipeline", now, data, name="pipeline"), problems

    def state_file_records(self) -> Iterator[Record]:
        now = time.time()
        for rel in self.state_files:
            path = self.root / rel
            try:
                size = path.stat().st_size
                if size > MAX_STATE_FILE_BYTES:
                    yield problem(self.name, f"state file {path} is {size} bytes, not copied", now)
                    continue
                yield Record("file", now, path.read_bytes(), name=path.name)
            except FileNotFoundError:
                continue  # not every box has every state file
            except OSError as e:
                yield problem(self.name, f"state file {path}: {e}", now)

    def collect(self, since: float, until: float) -> Iterator[Record]:
        rec, problems = self.snapshot()
        yield from problems
        yield rec
        yield from self.state_file_records()
