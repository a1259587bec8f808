"""The officer's report of a batch: `report.csv` (opens in Excel) and `report.html`.

One row per dossier (its blank pages, bad pages, notes) followed by one row per document
(pages, form, fields to check). Headers are Vietnamese first, English second. Field values
are never copied into the report: it names the fields to check, not people's data.
"""
from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

from exports.files import atomic_write
from exports.tabular import neutralise_cell

COLUMNS = [
    ("dossier", "Hồ sơ / Dossier"),
    ("code", "Mã hồ sơ / Dossier code"),
    ("code_status", "Kiểm tra mã / Code check"),
    ("document", "Tài liệu / Document"),
    ("pages", "Số trang / Pages"),
    ("sources", "Trang nguồn / Source pages"),
    ("form", "Mẫu / Form"),
    ("form_confidence", "Độ tin cậy mẫu / Form confidence"),
    ("check_fields", "Trường cần kiểm tra / Fields to check"),
    ("blank", "Trang trắng đã bỏ / Blank pages dropped"),
    ("errors", "Lỗi / Errors"),
]

_CODE_STATUS = {"ok": "đúng mẫu / ok", "loose": "không đúng mẫu / loose", None: "không có bìa / no cover"}


def mask_digits(text: str) -> str:
    """Long digit runs (ID, phone numbers) masked but for their last 3: reports are read widely."""
    return re.sub(r"\d{6,}", lambda m: "*" * (len(m.group(0)) - 3) + m.group(0)[-3:], text)


def check_fields(doc) -> list[str]:
    """Fields an officer should look at: those the tool does not vouch for (`needs_review`), with why."""
    return [mask_digits(f"{fid}: {'; '.join(f.problems) or 'cần kiểm tra / to review'}")
            for fid, f in doc.fields.items() if f.needs_review]


def source_label(src: dict) -> str:
    name = Path(src["file"]).name
    return name if src.get("page", 1) == 1 and not src.get("multi") else f"{name}#{src['page']}"


def rows(dossiers: list[dict]) -> list[dict]:
    out = []
    for d in dossiers:
        errors = [f"{source_label(b['source'])}: {b['error']}" for b in d.get("bad_pages", [])]
        out.append({
            "dossier": d["folder"], "code": d.get("code") or "", "code_status": _CODE_STATUS.get(d.get("code_status")),
            "document": f"{len(d['documents'])} tài liệu / documents", "pages": sum(x["pages"] for x in d["documents"]),
            "sources": source_label(d["cover_page"]) + " (bìa / cover)" if d.get("cover_page") else "",
            "form": "", "form_confidence": "", "check_fields": "; ".join(d.get("notes", [])),
            "blank": ", ".join(source_label(s) for s in d.get("blank_pages_dropped", [])),
            "errors": "; ".join(errors),
        })
        for doc in d["documents"]:
            out.append({
                "dossier": d["folder"], "code": d.get("code") or "", "code_status": "",
                "document": doc["pdf"], "pages": doc["pages"],
                "sources": ", ".join(source_label(s) for s in doc["sources"]),
                "form": doc.get("form") or "", "form_confidence": f"{doc.get('form_confidence') or 0:.2f}",
                "check_fields": "; ".join(doc.get("check_fields", [])), "blank": "",
                "errors": doc.get("error") or "",
            })
    return out


def write_reports(out_dir: Path, dossiers: list[dict], *, created: str, totals: dict) -> tuple[Path, Path]:
    table = rows(dossiers)
    csv_path, html_path = Path(out_dir) / "report.csv", Path(out_dir) / "report.html"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([title for _, title in COLUMNS])
    for r in table:
        writer.writerow([neutralise_cell(r[key]) for key, _ in COLUMNS])
    # BOM: Excel on Windows then reads the file as UTF-8 (Vietnamese intact).
    with atomic_write(csv_path, "wb") as fh:
        fh.write(buf.getvalue().encode("utf-8-sig"))
    with atomic_write(html_path, "w") as fh:
        fh.write(_html(table, created, totals))
    return csv_path, html_path


def _html(table: list[dict], created: str, totals: dict) -> str:
    e = html.escape
    head = "".join(f"<th>{e(t)}</th>" for _, t in COLUMNS)
    body = []
    for r in table:
        cls = "dossier" if r["code_status"] else "doc"
        if r["errors"]:
            cls += " err"
        elif r["check_fields"] and cls == "doc":
            cls += " warn"
        body.append(f'<tr class="{cls}">' + "".join(f"<td>{e(str(r[k]))}</td>" for k, _ in COLUMNS) + "</tr>")
    summary = (f"{totals.get('dossiers', 0)} hồ sơ / dossiers · {totals.get('documents', 0)} tài liệu / documents · "
               f"{totals.get('pages', 0)} trang / pages · {totals.get('blank', 0)} trang trắng / blank · "
               f"{totals.get('errors', 0)} trang lỗi / bad pages")
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<title>Báo cáo số hóa hàng loạt / batch report</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; font-size: 13px; margin: 1.5em; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #bbb; padding: 3px 6px; vertical-align: top; text-align: left; }}
th {{ background: #e8eef5; }}
tr.dossier td {{ background: #f4f4f4; font-weight: bold; }}
tr.warn td {{ background: #fff7d6; }}
tr.err td {{ background: #fde2e2; }}
</style></head><body>
<h1>Báo cáo số hóa hàng loạt / Batch report</h1>
<p>Bắt đầu / started: {e(created)}<br>{e(summary)}</p>
<table><thead><tr>{head}</tr></thead><tbody>
{chr(10).join(body)}
</tbody></table></body></html>
"""
