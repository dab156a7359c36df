"""Where artifact bytes come from: local files, HTTP(S) and S3, behind one small interface.

A transport opens a URL at a byte offset (a resume) and answers with an :class:`Opened`: the
offset the bytes really start at (0 when a server ignored ``Range``), the total size the
server announces, a validator for ``If-Range`` and the chunks. It classifies failures: a
:class:`Transient` one is worth a retry, a ``FetchError`` is final. The download logic that
verifies, resumes and retries lives in :mod:`vvai.models.fetch`.
"""


from __future__ import annotations

import os
import ssl
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import unquote, urlparse

from vvai.common.errors import ConfigError, FetchError, VvaiError
from vvai.common.redact import redact

CHUNK = 1 << 20  # 1 MiB reads


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


class NotFoundError(FetchError):
    """Nothing exists at that location (a missing file, HTTP 404/410, S3 NoSuchKey)."""


class DownloadHTTPError(FetchError):
    """The server answered with an HTTP status that ends the download; carries ``status_code``
    (python-tuf's ``DownloadHTTPError``), so callers decide by type and status, not by text."""

    def __init__(self, message: str, status_code: int, *, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.status_code = status_code


class HTTPNotFoundError(DownloadHTTPError, NotFoundError):
    """HTTP 404 or 410 (or S3's NoSuchKey/NoSuchBucket, which are 404s)."""


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


def _nonblocking(path: str, flags: int) -> int:
    """Open without blocking on a FIFO (then refused by the S_ISREG check); reads stay blocking."""
    fd = os.open(path, flags | os.O_NONBLOCK)
    os.set_blocking(fd, True)
    return fd


class FileTransport:
    def open(self, url: str, offset: int, validator: str | None) -> Opened:
        path = unquote(urlparse(url).path) if url.startswith("file://") else url
        try:
            f = open(path, "rb", opener=_nonblocking)  # noqa: SIM115 - closed by Opened.close
        except FileNotFoundError:
            raise NotFoundError(f"not found: {path}", hint="check the url in the manifest") from None
        except OSError as e:
            raise FetchError(f"cannot read {path}: {e.strerror}") from None
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            f.close()
            raise FetchError(f"cannot read {path}: not a regular file", hint="check the url in the manifest")
        total = st.st_size
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
        kind = HTTPNotFoundError if status in (404, 410) else DownloadHTTPError
        raise kind(f"HTTP {status} {reason} for {redact(url)}", status, hint=hint.get(status))


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
        try:
            self.client = boto3.client("s3", endpoint_url=policy.s3_endpoint, config=cfg)
        except ValueError as e:  # e.g. an endpoint URL botocore cannot use
            raise ConfigError(f"cannot use the S3 endpoint {redact(str(policy.s3_endpoint))}: {redact(str(e))}",
                              hint="check VVAI_S3_ENDPOINT / AWS_ENDPOINT_URL") from None

    @staticmethod
    def split(url: str) -> tuple[str, str]:
        """``s3://bucket/key`` -> (bucket, key); ConfigError (credentials redacted) for anything else."""
        from vvai.models.manifest import has_credentials

        u = urlparse(url)
        if has_credentials(url):
            raise ConfigError(f"{redact(url)}: credentials do not belong in an s3:// URL",
                              hint="give them by AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile")
        bucket, key = u.netloc, u.path.lstrip("/")
        if not bucket or not key:
            raise ConfigError(f"{url}: an s3 URL needs a bucket and a key", hint="use s3://BUCKET/KEY")
        return bucket, key

    def open(self, url: str, offset: int, validator: str | None) -> Opened:
        import botocore.exceptions as bex

        bucket, key = self.split(url)
        url = redact(url)
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
                raise HTTPNotFoundError(f"{url}: not found ({code})", 404,
                                        hint="check the url in the manifest") from None
            if code in ("AccessDenied", "403") or status == 403:
                raise DownloadHTTPError(f"{url}: access denied", 403, hint="check the S3 credentials") from None
            if status >= 500 or code in ("SlowDown", "RequestTimeout"):
                raise Transient(f"S3 error {code} for {url}") from None
            raise DownloadHTTPError(f"S3 error {code} for {url}: {redact(str(e))}", status) from None
        except (bex.EndpointConnectionError, bex.ConnectTimeoutError, bex.ReadTimeoutError) as e:
            raise Transient(f"cannot reach the S3 endpoint: {redact(str(e))}") from None
        except bex.NoCredentialsError:
            raise FetchError("no S3 credentials", hint="set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY") from None
        except (bex.ParamValidationError, bex.BotoCoreError) as e:  # bucket/key botocore will not send
            raise FetchError(f"S3 request for {url} refused: {redact(str(e)).splitlines()[0][:200]}",
                             hint="check the s3:// URL and the endpoint") from None
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
    raise ConfigError(f"unsupported url scheme {scheme!r} in {redact(url)}",
                      hint="use a path, file://, http(s):// or s3://")


def read_small(url: str, policy: FetchPolicy, limit: int = 16 << 20) -> bytes | None:
    """Fetch a small document (manifest, signature) whole. ``None`` when it does not exist."""
    for attempt in range(max(1, policy.max_attempts)):
        try:
            opened = transport_for(url, policy).open(url, 0, None)
        except NotFoundError:
            return None
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
                    raise ConfigError(f"{redact(url)} is larger than {limit} bytes: not a manifest")
            return bytes(buf)
        except Transient as e:
            if attempt + 1 >= policy.max_attempts:
                raise FetchError(str(e)) from None
        finally:
            opened.close()  # type: ignore[operator]
    return None
