"""Save one document as the contract wants it: `STEM.pdf` (searchable PDF/A-2b) + `STEM.json`."""
from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path

from exports.files import free_stem, portable_name, short_stem
from exports.pdfa import PRODUCER, write_searchable_pdf
from exports.result_json import write_result_json
from ocr.model import Document
from ocr.textnorm import nfc


def document_title(doc: Document, fallback: str) -> str:
    """A title for PDF metadata: an official letter's subject line; never a person's data."""
    subject = doc.fields.get("trich_yeu")
    return subject.value if subject is not None and subject.value else fallback


def save_document(doc: Document, out_dir: str | Path, stem: str, overwrite: bool = False,
                  creation_date: datetime | None = None) -> tuple[Path, Path]:
    """Write PDF then JSON, each atomically, never silently over an existing pair.

    `creation_date` fixes the PDF's dates (batch passes its run's start, so a resumed run
    writes the same bytes as an uninterrupted one).
    """
    out_dir = Path(out_dir)
    stem = _stem(out_dir, nfc(stem), overwrite)
    pdf_path = out_dir / f"{stem}.pdf"
    json_path = out_dir / f"{stem}.json"
    write_searchable_pdf(doc.pages, pdf_path, title=document_title(doc, stem), subject=doc.form or "",
                         creation_date=creation_date)
    try:
        write_result_json(doc, json_path, pdf_path.name)
    except BaseException:
        discard(pdf_path)  # a PDF without its JSON is no document: whole or nothing (disk full, kill)
        raise
    return pdf_path, json_path


def discard(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


def _stem(out_dir: Path, stem: str, overwrite: bool) -> str:
    """The first free stem, or before it an earlier run's half-written document (our PDF, no
    JSON: killed between the two), which is finished in place rather than copied beside as -2."""
    stem = portable_name(stem)  # as free_stem makes it
    chosen = free_stem(out_dir, stem, (".pdf", ".json"), overwrite)
    base = short_stem(stem, len(".json") + 5)  # as free_stem shortens it
    candidate, n = base, 2
    while candidate != chosen and n < 1000:
        if not (out_dir / f"{candidate}.json").exists() and _ours(out_dir / f"{candidate}.pdf"):
            return candidate
        candidate, n = f"{base}-{n}", n + 1
    return chosen


def _ours(pdf: Path) -> bool:
    """A PDF this writer produced (never an officer's own file that happens to share the name)."""
    import pikepdf

    try:
        with pikepdf.open(pdf) as doc:
            return str(doc.docinfo.get("/Producer", "")) == PRODUCER
    except (OSError, pikepdf.PdfError, ValueError):
        return False
