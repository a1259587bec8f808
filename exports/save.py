"""Save one document as the contract wants it: `STEM.pdf` (searchable PDF/A-2b) + `STEM.json`."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from exports.files import free_stem
from exports.pdfa import write_searchable_pdf
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
    stem = free_stem(out_dir, nfc(stem), (".pdf", ".json"), overwrite)
    pdf_path = out_dir / f"{stem}.pdf"
    json_path = out_dir / f"{stem}.json"
    write_searchable_pdf(doc.pages, pdf_path, title=document_title(doc, stem), subject=doc.form or "",
                         creation_date=creation_date)
    write_result_json(doc, json_path, pdf_path.name)
    return pdf_path, json_path
