"""Plain data objects passed between the stages acquire -> clean -> OCR -> understand -> store -> export.

No behaviour hides in them beyond small derived views; every stage takes and returns these.
The result JSON of the contract is `Document` serialised by `exports.result_json`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

BBox = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the cleaned page image


def enclosing(boxes) -> BBox:
    """The smallest box holding all of `boxes` (at least one)."""
    boxes = list(boxes)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


@dataclass
class PageImage:
    """One page as acquired: pixels (BGR or grey uint8), resolution and where it came from."""

    pixels: np.ndarray
    dpi: float
    source: str
    index: int = 0  # 0-based page index inside a multi-page source
    # Text already present in a born-digital PDF page, as words on this image's pixel grid.
    embedded_words: Optional[list["Word"]] = None


@dataclass
class CleanPage:
    """A cleaned page: colour archive image and OCR image of the same size, plus what was done."""

    archive: np.ndarray  # colour (BGR) or grey, deskewed, rotated upright, cropped
    ocr_image: np.ndarray  # grey or binary, same height/width as `archive`
    dpi: float
    rotation: int = 0  # degrees clockwise applied to make the page upright: 0/90/180/270
    skew_deg: float = 0.0  # skew measured on input (positive = counter-clockwise text)
    crop_box: Optional[BBox] = None  # kept region, in the rotated input's pixels
    blank: bool = False
    perspective: bool = False  # a phone photo rectified to a flat page
    bitonal: bool = False  # the source was black and white; archive kept 1-bit
    seals: list[BBox] = field(default_factory=list)  # round seals left out of `ocr_image`


@dataclass
class Word:
    """One OCR word with its box; block/par/line ids give reading order and line grouping."""

    text: str
    bbox: BBox
    conf: float  # 0-100
    block: int = 0
    par: int = 0
    line: int = 0
    # Confidence (0-100) of the strongest letter the engine offered instead of one of the word's
    # that differs from it only in its marks ("i" against "ỉ"): how unsure the marks are.
    doubt: float = 0.0
    # Confidence (0-100) of the strongest other digit the engine offered for one of the word's
    # digits (an italic "3" read "5" at 94 with "3" at 24): how unsure the digits are.
    digit_doubt: float = 0.0
    # What a second reading of the same ink read where it disagreed with this word's reading (the
    # stretch's words, "" when it read nothing there); None when it agreed or there was none.
    other: Optional[str] = None


#: Per-character alternatives of one OCR word: for each character, (letter, confidence 0-100)
#: pairs, the engine's reading first (ocr.engine hands them to ocr.correct).
Choices = list[list[tuple[str, float]]]


@dataclass
class OcrPage:
    """Words of one page in reading order, on the cleaned page's pixel grid."""

    width: int
    height: int
    words: list[Word] = field(default_factory=list)

    def lines(self) -> list[list[Word]]:
        """Words grouped by (block, par, line) in reading order."""
        groups: dict[tuple[int, int, int], list[Word]] = {}
        for w in self.words:
            groups.setdefault((w.block, w.par, w.line), []).append(w)
        return list(groups.values())

    @property
    def text(self) -> str:
        """Page text, one OCR line per text line, blank line between blocks."""
        out: list[str] = []
        last_block = None
        for line in self.lines():
            if last_block is not None and line[0].block != last_block:
                out.append("")
            out.append(" ".join(w.text for w in line))
            last_block = line[0].block
        return "\n".join(out)

    @property
    def confidence(self) -> float:
        """Mean word confidence (0-100), 0 for a page without words."""
        confs = [w.conf for w in self.words if w.conf >= 0]
        return round(sum(confs) / len(confs), 1) if confs else 0.0


@dataclass
class Barcode:
    page: int  # 1-based page number in the document
    format: str  # zxing-cpp format name, e.g. "QRCode"
    text: str
    bbox: Optional[BBox] = None


@dataclass
class Region:
    """A part of the page that is not body text: a round seal, or an e-signature's stamp box
    (the signer's seal image beside small print of who signed, an e-mail address and the time)."""

    kind: str  # "seal" | "e_signature"
    bbox: BBox
    text: str = ""  # what the box says, NFC, lines separated by "\n" (e-signatures)


@dataclass
class ProcessedPage:
    """The per-page job's result: small enough to cross process boundaries cheaply.

    The archive image travels encoded (`image`, JPEG or PNG bytes) so that a 200-page run
    never holds 200 decoded pages in memory.
    """

    source: str
    source_index: int
    width: int
    height: int
    dpi: float
    image: bytes
    image_format: str  # "jpeg" | "png"
    ocr: OcrPage
    rotation: int = 0
    skew_deg: float = 0.0
    blank: bool = False
    crop_box: Optional[BBox] = None
    barcodes: list[Barcode] = field(default_factory=list)
    text_from_pdf: bool = False  # words came from the input PDF's own text layer
    regions: list[Region] = field(default_factory=list)  # seals and e-signature boxes (not body text)


@dataclass
class Field:
    value: Optional[str] = None
    raw: Optional[str] = None
    confidence: float = 0.0  # 0-1
    page: Optional[int] = None
    bbox: Optional[BBox] = None
    valid: bool = True
    problems: list[str] = field(default_factory=list)
    # False only when every check agrees the value is right (templates/review.py); the officer
    # is sent to every field where it is True.
    needs_review: bool = True


@dataclass
class Document:
    """One document: its pages, the recognised form and its fields."""

    stem: str
    source: list[str]
    pages: list[ProcessedPage] = field(default_factory=list)
    form: Optional[str] = None
    form_confidence: float = 0.0
    fields: dict[str, Field] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)  # additions to the contract, e.g. "thanh_vien"

    @property
    def barcodes(self) -> list[Barcode]:
        return [b for p in self.pages for b in p.barcodes]


@dataclass
class Dossier:
    code: str  # mã hồ sơ
    documents: list[Document] = field(default_factory=list)
