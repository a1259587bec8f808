"""Append-only, hash-chained audit log kept in the dossier store.

Each entry's hash covers its own content and the previous entry's hash, so changing or
removing any entry breaks the chain from that point on; `verify()` names the first bad one.
Triggers in the schema (`exports.store`) refuse UPDATE and DELETE, so only someone bypassing
the tool (dropping the triggers) can tamper, and then verification shows it. The AUTOINCREMENT
counter (`sqlite_sequence`) also reveals removal of the newest entries.

ID numbers (9-digit CMND, 12-digit CCCD) never enter the log in full: `mask_ids()`.
"""
from __future__ import annotations

import getpass
import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
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
