"""Download an artifact into the content-addressed blob store, verifying while streaming.

One pass over the bytes (oras-go's content store is the model): every chunk is counted and
hashed as it is written to ``partial/<sha256>.part``; the moment the byte count exceeds the
manifest's ``size_bytes`` the download is aborted; at the end the sha256 must match, then the
file is fsynced, made read-only and renamed to ``blobs/sha256/<hex>``. A partial file lives
only under its ``.part`` name, so it never looks complete.

Resume after a crash or a dropped connection: the next attempt re-hashes the bytes already in
the ``.part`` file and asks for the rest (HTTP ``Range`` + ``If-Range`` with the validator seen
before; S3 ``Range`` + ``IfMatch``). A server that ignores Range answers 200: the part file is
truncated and the download restarts cleanly. Two processes never write the same part file: it
is claimed with ``flock`` (correctness does not rest on the store lock alone).

Transient failures (connection refused/reset, truncated body, 5xx, 429, stalls) are retried
with exponential backoff and jitter; the retry budget is restored whenever an attempt made
progress. Permanent ones (404, 403, TLS verification, wrong size, wrong hash) fail at once
with a one-line reason.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import queue
import random
import threading
import time
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from vvai.common import jsonsafe
from vvai.common.atomic import atomic_write_json, fsync_dir
from vvai.common.errors import ConfigError, FetchError, IntegrityError, VvaiError
from vvai.common.locks import lock_fd
from vvai.models.transports import CHUNK, FetchPolicy, Transient, Transport, transport_for


class ProgressSink(Protocol):
    def begin(self, name: str, total: int, done: int) -> None: ...
    def advance(self, n: int) -> None: ...
    def reset(self, done: int) -> None: ...
    def end(self) -> None: ...


class NullProgress:
    def begin(self, name: str, total: int, done: int) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def reset(self, done: int) -> None:
        pass

    def end(self) -> None:
        pass


# --------------------------------------------------------------------------- the download


class _Writer(threading.Thread):
    """Writes and hashes received chunks while the network thread keeps receiving.

    Both ``write`` and ``sha256.update`` release the GIL, so on two cores the download runs at
    the speed of the slowest of network, disk and hash instead of their sum. The queue is
    bounded (at most 8 MiB in flight), and ``fdatasync`` every 64 MiB starts writeback early so the
    final fsync does not stall on a gigabyte of dirty pages. ``Download.offset``/``hasher``
    only ever describe bytes that are in the file.
    """

    SYNC_EVERY = 64 << 20

    def __init__(self, dl: Download, f):
        super().__init__(daemon=True, name="vvai-fetch-writer")
        self.dl, self.f = dl, f
        self.q: queue.Queue[bytes | None] = queue.Queue(maxsize=8)  # <= 8 chunks (8 MiB) in flight
        self.error: BaseException | None = None
        self.unsynced = 0

    def put(self, chunk: bytes) -> bool:
        while self.error is None:
            try:
                self.q.put(chunk, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def run(self) -> None:
        dl, f = self.dl, self.f
        while True:
            chunk = self.q.get()
            if chunk is None or self.error is not None:
                if chunk is None:
                    return
                continue
            view, written, n = memoryview(chunk), 0, len(chunk)
            try:
                while written < n:  # an unbuffered write may be short (disk nearly full)
                    written += f.write(view[written:])
                self.unsynced += n
                if self.unsynced >= self.SYNC_EVERY:
                    os.fdatasync(f.fileno())
                    self.unsynced = 0
            except OSError as e:
                dl._account(view[:written])  # what landed counts: the next run resumes after it
                with contextlib.suppress(OSError):
                    f.truncate(dl.offset)
                self.error = _disk_error(e, dl.part)
                continue
            except BaseException as e:  # pragma: no cover - surfaced by finish()
                self.error = e
                continue
            dl._account(view)

    def finish(self) -> None:
        self.q.put(None)
        self.join()
        if self.error is not None:
            raise self.error


def _disk_error(e: OSError, path: Path) -> VvaiError:
    if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return VvaiError(f"no space left writing {path.name} ({os.strerror(e.errno or 0)})",
                         hint="free disk space under the models root (vvai model gc), then run sync again: "
                              "it resumes")
    return VvaiError(f"cannot write {path}: {e.strerror}")


class Download:
    """One artifact from ``url`` into ``blob_path``; see the module docstring."""

    def __init__(self, url: str, sha256: str, size: int, blob_path: Path, partial_dir: Path,
                 policy: FetchPolicy, progress: ProgressSink | None = None, name: str | None = None):
        self.url, self.sha256, self.size = url, sha256, size
        self.blob_path = blob_path
        self.part = partial_dir / f"{sha256}.part"
        self.meta = partial_dir / f"{sha256}.part.json"
        self.policy = policy
        self.progress = progress or NullProgress()
        self.name = name or Path(urlparse(url).path).name or sha256[:12]
        self.bytes_from_network = 0
        self.resumed_from = 0
        self.offset = 0
        self.hasher = hashlib.sha256()

    # each step is a named method, run in a fixed order by run()

    def run(self) -> Path:
        if self.blob_path.exists():
            return self.blob_path
        self.part.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.part, os.O_RDWR | os.O_CREAT, 0o644)
        with os.fdopen(fd, "r+b", buffering=0) as f:
            self._claim(f)
            if self.blob_path.exists():  # another process finished it while we waited
                return self.blob_path
            self._rehash_existing(f)
            self.resumed_from = self.offset
            self.progress.begin(self.name, self.size, self.offset)
            try:
                self._transfer(f)
                self._check_digest(self.hasher)
                self._commit(f)
            except IntegrityError:
                self._discard_path()  # wrong bytes are worth nothing for a resume
                raise
            except BaseException:
                if os.fstat(f.fileno()).st_size == 0:
                    self._discard_path()  # nothing to resume: leave no clutter
                raise
            finally:
                self.progress.end()
        return self.blob_path

    def _claim(self, f) -> None:
        """Exclusive flock on the part file: only one writer per blob, across processes."""
        try:
            lock_fd(f.fileno(), wait=False)
        except BlockingIOError:
            lock_fd(f.fileno())  # wait for the other download to finish or die

    def _rehash_existing(self, f) -> None:
        """Bytes already in the part file (a crash, a dropped connection) count: hash them once."""
        self.hasher = hashlib.sha256()
        size_now = os.fstat(f.fileno()).st_size
        if size_now > self.size:
            f.truncate(0)
            size_now = 0
        f.seek(0)
        done = 0
        while done < size_now:
            b = f.read(min(CHUNK, size_now - done))
            if not b:
                break
            self.hasher.update(b)
            done += len(b)
        if done < size_now:
            f.truncate(done)
        self.offset = done

    def _restart(self, f) -> None:
        f.truncate(0)
        f.seek(0)
        self.hasher = hashlib.sha256()
        self.offset = 0
        self.progress.reset(0)

    def _load_validator(self) -> str | None:
        try:
            meta = jsonsafe.load_file(self.meta)
            return meta.get("validator") if isinstance(meta, dict) and meta.get("url") == self.url else None
        except (OSError, ValueError, ConfigError):
            return None

    def _save_validator(self, validator: str | None) -> None:
        with contextlib.suppress(OSError):
            atomic_write_json(self.meta, {"url": self.url, "validator": validator, "size": self.size})

    def _transfer(self, f) -> None:
        """Attempts until every byte is in; ``self.offset``/``self.hasher`` always match the file."""
        transport = transport_for(self.url, self.policy)
        failures = 0
        restarted_after_bad_hash = False
        while self.offset < self.size:
            before = self.offset
            try:
                self._attempt(transport, f)
            except Transient as e:
                if self.offset > before:
                    failures = 0  # progress was made: the budget is restored
                failures += 1
                if failures >= self.policy.max_attempts:
                    raise FetchError(f"{self.name}: {e} (gave up after {failures} attempts)",
                                     hint="run sync again later: it resumes where it stopped") from None
                delay = min(self.policy.backoff_max, self.policy.backoff_base * 2 ** (failures - 1))
                time.sleep(delay * (0.5 + random.random() / 2))
                continue
            if self.offset < self.size and self.offset == before:
                failures += 1
                if failures >= self.policy.max_attempts:
                    raise FetchError(f"{self.name}: the server keeps ending the body early at byte {self.offset}")
            if (self.offset == self.size and self.resumed_from > 0 and not restarted_after_bad_hash
                    and self.hasher.hexdigest() != self.sha256):
                # the resumed prefix may have come from another object: start over once, from zero
                restarted_after_bad_hash = True
                self.resumed_from = 0
                self._restart(f)

    def _attempt(self, transport: Transport, f) -> None:
        opened = transport.open(self.url, self.offset, self._load_validator() if self.offset else None)
        try:
            if opened.start != self.offset:
                if opened.start != 0:
                    raise Transient(f"server resumed at byte {opened.start}, expected {self.offset}")
                # the server ignored Range (or If-Range did not match): restart that file cleanly
                self._restart(f)
            if opened.total is not None and opened.total != self.size:
                raise IntegrityError(
                    f"{self.name}: wrong size: the server announces {opened.total} bytes, the manifest "
                    f"says {self.size}", hint="the artifact on the server is not the one the manifest names")
            self._save_validator(opened.validator)
            f.seek(self.offset)
            writer = _Writer(self, f)
            writer.start()
            queued = self.offset
            try:
                for chunk in opened.chunks:
                    queued += len(chunk)
                    if queued > self.size:  # checked before the bytes are written anywhere
                        raise IntegrityError(
                            f"{self.name}: wrong size: the server sent more than the manifest's {self.size} bytes",
                            hint="the artifact on the server is not the one the manifest names")
                    if not writer.put(chunk):
                        break  # the writer failed; its error is raised below
            finally:
                writer.finish()  # everything received so far is written and hashed (or failed)
        finally:
            opened.close()  # type: ignore[operator]

    def _account(self, data: memoryview) -> None:
        self.hasher.update(data)
        self.offset += len(data)
        self.bytes_from_network += len(data)
        self.progress.advance(len(data))

    def _check_digest(self, hasher) -> None:
        got = hasher.hexdigest()
        if got != self.sha256:
            self._discard_path()
            raise IntegrityError(f"{self.name}: sha256 mismatch: got {got}, the manifest says {self.sha256}",
                                 hint="the downloaded bytes differ from the published artifact; nothing was "
                                      "installed")

    def _commit(self, f) -> None:
        try:
            os.fsync(f.fileno())
            os.fchmod(f.fileno(), 0o444)
            self.blob_path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.part, self.blob_path)
            fsync_dir(self.blob_path.parent)
        except OSError as e:
            raise _disk_error(e, self.blob_path) from None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.meta)

    def _discard_path(self) -> None:
        for p in (self.part, self.meta):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(p)
