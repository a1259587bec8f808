"""File input: every kind of page the counter receives, and every kind of bad file."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfWriter
from reportlab.pdfgen import canvas

from ocr import imageio
from ocr.errors import BadInputError


def test_multipage_tiff_is_one_document_with_each_page(tmp_path, page_png):
    frames = [Image.open(page_png(f"p{i}.png", [f"Trang số {i}"], dpi=100)) for i in range(3)]
    tif = tmp_path / "stack.tif"
    frames[0].save(tif, save_all=True, append_images=frames[1:], dpi=(100, 100))
    assert imageio.count_pages(tif) == 3
    pages = list(imageio.load_pages(tif))
    assert [p.index for p in pages] == [0, 1, 2]
    assert all(p.dpi == 100 for p in pages)


def test_colour_kept_and_grey_stays_grey(tmp_path):
    Image.new("RGB", (800, 1100), (200, 30, 30)).save(tmp_path / "c.png", dpi=(100, 100))
    Image.new("L", (800, 1100), 128).save(tmp_path / "g.png", dpi=(100, 100))
    colour = imageio.load_page(tmp_path / "c.png", 0)
    grey = imageio.load_page(tmp_path / "g.png", 0)
    assert colour.pixels.shape == (1100, 800, 3) and tuple(colour.pixels[0, 0]) == (30, 30, 200)  # BGR
    assert grey.pixels.ndim == 2


def test_missing_or_absurd_dpi_is_estimated_as_a4(tmp_path):
    Image.new("L", (1654, 2339), 255).save(tmp_path / "nodpi.jpg")  # A4 at 200 dpi, no dpi tag
    Image.new("L", (2480, 3508), 255).save(tmp_path / "72.png", dpi=(72, 72))  # would be 48 inches long
    assert imageio.load_page(tmp_path / "nodpi.jpg", 0).dpi == pytest.approx(200, abs=1)
    assert imageio.load_page(tmp_path / "72.png", 0).dpi == pytest.approx(300, abs=1)


def test_pdf_pages_render_and_keep_their_text(tmp_path):
    path = tmp_path / "digital.pdf"
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    c.setFont("Helvetica", 14)
    c.drawString(72, 750, "Invoice number 2024 for the district office archive")
    c.showPage()
    c.save()
    page = imageio.load_page(path, 0)
    assert page.dpi == imageio.PDF_RENDER_DPI
    assert page.pixels.shape[0] == pytest.approx(842 / 72 * imageio.PDF_RENDER_DPI, abs=2)
    words = [w.text for w in page.embedded_words]
    assert words == "Invoice number 2024 for the district office archive".split()
    first = page.embedded_words[0].bbox
    # the word sits where it was drawn: 72 pt from the left, baseline 92 pt from the top
    assert first[0] == pytest.approx(72 / 72 * 300, abs=6)
    assert 80 / 72 * 300 < first[3] < 96 / 72 * 300


@pytest.mark.parametrize("name,content,reason", [
    ("empty.png", b"", "rỗng"),
    ("letter.jpg", b"Dear officer, this is a text file renamed to .jpg\n" * 20, "Không phải tệp ảnh"),
])
def test_bad_files_named_clearly(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BadInputError) as err:
        imageio.count_pages(path)
    assert reason in err.value.message and name in err.value.message


def test_truncated_image(tmp_path):
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (600, 600, 3), dtype=np.uint8)).save(buf, "PNG")
    path = tmp_path / "cut.png"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(BadInputError, match="hỏng"):
        imageio.load_page(path, 0)


def test_decompression_bomb_refused(tmp_path):
    path = tmp_path / "bomb.png"
    Image.new("1", (12000, 12000), 1).save(path)  # a few kB on disk, 144 Mpx decoded
    assert path.stat().st_size < 100_000
    with pytest.raises(BadInputError, match="quá lớn"):
        imageio.count_pages(path)


def test_password_protected_pdf(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="matkhau", owner_password="x")
    path = tmp_path / "locked.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    with pytest.raises(BadInputError, match="mật khẩu"):
        imageio.count_pages(path)


def test_corrupt_pdf(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ngarbage")
    with pytest.raises(BadInputError, match="PDF"):
        imageio.count_pages(path)


def test_native_stderr_is_quietened_for_a_block(capfd):
    """Where libtiff's handlers cannot be reset (Windows wheels), its complaints written to the C
    stderr while a TIFF page decodes go to the null device; everything after is printed."""
    import os

    from ocr import imageio

    with imageio._quiet_stderr(True):
        os.write(2, b"tempfile.tif: Using code not yet in table.\n")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"
