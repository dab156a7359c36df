"""The only code in vvai that changes anything: engine writes, file moves, cleanup, model rollback.

Imported ONLY by :mod:`vvai.actions.executor` (and its own tests); an import-contract test
enforces it. Each effector raises :class:`EffectorFailed` with an operator-readable reason.
"""

from vvai.common.errors import VvaiError


class EffectorFailed(VvaiError):
    """The change could not be made (denied, gone, engine error); the outcome is ``failed``."""
