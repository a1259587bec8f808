"""`sohoa scan --device DEV [--source ADF|Flatbed] [--pages N] --out DIR`: scan one document headless.

Same acquisition code as the app: each page is written to DIR as it arrives (PNG with its
dpi, so nothing is lost if the feeder jams later), then all pages are processed as one
document and saved as `DIR/<stem>.pdf` + `.json`.
"""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from ocr.errors import DeviceError, SohoaError
from ocr.model import PageImage


def add_parser(sub) -> None:
    p = sub.add_parser("scan", help="quét một tài liệu từ máy quét / scan one document from a scanner")
    p.add_argument("--device", required=True, help="tên thiết bị SANE, ví dụ test:0 / SANE device name")
    p.add_argument("--source", default="Flatbed", help="ADF | ADF Duplex | Flatbed")
    p.add_argument("--pages", type=int, default=None, help="số trang tối đa / at most N pages")
    p.add_argument("--out", required=True, type=Path, help="thư mục kết quả / output folder")
    p.add_argument("--resolution", type=int, default=300, choices=(200, 300), help="dpi")
    p.add_argument("--mode", default="Color", choices=("Color", "Gray"), help="màu / colour mode")
    p.add_argument("--page-size", default="A4", help="khổ giấy / page size (A4, A5, Letter, Legal)")
    p.add_argument("--name", default=None, help="tên tệp kết quả / output file stem")
    p.add_argument("--lang", default="vie", help="ngôn ngữ Tesseract / Tesseract languages")
    p.add_argument("--jobs", type=int, default=None, help="số tiến trình song song / parallel processes")
    p.add_argument("--no-process", action="store_true", help="chỉ quét, không nhận dạng / scan only")
    p.add_argument("--no-store", action="store_true", help="không ghi vào kho hồ sơ / skip the dossier store")
    p.add_argument("--overwrite", action="store_true", help="ghi đè kết quả cũ / overwrite existing outputs")
    from scanner_app.road import add_page_timeout_argument

    add_page_timeout_argument(p)
    p.set_defaults(run=run)


def write_page_png(page: PageImage, path: Path) -> None:
    """One scanned page as PNG with its resolution, written atomically."""
    from PIL import Image

    from exports.files import atomic_write

    rgb = page.pixels if page.pixels.ndim == 2 else page.pixels[:, :, ::-1]
    with atomic_write(path, "wb") as fh:
        Image.fromarray(rgb).save(fh, format="PNG", dpi=(page.dpi, page.dpi))


def acquire(device_name: str, profile, out: Path, stem: str, report=print) -> tuple[list[PageImage], DeviceError | None]:
    """Scan into `out/<stem>-pNNN.png`; pages delivered before an error are kept and returned with it."""
    from scanner_app.devices import open_device

    pages: list[PageImage] = []
    error = None
    with open_device(device_name) as dev:
        try:
            for page in dev.scan(profile):
                path = out / f"{stem}-p{len(pages) + 1:03d}.png"
                write_page_png(page, path)
                page.source = str(path)
                pages.append(page)
                report(f"Trang {len(pages)} / page {len(pages)}: {path.name} "
                       f"({page.pixels.shape[1]}×{page.pixels.shape[0]} px, {page.dpi:.0f} dpi)")
        except DeviceError as exc:
            if not pages:
                raise
            error = exc
    return pages, error


def run(args) -> int:
    from scanner_app.commands.process import check_writable
    from scanner_app.devices import ScanProfile

    check_writable(args.out)
    profile = ScanProfile(resolution=args.resolution, mode=args.mode, source=args.source,
                          page_size=args.page_size, max_pages=args.pages)
    stem = args.name or datetime.now().strftime("scan-%Y%m%d-%H%M%S")

    def report(msg: str) -> None:
        print(msg, file=sys.stderr)

    pages, error = acquire(args.device, profile, args.out, stem, report)
    if error is not None:
        print(f"Lỗi / error: {error.message} — đã giữ {len(pages)} trang đã quét / kept the pages scanned",
              file=sys.stderr)
    if args.no_process:
        return 0 if error is None else 1
    pdf_path, json_path = process_and_save(pages, args, stem)
    print(f"Xong / done: {len(pages)} trang → {pdf_path} , {json_path.name}", file=sys.stderr)
    return 0 if error is None else 1


def process_and_save(pages: list[PageImage], args, stem: str):
    from scanner_app import road
    from scanner_app.progress import progress_bar

    options = road.pipeline_options(args)
    with progress_bar("Đang xử lý / processing", len(pages)) as progress:
        processed = road.recognise_images(pages, options, progress)
    store = None
    if not args.no_store:
        from exports.store import open_store

        try:
            store = open_store()
        except SohoaError as exc:
            print(f"Cảnh báo / warning: {exc.message}", file=sys.stderr)
    saved = road.finish(stem, [p.source for p in pages], processed, options, args.out, overwrite=args.overwrite,
                        store=store)
    return saved.pdf, saved.json
