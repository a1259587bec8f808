"""Append-only, hash-chained audit log kept in the dossier store.

Each entry's hash covers its own content and the previous entry's hash, so changing or
removing any entry breaks the chain from that point on; `verify()` names the first bad one.
Triggers in the schema (`exports.store`) refuse UPDATE and DELETE, so only someone bypassing
the tool (dropping the triggers) can tamper, and then verification shows it. The AUTOINCREMENT
counter (`sqlite_sequence`) also reveals removal of the newest entries.

The chain alone proves nothing against someone who rewrites the database itself (rehash every
entry from the edited one, or delete the newest ones and lower the counter). So the head of
the chain is anchored outside the database: after every write, `<store>.anchor` holds the
newest entry's id and hash with an HMAC-SHA256 under a key that is not in the database
(`$SOHOA_AUDIT_KEY_FILE`, else `audit.key` created beside the store, mode 0600). Whoever can
rewrite the database but cannot read the key cannot make a matching anchor; whoever holds the
key can (docs/export.md says what this does and does not prove).

ID numbers (9-digit CMND, 12-digit CCCD) never enter the log in full: `mask_ids()`.
"""
from __future__ import annotations

import contextlib
import getpass
import hashlib
import hmac
import json
import os
import secrets
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from ocr.textnorm import nfc

ACTIONS = ("processed", "opened", "corrected", "exported", "deleted", "signed")
GENESIS = "0" * 64

_ID_RUN = re.compile(r"(?<!\d)(\d{9}|\d{12})(?!\d)")


def mask_ids(text) -> str:
    """9- and 12-digit runs keep only their last 3 digits: '001203004567' -> '*********567'."""
    if text is None:
        return ""
    return _ID_RUN.sub(lambda m: "*" * (len(m.group(1)) - 3) + m.group(1)[-3:], nfc(str(text)))


def current_user() -> str:
    """The OS account name; 'unknown' where the platform cannot tell."""
    try:
        return getpass.getuser()
    except Exception:  # getpass raises several types when no user name is set (services, containers)
        return "unknown"


@dataclass
class Entry:
    id: int
    time: str
    user: str
    action: str
    target: str
    details: str
    prev_hash: str
    hash: str


@dataclass
class Problem:
    entry_id: int
    reason_vi: str
    reason_en: str

    @property
    def message(self) -> str:
        return f"mục nhật ký #{self.entry_id}: {self.reason_vi} / audit entry #{self.entry_id}: {self.reason_en}"


def entry_hash(prev_hash: str, id_: int, time: str, user: str, action: str, target: str, details: str) -> str:
    payload = json.dumps([id_, time, user, action, target, details], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def append(conn: sqlite3.Connection, action: str, target: str, details="", user: Optional[str] = None) -> Entry:
    """Add one entry; call inside the caller's write transaction so the log and the change commit together."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    row = conn.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    prev = row[0] if row else GENESIS
    seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name='audit'").fetchone()
    new_id = (seq[0] if seq else 0) + 1
    time = datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")
    user = nfc(user or current_user())
    target, details = mask_ids(target), mask_ids(details if isinstance(details, str)
                                                  else json.dumps(details, ensure_ascii=False, sort_keys=True))
    h = entry_hash(prev, new_id, time, user, action, target, details)
    conn.execute("INSERT INTO audit(id, time, user, action, target, details, prev_hash, hash) "
                 "VALUES (?,?,?,?,?,?,?,?)", (new_id, time, user, action, target, details, prev, h))
    return Entry(new_id, time, user, action, target, details, prev, h)


def entries(conn: sqlite3.Connection, limit: Optional[int] = None) -> list[Entry]:
    """Newest last; with `limit`, only the newest `limit` entries."""
    if limit:
        rows = conn.execute("SELECT * FROM (SELECT id, time, user, action, target, details, prev_hash, hash "
                            "FROM audit ORDER BY id DESC LIMIT ?) ORDER BY id", (limit,)).fetchall()
    else:
        rows = conn.execute("SELECT id, time, user, action, target, details, prev_hash, hash FROM audit "
                            "ORDER BY id").fetchall()
    return [Entry(*r) for r in rows]


def verify(conn: sqlite3.Connection) -> tuple[int, Optional[Problem]]:
    """(entries checked, first problem or None)."""
    prev, expected_id, count = GENESIS, 1, 0
    for e in entries(conn):
        if e.id != expected_id:
            return count, Problem(expected_id, f"đã bị xóa (tiếp theo là #{e.id})", f"removed (next is #{e.id})")
        if e.prev_hash != prev:
            return count, Problem(e.id, "không nối với mục trước (mục trước đã bị sửa hoặc xóa)",
                                  "does not chain to the previous entry (changed or removed)")
        if entry_hash(prev, e.id, e.time, e.user, e.action, e.target, e.details) != e.hash:
            return count, Problem(e.id, "nội dung đã bị sửa", "content was changed")
        prev, expected_id, count = e.hash, e.id + 1, count + 1
    seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name='audit'").fetchone()
    if seq and seq[0] >= expected_id:
        return count, Problem(expected_id, "mục mới nhất đã bị xóa", "newest entries were removed")
    return count, None


# ---------------------------------------------------------------------- anchor outside the database
ANCHOR_SUFFIX = ".anchor"
KEY_NAME = "audit.key"


def anchor_path(store_file: Path) -> Path:
    return Path(str(store_file) + ANCHOR_SUFFIX)


def key_path(store_file: Path) -> Path:
    env = os.environ.get("SOHOA_AUDIT_KEY_FILE")
    return Path(env) if env else Path(store_file).with_name(KEY_NAME)


def _key(store_file: Path, create: bool) -> Optional[bytes]:
    path = key_path(store_file)
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        if not create:
            return None
    except (OSError, ValueError):
        return None
    key = secrets.token_bytes(32)
    with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key.hex() + "\n")
        return key
    return _key(store_file, create=False)


def _head(conn: sqlite3.Connection) -> tuple[int, str]:
    row = conn.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else (0, GENESIS)


def _mac(key: bytes, head: tuple[int, str]) -> str:
    return hmac.new(key, f"{head[0]}:{head[1]}".encode("ascii"), hashlib.sha256).hexdigest()


def write_anchor(conn: sqlite3.Connection, store_file: Path, written: Optional[tuple] = None) -> tuple[int, str]:
    """Record the chain's head outside the database, keyed; call after each committed write.
    Returns the head, to be passed back as `written` (no rewrite while it has not moved)."""
    from exports.files import atomic_write

    head = _head(conn)
    if head[0] == 0 or head == written:
        return head
    key = _key(store_file, create=True)
    if key is None:
        raise OSError(f"audit key unreadable: {key_path(store_file)}")
    with atomic_write(anchor_path(store_file), "w") as fh:
        json.dump({"id": head[0], "hash": head[1], "mac": _mac(key, head)}, fh)
    return head


def check_anchor(conn: sqlite3.Connection, store_file: Path) -> Optional[Problem]:
    """The database's chain head against the keyed anchor kept outside it."""
    head = _head(conn)
    try:
        anchor = json.loads(anchor_path(store_file).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None if head[0] == 0 else Problem(head[0], "thiếu tệp neo nhật ký (đã bị xóa?)",
                                                  "the audit anchor file is missing (deleted?)")
    except (OSError, ValueError):
        return Problem(head[0], "tệp neo nhật ký hỏng", "the audit anchor file is damaged")
    key = _key(store_file, create=False)
    if key is None:
        return Problem(head[0], f"không đọc được khóa nhật ký {key_path(store_file)}",
                       f"cannot read the audit key {key_path(store_file)}")
    anchored = (anchor.get("id"), anchor.get("hash"))
    if not isinstance(anchor.get("mac"), str) or not hmac.compare_digest(_mac(key, anchored), anchor["mac"]):
        return Problem(head[0], "tệp neo nhật ký bị sửa (sai mã HMAC)", "the audit anchor was forged (bad HMAC)")
    if anchored != head:
        row = conn.execute("SELECT hash FROM audit WHERE id=?", (anchored[0],)).fetchone()
        if row is None or row[0] != anchored[1]:
            return Problem(anchored[0], "không khớp với mốc neo ngoài kho: các mục đã bị viết lại hoặc xóa",
                           "does not match the anchor kept outside the store: entries rewritten or removed")
        return Problem(anchored[0] + 1, "có mục sau mốc neo (ghi dở khi máy dừng, hoặc thêm ngoài sohoa)",
                       "entries after the anchor (a crash mid-write, or added outside sohoa)")
    return None
