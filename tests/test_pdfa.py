"""Searchable PDF/A-2b writer: text read back by four extractors, PDF/A structure, images, atomicity."""
from __future__ import annotations

import io
import re
import unicodedata
import zlib
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pikepdf
import pypdf
import pypdfium2
import pytest
from PIL import Image, ImageDraw, ImageFont

from exports.pdfa import PRODUCER, write_searchable_pdf
from ocr.engine import ocr_image
from ocr.errors import BadInputError
from ocr.model import OcrPage, ProcessedPage, Word
from ocr.textnorm import nfc
from pdftools import pdf_check, pdftotext, render_grey, word_boxes

FONTS = Path("/usr/share/fonts/truetype/dejavu")
SERIF = str(FONTS / "DejaVuSerif.ttf")
BOLD = str(FONTS / "DejaVuSerif-Bold.ttf")
EXTRACTORS = ("pdftotext", "pdftotext-raw", "pypdf", "pdfium")

# Every Vietnamese letter: the 12 vowels with all five tone marks, đ, upper and lower case.
VOWELS = "aăâeêioôơuưy"
TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
ALL_LETTERS = "".join(unicodedata.normalize("NFC", v + t) for v in VOWELS for t in TONES) + "đ"


# ------------------------------------------------------------------------------------ helpers


def extract(path: Path, page: int = 1) -> dict[str, str]:
    """The text of one page as each extractor reads it."""
    out = {}
    out["pdftotext"] = pdftotext(path, page)
    out["pdftotext-raw"] = pdftotext(path, page, raw=True)
    out["pypdf"] = pypdf.PdfReader(str(path)).pages[page - 1].extract_text()
    doc = pypdfium2.PdfDocument(str(path))
    try:
        out["pdfium"] = doc[page - 1].get_textpage().get_text_range().replace("\r\n", "\n")
    finally:
        doc.close()
    return out


def text_lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt, **kw)
    return out.getvalue()


def page_of(img: Image.Image, words: list[Word], dpi: float = 300, fmt: str = "png",
            data: bytes | None = None, source: str = "test") -> ProcessedPage:
    if data is None:
        data = encode(img, "JPEG", quality=80) if fmt == "jpeg" else encode(img, "PNG")
    return ProcessedPage(source=source, source_index=0, width=img.width, height=img.height, dpi=dpi,
                         image=data, image_format=fmt, ocr=OcrPage(img.width, img.height, words))


def draw_line(draw: ImageDraw.ImageDraw, words: list[Word], text: str, x: float, y: float,
              font: ImageFont.FreeTypeFont, block: int, line: int, center: bool = False) -> None:
    """Draw `text` and append a Word with the exact ink box of each of its words."""
    if center:
        x -= draw.textlength(text, font=font) / 2
    draw.text((x, y), text, font=font, fill=0)
    pos = 0
    for part in text.split(" "):
        left = x + draw.textlength(text[:pos], font=font)
        box = draw.textbbox((left, y), part, font=font)
        words.append(Word(part, tuple(int(round(v)) for v in box), 96.0, block, 1, line))
        pos += len(part) + 1


# The header of a Vietnamese official letter: two centred columns whose lines have slightly
# different sizes and baselines; reading order is block by block (left column first).
HEADER_LEFT = ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI", "Số: 125/QĐ-UBND"]
HEADER_RIGHT = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]


def header_page(skew_px: int = 0) -> tuple[Image.Image, list[Word]]:
    img = Image.new("L", (2480, 700), 255)
    draw = ImageDraw.Draw(img)
    words: list[Word] = []
    specs_left = [(SERIF, 40, 180), (BOLD, 40, 232), (SERIF, 38, 330)]
    specs_right = [(BOLD, 40, 186 + skew_px), (BOLD, 42, 240 + skew_px)]
    for n, (text, (face, size, y)) in enumerate(zip(HEADER_LEFT, specs_left), 1):
        draw_line(draw, words, text, 560, y, ImageFont.truetype(face, size), 1, n, center=True)
    for n, (text, (face, size, y)) in enumerate(zip(HEADER_RIGHT, specs_right), 1):
        draw_line(draw, words, text, 1640, y, ImageFont.truetype(face, size), 2, n, center=True)
    return img, words


BODY = [
    "Cộng hòa xã hội chủ nghĩa Việt Nam",
    "Họ và tên: Nguyễn Thị Hương, sinh ngày 05/03/1990",
    "Nơi thường trú: thôn Phú Lộc, xã Tịnh Ấn Tây",
    "Đề nghị đăng ký thường trú cho con là Trần Gia Bảo",
]


@pytest.fixture(scope="module")
def ocr_page() -> tuple[Image.Image, OcrPage]:
    """A typed Vietnamese page and the words real Tesseract reads on it (one OCR pass)."""
    img = Image.new("L", (2000, 640), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(SERIF, 42)
    for n, line in enumerate(BODY):
        draw.text((120, 90 + n * 120), line, font=font, fill=0)
    return img, ocr_image(np.asarray(img), 300)


# ------------------------------------------------------------------------------------ text layer


def test_tesseract_words_read_back_identically_by_all_extractors(tmp_path, ocr_page):
    img, ocr = ocr_page
    assert len(ocr.words) >= 30
    pdf = tmp_path / "ocr.pdf"
    page = ProcessedPage(source="t", source_index=0, width=img.width, height=img.height, dpi=300,
                         image=encode(img.convert("RGB"), "JPEG", quality=75), image_format="jpeg",
                         ocr=ocr)
    write_searchable_pdf([page], pdf, title="Tờ khai")
    expected_lines = [" ".join(w.text for w in line) for line in ocr.lines()]
    for name, text in extract(pdf).items():
        assert unicodedata.is_normalized("NFC", text), name
        assert text.split() == [w.text for w in ocr.words], name
        assert text_lines(text) == expected_lines, name
        assert "  " not in text.replace("\n", " ").strip(), name  # single spaces only


@pytest.mark.parametrize("skew_px", [0, 7, -6])
def test_two_column_header_reads_block_by_block(tmp_path, skew_px):
    img, words = header_page(skew_px)
    pdf = tmp_path / "header.pdf"
    write_searchable_pdf([page_of(img, words)], pdf, title="Công văn")
    expected = HEADER_LEFT + HEADER_RIGHT
    for name, text in extract(pdf).items():
        assert text_lines(text) == expected, (name, text)


def test_every_vietnamese_letter_survives_copy_and_search(tmp_path):
    img = Image.new("L", (2400, 400), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(SERIF, 36)
    words: list[Word] = []
    lower = ALL_LETTERS
    upper = ALL_LETTERS.upper()
    draw_line(draw, words, " ".join(lower[i:i + 12] for i in range(0, len(lower), 12)), 60, 60, font, 1, 1)
    draw_line(draw, words, " ".join(upper[i:i + 12] for i in range(0, len(upper), 12)), 60, 200, font, 1, 2)
    # One word handed over decomposed (NFD) must still come out composed.
    words[0] = Word(unicodedata.normalize("NFD", words[0].text), words[0].bbox, 90.0, 1, 1, 1)
    pdf = tmp_path / "letters.pdf"
    write_searchable_pdf([page_of(img, words)], pdf, title="Chữ Việt")
    expected = [nfc(w.text) for w in words]
    half = len(expected) // 2
    assert "".join(expected[:half]) == lower and "".join(expected[half:]) == upper
    for name, text in extract(pdf).items():
        assert text.split() == expected, name
    # Search through poppler's own finder (pdfium's where poppler is absent), with diacritics.
    assert nfc(words[3].text) in [text for *_, text in word_boxes(pdf)]


def test_words_sit_on_their_boxes(tmp_path):
    img, words = header_page()
    dpi = 300
    pdf = tmp_path / "boxes.pdf"
    write_searchable_pdf([page_of(img, words, dpi=dpi)], pdf, title="x")
    found = word_boxes(pdf)
    assert [t for *_, t in found] == [w.text for w in words]
    px = dpi / 72.0
    for (x0, y0, x1, y1, text), word in zip(found, words):
        bx0, by0, bx1, by1 = word.bbox
        height = by1 - by0
        assert abs(float(x0) * px - bx0) < 2, text
        # The right edge may be pulled in a little to keep a visible gap before the next word.
        assert bx1 - 0.45 * (bx1 - bx0) <= float(x1) * px <= bx1 + 2, text
        baseline = float(y1) * px  # the glyph-less font has no descent: yMax is the baseline
        assert by0 + 0.4 * height <= baseline <= by1 + 2, text


def test_page_without_words_has_no_text_layer(tmp_path):
    img = Image.new("L", (600, 800), 255)
    pdf = tmp_path / "blank.pdf"
    write_searchable_pdf([page_of(img, [])], pdf, title="Trang trắng")
    with pikepdf.open(pdf) as doc:
        assert "/Font" not in doc.pages[0].Resources
    assert extract(pdf)["pdftotext-raw"].strip() == ""


# ------------------------------------------------------------------------------------ PDF/A


def test_pdfa2b_structure_and_metadata(tmp_path):
    img, words = header_page()
    when = datetime(2024, 3, 5, 9, 30, 15, tzinfo=timezone(timedelta(hours=7)))
    pdf = tmp_path / "a.pdf"
    title = 'V/v cấp "bản sao" & <trích lục>'
    write_searchable_pdf([page_of(img, words), page_of(img, words, fmt="jpeg")], pdf,
                         title=title, author="UBND xã Tịnh Ấn Tây", subject="van_ban",
                         keywords="hộ tịch", creation_date=when)
    raw = pdf.read_bytes()
    assert raw.startswith(b"%PDF-1.7\n%") and all(b > 127 for b in raw[10:14])
    assert pdf_check(pdf) == []

    with pikepdf.open(pdf) as doc:
        assert not doc.is_encrypted and len(doc.pages) == 2
        ids = doc.trailer.ID
        assert len(ids) == 2 and len(bytes(ids[0])) == 16
        info = doc.docinfo
        assert str(info.Title) == title and str(info.Producer) == PRODUCER
        assert str(info.CreationDate) == "D:20240305093015+07'00'"
        assert str(doc.Root.Lang) == "vi-VN"

        meta = doc.Root.Metadata
        assert "/Filter" not in meta  # PDF/A: metadata stream unfiltered
        xml = meta.read_bytes()
        root = ET.fromstring(xml[xml.index(b"<x:xmpmeta"):xml.index(b"</x:xmpmeta>") + 12])
        ns = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
              "pdfaid": "http://www.aiim.org/pdfa/ns/id/", "dc": "http://purl.org/dc/elements/1.1/",
              "xmp": "http://ns.adobe.com/xap/1.0/", "pdf": "http://ns.adobe.com/pdf/1.3/"}
        desc = root.find("rdf:RDF/rdf:Description", ns)
        assert desc.find("pdfaid:part", ns).text == "2"
        assert desc.find("pdfaid:conformance", ns).text == "B"
        assert desc.find("dc:title/rdf:Alt/rdf:li", ns).text == title
        assert desc.find("dc:creator/rdf:Seq/rdf:li", ns).text == str(info.Author)
        assert desc.find("dc:description/rdf:Alt/rdf:li", ns).text == str(info.Subject)
        assert desc.find("pdf:Keywords", ns).text == str(info.Keywords)
        assert desc.find("pdf:Producer", ns).text == str(info.Producer)
        assert desc.find("xmp:CreatorTool", ns).text == str(info.Creator)
        assert desc.find("xmp:CreateDate", ns).text == "2024-03-05T09:30:15+07:00"
        assert desc.find("xmp:ModifyDate", ns).text == "2024-03-05T09:30:15+07:00"

        (intent,) = doc.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1" and intent.Type == "/OutputIntent"
        icc = intent.DestOutputProfile
        assert int(icc.N) == 3
        profile = icc.read_bytes()
        assert profile[36:40] == b"acsp" and profile[12:16] == b"mntr" and profile[16:20] == b"RGB "
        assert profile[8] <= 4  # ICC major version PDF/A-2 accepts

        fonts = 0
        for page in doc.pages:
            assert "/Group" not in page.obj  # no transparency group
            for image in page.Resources.XObject.values():
                assert "/SMask" not in image and "/Interpolate" not in image
            for font in page.Resources.Font.values():
                fonts += 1
                for desc_font in font.get("/DescendantFonts", [font]):
                    fd = desc_font.FontDescriptor
                    assert any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                    assert "/CIDToGIDMap" in desc_font
                    program = fd.FontFile2.read_bytes()
                    assert int(fd.FontFile2.Length1) == len(program)
                assert "/ToUnicode" in font
        assert fonts == 2
        dicts = [obj for obj in doc.objects if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream))]
        assert [obj.get("/S") for obj in dicts if obj.get("/S") in ("/JavaScript", "/Transparency")] == []
        assert [f for f in (obj.get("/Filter") for obj in dicts) if f in ("/LZWDecode", "/JBIG2Decode", "/JPXDecode")] == []


def test_text_layer_never_uses_notdef_glyph(tmp_path):
    """PDF/A-2 forbids referencing .notdef even in invisible text: every code maps to glyph 1."""
    img, words = header_page()
    pdf = tmp_path / "n.pdf"
    write_searchable_pdf([page_of(img, words)], pdf, title="x")
    with pikepdf.open(pdf) as doc:
        font = doc.pages[0].Resources.Font.F0
        cmap = font.DescendantFonts[0].CIDToGIDMap.read_bytes()
        content = doc.pages[0].Contents.read_bytes().decode("ascii")
    codes = {int(h[i:i + 4], 16) for h in re.findall(r"<([0-9A-F]+)>", content) for i in range(0, len(h), 4)}
    assert codes and 0 not in codes
    for code in codes:
        assert cmap[2 * code:2 * code + 2] == b"\x00\x01"
    assert "\n3 Tr\n" in content  # invisible


# ------------------------------------------------------------------------------------ images


def test_jpeg_embedded_unchanged_and_page_size_from_dpi(tmp_path):
    img = Image.new("RGB", (1654, 2339), (250, 248, 240))
    ImageDraw.Draw(img).text((100, 100), "Quyết định", font=ImageFont.truetype(SERIF, 60), fill=(20, 20, 90))
    jpeg = encode(img, "JPEG", quality=70)
    grey = encode(img.convert("L"), "JPEG", quality=70)
    pdf = tmp_path / "j.pdf"
    write_searchable_pdf([page_of(img, [], dpi=200, fmt="jpeg", data=jpeg),
                          page_of(img, [], dpi=150, fmt="jpeg", data=grey)], pdf, title="x")
    with pikepdf.open(pdf) as doc:
        for page, data, dpi, space in ((doc.pages[0], jpeg, 200, "/DeviceRGB"),
                                       (doc.pages[1], grey, 150, "/DeviceGray")):
            (image,) = page.Resources.XObject.values()
            # The JPEG itself, never re-encoded (possibly inside a lossless Flate wrapper).
            filters = list(image.Filter) if isinstance(image.Filter, pikepdf.Array) else [image.Filter]
            assert filters[-1] == "/DCTDecode" and set(filters) <= {"/FlateDecode", "/DCTDecode"}
            assert image.ColorSpace == space
            raw = image.read_raw_bytes()
            assert (zlib.decompress(raw) if filters[0] == "/FlateDecode" else raw) == data
            box = [float(v) for v in page.MediaBox]
            assert box[:2] == [0, 0]
            assert box[2] == pytest.approx(1654 * 72 / dpi, abs=0.01)
            assert box[3] == pytest.approx(2339 * 72 / dpi, abs=0.01)


@pytest.mark.parametrize("source", ["png1", "grey-0-255", "rgb-0-255"])
def test_bitonal_pages_embedded_as_one_bit_and_render_exactly(tmp_path, source):
    img = Image.new("L", (1200, 500), 255)
    ImageDraw.Draw(img).text((60, 80), "Số: 125/QĐ-UBND ngày 05 tháng 3", font=ImageFont.truetype(SERIF, 54), fill=0)
    bw = img.point(lambda v: 255 if v > 127 else 0)
    given = {"png1": bw.convert("1"), "grey-0-255": bw, "rgb-0-255": bw.convert("RGB")}[source]
    data = encode(given, "PNG")
    pdf = tmp_path / "bw.pdf"
    write_searchable_pdf([page_of(img, [], dpi=300, data=data)], pdf, title="x")
    with pikepdf.open(pdf) as doc:
        (image,) = doc.pages[0].Resources.XObject.values()
        assert int(image.BitsPerComponent) == 1 and image.ColorSpace == "/DeviceGray"
        assert image.Filter in ("/CCITTFaxDecode", "/FlateDecode")
        assert len(image.read_raw_bytes()) <= len(data)
        decoded = np.asarray(pikepdf.PdfImage(image).as_pil_image().convert("L"))
    assert np.array_equal(decoded, np.asarray(bw))  # lossless
    # Rendered by poppler (which smooths images): black stays black, white stays white.
    ink = np.asarray(bw) < 128
    assert np.mean((render_grey(pdf, 300, tmp_path) < 128) != ink) < 0.005


def test_grey_and_colour_png_lossless_flate(tmp_path):
    rng = np.random.default_rng(1)
    grey = Image.fromarray(rng.integers(0, 256, (300, 400), dtype=np.uint8), "L")
    rgba = Image.fromarray(rng.integers(0, 256, (300, 400, 4), dtype=np.uint8), "RGBA")
    pdf = tmp_path / "g.pdf"
    write_searchable_pdf([page_of(grey, [], dpi=100), page_of(rgba, [], dpi=100)], pdf, title="x")
    with pikepdf.open(pdf) as doc:
        g = doc.pages[0].Resources.XObject.Im0
        c = doc.pages[1].Resources.XObject.Im0
        assert g.Filter == "/FlateDecode" and int(g.BitsPerComponent) == 8 and g.ColorSpace == "/DeviceGray"
        assert c.Filter == "/FlateDecode" and c.ColorSpace == "/DeviceRGB" and "/SMask" not in c
        assert np.array_equal(np.asarray(pikepdf.PdfImage(g).as_pil_image()), np.asarray(grey))
        flat = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
        assert np.array_equal(np.asarray(pikepdf.PdfImage(c).as_pil_image()), np.asarray(flat))


# ------------------------------------------------------------------------------------ writing


def test_atomic_write_leaves_old_file_and_no_partial_file(tmp_path):
    img, words = header_page()
    target = tmp_path / "out.pdf"
    target.write_bytes(b"old")
    good = page_of(img, words)
    bad = page_of(img, words, data=b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(BadInputError):
        write_searchable_pdf([good, bad], target, title="x")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pdf"]

    fresh = tmp_path / "new.pdf"
    with pytest.raises(BadInputError):
        write_searchable_pdf([good, bad], fresh, title="x")
    assert not fresh.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["out.pdf"]

    write_searchable_pdf([good], target, title="x")
    assert target.read_bytes().startswith(b"%PDF-")
