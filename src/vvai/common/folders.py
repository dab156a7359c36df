"""The pipeline folders' cleanup rules: the one list the diagnosis engine, ``vvai pipeline cleanup``
and the action executor all read.

The layout is ``input/ processed/ corrupted/ logs/`` under one root (``vvai.pipeline.layout``).

- ``PROTECTED_FOLDERS``: never emptied by any automatic cleanup, never the target of a cleanup
  action: ``input/`` holds work not done yet, ``processed/`` results that may not be shipped yet.
- ``CLEANABLE_FOLDERS``: what a cleanup may free space in: ``corrupted/`` (unreadable inputs with
  their reason files) and ``logs/``, where only rotated files (``ROTATED_LOG``) are candidates,
  never the live log nor state files.
- ``SHIPPED_ONLY_FOLDERS``: the operator's ``vvai pipeline cleanup`` may also delete from these
  when asked, and then only files the exporter's ledger confirms shipped.
"""

from __future__ import annotations

import re

PROTECTED_FOLDERS: tuple[str, ...] = ("input", "processed")
CLEANABLE_FOLDERS: tuple[str, ...] = ("corrupted", "logs")
SHIPPED_ONLY_FOLDERS: tuple[str, ...] = ("processed",)
#: What ``vvai pipeline cleanup`` looks at unless told otherwise.
CLEANUP_COMMAND_FOLDERS: tuple[str, ...] = SHIPPED_ONLY_FOLDERS + CLEANABLE_FOLDERS
#: Files of logs/ a cleanup may delete: ``app.log.1``, ``app.log.2.gz``, ``app.log-20260101``.
ROTATED_LOG = re.compile(r"\.log\.\d+(\.gz)?$|\.log-\d{8}.*$|\.log\.gz$")


def folder_parts(target: str | None) -> list[str]:
    """The path components of a cleanup target (``"corrupted"``, ``"logs/"``, ``"./x/../processed"``)."""
    return [p for p in re.split(r"[\\/]+", target or "") if p and p != "."]


def is_cleanable(target: str | None) -> bool:
    """True only for exactly one cleanable folder (``corrupted`` or ``logs``, optional slash)."""
    parts = folder_parts(target)
    return len(parts) == 1 and parts[0] in CLEANABLE_FOLDERS
