"""Reading PDFs back as poppler does, on every operating system.

On Linux the project reads its PDFs back with poppler's programs (`pdftotext`, `pdftoppm`) and
`qpdf`, the tools an archive's readers use. Windows has none of these programs: there the same
checks run through libraries that ship as wheels (pypdf, pypdfium2, pikepdf), never a skip.
Each helper takes the program when it is on PATH, else its library stand-in.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np


def have(program: str) -> bool:
    return shutil.which(program) is not None


def pdftotext(pdf: Path, page: int = 1, raw: bool = False) -> str:
    """One page's text as `pdftotext [-raw]` reads it; pypdf's extract_text where poppler is absent
    (content-stream order, as -raw; the writer puts words in reading order for both)."""
    if have("pdftotext"):
        res = subprocess.run(["pdftotext", *(["-raw"] if raw else []), "-enc", "UTF-8", "-f", str(page),
                              "-l", str(page), str(pdf), "-"], capture_output=True, check=True)
        return res.stdout.decode("utf-8")
    import pypdf

    reader = pypdf.PdfReader(str(pdf))
    text = reader.pages[page - 1].extract_text()
    return text + "\n\f" if text.strip() else "\f"


def word_boxes(pdf: Path, page: int = 1) -> list[tuple[float, float, float, float, str]]:
    """(xMin, yMin, xMax, yMax, word) in points from the page's top left, as `pdftotext -bbox`
    lists them (yMax is the baseline for a font without descent); pdfium's character boxes where
    poppler is absent (its loose boxes: the font's ascent down to its descent)."""
    if have("pdftotext"):
        html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                              capture_output=True, check=True).stdout.decode("utf-8")
        found = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                           html)
        return [(float(x0), float(y0), float(x1), float(y1), _unescape(t)) for x0, y0, x1, y1, t in found]
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        pg = doc[page - 1]
        height = pg.get_height()
        text = pg.get_textpage()
        words: list[tuple[float, float, float, float, str]] = []
        current: list[tuple[str, tuple[float, float, float, float]]] = []

        def close() -> None:
            if current:
                boxes = [b for _, b in current]
                words.append((min(b[0] for b in boxes), height - max(b[3] for b in boxes),
                              max(b[2] for b in boxes), height - min(b[1] for b in boxes),
                              "".join(c for c, _ in current)))
                current.clear()

        for i in range(text.count_chars()):
            char = text.get_text_range(i, 1)
            if not char or char.isspace():
                close()
                continue
            current.append((char, text.get_charbox(i, loose=True)))
        close()
        return words
    finally:
        doc.close()


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def pdf_check(pdf: Path) -> list[str]:
    """Syntax and stream problems `qpdf --check` reports (empty: none); qpdf's library through
    pikepdf where the program is absent."""
    if have("qpdf"):
        res = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        if res.returncode == 0 and "No syntax or stream encoding errors" in res.stdout:
            return []
        return [line for line in (res.stdout + res.stderr).splitlines() if line.strip()] or ["qpdf failed"]
    import pikepdf

    with pikepdf.open(pdf) as doc:
        return [str(problem) for problem in doc.check_pdf_syntax()]  # qpdf --check's checks


def render_grey(pdf: Path, dpi: int, tmp_path: Path, page: int = 1) -> np.ndarray:
    """One page rendered grey at dpi: `pdftoppm -gray`, else pdfium (conftest.pdf_raster)."""
    if have("pdftoppm"):
        from PIL import Image

        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-f", str(page), "-l", str(page), str(pdf),
                        str(tmp_path / "r")], check=True)
        (out,) = tmp_path.glob("r-*.pgm")
        arr = np.asarray(Image.open(out))
        out.unlink()
        return arr
    import pikepdf
    from conftest import pdf_raster

    with pikepdf.open(pdf) as doc:
        box = [float(v) for v in doc.pages[page - 1].MediaBox]
    width, height = (round((box[2] - box[0]) * dpi / 72), round((box[3] - box[1]) * dpi / 72))
    return pdf_raster(pdf, dpi, first=page, last=page)[0][:height, :width]  # pdfium rounds the size up
