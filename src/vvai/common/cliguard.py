"""What every command of ``vvai model`` / ``vvai pipeline`` does on its way out with an error.

:func:`guarded` wraps a Typer command so that

- a :class:`VvaiError`'s message and hint go through the redactor (a URL with a password, a
  token in a query string, never reach the terminal or a log collector reading stderr);
- an ``OSError`` that escapes (a read-only or immutable file system, a permission, a full
  disk: the environment, not a bug) becomes a one-line ``VvaiError`` naming the file.

Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from vvai.common.errors import VvaiError
from vvai.common.redact import redact

F = TypeVar("F", bound=Callable[..., Any])

_HINTS = {
    errno.EROFS: "the file system is read-only: remount it read-write or choose another folder",
    errno.EACCES: "check the owner and mode of the file (or run as its owner)",
    errno.EPERM: "not permitted: check the owner, the mode, and whether it is immutable (lsattr; chattr -i)",
    errno.ENOSPC: "free some disk space, then retry",
    errno.EDQUOT: "the disk quota is exhausted: free some space, then retry",
    errno.ENAMETOOLONG: "use a shorter path",
    errno.ELOOP: "a symbolic link loops or is not allowed there",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "a folder is where a file was expected",
}


def os_error(e: OSError) -> VvaiError:
    where = f" {e.filename}" if e.filename else ""
    return VvaiError(f"cannot change or read{where}: {e.strerror or e}", hint=_HINTS.get(e.errno or 0))


def redacted(e: VvaiError) -> VvaiError:
    e.message = redact(e.message)
    if e.hint:
        e.hint = redact(e.hint)
    e.args = (e.message,)
    return e


def guarded(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except VvaiError as e:
            raise redacted(e) from None
        except OSError as e:
            raise redacted(os_error(e)) from None

    return wrapper  # type: ignore[return-value]
