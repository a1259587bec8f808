"""The local dossier store: one SQLite file holding dossiers, documents, pages, fields,
corrections, the audit log and a full-text index. This module alone owns the schema and its
migrations.

Search is diacritics- and case-insensitive: the FTS5 index holds text folded with
`ocr.textnorm.fold` ("Nguyễn Văn An" -> "nguyen van an") and queries are folded the same way,
so an officer typing without a Vietnamese keyboard, and OCR that lost marks, still meet.
The original text stays in `pages`/`fields`; snippets are cut from it through a folded ->
original offset map.

The database lives at `$SOHOA_HOME/sohoa.db`, else in the platform's user data folder
(`platformdirs.user_data_dir("sohoa")`). WAL mode lets the GUI read while batch writes;
writes take `BEGIN IMMEDIATE` so two writers queue on the busy timeout instead of failing on
a read->write upgrade. A store another process keeps locked past the timeout is a SohoaError.

Encryption at rest (optional): with `$SOHOA_STORE_KEY_FILE` naming a file whose first line is
the passphrase, the store is an SQLCipher 4 database (AES-256, key derived by PBKDF2), opened
through `sqlcipher3` with the same SQL; without the passphrase the file is unreadable.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Iterator, Optional

from exports import audit
from ocr.errors import SohoaError
from ocr.layout import page_text
from ocr.textnorm import collapse_spaces, fold, nfc

log = logging.getLogger(__name__)

DB_NAME = "sohoa.db"
STATUSES = ("scanned", "reviewed", "signed", "exported")
DEFAULT_TIMEOUT = 10.0  # seconds to wait for another process's write before giving up
BACKUP_SUFFIX = ".bak"
BACKUP_EVERY = 24 * 3600  # seconds

# Ordered migrations: version N is MIGRATIONS[N-1]. Append only; never edit a released step.
MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE dossiers(
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL DEFAULT 'open',
        created TEXT NOT NULL
    );
    CREATE TABLE documents(
        id INTEGER PRIMARY KEY,
        dossier_id INTEGER REFERENCES dossiers(id) ON DELETE CASCADE,
        ordinal INTEGER,
        form TEXT,
        form_confidence REAL,
        pdf_path TEXT NOT NULL UNIQUE,
        json_path TEXT,
        source TEXT,
        status TEXT NOT NULL DEFAULT 'scanned'
            CHECK (status IN ('scanned', 'reviewed', 'signed', 'exported')),
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        user TEXT
    );
    CREATE INDEX documents_dossier ON documents(dossier_id, ordinal);
    CREATE INDEX documents_created ON documents(created);
    CREATE TABLE pages(
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        page INTEGER NOT NULL,
        text TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX pages_document ON pages(document_id, page);
    CREATE TABLE fields(
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        field_id TEXT NOT NULL,
        value TEXT,
        valid INTEGER NOT NULL DEFAULT 1,
        confidence REAL,
        UNIQUE(document_id, field_id)
    );
    CREATE TABLE corrections(
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        field_id TEXT NOT NULL,
        old TEXT,
        new TEXT,
        who TEXT,
        at TEXT NOT NULL
    );
    CREATE INDEX corrections_document ON corrections(document_id);
    CREATE TABLE audit(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        user TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
    -- rowid = documents.id; every column holds fold()ed text
    CREATE VIRTUAL TABLE search USING fts5(code, fields, text, tokenize = 'unicode61 remove_diacritics 0');
    CREATE TRIGGER documents_unindex AFTER DELETE ON documents
        BEGIN DELETE FROM search WHERE rowid = old.id; END;
    """,
    # 2: the PDF's hash when recorded, so an export notices a PDF edited afterwards
    "ALTER TABLE documents ADD COLUMN pdf_sha256 TEXT;",
    # 3: the review flag (templates/review.py); values recorded before it were never vouched for,
    # except those an officer corrected
    """
    ALTER TABLE fields ADD COLUMN needs_review INTEGER NOT NULL DEFAULT 1;
    UPDATE fields SET needs_review = 0 WHERE EXISTS (SELECT 1 FROM corrections c
        WHERE c.document_id = fields.document_id AND c.field_id = fields.field_id);
    """,
]


@dataclass
class Hit:
    """One search result: a document, where it lives, and a snippet of the original text around the match."""

    document_id: int
    dossier_code: Optional[str]
    pdf_path: str
    json_path: Optional[str]
    form: Optional[str]
    status: str
    created: str
    ordinal: Optional[int]
    snippet: str
    score: float = 0.0

    @property
    def path(self) -> str:
        return self.pdf_path


def store_path(home: Optional[Path] = None) -> Path:
    if home is None:
        env = os.environ.get("SOHOA_HOME")
        if env:
            home = Path(env)
        else:
            from platformdirs import user_data_dir

            home = Path(user_data_dir("sohoa", appauthor=False))
    return Path(home) / DB_NAME


def open_store(home: Optional[Path] = None, timeout: Optional[float] = None) -> "Store":
    """The store under `home` (or `$SOHOA_HOME`, or the user data folder), created and migrated as
    needed; encrypted when `$SOHOA_STORE_KEY_FILE` is set."""
    if timeout is None:
        timeout = float(os.environ.get("SOHOA_STORE_TIMEOUT", DEFAULT_TIMEOUT))
    return Store(store_path(home), timeout=timeout, key=store_key())


def store_key() -> Optional[str]:
    """The store passphrase: first line of the file `$SOHOA_STORE_KEY_FILE`, None when unset."""
    name = os.environ.get("SOHOA_STORE_KEY_FILE")
    if not name:
        return None
    try:
        lines = Path(name).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SohoaError(f"Không đọc được tệp khóa mã hóa kho hồ sơ ({exc})", "cannot read the store key file",
                         path=name) from None
    key = lines[0].strip() if lines else ""
    if not key:
        raise SohoaError("Tệp khóa mã hóa kho hồ sơ trống", "the store key file is empty", path=name)
    return key


def _driver(key: Optional[str]):
    """sqlite3, or SQLCipher's drop-in DB-API module for an encrypted store."""
    if key is None:
        return sqlite3
    try:
        from sqlcipher3 import dbapi2
    except ImportError:
        raise SohoaError("Chưa cài gói sqlcipher3 để mã hóa kho hồ sơ",
                         "sqlcipher3 is not installed (pip install 'sohoa[encryption]')") from None
    return dbapi2


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _locked_error(path: Path) -> SohoaError:
    return SohoaError("Kho hồ sơ đang bị một chương trình khác khóa (đang ghi); hãy đợi chương trình đó "
                      "xong rồi thử lại",
                      "the dossier store is locked by another program; wait for it to finish and retry",
                      path=str(path))


class Store:
    def __init__(self, path: Path, timeout: float = DEFAULT_TIMEOUT, key: Optional[str] = None):
        self.path = Path(path)
        self.encrypted = key is not None
        self._anchored: Optional[tuple] = None  # audit head last written to the anchor file
        self._sql = _driver(key)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = self._sql.connect(str(self.path), timeout=timeout, isolation_level=None,
                                        check_same_thread=False)
        except (OSError, self._sql.Error) as exc:
            raise SohoaError(f"Không mở được kho hồ sơ ({exc})", "cannot open the dossier store",
                             path=str(self.path)) from None
        if key is not None:
            self.db.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is our message, not a log line
            self.db.execute("PRAGMA key = '" + key.replace("'", "''") + "'")
        self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        self.db.execute("PRAGMA foreign_keys = ON")
        try:
            with self._errors():
                if self.db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    self.db.execute("PRAGMA journal_mode = WAL")
                self.db.execute("PRAGMA synchronous = NORMAL")
                self._migrate()
        except BaseException:
            self.db.close()
            raise
        if not audit.anchor_path(self.path).exists() and not audit.key_path(self.path).exists():
            self._anchor_audit()  # a store from before anchoring: anchored from now on
        self._backup()

    def _backup(self) -> None:
        """Keep `<store>.bak`, a consistent copy at most a day old, to restore a damaged store from.

        Not for an encrypted store (the backup API would write its pages in the clear)."""
        import time

        target = self.path.with_name(self.path.name + BACKUP_SUFFIX)
        try:
            if self.encrypted or (target.exists() and time.time() - target.stat().st_mtime < BACKUP_EVERY):
                return
            if self.db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                log.warning("store %s fails its quick check; the backup is kept as it was", self.path)
                return
            tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
            dest = sqlite3.connect(str(tmp))
            try:
                self.db.backup(dest)
            finally:
                dest.close()
            os.replace(tmp, target)
        except (OSError, sqlite3.Error) as exc:  # a backup that cannot be made must not stop the work
            log.warning("store backup not made: %s", exc)
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except self._sql.OperationalError as exc:
            text = str(exc).lower()
            if "locked" in text or "busy" in text:
                raise _locked_error(self.path) from None
            if "full" in text or "readonly" in text or "disk i/o" in text or "unable to open" in text:
                raise SohoaError(f"Không ghi/đọc được kho hồ sơ ({exc}): ổ đĩa đầy, chỉ đọc hoặc lỗi; giải phóng "
                                 "chỗ trống hoặc sửa quyền rồi thử lại (dữ liệu đã ghi vẫn giữ nguyên)",
                                 f"cannot write or read the dossier store ({exc}): disk full, read-only or "
                                 "failing; free space or fix permissions and retry", path=str(self.path)) from None
            raise
        except self._sql.DatabaseError as exc:
            if "malformed" in str(exc).lower() and not self.encrypted:
                raise SohoaError(
                    "Kho hồ sơ bị hỏng (trang dữ liệu hỏng). Kiểm tra: sqlite3 <kho> 'PRAGMA integrity_check'; "
                    f"khôi phục: đóng sohoa rồi chép bản sao lưu {self.path.name}{BACKUP_SUFFIX} đè lên kho "
                    "(hoặc '.recover' của sqlite3)",
                    "the dossier store is damaged. Check: sqlite3 <store> 'PRAGMA integrity_check'; recover: close "
                    f"sohoa and copy the backup {self.path.name}{BACKUP_SUFFIX} over the store (or sqlite3 '.recover')",
                    path=str(self.path)) from None
            if "not a database" in str(exc).lower() or "malformed" in str(exc).lower():
                if self.encrypted:
                    raise SohoaError("Sai khóa mã hóa kho hồ sơ, hoặc tệp kho bị hỏng",
                                     "wrong store key, or the store file is corrupt", path=str(self.path)) from None
                raise SohoaError("Tệp kho hồ sơ bị hỏng, không phải cơ sở dữ liệu SQLite, hoặc đã mã hóa "
                                 "(cần SOHOA_STORE_KEY_FILE)",
                                 "the store file is corrupt, not an SQLite database, or encrypted "
                                 "(set SOHOA_STORE_KEY_FILE)", path=str(self.path)) from None
            raise

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE): all or nothing, lock errors as SohoaError.

        Inside another `write()` it joins that transaction, so a bulk import is one commit."""
        if self.db.in_transaction:  # nested: part of the caller's transaction (bulk imports)
            yield self.db
            return
        with self._errors():
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self._anchor_audit()  # still holding the write lock: no other writer's head in between
            try:
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                self._anchored = None
                self._anchor_audit()  # back to the head actually committed
                raise

    def _anchor_audit(self) -> None:
        """The audit chain's head, keyed, outside the database (exports.audit); a failure only warns:
        `audit verify` then reports the entries after the anchor."""
        try:
            self._anchored = audit.write_anchor(self.db, self.path, self._anchored)
        except (OSError, SohoaError, self._sql.Error) as exc:
            log.warning("audit anchor not written: %s", exc)

    def verify_audit(self) -> tuple[int, Optional[audit.Problem]]:
        """(entries checked, first problem): the chain, then its anchor outside the database."""
        count, problem = audit.verify(self.db)
        return count, problem or audit.check_anchor(self.db, self.path)

    def _migrate(self) -> None:
        self.db.execute("CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)")
        row = self.db.execute("SELECT max(version) FROM schema_version").fetchone()
        current = row[0] or 0
        if current > len(MIGRATIONS):
            raise SohoaError(f"Kho hồ sơ thuộc phiên bản mới hơn ({current}); hãy cập nhật sohoa",
                             "the store was written by a newer sohoa; update", path=str(self.path))
        for version in range(current + 1, len(MIGRATIONS) + 1):
            with self.write() as db:
                if (db.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0) >= version:
                    continue  # another process migrated meanwhile
                for statement in _statements(MIGRATIONS[version - 1]):
                    db.execute(statement)
                db.execute("INSERT INTO schema_version(version) VALUES (?)", (version,))

    @property
    def schema_version(self) -> int:
        return self.db.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0

    # ------------------------------------------------------------------ recording
    def _dossier_id(self, db, code: Optional[str]) -> Optional[int]:
        if not code:
            return None
        code = nfc(code.strip())
        row = db.execute("SELECT id FROM dossiers WHERE code=?", (code,)).fetchone()
        if row:
            return row[0]
        return db.execute("INSERT INTO dossiers(code, created) VALUES (?, ?)", (code, _now())).lastrowid

    def record_document(self, doc, pdf_path, json_path, dossier_code: Optional[str] = None,
                        user: Optional[str] = None) -> int:
        """Record (or, for a PDF path already known, replace) one saved document; returns its id.

        Corrections already recorded for that path survive a re-recording (a re-save after review).
        """
        pdf = str(Path(pdf_path).resolve())
        js = str(Path(json_path).resolve()) if json_path else None
        digest = file_sha256(pdf) if Path(pdf).is_file() else None
        now = _now()
        with self.write() as db:
            dossier_id = self._dossier_id(db, dossier_code)
            ordinal = _ordinal(doc.stem if getattr(doc, "stem", None) else Path(pdf).stem)
            if ordinal is None and dossier_id is not None:
                ordinal = db.execute("SELECT count(*) + 1 FROM documents WHERE dossier_id=?",
                                     (dossier_id,)).fetchone()[0]
            source = json.dumps(list(doc.source), ensure_ascii=False)
            row = db.execute("SELECT id FROM documents WHERE pdf_path=?", (pdf,)).fetchone()
            if row:
                doc_id = row[0]
                db.execute("UPDATE documents SET dossier_id=?, ordinal=?, form=?, form_confidence=?, json_path=?, "
                           "source=?, status='scanned', updated=?, user=? WHERE id=?",
                           (dossier_id, ordinal, doc.form, float(doc.form_confidence), js, source, now, user,
                            doc_id))
                db.execute("DELETE FROM pages WHERE document_id=?", (doc_id,))
                db.execute("DELETE FROM fields WHERE document_id=?", (doc_id,))
                db.execute("DELETE FROM search WHERE rowid=?", (doc_id,))
            else:
                doc_id = db.execute(
                    "INSERT INTO documents(dossier_id, ordinal, form, form_confidence, pdf_path, json_path, source, "
                    "status, created, updated, user) VALUES (?,?,?,?,?,?,?, 'scanned', ?,?,?)",
                    (dossier_id, ordinal, doc.form, float(doc.form_confidence), pdf, js, source, now, now,
                     user)).lastrowid
            db.execute("UPDATE documents SET pdf_sha256=? WHERE id=?", (digest, doc_id))
            texts = [nfc(page_text(p.ocr)) for p in doc.pages]
            db.executemany("INSERT INTO pages(document_id, page, text) VALUES (?,?,?)",
                           [(doc_id, n, t) for n, t in enumerate(texts, start=1)])
            fields = {fid: f for fid, f in doc.fields.items()}
            db.executemany("INSERT INTO fields(document_id, field_id, value, valid, confidence, needs_review) "
                           "VALUES (?,?,?,?,?,?)",
                           [(doc_id, fid, nfc(f.value) if f.value is not None else None, int(bool(f.valid)),
                             float(f.confidence), int(bool(f.needs_review))) for fid, f in fields.items()])
            # corrections made after an earlier recording stay applied to the new values
            for fid, new in db.execute("SELECT field_id, new FROM corrections WHERE document_id=? ORDER BY id",
                                       (doc_id,)).fetchall():
                db.execute("UPDATE fields SET value=?, valid=1, needs_review=0 WHERE document_id=? AND field_id=?",
                           (new, doc_id, fid))
            self._index(db, doc_id)
            audit.append(db, "processed", pdf, {"form": doc.form, "pages": len(texts),
                                                "dossier": dossier_code or None}, user=user)
        return doc_id

    def _index(self, db, doc_id: int) -> None:
        code = db.execute("SELECT d.code FROM documents x LEFT JOIN dossiers d ON d.id = x.dossier_id "
                          "WHERE x.id=?", (doc_id,)).fetchone()[0] or ""
        values = [v for (v,) in db.execute("SELECT value FROM fields WHERE document_id=? AND value IS NOT NULL "
                                           "ORDER BY id", (doc_id,))]
        text = "\n".join(t for (t,) in db.execute("SELECT text FROM pages WHERE document_id=? ORDER BY page",
                                                  (doc_id,)))
        db.execute("DELETE FROM search WHERE rowid=?", (doc_id,))
        db.execute("INSERT INTO search(rowid, code, fields, text) VALUES (?,?,?,?)",
                   (doc_id, fold(code), fold("\n".join(values)), fold(text)))

    def record_correction(self, doc_id: int, field_id: str, old, new, user: Optional[str] = None) -> int:
        """An officer's correction of one field: kept in full here, masked in the audit log."""
        new = nfc(new) if new is not None else None
        old = nfc(old) if old is not None else None
        with self.write() as db:
            if not db.execute("SELECT 1 FROM documents WHERE id=?", (doc_id,)).fetchone():
                raise SohoaError(f"Không có tài liệu #{doc_id} trong kho hồ sơ", f"no document #{doc_id} in the store")
            cid = db.execute("INSERT INTO corrections(document_id, field_id, old, new, who, at) VALUES (?,?,?,?,?,?)",
                             (doc_id, field_id, old, new, user or audit.current_user(), _now())).lastrowid
            db.execute("INSERT INTO fields(document_id, field_id, value, valid, confidence, needs_review) "
                       "VALUES (?,?,?,1,1.0,0) ON CONFLICT(document_id, field_id) DO UPDATE SET value=excluded.value, "
                       "valid=1, confidence=1.0, needs_review=0", (doc_id, field_id, new))
            db.execute("UPDATE documents SET status='reviewed', updated=? WHERE id=? AND status='scanned'",
                       (_now(), doc_id))
            self._index(db, doc_id)
            audit.append(db, "corrected", self._target(db, doc_id),
                         {"field": field_id, "old": old, "new": new}, user=user)
        return cid

    def set_status(self, doc_id: int, status: str, user: Optional[str] = None) -> None:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}")
        with self.write() as db:
            db.execute("UPDATE documents SET status=?, updated=? WHERE id=?", (status, _now(), doc_id))

    def delete_dossier(self, code: str, user: Optional[str] = None) -> int:
        """Forget a dossier and everything under it (files on disk stay); returns documents removed."""
        code = nfc(code.strip())
        with self.write() as db:
            row = db.execute("SELECT id FROM dossiers WHERE code=?", (code,)).fetchone()
            if not row:
                raise SohoaError(f"Không có hồ sơ {code} trong kho", f"no dossier {code} in the store")
            n = db.execute("SELECT count(*) FROM documents WHERE dossier_id=?", (row[0],)).fetchone()[0]
            db.execute("DELETE FROM dossiers WHERE id=?", (row[0],))
            audit.append(db, "deleted", code, {"documents": n}, user=user)
        return n

    def log(self, action: str, target: str, details="", user: Optional[str] = None) -> None:
        """An audit entry for something that changed no table here (opened, exported, signed)."""
        with self.write() as db:
            audit.append(db, action, target, details, user=user)

    def _target(self, db, doc_id: int) -> str:
        return db.execute("SELECT pdf_path FROM documents WHERE id=?", (doc_id,)).fetchone()[0]

    # ------------------------------------------------------------------ reading
    def document_id(self, pdf_path) -> Optional[int]:
        row = self.db.execute("SELECT id FROM documents WHERE pdf_path=?", (str(Path(pdf_path).resolve()),)).fetchone()
        return row[0] if row else None

    def pdf_sha256(self, pdf_path) -> Optional[str]:
        """The PDF's hash when it was recorded (None when unknown to the store)."""
        row = self.db.execute("SELECT pdf_sha256 FROM documents WHERE pdf_path=?",
                              (str(Path(pdf_path).resolve()),)).fetchone()
        return row[0] if row else None

    def document(self, doc_id: int) -> Optional[dict]:
        row = self.db.execute(
            "SELECT x.id, d.code, x.ordinal, x.form, x.pdf_path, x.json_path, x.status, x.created, x.updated "
            "FROM documents x LEFT JOIN dossiers d ON d.id = x.dossier_id WHERE x.id=?", (doc_id,)).fetchone()
        if not row:
            return None
        keys = ("id", "dossier_code", "ordinal", "form", "pdf_path", "json_path", "status", "created", "updated")
        out = dict(zip(keys, row))
        out["fields"] = {fid: {"value": v, "valid": bool(ok), "confidence": c, "needs_review": bool(nr)}
                         for fid, v, ok, c, nr in self.db.execute(
            "SELECT field_id, value, valid, confidence, needs_review FROM fields WHERE document_id=? ORDER BY id",
            (doc_id,))}
        out["corrections"] = [dict(zip(("field", "old", "new", "who", "at"), r)) for r in self.db.execute(
            "SELECT field_id, old, new, who, at FROM corrections WHERE document_id=? ORDER BY id", (doc_id,))]
        return out

    def search(self, query: str, form: Optional[str] = None, status: Optional[str] = None,
               date_from=None, date_to=None, limit: int = 50) -> list[Hit]:
        """Documents matching every word of `query` (folded), best first; filters on form, status, record date."""
        match = fts_query(query)
        if not match:
            return []
        where, params = ["search MATCH ?"], [match]
        if form:
            where.append("x.form = ?")
            params.append(form)
        if status:
            where.append("x.status = ?")
            params.append(status)
        if date_from:
            where.append("x.created >= ?")
            params.append(_day(date_from))
        if date_to:
            where.append("x.created < date(?, '+1 day')")
            params.append(_day(date_to))
        sql = ("SELECT x.id, d.code, x.pdf_path, x.json_path, x.form, x.status, x.created, x.ordinal, search.rank "
               "FROM search JOIN documents x ON x.id = search.rowid LEFT JOIN dossiers d ON d.id = x.dossier_id "
               f"WHERE {' AND '.join(where)} ORDER BY search.rank LIMIT ?")
        params.append(int(limit))
        with self._errors():
            try:
                rows = self.db.execute(sql, params).fetchall()
            except self._sql.OperationalError as exc:
                if "fts5" in str(exc).lower() or "syntax" in str(exc).lower():
                    raise SohoaError(f"Câu tìm kiếm không hợp lệ: {query}", "invalid search query") from None
                raise
            terms = _terms(query)
            hits = []
            for doc_id, code, pdf, js, frm, st, created, ordinal, rank in rows:
                hits.append(Hit(doc_id, code, pdf, js, frm, st, created, ordinal,
                                self._snippet(doc_id, code, terms), -float(rank)))
        return hits

    def _snippet(self, doc_id: int, code: Optional[str], terms: list[str]) -> str:
        """The first matching field value, else page text around the match (found in the index's folded copy)."""
        for (value,) in self.db.execute("SELECT value FROM fields WHERE document_id=? AND value IS NOT NULL "
                                        "ORDER BY id", (doc_id,)):
            s = snippet(value, terms)
            if s:
                return s
        row = self.db.execute("SELECT text FROM search WHERE rowid=?", (doc_id,)).fetchone()
        text = "\n".join(t for (t,) in self.db.execute("SELECT text FROM pages WHERE document_id=? ORDER BY page",
                                                       (doc_id,)))
        return snippet(text, terms, folded=row[0] if row else None) or code or ""


# ---------------------------------------------------------------------- helpers
def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (trigger bodies contain ';' and stay whole)."""
    out, buf = [], ""
    for line in script.splitlines():
        if line.strip().startswith("--"):
            continue
        buf += line + "\n"
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


_ORDINAL = re.compile(r"\.(\d{1,3})$")
_WORD = re.compile(r"\w+")


def _ordinal(stem: str) -> Optional[int]:
    """Batch/app stems are `<MaHoSo>.<NN>`."""
    m = _ORDINAL.search(stem or "")
    return int(m.group(1)) if m else None


def _day(value) -> str:
    """ISO day from a date, datetime, 'YYYY-MM-DD' or the officers' 'DD/MM/YYYY'."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise SohoaError(f"Ngày không hợp lệ: {text} (dùng DD/MM/YYYY)", "invalid date (use DD/MM/YYYY)")


def _terms(query: str) -> list[str]:
    """One regex per query chunk over folded text: its tokens as whole words, in order (as FTS matched)."""
    out = []
    for chunk in fold(nfc(query)).split():
        tokens = _WORD.findall(chunk)
        if tokens:
            out.append(r"(?<!\w)" + r"\W+".join(re.escape(t) for t in tokens) + r"(?!\w)")
    return out


def fts_query(query: str) -> str:
    """A safe FTS5 query: every whitespace-separated chunk must match; a chunk made of several
    tokens (a dossier code '000.00.25.H49-240315-0012', a date '05/03/2024') is a phrase."""
    parts = []
    for chunk in fold(nfc(query)).split():
        tokens = _WORD.findall(chunk)
        if tokens:
            parts.append('"' + " ".join(tokens) + '"')
    return " ".join(parts)


def _fold_map(text: str) -> tuple[str, list[int]]:
    """Folded text and, for each folded character, the index of the original character it came from."""
    out, where = [], []
    for i, ch in enumerate(text):
        f = fold(ch)
        out.append(f)
        where.extend([i] * len(f))
    return "".join(out), where


def snippet(text: str, terms: list[str], width: int = 90, folded: Optional[str] = None) -> str:
    """One line of the ORIGINAL text around the first query term found (`_terms` patterns, folded text)."""
    if not text or not terms:
        return ""
    if folded is None or len(folded) != len(text):  # not one folded char per original char: map offsets
        folded, where = _fold_map(text)
    else:
        where = range(len(text))
    best = None
    for term in terms:
        m = re.search(term, folded)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), m.end())
    if best is None:
        return ""
    start, end = where[best[0]], where[best[1] - 1] + 1
    lo = max(0, start - width // 3)
    hi = min(len(text), max(end, lo + width))
    if lo > 0:  # start and end on word boundaries
        cut = text.find(" ", lo, start)
        lo = cut + 1 if cut >= 0 else lo
    if hi < len(text):
        cut = text.rfind(" ", end, hi)
        hi = cut if cut >= 0 else hi
    piece = collapse_spaces(text[lo:hi])
    return ("…" if lo > 0 else "") + piece + ("…" if hi < len(text) else "")
