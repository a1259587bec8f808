"""`sohoa audit verify|show`: check and read the store's hash-chained audit log."""
from __future__ import annotations

import sys


def add_parser(sub) -> None:
    p = sub.add_parser("audit", help="nhật ký thao tác: kiểm tra, xem / audit log: verify, show")
    asub = p.add_subparsers(dest="audit_command", required=True, metavar="verify|show")
    v = asub.add_parser("verify", help="kiểm tra chuỗi băm của nhật ký / verify the hash chain")
    v.set_defaults(run=run_verify)
    s = asub.add_parser("show", help="xem các mục mới nhất / show the newest entries")
    s.add_argument("--limit", type=int, default=50, help="số mục / number of entries")
    s.set_defaults(run=run_show)


def run_verify(args) -> int:
    from exports.store import open_store

    with open_store() as store:
        count, problem = store.verify_audit()
    if problem is not None:
        print(f"Nhật ký KHÔNG toàn vẹn / audit log NOT intact: {problem.message}", file=sys.stderr)
        return 1
    print(f"Nhật ký toàn vẹn / audit log intact: {count} mục / entries")
    return 0


def run_show(args) -> int:
    from exports import audit
    from exports.store import open_store

    with open_store() as store:
        rows = audit.entries(store.db, limit=args.limit)
    for e in rows:
        print(f"#{e.id}\t{e.time}\t{e.user}\t{e.action}\t{e.target}\t{e.details}")
    return 0
