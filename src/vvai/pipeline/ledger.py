"""The exporter's ledger: which local files were *confirmed* shipped, with their hash.

An entry is written only after the target confirmed the object (same size and sha256), one
entry per object and one atomic update each, so a crash loses at most the record of the
object in flight (it is shipped again next time: harmless), never records a false success.
Cleanup and ``export --delete-after`` delete a local file only if the ledger holds an entry
whose size and sha256 equal the file's current ones.

    {"format": "vvai-export-ledger/1",
     "shipped": {"processed/cam1.analytic.json": {"dest": "s3://b/p/processed/cam1.analytic.json",
                 "sha256": "...", "size": 123, "ts": "...Z"}}}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vvai.common.atomic import LockedJsonStore
from vvai.common.jsonlog import now_rfc3339

FORMAT = "vvai-export-ledger/1"


class ExportLedger:
    def __init__(self, path: Path):
        self.store = LockedJsonStore(Path(path), fmt=FORMAT, empty=lambda: {"format": FORMAT, "shipped": {}})

    def entries(self) -> dict[str, dict[str, Any]]:
        return dict(self.store.read().get("shipped", {}))

    def record(self, rel: str, *, dest: str, sha256: str, size: int) -> None:
        with self.store.update() as doc:
            doc.setdefault("shipped", {})[rel] = {"dest": dest, "sha256": sha256, "size": size, "ts": now_rfc3339()}

    @staticmethod
    def confirms(entry: dict[str, Any] | None, *, sha256: str, size: int) -> bool:
        """True when ``entry`` vouches for exactly these bytes."""
        return bool(entry) and entry.get("sha256") == sha256 and entry.get("size") == size
