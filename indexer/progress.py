"""A live progress bar for a backfill, on stderr: done/total, rate, ETA and failures.

It stays quiet when stderr is not a terminal (a pipe, a log file, cron), so
logs hold the summary line and nothing else.
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
)
from rich.text import Text


def _rate(task: Any) -> float | None:
    # Our own rate, not rich's ``task.speed``: rich forgets its samples whenever the total
    # changes, and a backfill's total grows with every item discovery finds. Counted from the
    # first item on, so the start-up (loading hazm and spaCy) does not drag the ETA for minutes.
    first, done = task.fields["first"], task.fields["run_done"]
    elapsed = time.monotonic() - first if first is not None else 0.0
    return (done - 1) / elapsed if done > 1 and elapsed > 0 else None


class _Rate(ProgressColumn):
    def render(self, task: Any) -> Text:
        rate = _rate(task)
        return Text(f"{rate:.1f} docs/s" if rate else "… docs/s", style="cyan")


class _Eta(ProgressColumn):
    def render(self, task: Any) -> Text:
        rate = _rate(task)
        if not rate or task.total is None:
            return Text("eta -:--:--", style="progress.remaining")
        left = int(max(task.total - task.completed, 0) / rate)
        return Text(f"eta {left // 3600}:{left // 60 % 60:02d}:{left % 60:02d}", style="progress.remaining")


LABEL_CHARS = 32  # a job named by its URL would push the counts off an 80-column terminal


def _short(label: str) -> str:
    if len(label) <= LABEL_CHARS:
        return label
    half = (LABEL_CHARS - 1) // 2
    return f"{label[:half]}…{label[-half:]}"


class RichProgress:
    """Implements ``indexer.backfill.Progress``. Use as a context manager around the run."""

    def __init__(self, label: str, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), _Rate(),
                             _Eta(), TextColumn("[red]{task.fields[failed]} failed"),
                             console=self.console, disable=not self.console.is_terminal, transient=False)
        self._task = self._bar.add_task(_short(label), total=None, failed=0, first=None, run_done=0)
        self._failed = self._run_done = 0
        self._first: float | None = None

    def __enter__(self) -> RichProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def started(self, total: int, completed: int, failed: int) -> None:
        # Items finished by an earlier run count as done, but not towards this run's rate.
        self._failed = failed
        self._bar.reset(self._task, total=total or None, completed=completed, failed=failed,
                        first=None, run_done=0)

    def grew(self, total: int) -> None:
        self._bar.update(self._task, total=total)

    def advanced(self, status: str) -> None:
        self._failed += status == "failed"
        self._run_done += 1
        self._first = self._first if self._run_done > 1 else time.monotonic()
        self._bar.update(self._task, advance=1, failed=self._failed, run_done=self._run_done, first=self._first)
