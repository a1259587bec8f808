"""Audit log: append-only, hash-chained, ID numbers masked; `sohoa audit verify|show`."""
from __future__ import annotations

import sqlite3

import pytest
from conftest import run_sohoa
from test_store import CODE, make_document

from exports import audit
from exports.audit import mask_ids
from exports.store import open_store


def test_mask_ids():
    assert mask_ids("CCCD 051203004567, CMND 212345678") == "CCCD *********567, CMND ******678"
    assert mask_ids("0905123456") == "0905123456"  # 10-digit phone numbers are not ID numbers
    assert mask_ids("12345678901234") == "12345678901234"  # longer runs are something else
    assert mask_ids("mã 000.00.25.H49-240315-0012") == "mã 000.00.25.H49-240315-0012"
    assert mask_ids(None) == ""


@pytest.fixture
def logged(tmp_path, sohoa_home):
    store = open_store()
    doc_id = store.record_document(make_document(f"{CODE}.01", ["Tờ khai"], fields={"so_dinh_danh": "051203004567"}),
                                   tmp_path / "a.pdf", tmp_path / "a.json", dossier_code=CODE, user="canbo1")
    store.record_correction(doc_id, "so_dinh_danh", "051203004567", "051203004568", "canbo1")
    store.log("opened", str(tmp_path / "a.pdf"))
    store.delete_dossier(CODE)
    store.close()
    return sohoa_home / "sohoa.db"


def _tamper(db_path, sql, params=()):
    db = sqlite3.connect(db_path)
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("DROP TRIGGER audit_no_delete")
    db.execute(sql, params)
    db.commit()
    db.close()


def test_chain_and_masking(logged):
    store = open_store()
    entries = audit.entries(store.db)
    assert [e.action for e in entries] == ["processed", "corrected", "opened", "deleted"]
    assert entries[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:]))
    assert all(e.user for e in entries) and entries[0].user == "canbo1"
    dump = "\n".join(f"{e.target} {e.details}" for e in entries)
    assert "051203004567" not in dump and "*********567" in dump and "*********568" in dump
    # the store keeps the full value where it belongs (the correction itself)
    assert audit.verify(store.db) == (4, None)
    # append-only inside the tool: triggers refuse changes
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute("UPDATE audit SET user='x' WHERE id=1")
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute("DELETE FROM audit WHERE id=4")
    proc = run_sohoa("audit", "verify", check=True)
    assert "4" in proc.stdout
    show = run_sohoa("audit", "show", "--limit", "2", check=True).stdout.strip().splitlines()
    assert len(show) == 2 and show[0].startswith("#3\t") and "\tdeleted\t" in show[1]


def test_changed_entry_named(logged):
    _tamper(logged, "UPDATE audit SET details = replace(details, '568', '999') WHERE id=2")
    proc = run_sohoa("audit", "verify")
    assert proc.returncode == 1 and "#2" in proc.stderr and "đã bị sửa" in proc.stderr


def test_removed_entry_named(logged):
    _tamper(logged, "DELETE FROM audit WHERE id=2")
    proc = run_sohoa("audit", "verify")
    assert proc.returncode == 1 and "#2" in proc.stderr and "xóa" in proc.stderr


def test_removed_newest_entry_named(logged):
    _tamper(logged, "DELETE FROM audit WHERE id=4")
    proc = run_sohoa("audit", "verify")
    assert proc.returncode == 1 and "#4" in proc.stderr


def test_rehashed_entry_breaks_next_link(logged):
    """Someone edits entry 2 AND recomputes its hash: entry 3 no longer chains."""
    db = sqlite3.connect(logged)
    e = [r for r in db.execute("SELECT id, time, user, action, target, details FROM audit WHERE id=2")][0]
    prev = db.execute("SELECT hash FROM audit WHERE id=1").fetchone()[0]
    db.close()
    new_hash = audit.entry_hash(prev, e[0], e[1], "someone-else", e[3], e[4], e[5])
    _tamper(logged, "UPDATE audit SET user='someone-else', hash=? WHERE id=2", (new_hash,))
    proc = run_sohoa("audit", "verify")
    assert proc.returncode == 1 and "#3" in proc.stderr


def test_rewritten_chain_caught_by_the_anchor(logged):
    """Edit entry 2 and rehash everything after it: the chain is consistent, the keyed anchor is not."""
    db = sqlite3.connect(logged)
    rows = db.execute("SELECT id, time, user, action, target, details FROM audit ORDER BY id").fetchall()
    db.close()
    prev = audit.GENESIS
    updates = []
    for id_, time, user, action, target, details in rows:
        user = "someone-else" if id_ == 2 else user
        h = audit.entry_hash(prev, id_, time, user, action, target, details)
        updates.append((user, prev, h, id_))
        prev = h
    db = sqlite3.connect(logged)
    db.execute("DROP TRIGGER audit_no_update")
    db.executemany("UPDATE audit SET user=?, prev_hash=?, hash=? WHERE id=?", updates)
    db.commit()
    db.close()
    with open_store() as store:
        assert audit.verify(store.db)[1] is None  # the chain alone is fooled
    proc = run_sohoa("audit", "verify")
    assert proc.returncode == 1 and "mốc neo" in proc.stderr and "Traceback" not in proc.stderr


def test_removed_newest_with_lowered_counter_caught_by_the_anchor(logged):
    _tamper(logged, "DELETE FROM audit WHERE id=4")
    db = sqlite3.connect(logged)
    db.execute("UPDATE sqlite_sequence SET seq=3 WHERE name='audit'")
    db.commit()
    db.close()
    proc = run_sohoa("audit", "verify")
    assert proc.returncode == 1 and "#4" in proc.stderr and "mốc neo" in proc.stderr


def test_forged_or_missing_anchor_caught(logged):
    anchor = logged.with_name(logged.name + audit.ANCHOR_SUFFIX)
    data = anchor.read_text(encoding="utf-8")
    anchor.write_text(data.replace('"id": 4', '"id": 3'), encoding="utf-8")
    proc = run_sohoa("audit", "verify")
    assert proc.returncode == 1 and "HMAC" in proc.stderr
    anchor.unlink()
    proc = run_sohoa("audit", "verify")
    assert proc.returncode == 1 and "thiếu tệp neo" in proc.stderr


def test_a_store_from_before_anchoring_is_anchored_when_opened(logged):
    """No key and no anchor yet (an older installation): anchored on open, no false alarm."""
    logged.with_name(logged.name + audit.ANCHOR_SUFFIX).unlink()
    audit.key_path(logged).unlink()
    proc = run_sohoa("audit", "verify")
    assert proc.returncode == 0 and "4" in proc.stdout, proc.stderr
    assert audit.anchor_path(logged).is_file() and audit.key_path(logged).is_file()
