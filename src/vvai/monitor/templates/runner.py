"""Mine a whole log file (or stdin) into templates: the I/O side of the template miner.

Lines are read as bytes and decoded as UTF-8 with replacement, so binary junk or a truncated
multi-byte character never stops a run; ``\\r\\n`` endings are stripped. With a log format, the
template is mined from the ``Content`` field; a line that does not fit the format is mined
whole and counted in ``unmatched_format``.

With ``per_line=True`` the cluster id of every line is kept (8 bytes a line, in an ``array``)
so that each line can be reported with its template *as known at the end of the run*: a
template only changes when a message joins it, and the miner returns the updated template
then, so the last template returned for an id is its final one (even if the cluster was
evicted later).
"""

from __future__ import annotations

import sys
import time
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from vvai.common.errors import VvaiError
from vvai.monitor.templates.logformat import LogFormat
from vvai.monitor.templates.miner import MinedTemplate, TemplateMiner


class Progress(Protocol):
    def begin(self, name: str, total: int, done: int) -> None: ...
    def advance(self, n: int) -> None: ...
    def end(self) -> None: ...


@dataclass
class MineResult:
    """What a run produced: the miner (templates), counts and, optionally, per-line ids."""

    miner: TemplateMiner
    lines: int = 0
    unmatched_format: int = 0
    seconds: float = 0.0
    line_ids: array | None = None
    final_templates: dict[int, str] = field(default_factory=dict)

    def templates(self) -> list[MinedTemplate]:
        return self.miner.templates()

    def per_line(self) -> Iterator[dict]:
        """``{"line": N, "template_id": id, "template": final template}`` for every line, N from 1."""
        final = self.final_templates
        for n, tid in enumerate(self.line_ids or (), start=1):
            yield {"line": n, "template_id": tid, "template": final[tid]}

    def stats(self) -> dict:
        return {
            "lines": self.lines,
            "unmatched_format": self.unmatched_format,
            "templates": len(self.miner),
            "evicted_templates": self.miner.evicted,
            "seconds": round(self.seconds, 4),
        }


def mine_lines(
    lines: Iterable[bytes | str],
    miner: TemplateMiner,
    *,
    log_format: LogFormat | None = None,
    per_line: bool = False,
    progress: Progress | None = None,
) -> MineResult:
    """Mine every line of ``lines`` (bytes or text, with or without line endings)."""
    res = MineResult(miner=miner, line_ids=array("q") if per_line else None)
    add = miner.add_message
    content_of = log_format.content if log_format is not None else None
    ids = res.line_ids
    final = res.final_templates
    unmatched = 0
    n = 0
    pending = 0  # bytes read but not yet reported to the progress bar
    t0 = time.perf_counter()
    for raw in lines:
        if progress is not None:
            pending += len(raw)
            if pending >= 1 << 16:
                progress.advance(pending)
                pending = 0
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes | bytearray) else raw
        if text.endswith("\n"):
            text = text[:-1]
        if text.endswith("\r"):
            text = text[:-1]
        n += 1
        if content_of is not None:
            content = content_of(text)
            if content is None:
                unmatched += 1
                content = text
        else:
            content = text
        t = add(content)
        if ids is not None:
            ids.append(t.template_id)
            final[t.template_id] = t.template
    if progress is not None and pending:
        progress.advance(pending)
    res.seconds = time.perf_counter() - t0
    res.lines = n
    res.unmatched_format = unmatched
    return res


def mine_file(
    path: str,
    *,
    log_format: str | None = None,
    masks: list[str] | None = None,
    per_line: bool = False,
    progress: Progress | None = None,
) -> MineResult:
    """Mine the file at ``path`` (``"-"``: stdin). Bad masks/format: ConfigError; bad path: VvaiError."""
    fmt = LogFormat.compile(log_format) if log_format else None
    miner = TemplateMiner(masks=masks or [])
    if path == "-":
        return mine_lines(sys.stdin.buffer, miner, log_format=fmt, per_line=per_line)
    p = Path(path)
    f = _open(p)
    try:
        total = _size(f)
        if progress is not None and total:
            progress.begin(p.name, total, 0)
        try:
            return mine_lines(f, miner, log_format=fmt, per_line=per_line, progress=progress if total else None)
        except OSError as e:
            raise VvaiError(f"cannot read {p}: {e.strerror or e}", hint="check the file and its permissions") from e
        finally:
            if progress is not None and total:
                progress.end()
    finally:
        f.close()


def _open(p: Path) -> BinaryIO:
    hint = "check the path and its permissions"
    try:
        if p.is_dir():
            raise VvaiError(f"{p} is a directory, not a log file", hint="pass a file, or - for stdin")
        return open(p, "rb")  # noqa: SIM115 - closed by the caller
    except FileNotFoundError as e:
        raise VvaiError(f"no such log file: {p}", hint=hint) from e
    except PermissionError as e:
        raise VvaiError(f"permission denied reading {p}", hint=hint) from e
    except OSError as e:
        raise VvaiError(f"cannot open {p}: {e.strerror or e}", hint=hint) from e


def _size(f: BinaryIO) -> int:
    import os
    import stat

    st = os.fstat(f.fileno())
    return st.st_size if stat.S_ISREG(st.st_mode) else 0
