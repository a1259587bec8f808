"""`sohoa coversheet`: printed cover sheets whose QR the pipeline's barcode reader reads back."""
from __future__ import annotations

from pypdf import PdfReader

from tests.conftest import pdf_raster, pdf_text, run_sohoa

CODES = ["000.00.25.H49-240315-0012", "000.00.30.H49-240401-0107"]


def test_coversheet_qr_reads_back_as_the_code(tmp_path):
    out = tmp_path / "covers.pdf"
    proc = run_sohoa("coversheet", *CODES, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert len(PdfReader(out).pages) == 2
    text = pdf_text(out)
    for code in CODES:
        assert code in text
    assert "TRANG BÌA HỒ SƠ" in text and "trước khi quét" in text  # Vietnamese instructions, NFC

    from ocr.barcodes import find_barcodes

    pages = pdf_raster(out, 200)
    assert len(pages) == 2
    for code, grey in zip(CODES, pages):
        found = find_barcodes(grey)
        assert [(f, t) for f, t, _ in found] == [("QRCode", code)]


def test_loose_code_is_accepted_with_a_warning_and_patch_sheet(tmp_path):
    out = tmp_path / "c.pdf"
    proc = run_sohoa("coversheet", "HS-2024/001", "--patch-t", "1", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "không đúng mẫu" in proc.stderr
    pages = pdf_raster(out, 150)
    assert len(pages) == 2

    import zxingcpp

    from scanner_app.batch.split import detect_patch_t

    cover = pages[0]
    assert [b.text for b in zxingcpp.read_barcodes(cover)] == ["HS-2024/001"]
    patch = pages[1]
    assert detect_patch_t(patch, 150)
    assert not detect_patch_t(cover, 150)


def test_no_code_is_an_error(tmp_path):
    proc = run_sohoa("coversheet", "--out", str(tmp_path / "x.pdf"))
    assert proc.returncode == 2
    assert "mã hồ sơ" in proc.stderr


def test_never_overwrites_silently(tmp_path):
    out = tmp_path / "covers.pdf"
    out.write_bytes(b"keep")
    assert run_sohoa("coversheet", CODES[0], "--out", str(out)).returncode == 0
    assert out.read_bytes() == b"keep"
    assert (tmp_path / "covers-2.pdf").exists()
