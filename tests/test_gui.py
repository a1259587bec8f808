"""The desktop app through its real widgets (offscreen Qt), real SANE test device and pipeline."""
from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from PyQt5.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt, QUrl  # noqa: E402
from PyQt5.QtGui import QDragEnterEvent, QDropEvent, QKeyEvent  # noqa: E402
from PyQt5.QtTest import QTest  # noqa: E402
from PyQt5.QtWidgets import (QApplication, QDialog, QLineEdit, QListWidget, QMessageBox, QPushButton,  # noqa: E402
                             QTableWidget)

from scanner_app.gui.main_window import MainWindow  # noqa: E402
from scanner_app.gui.widgets import FieldPanel  # noqa: E402
from scanner_app.settings import Settings  # noqa: E402
from scanner_app.workspace import Workspace  # noqa: E402

REPO = __import__("pathlib").Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.gui
needs_sane = pytest.mark.skipif(sys.platform != "linux", reason="SANE test backend: Linux only (not Windows/macOS)")

CT01 = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "",
        "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", "Kính gửi: Công an phường Bến Nghé",
        "1. Họ, chữ đệm và tên: NGUYỄN VĂN AN", "2. Ngày, tháng, năm sinh: 12/05/1990",
        "3. Giới tính: Nam", "4. Số định danh cá nhân: 079090001234",
        "5. Số điện thoại liên hệ: 0903123456", "6. Email: an.nguyen@example.vn"]


@pytest.fixture
def window(qtbot, tmp_path):
    settings = Settings(device="test:0", output_dir=str(tmp_path / "out"), jobs=1, resolution=200)
    w = MainWindow(workspace=Workspace.open(tmp_path / "ws"), settings=settings, confirm_close=False)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def wait_idle(qtbot, w, timeout=60000):
    qtbot.waitUntil(lambda: not w.busy() and not w.processor.is_busy and not w.ws.unprocessed()
                    and all(d.understood for d in w.ws.documents), timeout=timeout)


def type_text(widget, text: str) -> None:
    """Key presses carrying Vietnamese characters (QTest.keyClicks handles Latin-1 only)."""
    for ch in text:
        for kind in (QEvent.KeyPress, QEvent.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.NoModifier, ch))


def correct_by_keyboard(qtbot, w, fid: str, text: str) -> QLineEdit:
    """The officer clicks into a review field, types the right value over it and tabs on."""
    qtbot.waitUntil(lambda: fid in w.fields.edits, timeout=5000)
    edit = w.fields.edits[fid]
    qtbot.mouseClick(edit, Qt.LeftButton)
    edit.selectAll()
    type_text(edit, text)
    qtbot.keyClick(edit, Qt.Key_Tab)
    return edit


def error_boxes(w):
    return [b for b in w.findChildren(QMessageBox) if b.objectName() == "error_box" and b.isVisible()]


@needs_sane
def test_title_and_adf_scan_into_the_dossier(window, qtbot):
    w = window
    assert "Số hóa" in w.windowTitle()
    w.source_combo.setCurrentIndex(w.source_combo.findData("ADF"))
    worker = w.scan(resolution=75, max_pages=3, options={"test_picture": "Color pattern"})
    qtbot.waitUntil(lambda: w.thumbs.count() >= 1, timeout=10000)  # pages appear one by one
    wait_idle(qtbot, w)
    assert worker.count == 3
    assert w.thumbs.count() == 3 and len(w.ws.documents) == 1
    assert [w.thumbs.item(i).text() for i in range(3)] == ["TL 1 · tr 1", "TL 1 · tr 2", "TL 1 · tr 3"]
    qtbot.waitUntil(lambda: len(w.icons) == 3, timeout=10000)
    qtbot.waitUntil(lambda: w.view.page_id is not None, timeout=10000)
    assert not w.errors
    # split the document at page 2, then merge it back, through the actions
    w.thumbs.setCurrentRow(1)
    w.act_split.trigger()
    assert [len(d.pages) for d in w.ws.documents] == [1, 2]
    assert w.thumbs.item(1).text() == "TL 2 · tr 1"
    w.act_merge.trigger()
    assert [len(d.pages) for d in w.ws.documents] == [3]
    # keys on the thumbnail strip: Ctrl+Up moves the page up, Delete deletes, Ctrl+Z brings it back
    before = w.ws.page_order()
    w.thumbs.setCurrentRow(2)
    w.thumbs.setFocus()
    QTest.keyClick(w.thumbs, Qt.Key_Up, Qt.ControlModifier)
    assert w.ws.page_order() == [before[0], before[2], before[1]]
    assert w.act_undo.text() == "Hoàn tác: chuyển trang"
    QTest.keyClick(w.thumbs, Qt.Key_Delete)
    assert w.ws.page_order() == [before[0], before[1]]
    assert "Ctrl+Z" in w.status_label.text()
    QTest.keyClick(w.thumbs, Qt.Key_Z, Qt.ControlModifier)
    assert w.ws.page_order() == [before[0], before[2], before[1]] and w.thumbs.count() == 3
    QTest.keyClick(w.thumbs, Qt.Key_Z, Qt.ControlModifier)
    assert w.ws.page_order() == before
    QTest.keyClick(w.thumbs, Qt.Key_Y, Qt.ControlModifier)
    assert w.ws.page_order() == [before[0], before[2], before[1]]
    # scan and insert: two new pages right after the selected first page, in scan order
    w.thumbs.setCurrentRow(0)
    with qtbot.waitSignal(w.scan_finished, timeout=30000):
        w.scan_insert(resolution=75, max_pages=2, options={"test_picture": "Color pattern"})
    order = w.ws.page_order()
    assert len(order) == 5 and order[0] == before[0] and order[3:] == [before[2], before[1]]
    assert [p for p in w.ws.pages if p not in before] == order[1:3]  # scanned first, first


def test_review_edit_correction_and_save(window, qtbot, page_png, tmp_path, sohoa_home):
    from pypdf import PdfReader

    w = window
    w.code_edit.setText("000.00.25.H49-240315-0012")
    w.code_edit.editingFinished.emit()
    w.import_files([page_png("ct01.png", CT01, dpi=200)])
    wait_idle(qtbot, w, timeout=90000)
    doc = w.ws.documents[0]
    assert doc.form == "ct01"
    # the field panel is filled on the event loop's next turn after understanding
    qtbot.waitUntil(lambda: "ho_ten" in w.fields.edits, timeout=5000)
    edit = w.fields.edits["ho_ten"]
    edit.setFocus()
    edit.selectAll()
    type_text(edit, "Nguyễn Văn Bình")
    qtbot.keyClick(edit, Qt.Key_Return)
    corr = w.ws.corrections[-1]
    assert corr["field"] == "ho_ten" and corr["new"] == "Nguyễn Văn Bình" and corr["user"] == w.user
    assert w.fields.edits["ho_ten"].property("status") == "corrected"
    saver = w.save()
    assert saver is not None
    with qtbot.waitSignal(saver.done, timeout=60000):
        pass
    assert not w.errors, w.errors
    # the save says where it went and how many fields the officer has not checked
    from scanner_app.gui.widgets import DOUBTFUL, field_status

    unchecked = sum(field_status(f) in DOUBTFUL for d in w.ws.documents for f in d.fields.values())
    assert str(tmp_path / "out" / "000.00.25.H49-240315-0012") in w.status_label.text()
    assert unchecked and f"Còn {unchecked} trường cần kiểm tra" in w.status_label.text()
    folder = tmp_path / "out" / "000.00.25.H49-240315-0012"
    pdf, js = folder / "000.00.25.H49-240315-0012.01.pdf", folder / "000.00.25.H49-240315-0012.01.json"
    assert len(PdfReader(pdf).pages) == 1
    result = json.loads(js.read_text(encoding="utf-8"))
    assert result["form"] == "ct01"
    assert result["fields"]["ho_ten"]["value"] == "Nguyễn Văn Bình"
    assert w.ws.documents[0].saved["pdf"] == str(pdf)
    dossier = json.loads((folder / "dossier.json").read_text(encoding="utf-8"))
    assert dossier["code"] == "000.00.25.H49-240315-0012" and dossier["documents"][0]["pdf"] == pdf.name
    # saving again after another edit replaces this workspace's own files, never others'
    w.ws.edit_field(0, "email", "an@example.vn", user="canbo")
    with qtbot.waitSignal(w.save().done, timeout=60000):
        pass
    assert sorted(p.name for p in folder.glob("*.json")) == ["000.00.25.H49-240315-0012.01.json", "dossier.json"]
    assert [c["recorded"] for c in w.ws.corrections] == [True, True]
    from exports.store import open_store

    rows = open_store(sohoa_home).db.execute("SELECT field_id, new FROM corrections ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [("ho_ten", "Nguyễn Văn Bình"), ("email", "an@example.vn")]
    # Ctrl+Z in a field holding no typing of its own: the window takes the last edit back, the
    # value is a doubtful reading again (not vouched for), and the store hears of it at once
    old_email = w.ws.corrections[-1]["old"]
    w.refresh()
    email = w.fields.edits["email"]
    email.setFocus()
    QTest.keyClick(email, Qt.Key_Z, Qt.ControlModifier)
    assert w.ws.documents[0].fields["email"].get("corrected") is not True
    assert w.fields.edits["email"].text() == (old_email or "")
    rows = open_store(sohoa_home).db.execute("SELECT field_id, old, new FROM corrections ORDER BY id").fetchall()
    assert tuple(rows[-1]) == ("email", "an@example.vn", old_email)
    assert w.windowTitle().endswith("*")  # the saved PDF/JSON still hold the edit


def test_qr_cover_sheet_gives_the_dossier_code(window, qtbot, tmp_path):
    import zxingcpp

    code = "000.00.25.H49-240315-0099"
    qr = np.asarray(zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.QRCode),
                                                    scale=8))
    sheet = np.full((1654, 1169), 255, np.uint8)  # A4 at 141 dpi
    sheet[300:300 + qr.shape[0], 400:400 + qr.shape[1]] = qr
    path = tmp_path / "cover.png"
    Image.fromarray(sheet).save(path, dpi=(141, 141))
    w = window
    w.import_files([path])
    qtbot.waitUntil(lambda: w.ws.dossier_code == code, timeout=60000)
    qtbot.waitUntil(lambda: w.code_edit.text() == code, timeout=5000)
    assert w.ws.page_order() == []  # the cover sheet is not a page of any document


def test_tab_goes_to_the_next_doubtful_field(qtbot):
    panel = FieldPanel()
    qtbot.addWidget(panel)
    panel.show()
    fields = {
        "a": {"value": "ok", "confidence": 0.99, "valid": True, "problems": []},
        "b": {"value": "x", "confidence": 0.3, "valid": True, "problems": []},
        "c": {"value": "ok too", "confidence": 0.95, "valid": True, "problems": []},
        "d": {"value": "31/02/1990", "confidence": 0.9, "valid": False, "problems": ["Ngày không hợp lệ"]},
    }
    panel.set_document(0, "TL 1", fields)
    assert [panel.edits[k].property("status") for k in "abcd"] == ["ok", "doubt", "ok", "invalid"]
    assert "Ngày không hợp lệ" in panel.edits["d"].toolTip()
    panel.edits["a"].setFocus()
    qtbot.waitUntil(lambda: panel.edits["a"].hasFocus(), timeout=2000)
    qtbot.keyClick(panel.edits["a"], Qt.Key_Tab)
    assert panel.edits["b"].hasFocus()
    qtbot.keyClick(panel.edits["b"], Qt.Key_Tab)
    assert panel.edits["d"].hasFocus()  # c is fine: skipped
    qtbot.keyClick(panel.edits["d"], Qt.Key_Tab)
    assert panel.edits["b"].hasFocus()  # wraps around


@needs_sane
def test_errors_are_shown_and_the_app_keeps_working(window, qtbot, tmp_path):
    w = window
    with qtbot.waitSignal(w.scan_finished, timeout=10000):
        w.scan(device="nonexistent:0")
    assert "Không tìm thấy máy quét" in w.errors[-1]
    assert ["Không tìm thấy máy quét" in b.text() for b in error_boxes(w)] == [True]
    # Vietnamese in the box and the status bar; the English wording only as the box's details
    box = error_boxes(w)[0]
    assert " / " not in box.text() and box.detailedText() and " / " not in w.status_label.text()

    w.source_combo.setCurrentIndex(w.source_combo.findData("ADF"))
    with qtbot.waitSignal(w.scan_finished, timeout=10000):
        w.scan(device="test:0", resolution=50, options={"read_return_value": "SANE_STATUS_NO_DOCS"})
    assert "Khay nạp giấy trống" in w.errors[-1]

    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n this is not really a picture")
    good = tmp_path / "good.png"
    Image.new("L", (400, 560), 255).save(good)
    with qtbot.waitSignal(w.scan_finished, timeout=30000):
        w.import_files([bad, good])  # a corrupt file is skipped with a message, the rest comes in
    assert "broken.png" in w.errors[-1]
    assert len(w.ws.page_order()) == 1

    w.source_combo.setCurrentIndex(w.source_combo.findData("Flatbed"))
    with qtbot.waitSignal(w.scan_finished, timeout=10000):
        w.scan(device="test:0", resolution=50)
    assert w.thumbs.count() == 2, w.errors
    assert w.isVisible()


def test_files_dropped_on_the_window_are_imported(window, qtbot, tmp_path):
    w = window
    paths = []
    for i, v in enumerate((60, 180)):
        p = tmp_path / f"drop{i}.png"
        Image.fromarray(np.full((400, 300), v, np.uint8)).save(p, dpi=(50, 50))
        paths.append(p)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(400, 300), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(w, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(400, 300), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(w, drop)
    qtbot.waitUntil(lambda: w.thumbs.count() == 2, timeout=10000)
    assert [w.ws.pages[p].source for p in w.ws.page_order()] == [str(p) for p in paths]


def test_window_restores_the_unsaved_session(qtbot, tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    from ocr.model import PageImage

    for v in (40, 120):
        ws.add_scan(PageImage(pixels=np.full((300, 200), v, np.uint8), dpi=50, source=f"s{v}"))
    ws.set_dossier_code("000.00.25.H49-240315-0007")
    del ws  # as if the app had been killed here
    w = MainWindow(workspace=Workspace.open(tmp_path / "ws"),
                   settings=Settings(output_dir=str(tmp_path / "out"), jobs=1), confirm_close=False)
    qtbot.addWidget(w)
    try:
        assert w.thumbs.count() == 2
        assert w.code_edit.text() == "000.00.25.H49-240315-0007"
        assert "khôi phục" in w.status_label.text()
        wait_idle(qtbot, w)  # pages not processed before the kill are processed now
        assert w.ws.unprocessed() == []
    finally:
        w.close()


def test_english_ui_and_settings_persist(window):
    from scanner_app.settings import load_settings

    w = window
    assert w.act_scan.text() == "Quét"
    w.apply_settings(Settings(**{**w.settings.__dict__, "ui_lang": "en"}))
    assert w.act_scan.text() == "Scan" and "dossier digitising" in w.windowTitle()
    assert load_settings().ui_lang == "en"


def test_sohoa_gui_command_starts_and_stays_up(tmp_path):
    import subprocess
    import sys
    import time

    from tests.conftest import REPO

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SOHOA_HOME=str(tmp_path / "home"))
    proc = subprocess.Popen([sys.executable, "-m", "scanner_app.cli", "gui", "--workspace", str(tmp_path / "ws")],
                            cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60  # a cold start under Wine takes longer than on Linux
        while not (tmp_path / "ws" / "pages").is_dir() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)
        assert proc.poll() is None, proc.stderr.read()  # up, and still up
    finally:
        proc.terminate()
        proc.wait(10)
    assert (tmp_path / "ws" / "pages").is_dir()
    assert "Traceback" not in proc.stderr.read()


def test_saved_dossier_exported_and_signed_from_the_app(window, qtbot, tmp_path, page_png):
    from pki import issue

    from exports.package import verify_package

    w = window
    w.code_edit.setText("000.00.25.H49-240315-0013")
    w.code_edit.editingFinished.emit()
    assert w.export_package(tmp_path / "early.zip") is None  # nothing saved yet: refused
    assert "lưu hồ sơ" in w.errors[-1]
    w.import_files([page_png("ct01.png", CT01, dpi=150)])
    wait_idle(qtbot, w, timeout=90000)
    with qtbot.waitSignal(w.save().done, timeout=60000):
        pass
    assert w.windowTitle() == "Số hóa hồ sơ — 000.00.25.H49-240315-0013"
    # an edit after saving: the title says unsaved, export waits for the save that carries it
    correct_by_keyboard(qtbot, w, "ho_ten", "Trần Thị Hoa")
    assert w.windowTitle().endswith("*")
    assert w.export_package(tmp_path / "stale.zip") is None and "lưu hồ sơ" in w.errors[-1]
    for box in error_boxes(w):
        qtbot.keyClick(box, Qt.Key_Return)  # the officer dismisses the message
    QApplication.setActiveWindow(w)  # the offscreen platform gives activation back to no window
    shown = len(w.errors)
    qtbot.keyClick(w.fields.edits["email"], Qt.Key_E, Qt.ControlModifier)  # Ctrl+E from inside a field
    assert len(w.errors) == shown + 1 and "lưu hồ sơ" in w.errors[-1]  # export answers: save first
    for box in error_boxes(w):
        qtbot.keyClick(box, Qt.Key_Return)
    QApplication.setActiveWindow(w)
    qtbot.keyClick(w.fields.edits["email"], Qt.Key_S, Qt.ControlModifier)  # Ctrl+S from inside a field
    # saved: the title loses its "*" once the save has reported back
    qtbot.waitUntil(lambda: not w.busy() and not w.ws.unsaved() and not w.windowTitle().endswith("*"),
                    timeout=60000)
    cert = issue(tmp_path / "pki", "Cán Bộ Một Cửa")
    with qtbot.waitSignal(w.export_finished, timeout=60000) as sig:
        w.export_package(tmp_path / "goi.zip", cert.p12, cert.password)
    assert sig.args[0] == str(tmp_path / "goi.zip"), w.errors
    report = verify_package(tmp_path / "goi.zip")
    assert report.ok, report
    import zipfile

    with zipfile.ZipFile(tmp_path / "goi.zip") as z:
        name = next(n for n in z.namelist() if n.endswith(".01.json"))
        assert json.loads(z.read(name))["fields"]["ho_ten"]["value"] == "Trần Thị Hoa"
    assert any("Cán Bộ Một Cửa" in line for line in report.lines), report.lines
    bad = tmp_path / "pki2"
    wrong = issue(bad, "Người Khác")
    assert w.export_package(tmp_path / "x.zip", wrong.p12, "sai-mật-khẩu") is None
    assert "Sai mật khẩu" in w.errors[-1]
    # File › Verify: the package as exported is sound; one changed byte in a PDF is caught
    with qtbot.waitSignal(w.verify_finished, timeout=60000) as sig:
        w.verify_package(tmp_path / "goi.zip")
    assert sig.args == [str(tmp_path / "goi.zip"), True] and "nguyên vẹn" in w.status_label.text()
    tampered = tmp_path / "sua.zip"
    with zipfile.ZipFile(tmp_path / "goi.zip") as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data[:-2] + b"%\n" if info.filename.endswith(".pdf") else data)
    with qtbot.waitSignal(w.verify_finished, timeout=60000) as sig:
        w.verify_package(tampered)
    assert sig.args == [str(tampered), False]
    box = next(b for b in w.findChildren(QMessageBox) if b.objectName() == "verify_box" and b.isVisible()
               and "KHÔNG đạt" in b.text())
    assert box.detailedText()


def _letter(dpi: int) -> Image.Image:
    """An official letter's first page (Decree 30/2020 header), as a citizen hands one in."""
    from PIL import ImageDraw, ImageFont

    img = Image.new("L", (int(8.27 * dpi), int(11.69 * dpi)), 255)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", int(12 * dpi / 72))
    bold = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", int(12 * dpi / 72))
    y, step = int(0.7 * dpi), int(0.28 * dpi)
    left = [("ỦY BAN NHÂN DÂN", bold), ("XÃ TÂN PHÚ", bold), ("", font), ("Số: 125/UBND-VP", font)]
    right = [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold), ("Độc lập - Tự do - Hạnh phúc", bold), ("", font),
             ("Tân Phú, ngày 05 tháng 3 năm 2024", font)]
    for (lt, lf), (rt, rf) in zip(left, right):
        d.text((int(0.6 * dpi), y), lt, font=lf, fill=0)
        d.text((int(3.4 * dpi), y), rt, font=rf, fill=0)
        y += step
    for line in ["V/v hướng dẫn lưu trữ hồ sơ điện tử", "", "Kính gửi: Công an xã Tân Phú", "",
                 "Ủy ban nhân dân xã đề nghị các cơ quan thực hiện số hóa hồ sơ theo quy định."]:
        d.text((int(1.0 * dpi), y), line, font=font, fill=0)
        y += step
    return img


def test_an_officers_day(window, qtbot, tmp_path, sohoa_home):
    """A citizen's stack imported at once — a 2-page birth-registration form, two ID-card copies
    and a letter — is split as `sohoa batch` splits it: four documents with those forms. The
    officer corrects a field by keyboard, saves with Ctrl+S, finds the dossier by a search
    without diacritics, opens it again in the app (pages, fields, the correction and its log),
    exports it and verifies the package."""
    from bench.synth_stack import cccd_page, continuation_page, form_page
    from exports.package import verify_package

    pages = [form_page("khai_sinh", 200, 3), continuation_page(200, 4), cccd_page(200, 5), cccd_page(200, 6),
             _letter(200)]
    paths = []
    for n, img in enumerate(pages, start=1):
        paths.append(tmp_path / f"stack_{n:02d}.png")
        img.save(paths[-1], dpi=(200, 200))
    w = window
    w.code_edit.setFocus()
    type_text(w.code_edit, "000.00.25.H49-240315-0021")
    qtbot.keyClick(w.code_edit, Qt.Key_Return)
    w.import_files(paths)
    wait_idle(qtbot, w, timeout=180000)
    docs = w.ws.documents
    assert [len(d.pages) for d in docs] == [2, 1, 1, 1]
    assert [d.form for d in docs] == ["khai_sinh", "cccd", "cccd", "van_ban"]
    # a document's fields come from its own pages: the card's number is not the form's
    assert docs[1].fields["so_dinh_danh"]["value"] != docs[2].fields["so_dinh_danh"]["value"]
    # the letter: the officer puts its subject right by keyboard
    w.thumbs.setCurrentRow(4)
    edit = correct_by_keyboard(qtbot, w, "trich_yeu", "V/v hướng dẫn lưu trữ hồ sơ điện tử năm 2024")
    assert w.windowTitle().endswith("*")
    QApplication.setActiveWindow(w)
    qtbot.keyClick(edit, Qt.Key_S, Qt.ControlModifier)
    qtbot.waitUntil(lambda: not w.busy() and not w.ws.unsaved(), timeout=90000)
    folder = tmp_path / "out" / "000.00.25.H49-240315-0021"
    assert sorted(p.name for p in folder.glob("*.pdf")) == [f"000.00.25.H49-240315-0021.0{n}.pdf" for n in (1, 2, 3, 4)]
    # next morning: a new dossier, then the search finds yesterday's letter without diacritics
    w.ws.clear()
    w.refresh()
    w.search_edit.setFocus()
    type_text(w.search_edit, "huong dan luu tru nam 2024")
    qtbot.keyClick(w.search_edit, Qt.Key_Return)
    dlg = next(d for d in w.findChildren(QDialog) if d.objectName() == "search_dialog" and d.isVisible())
    hits = dlg.findChild(QListWidget)
    assert hits.count() >= 1 and hits.item(0).data(Qt.UserRole).endswith(".04.pdf")
    with qtbot.waitSignal(w.scan_finished, timeout=60000):
        qtbot.mouseClick(dlg.findChild(QPushButton, "open_in_app"), Qt.LeftButton)
    assert not w.errors, w.errors
    assert w.code_edit.text() == "000.00.25.H49-240315-0021"
    assert [len(d.pages) for d in w.ws.documents] == [2, 1, 1, 1]
    assert w.thumbs.current_id() == w.ws.documents[3].pages[0]  # on the document the search found
    letter = w.ws.documents[3]
    assert letter.fields["trich_yeu"]["value"] == "V/v hướng dẫn lưu trữ hồ sơ điện tử năm 2024"
    assert not w.windowTitle().endswith("*")
    wait_idle(qtbot, w, timeout=180000)  # read again; the correction is applied again
    assert [d.form for d in w.ws.documents] == ["khai_sinh", "cccd", "cccd", "van_ban"]
    assert letter.fields["trich_yeu"]["value"] == "V/v hướng dẫn lưu trữ hồ sơ điện tử năm 2024"
    history = w.show_history()
    table = history.findChild(QTableWidget, "history_table")
    assert table.rowCount() == 1 and table.item(0, 2).text() == "V/v hướng dẫn lưu trữ hồ sơ điện tử năm 2024"
    assert table.item(0, 3).text() == w.user
    history.close()
    with qtbot.waitSignal(w.export_finished, timeout=60000) as sig:
        w.export_package(tmp_path / "goi.zip")
    assert sig.args[0] == str(tmp_path / "goi.zip"), w.errors
    with qtbot.waitSignal(w.verify_finished, timeout=60000) as sig:
        w.verify_package(tmp_path / "goi.zip")
    assert sig.args == [str(tmp_path / "goi.zip"), True]
    assert verify_package(tmp_path / "goi.zip").ok


def test_the_officer_changes_a_documents_form_and_fields_follow(window, qtbot, page_png):
    """The form chooser (keyboard on the real combo): "other" drops the form's fields, back to
    recognition brings them again with the officer's correction; New dossier with unsaved work
    keeps the dossier when the officer just presses Enter."""
    w = window
    assert w.windowTitle() == "Số hóa hồ sơ — hồ sơ mới"
    w.import_files([page_png("ct01.png", CT01, dpi=150)])
    wait_idle(qtbot, w, timeout=90000)
    assert w.ws.documents[0].form == "ct01"
    qtbot.waitUntil(lambda: "ho_ten" in w.fields.edits, timeout=5000)
    assert w.windowTitle().endswith("*")
    w.ws.edit_field(0, "ho_ten", "Nguyễn Văn Bình", user="canbo")
    combo = w.form_combo
    assert "ct01" in combo.itemText(0)
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key_End)  # the last entry: "other"
    assert combo.currentText() == "Khác (không theo mẫu)"
    wait_idle(qtbot, w)
    assert w.ws.documents[0].form is None and w.ws.documents[0].fields == {}
    qtbot.waitUntil(lambda: "ho_ten" not in w.fields.edits, timeout=5000)
    qtbot.keyClick(combo, Qt.Key_Home)  # recognise again
    wait_idle(qtbot, w)
    doc = w.ws.documents[0]
    assert doc.form == "ct01" and doc.form_choice is None
    assert doc.fields["ho_ten"]["value"] == "Nguyễn Văn Bình" and doc.fields["ho_ten"]["corrected"]
    # a forced form: its fields are extracted from this document's pages
    combo.setCurrentIndex(combo.findData("khai_sinh"))
    combo.activated.emit(combo.currentIndex())
    wait_idle(qtbot, w)
    assert w.ws.documents[0].form == "khai_sinh" and w.ws.documents[0].form_confidence == 1.0
    # the safe answer is the default: Enter on "discard?" keeps the dossier
    w.new_dossier()
    box = next(b for b in w.findChildren(QMessageBox) if b.objectName() == "question_box" and b.isVisible())
    assert "Bỏ hồ sơ" in box.text()
    qtbot.keyClick(box, Qt.Key_Return)
    assert not box.isVisible() and len(w.ws.page_order()) == 1


def test_window_fits_the_screen_and_remembers_its_geometry(qtbot, tmp_path):
    """The whole window inside the available screen (the offscreen screen is 800×600, smaller
    than a 1366×768 laptop); an empty scanner list tells what to do."""
    settings = Settings(output_dir=str(tmp_path / "out"), jobs=1)
    w = MainWindow(workspace=Workspace.open(tmp_path / "ws"), settings=settings, confirm_close=False)
    qtbot.addWidget(w)
    w.show()
    avail = QApplication.primaryScreen().availableGeometry()
    assert avail.contains(w.frameGeometry()), (avail, w.frameGeometry())
    assert avail.contains(w.cancel_button.mapToGlobal(QPoint(0, 0)))
    assert w.device_combo.count() == 0 and w.device_combo.lineEdit().placeholderText() == "Chưa có máy quét"
    assert w.scan() is None
    assert "cáp và nguồn" in w.errors[-1] and "driver" in w.errors[-1] and "Nhập tệp" in w.errors[-1]
    w.resize(640, 480)
    w.close()
    w2 = MainWindow(workspace=Workspace.open(tmp_path / "ws"), settings=w.settings, confirm_close=False)
    qtbot.addWidget(w2)
    w2.show()
    assert (w2.width(), w2.height()) == (640, 480)
    w2.close()


def test_household_members_are_an_editable_table(window, qtbot, tmp_path):
    """CT01's member table is shown as a grid of its own, names without their row numbers; the
    officer corrects a cell and adds a member by keyboard, the corrections are audited, and the
    saved JSON holds them."""
    import random

    from bench.synth_forms import render

    img, truth = render("ct01", random.Random(1003), 200, "dejavu", hand=False, edition="tt66")
    path = tmp_path / "ct01_members.png"
    img.convert("L").save(path, dpi=(200, 200))
    w = window
    w.import_files([path])
    wait_idle(qtbot, w, timeout=90000)
    qtbot.waitUntil(lambda: "thanh_vien" in w.fields.tables, timeout=5000)
    grid = w.fields.tables["thanh_vien"]
    headers = [grid.horizontalHeaderItem(c).text() for c in range(grid.columnCount())]
    assert headers[0] == "Họ, chữ đệm và tên" and "TT" not in headers
    names = [grid.item(r, 0).text() for r in range(grid.rowCount() - 1)]
    assert names == [m["ho_ten"] for m in truth["thanh_vien"]]
    assert grid.rowCount() == len(names) + 1  # the empty row that adds a member

    def edit_cell(row: int, col: int, text: str) -> None:
        """As the officer does: double-click the cell, type, Enter."""
        centre = grid.visualRect(grid.model().index(row, col)).center()
        qtbot.mouseClick(grid.viewport(), Qt.LeftButton, pos=centre)
        qtbot.mouseDClick(grid.viewport(), Qt.LeftButton, pos=centre)
        qtbot.waitUntil(lambda: any(e.isVisible() for e in grid.viewport().findChildren(QLineEdit)), timeout=2000)
        editor = next(e for e in grid.viewport().findChildren(QLineEdit) if e.isVisible())
        editor.selectAll()
        type_text(editor, text)
        for kind in (QEvent.KeyPress, QEvent.KeyRelease):  # to the editor, whatever the window's focus
            QApplication.sendEvent(editor, QKeyEvent(kind, Qt.Key_Return, Qt.NoModifier))
        # the delegate commits and deletes its editor on the next turn of the event loop
        qtbot.waitUntil(lambda: not any(e.isVisible() for e in grid.viewport().findChildren(QLineEdit)), timeout=2000)


    edit_cell(0, 0, "Bùi Xuân Sang")
    edit_cell(len(names), 0, "Bùi Minh Khang")
    assert [c["field"] for c in w.ws.corrections[-2:]] == ["thanh_vien[1].ho_ten", f"thanh_vien[{len(names) + 1}].ho_ten"]
    assert w.ws.corrections[-2]["old"] == names[0] and w.ws.unsaved()
    assert grid.rowCount() == len(names) + 2
    with qtbot.waitSignal(w.save().done, timeout=60000):
        pass
    saved = json.loads(open(w.ws.documents[0].saved["json"], encoding="utf-8").read())
    members = [m["ho_ten"] for m in saved["thanh_vien"]]
    assert members == ["Bùi Xuân Sang"] + names[1:] + ["Bùi Minh Khang"]


def test_qt_dialogs_speak_vietnamese(window):
    """Qt's own buttons and file dialog in Vietnamese (Qt ships no qtbase_vi: ours,
    scanner_app/gui/i18n); the window's yes/no question keeps "Không" as the default."""
    from PyQt5.QtWidgets import QFileDialog, QLabel, QPushButton

    box = QMessageBox(QMessageBox.Question, "?", "?", QMessageBox.Yes | QMessageBox.No | QMessageBox.Cancel, window)
    assert [box.button(b).text() for b in (QMessageBox.Yes, QMessageBox.No, QMessageBox.Cancel)] == \
        ["&Có", "&Không", "Hủy"]
    dialog = QFileDialog(window, "Nhập tệp")
    dialog.setOption(QFileDialog.DontUseNativeDialog)
    labels = {w.text() for w in dialog.findChildren(QLabel)}
    buttons = {w.text() for w in dialog.findChildren(QPushButton)}
    assert {"Tìm trong:", "Loại tệp:"} <= labels and {"&Mở", "Hủy"} <= buttons, (labels, buttons)


def test_window_commands_reach_the_window_from_inside_a_field(window):
    """On X11 desktops a line edit claims Ctrl+E (end of line) and more: the review fields let the
    window's commands through (test_real_mouse_and_keys_under_x11 presses real keys under xcb)."""
    from PyQt5.QtGui import QKeySequence

    keys = window.fields.window_keys
    for seq in ("Ctrl+E", "Ctrl+S", "F3", "Ctrl+N", "Ctrl+O"):
        assert QKeySequence(seq)[0] in keys, seq
    for seq in ("Ctrl+C", "Ctrl+V", "Ctrl+Z", "Del", "Ctrl+A"):
        assert QKeySequence(seq)[0] not in keys, seq
    edit = QLineEdit()
    edit.installEventFilter(window.fields)
    override = QKeyEvent(QEvent.ShortcutOverride, Qt.Key_E, Qt.ControlModifier)
    QApplication.sendEvent(edit, override)
    assert not override.isAccepted()


def test_commands_that_must_wait_are_disabled_while_a_scan_runs(window, qtbot, tmp_path):
    pages = []
    for k in range(3):
        pages.append(tmp_path / f"p{k}.png")
        Image.new("L", (800, 1100), 255).save(pages[-1])
    w = window
    with qtbot.waitSignal(w.scan_finished, timeout=30000):
        w.import_files(pages)
        assert [a.isEnabled() for a in (w.act_scan, w.act_import, w.act_save, w.act_export)] == [False] * 4
        assert w.act_next.isEnabled()  # reviewing goes on meanwhile
    assert [a.isEnabled() for a in (w.act_scan, w.act_import, w.act_save, w.act_export)] == [True] * 4
    assert not w.busy()
    with qtbot.waitSignal(w.scan_finished, timeout=30000):
        assert w.scan(resolution=50) is not None  # the next click is taken, not answered "busy"


@pytest.mark.skipif(sys.platform != "linux", reason="Xvfb and XTest: Linux only (not Windows/macOS)")
def test_real_mouse_and_keys_under_x11(tmp_path):
    """A real drag of a thumbnail (X pointer pressed, moved, released) reorders the dossier;
    real Ctrl+Z / Ctrl+Y undo and redo it; Ctrl+Down moves a page (tests/x11_drive.py)."""
    import subprocess

    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    run = subprocess.run(["xvfb-run", "-a", sys.executable, str(REPO / "tests" / "x11_drive.py"), str(tmp_path)],
                         capture_output=True, text=True, timeout=180, env=env, cwd=REPO)
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    pages = ["trang-1.png", "trang-2.png", "trang-3.png"]
    assert out["start"] == pages
    assert out["dragged"] == ["trang-3.png", "trang-1.png", "trang-2.png"]
    assert out["undone"] == pages
    assert out["redone"] == ["trang-3.png", "trang-1.png", "trang-2.png"]
    assert out["moved_down"] == ["trang-1.png", "trang-3.png", "trang-2.png"]


def test_blank_pages_are_marked_left_out_and_can_be_kept(window, qtbot, page_png, tmp_path):
    from pypdf import PdfReader

    w = window
    blank = tmp_path / "blank.png"
    Image.new("L", (1654, 2339), 255).save(blank, dpi=(200, 200))
    w.import_files([page_png("ct01.png", CT01, dpi=200), blank])
    wait_idle(qtbot, w, timeout=90000)
    assert [w.thumbs.item(i).text() for i in range(2)] == ["TL 1 · tr 1", "TL 1 · tr 2\ntrang trắng – bỏ"]
    with qtbot.waitSignal(w.save().done, timeout=60000):
        pass
    folder = tmp_path / "out" / w.ws.folder_name()
    pdf = folder / f"{w.ws.folder_name()}.01.pdf"
    assert len(PdfReader(pdf).pages) == 1
    dossier = json.loads((folder / "dossier.json").read_text(encoding="utf-8"))
    assert dossier["blank_pages_dropped"] == [{"file": str(blank), "page": 1}]
    # the officer keeps it (a back side that matters): in the PDF at the next save
    w.thumbs.setCurrentRow(1)
    assert w.act_keep_blank.isEnabled() and not w.act_keep_blank.isChecked()
    w.act_keep_blank.trigger()
    assert w.thumbs.item(1).text().endswith("trang trắng – giữ") and w.windowTitle().endswith("*")
    wait_idle(qtbot, w)
    with qtbot.waitSignal(w.save().done, timeout=60000):
        pass
    assert len(PdfReader(pdf).pages) == 2


def test_closing_or_starting_over_with_unsaved_work_asks_and_enter_keeps_it(qtbot, tmp_path, page_png):
    ws = Workspace.open(tmp_path / "ws")
    from ocr.model import PageImage

    typed = np.asarray(Image.open(page_png("p.png", CT01[:4], dpi=100)))
    ws.add_scan(PageImage(pixels=typed, dpi=100, source="p.png"))
    w = MainWindow(workspace=ws, settings=Settings(output_dir=str(tmp_path / "out"), jobs=1))
    qtbot.addWidget(w)
    w.show()
    wait_idle(qtbot, w)

    def question():
        return next((b for b in w.findChildren(QMessageBox) if b.objectName() == "question_box" and b.isVisible()),
                    None)

    try:
        w.close()
        box = question()
        assert box is not None and "chưa lưu" in box.text() and w.isVisible()
        QTest.keyClick(box, Qt.Key_Return)  # Enter: the safe answer, stay
        qtbot.waitUntil(lambda: question() is None)
        assert w.isVisible()
        w.act_new_dossier.trigger()
        QTest.keyClick(question(), Qt.Key_Escape)
        qtbot.waitUntil(lambda: question() is None)
        assert len(w.ws.page_order()) == 1  # nothing discarded
        w.close()
        question().button(QMessageBox.Yes).click()
        qtbot.waitUntil(lambda: not w.isVisible())
    finally:
        w.confirm_close = False
        w.close()
    assert len(Workspace.open(tmp_path / "ws").page_order()) == 1  # kept for next time


@needs_sane
def test_scan_profiles_from_the_toolbar_and_f_keys(qtbot, tmp_path):
    from scanner_app.settings import load_settings

    settings = Settings(device="test:0", output_dir=str(tmp_path / "out"), jobs=1, resolution=200,
                        device_labels={"test:0": "Noname frontend-tester (test:0)"})
    w = MainWindow(workspace=Workspace.open(tmp_path / "ws"), settings=settings, confirm_close=False)
    qtbot.addWidget(w)
    w.show()
    try:
        # the scanner by its model; scanning still opens it by its name
        assert w.device_combo.currentText() == "Noname frontend-tester (test:0)"
        assert w.current_device() == "test:0"
        assert w.preset_combo.count() == 4 and w.act_presets[2].text().startswith("Quét: CCCD")
        # F8: the third profile (flatbed, blank pages kept) is chosen and scanned at once
        QApplication.setActiveWindow(w)
        with qtbot.waitSignal(w.scan_finished, timeout=60000):
            QTest.keyClick(w, Qt.Key_F8)
        assert w.preset_combo.currentIndex() == 2 and w.source_combo.currentData() == "Flatbed"
        assert w.res_combo.currentData() == 300 and not w.skip_blank
        assert [p.keep_blank for p in w.ws.pages.values()] == [True]
        assert w.scan_worker.profile.source == "Flatbed" and w.scan_worker.profile.resolution == 300
        # the officer's own profile: the toolbar's choices under a name, kept in the settings
        w.res_combo.setCurrentIndex(w.res_combo.findData(200))
        w.save_preset("Hộ tịch 200 dpi")
        assert w.preset_combo.currentText() == "Hộ tịch 200 dpi" and w.preset_combo.count() == 5
        saved = load_settings().scan_presets()[-1]
        assert (saved.name, saved.source, saved.resolution, saved.skip_blank) == ("Hộ tịch 200 dpi", "Flatbed", 200,
                                                                                    False)
    finally:
        w.close()
