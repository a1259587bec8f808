"""`sohoa process` end to end: real CLI, real Tesseract, PDFs read back with pdfium and pypdf."""
from __future__ import annotations

import io
import json
import unicodedata
import zlib

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

from tests.conftest import pdf_text, run_sohoa

LINES = ["THÔNG BÁO KẾT QUẢ TIẾP NHẬN HỒ SƠ", "Ông Trần Văn Bình đã nộp đủ giấy tờ.",
         "Ngày hẹn trả kết quả: thứ Năm tuần sau."]




def test_image_to_searchable_pdf_and_result_json(tmp_path, page_png):
    src = page_png("thong_bao.png", LINES)
    out = tmp_path / "out"
    run_sohoa("process", str(src), "--out", str(out), "--jobs", "1", check=True)
    result = json.loads((out / "thong_bao.json").read_text(encoding="utf-8"))
    assert result["schema"] == "sohoa.result/1"
    assert result["pdf"] == "thong_bao.pdf" and result["source"] == [str(src)]
    assert set(result) >= {"form", "form_confidence", "pages", "fields", "barcodes"}
    page = result["pages"][0]
    assert page["page"] == 1 and page["rotation"] == 0 and page["blank"] is False
    assert page["ocr_confidence"] > 60
    assert "Trần Văn Bình" in page["text"] and unicodedata.is_normalized("NFC", page["text"])
    text = pdf_text(out / "thong_bao.pdf")
    assert "Trần Văn Bình" in unicodedata.normalize("NFC", text)
    reader = PdfReader(out / "thong_bao.pdf")
    assert len(reader.pages) == 1
    assert "Ngày hẹn trả kết quả" in unicodedata.normalize("NFC", reader.pages[0].extract_text())


def test_bad_inputs_reported_and_good_ones_still_done(tmp_path, page_png):
    good = page_png("good.png", LINES[:2])
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "fake.jpg").write_text("không phải ảnh\n" * 30, encoding="utf-8")
    Image.new("1", (12000, 12000), 1).save(tmp_path / "bomb.png")
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("secret")
    with open(tmp_path / "locked.pdf", "wb") as fh:
        writer.write(fh)
    data = good.read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 3])
    out = tmp_path / "out"
    proc = run_sohoa("process", str(tmp_path), "--out", str(out), "--jobs", "2")
    assert proc.returncode != 0
    errors = [l for l in proc.stderr.splitlines() if l.startswith("Lỗi")]
    for name in ("empty.png", "fake.jpg", "bomb.png", "locked.pdf", "cut.png"):
        assert sum(name in l for l in errors) == 1, (name, proc.stderr)
    assert (out / "good.pdf").exists() and (out / "good.json").exists()
    assert sorted(p.name for p in out.iterdir()) == ["good.json", "good.pdf"]  # nothing half-written


def test_unwritable_output_folder(tmp_path, page_png):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    proc = run_sohoa("process", str(page_png("p.png", LINES[:1])), "--out", str(blocker / "sub"))
    assert proc.returncode != 0
    assert "Không ghi được" in proc.stderr and "Traceback" not in proc.stderr


def test_existing_outputs_never_overwritten_silently(tmp_path, page_png):
    src = page_png("p.png", LINES[:1])
    out = tmp_path / "out"
    for _ in range(2):
        run_sohoa("process", str(src), "--out", str(out), "--jobs", "1", check=True)
    assert (out / "p.pdf").exists() and (out / "p-2.pdf").exists() and (out / "p-2.json").exists()
    assert json.loads((out / "p-2.json").read_text())["pdf"] == "p-2.pdf"
    run_sohoa("process", str(src), "--out", str(out), "--jobs", "1", "--overwrite", check=True)
    assert not (out / "p-3.pdf").exists()


def test_multipage_tiff_gives_one_pdf_with_all_pages(tmp_path, page_png):
    frames = [Image.open(page_png(f"f{i}.png", [f"Trang thứ {i} của hồ sơ"], dpi=150)) for i in (1, 2, 3)]
    tif = tmp_path / "in" / "ho_so.tif"
    tif.parent.mkdir()
    frames[0].save(tif, save_all=True, append_images=frames[1:], dpi=(150, 150), compression="tiff_lzw")
    out = tmp_path / "out"
    run_sohoa("process", str(tif), "--out", str(out), "--jobs", "2", check=True)
    assert len(PdfReader(out / "ho_so.pdf").pages) == 3
    result = json.loads((out / "ho_so.json").read_text())
    assert [p["page"] for p in result["pages"]] == [1, 2, 3]
    assert "thứ 3" in result["pages"][2]["text"]


def test_pdf_with_text_keeps_its_text_unless_forced(tmp_path):
    src = tmp_path / "born_digital.pdf"
    c = canvas.Canvas(str(src), pagesize=(595, 842))
    c.setFont("Helvetica", 16)
    c.drawString(72, 760, "Quarterly report of the commune office")
    c.drawString(72, 730, "Digitised records: 1520 pages")
    c.showPage()
    c.save()
    out = tmp_path / "out"
    run_sohoa("process", str(src), "--out", str(out), "--jobs", "1", check=True)
    page = json.loads((out / "born_digital.json").read_text())["pages"][0]
    assert page["text_source"] == "pdf"
    assert page["text"].splitlines()[:2] == ["Quarterly report of the commune office", "Digitised records: 1520 pages"]
    assert "Digitised records: 1520 pages" in pdf_text(out / "born_digital.pdf")
    run_sohoa("process", str(src), "--out", str(out), "--jobs", "1", "--force-ocr", "--overwrite", check=True)
    forced = json.loads((out / "born_digital.json").read_text())["pages"][0]
    assert forced["text_source"] == "ocr" and "1520" in forced["text"]


def test_processed_document_recorded_and_found_without_diacritics(tmp_path, page_png):
    src = page_png("bien_nhan.png", LINES)
    run_sohoa("process", str(src), "--out", str(tmp_path / "out"), "--jobs", "1", check=True)
    found = run_sohoa("search", "tran van binh", check=True)
    hits = [l for l in found.stdout.splitlines() if l.strip()]
    assert hits and "bien_nhan" in hits[0]
    assert not run_sohoa("search", "nguyen thi hoa").stdout.strip()
    run_sohoa("process", str(src), "--out", str(tmp_path / "out2"), "--jobs", "1", "--no-store", check=True)
    assert not any("out2" in l for l in run_sohoa("search", "tran van binh").stdout.splitlines())


def test_jpeg_optimised_losslessly_in_process(page_png, monkeypatch):
    """MozJPEG in-process, no jpegtran program: with no PATH at all the scan still shrinks,
    decodes to the same pixels and keeps its resolution; bytes it cannot read stay as they were."""
    from ocr.pipeline import optimize_jpeg

    buf = io.BytesIO()
    Image.open(page_png("p.png", LINES)).save(buf, "JPEG", quality=85, dpi=(200, 200))
    data = buf.getvalue()
    monkeypatch.setenv("PATH", "")
    out = optimize_jpeg(data)
    assert len(out) < 0.95 * len(data)
    with Image.open(io.BytesIO(out)) as got, Image.open(io.BytesIO(data)) as want:
        assert np.array_equal(np.asarray(got), np.asarray(want))
        assert (got.info["dpi"], got.info["progressive"]) == ((200, 200), 1)
    broken = data[:2000] + b"\xff\xd9"
    assert optimize_jpeg(broken) is broken and optimize_jpeg(b"\xff\xd8\xff not a jpeg") == b"\xff\xd8\xff not a jpeg"


def test_untouched_jpeg_scan_is_embedded_as_is(tmp_path, page_png):
    import pikepdf

    src = tmp_path / "thang.jpg"
    Image.open(page_png("p.png", LINES)).save(src, quality=85, dpi=(200, 200))
    run_sohoa("process", str(src), "--out", str(tmp_path / "out"), "--jobs", "1", check=True)
    with pikepdf.open(tmp_path / "out" / "thang.pdf") as pdf:
        images = [obj for obj in pdf.objects if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"]
        assert len(images) == 1
        filters = images[0].get("/Filter")
        filters = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else [str(filters)]
        data = images[0].read_raw_bytes()
        if filters[0] == "/FlateDecode":  # the writer may wrap a JPEG in lossless Flate
            data = zlib.decompress(data)
    assert filters[-1] == "/DCTDecode"
    # no second lossy encoding of a straight scan: the same pixels, Huffman tables optimised
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), np.asarray(Image.open(src)))
    assert len(data) < len(src.read_bytes())


def test_cli_output_is_utf8_on_a_legacy_code_page(tmp_path):
    """A Windows console or pipe in cp1252 cannot encode Vietnamese: the CLI must not crash."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONIOENCODING="cp1252", SOHOA_HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "scanner_app.cli", "process", str(tmp_path / "missing.png"),
                           "--out", str(tmp_path / "out"), "--no-store"],
                          capture_output=True, env=env, timeout=120)
    assert b"Traceback" not in done.stderr
    assert "Lỗi" in done.stderr.decode("utf-8")
