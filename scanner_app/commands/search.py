"""`sohoa search QUERY`: find documents in the local dossier store, diacritics- and case-insensitive."""
from __future__ import annotations

import sys

from ocr.errors import SohoaError


def add_parser(sub) -> None:
    p = sub.add_parser("search", help="tìm hồ sơ trong kho (không phân biệt dấu, hoa/thường) / search the store")
    p.add_argument("query", nargs="+", metavar="QUERY", help="từ cần tìm / words to find")
    p.add_argument("--form", default=None, help="chỉ mẫu này (ct01, khai_sinh, cccd, van_ban ...) / only this form")
    p.add_argument("--status", default=None, choices=("scanned", "reviewed", "signed", "exported"),
                   help="chỉ trạng thái này / only this status")
    p.add_argument("--from", dest="date_from", default=None, metavar="DD/MM/YYYY",
                   help="ghi vào kho từ ngày / recorded on or after")
    p.add_argument("--to", dest="date_to", default=None, metavar="DD/MM/YYYY",
                   help="ghi vào kho đến ngày / recorded on or before")
    p.add_argument("--limit", type=int, default=50, help="số kết quả tối đa / maximum hits")
    p.set_defaults(run=run)


def format_hit(hit) -> str:
    """Dossier code (or the document path), the document, the snippet: tab-separated, one line."""
    head = hit.dossier_code or hit.pdf_path
    snippet = " ".join((hit.snippet or "").split())
    return f"{head}\t{hit.pdf_path}\t{snippet}"


def run(args) -> int:
    from exports.store import open_store

    query = " ".join(args.query).strip()
    if not query:
        raise SohoaError("Chưa có từ cần tìm", "empty query")
    with open_store() as store:
        hits = store.search(query, form=args.form, status=args.status, date_from=args.date_from,
                            date_to=args.date_to, limit=args.limit)
    for hit in hits:
        print(format_hit(hit))
    print(f"{len(hits)} kết quả / hits", file=sys.stderr)
    return 0
