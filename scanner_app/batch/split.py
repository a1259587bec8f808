"""Splitting a stream of processed pages into dossiers and documents.

Pure logic, no I/O: the runner feeds pages in scan order and gets back "document ready" and
"dossier closed" events. The same pages always give the same events, which is what lets a
resumed run reproduce an uninterrupted run's output exactly.

Rules (contract, `batch`):
- a page whose QR text is a dossier code is a cover sheet: it starts a new dossier and is not
  part of any document; pages before the first cover go to the `_unassigned` folder;
- blank pages are dropped from documents (and listed);
- inside a dossier, with `mode="qr"` (default) a new document starts at each page recognised as
  the first page of a known form or an identity-card copy; with `mode="patch"` a Patch T
  separator sheet ends a document; with `mode="blank"` a blank page does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ocr.textnorm import nfc

QR_FORMATS = {"QRCode", "MicroQRCode"}

UNASSIGNED = "_unassigned"
MODES = ("qr", "patch", "blank")

#: Dossier code as issued by one-stop systems: agency code (QCVN 102:2016) -YYMMDD- sequence.
STRICT_CODE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}$")
#: Something that looks like a dossier code but bends the rules (other digit counts, lower case,
#: a label before it): accepted and reported, never rejected.
LOOSE_CODE = re.compile(r"[0-9A-Za-z]{1,6}(?:\.[0-9A-Za-z]{1,6}){1,5}\s*-\s*\d{4,8}\s*-\s*\d{1,8}")
#: Last resort: one short token of letters/digits with separators and at least one digit
#: (another one-stop system's numbering, e.g. "HS-2024-001").
TOKEN_CODE = re.compile(r"^(?=.*\d)(?=.*[-./])[0-9A-Za-z][0-9A-Za-z._/-]{3,63}$")

#: Barcode texts that mean "Patch T separator", as NAPS2 prints them.
PATCH_T_TEXTS = {"PATCHT", "PATCH T", "PATCH-T"}
LINEAR_FORMATS = {"Code39", "Code128", "Code93"}


def classify_code(text: str) -> Optional[tuple[str, str]]:
    """(code, "ok"|"loose") when a QR text is a dossier code, else None.

    A CCCD payload (fields separated by `|`) or a URL is never a dossier code.
    """
    text = nfc(text).strip()
    if not text or "|" in text or "://" in text or len(text) > 120:
        return None
    if STRICT_CODE.match(text):
        return text, "ok"
    m = LOOSE_CODE.search(text)
    if m:
        code = re.sub(r"\s+", "", m.group(0))
        return code, ("ok" if STRICT_CODE.match(code) else "loose")
    if TOKEN_CODE.match(text):
        return text, "loose"
    return None


def safe_name(code: str) -> str:
    """A Windows-safe folder/file name for a dossier code (the code itself stays in dossier.json)."""
    from exports.files import portable_name

    return portable_name(nfc(code).strip(), limit=120)


# ----------------------------------------------------------------- Patch T


def _is_patch_text(text: str) -> bool:
    return re.sub(r"[\s_-]", "", text).upper() == "PATCHT"


def is_patch_t(barcodes, image: Optional[np.ndarray] = None, dpi: float = 300.0) -> bool:
    """A Patch T separator: a Code39/Code128 "PATCHT" barcode (NAPS2), or the Kodak bar pattern.

    Patch T is four parallel bars, narrow-wide-narrow-wide (0.08"/0.20" bars, 0.08" spaces,
    0.80" overall, at least ~2" long). zxing-cpp does not decode patch codes, so the bars are
    measured here. Read in reverse (wide-narrow-wide-narrow) is accepted too: after the cleanup
    stage has turned the page upright we no longer know the feeding direction.
    """
    if any(b.format in LINEAR_FORMATS and _is_patch_text(b.text) for b in barcodes):
        return True
    if image is None:
        return False
    return detect_patch_t(image, dpi)


def detect_patch_t(image: np.ndarray, dpi: float) -> bool:
    import cv2

    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    _, binary = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    bars = []  # (centre along the bar's normal, width in inches, angle, centre along the bar)
    for c in contours:
        (cx, cy), (w, h), angle = cv2.minAreaRect(c)
        if w < 1 or h < 1:
            continue
        if w > h:
            w, h, angle = h, w, angle + 90.0
        width_in, length_in = w / dpi, h / dpi
        if not (0.05 <= width_in <= 0.26 and length_in >= 1.5):
            continue
        if cv2.contourArea(c) < 0.85 * w * h:  # a solid bar, not a frame or a line of text
            continue
        theta = np.deg2rad(angle % 180.0)
        normal = (np.cos(theta), np.sin(theta))  # across the bar
        along = cx * -normal[1] + cy * normal[0]
        bars.append((cx * normal[0] + cy * normal[1], width_in, angle % 180.0, along, length_in))
    if len(bars) < 4:
        return False
    bars.sort()
    for i in range(len(bars) - 3):
        group = bars[i:i + 4]
        angles = [g[2] for g in group]
        if max(angles) - min(angles) > 4 and not (max(angles) > 170 and min(angles) < 10):
            continue
        if max(g[3] for g in group) - min(g[3] for g in group) > 0.5 * dpi:
            continue
        kinds = "".join("W" if g[1] >= 0.14 else "N" for g in group)
        if kinds not in ("NWNW", "WNWN"):
            continue
        gaps = [(group[k + 1][0] - group[k][0]) / dpi - (group[k][1] + group[k + 1][1]) / 2 for k in range(3)]
        if all(0.04 <= g <= 0.14 for g in gaps):
            return True
    return False


# ----------------------------------------------------------------- the splitter


@dataclass
class PageRef:
    """What the splitter needs to know about one page of the stack."""

    seq: int  # position in the stack (0-based)
    key: str  # journal key: "<file name>#<page index>"
    source: str  # path as shown to the officer
    blank: bool = False
    cover: Optional[tuple[str, str]] = None  # (code, "ok"|"loose") for a cover sheet
    patch: bool = False  # a Patch T separator sheet
    form: Optional[str] = None  # form recognised on this page alone (a document's first page)
    form_confidence: float = 0.0
    error: Optional[str] = None  # the page could not be processed


def starts_document(page: PageRef, mode: str = "qr") -> bool:
    """Whether a content page begins a new document of its dossier: in "qr" mode, a page
    recognised as the first page of a known form or an identity-card copy. One rule for batch
    and the app's stack import."""
    return mode == "qr" and page.form is not None


def classify_page(key: str, source: str, result, error: Optional[str], mode: str, recognize) -> PageRef:
    """What the splitter needs to know about a processed page (`result`, a ProcessedPage, or None
    with `error`): blank, cover sheet, separator, or the form it starts. `recognize(result)` gives
    (form id or None, confidence) for the page alone."""
    ref = PageRef(seq=0, key=key, source=source, error=error)
    if result is None:
        return ref
    ref.blank = result.blank
    if result.blank:
        return ref
    for b in result.barcodes:
        if b.format in QR_FORMATS:
            code = classify_code(b.text)
            if code is not None:
                ref.cover = code
                return ref
    if mode == "patch":
        ref.patch = is_patch_t(result.barcodes)
        if not ref.patch:
            import cv2

            image = cv2.imdecode(np.frombuffer(result.image, np.uint8), cv2.IMREAD_GRAYSCALE)
            ref.patch = image is not None and detect_patch_t(image, result.dpi)
        return ref
    if mode == "qr":
        ref.form, ref.form_confidence = recognize(result)
    return ref


@dataclass
class DocPlan:
    """One document to write: its place and its pages (refs in order)."""

    folder: str
    stem: str
    ordinal: int
    pages: list[PageRef] = field(default_factory=list)
    start_form: Optional[str] = None


@dataclass
class DossierPlan:
    code: Optional[str]  # None for the _unassigned folder
    code_status: Optional[str]  # "ok" | "loose" | None
    folder: str
    cover: Optional[PageRef] = None
    documents: list[DocPlan] = field(default_factory=list)
    blank: list[PageRef] = field(default_factory=list)
    separators: list[PageRef] = field(default_factory=list)
    extra_covers: list[PageRef] = field(default_factory=list)
    errors: list[PageRef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class DocumentReady:
    dossier: DossierPlan
    doc: DocPlan


@dataclass
class DossierClosed:
    dossier: DossierPlan


class Splitter:
    """Feed pages in order with `feed`; call `finish` at the end of the stack."""

    def __init__(self, mode: str = "qr"):
        if mode not in MODES:
            raise ValueError(f"unknown split mode {mode!r}")
        self.mode = mode
        self.dossier: Optional[DossierPlan] = None
        self.doc: Optional[DocPlan] = None
        self.folders: dict[str, int] = {}  # folder name -> times used, for repeated codes
        self._break = False  # the next content page starts a new document (after a separator)

    # -- internal
    def _close_doc(self) -> list:
        events = []
        if self.doc is not None and self.doc.pages:
            self.dossier.documents.append(self.doc)
            events.append(DocumentReady(self.dossier, self.doc))
        self.doc = None
        return events

    def _close_dossier(self) -> list:
        events = self._close_doc()
        if self.dossier is not None:
            events.append(DossierClosed(self.dossier))
        self.dossier = None
        return events

    def _open_dossier(self, code: Optional[str], status: Optional[str], cover: Optional[PageRef]) -> None:
        base = safe_name(code) if code is not None else UNASSIGNED
        n = self.folders.get(base, 0) + 1
        self.folders[base] = n
        folder = base if n == 1 else f"{base}-{n}"
        self.dossier = DossierPlan(code=code, code_status=status, folder=folder, cover=cover)
        if n > 1:
            self.dossier.notes.append(f"Mã hồ sơ lặp lại lần {n} / dossier code repeated ({n})")
        if status == "loose":
            self.dossier.notes.append("Mã hồ sơ không đúng mẫu NNN.NN.NN.XNN-YYMMDD-NNNN / "
                                      "dossier code does not fit the usual pattern")

    def _ensure_dossier(self) -> DossierPlan:
        if self.dossier is None:
            self._open_dossier(None, None, None)
        return self.dossier

    def _start_doc(self, first: PageRef) -> None:
        d = self._ensure_dossier()
        ordinal = len(d.documents) + 1
        self.doc = DocPlan(folder=d.folder, stem=f"{d.folder}.{ordinal:02d}", ordinal=ordinal,
                           start_form=first.form)

    # -- public
    def feed(self, page: PageRef) -> list:
        """Events caused by this page: DocumentReady / DossierClosed, in order."""
        events: list = []
        if page.error is not None:
            self._ensure_dossier().errors.append(page)
            return events
        if page.cover is not None:
            code, status = page.cover
            if self.dossier is not None and self.dossier.code == code and not self.dossier.documents \
                    and self.doc is None:
                self.dossier.extra_covers.append(page)  # the same cover twice in a row
                return events
            events += self._close_dossier()
            self._open_dossier(code, status, page)
            self._break = False
            return events
        if page.patch and self.mode == "patch":
            self._ensure_dossier().separators.append(page)
            events += self._close_doc()
            return events
        if page.blank:
            self._ensure_dossier().blank.append(page)
            if self.mode == "blank":
                events += self._close_doc()
            return events
        if self.doc is None or starts_document(page, self.mode):
            events += self._close_doc()
            self._start_doc(page)
        self.doc.pages.append(page)
        return events

    def finish(self) -> list:
        """Close the open document and dossier (end of stack, or Ctrl+C in watch mode)."""
        return self._close_dossier()
