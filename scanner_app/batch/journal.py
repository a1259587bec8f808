"""The batch journal: which pages are done, their results, which documents are written.

SQLite in `OUT/.sohoa-batch/journal.db` (WAL, synchronous=FULL): a page's result is committed
the moment it arrives, so a crash, kill -9 or power cut loses at most the pages in flight.
The stored result is the whole `ProcessedPage` (archive image bytes included), so a resumed
run rebuilds documents without OCR'ing a finished page again.

Only the coordinating process touches the journal (Dask workers never do). A second run on
the same output folder is refused through an OS-level lock on `OUT/.sohoa-batch/lock`
(fcntl on POSIX, msvcrt on Windows): the OS drops it when the process dies, however it dies.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import pickle
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from ocr.errors import OutputError, SohoaError
from ocr.model import ProcessedPage

DIRNAME = ".sohoa-batch"
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    name TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    pages INTEGER NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pages (
    name TEXT NOT NULL, idx INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',          -- pending | done | error
    result BLOB, error TEXT,
    processed INTEGER NOT NULL DEFAULT 0,           -- times this page went through OCR
    run INTEGER,
    PRIMARY KEY (name, idx));
CREATE TABLE IF NOT EXISTS documents (
    path TEXT PRIMARY KEY, signature TEXT NOT NULL, summary TEXT NOT NULL,
    stored INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT NOT NULL, finished TEXT,
    pages_processed INTEGER NOT NULL DEFAULT 0, executor TEXT);
"""


def output_error(exc: Exception, folder: Path) -> OutputError:
    """A batch output folder that cannot be written (full, read-only, a file in the way), in one line.

    Resuming after the cause is fixed picks up where the run stopped: committed pages stay done.
    """
    text = str(exc).lower()
    errno_ = getattr(exc, "errno", None)
    if errno_ == 28 or "full" in text:
        vi, en = "Hết dung lượng đĩa", "disk full"
    elif errno_ == 30 or "readonly" in text or "read-only" in text:
        vi, en = "Ổ đĩa chỉ đọc", "read-only disk"
    elif isinstance(exc, (NotADirectoryError, FileExistsError)):
        vi, en = "Đường dẫn kết quả trỏ vào một tệp, không phải thư mục", "the output path is a file, not a folder"
    else:
        vi, en = f"Không ghi được ({getattr(exc, 'strerror', None) or exc})", "cannot write"
    return OutputError(f"{vi} (thư mục kết quả); hãy khắc phục rồi chạy lại lệnh, việc đã xong được giữ lại",
                       f"{en} (output folder); fix it and run again, finished work is kept", path=str(folder))


def page_key(name: str, idx: int) -> str:
    return f"{name}#{idx}"


class RunLock:
    """An exclusive OS lock on a file; released by the OS when the holder dies."""

    def __init__(self, path: Path):
        self.path = path
        self.fh = None

    def acquire(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(self.path, "a+b")
        except OSError as exc:
            raise output_error(exc, self.path.parent.parent) from None
        try:
            if sys.platform == "win32":
                import msvcrt

                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                fh.seek(0)
                holder = fh.read().decode("ascii", "replace").strip() or "?"
            except OSError:  # Windows: the locked byte cannot be read either
                holder = "?"
            fh.close()
            raise SohoaError(
                f"Thư mục kết quả {self.path.parent.parent} đang được một lần chạy `sohoa batch` khác dùng "
                f"(tiến trình {holder}). Hãy chờ lần chạy đó xong hoặc chọn thư mục khác",
                "the output folder is in use by another batch run") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()).encode())
        fh.flush()
        self.fh = fh

    def release(self) -> None:
        if self.fh is None:
            return
        try:
            if sys.platform == "win32":
                import msvcrt

                self.fh.seek(0)
                msvcrt.locking(self.fh.fileno(), msvcrt.LK_UNLCK, 1)
            else:
                import fcntl

                fcntl.flock(self.fh.fileno(), fcntl.LOCK_UN)
        finally:
            self.fh.close()
            self.fh = None


@dataclass
class FileRow:
    name: str
    size: int
    mtime_ns: int
    pages: int
    seq: int


class Journal:
    """Open with `Journal.open(out_dir)`; always `close()` (or use as a context manager)."""

    def __init__(self, out_dir: Path):
        self.dir = Path(out_dir) / DIRNAME
        self.lock = RunLock(self.dir / "lock")
        self.db: Optional[sqlite3.Connection] = None
        self.run_id: Optional[int] = None

    @classmethod
    def open(cls, out_dir: Path, executor: str = "local") -> "Journal":
        j = cls(out_dir)
        j.lock.acquire()
        try:
            j._connect()
            j._start_run(executor)
        except BaseException:
            j.lock.release()
            raise
        return j

    def _connect(self) -> None:
        try:
            self.db = sqlite3.connect(self.dir / "journal.db", isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(_SCHEMA)
        except sqlite3.OperationalError as exc:
            raise output_error(exc, self.dir) from None
        except sqlite3.DatabaseError as exc:
            raise OutputError(f"Sổ theo dõi {self.dir / 'journal.db'} bị hỏng ({exc}); hãy xóa thư mục "
                              f"{DIRNAME} để chạy lại từ đầu", "batch journal is damaged") from None
        version = self.get_meta("schema")
        if version is None:
            self.set_meta("schema", SCHEMA_VERSION)
        if self.get_meta("created") is None:
            # The one timestamp outputs carry: fixed at the first run so a resumed run writes the same bytes.
            now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
            self.set_meta("created", now.isoformat())

    def _start_run(self, executor: str) -> None:
        cur = self.db.execute("INSERT INTO runs (started, executor) VALUES (?, ?)",
                              (_dt.datetime.now(_dt.timezone.utc).isoformat(), executor))
        self.run_id = cur.lastrowid

    def close(self) -> None:
        if self.db is not None:
            if self.run_id is not None:
                with contextlib.suppress(sqlite3.Error):  # a full disk: the run's end time is not worth a traceback
                    self.db.execute("UPDATE runs SET finished=? WHERE id=?",
                                    (_dt.datetime.now(_dt.timezone.utc).isoformat(), self.run_id))
            self.db.close()
            self.db = None
        self.lock.release()

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic, durable step (the connection is in autocommit mode otherwise)."""
        if self.db.in_transaction:  # nested: the outer transaction decides
            yield
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as exc:  # full or read-only disk: what was committed stays
            if self.db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
            raise output_error(exc, self.dir) from None

    # ------------------------------------------------------------ meta
    def get_meta(self, key: str) -> Optional[str]:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value))

    @property
    def created(self) -> str:
        return self.get_meta("created") or ""

    # ------------------------------------------------------------ files and pages
    def files(self) -> dict[str, FileRow]:
        return {r[0]: FileRow(*r) for r in self.db.execute("SELECT name, size, mtime_ns, pages, seq FROM files")}

    def add_file(self, name: str, size: int, mtime_ns: int, pages: int, seq: int) -> None:
        """Register (or re-register, when it changed on disk) a source file and its pages."""
        with self.transaction():
            old = self.db.execute("SELECT size, mtime_ns, pages FROM files WHERE name=?", (name,)).fetchone()
            if old == (size, mtime_ns, pages):
                self.db.execute("UPDATE files SET seq=? WHERE name=?", (seq, name))
                return
            self.db.execute("DELETE FROM pages WHERE name=?", (name,))
            self.db.execute("INSERT OR REPLACE INTO files (name, size, mtime_ns, pages, seq) VALUES (?,?,?,?,?)",
                            (name, size, mtime_ns, pages, seq))
            self.db.executemany("INSERT INTO pages (name, idx) VALUES (?, ?)", [(name, i) for i in range(pages)])

    def states(self) -> dict[str, str]:
        return {page_key(n, i): s for n, i, s in self.db.execute("SELECT name, idx, state FROM pages")}

    def store_result(self, name: str, idx: int, page: ProcessedPage) -> None:
        blob = pickle.dumps(page, protocol=pickle.HIGHEST_PROTOCOL)
        with self.transaction():
            self.db.execute("UPDATE pages SET state='done', result=?, error=NULL, processed=processed+1, run=? "
                            "WHERE name=? AND idx=?", (blob, self.run_id, name, idx))
            self.db.execute("UPDATE runs SET pages_processed=pages_processed+1 WHERE id=?", (self.run_id,))

    def store_error(self, name: str, idx: int, message: str) -> None:
        with self.transaction():
            self.db.execute("UPDATE pages SET state='error', result=NULL, error=?, run=? WHERE name=? AND idx=?",
                            (message, self.run_id, name, idx))

    def load_result(self, name: str, idx: int) -> Optional[ProcessedPage]:
        row = self.db.execute("SELECT result FROM pages WHERE name=? AND idx=? AND state='done'",
                              (name, idx)).fetchone()
        return pickle.loads(row[0]) if row and row[0] is not None else None

    def error_of(self, name: str, idx: int) -> Optional[str]:
        row = self.db.execute("SELECT error FROM pages WHERE name=? AND idx=?", (name, idx)).fetchone()
        return row[0] if row else None

    def processed_counts(self) -> dict[str, int]:
        """How many times each page was OCR'd across all runs (1 everywhere after any number of resumes)."""
        return {page_key(n, i): c for n, i, c in self.db.execute("SELECT name, idx, processed FROM pages")}

    # ------------------------------------------------------------ documents
    def document(self, path: str) -> Optional[tuple[str, dict, bool]]:
        row = self.db.execute("SELECT signature, summary, stored FROM documents WHERE path=?", (path,)).fetchone()
        return (row[0], json.loads(row[1]), bool(row[2])) if row else None

    def record_document(self, path: str, signature: str, summary: dict, stored: bool) -> None:
        self.db.execute("INSERT OR REPLACE INTO documents (path, signature, summary, stored) VALUES (?,?,?,?)",
                        (path, signature, json.dumps(summary, ensure_ascii=False), int(stored)))

    def runs(self) -> list[dict]:
        cols = ("id", "started", "finished", "pages_processed", "executor")
        return [dict(zip(cols, r)) for r in self.db.execute(
            "SELECT id, started, finished, pages_processed, executor FROM runs ORDER BY id")]


def read_counts(out_dir: Path) -> dict[str, int]:
    """Page states of a journal, read-only and without the run lock (for progress watchers and tests)."""
    path = Path(out_dir) / DIRNAME / "journal.db"
    if not path.exists():
        return {}
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return dict(db.execute("SELECT state, COUNT(*) FROM pages GROUP BY state").fetchall())
    except sqlite3.OperationalError:
        return {}
    finally:
        db.close()


def iter_processed(out_dir: Path) -> Iterator[tuple[str, int]]:
    """(page key, times processed) of every page, read-only."""
    path = Path(out_dir) / DIRNAME / "journal.db"
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        for n, i, c in db.execute("SELECT name, idx, processed FROM pages"):
            yield page_key(n, i), c
    finally:
        db.close()
