"""Hostile inputs, made on demand in a temp folder: what a careless or malicious user can hand a command.

Each builder writes one thing where a file is expected and returns its path. The bytes are
made here rather than stored (5 MB lines and FIFOs do not belong in git).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

DEEP = 100_000  # nesting that blows Python's recursion limit in json.loads


def deep_array(p: Path) -> Path:
    p.write_bytes(b"[" * DEEP + b"]" * DEEP)
    return p


def deep_object(p: Path) -> Path:
    p.write_bytes(b'{"a":' * DEEP + b"1" + b"}" * DEEP)
    return p


def deep_unclosed(p: Path) -> Path:
    p.write_bytes(b"[" * DEEP)
    return p


def five_mb_line(p: Path) -> Path:
    p.write_bytes(b"a" * (5 << 20))
    return p


def five_mb_json_string(p: Path) -> Path:
    p.write_bytes(b'{"model_name": "' + b"x" * (5 << 20) + b'"}')
    return p


def invalid_utf8(p: Path) -> Path:
    p.write_bytes(b'{"model_name": "\xff\xfe\xc3\x28", "version": "1.0.0"}')
    return p


def binary(p: Path) -> Path:
    p.write_bytes(random.Random(7).randbytes(4096))
    return p


def empty(p: Path) -> Path:
    p.write_bytes(b"")
    return p


def huge_int(p: Path) -> Path:
    p.write_bytes(b'{"size": ' + b"9" * 5000 + b"}")
    return p


def json_scalar(p: Path) -> Path:
    p.write_text(json.dumps("just a string"))
    return p


def fifo(p: Path) -> Path:
    os.mkfifo(p)
    return p


def folder(p: Path) -> Path:
    p.mkdir()
    return p


def symlink_to_shadow(p: Path) -> Path:
    p.symlink_to("/etc/shadow")
    return p


def symlink_loop(p: Path) -> Path:
    p.symlink_to(p.name)
    return p


def dangling(p: Path) -> Path:
    p.symlink_to(p.with_name("does-not-exist"))
    return p


#: every builder that produces "not the JSON document you expected"
BAD_JSON = {
    "deep_array": deep_array,
    "deep_object": deep_object,
    "deep_unclosed": deep_unclosed,
    "five_mb_line": five_mb_line,
    "invalid_utf8": invalid_utf8,
    "binary": binary,
    "empty": empty,
    "huge_int": huge_int,
    "json_scalar": json_scalar,
    "fifo": fifo,
    "folder": folder,
    "symlink_to_shadow": symlink_to_shadow,
    "symlink_loop": symlink_loop,
    "dangling": dangling,
}
