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
import fcntl
import hashlib
import json
import os
import queue
import random
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlparse

from vvai.common.atomic import atomic_write_json, fsync_dir
from vvai.common.errors import FetchError, IntegrityError, VvaiError

CHUNK = 1 << 20  # 1 MiB: large enough that hashing and writing release the GIL


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


@dataclass
class FetchPolicy:
    stall_timeout: float = 30.0  # seconds without a byte before an attempt is abandoned
    connect_timeout: float = 15.0
    max_attempts: int = 5  # consecutive attempts without progress
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    ca_bundle: str | None = None  # PEM file with extra CAs for HTTPS (VVAI_CA_BUNDLE)
    s3_endpoint: str | None = None  # S3-compatible endpoint (VVAI_S3_ENDPOINT / AWS_ENDPOINT_URL)

    @classmethod
    def from_env(cls, **overrides: object) -> FetchPolicy:
        p = cls(ca_bundle=os.environ.get("VVAI_CA_BUNDLE") or None,
                s3_endpoint=os.environ.get("VVAI_S3_ENDPOINT") or os.environ.get("AWS_ENDPOINT_URL") or None)
        for k, v in overrides.items():
            if v is not None:
                setattr(p, k, v)
        return p


class Transient(Exception):
    """An attempt failed in a way worth retrying; the message is the one-line reason."""


@dataclass
class Opened:
    """What a transport answered to one request."""

    start: int  # offset of the first byte of `chunks` (0 when the server restarted the body)
    total: int | None  # full size the server announces, when it does
    validator: str | None  # ETag / Last-Modified, for If-Range on the next resume
    chunks: Iterator[bytes]
    close: object = field(default=lambda: None)


class Transport(Protocol):
    def open(self, url: str, offset: int, validator: str | None) -> Opened: ...


# --------------------------------------------------------------------------- transports


class FileTransport:
    def open(self, url: str, offset: int, validator: str | None) -> Opened:
        path = unquote(urlparse(url).path) if url.startswith("file://") else url
        try:
            f = open(path, "rb")  # noqa: SIM115 - closed by Opened.close
        except FileNotFoundError:
            raise FetchError(f"artifact not found: {path}", hint="check the url in the manifest") from None
        except OSError as e:
            raise FetchError(f"cannot read {path}: {e.strerror}") from None
        total = os.fstat(f.fileno()).st_size
        f.seek(offset if offset <= total else 0)

        def chunks() -> Iterator[bytes]:
            while True:
                b = f.read(CHUNK)
                if not b:
                    return
                yield b

        return Opened(start=f.tell(), total=total, validator=None, chunks=chunks(), close=f.close)


def _dns_failure(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("name or service not known", "temporary failure in name resolution",
                                    "nodename nor servname", "no address associated", "name resolution"))


def _tls_failure(exc: BaseException) -> ssl.SSLError | None:
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, ssl.SSLError):
            return e
        e = e.__cause__ or e.__context__
    if "certificate verify failed" in str(exc).lower():
        return ssl.SSLError(str(exc))
    return None


class HttpTransport:
    """HTTP(S) through urllib3, whose C-level body reads keep a 1 GiB download I/O-bound
    (httpx's pure-Python parser cost 4x more CPU per byte here; see bench/model_install.py)."""

    def __init__(self, policy: FetchPolicy):
        import urllib3
        from urllib3.util import Retry, Timeout

        self._u3 = urllib3
        kw: dict[str, object] = {}
        if policy.ca_bundle:
            kw["ca_certs"] = policy.ca_bundle
        self.pool = urllib3.PoolManager(
            timeout=Timeout(connect=policy.connect_timeout, read=policy.stall_timeout),
            retries=Retry(total=None, connect=0, read=0, status=0, other=0, redirect=5,
                          raise_on_redirect=True, raise_on_status=False),
            **kw)
        self.headers = {"Accept-Encoding": "identity", "User-Agent": "vvai-model-fetch"}

    def _fail(self, e: BaseException, host: str) -> Exception:
        u3 = self._u3
        if isinstance(e, u3.exceptions.MaxRetryError) and e.reason is not None:
            e = e.reason
        if isinstance(e, u3.exceptions.SSLError) or _tls_failure(e) is not None:
            tls = _tls_failure(e)
            reason = (getattr(tls, "verify_message", None) or getattr(tls, "reason", None) or str(e)) if tls else str(e)
            return FetchError(f"TLS verification failed for {host}: {reason}",
                              hint="fix the server certificate or point VVAI_CA_BUNDLE at its CA")
        if isinstance(e, u3.exceptions.NameResolutionError) or _dns_failure(e):
            return Transient(f"cannot resolve host {host!r} (DNS)")
        if isinstance(e, u3.exceptions.ConnectTimeoutError) and not isinstance(e, u3.exceptions.NewConnectionError):
            return Transient(f"timed out connecting to {host}")
        if isinstance(e, u3.exceptions.NewConnectionError):
            why = str(e).rsplit(":", 1)[-1].strip()
            return Transient(f"cannot connect to {host}: {why}")
        if isinstance(e, u3.exceptions.ReadTimeoutError):
            return Transient(f"download from {host} stalled (no data)")
        if isinstance(e, u3.exceptions.ProtocolError | u3.exceptions.DecodeError | ConnectionError):
            return Transient(f"connection to {host} broke: {e}")
        return Transient(f"download from {host} failed: {e}")

    def open(self, url: str, offset: int, validator: str | None) -> Opened:
        u3 = self._u3
        host = urlparse(url).hostname or url
        headers = dict(self.headers)
        if offset > 0:
            headers["Range"] = f"bytes={offset}-"
            if validator:
                headers["If-Range"] = validator
        try:
            resp = self.pool.request("GET", url, headers=headers, preload_content=False, decode_content=False)
        except u3.exceptions.HTTPError as e:
            raise self._fail(e, host) from None
        status = resp.status
        if status in (200, 206):
            validator_out = resp.headers.get("ETag")
            if not validator_out or validator_out.startswith("W/"):
                validator_out = resp.headers.get("Last-Modified")
            start, total = 0, None
            if status == 206:
                cr = resp.headers.get("Content-Range", "")
                try:
                    unit_range, _, tot = cr.partition("/")
                    start = int(unit_range.split()[1].split("-")[0])
                    total = int(tot) if tot.strip() != "*" else None
                except (IndexError, ValueError):
                    resp.release_conn()
                    raise Transient(f"{host} sent an invalid Content-Range {cr!r}") from None
            else:
                cl = resp.headers.get("Content-Length")
                total = int(cl) if cl and cl.isdigit() else None

            def chunks() -> Iterator[bytes]:
                try:
                    while True:
                        # read1: whatever arrived (up to CHUNK), so a drop loses no received byte
                        b = resp.read1(CHUNK) if hasattr(resp, "read1") else resp.read(CHUNK)
                        if not b:
                            break
                        yield b  # a short body raises IncompleteRead (enforce_content_length)
                except u3.exceptions.HTTPError as e:
                    raise self._fail(e, host) from None
                except OSError as e:
                    raise Transient(f"connection to {host} broke: {e}") from None

            def close() -> None:
                resp.close()  # never hand a half-read connection back to the pool
                resp.release_conn()

            return Opened(start=start, total=total, validator=validator_out, chunks=chunks(), close=close)
        reason = resp.reason or ""
        resp.close()  # an unread error body must not poison the next request on this connection
        resp.release_conn()
        if status == 416:
            return Opened(start=0, total=None, validator=None, chunks=iter(()), close=lambda: None)
        if status in (408, 425, 429) or status >= 500:
            raise Transient(f"HTTP {status} {reason} from {host}")
        hint = {404: "check the url in the manifest; was the artifact published?",
                401: "the server wants credentials", 403: "the server refuses access; check credentials"}
        raise FetchError(f"HTTP {status} {reason} for {url}", hint=hint.get(status))


class S3Transport:
    """``s3://bucket/key`` through boto3 (the ``s3`` extra), any S3-compatible endpoint."""

    def __init__(self, policy: FetchPolicy):
        try:
            import boto3
            import botocore.config
        except ImportError:
            raise VvaiError("s3:// urls need boto3", hint="pip install 'vvai[s3]'") from None
        cfg = botocore.config.Config(connect_timeout=policy.connect_timeout, read_timeout=policy.stall_timeout,
                                     retries={"max_attempts": 1})
        self.client = boto3.client("s3", endpoint_url=policy.s3_endpoint, config=cfg)

    def open(self, url: str, offset: int, validator: str | None) -> Opened:
        import botocore.exceptions as bex

        u = urlparse(url)
        bucket, key = u.netloc, u.path.lstrip("/")
        kwargs: dict[str, str] = {"Bucket": bucket, "Key": key}
        if offset > 0:
            kwargs["Range"] = f"bytes={offset}-"
            if validator:
                kwargs["IfMatch"] = validator
        try:
            r = self.client.get_object(**kwargs)
        except bex.ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if code in ("PreconditionFailed", "InvalidRange") or status in (412, 416):
                return self.open(url, 0, None)  # object changed or range invalid: restart cleanly
            if code in ("NoSuchKey", "NoSuchBucket", "404") or status == 404:
                raise FetchError(f"{url}: not found ({code})", hint="check the url in the manifest") from None
            if code in ("AccessDenied", "403") or status == 403:
                raise FetchError(f"{url}: access denied", hint="check the S3 credentials") from None
            if status >= 500 or code in ("SlowDown", "RequestTimeout"):
                raise Transient(f"S3 error {code} for {url}") from None
            raise FetchError(f"S3 error {code} for {url}: {e}") from None
        except (bex.EndpointConnectionError, bex.ConnectTimeoutError, bex.ReadTimeoutError) as e:
            raise Transient(f"cannot reach the S3 endpoint: {e}") from None
        except bex.NoCredentialsError:
            raise FetchError("no S3 credentials", hint="set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY") from None
        start, total = 0, None
        cr = r.get("ContentRange")
        if cr:
            rng, _, tot = cr.partition("/")
            start = int(rng.split()[1].split("-")[0])
            total = int(tot) if tot.isdigit() else None
        else:
            total = r.get("ContentLength")
        body = r["Body"]

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(CHUNK)
            except (bex.ReadTimeoutError, bex.ResponseStreamingError, ConnectionError) as e:
                raise Transient(f"S3 download broke: {e}") from None

        return Opened(start=start, total=total, validator=r.get("ETag"), chunks=chunks(), close=body.close)


def transport_for(url: str, policy: FetchPolicy) -> Transport:
    scheme = urlparse(url).scheme.lower() if "://" in url else ""
    if scheme in ("", "file"):
        return FileTransport()
    if scheme in ("http", "https"):
        return HttpTransport(policy)
    if scheme == "s3":
        return S3Transport(policy)
    raise VvaiError(f"unsupported url scheme {scheme!r} in {url}", hint="use a path, file://, http(s):// or s3://")


def read_small(url: str, policy: FetchPolicy, limit: int = 16 << 20) -> bytes | None:
    """Fetch a small document (manifest, signature) whole. ``None`` when it does not exist."""
    for attempt in range(max(1, policy.max_attempts)):
        try:
            opened = transport_for(url, policy).open(url, 0, None)
        except FetchError as e:
            if "not found" in e.message or "HTTP 404" in e.message:
                return None
            raise
        except Transient as e:
            if attempt + 1 >= policy.max_attempts:
                raise FetchError(str(e)) from None
            time.sleep(min(policy.backoff_max, policy.backoff_base * 2**attempt))
            continue
        buf = bytearray()
        try:
            for c in opened.chunks:
                buf += c
                if len(buf) > limit:
                    raise VvaiError(f"{url} is larger than {limit} bytes: not a manifest")
            return bytes(buf)
        except Transient as e:
            if attempt + 1 >= policy.max_attempts:
                raise FetchError(str(e)) from None
        finally:
            opened.close()  # type: ignore[operator]
    return None


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
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)  # wait for the other download to finish or die

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
            meta = json.loads(self.meta.read_text())
            return meta.get("validator") if meta.get("url") == self.url else None
        except (OSError, ValueError):
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
