"""Terminal progress for long commands: a rich bar on a terminal, silence otherwise."""
from __future__ import annotations

import contextlib
import sys
from typing import Callable, Iterator


@contextlib.contextmanager
def progress_bar(label: str, total: int) -> Iterator[Callable[[int, int], None]]:
    """Yield a `progress(done, total)` callback; pages/min and ETA shown on a TTY."""
    if not sys.stderr.isatty() or total <= 1:
        yield lambda done, total: None
        return
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]} trang/phút"), TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task(label, total=total, rate="–")

        def update(done: int, total_now: int) -> None:
            elapsed = bar.tasks[0].elapsed or 0.0
            rate = f"{done / elapsed * 60:.1f}" if elapsed > 0 else "–"
            bar.update(task, completed=done, total=total_now, rate=rate)

        yield update
