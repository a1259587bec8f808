"""The dossier on disk: `<MaHoSo>/dossier.json` (`sohoa.dossier/1`) as batch and the app write it.

Both doors describe a dossier with the same keys, so `sohoa export` packs their output alike.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Optional

from exports.files import atomic_write
from ocr.errors import BadInputError, SohoaError
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


#: Keys of the result JSON that are not a form's own additions (its tables go back to `extra`).
_RESULT_KEYS = {"schema", "source", "pdf", "form", "form_confidence", "pages", "fields", "barcodes"}


def reopen_dossier(ws, folder: Path, store=None, progress=None) -> int:
    """A saved dossier folder back into the workspace `ws` (emptied first): each document's pages
    from its PDF, its fields as saved, its corrections from the store's audit trail. Pages are read
    again by OCR (the text layer would vouch for every word), then understood again with the
    corrections re-applied; a re-save replaces these same files. Returns the number of documents."""
    from ocr import imageio

    folder = Path(folder)
    try:
        data = json.loads((folder / "dossier.json").read_text(encoding="utf-8"))
        entries = list(data["documents"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BadInputError(f"Không phải thư mục hồ sơ đã lưu (thiếu hoặc hỏng dossier.json): {folder}",
                            f"not a saved dossier folder ({exc})") from None
    ws.clear()
    ws.set_dossier_code(data.get("code") or "")
    for n, entry in enumerate(entries, start=1):
        pdf, js = folder / entry["pdf"], folder / entry["json"]
        try:
            result = json.loads(js.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BadInputError(f"Không đọc được {js.name}", str(exc)) from None
        doc_index = ws.new_document()
        described = result.get("pages") or []
        for i, page in enumerate(imageio.load_pages(pdf)):
            page.embedded_words = None
            if i < len(described):
                page.source = described[i].get("source") or page.source
                page.index = int(described[i].get("source_page") or 1) - 1
            ws.add_scan(page, doc_index=doc_index)
        store_id, corrections = None, []
        if store is not None:
            store_id = store.document_id(pdf)
            record = store.document(store_id) if store_id else None
            corrections = record["corrections"] if record else []
        ws.adopt_saved(doc_index, result, {k: v for k, v in result.items() if k not in _RESULT_KEYS},
                       pdf, js, store_id, corrections)
        if progress is not None:
            progress(n, len(entries))
    if store is not None:
        try:
            store.log("opened", str(folder), {"documents": len(entries)})
        except SohoaError:
            pass  # the audit entry is a courtesy; the dossier is open either way
    return len(entries)
