"""``vvai pipeline verify`` (the original ``logline_verifier``): files against vv-signature.json.

Every recorded file must exist with the recorded size and sha256; a difference is tampering
or corruption, a missing file is a loss (the exporter and cleanup remove the entries of files
they delete on purpose). Files in processed/ and corrupted/ with no entry are listed as
``unsigned`` (a warning: e.g. a summary the summarizer has not signed, or a crash between the
move and the signature update). The result goes to ``logs/verifier.json`` for the monitor.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from vvai.common.atomic import atomic_write_json
from vvai.common.hashing import sha256_file
from vvai.common.jsonlog import JsonLineLogger, now_rfc3339
from vvai.pipeline.layout import Layout
from vvai.pipeline.signature import SignatureFile

COMPONENT = "logline_verifier"


@dataclass
class VerifyReport:
    checked: int = 0
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unsigned: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.missing

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "vv-verifier/1",
            "ts": now_rfc3339(),
            "ok": self.ok,
            "checked": self.checked,
            "mismatches": self.mismatches,
            "missing": self.missing,
            "unsigned": self.unsigned,
        }


def verify(layout: Layout, *, write_output: bool = True, logger: JsonLineLogger | None = None) -> VerifyReport:
    """Check every signed file; write ``logs/verifier.json`` and one log line with the outcome."""
    log = logger or JsonLineLogger(layout.app_log, COMPONENT)
    files = SignatureFile(layout.signature).files()
    report = VerifyReport()
    for rel, want in sorted(files.items()):
        path = layout.abs(rel)
        report.checked += 1
        if not path.is_file() or path.is_symlink():
            report.missing.append(rel)
            continue
        size = path.stat().st_size
        if size != want.get("size"):
            report.mismatches.append({"file": rel, "field": "size", "expected": want.get("size"), "actual": size})
            continue
        sha = sha256_file(path)
        if sha != want.get("sha256"):
            report.mismatches.append({"file": rel, "field": "sha256", "expected": want.get("sha256"), "actual": sha})
    for folder in (layout.processed, layout.corrupted):
        if not folder.is_dir():
            continue
        with os.scandir(folder) as it:
            for e in it:
                rel = layout.rel(folder / e.name)
                if not e.name.startswith(".") and e.is_file(follow_symlinks=False) and rel not in files:
                    report.unsigned.append(rel)
    report.unsigned.sort()
    doc = report.to_json()
    if write_output:
        layout.logs.mkdir(parents=True, exist_ok=True)
        atomic_write_json(layout.verifier_output, doc)
    if report.ok:
        log.info(
            f"verified {report.checked} file(s) against vv-signature.json",
            checked=report.checked,
            unsigned=len(report.unsigned),
        )
    else:
        log.error(
            f"integrity check failed: {len(report.mismatches)} mismatch(es), {len(report.missing)} missing",
            checked=report.checked,
            mismatches=[m["file"] for m in report.mismatches],
            missing=report.missing,
        )
    return report
