"""monitor: templates. Log template mining (Drain-like, see :mod:`.miner`) for the self-monitor.

``TemplateMiner`` is the pure algorithm; :mod:`.masking` the masks, :mod:`.logformat` the
Loghub ``<Field>`` header notation, :mod:`.snapshot` persistence, :mod:`.runner` file I/O and
:mod:`.cli` the ``vvai monitor templates`` command. The exports are resolved lazily so that
importing the CLI (done at every ``vvai`` start) does not compile the miner's regexes.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MinedTemplate", "TemplateMiner"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from vvai.monitor.templates import miner

        return getattr(miner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
