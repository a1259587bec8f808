"""The dossier workspace: page operations, corrections, autosave and restore after a kill."""
from __future__ import annotations

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
    # a drag moves page 4 to the front: it joins the first document, which still starts at page 1
    ws.set_page_order([ids[3], ids[0], ids[1], ids[2]])
    assert [d.pages for d in ws.documents] == [[ids[3], ids[0], ids[1]], [ids[2]]]
    assert ws.merge_with_previous(1) == 0
    assert [d.pages for d in ws.documents] == [[ids[3], ids[0], ids[1], ids[2]]]
    ws.delete_page(ids[0])
    assert ids[0] not in ws.pages and not (ws.pages_dir / f"{ids[0]}.scan.png").exists()
    with pytest.raises(ValueError):
        ws.set_page_order(ids)
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
    assert len(list(ws.pages_dir.iterdir())) == 1  # old scan and results removed


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
