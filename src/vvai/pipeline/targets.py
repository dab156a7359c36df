"""Where the exporter ships to: a local folder or an S3-compatible bucket.

Each target uploads an object and then *confirms* it independently of the upload call:
a folder target re-reads the copy and compares size and sha256; an S3 target asks the server
(HEAD) for the object's ContentLength and the sha256 we attached as metadata, and, for
single-part uploads, compares the ETag with the file's MD5, which the server computed itself.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from vvai.common.atomic import atomic_writer
from vvai.common.errors import ConfigError
from vvai.common.redact import redact

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Digests:
    sha256: str
    md5: str
    size: int


def digests(path: Path) -> Digests:
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    return Digests(sha.hexdigest(), md5.hexdigest(), size)


class ConfirmError(Exception):
    """The target does not hold what we sent (size or hash differ)."""


class Target(Protocol):
    url: str

    def put(self, path: Path, key: str, d: Digests) -> str: ...  # returns the object's URL
    def confirm(self, key: str, d: Digests) -> None: ...
    def is_transient(self, exc: BaseException) -> bool: ...
    def stops_sweep(self, exc: BaseException) -> bool: ...


class FolderTarget:
    """A local (or mounted) folder; objects are written atomically under their key."""

    def __init__(self, dest: Path):
        self.dest = Path(dest).absolute()
        self.url = str(self.dest)

    def _path(self, key: str) -> Path:
        p = (self.dest / key).absolute()
        if self.dest not in p.parents:
            raise ConfigError(f"refusing key outside the destination: {key}")
        return p

    def put(self, path: Path, key: str, d: Digests) -> str:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "rb") as src, atomic_writer(target, "wb") as out:
            shutil.copyfileobj(src, out, _CHUNK)
        return str(target)

    def confirm(self, key: str, d: Digests) -> None:
        got = digests(self._path(key))
        if (got.size, got.sha256) != (d.size, d.sha256):
            raise ConfirmError(
                f"copy differs: size {got.size} vs {d.size}, sha256 {got.sha256[:12]} vs {d.sha256[:12]}"
            )

    def is_transient(self, exc: BaseException) -> bool:
        return isinstance(exc, OSError) and exc.errno in (errno.EAGAIN, errno.EINTR, errno.EIO, errno.EBUSY)

    def stops_sweep(self, exc: BaseException) -> bool:
        """Errors of the destination as a whole (full, read-only, forbidden): every file would fail."""
        return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES)


_FATAL_S3_CODES = ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "NoSuchBucket")


class S3Target:
    """``s3://bucket/prefix`` on AWS or any S3-compatible server (MinIO, Ceph, moto...)."""

    def __init__(
        self, url: str, *, endpoint_url: str | None = None, connect_timeout: float = 5.0, read_timeout: float = 60.0
    ):
        rest = url[len("s3://") :]
        bucket, _, prefix = rest.partition("/")
        if not bucket:
            raise ConfigError(f"no bucket in {url!r}", hint="use s3://BUCKET/PREFIX")
        self.bucket, self.prefix, self.url = bucket, prefix.strip("/"), url
        self.endpoint_url = endpoint_url or os.environ.get("VVAI_S3_ENDPOINT") or None
        try:
            import boto3
            from botocore.config import Config
        except ImportError as e:
            raise ConfigError("boto3 is not installed", hint="pip install 'vvai[s3]'") from e
        cfg = Config(
            connect_timeout=connect_timeout, read_timeout=read_timeout, retries={"max_attempts": 1, "mode": "standard"}
        )  # we retry (and log) ourselves
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            config=cfg,
            region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        )

    def key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, path: Path, key: str, d: Digests) -> str:
        from boto3.s3.transfer import TransferConfig

        self.client.upload_file(
            str(path),
            self.bucket,
            self.key(key),
            ExtraArgs={"Metadata": {"sha256": d.sha256}},
            Config=TransferConfig(multipart_threshold=64 << 20, use_threads=False),
        )
        return f"s3://{self.bucket}/{self.key(key)}"

    def confirm(self, key: str, d: Digests) -> None:
        head = self.client.head_object(Bucket=self.bucket, Key=self.key(key))
        if head.get("ContentLength") != d.size:
            raise ConfirmError(f"server holds {head.get('ContentLength')} bytes, sent {d.size}")
        if head.get("Metadata", {}).get("sha256") != d.sha256:
            raise ConfirmError("server-side sha256 metadata differs from the file")
        etag = str(head.get("ETag", "")).strip('"')
        if etag and "-" not in etag and etag != d.md5:
            raise ConfirmError(f"server ETag {etag} is not the file's MD5 {d.md5}")

    def is_transient(self, exc: BaseException) -> bool:
        from botocore.exceptions import ClientError

        if self.unreachable(exc):
            return True
        if isinstance(exc, ClientError):
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            return status >= 500 or exc.response.get("Error", {}).get("Code") in ("SlowDown", "RequestTimeout")
        return False

    def stops_sweep(self, exc: BaseException) -> bool:
        """Unreachable, or refused as a whole (credentials, permissions, bucket): every file would fail."""
        from botocore.exceptions import ClientError, NoCredentialsError

        if self.unreachable(exc) or isinstance(exc, NoCredentialsError):
            return True
        if isinstance(exc, ClientError):
            return exc.response.get("Error", {}).get("Code") in _FATAL_S3_CODES
        from boto3.exceptions import S3UploadFailedError

        return isinstance(exc, S3UploadFailedError) and any(c in str(exc) for c in _FATAL_S3_CODES)

    def unreachable(self, exc: BaseException) -> bool:
        """Connection refused/reset, DNS, timeouts: the server, not this object, is the problem."""
        from botocore.exceptions import ConnectionError as BotoConnectionError
        from botocore.exceptions import HTTPClientError

        return isinstance(exc, BotoConnectionError | HTTPClientError)


def make_target(dest: str, *, endpoint_url: str | None = None, source_root: Path | None = None
                ) -> FolderTarget | S3Target:
    """The exporter's destination. A folder inside the pipeline root (``source_root``: the root
    itself, ``processed/``...) or an empty one (the current folder) is refused: shipping onto the
    source records files as shipped whose only copies cleanup then deletes."""
    if not dest or not dest.strip():
        raise ConfigError("--to is empty", hint="give a destination folder outside the pipeline root, or s3://...")
    if "\x00" in dest:
        raise ConfigError("--to contains a NUL character", hint="give a destination folder or s3://bucket/prefix")
    if dest.startswith("s3://"):
        pre = dest[5:].split("?", 1)[0]
        if "@" in pre.split("/", 1)[0] or ("@" in pre and ":" in pre.split("@", 1)[0]):
            raise ConfigError(f"{redact(dest)}: credentials do not belong in an s3:// URL",
                              hint="give them by AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile")
        return S3Target(dest, endpoint_url=endpoint_url)
    if "://" in dest:
        raise ConfigError(f"unsupported destination {redact(dest)!r}", hint="use a folder path or s3://bucket/prefix")
    target = FolderTarget(Path(dest))
    if source_root is not None:
        src = Path(os.path.realpath(source_root))
        real = Path(os.path.realpath(target.dest))
        if real == src or src in real.parents:
            raise ConfigError(f"--to {dest} is inside the pipeline root {source_root}",
                              hint="ship to a folder outside it (the exporter would ship files onto themselves)")
    return target
