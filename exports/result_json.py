"""The contract's result JSON (`sohoa.result/1`): `Document` serialised, and nothing else defines its keys."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from exports.files import atomic_write
from ocr.layout import page_text
from ocr.model import Document, Field
from ocr.textnorm import nfc_all

SCHEMA = "sohoa.result/1"


def field_to_dict(f: Field) -> dict:
    d = asdict(f)
    d["bbox"] = list(f.bbox) if f.bbox else None
    return d


def document_to_dict(doc: Document, pdf_name: str) -> dict:
    out = {
        "schema": SCHEMA,
        "source": list(doc.source),
        "pdf": pdf_name,
        "form": doc.form,
        "form_confidence": round(float(doc.form_confidence), 3),
        "pages": [
            {
                "page": n,
                "rotation": p.rotation,
                "skew_deg": p.skew_deg,
                "blank": p.blank,
                "ocr_confidence": p.ocr.confidence,
                "text": page_text(p.ocr),
                # additions to the contract
                "source": p.source,
                "source_page": p.source_index + 1,
                "width": p.width,
                "height": p.height,
                "dpi": p.dpi,
                "text_source": "pdf" if p.text_from_pdf else "ocr",
                # seals and e-signature boxes: on the page, not body text
                "regions": [{"kind": r.kind, "bbox": list(r.bbox), **({"text": r.text} if r.text else {})}
                            for r in p.regions],
            }
            for n, p in enumerate(doc.pages, start=1)
        ],
        "fields": {fid: field_to_dict(f) for fid, f in doc.fields.items()},
        "barcodes": [{"page": b.page, "format": b.format, "text": b.text} for b in doc.barcodes],
    }
    for key, value in doc.extra.items():
        out.setdefault(key, value)
    return nfc_all(out)


def write_result_json(doc: Document, path: str | Path, pdf_name: str) -> None:
    with atomic_write(path, "w") as fh:
        json.dump(document_to_dict(doc, pdf_name), fh, ensure_ascii=False, indent=2)
        fh.write("\n")
