"""Hot-folder mode of `sohoa batch --watch`: pages are taken as the scanner drops them.

A file is taken once its size has stayed the same over two polls (a scanner writing a TIFF over
the network takes a while); new pages join the open dossier. Ctrl+C (or `stop_after_idle`
seconds without a new file) closes the open documents and dossier cleanly and writes the
report. Restarting the same command resumes from the journal: files already taken are replayed
in the order they arrived.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Optional

from ocr.textnorm import nfc

log = logging.getLogger(__name__)


class StableFiles:
    """Remembers sizes between polls; a file is ready when size and mtime match on two polls."""

    def __init__(self):
        self.seen: dict[str, tuple[int, int]] = {}

    def poll(self, paths: list[Path], taken: set[str]) -> list[Path]:
        ready = []
        current: dict[str, tuple[int, int]] = {}
        for path in paths:
            name = nfc(path.name)
            if name in taken:
                continue
            try:
                st = path.stat()
            except OSError:
                continue
            sig = (st.st_size, st.st_mtime_ns)
            current[name] = sig
            if sig[0] > 0 and self.seen.get(name) == sig:
                ready.append(path)
        self.seen = current
        return sorted(ready, key=lambda p: nfc(p.name))


def watch_loop(runner, stop_after_idle: Optional[float] = None) -> None:
    if stop_after_idle is None:
        stop_after_idle = runner.opts.stop_after_idle
    taken = set(runner.journal.files())
    stable = StableFiles()
    try:
        runner._process(runner.journal_pages())  # files taken by an earlier run, in arrival order
        last_new = time.monotonic()
        while True:
            ready = stable.poll(runner._list_sources(), taken)
            if ready:
                files = runner.journal.files()
                first_seq = max((r.seq for r in files.values()), default=-1) + 1
                pages = runner._register(ready, first_seq=first_seq)
                taken.update(nfc(p.name) for p in ready)
                runner._process(pages)
                last_new = time.monotonic()
            elif stop_after_idle is not None and time.monotonic() - last_new >= stop_after_idle:
                break
            time.sleep(runner.opts.poll_seconds)
    except KeyboardInterrupt:
        log.info("watch: interrupted, closing the open documents")
    runner._finish()
