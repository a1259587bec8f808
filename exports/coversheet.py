"""Dossier cover sheets: one A4 page per dossier code, with a large QR code and the code in print.

The officer puts a cover sheet on top of each dossier before the stack goes into the feeder;
`sohoa batch` starts a new dossier at every page whose QR holds a dossier code. The QR is
large (8 cm, error correction M) so that a 150-200 dpi grey scan of a photocopied sheet still
decodes. Optional Patch T separator sheets split documents for `--split-on patch`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from exports.files import atomic_write
from ocr.errors import SohoaError
from ocr.textnorm import nfc

_FONT_CANDIDATES = {
    "regular": [Path(__file__).parent / "fonts" / "DejaVuSans.ttf",
                Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
                Path("C:/Windows/Fonts/arial.ttf"), Path("/Library/Fonts/Arial.ttf")],
    "bold": [Path(__file__).parent / "fonts" / "DejaVuSans-Bold.ttf",
             Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
             Path("C:/Windows/Fonts/arialbd.ttf"), Path("/Library/Fonts/Arial Bold.ttf")],
}

INSTRUCTIONS = [
    "TRANG BÌA HỒ SƠ — đặt trang này lên trên cùng của mỗi hồ sơ trước khi quét.",
    "Mỗi trang bìa mở một hồ sơ mới; các trang sau nó (đến trang bìa tiếp theo) thuộc hồ sơ này.",
    "Không gấp, không ghi đè lên mã QR. Trang bìa không được đưa vào tài liệu.",
    "Cover sheet: place on top of each dossier before scanning; it starts a new dossier.",
]

PATCH_T_INSTRUCTIONS = [
    "TRANG TÁCH TÀI LIỆU (Patch T) — đặt giữa hai tài liệu của cùng một hồ sơ.",
    "Dùng với `sohoa batch --split-on patch`. Trang này không được đưa vào tài liệu.",
    "Patch T separator sheet: put it between two documents (sohoa batch --split-on patch).",
]


def _fonts() -> tuple[str, str]:
    """Register a Unicode TrueType font pair with reportlab (Vietnamese needs more than Helvetica)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    names = []
    for style, paths in _FONT_CANDIDATES.items():
        name = f"Sohoa-{style}"
        if name not in pdfmetrics.getRegisteredFontNames():
            path = next((p for p in paths if p.exists()), None)
            if path is None:
                raise SohoaError("Không tìm thấy phông chữ tiếng Việt (DejaVu Sans hoặc Arial)",
                                 "no Vietnamese-capable font found")
            pdfmetrics.registerFont(TTFont(name, str(path)))
        names.append(name)
    return names[0], names[1]


def _fit(canvas, text: str, font: str, size: float, width: float) -> float:
    """The largest size <= `size` at which `text` fits `width`."""
    w = canvas.stringWidth(text, font, size)
    return size if w <= width else size * width / w


def write_coversheets(codes: Iterable[str], path: str | Path, *, patch_t: int = 0) -> Path:
    """Write a PDF with one cover page per code (then `patch_t` Patch T separator pages)."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm, inch
    from reportlab.pdfgen import canvas as pdfcanvas

    codes = [nfc(c).strip() for c in codes]
    if not codes and not patch_t:
        raise SohoaError("Chưa có mã hồ sơ nào", "no dossier code given")
    if any(not c for c in codes):
        raise SohoaError("Mã hồ sơ rỗng", "empty dossier code")
    regular, bold = _fonts()
    path = Path(path)
    width, height = A4
    with atomic_write(path, "wb") as fh:
        c = pdfcanvas.Canvas(fh, pagesize=A4, invariant=1)
        c.setTitle("Trang bìa hồ sơ / dossier cover sheets")
        c.setCreator("sohoa")
        for code in codes:
            c.setFont(bold, 26)
            c.drawCentredString(width / 2, height - 3 * cm, "TRANG BÌA HỒ SƠ")
            c.setFont(regular, 13)
            c.drawCentredString(width / 2, height - 3.8 * cm, "Dossier cover sheet")
            qr_size = 8 * cm
            widget = QrCodeWidget(code, barLevel="M", barBorder=4)
            x0, y0, x1, y1 = widget.getBounds()
            drawing = Drawing(qr_size, qr_size,
                              transform=[qr_size / (x1 - x0), 0, 0, qr_size / (y1 - y0), 0, 0])
            drawing.add(widget)
            renderPDF.draw(drawing, c, (width - qr_size) / 2, height - 4.8 * cm - qr_size)
            size = _fit(c, code, bold, 30, width - 3 * cm)
            c.setFont(bold, size)
            c.drawCentredString(width / 2, height - 6 * cm - qr_size, code)
            c.setFont(regular, 11)
            y = height - 8 * cm - qr_size
            for line in INSTRUCTIONS:
                c.drawCentredString(width / 2, y, line)
                y -= 0.7 * cm
            c.showPage()
        for _ in range(patch_t):
            _patch_t_page(c, regular, bold, width, height, inch)
            c.showPage()
        c.save()
    return path


def _patch_t_page(c, regular: str, bold: str, width: float, height: float, inch: float) -> None:
    """Kodak Patch T: bars narrow-wide-narrow-wide (0.08"/0.20", spaces 0.08"), 0.8" wide, 5" long."""
    c.setFont(bold, 20)
    c.drawCentredString(width / 2, height - 80, "TRANG TÁCH TÀI LIỆU — PATCH T")
    c.setFont(regular, 11)
    y = height - 110
    for line in PATCH_T_INSTRUCTIONS:
        c.drawCentredString(width / 2, y, line)
        y -= 18
    x = width / 2 - 0.4 * inch
    top = height - 3.2 * inch
    for w in (0.08, 0.20, 0.08, 0.20):  # bar widths; each followed by a 0.08" space
        c.rect(x, top - 5 * inch, w * inch, 5 * inch, stroke=0, fill=1)
        x += (w + 0.08) * inch
