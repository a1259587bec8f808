"""`sohoa batch SRC_DIR --out DIR`: a whole feeder stack into dossiers and documents, resumable."""
from __future__ import annotations

import sys
from pathlib import Path

from ocr.errors import SohoaError
from scanner_app.batch.split import MODES


def add_parser(sub) -> None:
    p = sub.add_parser("batch", help="xử lý cả chồng hồ sơ, chạy tiếp được sau khi dừng / whole stacks, resumable")
    p.add_argument("src", type=Path, metavar="SRC_DIR", help="thư mục ảnh trang theo thứ tự quét / page images")
    p.add_argument("--out", required=True, type=Path, help="thư mục kết quả / output folder")
    p.add_argument("--jobs", type=int, default=None, help="số tiến trình song song / parallel processes")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local: máy này; dask: nhiều máy qua Dask / this PC or a Dask cluster")
    p.add_argument("--scheduler", default=None, metavar="ADDR",
                   help="địa chỉ Dask scheduler, ví dụ tcp://192.168.1.10:8786 / Dask scheduler address")
    p.add_argument("--split-on", choices=MODES, default="qr",
                   help="qr: tài liệu mới ở trang đầu mẫu đã biết; patch: tờ Patch T; blank: trang trắng "
                        "/ how documents are split inside a dossier")
    p.add_argument("--watch", action="store_true", help="theo dõi thư mục nóng / hot folder mode")
    p.add_argument("--stop-after-idle", type=float, default=None, metavar="SECONDS",
                   help="với --watch: dừng khi không có tệp mới sau chừng ấy giây / stop when idle")
    p.add_argument("--poll", type=float, default=1.0, metavar="SECONDS", help="chu kỳ quét thư mục / poll interval")
    p.add_argument("--lang", default="vie", help="ngôn ngữ Tesseract / Tesseract languages")
    p.add_argument("--templates", type=Path, action="append", default=[], metavar="DIR",
                   help="thư mục mẫu YAML bổ sung / extra template folder")
    p.add_argument("--no-store", action="store_true", help="không ghi vào kho hồ sơ / skip the dossier store")
    from scanner_app.road import add_page_timeout_argument

    add_page_timeout_argument(p)
    p.set_defaults(run=run)


def run(args) -> int:
    from scanner_app.batch.runner import BatchOptions, BatchRunner

    if args.executor != "dask" and args.scheduler:
        raise SohoaError("--scheduler chỉ dùng với --executor dask", "--scheduler needs --executor dask")
    if args.jobs is not None and args.jobs < 1:
        raise SohoaError("--jobs phải >= 1", "--jobs must be at least 1")
    opts = BatchOptions(src=args.src, out=args.out, jobs=args.jobs, executor=args.executor,
                        scheduler=args.scheduler, split_on=args.split_on, watch=args.watch,
                        store=not args.no_store, lang=args.lang, templates_dirs=list(args.templates),
                        poll_seconds=args.poll, stop_after_idle=args.stop_after_idle,
                        page_timeout=args.page_timeout)
    from scanner_app.progress import progress_bar

    label = "Đang xử lý hàng loạt / batch"
    if args.watch:
        print(f"Đang theo dõi / watching {args.src} — Ctrl+C để kết thúc / to finish", file=sys.stderr)
        result = BatchRunner(opts).run()
    else:
        total = sum(1 for p in args.src.iterdir() if p.is_file()) if args.src.is_dir() else 0
        with progress_bar(label, total) as progress:
            result = BatchRunner(opts, progress=progress).run()
    print(f"Xong / done: {result.dossiers} hồ sơ, {result.documents} tài liệu, {result.pages} trang "
          f"({result.processed} trang mới xử lý / newly processed, {result.blank} trang trắng / blank, "
          f"{result.errors} lỗi / errors) → {args.out}", file=sys.stderr)
    if result.report:
        print(f"Báo cáo / report: {result.report} , {result.report.with_suffix('.html')}", file=sys.stderr)
    return 0 if result.errors == 0 else 1
