"""``vv-signature.json``: the sha256 and size of every input and output the pipeline produced.

The scanner records a video and its analytic JSON once both sit in their final folder; the
exporter and cleanup remove the entries of files they delete, so that ``vvai pipeline verify``
can treat any recorded file that is missing or different as tampering or loss.

Layout (keys are root-relative POSIX paths, because files move between folders)::

    {"format": "vv-signature/1", "updated": "...Z",
     "files": {"processed/cam1.mp4": {"sha256": "...", "size": 123, "kind": "input",
                                       "component": "scene_scanner", "recorded": "...Z"}}}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vvai.common.atomic import LockedJsonStore
from vvai.common.errors import ConfigError
from vvai.common.hashing import sha256_file
from vvai.common.jsonlog import now_rfc3339

FORMAT = "vv-signature/1"
_FIX = "restore it from a backup, or move it aside to start a new one (files then verify as unsigned)"


@dataclass(frozen=True)
class FileRecord:
    """What the signature file knows about one file."""

    rel: str
    sha256: str
    size: int
    kind: str  # "input" (a video), "output" (analytic/summary JSON), "sidecar" (reason JSON)
    component: str
    derived_from: str | None = None

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "sha256": self.sha256,
            "size": self.size,
            "kind": self.kind,
            "component": self.component,
            "recorded": now_rfc3339(),
        }
        if self.derived_from:
            d["derived_from"] = self.derived_from
        return d


def record_for(
    root: Path, path: Path, *, kind: str, component: str, derived_from: str | None = None, sha256: str | None = None
) -> FileRecord:
    """Hash ``path`` (unless the caller already did) and describe it relative to ``root``."""
    path = Path(path)
    return FileRecord(
        rel=path.absolute().relative_to(root).as_posix(),
        sha256=sha256 or sha256_file(path),
        size=path.stat().st_size,
        kind=kind,
        component=component,
        derived_from=derived_from,
    )


class SignatureFile:
    """Read and update ``vv-signature.json``; safe with several writers (see LockedJsonStore)."""

    def __init__(self, path: Path):
        self.store = LockedJsonStore(Path(path), fmt=FORMAT, empty=lambda: {"format": FORMAT, "files": {}})

    @property
    def path(self) -> Path:
        return self.store.path

    def files(self) -> dict[str, dict[str, Any]]:
        """The recorded files; ConfigError when the document is not what this module writes (a
        ``files`` that is not an object, an entry that is not one, a path that leaves the root)."""
        files = self.store.read().get("files", {})
        if not isinstance(files, dict):
            raise ConfigError(f"{self.path}: 'files' must be an object", hint=_FIX)
        for rel, entry in files.items():
            parts = rel.split("/")
            if not rel or rel.startswith("/") or ".." in parts or "\x00" in rel or "\\" in rel:
                raise ConfigError(f"{self.path}: entry {rel[:200]!r} is not a path inside the root", hint=_FIX)
            if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str) or isinstance(
                    entry.get("size"), bool) or not isinstance(entry.get("size"), int):
                raise ConfigError(f"{self.path}: entry {rel[:200]!r} needs a sha256 text and a size number",
                                  hint=_FIX)
        return dict(files)

    def record(self, *records: FileRecord) -> None:
        with self.store.update() as doc:
            files = doc.setdefault("files", {})
            for r in records:
                files[r.rel] = r.to_json()
            doc["updated"] = now_rfc3339()

    def forget(self, *rels: str) -> list[str]:
        """Drop entries of files deleted on purpose; returns the ones that were recorded."""
        dropped: list[str] = []
        with self.store.update() as doc:
            files = doc.setdefault("files", {})
            for rel in rels:
                if files.pop(rel, None) is not None:
                    dropped.append(rel)
            doc["updated"] = now_rfc3339()
        return dropped
