"""`sohoa coversheet CODE... --out covers.pdf`: printable cover sheets with the dossier code as QR."""
from __future__ import annotations

import sys
from pathlib import Path

from ocr.errors import SohoaError


def add_parser(sub) -> None:
    p = sub.add_parser("coversheet", help="in trang bìa hồ sơ có mã QR / print dossier cover sheets")
    p.add_argument("codes", nargs="*", metavar="CODE", help="mã hồ sơ, ví dụ 000.00.25.H49-240315-0012")
    p.add_argument("--out", required=True, type=Path, help="tệp PDF kết quả / output PDF")
    p.add_argument("--patch-t", type=int, default=0, metavar="N",
                   help="thêm N trang tách tài liệu Patch T / add N Patch T separator sheets")
    p.add_argument("--overwrite", action="store_true", help="ghi đè tệp cũ / overwrite existing file")
    p.set_defaults(run=run)


def run(args) -> int:
    from exports.coversheet import write_coversheets
    from exports.files import free_path
    from scanner_app.batch.split import classify_code

    if not args.codes and args.patch_t <= 0:
        raise SohoaError("Hãy cho ít nhất một mã hồ sơ", "give at least one dossier code")
    for code in args.codes:
        found = classify_code(code)
        if found is None or found[1] != "ok":
            # accepted anyway (never reject), but say so: `sohoa batch` will report it as loose
            print(f"Cảnh báo / warning: mã '{code}' không đúng mẫu NNN.NN.NN.XNN-YYMMDD-NNNN", file=sys.stderr)
    out = free_path(args.out, args.overwrite)
    write_coversheets(args.codes, out, patch_t=args.patch_t)
    print(f"Đã ghi / written: {out} ({len(args.codes) + args.patch_t} trang)", file=sys.stderr)
    return 0
