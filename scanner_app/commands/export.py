"""`sohoa export DOSSIER_DIR --out FILE.zip [--sign CERT.p12 --password-file F] [--table FILE.csv|.xlsx]`,
or signing with a USB token: `--pkcs11 LIB --token LABEL --pin-file F [--cert-label L]`."""
from __future__ import annotations

import sys
from pathlib import Path

from ocr.errors import SohoaError


def add_parser(sub) -> None:
    p = sub.add_parser("export", help="đóng gói hồ sơ để nộp (ZIP) / pack a dossier for upload")
    p.add_argument("dossier", type=Path, metavar="DOSSIER_DIR", help="thư mục hồ sơ / dossier folder")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.zip", help="tệp ZIP kết quả / output ZIP")
    p.add_argument("--sign", type=Path, metavar="CERT.p12", help="ký số các PDF bằng chứng thư PKCS#12 / sign PDFs")
    p.add_argument("--password-file", type=Path, metavar="F", help="tệp chứa mật khẩu chứng thư / password file")
    p.add_argument("--pkcs11", metavar="LIB", help="ký bằng USB ký số: thư viện PKCS#11 của nhà cung cấp / "
                   "sign with a USB token: the vendor's PKCS#11 library (.so/.dll)")
    p.add_argument("--token", metavar="LABEL", help="nhãn USB ký số / token label")
    p.add_argument("--pin-file", type=Path, metavar="F", help="tệp chứa mã PIN của USB ký số / token PIN file")
    p.add_argument("--cert-label", metavar="L", help="nhãn chứng thư trên USB / certificate label on the token")
    p.add_argument("--table", type=Path, metavar="FILE.csv|.xlsx",
                   help="thêm bảng các trường dữ liệu / also write a table of all fields")
    p.add_argument("--overwrite", action="store_true", help="ghi đè tệp ZIP cũ / overwrite an existing ZIP")
    p.add_argument("--no-store", action="store_true", help="không dùng kho hồ sơ / skip the dossier store")
    p.set_defaults(run=run)


def run(args) -> int:
    from exports.package import build_package

    signer = None
    if args.sign and args.pkcs11:
        raise SohoaError("Chỉ chọn một cách ký: --sign hoặc --pkcs11", "use either --sign or --pkcs11")
    if args.sign:
        from exports.signing import Pkcs12Signer, read_password

        if not args.password_file:
            raise SohoaError("Cần --password-file khi ký số", "--sign needs --password-file")
        signer = Pkcs12Signer(args.sign, read_password(args.password_file))
    elif args.pkcs11:
        from exports.signing import Pkcs11Signer, read_password

        if not (args.token and args.pin_file):
            raise SohoaError("Cần --token và --pin-file khi ký bằng USB ký số", "--pkcs11 needs --token and --pin-file")
        signer = Pkcs11Signer(args.pkcs11, args.token, read_password(args.pin_file), cert_label=args.cert_label)
    store = None
    if not args.no_store:
        from exports.store import open_store

        store = open_store()
    try:
        result = build_package(args.dossier, args.out, signer=signer, store=store, overwrite=args.overwrite)
    finally:
        if store is not None:
            store.close()
    if args.table:
        from exports.tabular import field_rows, write_table

        write_table(field_rows([args.dossier]), args.table)
        print(f"Bảng trường / field table: {args.table}", file=sys.stderr)
    signed = ", đã ký số / signed" if result.signed else ""
    print(f"Đã đóng gói / packed {result.code}: {result.documents} tài liệu{signed} → {result.path}",
          file=sys.stderr)
    print(result.path)
    return 0
