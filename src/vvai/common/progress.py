"""Rich progress bars for long work (downloads, hashing, evaluation), on stderr.

Library code reports progress through the small ``ProgressSink`` protocol
(``vvai.models.fetch``); this module is the rich-backed implementation the CLI passes in.
Nothing is drawn when stderr is not a terminal unless forced, so logs stay clean.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)


class RichProgress:
    def __init__(self, enabled: bool = True, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self.enabled = enabled
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def begin(self, name: str, total: int, done: int) -> None:
        if not self.enabled:
            return
        self._progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
            TextColumn("ETA"), TimeRemainingColumn(), console=self.console, transient=False,
            refresh_per_second=8)
        self._progress.start()
        self._task = self._progress.add_task(name, total=total, completed=done)

    def advance(self, n: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, n)

    def reset(self, done: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=done)

    def end(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
            self._task = None
