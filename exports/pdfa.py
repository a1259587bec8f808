"""Searchable PDF/A-2b: each page image drawn full page under an invisible OCR text layer.

Built directly with pikepdf (qpdf) rather than reportlab, because every byte matters here:
- JPEG pages are embedded as they are (DCTDecode, never re-encoded; wrapped in lossless Flate
  when that saves >= 1 %, as OCRmyPDF `--optimize 1` does); PNG pages as Flate
  with PNG predictors (the PNG's own compressed data when it can be reused); black-and-white
  pages as 1-bit CCITT G4 or 1-bit Flate, whichever is smaller.
- The text layer uses the glyph-less font of Tesseract/OCRmyPDF (one empty glyph, 572 bytes,
  bundled in `exports/fonts/`) as a CIDFontType2 whose character codes are the Unicode code
  points; the ToUnicode map lists exactly the characters used, so copy/search/pdftotext give
  the right (NFC) Vietnamese letters without embedding a real font.
- One PDF text line per OCR line, all its words on one baseline; each word sits on its box
  (horizontal scaling makes its advance equal the box width) and the gap to the next word is
  an explicit space character stretched over the gap, so that every extractor (poppler,
  pypdf, pdfium) reads the same words with single spaces and nothing is glued or doubled.

PDF/A-2b parts: XMP (pdfaid part 2 / B, dc:title, dates, producer identical to the Info
dictionary), sRGB OutputIntent with an embedded ICC profile, embedded font program, no
transparency, no encryption, trailer /ID (qpdf always writes one), uncompressed metadata.
"""
from __future__ import annotations

import io
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from statistics import median
from typing import Optional
from xml.sax.saxutils import escape

import numpy as np
import pikepdf
from PIL import Image, ImageCms
from pikepdf import Array, Dictionary, Name

from exports.files import atomic_write
from ocr.errors import BadInputError, OutputError
from ocr.model import ProcessedPage
from ocr.textnorm import nfc

PRODUCER = "sohoa PDF/A writer (pikepdf)"
CREATOR_TOOL = "sohoa"
FONT_FILE = Path(__file__).with_name("fonts") / "glyphless.ttf"
FONT_NAME = "GlyphLessFont"
#: Advance width of the glyph-less font's only glyph, in 1/1000 em (1024 of 2048 units).
GLYPH_WIDTH = 500
#: Ascent/descent (1/1000 em) as in the font program: glyph boxes from baseline up one font size.
ASCENT = 1000
DEFAULT_DPI = 300.0
#: Smallest gap between words, as a fraction of the font size, that extractors see as a space.
MIN_GAP = 0.25
#: Characters reaching below the baseline; words holding one do not tell where the baseline is.
_DESCENDERS = set("gjpqyQ,;()[]{}|/@$§µ") | {
    ch for ch in map(chr, range(0x00C0, 0x1EFA))
    if "\u0323" in unicodedata.normalize("NFD", ch) or unicodedata.normalize("NFD", ch)[:1] in "gjpqy"
}


@dataclass
class _Image:
    """An image XObject ready to embed: compressed data and its stream dictionary entries."""

    data: bytes
    width: int
    height: int
    entries: dict


# --------------------------------------------------------------------------------------------
# public entry point


def write_searchable_pdf(pages: list[ProcessedPage], path, *, title: str, author: str = "",
                         subject: str = "", keywords: str = "", lang: str = "vi-VN",
                         creation_date: Optional[datetime] = None) -> None:
    """Write `pages` as one searchable PDF/A-2b file at `path`, atomically.

    The whole file is built inside the atomic write: an error on any page leaves neither a
    partial file nor a stale temporary behind, and an existing file at `path` untouched.
    """
    if not pages:
        raise OutputError("Không có trang nào để ghi vào PDF", "no pages to write to the PDF",
                          path=str(path))
    when = creation_date or datetime.now()
    if when.tzinfo is None:
        when = when.astimezone()  # naive = local time
    with atomic_write(path, "wb") as fh:
        pdf = _build(pages, title=title, author=author, subject=subject, keywords=keywords,
                     lang=lang, when=when)
        try:
            pdf.save(fh, min_version="1.7", compress_streams=True, deterministic_id=True,
                     object_stream_mode=pikepdf.ObjectStreamMode.generate,
                     stream_decode_level=pikepdf.StreamDecodeLevel.none)
        finally:
            pdf.close()


# --------------------------------------------------------------------------------------------
# document


def _build(pages: list[ProcessedPage], *, title: str, author: str, subject: str, keywords: str,
           lang: str, when: datetime) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    lines_per_page = [_text_lines(p) for p in pages]
    used = {ord(ch) for lines in lines_per_page for line in lines for _, text in line.words
            for ch in text} | {0x20}
    font = _font(pdf, used) if any(lines_per_page) else None
    for page, lines in zip(pages, lines_per_page):
        _add_page(pdf, page, lines, font)

    info = {"Title": title, "Author": author, "Subject": subject, "Keywords": keywords}
    info = {k: _clean_meta(v) for k, v in info.items() if v and _clean_meta(v)}
    pdf.trailer.Info = pdf.make_indirect(Dictionary(
        **{k: pikepdf.String(v) for k, v in info.items()},
        Creator=pikepdf.String(CREATOR_TOOL), Producer=pikepdf.String(PRODUCER),
        CreationDate=pikepdf.String(_pdf_date(when)), ModDate=pikepdf.String(_pdf_date(when))))
    xmp = _xmp(info, when)
    pdf.Root.Metadata = pdf.make_stream(xmp, Type=Name.Metadata, Subtype=Name.XML)
    icc = pdf.make_stream(srgb_icc(), N=3)
    pdf.Root.OutputIntents = Array([pdf.make_indirect(Dictionary(
        Type=Name.OutputIntent, S=Name.GTS_PDFA1,
        OutputConditionIdentifier=pikepdf.String("sRGB IEC61966-2.1"),
        Info=pikepdf.String("sRGB IEC61966-2.1"), DestOutputProfile=icc))])
    if lang:
        pdf.Root.Lang = pikepdf.String(lang)
    return pdf


@lru_cache(maxsize=1)
def srgb_icc() -> bytes:
    """An sRGB ICC profile (v4, ~600 bytes) made by littleCMS; no file to ship or find."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _clean_meta(value: str) -> str:
    """NFC, no control characters (XML 1.0 cannot carry them), single-line."""
    text = nfc(str(value))
    return " ".join("".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text).split())


def _utc_offset(when: datetime) -> tuple[str, int, int]:
    """Sign, hours and minutes of the offset from UTC (naive times count as UTC)."""
    off = when.utcoffset()
    minutes = int(off.total_seconds() // 60) if off is not None else 0
    return ("+" if minutes >= 0 else "-"), abs(minutes) // 60, abs(minutes) % 60


def _pdf_date(when: datetime) -> str:
    sign, hours, minutes = _utc_offset(when)
    return when.strftime("D:%Y%m%d%H%M%S") + f"{sign}{hours:02d}'{minutes:02d}'"


def _xmp_date(when: datetime) -> str:
    sign, hours, minutes = _utc_offset(when)
    return when.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{hours:02d}:{minutes:02d}"


def _xmp(info: dict[str, str], when: datetime) -> bytes:
    """The XMP packet; every value mirrors the Info dictionary exactly (PDF/A 6.6.2.3)."""
    date = _xmp_date(when)
    props = [
        "<pdfaid:part>2</pdfaid:part>",
        "<pdfaid:conformance>B</pdfaid:conformance>",
        "<dc:format>application/pdf</dc:format>",
    ]
    if "Title" in info:
        props.append('<dc:title><rdf:Alt><rdf:li xml:lang="x-default">'
                     f"{escape(info['Title'])}</rdf:li></rdf:Alt></dc:title>")
    if "Author" in info:
        props.append(f"<dc:creator><rdf:Seq><rdf:li>{escape(info['Author'])}</rdf:li></rdf:Seq></dc:creator>")
    if "Subject" in info:
        props.append('<dc:description><rdf:Alt><rdf:li xml:lang="x-default">'
                     f"{escape(info['Subject'])}</rdf:li></rdf:Alt></dc:description>")
    if "Keywords" in info:
        props.append(f"<pdf:Keywords>{escape(info['Keywords'])}</pdf:Keywords>")
    props += [
        f"<pdf:Producer>{escape(PRODUCER)}</pdf:Producer>",
        f"<xmp:CreatorTool>{escape(CREATOR_TOOL)}</xmp:CreatorTool>",
        f"<xmp:CreateDate>{date}</xmp:CreateDate>",
        f"<xmp:ModifyDate>{date}</xmp:ModifyDate>",
        f"<xmp:MetadataDate>{date}</xmp:MetadataDate>",
    ]
    body = "\n   ".join(props)
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        '    xmlns:pdf="http://ns.adobe.com/pdf/1.3/">\n'
        f"   {body}\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    return packet.encode("utf-8")


# --------------------------------------------------------------------------------------------
# font


@lru_cache(maxsize=1)
def _font_program() -> bytes:
    return FONT_FILE.read_bytes()


def _font(pdf: pikepdf.Pdf, used: set[int]) -> pikepdf.Object:
    """A Type0/CIDFontType2 font: code = Unicode code point (BMP), every code -> glyph 1."""
    program = _font_program()
    descriptor = Dictionary(
        Type=Name.FontDescriptor, FontName=Name("/" + FONT_NAME), Flags=4,
        FontBBox=Array([0, 0, GLYPH_WIDTH, ASCENT]), ItalicAngle=0, Ascent=ASCENT, Descent=-1,
        CapHeight=ASCENT, StemV=80,
        FontFile2=pdf.make_stream(program, Length1=len(program)))
    top = max(used)
    # CID 0 stays on .notdef; every used code maps to the one (empty) glyph 1.
    cid_to_gid = b"\x00\x00" + b"\x00\x01" * top
    cid_font = Dictionary(
        Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=Name("/" + FONT_NAME),
        CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"),
                                 Ordering=pikepdf.String("Identity"), Supplement=0),
        FontDescriptor=pdf.make_indirect(descriptor), DW=GLYPH_WIDTH,
        CIDToGIDMap=pdf.make_stream(zlib.compress(cid_to_gid, 9), Filter=Name.FlateDecode))
    return pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.Type0, BaseFont=Name("/" + FONT_NAME),
        Encoding=Name("/Identity-H"), DescendantFonts=Array([pdf.make_indirect(cid_font)]),
        ToUnicode=pdf.make_stream(_to_unicode(sorted(used)))))


def _to_unicode(codes: list[int]) -> bytes:
    """A ToUnicode CMap listing exactly the codes used (each maps to itself)."""
    out = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
        "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange",
    ]
    for i in range(0, len(codes), 100):
        chunk = codes[i:i + 100]
        out.append(f"{len(chunk)} beginbfchar")
        out += [f"<{c:04X}> <{c:04X}>" for c in chunk]
        out.append("endbfchar")
    out += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(out).encode("ascii")


# --------------------------------------------------------------------------------------------
# text layer


@dataclass
class _Line:
    """One OCR line: words (box, text) sharing one baseline and one font size (pixels)."""

    words: list[tuple[tuple[float, float, float, float], str]]
    baseline: float
    size: float
    block: int = 0


def _word_text(text: str) -> str:
    """NFC, BMP-only (codes are two bytes), no control or space characters inside a word."""
    text = nfc(text)
    return "".join(ch for ch in text
                   if ord(ch) <= 0xFFFF and not 0xD800 <= ord(ch) <= 0xDFFF
                   and unicodedata.category(ch)[0] not in "CZ")


def _text_lines(page: ProcessedPage) -> list[_Line]:
    """The page's OCR lines in reading order, scaled to the embedded image's pixel grid."""
    ocr = page.ocr
    if ocr is None or not ocr.words:
        return []
    sx = (page.width or ocr.width) / ocr.width if ocr.width else 1.0
    sy = (page.height or ocr.height) / ocr.height if ocr.height else 1.0
    lines = []
    for group in ocr.lines():
        words = []
        for w in group:
            text = _word_text(w.text)
            x0, y0, x1, y1 = w.bbox
            if text and x1 > x0 and y1 > y0:
                words.append(((x0 * sx, y0 * sy, x1 * sx, y1 * sy), text))
        if words:
            lines.append(_line(words, group[0].block))
    _block_sizes(lines)
    return lines


def _line(words: list[tuple[tuple[float, float, float, float], str]], block: int) -> _Line:
    """Baseline = typical bottom of the words without descenders; size = baseline - top."""
    top = min(b[1] for b, _ in words)
    bottom = max(b[3] for b, _ in words)
    plain = [b[3] for b, t in words if not any(ch in _DESCENDERS for ch in t)]
    baseline = median(plain) if plain else bottom - 0.2 * (bottom - top)
    size = baseline - top
    if size < 0.5 * (bottom - top):
        baseline, size = bottom, bottom - top
    return _Line(words, baseline, max(size, 1.0), block)


def _block_sizes(lines: list[_Line]) -> None:
    """One font size for all lines of an OCR block, so layout-analysing extractors keep them together.

    poppler (pdftotext without -raw) builds its text blocks from lines of equal font size
    whose baselines are at most 1.5 font sizes apart, then orders blocks geometrically;
    two header columns cut into small blocks look like a 2x2 table to it and come out row
    by row. Lines of one OCR block therefore share one size, raised towards their line
    pitch / 1.45, but kept below the smallest pitch: pdfium joins two lines whose glyph
    boxes (one font size tall) overlap, and pypdf those closer than 0.8 font size.
    """
    i = 0
    while i < len(lines):
        j = i
        while j + 1 < len(lines) and lines[j + 1].block == lines[i].block:
            j += 1
        group = lines[i:j + 1]
        size = max(ln.size for ln in group)
        pitches = [b.baseline - a.baseline for a, b in zip(group, group[1:])
                   if b.baseline - a.baseline > 0.5 * size]
        if pitches:
            wanted = max(pitches) / 1.45
            size = max(size, min(wanted, min(pitches) / 1.05, 2.0 * size))
        for ln in group:
            ln.size = size
        i = j + 1


def _num(v: float) -> str:
    """Shortest decimal form at 0.01 (positions are in pixels: finer is noise)."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _hex(text: str) -> str:
    return "<" + "".join(f"{ord(ch):04X}" for ch in text) + ">"


def _layout(line: _Line) -> list[tuple[float, float]]:
    """Start/end of each word: on its box, but with at least MIN_GAP between words.

    Touching or overlapping OCR boxes would glue words for extractors that insert spaces
    from geometry (poppler -raw, pdfium); such a word is narrowed (to 60 % at most) and,
    if that is not enough, the next word is pushed right.
    """
    gap = MIN_GAP * line.size
    spans: list[list[float]] = []
    for (x0, _, x1, _), _text in line.words:
        if spans:
            prev = spans[-1]
            if x0 - prev[1] < gap:
                prev[1] = max(prev[0] + 0.6 * (prev[2]), x0 - gap)
            if x0 < prev[1] + gap:
                shift = prev[1] + gap - x0
                x0, x1 = x0 + shift, x1 + shift
        spans.append([x0, x1, x1 - x0])
    return [(a, b) for a, b, _ in spans]


def _text_ops(lines: list[_Line], height: float) -> list[str]:
    """Content-stream operators of the invisible text, in pixel units (y flipped)."""
    ops = ["BT", "3 Tr"]
    unit = GLYPH_WIDTH / 1000.0
    size = None
    for n, line in enumerate(lines):
        if line.size != size:
            ops.append(f"/F0 {_num(line.size)} Tf")
            size = line.size
        y = height - line.baseline
        advance = unit * line.size  # one glyph's advance at 100 % scaling
        spans = _layout(line)
        for i, ((x0, x1), (_, text)) in enumerate(zip(spans, line.words)):
            ops.append(f"1 0 0 1 {_num(x0)} {_num(y)} Tm")
            ops.append(f"{_num(100.0 * (x1 - x0) / (advance * len(text)))} Tz {_hex(text)} Tj")
            if i + 1 < len(spans):
                ops.append(f"{_num(100.0 * (spans[i + 1][0] - x1) / advance)} Tz <0020> Tj")
        following = lines[n + 1] if n + 1 < len(lines) else None
        if (following is not None and abs(following.baseline - line.baseline)
                < 0.85 * min(line.size, following.size)):
            # The next line sits (almost) on this baseline (stamps, overlapping text):
            # pypdf would join the two lines, so end this one with an explicit space.
            ops.append(f"{_num(100.0 * MIN_GAP)} Tz <0020> Tj")
    ops.append("ET")
    return ops


# --------------------------------------------------------------------------------------------
# pages and images


def _add_page(pdf: pikepdf.Pdf, page: ProcessedPage, lines: list[_Line],
              font: Optional[pikepdf.Object]) -> None:
    image = _image(page)
    dpi = page.dpi if page.dpi and page.dpi > 0 else DEFAULT_DPI
    scale = 72.0 / dpi
    width_pt, height_pt = image.width * scale, image.height * scale
    xobject = pdf.make_stream(image.data, Type=Name.XObject, Subtype=Name.Image,
                              Width=image.width, Height=image.height, **image.entries)
    ops = [f"q {_num(width_pt)} 0 0 {_num(height_pt)} 0 0 cm /Im0 Do Q"]
    resources = Dictionary(XObject=Dictionary(Im0=xobject))
    if lines and font is not None:
        # Word boxes are in page pixels; the image may differ from the OCR grid only by scale.
        fx, fy = image.width / (page.width or image.width), image.height / (page.height or image.height)
        if fx != 1.0 or fy != 1.0:
            lines = [_Line([((b[0] * fx, b[1] * fy, b[2] * fx, b[3] * fy), t) for b, t in ln.words],
                           ln.baseline * fy, ln.size * fy) for ln in lines]
        ops += [f"q {_num(scale)} 0 0 {_num(scale)} 0 0 cm"] + _text_ops(lines, image.height) + ["Q"]
        resources.Font = Dictionary(F0=font)
    content = pdf.make_stream(("\n".join(ops) + "\n").encode("ascii"))
    box = Array([0, 0, round(width_pt, 4), round(height_pt, 4)])
    pdf.pages.append(pikepdf.Page(Dictionary(Type=Name.Page, MediaBox=box,
                                             Resources=resources, Contents=content)))


def _image(page: ProcessedPage) -> _Image:
    """Choose the embedding of the page image; raises BadInputError on undecodable bytes."""
    data = page.image
    try:
        img = Image.open(io.BytesIO(data))
        if img.format == "JPEG":
            return _jpeg(data, img)
        img.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise BadInputError(f"Ảnh trang hỏng, không ghi được PDF ({exc})",
                            f"page image is corrupt, cannot write the PDF ({exc})",
                            path=page.source) from exc
    return _lossless(data if img.format == "PNG" else None, img)


def _jpeg(data: bytes, img: Image.Image) -> _Image:
    """JPEG bytes as they are (DCTDecode); only CMYK is re-encoded (sRGB output intent).

    Like OCRmyPDF's `--optimize 1`, the unchanged JPEG data is additionally wrapped in Flate
    when that saves at least 1 % (entropy-coded data still has some slack): lossless, and
    the JPEG comes back byte for byte.
    """
    if img.mode == "L":
        space = Name.DeviceGray
    elif img.mode == "RGB":
        space = Name.DeviceRGB
    else:
        out = io.BytesIO()
        img.convert("RGB").save(out, format="JPEG", quality=90, optimize=True)
        data, space = out.getvalue(), Name.DeviceRGB
    entries = {"ColorSpace": space, "BitsPerComponent": 8, "Filter": Name.DCTDecode}
    packed = zlib.compress(data, 9)
    if len(packed) < 0.99 * len(data):
        data, entries["Filter"] = packed, Array([Name.FlateDecode, Name.DCTDecode])
    return _Image(data, img.width, img.height, entries)


def _flatten(img: Image.Image) -> Image.Image:
    """Alpha composited over white, palettes and 16-bit expanded: modes 1, L or RGB only."""
    if img.mode == "1":
        return img
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.uint32)
        img = Image.fromarray((arr >> 8 if arr.max() > 255 else arr).astype(np.uint8), "L")
    if img.mode in ("LA", "PA", "RGBA", "La", "RGBa"):
        rgba = img.convert("RGBA")
        base = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(base, rgba).convert("RGB")
    if img.mode not in ("L", "RGB"):
        img = img.convert("RGB")
    if img.mode == "RGB":
        arr = np.asarray(img)
        if (arr[..., 0] == arr[..., 1]).all() and (arr[..., 1] == arr[..., 2]).all():
            img = Image.fromarray(arr[..., 0].copy(), "L")
    if img.mode == "L":
        arr = np.asarray(img)
        if np.isin(arr, (0, 255)).all():
            img = img.point(lambda v: 255 if v else 0).convert("1", dither=Image.Dither.NONE)
    return img


def _lossless(png: Optional[bytes], img: Image.Image) -> _Image:
    """Flate with PNG predictors (the PNG's own data when reusable); bi-tonal also as G4."""
    flat = _flatten(img)
    chunks = _png_parts(png) if png is not None and flat is img else None
    if chunks is None or not _reusable(chunks, flat):
        out = io.BytesIO()
        flat.save(out, format="PNG", compress_level=9)
        chunks = _png_parts(out.getvalue())
    flate = _flate_image(chunks, flat)
    if flat.mode == "1":
        g4 = _g4_image(flat)
        if g4 is not None and len(g4.data) < len(flate.data):
            return g4
    return flate


def _png_parts(png: bytes) -> Optional[dict]:
    """IHDR fields and the concatenated IDAT data of a PNG file, or None if not one."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos, idat, ihdr, extra = 8, [], None, set()
    while pos + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind in (b"tRNS", b"PLTE"):
            extra.add(kind)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if ihdr is None or not idat:
        return None
    return {"ihdr": ihdr, "idat": b"".join(idat), "extra": extra}


def _reusable(chunks: dict, img: Image.Image) -> bool:
    """Whether the PNG's IDAT is valid Flate+predictor data for `img` as PDF wants it."""
    width, height, depth, colour, _, _, interlace = chunks["ihdr"]
    wanted = {"1": (1, 0), "L": (8, 0), "RGB": (8, 2)}.get(img.mode)
    return (interlace == 0 and not chunks["extra"] and (depth, colour) == wanted
            and (width, height) == img.size)


def _flate_image(chunks: dict, img: Image.Image) -> _Image:
    width, height, depth, colour, *_ = chunks["ihdr"]
    colours = 3 if colour == 2 else 1
    return _Image(chunks["idat"], width, height, {
        "ColorSpace": Name.DeviceRGB if colours == 3 else Name.DeviceGray,
        "BitsPerComponent": depth, "Filter": Name.FlateDecode,
        "DecodeParms": Dictionary(Predictor=15, Colors=colours, BitsPerComponent=depth,
                                  Columns=width)})


def _g4_image(img: Image.Image) -> Optional[_Image]:
    """CCITT Group 4 data of a 1-bit image, via libtiff in one strip (None if unavailable)."""
    out = io.BytesIO()
    try:
        img.save(out, format="TIFF", compression="group4", strip_size=2 ** 30,
                 tiffinfo={278: img.height})
        tif = Image.open(io.BytesIO(out.getvalue()))
        offsets, counts = tif.tag_v2[273], tif.tag_v2[279]
        photometric = tif.tag_v2.get(262, 0)
        fill_order = tif.tag_v2.get(266, 1)
    except (OSError, KeyError, ValueError):
        return None
    if len(offsets) != 1 or fill_order != 1:
        return None
    data = out.getvalue()[offsets[0]:offsets[0] + counts[0]]
    return _Image(data, img.width, img.height, {
        "ColorSpace": Name.DeviceGray, "BitsPerComponent": 1, "Filter": Name.CCITTFaxDecode,
        "DecodeParms": Dictionary(K=-1, Columns=img.width, Rows=img.height,
                                  BlackIs1=photometric == 1)})
