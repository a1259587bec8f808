"""The dossier on disk: `<MaHoSo>/dossier.json` (`sohoa.dossier/1`) as batch and the app write it.

Both doors describe a dossier with the same keys, so `sohoa export` packs their output alike.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Optional

from exports.files import atomic_write
from ocr.model import Document, ProcessedPage
from ocr.textnorm import nfc_all

DOSSIER_SCHEMA = "sohoa.dossier/1"


def document_summary(ordinal: int, pdf: Path, js: Path, pages: list[ProcessedPage],
                     doc: Optional[Document] = None) -> dict:
    """One document's entry in dossier.json; form and field checks once it is understood."""
    summary = {"ordinal": ordinal, "pdf": Path(pdf).name, "json": Path(js).name, "pages": len(pages),
               "sources": [{"file": p.source, "page": p.source_index + 1} for p in pages]}
    if doc is not None:
        from scanner_app.batch.report import check_fields

        summary.update(form=doc.form, form_confidence=round(float(doc.form_confidence), 3),
                       check_fields=check_fields(doc))
    return summary


def dossier_data(code: Optional[str], code_status: str, folder: str, created: str, documents: list[dict], *,
                 cover_page: Optional[dict] = None, blank: Iterable[dict] = (), separators: Iterable[dict] = (),
                 extra_covers: Iterable[dict] = (), bad_pages: Iterable[dict] = (), notes: Iterable[str] = (),
                 **extra) -> dict:
    data = {"schema": DOSSIER_SCHEMA, "code": code, "code_status": code_status, "folder": folder,
            "created": created, "cover_page": cover_page, "documents": documents,
            "blank_pages_dropped": list(blank), "separator_pages": list(separators),
            "extra_cover_pages": list(extra_covers), "bad_pages": list(bad_pages), "notes": list(notes)}
    data.update(extra)
    return data


def write_dossier_json(folder: Path, data: dict) -> Path:
    path = Path(folder) / "dossier.json"
    with atomic_write(path, "w") as fh:
        json.dump(nfc_all(data), fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    return path
