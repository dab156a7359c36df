"""Follow log files the way ``tail -F`` does, and survive whatever the files contain.

- Rotation by rename + recreate (logrotate's default): the old file is read to its end
  through the still-open descriptor, then the new file is opened from its start.
- Truncation in place (logrotate ``copytruncate``): the size drops below our offset, so we
  start again at 0.
- JSON lines (the pipeline's ``logs/app.log``) become ``app_log`` records; plain text becomes
  ``log`` records named after the file, each line prefixed with an RFC 3339 timestamp as in
  ``docker logs --timestamps``. A multi-line Python traceback becomes ONE record.
- Garbage (NUL bytes, lines over ``max_line_bytes``, invalid UTF-8, broken JSON) becomes a
  ``problem`` record; the follower never raises on content.

Written by hand: the Python tail libraries (pygtail, tailer) handle neither copytruncate nor
garbage lines, and this is a small state machine.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from vvai.common.timefmt import parse_epoch, rfc3339
from vvai.monitor.sources.base import Record, Sink, Source, problem

MAX_LINE_BYTES = 1 << 20
_TB_START = re.compile(r"Traceback \(most recent call last\):\s*$")
_TB_CONT = re.compile(r"^(\s|During handling of the above exception|The above exception was the direct cause)")
_TB_END = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning|Fault)?(:.*)?$")
_LEADING_TS = re.compile(r"^\[?(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)\]?\s")


@dataclass(slots=True)
class RawLine:
    """One complete line read from a file, already decoded, or a problem found on the way."""

    text: str | None
    offset: int
    problem: str | None = None


class FileFollower:
    """Incremental reader of one path, robust to rotation, truncation and garbage."""

    def __init__(self, path: Path | str, *, from_end: bool = True, max_line_bytes: int = MAX_LINE_BYTES):
        self.path = Path(path)
        self.max_line_bytes = max_line_bytes
        self._fd: int | None = None
        self._ino: int | None = None
        self._offset = 0
        self._buf = b""
        self._skipping = False  # inside an over-long line: discard until the next newline
        self._from_end = False  # a file that appears later is read from its start
        self._open(at_end=from_end)  # "from the end" means the end as of now

    def _open(self, at_end: bool) -> bool:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except (FileNotFoundError, PermissionError, IsADirectoryError):
            return False
        st = os.fstat(fd)
        self._fd, self._ino = fd, st.st_ino
        self._offset = st.st_size if at_end else 0
        self._buf, self._skipping = b"", False
        return True

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        self._fd = None

    def read_new(self) -> list[RawLine]:
        """Every complete line appended since the last call (plus problems), in order."""
        out: list[RawLine] = []
        if self._fd is None and not self._open(at_end=self._from_end):
            return out
        assert self._fd is not None
        try:
            path_ino = os.stat(self.path).st_ino
        except FileNotFoundError:
            path_ino = None
        size = os.fstat(self._fd).st_size
        if size < self._offset:  # copytruncate: start over
            self._offset, self._buf, self._skipping = 0, b"", False
        out.extend(self._drain())
        if path_ino is not None and path_ino != self._ino:  # renamed away and recreated
            out.extend(self._finish_partial())
            self.close()
            if self._open(at_end=False):
                out.extend(self._drain())
        return out

    def _drain(self) -> Iterator[RawLine]:
        assert self._fd is not None
        while True:
            chunk = os.pread(self._fd, 1 << 16, self._offset)
            if not chunk:
                return
            start_offset = self._offset - len(self._buf)
            self._offset += len(chunk)
            data = self._buf + chunk
            lines = data.split(b"\n")
            self._buf = lines.pop()
            pos = start_offset
            for raw in lines:
                yield from self._emit(raw, pos)
                pos += len(raw) + 1
            if len(self._buf) > self.max_line_bytes:
                if not self._skipping:
                    yield RawLine(None, pos, f"line longer than {self.max_line_bytes} bytes skipped")
                self._skipping = True
                self._buf = b""

    def _finish_partial(self) -> list[RawLine]:
        """A rotated file's last line may lack its newline: keep it rather than lose it."""
        rest, self._buf = self._buf, b""
        return list(self._emit(rest, self._offset - len(rest))) if rest else []

    def _emit(self, raw: bytes, offset: int) -> Iterator[RawLine]:
        if self._skipping:  # tail of an over-long line
            self._skipping = False
            return
        if len(raw) > self.max_line_bytes:
            yield RawLine(None, offset, f"line longer than {self.max_line_bytes} bytes skipped")
            return
        raw = raw.rstrip(b"\r")
        if b"\x00" in raw:
            yield RawLine(None, offset, f"binary data ({len(raw)} bytes with NUL) skipped")
            return
        try:
            yield RawLine(raw.decode("utf-8"), offset)
        except UnicodeDecodeError as e:
            yield RawLine(raw.decode("utf-8", errors="replace"), offset, f"invalid UTF-8 at byte {e.start} (replaced)")


class TracebackJoiner:
    """Groups the lines of a Python traceback (and the log line announcing it) into one event."""

    def __init__(self) -> None:
        self._block: list[tuple[float, str]] = []

    def feed(self, ts: float, text: str) -> list[list[tuple[float, str]]]:
        """Returns the events completed by this line (each a list of (ts, line))."""
        done: list[list[tuple[float, str]]] = []
        if self._block:
            if _TB_CONT.match(text) or _TB_START.search(text) or text == "":
                self._block.append((ts, text))
                return done
            if _TB_END.match(text) and _TB_CONT.match(self._block[-1][1]):
                self._block.append((ts, text))
                done.append(self._block)
                self._block = []
                return done
            done.append(self._block)
            self._block = []
        if _TB_START.search(text):
            self._block = [(ts, text)]
        else:
            done.append([(ts, text)])
        return done

    def flush(self) -> list[list[tuple[float, str]]]:
        block, self._block = self._block, []
        return [block] if block else []

    @property
    def pending(self) -> bool:
        return bool(self._block)


class LogFileSource(Source):
    """One log file: ``fmt`` is ``json`` (-> app_log records) or ``text`` (-> log records)."""

    poll_interval_s = 1.0

    def __init__(self, path: Path | str, *, fmt: str = "auto", name: str | None = None,
                 max_line_bytes: int = MAX_LINE_BYTES, tail_bytes: int = 32 << 20):
        super().__init__()
        self.path = Path(path)
        self.fmt = fmt if fmt != "auto" else ("json" if self.path.name == "app.log" else "text")
        self.log_name = name or self.path.stem
        self.name = f"logfile:{self.path}"
        self.max_line_bytes = max_line_bytes
        self.tail_bytes = tail_bytes

    # -- turning lines into records -------------------------------------------------------------
    def _records(self, lines: Iterable[RawLine], joiner: TracebackJoiner, now: float,
                 since: float | None = None, until: float | None = None) -> Iterator[Record]:
        for ln in lines:
            if ln.problem:
                yield problem(self.name, f"{self.path}: offset {ln.offset}: {ln.problem}", now)
                if ln.text is None:
                    continue
            assert ln.text is not None
            if self.fmt == "json":
                rec = self._json_record(ln, now)
                if rec is not None and (since is None or rec.kind == "problem"
                                        or since <= rec.ts <= (until or rec.ts)):
                    yield rec
                continue
            m = _LEADING_TS.match(ln.text)
            ts = (parse_epoch(m.group(1).replace(" ", "T").replace(",", ".")) if m else None) or now
            for block in joiner.feed(ts, ln.text):
                yield from self._text_record(block, since, until)

    def _json_record(self, ln: RawLine, now: float) -> Record | None:
        assert ln.text is not None
        if not ln.text.strip():
            return None
        try:
            obj = json.loads(ln.text)
        except ValueError:
            return problem(self.name, f"{self.path}: offset {ln.offset}: not a JSON line: {ln.text[:120]!r}", now)
        if not isinstance(obj, dict):
            return problem(self.name, f"{self.path}: offset {ln.offset}: JSON line is not an object", now)
        ts = parse_epoch(str(obj.get("ts", ""))) or now
        level = str(obj.get("level", "")).upper()
        return Record("app_log", ts, ln.text, name="app.log", important=level in ("ERROR", "CRITICAL", "FATAL"))

    def _text_record(self, block: list[tuple[float, str]], since: float | None,
                     until: float | None) -> Iterator[Record]:
        ts = block[0][0]
        if since is not None and not (since <= ts <= (until or ts)):
            return
        text = "\n".join(f"{rfc3339(t, nano=True)} {line}" for t, line in block)
        is_error = len(block) > 1 or bool(re.search(r"\b(ERROR|CRITICAL|FATAL|Traceback)\b", block[0][1]))
        yield Record("log", ts, text, name=self.log_name, important=is_error, meta={"lines": len(block)})

    # -- Source interface -----------------------------------------------------------------------
    def collect(self, since: float, until: float) -> Iterator[Record]:
        """Records of the window from the file's last ``tail_bytes`` (text lines without their own
        timestamp get the file's mtime, the best we know)."""
        now = time.time()
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return
        follower = FileFollower(self.path, from_end=False, max_line_bytes=self.max_line_bytes)
        try:
            if follower._fd is not None and st.st_size > self.tail_bytes:
                follower._offset = st.st_size - self.tail_bytes
                follower._skipping = True  # the first line is cut
            lines = follower.read_new()
        finally:
            follower.close()
        joiner = TracebackJoiner()
        yield from self._records(lines, joiner, min(now, st.st_mtime), since, until)
        for block in joiner.flush():
            yield from self._text_record(block, since, until)

    def follow(self, sink: Sink) -> None:
        t = threading.Thread(target=self._follow_loop, args=(sink,), name=f"vvai-{self.name}", daemon=True)
        self._threads.append(t)
        t.start()

    def _follow_loop(self, sink: Sink) -> None:
        follower = FileFollower(self.path, from_end=self.path.exists(), max_line_bytes=self.max_line_bytes)
        joiner = TracebackJoiner()
        try:
            while True:
                try:
                    lines = follower.read_new()
                    for rec in self._records(lines, joiner, time.time()):
                        sink(rec)
                    if not lines and joiner.pending:  # a traceback is complete once output pauses
                        for block in joiner.flush():
                            for rec in self._text_record(block, None, None):
                                sink(rec)
                except OSError as e:
                    sink(problem(self.name, f"{self.path}: {e}"))
                if self._stop.wait(self.poll_interval_s):
                    return
        finally:
            follower.close()
