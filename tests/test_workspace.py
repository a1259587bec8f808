"""The dossier workspace: page operations, corrections, autosave and restore after a kill."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from datetime import datetime

import numpy as np
import pytest

from ocr.model import Field, OcrPage, PageImage, ProcessedPage, Word
from scanner_app.workspace import Workspace, dossier_code_in

REPO = __import__("pathlib").Path(__file__).resolve().parents[1]


def page(value: int, h: int = 60, w: int = 40) -> PageImage:
    return PageImage(pixels=np.full((h, w, 3), value, np.uint8), dpi=100, source=f"src-{value}", index=0)


def fake_result(ws: Workspace, pid: str, text: str = "hello", lines: tuple[str, ...] = ()) -> ProcessedPage:
    """The page's processed result with one word `text`, or with `lines` laid out as OCR lines."""
    import cv2

    img = ws.page_image(pid)
    ok, buf = cv2.imencode(".png", img.pixels)
    h, w = img.pixels.shape[:2]
    words = [Word(text, (1, 2, 30, 12), 91.0)]
    if lines:
        words = []
        for n, line in enumerate(lines):
            x, y = 200, 200 + 100 * n
            for token in line.split():
                words.append(Word(token, (x, y, x + 22 * len(token), y + 45), 92.0, block=n + 1, par=1, line=1))
                x += 22 * len(token) + 18
        w, h = 2400, 3400
    return ProcessedPage(source=img.source, source_index=0, width=w, height=h, dpi=img.dpi, image=buf.tobytes(),
                         image_format="png", ocr=OcrPage(w, h, words))


@pytest.fixture
def ws(tmp_path):
    return Workspace.open(tmp_path / "ws")


def test_pages_documents_split_merge_reorder_delete(ws):
    ids = [ws.add_scan(page(v)) for v in (10, 20, 30, 40)]
    assert ws.page_order() == ids and len(ws.documents) == 1
    assert ws.split_before(ids[2]) == 1
    assert [d.pages for d in ws.documents] == [ids[:2], ids[2:]]
    # page 4 dropped before page 1: it joins the first document
    ws.move_pages([ids[3]], ids[0])
    assert [d.pages for d in ws.documents] == [[ids[3], ids[0], ids[1]], [ids[2]]]
    # dropped after the last page of document 1: the same document, its end
    ws.move_pages([ids[3]], ids[1], after=True)
    assert [d.pages for d in ws.documents] == [[ids[0], ids[1], ids[3]], [ids[2]]]
    assert ws.merge_with_previous(1) == 0
    assert [d.pages for d in ws.documents] == [[ids[0], ids[1], ids[3], ids[2]]]
    ws.delete_page(ids[0])
    assert ids[0] not in ws.pages and ids[0] not in ws.page_order()
    assert ws.new_document() == 1
    new = ws.add_scan(page(50))
    assert ws.doc_index_of(new) == 1


def test_rotation_turns_the_image_and_drops_the_old_result(ws):
    pid = ws.add_scan(page(10, h=60, w=40))
    ws.set_processed(pid, fake_result(ws, pid))
    assert ws.processed(pid) is not None and ws.unprocessed() == []
    ws.rotate_page(pid, 90)
    assert ws.page_image(pid).pixels.shape[:2] == (40, 60)
    assert ws.unprocessed() == [pid] and ws.processed(pid) is None
    assert len(list(ws.pages_dir.iterdir())) == 4  # old scan and results kept for an undo ...
    assert len(list(Workspace.open(ws.root).pages_dir.iterdir())) == 1  # ... until the session ends


def test_processed_pages_and_fields_survive_reopen(ws, tmp_path):
    pid = ws.add_scan(page(90))
    ws.set_processed(pid, fake_result(ws, pid, "Nguyễn"))
    ws.set_dossier_code("000.00.25.H49-240315-0012")
    d = ws.documents[0]
    d.form, d.understood = "ct01", True
    d.fields = {"ho_ten": {"value": "NGUYEN", "raw": "NGUYEN", "confidence": 0.4, "page": 1,
                           "bbox": [1, 2, 30, 12], "valid": True, "problems": []}}
    corr = ws.edit_field(0, "ho_ten", "Nguyễn  Văn An", user="canbo1")
    assert corr["old"] == "NGUYEN" and corr["new"] == "Nguyễn Văn An" and corr["user"] == "canbo1"
    assert datetime.fromisoformat(corr["when"]).tzinfo is not None  # when, with the office's offset
    assert ws.edit_field(0, "ho_ten", "Nguyễn Văn An") is None  # unchanged: nothing logged
    again = Workspace.open(ws.root)
    assert again.restored
    assert again.dossier_code == "000.00.25.H49-240315-0012"
    assert again.stem(0) == "000.00.25.H49-240315-0012.01"
    doc = again.document(0)
    assert doc.fields["ho_ten"].value == "Nguyễn Văn An" and doc.fields["ho_ten"].bbox == (1, 2, 30, 12)
    assert doc.pages[0].ocr.words[0].text == "Nguyễn"
    assert again.corrections[0]["new"] == "Nguyễn Văn An"


def test_understanding_keeps_the_officers_corrections(ws):
    from ocr.pipeline import PipelineOptions

    pid = ws.add_scan(page(90))
    ws.set_processed(pid, fake_result(ws, pid, lines=(
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ",
        "Kính gửi: Công an phường Trần Phú", "1. Họ, chữ đệm và tên: TRẦN THỊ BỈNH",
        "2. Ngày, tháng, năm sinh: 05/03/1990")))
    assert ws.understand(0, PipelineOptions(jobs=1)) is True
    assert ws.documents[0].form == "ct01"
    assert ws.documents[0].fields["ho_ten"]["value"] == "TRẦN THỊ BỈNH"  # as read
    ws.edit_field(0, "ho_ten", "Trần Thị Bình", user="canbo2")
    ws.documents[0].understood = False
    assert ws.understand(0, PipelineOptions(jobs=1)) is True
    ho_ten = ws.documents[0].fields["ho_ten"]
    assert (ho_ten["value"], ho_ten["corrected"]) == ("Trần Thị Bình", True)
    assert ws.documents[0].fields["ngay_sinh"]["value"] == "05/03/1990"  # extracted again, not corrected


@pytest.mark.parametrize("text,code", [
    ("000.00.25.H49-240315-0012", "000.00.25.H49-240315-0012"),
    ("Mã hồ sơ: 000.00.25.H49 - 240315 - 0012", "000.00.25.H49-240315-0012"),
    ("G12.34.56-240101-123", "G12.34.56-240101-123"),  # loosely fitting: accepted
    ("HS-2024-001", "HS-2024-001"),  # another one-stop system's numbering
    ("079090001234|NGUYEN VAN AN|12051990", None),  # a CCCD payload is not a dossier code
    ("https://dichvucong.gov.vn/", None),
    ("", None),
])
def test_dossier_code_in(text, code):
    assert dossier_code_in(text) == code


WRITER = r"""
import sys, time
import numpy as np
from ocr.model import PageImage
from scanner_app.workspace import Workspace
ws = Workspace.open(sys.argv[1])
for i in range(1000):
    ws.add_scan(PageImage(pixels=np.full((700, 500, 3), i % 250, np.uint8), dpi=100, source=f"p{i}", index=i))
    ws.set_dossier_code(f"000.00.25.H49-240315-{i:04d}")
    print(i + 1, flush=True)
"""


def test_restore_after_the_writer_is_killed(tmp_path):
    root = tmp_path / "ws"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(root)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        written = 0
        deadline = time.monotonic() + 60
        while written < 12 and time.monotonic() < deadline:
            written = int(proc.stdout.readline())
    finally:
        proc.kill()  # SIGKILL on POSIX: no cleanup, mid-write
        proc.wait()
    assert written >= 12
    json.loads((root / "workspace.json").read_text(encoding="utf-8"))  # never half-written
    ws = Workspace.open(root)
    assert ws.restored
    order = ws.page_order()
    assert len(order) >= written  # every page reported written is back (plus maybe one adopted)
    for pid in order:
        img = ws.page_image(pid)
        assert img.pixels.shape == (700, 500, 3)
    # pages come back in scan order
    assert [ws.pages[p].source for p in order] == [f"p{i}" for i in range(len(order))]
    assert not list(root.glob("pages/*.part")) and not list(root.glob("pages/.*"))


def test_scan_written_but_not_listed_is_adopted(ws):
    ws.add_scan(page(10))
    orphan = ws._write_scan(page(20))  # the crash came between the page file and the listing
    again = Workspace.open(ws.root)
    assert again.page_order()[-1] == orphan.id
    assert int(again.page_image(orphan.id).pixels.mean()) == 20
    assert again.pages[orphan.id].source == "src-20"


def test_damaged_state_is_kept_aside_not_fatal(tmp_path):
    root = tmp_path / "ws"
    (root / "pages").mkdir(parents=True)
    (root / "workspace.json").write_text("{not json", encoding="utf-8")
    ws = Workspace.open(root)
    assert ws.page_order() == []
    assert (root / "workspace.damaged.json").exists()


def test_the_officers_turn_sticks(ws):
    """A page the officer turned is processed as turned: automatic orientation, which reads the
    text as sideways and would turn it back, is off for it; a rescan turns it on again."""
    from conftest import render_lines

    from ocr.pipeline import PageJob, PipelineOptions, process_page

    text = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "",
            "Đơn đề nghị cấp bản sao trích lục hộ tịch", "Kính gửi: Ủy ban nhân dân xã Hòa Phú",
            "Họ, chữ đệm và tên người yêu cầu: Nguyễn Văn An", "Nơi cư trú: thôn 3, xã Hòa Phú"]
    grey = np.asarray(render_lines(text, dpi=150).convert("L"))
    pid = ws.add_scan(PageImage(pixels=grey, dpi=150, source="don.png"))
    ws.rotate_page(pid, 90)  # the officer wants it sideways (a landscape table, say)
    assert ws.pages[pid].upright

    def processed():
        img = ws.page_image(pid)
        return process_page(PageJob(pid, 0, img, upright=ws.pages[pid].upright), PipelineOptions(jobs=1))

    kept = processed()
    assert kept.rotation == 0 and kept.width > kept.height
    ws.pages[pid].upright = False  # what automatic orientation would have done
    turned_back = processed()
    assert turned_back.rotation != 0 and turned_back.width < turned_back.height
    ws.replace_scan(pid, PageImage(pixels=grey, dpi=150, source="don.png"))  # a rescan
    assert not ws.pages[pid].upright


def shape(ws, ids):
    """Documents as lists of page numbers (1-based by `ids`), new pages as "n"."""
    return [[ids.index(p) + 1 if p in ids else "n" for p in d.pages] for d in ws.documents]


def test_page_steps_undo_and_redo(ws):
    ids = [ws.add_scan(page(v)) for v in (10, 20, 30, 40, 50)]
    ws.split_before(ids[2])
    assert shape(ws, ids) == [[1, 2], [3, 4, 5]]
    ws.shift_pages([ids[2]], -1)  # the first page of document 2 moves up: into document 1
    assert shape(ws, ids) == [[1, 2, 3], [4, 5]]
    ws.shift_pages([ids[0]], 1)
    assert shape(ws, ids) == [[2, 1, 3], [4, 5]]
    ws.delete_pages([ids[0], ids[3]])
    assert shape(ws, ids) == [[2, 3], [5]] and ids[0] not in ws.pages
    assert ws.undo_label() == "undo_delete"
    assert ws.undo() == "undo_delete"
    assert shape(ws, ids) == [[2, 1, 3], [4, 5]]
    assert ws.page_image(ids[0]).pixels[0, 0, 0] == 10  # the page came back with its image
    assert ws.undo() == "undo_move" and shape(ws, ids) == [[1, 2, 3], [4, 5]]
    assert ws.redo() == "undo_move" and shape(ws, ids) == [[2, 1, 3], [4, 5]]
    assert ws.redo() == "undo_delete" and shape(ws, ids) == [[2, 3], [5]]
    assert ws.redo() is None
    # steps undone back to the split; a page scanned meanwhile stays where it arrived
    ws.undo(), ws.undo(), ws.undo()
    assert shape(ws, ids) == [[1, 2], [3, 4, 5]]
    new = ws.add_scan(page(60))
    assert ws.undo() == "undo_split"
    assert shape(ws, ids) == [[1, 2, 3, 4, 5, "n"]] and new in ws.pages
    # a new step forgets what could be redone
    ws.delete_pages([new])
    assert ws.redo() is None
    # the stack's own split is no step of the officer's
    ws.split_before(ids[3], undoable=False)
    assert shape(ws, ids) == [[1, 2, 3], [4, 5]] and ws.undo_label() == "undo_delete"


def test_a_turn_is_undone_with_its_processing(ws):
    pid = ws.add_scan(page(10, h=60, w=40))
    ws.set_processed(pid, fake_result(ws, pid, "trước"))
    ws.rotate_pages([pid], 90)
    assert ws.page_image(pid).pixels.shape[:2] == (40, 60) and ws.pages[pid].upright
    assert ws.undo() == "undo_rotate"
    assert ws.page_image(pid).pixels.shape[:2] == (60, 40) and not ws.pages[pid].upright
    assert ws.unprocessed() == [] and ws.processed(pid).ocr.words[0].text == "trước"  # no OCR again
    assert ws.redo() == "undo_rotate" and ws.page_image(pid).pixels.shape[:2] == (40, 60)


def test_a_deleted_page_is_not_adopted_back_after_a_restart(ws):
    ids = [ws.add_scan(page(v)) for v in (10, 20)]
    ws.delete_pages([ids[1]])
    again = Workspace.open(ws.root)
    assert again.page_order() == [ids[0]] and again.undo() is None
    assert sorted(f.name for f in again.pages_dir.iterdir()) == [f"{ids[0]}.scan.png"]


def test_field_edit_undo_keeps_the_log_and_never_vouches(ws):
    pid = ws.add_scan(page(10))
    ws.set_processed(pid, fake_result(ws, pid))
    d = ws.documents[0]
    d.fields["ho_ten"] = {"value": "NGUYEN VAN AN", "confidence": 0.5, "valid": True, "needs_review": True,
                          "problems": ["thiếu dấu"]}
    corr = ws.edit_field(0, "ho_ten", "Nguyễn Văn An", user="canbo1")
    assert d.fields["ho_ten"]["needs_review"] is False
    assert ws.undo() == "undo_edit"
    assert d.fields["ho_ten"]["value"] == "NGUYEN VAN AN" and d.fields["ho_ten"]["needs_review"] is True
    assert corr in ws.corrections and corr["undone"] and ws.unrecorded(0) == []
    # recorded in the store before the redo: the store gets it again, the workspace shows it
    assert ws.redo() == "undo_edit" and d.fields["ho_ten"]["value"] == "Nguyễn Văn An"
    assert [c["new"] for c in ws.unrecorded(0)] == ["Nguyễn Văn An"]
    ws.mark_recorded(ws.unrecorded(0)[0])
    assert ws.undo() == "undo_edit"
    back = ws.unrecorded(0)
    assert [(c["old"], c["new"], c["reverts"]) for c in back] == [("Nguyễn Văn An", "NGUYEN VAN AN", True)]
    # understanding again does not re-apply an undone correction
    d.understood = False
    from ocr.pipeline import PipelineOptions

    assert ws.understand(0, PipelineOptions())
    assert "ho_ten" not in d.fields or d.fields["ho_ten"].get("corrected") is not True


def test_blank_pages_are_left_out_unless_kept(ws):
    ids = [ws.add_scan(page(v)) for v in (10, 20)]
    for pid in ids:
        ws.set_processed(pid, fake_result(ws, pid))
    blank = dataclasses.replace(fake_result(ws, ids[1]), blank=True)
    ws.set_processed(ids[1], blank)
    assert ws.kept_pages(0) == [ids[0]] and len(ws.document(0).pages) == 1
    assert ws.dropped_blank() == [{"file": "src-20", "page": 1}]
    ws.set_keep_blank([ids[1]], True)
    assert ws.kept_pages(0) == ids and len(ws.document(0).pages) == 2 and ws.dropped_blank() == []
    assert ws.undo() == "undo_keep_blank" and ws.kept_pages(0) == [ids[0]]
    # a document of blank pages only gets no number and needs no saving
    ws.split_before(ids[1])
    third = ws.add_scan(page(30))
    ws.split_before(third)
    assert ws.stem(2).endswith(".02")


def test_a_table_cell_edit_is_undone(ws):
    pid = ws.add_scan(page(10))
    ws.set_processed(pid, fake_result(ws, pid))
    ws.documents[0].extra["thanh_vien"] = [{"ho_ten": "Vu Thanh Thao", "quan_he": "Em"}]
    ws.edit_table_cell(0, "thanh_vien", 0, "ho_ten", "Vũ Thanh Thảo")
    ws.edit_table_cell(0, "thanh_vien", 1, "ho_ten", "Hoàng Thanh Khoa")  # a member added
    assert ws.undo() == "undo_edit"
    assert [r.get("ho_ten") for r in ws.documents[0].extra["thanh_vien"]] == ["Vũ Thanh Thảo", None]
    assert ws.undo() == "undo_edit"
    assert ws.documents[0].extra["thanh_vien"][0]["ho_ten"] == "Vu Thanh Thao"
    assert ws.redo() == "undo_edit"
    assert ws.documents[0].extra["thanh_vien"][0]["ho_ten"] == "Vũ Thanh Thảo"
