"""Crash-safe file writing: a temporary name in the target folder, then an atomic rename."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator

from ocr.errors import OutputError


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Yield a file object; the target appears only complete, never half-written."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"Không ghi được vào thư mục {target.parent} ({exc.strerror})",
                          f"cannot write to folder {target.parent}", path=str(target)) from exc
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def free_path(path: str | os.PathLike, overwrite: bool = False) -> Path:
    """`path` itself when free (or `overwrite`), else the first free `stem-2.ext`, `stem-3.ext` ..."""
    target = Path(path)
    if overwrite or not target.exists():
        return target
    n = 2
    while True:
        candidate = target.with_name(f"{target.stem}-{n}{target.suffix}")
        if not candidate.exists():
            return candidate
        n += 1
