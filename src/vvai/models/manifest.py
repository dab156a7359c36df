"""The ``model_manifest.json`` format of the original design, validated.

```json
{"model_name": "BitNet-4bit-Summarizer", "version": "1.0.0", "release_date": "2025-05-01",
 "description": "...", "notes": "...",
 "artifacts": [{"filename": "bitnet_summarizer_v1.0.0.tar.gz", "url": "https://...",
                "sha256": "<64 hex>", "size_bytes": 123456789,
                "target_path_in_container": "/app/models/bitnet"}]}
```

Unknown keys are ignored (forward compatibility). Every validation error names the field and
the problem, e.g. ``artifacts[0].sha256: must be 64 hexadecimal characters (got 'abc')``.
"""

from __future__ import annotations

import json
import posixpath
import re
from datetime import date
from pathlib import Path
from typing import Any

import semver
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from vvai.common import jsonsafe
from vvai.common.errors import ConfigError
from vvai.common.redact import redact

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
# names the store uses at its root: a model folder cannot be called like them
RESERVED_SLOTS = frozenset({"blobs", "versions", "active"})
URL_SCHEMES = ("file", "http", "https", "s3")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")


def has_credentials(url: str) -> bool:
    """``scheme://user:pass@host/...``, also when the password holds a '/' (which a URL parser then
    reads as the start of the path, and would pass the secret on as a bucket or host name)."""
    m = _SCHEME.match(url)
    if m is None:
        return False
    rest = url[m.end():].split("?", 1)[0].split("#", 1)[0]
    authority = rest.split("/", 1)[0]
    return "@" in authority or ("@" in rest and ":" in rest.split("@", 1)[0])


def check_url(url: str, field: str = "url") -> str:
    """A location the transports can fetch: a path (relative to the manifest), file://, http(s)://,
    or s3://bucket/key without credentials in it. ``ValueError`` (credentials redacted) otherwise."""
    if "\x00" in url or any(c in url for c in "\r\n"):
        raise ValueError("must not contain NUL or line breaks")
    m = _SCHEME.match(url)
    if m is None:
        if ":" in url.split("/", 1)[0] and not url.startswith("/"):
            raise ValueError(f"has no '://' after its scheme (got {redact(url)[:120]!r})")
        return url
    scheme = m.group(1).lower()
    if scheme not in URL_SCHEMES:
        raise ValueError(f"unsupported scheme {scheme!r}: use a path, file://, http(s):// or s3:// "
                         f"(got {redact(url)[:120]!r})")
    rest = url[m.end():]
    authority = rest.split("/", 1)[0]
    if has_credentials(url):
        raise ValueError(f"must not carry credentials (got {redact(url)[:120]!r}); "
                         "give S3 credentials by AWS_* variables, HTTP ones are not supported")
    if scheme == "s3":
        bucket, _, key = rest.partition("/")
        if not bucket or not key.strip("/"):
            raise ValueError(f"must be s3://BUCKET/KEY (got {url[:120]!r})")
    elif scheme in ("http", "https") and not authority:
        raise ValueError(f"has no host (got {url[:120]!r})")
    return url


class VersionError(ConfigError, ValueError):
    """Not a semantic version (a ValueError too, for callers that treat it as one)."""


def parse_version(text: str) -> semver.Version:
    """Semantic version; a leading ``v`` is accepted (``v1.2.0``). VersionError otherwise."""
    if not isinstance(text, str):
        raise VersionError(f"not a semantic version: {text!r:.80}")
    raw = text[1:] if text[:1] in "vV" else text
    try:
        return semver.Version.parse(raw)
    except (ValueError, TypeError):
        raise VersionError(f"not a semantic version: {text[:80]!r}", hint="use MAJOR.MINOR.PATCH, e.g. 1.2.0") from None


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as semantic versions compare (build metadata ignored, as semver says)."""
    return parse_version(a).compare(parse_version(b))


def archive_kind(filename: str) -> str | None:
    """``"tar"`` or ``"zip"`` for archives that are extracted, ``None`` for files installed as is."""
    low = filename.lower()
    if low.endswith((".tar.gz", ".tgz", ".tar")):
        return "tar"
    if low.endswith(".zip"):
        return "zip"
    return None


class Artifact(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    filename: str
    url: str = Field(min_length=1)
    sha256: str
    size_bytes: int
    target_path_in_container: str

    @field_validator("filename")
    @classmethod
    def _filename(cls, v: str) -> str:
        if not v or "/" in v or "\\" in v or v in (".", "..") or "\x00" in v:
            raise ValueError(f"must be a plain file name without folders (got {v!r})")
        return v

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return check_url(v)

    @field_validator("sha256")
    @classmethod
    def _sha(cls, v: str) -> str:
        if not _HEX64.match(v):
            raise ValueError(f"must be 64 hexadecimal characters (got {v[:80]!r})")
        return v.lower()

    @field_validator("size_bytes", mode="before")
    @classmethod
    def _size_not_bool(cls, v: Any) -> Any:
        if isinstance(v, bool):  # JSON true is not 1 byte
            raise ValueError(f"must be a number of bytes, not {str(v).lower()}")
        return v

    @field_validator("size_bytes")
    @classmethod
    def _size(cls, v: int) -> int:
        if v <= 0:
            raise ValueError(f"must be a positive number of bytes (got {v})")
        return v

    @field_validator("target_path_in_container")
    @classmethod
    def _target(cls, v: str) -> str:
        if not v.startswith("/"):
            raise ValueError(f"must be an absolute path such as /app/models/bitnet (got {v!r})")
        if ".." in v.split("/") or "\x00" in v:
            raise ValueError(f"must not contain '..' (got {v!r})")
        base = posixpath.basename(posixpath.normpath(v))
        if not base or base in (".", "..", "/") or not _SAFE_NAME.match(base):
            raise ValueError(f"must end in a folder name of letters, digits, '._+-' (got {v!r})")
        if base in RESERVED_SLOTS:
            raise ValueError(f"the folder name {base!r} is reserved by the model store (got {v!r})")
        return v

    @property
    def slot(self) -> str:
        """The folder name under the models root: basename of ``target_path_in_container``."""
        return posixpath.basename(posixpath.normpath(self.target_path_in_container))

    @property
    def archive(self) -> str | None:
        return archive_kind(self.filename)


class Manifest(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    model_name: str = Field(min_length=1)
    version: str
    release_date: date | None = None
    description: str | None = None
    notes: str | None = None
    artifacts: list[Artifact] = Field(min_length=1)

    @field_validator("version")
    @classmethod
    def _version(cls, v: str) -> str:
        try:
            parse_version(v)
        except (ValueError, TypeError):
            raise ValueError(f"must be a semantic version such as 1.2.0 (got {v!r})") from None
        if not _SAFE_NAME.match(v):
            raise ValueError(f"must use only letters, digits and '._+-' (got {v!r})")
        return v

    @model_validator(mode="after")
    def _unique_filenames(self) -> Manifest:
        seen: set[str] = set()
        for i, a in enumerate(self.artifacts):
            if a.filename in seen:
                raise ValueError(f"artifacts[{i}].filename: {a.filename!r} appears twice")
            seen.add(a.filename)
        return self

    @property
    def slots(self) -> list[str]:
        """Distinct model folders this manifest installs, in manifest order."""
        return list(dict.fromkeys(a.slot for a in self.artifacts))

    def to_json_dict(self) -> dict[str, Any]:
        d = self.model_dump(mode="json", exclude_none=True)
        return d


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "missing":
        return "field required"
    msg = str(err.get("msg", "invalid"))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if kind in ("int_type", "int_parsing", "string_type", "list_type", "date_from_datetime_parsing",
                "date_parsing", "int_from_float"):
        msg = f"{msg} (got {err.get('input')!r:.80})"
    return msg


def parse_manifest(data: bytes, where: str = "manifest") -> Manifest:
    """Parse and validate manifest bytes; raise ConfigError naming the field and the problem."""
    where = redact(where)
    obj = jsonsafe.loads(data, what=where, max_depth=16)
    if not isinstance(obj, dict):
        raise ConfigError(f"{where}: the top level must be a JSON object")
    try:
        return Manifest.model_validate(obj)
    except ValidationError as e:
        first = e.errors()[0]
        loc = _loc(tuple(first.get("loc", ())))
        msg = _message(first)
        if loc == "(top level)" and msg.startswith("artifacts["):
            raise ConfigError(f"{where}: {msg}") from None
        more = f" (and {e.error_count() - 1} more problem(s))" if e.error_count() > 1 else ""
        raise ConfigError(f"{where}: {loc}: {msg}{more}") from None


def dump_manifest(m: Manifest) -> str:
    return json.dumps(m.to_json_dict(), indent=2) + "\n"


def resolve_url(base: str, url: str) -> str:
    """Resolve an artifact ``url`` relative to the manifest's location (path or URL)."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url):
        return url
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", base):
        scheme, rest = base.split("://", 1)
        if scheme == "file":
            return "file://" + posixpath.normpath(posixpath.join(posixpath.dirname(rest), url))
        head, _, path = rest.partition("/")
        joined = posixpath.normpath(posixpath.join(posixpath.dirname("/" + path), url))
        return f"{scheme}://{head}{joined}"
    if url.startswith("/"):
        return url
    return str((Path(base).parent / url).resolve())
