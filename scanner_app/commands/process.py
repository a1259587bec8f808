"""`sohoa process INPUT... --out DIR`: scans and PDFs into searchable PDF/A-2b + result JSON."""
from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

from exports.store import open_store
from ocr import imageio
from ocr.errors import OutputError, SohoaError
from ocr.model import ProcessedPage
from ocr.pipeline import PageJob, PipelineOptions
from scanner_app import road
from scanner_app.progress import progress_bar

log = logging.getLogger(__name__)


def add_parser(sub) -> None:
    p = sub.add_parser("process", help="xử lý ảnh quét/PDF thành PDF/A tìm kiếm được + JSON / process scans")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="ảnh, PDF hoặc thư mục / image, PDF or folder")
    p.add_argument("--out", required=True, type=Path, help="thư mục kết quả / output folder")
    p.add_argument("--form", default="auto", help="auto hoặc mã mẫu (ct01, khai_sinh, cccd, van_ban ...)")
    p.add_argument("--templates", type=Path, action="append", default=[], metavar="DIR",
                   help="thư mục mẫu YAML bổ sung / extra template folder")
    p.add_argument("--jobs", type=int, default=None, help="số tiến trình song song / parallel processes")
    p.add_argument("--lang", default="vie", help="ngôn ngữ Tesseract / Tesseract languages (vie, vie+eng)")
    p.add_argument("--force-ocr", action="store_true", help="nhận dạng lại cả PDF đã có chữ / OCR text PDFs too")
    p.add_argument("--lossless", action="store_true", help="lưu ảnh không nén mất dữ liệu / lossless images")
    p.add_argument("--overwrite", action="store_true", help="ghi đè kết quả cũ / overwrite existing outputs")
    p.add_argument("--no-store", action="store_true", help="không ghi vào kho hồ sơ / skip the dossier store")
    road.add_page_timeout_argument(p)
    p.set_defaults(run=run)


@dataclass
class InputDoc:
    path: Path
    stem: str
    page_count: int = 0
    pages: list[ProcessedPage] = field(default_factory=list)
    error: SohoaError | None = None


def expand_inputs(inputs: list[str]) -> list[Path]:
    """Files as given; a folder contributes each of its files (sorted, hidden ones skipped)."""
    out: list[Path] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")))
        else:
            out.append(path)
    return out


def check_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".sohoa-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"Không ghi được vào thư mục kết quả {folder} ({exc.strerror})",
                          "output folder is not writable") from None


def run(args) -> int:
    check_writable(args.out)
    options = road.pipeline_options(args)
    if args.form != "auto" or args.templates:
        from templates import load_templates

        known = {t.id for t in load_templates(options.templates_dirs)}
        if args.form != "auto" and args.form not in known:
            raise SohoaError(f"Không có mẫu '{args.form}' (có: {', '.join(sorted(known))})", "unknown form id")

    docs = [InputDoc(path=p, stem=p.stem) for p in expand_inputs(args.inputs)]
    for doc in docs:
        try:
            doc.page_count = imageio.count_pages(doc.path)
        except SohoaError as exc:
            doc.error = exc
    jobs = [PageJob(str(d.path), i) for d in docs if d.error is None for i in range(d.page_count)]
    by_path = {str(d.path): d for d in docs}
    store = None if args.no_store else open_store()
    failures = [d for d in docs if d.error]
    for d in failures:
        _report(d.error)

    with progress_bar("Đang xử lý / processing", len(jobs)) as progress:
        for job, result in road.recognise(jobs, options, progress, total=len(jobs)):
            doc = by_path[job.source]
            if doc.error:
                continue
            if isinstance(result, SohoaError):
                doc.error = result
                doc.pages.clear()
                failures.append(doc)
                _report(result)
                continue
            doc.pages.append(result)
            if len(doc.pages) == doc.page_count:
                try:
                    _finish(doc, args, options, store)
                except SohoaError as exc:
                    failures.append(doc)
                    _report(exc)
                except Exception:  # a bug: logged with context, the other documents go on
                    log.exception("unexpected error while finishing %s", doc.path)
                    failures.append(doc)
                    _report(SohoaError("Lỗi không mong đợi khi lưu tài liệu (đã ghi nhật ký)",
                                       "unexpected error, logged", path=str(doc.path)))
                doc.pages = []  # free the encoded images as soon as the document is written
    ok = len(docs) - len(failures)
    print(f"Xong / done: {ok}/{len(docs)} tài liệu → {args.out}", file=sys.stderr)
    return 0 if not failures else 1


def _finish(doc: InputDoc, args, options: PipelineOptions, store) -> None:
    road.finish(doc.stem, [str(doc.path)], doc.pages, options, args.out, overwrite=args.overwrite, store=store)


def _report(error: SohoaError) -> None:
    print(f"Lỗi / error: {error.message}", file=sys.stderr)
