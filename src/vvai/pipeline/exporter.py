"""``log_exporter``: ship processed outputs to a folder or S3 and record only what is confirmed.

For each file: hash it, skip it if the ledger already vouches for these bytes at this target,
upload, confirm (see :mod:`vvai.pipeline.targets`), then record it in the ledger. Transient
errors (connection refused/reset, timeouts, 5xx) are retried with backoff; when the target is
unreachable after the retries, or refuses us as a whole (no credentials, access denied, no such
bucket, disk full), the sweep stops: the rest would fail the same way. Every
success and failure is a ``component: log_exporter`` JSON line in logs/app.log, which is how
the monitor sees an export failure.

``--delete-after`` removes a local copy only when the ledger confirms its current bytes and
its whole group (``<stem>.*`` in processed/) is shipped and finished (has a ``.summary.json``),
so the summarizer never loses an input it still needs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vvai.common.jsonlog import JsonLineLogger
from vvai.pipeline.layout import Layout, is_video_name
from vvai.pipeline.ledger import ExportLedger
from vvai.pipeline.signature import SignatureFile
from vvai.pipeline.targets import ConfirmError, Digests, FolderTarget, S3Target, digests

COMPONENT = "log_exporter"
OUTPUT_SUFFIXES = (".analytic.json", ".summary.json")


@dataclass(frozen=True)
class ExportOptions:
    include_videos: bool = True
    include_logs: bool = False
    delete_after: bool = False
    attempts: int = 3
    backoff_s: float = 0.5


@dataclass
class ExportReport:
    dest: str
    shipped: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # not attempted because the sweep stopped
    deleted: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.pending

    def to_json(self) -> dict[str, Any]:
        return {
            "dest": self.dest,
            "ok": self.ok,
            "shipped": self.shipped,
            "already_shipped": self.already,
            "failed": self.failed,
            "pending": self.pending,
            "deleted": self.deleted,
        }


def _group(name: str) -> str:
    for suffix in (*OUTPUT_SUFFIXES, ".reason.json"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return Path(name).stem


def select_files(layout: Layout, opts: ExportOptions) -> list[Path]:
    """Regular files to ship: processed outputs (and videos), optionally logs/; no dotfiles, no symlinks."""
    out: list[Path] = []
    folders = [layout.processed] + ([layout.logs] if opts.include_logs else [])
    for folder in folders:
        if not folder.is_dir():
            continue
        with os.scandir(folder) as it:
            for e in it:
                if e.name.startswith(".") or not e.is_file(follow_symlinks=False):
                    continue
                if folder == layout.processed and not (
                    e.name.endswith(OUTPUT_SUFFIXES) or (opts.include_videos and is_video_name(e.name))
                ):
                    continue
                out.append(folder / e.name)
    return sorted(out)


class Exporter:
    def __init__(
        self,
        layout: Layout,
        target: FolderTarget | S3Target,
        opts: ExportOptions | None = None,
        logger: JsonLineLogger | None = None,
        on_item: Callable[[str, str], None] | None = None,
    ):
        self.layout, self.target, self.opts = layout, target, opts or ExportOptions()
        self.log = logger or JsonLineLogger(layout.app_log, COMPONENT)
        self.ledger = ExportLedger(layout.export_ledger)
        self.on_item = on_item  # called with (rel, status) after each file: progress bars, tests

    def run(self) -> ExportReport:
        report = ExportReport(dest=self.target.url)
        files = select_files(self.layout, self.opts)
        shipped = self.ledger.entries()
        todo: list[tuple[Path, str, Digests]] = []
        current: dict[str, Digests] = {}
        for path in files:
            rel = self.layout.rel(path)
            d = digests(path)
            current[rel] = d
            entry = shipped.get(rel)
            if (
                ExportLedger.confirms(entry, sha256=d.sha256, size=d.size)
                and entry
                and str(entry.get("dest", "")).startswith(self.target.url.rstrip("/") + "/")
            ):
                report.already.append(rel)
            else:
                todo.append((path, rel, d))
        self.log.info(
            f"sweep: {len(todo)} file(s) to ship", ready=len(todo), already=len(report.already), dest=self.target.url
        )
        for i, (path, rel, d) in enumerate(todo):
            status = self._ship(path, rel, d, report)
            if self.on_item:
                self.on_item(rel, status)
            if status == "unreachable":
                report.pending = [r for _, r, _ in todo[i + 1 :]]
                self.log.error(
                    "sweep aborted", failed=len(report.failed), pending=len(report.pending), dest=self.target.url
                )
                break
        if self.opts.delete_after:
            self._delete_confirmed(current, report)
        return report

    def _ship(self, path: Path, rel: str, d: Digests, report: ExportReport) -> str:
        """Upload+confirm with retries; returns "shipped", "failed" or "unreachable" (stop the sweep)."""
        for attempt in range(1, self.opts.attempts + 1):
            started = time.monotonic()
            try:
                url = self.target.put(path, rel, d)
                self.target.confirm(rel, d)
            except ConfirmError as e:
                return self._fail(rel, d, e, report, "failed")
            except Exception as e:  # classified below: anything unexpected is a non-transient failure
                reason = _reason(e)
                if self.target.is_transient(e) and attempt < self.opts.attempts:
                    self.log.warning(
                        f"{path.name}: transient '{reason}', will retry",
                        file=path.name,
                        attempt=attempt,
                        error=type(e).__name__,
                    )
                    time.sleep(self.opts.backoff_s * 2 ** (attempt - 1))
                    continue
                return self._fail(rel, d, e, report, "unreachable" if self.target.stops_sweep(e) else "failed")
            self.ledger.record(rel, dest=url, sha256=d.sha256, size=d.size)
            report.shipped.append(rel)
            self.log.info(
                f"shipped {path.name} ({d.size} bytes)",
                file=path.name,
                size_bytes=d.size,
                duration_s=round(time.monotonic() - started, 3),
                dest=url,
            )
            return "shipped"
        raise AssertionError("unreachable: the loop always returns")

    def _fail(self, rel: str, d: Digests, e: BaseException, report: ExportReport, status: str) -> str:
        reason = _reason(e)
        report.failed.append({"file": rel, "error": type(e).__name__, "reason": reason})
        self.log.error(
            f"could not ship {Path(rel).name}: {reason}",
            file=Path(rel).name,
            size_bytes=d.size,
            error=type(e).__name__,
            exc_type=f"{type(e).__module__}.{type(e).__qualname__}",
            reason=reason,
            dest=self.target.url,
        )
        return status

    def _delete_confirmed(self, current: dict[str, Digests], report: ExportReport) -> None:
        """Delete processed/ groups that are finished and whose every file the ledger confirms."""
        entries = self.ledger.entries()
        groups: dict[str, list[str]] = {}
        prefix = self.layout.rel(self.layout.processed) + "/"
        for rel in current:
            if rel.startswith(prefix):
                groups.setdefault(_group(rel[len(prefix) :]), []).append(rel)
        signature = SignatureFile(self.layout.signature)
        freed = 0
        for stem, rels in sorted(groups.items()):
            if not any(r.endswith(".summary.json") for r in rels):
                continue  # the summarizer may still need these
            present = sorted(n for n in os.listdir(self.layout.processed) if _group(n) == stem)
            if {prefix + n for n in present} - set(rels):
                continue  # a file of this group was not considered (e.g. a video with --no-videos)
            if not all(
                ExportLedger.confirms(entries.get(r), sha256=current[r].sha256, size=current[r].size) for r in rels
            ):
                continue
            for rel in rels:
                path = self.layout.abs(rel)
                if digests(path).sha256 != current[rel].sha256:
                    continue  # changed since it was shipped: keep it
                path.unlink()
                freed += current[rel].size
                report.deleted.append(rel)
        if report.deleted:
            signature.forget(*report.deleted)
            self.log.info(f"purged {len(report.deleted)} local copies", freed_bytes=freed, files=report.deleted)


def _reason(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text[:300]
