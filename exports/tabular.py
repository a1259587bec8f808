"""All fields of a set of dossiers as one table: CSV (UTF-8 with BOM, so Excel shows Vietnamese) or XLSX.

One row per field of each document, in dossier and document order, so a counter can check or
re-key values in a spreadsheet without opening every JSON file.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable

from exports.files import atomic_write
from ocr.errors import SohoaError

COLUMNS = [("dossier", "Mã hồ sơ / Dossier"), ("ordinal", "STT / No."), ("pdf", "Tệp PDF / PDF file"),
           ("form", "Mẫu / Form"), ("field", "Trường / Field"), ("value", "Giá trị / Value"),
           ("valid", "Hợp lệ / Valid"), ("confidence", "Độ tin cậy / Confidence"), ("problems", "Vấn đề / Problems")]


def field_rows(dossier_dirs: Iterable) -> list[dict]:
    from exports.package import load_dossier

    rows = []
    for folder in dossier_dirs:
        info = load_dossier(folder)
        for d in info.documents:
            for fid, f in (d.result.get("fields") or {}).items():
                f = f or {}
                rows.append({"dossier": info.code, "ordinal": d.ordinal, "pdf": d.pdf.name, "form": d.form or "",
                             "field": fid, "value": f.get("value") if f.get("value") is not None else "",
                             "valid": "có" if f.get("valid", True) else "không",
                             "confidence": round(float(f.get("confidence") or 0.0), 3),
                             "problems": "; ".join(f.get("problems") or [])})
    return rows


def write_table(rows: list[dict], path) -> Path:
    """CSV or XLSX by the file's suffix, written atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with atomic_write(path, "wb") as fh:
            text = _csv_text(rows)
            fh.write(text.encode("utf-8-sig"))
    elif suffix == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        ws = wb.active
        ws.title = "Truong du lieu"
        ws.append([label for _, label in COLUMNS])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r in rows:
            ws.append([r[k] for k, _ in COLUMNS])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # literal text: openpyxl would store '=...' as a live formula
        ws.freeze_panes = "A2"
        for col, width in zip("ABCDEFGHI", (28, 6, 34, 10, 22, 40, 8, 10, 40)):
            ws.column_dimensions[col].width = width
        with atomic_write(path, "wb") as fh:
            wb.save(fh)
    else:
        raise SohoaError("Bảng chỉ xuất được dạng .csv hoặc .xlsx", "table must be .csv or .xlsx", path=str(path))
    return path


def _csv_text(rows: list[dict]) -> str:
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([label for _, label in COLUMNS])
    for r in rows:
        w.writerow([neutralise_cell(r[k]) for k, _ in COLUMNS])
    return buf.getvalue()


#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """A text cell a spreadsheet shows as text, never runs: a leading formula character gets a `'`.

    Values come from OCR of documents anyone can hand in, and file names from anyone's share.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
