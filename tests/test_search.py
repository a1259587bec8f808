"""Search: diacritics/case-insensitive, phrases, filters, snippets from the original text, the CLI line format."""
from __future__ import annotations

import datetime as dt

import pytest
from conftest import run_sohoa
from test_store import CODE, make_document

from exports.store import fts_query, open_store, snippet, _terms
from ocr.errors import SohoaError


@pytest.fixture
def filled(tmp_path):
    store = open_store()
    ids = {}
    ids["ct01"] = store.record_document(
        make_document(f"{CODE}.01", ["TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ\n1. Họ, chữ đệm và tên: NGUYỄN VĂN AN\n"
                                     "Nơi cư trú: xã Nghĩa Hà, tỉnh QUẢNG NGÃI"],
                      fields={"ho_ten": "Nguyễn Văn An", "so_dinh_danh": "051203004567"}),
        tmp_path / "d1" / f"{CODE}.01.pdf", tmp_path / "d1" / f"{CODE}.01.json", dossier_code=CODE)
    ids["van_ban"] = store.record_document(
        make_document("qd125", ["ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI\nQUYẾT ĐỊNH\nVề việc đặt tên đường"], form="van_ban",
                      fields={"so_ky_hieu": "125/QĐ-UBND", "trich_yeu": "Về việc đặt tên đường"}),
        tmp_path / "qd125.pdf", tmp_path / "qd125.json")
    ids["other"] = store.record_document(
        make_document("ks", ["TỜ KHAI ĐĂNG KÝ KHAI SINH\nHọ tên: Đặng Thùy Dương\nNơi sinh: Đà Nẵng"],
                      form="khai_sinh", fields={"ho_ten": "Đặng Thùy Dương"}),
        tmp_path / "ks.pdf", tmp_path / "ks.json", dossier_code="000.00.25.H49-240316-0001")
    return store, ids


def test_diacritics_and_case_insensitive(filled):
    store, ids = filled
    assert [h.document_id for h in store.search("nguyen van an")] == [ids["ct01"]]
    assert [h.document_id for h in store.search("NGUYỄN văn An")] == [ids["ct01"]]
    assert {h.document_id for h in store.search("Quảng Ngãi")} == {ids["ct01"], ids["van_ban"]}
    # đ folds to d both ways
    assert [h.document_id for h in store.search("dang thuy duong")] == [ids["other"]]
    assert [h.document_id for h in store.search("ĐÀ NẴNG")] == [ids["other"]]
    # every word must match; a word that appears nowhere finds nothing
    assert store.search("nguyen duong") == []
    assert store.search("xyzzy") == []


def test_codes_and_numbers_are_phrases(filled):
    store, ids = filled
    assert [h.document_id for h in store.search(CODE)] == [ids["ct01"]]
    assert [h.document_id for h in store.search("125/QĐ-UBND")] == [ids["van_ban"]]
    assert [h.document_id for h in store.search("051203004567")] == [ids["ct01"]]
    assert store.search("000.00.25.H49-240316-0012") == []
    assert fts_query('ab" OR x*') == '"ab" "or" "x"'  # FTS syntax never leaks through
    assert store.search('"') == [] and store.search("***") == []


def test_snippets_are_original_text(filled):
    store, ids = filled
    hit = store.search("nghia ha")[0]
    assert "xã Nghĩa Hà, tỉnh QUẢNG NGÃI" in hit.snippet
    assert "\n" not in hit.snippet
    # the folded -> original offset map survives 'đ' and decomposed input
    text = "Họ tên: Đỗ Đức Độ, nơi ở: Hà Nội"
    assert snippet(text, _terms("do duc do")) == text
    assert snippet("x" * 300 + " Lương Văn Sơn " + "y" * 300, _terms("son")).count("Sơn") == 1


def test_filters(filled):
    store, ids = filled
    assert [h.document_id for h in store.search("quang ngai", form="van_ban")] == [ids["van_ban"]]
    store.set_status(ids["ct01"], "signed")
    assert [h.document_id for h in store.search("quang ngai", status="signed")] == [ids["ct01"]]
    today = dt.date.today()
    assert len(store.search("quang ngai", date_from=today.strftime("%d/%m/%Y"), date_to=today)) == 2
    assert store.search("quang ngai", date_to=today - dt.timedelta(days=1)) == []
    assert store.search("quang ngai", date_from=today + dt.timedelta(days=1)) == []
    with pytest.raises(SohoaError):
        store.search("quang ngai", date_from="32/13/2024")
    with pytest.raises(ValueError):
        store.set_status(ids["ct01"], "lost")


def test_cli_lines(filled, tmp_path):
    proc = run_sohoa("search", "quang", "ngai", check=True)
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 2
    by_head = {line.split("\t")[0]: line.split("\t") for line in lines}
    assert set(by_head) == {CODE, str((tmp_path / "qd125.pdf").resolve())}
    assert by_head[CODE][1].endswith(f"{CODE}.01.pdf") and "QUẢNG NGÃI" in by_head[CODE][2]
    proc = run_sohoa("search", "quang ngai", "--form", "van_ban", "--from", "01/01/2000", check=True)
    assert len(proc.stdout.strip().splitlines()) == 1
    bad = run_sohoa("search", "x", "--from", "2024/99/99")
    assert bad.returncode != 0 and "DD/MM/YYYY" in bad.stderr
