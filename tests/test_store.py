"""The dossier store: schema, recording, replacing, corrections, deletion, locking, `sohoa process` recording."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import REPO, run_sohoa

from exports import audit
from exports.store import MIGRATIONS, open_store
from ocr.errors import SohoaError
from ocr.model import Document, Field, OcrPage, ProcessedPage, Word

CODE = "000.00.25.H49-240315-0012"


def make_document(stem: str, page_texts: list[str], form="ct01", fields=None) -> Document:
    """A Document as the pipeline returns it, from page texts (one Word per token)."""
    pages = []
    for text in page_texts:
        words = [Word(tok, (10 * j, 20 * i, 10 * j + 9, 20 * i + 15), 90.0, 1, 1, i)
                 for i, line in enumerate(text.split("\n")) for j, tok in enumerate(line.split())]
        pages.append(ProcessedPage("in/" + stem + ".png", 0, 1654, 2339, 200.0, b"", "png", OcrPage(1654, 2339, words)))
    return Document(stem, [p.source for p in pages], pages, form, 0.9,
                    {k: Field(value=v, raw=v, confidence=0.9) for k, v in (fields or {}).items()})


def test_schema_and_pragmas(sohoa_home):
    store = open_store()
    assert store.path == sohoa_home / "sohoa.db"
    assert store.schema_version == len(MIGRATIONS)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] > 0
    tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"dossiers", "documents", "pages", "fields", "corrections", "audit", "search", "schema_version"} <= tables
    store.close()
    # reopening does not migrate twice
    again = open_store()
    assert again.db.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)


def test_record_replace_correct_delete(tmp_path):
    store = open_store()
    doc = make_document(f"{CODE}.01", ["TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ\nHọ tên: NGUYỄN VĂN AN"],
                        fields={"ho_ten": "Nguyễn Văn An", "so_dinh_danh": "001203004567"})
    pdf, js = tmp_path / f"{CODE}.01.pdf", tmp_path / f"{CODE}.01.json"
    doc_id = store.record_document(doc, pdf, js, dossier_code=CODE, user="canbo1")
    info = store.document(doc_id)
    assert info["dossier_code"] == CODE and info["ordinal"] == 1 and info["status"] == "scanned"
    assert info["fields"]["ho_ten"]["value"] == "Nguyễn Văn An"
    assert info["fields"]["ho_ten"]["needs_review"]  # the review flag as understand left it

    store.record_correction(doc_id, "ho_ten", "Nguyễn Văn An", "Nguyễn Văn Ân", "canbo1")
    info = store.document(doc_id)
    assert info["status"] == "reviewed"
    assert info["fields"]["ho_ten"]["value"] == "Nguyễn Văn Ân"
    assert not info["fields"]["ho_ten"]["needs_review"]  # an officer's correction is vouched for
    assert info["corrections"][0]["old"] == "Nguyễn Văn An"
    assert store.search("van an")[0].snippet == "Nguyễn Văn Ân"

    # re-recording the same PDF path replaces pages and fields, keeps the id and the correction
    doc2 = make_document(f"{CODE}.01", ["Trang mới Lê Thị Bình"], fields={"ho_ten": "Nguyễn Văn An"})
    assert store.record_document(doc2, pdf, js, dossier_code=CODE) == doc_id
    assert store.db.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
    assert store.db.execute("SELECT count(*) FROM pages").fetchone()[0] == 1
    assert store.search("le thi binh")[0].document_id == doc_id
    assert store.search("tờ khai") == []
    assert store.document(doc_id)["fields"]["ho_ten"]["value"] == "Nguyễn Văn Ân"
    assert not store.document(doc_id)["fields"]["ho_ten"]["needs_review"]

    other = make_document(f"{CODE}.02", ["Bản sao CCCD"], form="cccd")
    store.record_document(other, tmp_path / "b.pdf", tmp_path / "b.json", dossier_code=CODE)
    assert store.delete_dossier(CODE, user="canbo1") == 2
    for table in ("dossiers", "documents", "pages", "fields", "corrections", "search"):
        assert store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    actions = [e.action for e in audit.entries(store.db)]
    assert actions == ["processed", "corrected", "processed", "processed", "deleted"]
    assert audit.verify(store.db)[1] is None
    with pytest.raises(SohoaError):
        store.delete_dossier(CODE)


def test_document_without_dossier(tmp_path):
    store = open_store()
    doc_id = store.record_document(make_document("scan1", ["Giấy xác nhận"]), tmp_path / "scan1.pdf", None)
    hit = store.search("giay xac nhan")[0]
    assert hit.document_id == doc_id and hit.dossier_code is None and hit.ordinal is None
    assert hit.pdf_path == str((tmp_path / "scan1.pdf").resolve())


def test_locked_store_clear_error_nothing_lost(sohoa_home, tmp_path):
    store = open_store()
    store.record_document(make_document("a", ["Nguyễn Thị Hoa"]), tmp_path / "a.pdf", tmp_path / "a.json")
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sqlite3, sys, time
        db = sqlite3.connect(r"{sohoa_home / 'sohoa.db'}", isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        db.execute("INSERT INTO dossiers(code, created) VALUES ('giu-khoa', 'x')")
        print("locked", flush=True)
        time.sleep(30)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        blocked = open_store(timeout=0.3)
        t0 = time.monotonic()
        with pytest.raises(SohoaError) as err:
            blocked.record_document(make_document("b", ["Trần Văn Cường"]), tmp_path / "b.pdf", tmp_path / "b.json")
        assert time.monotonic() - t0 < 5
        assert "khóa" in err.value.message and "locked" in err.value.message
        # reading still works in WAL mode while a writer holds the lock
        assert [h.pdf_path for h in blocked.search("nguyen thi hoa")] == [str((tmp_path / "a.pdf").resolve())]
    finally:
        holder.kill()
        holder.wait()
    again = open_store(timeout=2)
    assert [h.pdf_path for h in again.search("hoa")] == [str((tmp_path / "a.pdf").resolve())]
    again.record_document(make_document("b", ["Trần Văn Cường"]), tmp_path / "b.pdf", tmp_path / "b.json")
    assert len(again.search("tran van cuong")) == 1
    assert audit.verify(again.db)[1] is None


def test_not_a_database(sohoa_home):
    (sohoa_home / "sohoa.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(SohoaError) as err:
        open_store()
    assert "hỏng" in err.value.message


def test_newer_schema_refused(sohoa_home):
    open_store().close()
    db = sqlite3.connect(sohoa_home / "sohoa.db")
    db.execute("INSERT INTO schema_version VALUES (99)")
    db.commit()
    db.close()
    with pytest.raises(SohoaError) as err:
        open_store()
    assert "mới hơn" in err.value.message


def test_process_records_into_store(page_png, tmp_path):
    src = page_png("giay_xac_nhan.png", ["GIẤY XÁC NHẬN", "Ông Phạm Quốc Dũng cư trú tại Quảng Ngãi"])
    out = tmp_path / "out"
    run_sohoa("process", str(src), "--out", str(out), "--jobs", "1", check=True)
    store = open_store()
    hits = store.search("pham quoc dung")
    assert [h.pdf_path for h in hits] == [str((out / "giay_xac_nhan.pdf").resolve())]
    assert hits[0].json_path == str((out / "giay_xac_nhan.json").resolve())
    proc = run_sohoa("search", "QUANG NGAI", check=True)
    line = proc.stdout.strip().splitlines()
    assert len(line) == 1 and line[0].startswith(str((out / "giay_xac_nhan.pdf").resolve()))
    assert "Quảng Ngãi" in line[0]
    # --no-store leaves the store alone
    run_sohoa("process", str(src), "--out", str(tmp_path / "out2"), "--jobs", "1", "--no-store", check=True)
    assert len(open_store().search("pham quoc dung")) == 1


def test_encrypted_store_is_unreadable_without_its_key(sohoa_home, tmp_path, monkeypatch):
    key_file = tmp_path / "kho.key"
    key_file.write_text("mật khẩu 'kho' rất dài\n", encoding="utf-8")
    monkeypatch.setenv("SOHOA_STORE_KEY_FILE", str(key_file))
    store = open_store()
    assert store.encrypted
    doc = make_document(f"{CODE}.01", ["Họ tên: NGUYỄN VĂN AN"], fields={"so_dinh_danh": "001203004567"})
    store.record_document(doc, tmp_path / "a.pdf", tmp_path / "a.json", dossier_code=CODE)
    store.close()
    raw = (sohoa_home / "sohoa.db").read_bytes()
    assert not raw.startswith(b"SQLite format 3") and b"NGUY" not in raw and b"001203004567" not in raw
    # the CLI finds it through the same key file (the variable is inherited)
    assert "a.pdf" in run_sohoa("search", "nguyen van an", check=True).stdout
    # no key: a clear message, not a crash; a wrong key likewise
    monkeypatch.delenv("SOHOA_STORE_KEY_FILE")
    with pytest.raises(SohoaError) as no_key:
        open_store()
    assert "SOHOA_STORE_KEY_FILE" in str(no_key.value)
    key_file.write_text("khóa sai\n", encoding="utf-8")
    monkeypatch.setenv("SOHOA_STORE_KEY_FILE", str(key_file))
    with pytest.raises(SohoaError) as wrong:
        open_store()
    assert "Sai khóa" in str(wrong.value)
    key_file.write_text("\n", encoding="utf-8")
    with pytest.raises(SohoaError, match="trống"):
        open_store()
