"""The ``scene_scanner`` worker: input/ -> analysis -> processed/ (or corrupted/), nothing lost.

Readiness: a file in ``input/`` is picked up only when it is a regular file with a video
extension, its name does not start with ``.`` and does not end in ``.part`` (writers should
upload as ``name.mp4.part`` and rename when done), and its size and mtime are the same on two
looks at least ``settle_s`` apart (so a copy still in progress is left alone).

Order of work for one video, chosen so a crash at any point loses nothing:
1. hash and analyse it (nothing written yet: a crash leaves the input in ``input/``);
2. write ``processed/<stem>.analytic.json`` atomically (complete or absent);
3. move the video to ``processed/`` with a no-clobber rename;
4. record both sha256 in ``vv-signature.json``.
A crash after 2 leaves the video in ``input/``; the retry recognises its own analytic (same
video sha256) and rewrites it. A crash between 3 and 4 leaves both files in processed/ but
unsigned (``verify`` lists them as ``unsigned``, a warning). If the input's size or mtime
changed during the analysis, nothing is written and it is retried later.

Unreadable or truncated videos go to ``corrupted/`` beside a ``<stem>.reason.json``; so does a
file on which the scanner failed unexpectedly ``max_failures`` times (a poison input). A name
already taken in the target folder gets a ``~N`` suffix: nothing is ever overwritten. Only one
scanner runs per root (``.scanner.lock``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vvai.common import jsonsafe
from vvai.common.atomic import atomic_write_json
from vvai.common.errors import ConfigError, LockedError
from vvai.common.hashing import sha256_file
from vvai.common.jsonlog import JsonLineLogger, now_rfc3339
from vvai.common.locks import lock_fd
from vvai.pipeline.analysis import AnalysisOptions, CorruptVideo, analyze_video
from vvai.pipeline.fsops import free_stem, move_no_clobber
from vvai.pipeline.layout import Layout, is_video_name, video_stem
from vvai.pipeline.signature import SignatureFile, record_for

COMPONENT = "scene_scanner"
PART_SUFFIX = ".part"


def printable(text: str) -> str:
    """A file name as text that can be logged and printed: undecodable bytes (``surrogateescape``)
    become U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _name_hex(name: str) -> str:
    return name.encode("utf-8", "surrogateescape").hex()


def _not_a_candidate(e: os.DirEntry) -> str | None:
    """Why an entry of input/ is not scanned, or None when it is a candidate."""
    if e.is_symlink():
        return "a symbolic link: never followed; move the real file in"
    if e.is_dir(follow_symlinks=False):
        return "a folder, not a video file"
    if not e.is_file(follow_symlinks=False):
        return "not a regular file (a FIFO, socket or device)"
    if e.name.startswith("."):
        return "a hidden name (a writer's temp file?); rename it to scan it"
    if not is_video_name(printable(e.name)):
        return "not a video file name (no video extension)"
    return None


class FileChanged(Exception):
    """The input changed while it was analysed (a writer ignoring the .part convention)."""


@dataclass
class ScanResult:
    file: str
    status: str  # "processed" | "corrupted" | "failed" (left in input/ for a retry)
    moved_to: str | None = None
    output: str | None = None
    reason: str | None = None
    scenes: int | None = None
    frames: int | None = None
    duration_s: float | None = None
    elapsed_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class RunSummary:
    root: str
    results: list[ScanResult] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # seen but not yet stable

    def to_json(self) -> dict[str, Any]:
        by = {s: [r.to_json() for r in self.results if r.status == s] for s in ("processed", "corrupted", "failed")}
        return {"root": self.root, **by, "waiting": self.waiting}


@contextlib.contextmanager
def scanner_lock(layout: Layout) -> Iterator[None]:
    """One scanner per root: two would race for the same input."""
    fd = os.open(layout.scanner_lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            lock_fd(fd, wait=False)
        except BlockingIOError as e:
            raise LockedError(
                f"another scanner is running on {layout.root}", hint="stop it first, or point --root at another folder"
            ) from e
        yield
    finally:
        os.close(fd)


class Scanner:
    """Scans ``layout.input``; use :meth:`run_once` or :meth:`watch`."""

    def __init__(
        self,
        layout: Layout,
        *,
        settle_s: float = 2.0,
        max_failures: int = 3,
        on_result: Callable[[ScanResult], None] | None = None,
        options: AnalysisOptions | None = None,
        logger: JsonLineLogger | None = None,
    ):
        self.layout = layout.ensure()
        self.settle_s = settle_s
        self.options = options or AnalysisOptions()
        self.log = logger or JsonLineLogger(layout.app_log, COMPONENT)
        self.signature = SignatureFile(layout.signature)
        self._seen: dict[str, tuple[int, int, float]] = {}  # name -> (size, mtime_ns, first look)
        self.max_failures = max_failures
        self.on_result = on_result  # called after each file (the CLI prints it as it happens)
        self._failures: dict[str, int] = {}  # name -> unexpected failures in this process
        self._ignored: dict[str, str] = {}  # name -> why it is left in input/ (logged once)
        self.stop = threading.Event()

    # -- readiness -------------------------------------------------------------------------
    def candidates(self) -> dict[str, tuple[int, int]]:
        """Regular video files in input/ that no writer marked as partial, with (size, mtime_ns).

        What is left alone gets one log line per name and reason (a symlink, a FIFO, a folder
        named like a video, a hidden or non-video name): nothing sits in input/ unexplained. A
        name that is not UTF-8 is a candidate too: :meth:`process` quarantines it with a reason."""
        out: dict[str, tuple[int, int]] = {}
        ignored: dict[str, str] = {}
        with os.scandir(self.layout.input) as it:
            for e in it:
                if e.name.endswith(PART_SUFFIX):
                    continue
                why = _not_a_candidate(e)
                if why:
                    ignored[e.name] = why
                    continue
                st = e.stat(follow_symlinks=False)
                out[e.name] = (st.st_size, st.st_mtime_ns)
        for name, why in ignored.items():
            if self._ignored.get(name) != why:
                self.log.warning(f"left in input/: {printable(name)} ({why})", file=printable(name), reason=why)
        self._ignored = ignored
        return out

    def look(self) -> tuple[list[str], list[str]]:
        """One look at input/: (stable names ready to scan, names still changing)."""
        now = time.monotonic()
        current = self.candidates()
        ready, waiting = [], []
        for name, (size, mtime) in sorted(current.items()):
            prev = self._seen.get(name)
            if prev and prev[:2] == (size, mtime) and now - prev[2] >= self.settle_s:
                ready.append(name)
            else:
                waiting.append(name)
                if not prev or prev[:2] != (size, mtime):
                    self._seen[name] = (size, mtime, now)
        for gone in set(self._seen) - set(current):
            del self._seen[gone]
        return ready, waiting

    # -- one file --------------------------------------------------------------------------
    def process(self, name: str) -> ScanResult:
        src = self.layout.input / name
        if printable(name) != name:  # bytes that are not UTF-8: quarantined under a readable name
            sha = sha256_file(src)
            return self._quarantine(src, sha, src.stat().st_size,
                                    CorruptVideo(f"file name is not UTF-8 (bytes {_name_hex(name)})", "BadFileName"))
        st = src.stat()
        size = st.st_size
        self.log.info(f"decode start: {name}", file=name, size_bytes=size)
        started = time.monotonic()
        sha = sha256_file(src)
        try:
            doc = analyze_video(src, self.options, progress=self._progress(name))
        except CorruptVideo as e:
            doc, corrupt = None, e
        now = src.stat()
        if (now.st_size, now.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
            raise FileChanged(f"{name} changed while it was being scanned")
        if doc is None:
            return self._quarantine(src, sha, size, corrupt)
        v = doc["video"]
        self.log.info(
            f"stream 0 of {name}: {v['codec']} {v['resolution']} @ {v['fps']:g}fps, length {v['duration_s']:.0f}s",
            file=name,
            resolution=v["resolution"],
            codec=v["codec"],
            duration_s=v["duration_s"],
        )
        stem = self._processed_stem(name, sha)
        final_name = stem + src.suffix
        doc["video"].update({"file": final_name, "original_name": name, "size_bytes": size, "sha256": sha})
        analytic = self.layout.processed / f"{stem}.analytic.json"
        atomic_write_json(analytic, doc)
        dst = move_no_clobber(src, self.layout.processed / final_name)
        video_rec = record_for(self.layout.root, dst, kind="input", component=COMPONENT, sha256=sha)
        self.signature.record(
            video_rec,
            record_for(self.layout.root, analytic, kind="output", component=COMPONENT, derived_from=video_rec.rel),
        )
        elapsed = time.monotonic() - started
        cuts = len(doc["scenes"]) - 1
        self.log.info(
            f"analysis finished for {name} ({elapsed:.0f} s, {cuts} scene cuts)",
            file=name,
            output=analytic.name,
            duration_s=v["duration_s"],
            resolution=v["resolution"],
            size_bytes=size,
            scenes=len(doc["scenes"]),
            frames=v["frames"],
            fps_processed=doc["analysis"]["fps_processed"],
            elapsed_s=round(elapsed, 3),
        )
        return ScanResult(
            file=name,
            status="processed",
            moved_to=self.layout.rel(dst),
            output=self.layout.rel(analytic),
            scenes=len(doc["scenes"]),
            frames=v["frames"],
            duration_s=v["duration_s"],
            elapsed_s=round(elapsed, 3),
        )

    def _processed_stem(self, name: str, sha: str) -> str:
        """The first free stem (``cam``, ``cam~1``...), or one whose analytic is our own leftover.

        A leftover is an analytic for this very video (same sha256) without its video: what a
        crash between writing the analytic and moving the video leaves. Reusing it means the
        retry completes that attempt instead of leaving an orphan output.
        """
        folder = self.layout.processed
        base, suffix = video_stem(name), Path(name).suffix
        for n in range(10_000):
            stem = base if n == 0 else f"{base}~{n}"
            analytic = folder / f"{stem}.analytic.json"
            if os.path.lexists(folder / f"{stem}{suffix}"):
                continue
            if not os.path.lexists(analytic) and not os.path.lexists(folder / f"{stem}.summary.json"):
                return stem
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError, ConfigError):
                if jsonsafe.load_file(analytic)["video"]["sha256"] == sha:
                    return stem
        raise FileExistsError(f"no free name for {name} in {folder}")

    def _quarantine(self, src: Path, sha: str, size: int, err: CorruptVideo) -> ScanResult:
        folder = self.layout.corrupted
        shown = printable(src.name)
        stem = free_stem(folder, video_stem(shown).replace("\ufffd", "_"), (src.suffix, ".reason.json"))
        final_name = stem + printable(src.suffix).replace("\ufffd", "_")
        sidecar = folder / f"{stem}.reason.json"
        atomic_write_json(
            sidecar,
            {
                "format": "vv-reason/1",
                "file": final_name,
                "original_name": shown,
                "reason": err.reason,
                "error": err.error,
                "detected": now_rfc3339(),
                "size_bytes": size,
                "sha256": sha,
                "component": COMPONENT,
            },
        )
        dst = move_no_clobber(src, folder / final_name)
        video_rec = record_for(self.layout.root, dst, kind="input", component=COMPONENT, sha256=sha)
        self.signature.record(
            video_rec,
            record_for(self.layout.root, sidecar, kind="sidecar", component=COMPONENT, derived_from=video_rec.rel),
        )
        self.log.error(
            f"giving up on {shown}: {err.reason} (moved to corrupted)",
            file=shown,
            size_bytes=size,
            error=err.error,
            moved_to=self.layout.rel(dst),
        )
        return ScanResult(
            file=shown,
            status="corrupted",
            moved_to=self.layout.rel(dst),
            output=self.layout.rel(sidecar),
            reason=err.reason,
        )

    def _progress(self, name: str, every_s: float = 10.0):
        last = [time.monotonic()]

        def report(frames: int, t: float) -> None:
            now = time.monotonic()
            if now - last[0] >= every_s:
                last[0] = now
                self.log.info(f"... {name} frame {frames}", file=name, frames=frames, position_s=round(t, 2))

        return report

    def _safe_process(self, name: str) -> ScanResult:
        """Process one file; an unexpected error leaves it in input/ for a retry and is logged.

        After ``max_failures`` such errors on the same file it is a poison input: it goes to
        corrupted/ with the last error as reason, so it stops blocking the queue (and is kept).
        """
        try:
            return self.process(name)
        except FileNotFoundError:
            return ScanResult(file=printable(name), status="failed",
                              reason="vanished from input/ before it was scanned")
        except FileChanged as e:  # not the file's fault: retried once it is stable, not counted
            self.log.warning(f"{e}; left in input/ for a retry", file=name)
            return ScanResult(file=name, status="failed", reason=str(e))
        except (OSError, MemoryError, RuntimeError, ValueError) as e:
            n = self._failures[name] = self._failures.get(name, 0) + 1
            if n >= self.max_failures:
                self._failures.pop(name, None)
                src = self.layout.input / name
                err = CorruptVideo(f"scanner failed {n} times on it, last: {type(e).__name__}: {e}", "RepeatedFailure")
                try:
                    return self._quarantine(src, sha256_file(src), src.stat().st_size, err)
                except OSError as e2:
                    e = e2
            shown = printable(name)
            self.log.error(
                f"scan of {shown} failed (attempt {n}), left in input/ for a retry: {printable(str(e))}",
                file=shown,
                error=type(e).__name__,
                attempt=n,
            )
            return ScanResult(file=shown, status="failed", reason=f"{type(e).__name__}: {printable(str(e))}")

    def _add(self, summary: RunSummary, result: ScanResult) -> None:
        summary.results.append(result)
        if self.on_result is not None:
            self.on_result(result)

    # -- loops -----------------------------------------------------------------------------
    def run_once(self) -> RunSummary:
        """Two looks ``settle_s`` apart, then scan every file that was stable across both."""
        summary = RunSummary(root=str(self.layout.root))
        with scanner_lock(self.layout):
            self.look()
            if self.settle_s > 0:
                time.sleep(self.settle_s)
            ready, waiting = self.look()
            summary.waiting = waiting
            for name in ready:
                if self.stop.is_set():
                    break
                self._add(summary, self._safe_process(name))
        return summary

    def watch(self, interval_s: float = 5.0, max_loops: int | None = None) -> RunSummary:
        """Poll input/ every ``interval_s`` until SIGTERM/SIGINT (finishing the current file)."""
        summary = RunSummary(root=str(self.layout.root))
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, lambda *_: self.stop.set())
        try:
            with scanner_lock(self.layout):
                self.log.info("watching input/", interval_s=interval_s, settle_s=self.settle_s)
                loops = 0
                while not self.stop.is_set():
                    try:
                        ready, summary.waiting = self.look()
                    except OSError as e:  # input/ gone or unreadable for a moment: say so, keep watching
                        self.log.error(f"cannot list {self.layout.input}: {e.strerror}", error=type(e).__name__)
                        ready = []
                    for name in ready:
                        if self.stop.is_set():
                            break
                        self._add(summary, self._safe_process(name))
                    loops += 1
                    if max_loops is not None and loops >= max_loops:
                        break
                    self.stop.wait(interval_s)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        return summary
