"""The one error type the CLI turns into a one-line message and a non-zero exit.

Every failure a user can cause or fix (bad input, network, disk, integrity) is raised as a
:class:`VvaiError` (or a subclass) carrying a one-line ``message`` and, where we know it, a
``hint`` telling what to do next. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class VvaiError(Exception):
    """A failure with a one-line explanation for the operator."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.message = " ".join(str(message).split())  # always one line
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def one_line(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(VvaiError):
    """Invalid configuration or input document (manifest, vvai.toml, bundle)."""

    exit_code = 2


class IntegrityError(VvaiError):
    """Bytes on disk or on the wire differ from what was promised (hash, size, signature)."""

    exit_code = 3


class FetchError(VvaiError):
    """A download failed (network, HTTP status, timeout, TLS, DNS)."""

    exit_code = 4


class LockedError(VvaiError):
    """Another process holds the lock on a resource."""

    exit_code = 5


class NotFoundError(VvaiError):
    """The thing named does not exist (an action, an incident id): HTTP 404."""

    exit_code = 2


class ConflictError(VvaiError):
    """The request is valid but the state forbids it (an action no longer pending, expired): HTTP 409."""

    exit_code = 6
