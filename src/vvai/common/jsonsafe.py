"""The project's one JSON loader for documents that come from outside (manifests, signature files,
bundle.json, state files): bounded nesting, bounded size, and every failure a one-line
:class:`~vvai.common.errors.ConfigError` that names the document.

``json.loads('[' * 100000)`` raises ``RecursionError``; a 5,000-digit number raises a bare
``ValueError``; bytes that are not UTF-8 raise ``UnicodeDecodeError``. :func:`loads` turns each
into ``ConfigError("<what>: ...")``. The nesting depth is measured before parsing, in one linear
pass over the strings and brackets (a regex that consumes whole strings, so brackets inside
strings do not count). :func:`read_file` also refuses what is not a regular file (a folder, a
FIFO, which would block a reader forever, a device) before opening it for reading.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from vvai.common.errors import ConfigError

MAX_DEPTH = 64
MAX_BYTES = 64 << 20
# a whole string (its closing quote optional, so an unterminated one is consumed once, not rescanned)
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[{]|[\]}]', re.DOTALL)


def depth(text: str) -> int:
    """Deepest bracket nesting of a JSON text (strings skipped); linear in the text."""
    d = best = 0
    for m in _TOKENS.finditer(text):
        c = m.group(0)[0]
        if c in "[{":
            d += 1
            if d > best:
                best = d
        elif c in "]}":
            d -= 1
    return best


def loads(data: bytes | str, *, what: str, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES) -> Any:
    """Parse JSON from outside; ``ConfigError`` naming ``what`` for anything that is not JSON we accept."""
    if len(data) > max_bytes:
        raise ConfigError(f"{what}: larger than {max_bytes:,} bytes", hint="this is not the expected JSON document")
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as e:
            raise ConfigError(f"{what}: not UTF-8 text (byte {e.start})", hint="it must be a JSON text file") from None
    else:
        text = data
    if text.startswith("\ufeff"):
        text = text[1:]
    if "[" in text or "{" in text:
        n = depth(text)
        if n > max_depth:
            raise ConfigError(f"{what}: JSON nested {n} levels deep (the limit is {max_depth})",
                              hint="this is not the expected JSON document")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(f"{what}: invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    except RecursionError:  # backstop: the depth check above should make this unreachable
        raise ConfigError(f"{what}: JSON nested too deeply") from None
    except ValueError as e:  # e.g. an integer of more than 4300 digits
        raise ConfigError(f"{what}: invalid JSON: {str(e).splitlines()[0][:200]}") from None


def read_bytes(path: Path | str, *, what: str | None = None, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file; ``ConfigError`` for a folder, FIFO, device, missing or unreadable file.

    Opened with ``O_NONBLOCK`` and checked with ``fstat`` on the opened descriptor, so a FIFO put
    where a file is expected neither blocks nor is read (and no check-then-open race)."""
    p = Path(path)
    label = what or str(p)
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise ConfigError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{label}: is a folder, not a file") from None
    except OSError as e:
        raise ConfigError(f"{label}: cannot open: {e.strerror}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise ConfigError(f"{label}: is a folder, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"{label}: not a regular file (a FIFO, socket or device)")
        if st.st_size > max_bytes:
            raise ConfigError(f"{label}: larger than {max_bytes:,} bytes")
        os.set_blocking(fd, True)
        chunks = []
        total = 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise ConfigError(f"{label}: larger than {max_bytes:,} bytes")
        return b"".join(chunks)
    except OSError as e:
        raise ConfigError(f"{label}: cannot read: {e.strerror}") from None
    finally:
        os.close(fd)


def load_file(path: Path | str, *, what: str | None = None, max_depth: int = MAX_DEPTH,
              max_bytes: int = MAX_BYTES) -> Any:
    """:func:`read_bytes` then :func:`loads`."""
    label = what or str(path)
    return loads(read_bytes(path, what=label, max_bytes=max_bytes), what=label, max_depth=max_depth,
                 max_bytes=max_bytes)
