"""`sohoa verify FILE.zip`: manifest hashes, every file listed, each PDF signature intact."""
from __future__ import annotations

import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("verify", help="kiểm tra gói hồ sơ ZIP / verify a dossier package")
    p.add_argument("package", type=Path, metavar="FILE.zip")
    p.add_argument("--trust", type=Path, action="append", default=[], metavar="CA.pem",
                   help="chứng thư CA tin cậy (PEM/DER) / trusted CA certificate")
    p.set_defaults(run=run)


def _load_roots(paths: list[Path]) -> list:
    from asn1crypto import pem, x509

    from ocr.errors import BadInputError

    roots = []
    for path in paths:
        try:
            data = path.read_bytes()
            if pem.detect(data):
                roots.extend(x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True))
            else:
                roots.append(x509.Certificate.load(data))
        except (OSError, ValueError) as exc:
            raise BadInputError(f"Không đọc được chứng thư CA ({exc})", "cannot read the CA certificate",
                                path=str(path)) from None
    return roots


def run(args) -> int:
    from exports.package import verify_package

    report = verify_package(args.package, _load_roots(args.trust) or None)
    for line in report.lines:
        print(line)
    for problem in report.problems:
        print(f"LỖI / ERROR: {problem}", file=sys.stderr)
    if report.ok:
        print(f"Gói hồ sơ toàn vẹn / package intact: {args.package}", file=sys.stderr)
        return 0
    print(f"Gói hồ sơ KHÔNG hợp lệ / package NOT valid: {len(report.problems)} lỗi / problems", file=sys.stderr)
    return 1
