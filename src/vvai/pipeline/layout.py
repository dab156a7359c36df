"""Where the pipeline keeps its files: one root folder, as in the original docker-compose design.

    <root>/input/            videos waiting for the scanner (writers use ``name.part`` until done)
    <root>/processed/        scanned videos with ``<stem>.analytic.json`` (and later ``.summary.json``)
    <root>/corrupted/        unreadable videos with ``<stem>.reason.json`` saying why
    <root>/logs/app.log      the structured JSON-lines log every component appends to
    <root>/logs/verifier.json the last ``vvai pipeline verify`` result (read by the monitor)
    <root>/vv-signature.json sha256 of every input and output the pipeline produced
    <root>/export-ledger.json what the exporter confirmed shipped (cleanup reads it)

The root comes from ``--root``, else ``$VVAI_PIPELINE_ROOT``, else ``/opt/vv-video-ai-system``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from vvai.common.paths import DEFAULT_ROOT

ROOT_ENV = "VVAI_PIPELINE_ROOT"

#: Extensions the scanner treats as videos (lower case, with the dot).
VIDEO_EXTENSIONS = frozenset({".mp4", ".mkv", ".mov", ".avi", ".webm", ".m4v", ".ts", ".mpg", ".mpeg", ".flv"})


def resolve_root(root: str | os.PathLike[str] | None = None) -> Path:
    """``--root`` wins over ``$VVAI_PIPELINE_ROOT``, which wins over the design's default."""
    chosen = root if root not in (None, "") else os.environ.get(ROOT_ENV) or DEFAULT_ROOT
    return Path(chosen).expanduser().absolute()


def is_video_name(name: str) -> bool:
    return not name.startswith(".") and Path(name).suffix.lower() in VIDEO_EXTENSIONS


def video_stem(name: str) -> str:
    """``cam3_0001.mp4`` -> ``cam3_0001``: outputs are named after the stem, as in the original."""
    return Path(name).stem


@dataclass(frozen=True)
class Layout:
    """The pipeline's folders under one root; pure paths, nothing is touched until :meth:`ensure`."""

    root: Path

    @classmethod
    def from_root(cls, root: str | os.PathLike[str] | None = None) -> Layout:
        return cls(resolve_root(root))

    @property
    def input(self) -> Path:
        return self.root / "input"

    @property
    def processed(self) -> Path:
        return self.root / "processed"

    @property
    def corrupted(self) -> Path:
        return self.root / "corrupted"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def app_log(self) -> Path:
        return self.logs / "app.log"

    @property
    def verifier_output(self) -> Path:
        return self.logs / "verifier.json"

    @property
    def signature(self) -> Path:
        return self.root / "vv-signature.json"

    @property
    def export_ledger(self) -> Path:
        return self.root / "export-ledger.json"

    @property
    def scanner_lock(self) -> Path:
        return self.root / ".scanner.lock"

    def folders(self) -> dict[str, Path]:
        return {"input": self.input, "processed": self.processed, "corrupted": self.corrupted, "logs": self.logs}

    def ensure(self) -> Layout:
        """Create the folders (idempotent) so a fresh box can start scanning."""
        for folder in self.folders().values():
            folder.mkdir(parents=True, exist_ok=True)
        return self

    def rel(self, path: Path) -> str:
        """The root-relative POSIX name used as key in the signature file and the ledger."""
        return Path(path).absolute().relative_to(self.root).as_posix()

    def abs(self, rel: str) -> Path:
        return self.root / rel
