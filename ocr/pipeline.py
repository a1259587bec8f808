"""The per-page job (load -> clean -> OCR -> barcodes -> encode) and the executor that runs it.

The CLI, the desktop app and batch all go through here. Pages run in a process pool
(one Tesseract thread per process, parallel over pages, as OCRmyPDF does); results come
back in input order through a bounded window, so memory stays flat however long the run.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Union

import cv2
import numpy as np
from PIL import Image

from ocr import imageio
from ocr.cleanup import clean_page
from ocr.correct import page_corrector
from ocr.engine import ocr_image
from ocr.errors import BadInputError, SohoaError
from ocr.form_lines import find_box_rows, remove_rules_and_leaders, reread_boxed_digits
from ocr.layout import column_order, page_regions
from ocr.model import Barcode, CleanPage, OcrPage, PageImage, ProcessedPage

Progress = Callable[[int, int], None]


@dataclass
class PipelineOptions:
    lang: str = "vie"
    jobs: Optional[int] = None  # None = CPU count
    force_ocr: bool = False  # OCR pages of PDFs that already carry text
    templates_dirs: list[Path] = field(default_factory=list)
    form: str = "auto"  # "auto" or a form id to force
    page_timeout: Optional[float] = 120.0  # seconds one page may take (clean + OCR); None = no limit
    jpeg_quality: int = 75  # pages we must resample (turned, deskewed, cropped); OCRmyPDF uses 75 too
    lossless: bool = False  # archive images as PNG instead of JPEG
    correct_text: bool = True  # tone marks corrected by the syllable model (ocr/correct.py)

    @property
    def workers(self) -> int:
        return max(1, self.jobs or os.cpu_count() or 1)


@dataclass
class PageJob:
    """One page to process: a page of a file, or an already acquired image (scanner)."""

    source: str
    index: int = 0
    image: Optional[PageImage] = None
    upright: bool = False  # the officer turned the page: keep the turn, no automatic orientation


JobResult = Union[ProcessedPage, SohoaError]


def process_page(job: PageJob, options: PipelineOptions) -> ProcessedPage:
    """Load, clean, OCR and encode one page. Runs in a worker process; must stay picklable."""
    page = job.image if job.image is not None else imageio.load_page(job.source, job.index)
    if page.embedded_words and not options.force_ocr:
        clean = _as_clean(page)
        ocr = OcrPage(width=clean.archive.shape[1], height=clean.archive.shape[0],
                      words=page.embedded_words)
    else:
        clean = clean_page(page, detect_orientation=not job.upright)
        ocr = (OcrPage(width=clean.ocr_image.shape[1], height=clean.ocr_image.shape[0])
               if clean.blank else _ocr(clean, options))
    barcodes = [] if clean.blank else _barcodes(clean.archive)
    data, fmt = _original_jpeg(page, clean) or encode_archive(clean, options)
    height, width = clean.archive.shape[:2]
    return ProcessedPage(
        source=page.source, source_index=page.index, width=width, height=height, dpi=clean.dpi,
        image=data, image_format=fmt, ocr=ocr, rotation=clean.rotation,
        skew_deg=round(clean.skew_deg, 2), blank=clean.blank, crop_box=clean.crop_box,
        barcodes=barcodes, text_from_pdf=bool(page.embedded_words and not options.force_ocr),
        regions=page_regions(ocr, clean.seals))


def _ocr(clean: CleanPage, options: PipelineOptions) -> OcrPage:
    """One Tesseract pass on the page without the form's printed lines, in reading order.

    Dot leaders, rules and digit-box borders are erased from the OCR image only (OCR reads
    them as letters); digits typed in boxes are re-read compacted, on pages that have them.
    """
    rows = find_box_rows(clean.ocr_image, clean.dpi)
    prepared = remove_rules_and_leaders(clean.ocr_image, clean.dpi, box_rows=rows)
    corrector = page_corrector() if options.correct_text and options.lang.split("+")[0] == "vie" else None
    ocr = reread_boxed_digits(_read_enlarged_if_coarse(prepared, clean.dpi, options.lang, corrector),
                              clean.ocr_image, clean.dpi, options.lang, box_rows=rows)
    return column_order(ocr)


#: Pages below this resolution (phone shots, 70-100 dpi web images of letters) are read from an
#: enlarged copy: Tesseract wants letters some 20 px tall, such a page has 8-12.
MIN_OCR_DPI = 150
ENLARGED_DPI = 300


def _read_enlarged_if_coarse(grey: np.ndarray, dpi: float, lang: str, corrector) -> OcrPage:
    """OCR of `grey`; a coarse page is read enlarged and its word boxes brought back to its grid."""
    if dpi >= MIN_OCR_DPI or dpi <= 0:
        return ocr_image(grey, dpi, lang, corrector=corrector)
    scale = min(4.0, ENLARGED_DPI / dpi)
    big = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    read = ocr_image(big, dpi * scale, lang, corrector=corrector)
    height, width = grey.shape[:2]

    def back(v: int, limit: int) -> int:
        return max(0, min(limit, int(round(v / scale))))

    words = [replace(w, bbox=(back(w.bbox[0], width), back(w.bbox[1], height), back(w.bbox[2], width),
                              back(w.bbox[3], height))) for w in read.words]
    return OcrPage(width=width, height=height, words=words)


def _as_clean(page: PageImage) -> CleanPage:
    """A born-digital PDF page is already clean: geometry must stay as its text layer says."""
    grey = page.pixels if page.pixels.ndim == 2 else cv2.cvtColor(page.pixels, cv2.COLOR_BGR2GRAY)
    return CleanPage(archive=page.pixels, ocr_image=grey, dpi=page.dpi)


def _barcodes(image: np.ndarray) -> list[Barcode]:
    from ocr.barcodes import find_barcodes

    # page number is filled in when pages are put into a document
    return [Barcode(page=0, format=fmt, text=text, bbox=bbox) for fmt, text, bbox in find_barcodes(image)]


def _original_jpeg(page: PageImage, clean: CleanPage) -> Optional[tuple[bytes, str]]:
    """The scanner's own JPEG when cleanup left the pixels untouched: no second lossy
    encoding, a smaller PDF, and no time spent encoding."""
    if clean.archive is not page.pixels or clean.bitonal or page.index != 0 or page.embedded_words:
        return None
    try:
        with open(page.source, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    if data[:3] != b"\xff\xd8\xff" or data[-2:] != b"\xff\xd9":
        return None
    return optimize_jpeg(data), "jpeg"


def optimize_jpeg(data: bytes) -> bytes:
    """The same JPEG with optimal Huffman tables and progressive scans (MozJPEG's lossless
    transcoding, in-process): the same DCT coefficients, so pixel for pixel the same image,
    ~14 % smaller for a scanner's JPEG, ~0.2 s for an A4 page. The bytes as they were when the
    transcoder refuses them or would not make them smaller."""
    import mozjpeg_lossless_optimization as mozjpeg

    try:
        out = mozjpeg.optimize(data, copy=mozjpeg.COPY_MARKERS.NONE)
    except ValueError:
        return data
    return out if out[:3] == b"\xff\xd8\xff" and len(out) < len(data) else data


def encode_archive(clean: CleanPage, options: PipelineOptions) -> tuple[bytes, str]:
    """The archive image as bytes: JPEG for colour/grey, 1-bit PNG for black-and-white pages."""
    img = clean.archive
    if clean.bitonal:
        grey = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        return _png(Image.fromarray(grey > 127).convert("1"), clean.dpi), "png"
    if options.lossless:
        rgb = img if img.ndim == 2 else img[:, :, ::-1]
        return _png(Image.fromarray(rgb), clean.dpi), "png"
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, options.jpeg_quality,
                                         cv2.IMWRITE_JPEG_OPTIMIZE, 1])
    if not ok:
        raise SohoaError("Không mã hóa được ảnh trang", "cannot encode page image")
    return _set_jfif_dpi(buf.tobytes(), clean.dpi), "jpeg"


def _png(img: Image.Image, dpi: float) -> bytes:
    import io

    out = io.BytesIO()
    img.save(out, format="PNG", dpi=(dpi, dpi), optimize=True)
    return out.getvalue()


def _set_jfif_dpi(jpeg: bytes, dpi: float) -> bytes:
    """Write the resolution into the JFIF APP0 header OpenCV emits (units=1: dots per inch)."""
    if jpeg[2:4] == b"\xff\xe0" and jpeg[6:11] == b"JFIF\x00":
        d = int(round(dpi)).to_bytes(2, "big")
        return jpeg[:13] + b"\x01" + d + d + jpeg[18:]
    return jpeg


# ---------------------------------------------------------------- executor


def _init_worker(run_pid: Optional[int] = None) -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    cv2.setNumThreads(1)
    if run_pid is not None:
        _die_with_run(run_pid)


def _die_with_run(run_pid: int) -> None:
    """A worker must not outlive its run (kill -9 of `process` or `batch`): its parent is the
    forkserver, which itself waits for its children, so the worker watches the run's process
    and leaves when it is gone. Linux only (/proc); on Windows the pool's pipes end idle workers."""
    if not sys.platform.startswith("linux"):
        return
    import threading

    born = _start_time(run_pid)
    if born is None:
        os._exit(1)

    def watch() -> None:
        while _start_time(run_pid) == born:  # a reused pid has another start time
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="sohoa-run-watch", daemon=True).start()


def _start_time(pid: int) -> Optional[str]:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] == b"Z" else fields[19].decode()


def _pool(workers: int) -> ProcessPoolExecutor:
    # forkserver: safe from threaded parents (the Qt app), cheaper than spawn; Windows has spawn only.
    method = "forkserver" if sys.platform.startswith("linux") else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        # the forkserver imports the page code once; each pool's workers then start with it
        # loaded (a pool per run of pages: the app's one-page runs would pay the imports each time)
        context.set_forkserver_preload(["ocr.pipeline"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_init_worker, initargs=(os.getpid(),))
    if sys.platform == "win32":
        _one_byte_wakeups(pool)
    return pool


def _worker_ready() -> bool:
    time.sleep(0.05)  # long enough that each worker of the pool takes one
    return True


#: Longest wait for a new pool's workers to start (a cold start on a slow Windows PC: seconds).
WARM_UP_LIMIT = 300.0


def _warm_up(pool: ProcessPoolExecutor, workers: int) -> None:
    """Workers started (and the page code imported) before any page's deadline begins: starting
    processes is the machine's cost, not the page's (spawn on Windows, more under antivirus)."""
    ready = [pool.submit(_worker_ready) for _ in range(workers)]
    try:
        for fut in ready:
            fut.result(timeout=WARM_UP_LIMIT)
    except (FutureTimeout, BrokenProcessPool):
        pass  # the pages' own deadlines and the broken-pool handling take it from here


def _one_byte_wakeups(pool: ProcessPoolExecutor) -> None:
    """The pool wakes its manager thread with an EMPTY message on a Windows message pipe at each
    submit. Zero-length pipe messages are the fragile corner of Windows pipes: under Wine a
    readiness check (a zero-byte overlapped ReadFile) swallows them, the manager thread then
    blocks reading a wake-up that is gone, no page reaches the workers and the run hangs with
    idle workers (the frozen `sohoa.exe process` with its default workers; --jobs 1 with a single
    page got through). The manager only drains these messages, never reads them: one byte each
    is the same signal without the corner."""
    wakeup = getattr(pool, "_executor_manager_thread_wakeup", None)  # CPython 3.9+; else left alone
    writer = getattr(wakeup, "_writer", None)
    if writer is None:
        return
    send = writer.send_bytes

    def send_bytes(buf, *args, **kwargs):
        return send(buf if len(buf) else b"\0", *args, **kwargs)

    writer.send_bytes = send_bytes


def run_jobs(jobs: Iterable[PageJob], options: PipelineOptions,
             progress: Optional[Progress] = None, total: Optional[int] = None,
             work: Optional[Callable[[PageJob, PipelineOptions], ProcessedPage]] = None,
             ) -> Iterator[tuple[PageJob, JobResult]]:
    """Run page jobs in parallel; yield (job, result or error) in input order.

    A bad page yields its SohoaError instead of stopping the run, so the caller can
    report it and still finish the rest. With a deadline (`options.page_timeout`) pages run
    in worker processes, however many: a page past its limit is the only page lost, its
    pool is killed and the pages then in flight run again in a new one. `work` replaces
    the per-page job (a module-level function: it travels to the workers by name).
    """
    work = work or process_page
    jobs = list(jobs)
    total = total if total is not None else len(jobs)
    done = 0
    if not options.page_timeout and (options.workers == 1 or len(jobs) <= 1):
        for job in jobs:
            result = _safe(job, options, work)
            done += 1
            if progress:
                progress(done, total)
            yield job, result
        return
    window = options.workers * 2
    position = 0  # next job to yield
    careful_until = 0  # after a worker died: one page at a time up to here, to find the culprit
    while position < len(jobs):
        pool = _pool(min(options.workers, len(jobs) - position))
        clean_exit = False
        try:
            if options.page_timeout:
                _warm_up(pool, min(options.workers, len(jobs) - position))
            pending: list[tuple[int, Future, float]] = []
            nxt = position
            head_since = time.monotonic()  # when the page now first in line became first
            overdue = False
            try:
                while position < len(jobs):
                    limit = 1 if position < careful_until else window
                    while nxt < len(jobs) and len(pending) < limit:
                        pending.append((nxt, pool.submit(_safe, jobs[nxt], options, work), time.monotonic()))
                        nxt += 1
                    index, fut, submitted = pending[0]
                    try:
                        result = fut.result(timeout=_left(options.page_timeout, max(submitted, head_since)))
                    except FutureTimeout:
                        result = _overdue(jobs[index], options.page_timeout)
                        nxt = index + 1  # the pool is killed below; the pages in flight run again
                        pending.clear()
                        overdue = True
                    else:
                        pending.pop(0)
                        overdue = False
                    position += 1
                    done += 1
                    if progress:
                        progress(done, total)
                    yield jobs[index], result
                    head_since = time.monotonic()
                    if overdue:
                        break  # a new pool for the rest
                clean_exit = not overdue
            except BrokenProcessPool:
                # A worker died (crash, out of memory). Pages then in flight are retried one at
                # a time in a new pool; the page that breaks a pool on its own is reported bad.
                if position < careful_until:
                    job = jobs[position]
                    position += 1
                    done += 1
                    if progress:
                        progress(done, total)
                    yield job, BadInputError(f"Trang {job.index + 1} làm dừng tiến trình xử lý "
                                             "(ảnh lỗi hoặc hết bộ nhớ)", "page crashed its worker", path=job.source)
                else:
                    careful_until = nxt
        finally:
            _close(pool, kill=not clean_exit)


def _left(limit: Optional[float], since: float) -> Optional[float]:
    return None if not limit else max(0.0, since + limit - time.monotonic())


def _overdue(job: PageJob, limit: float) -> SohoaError:
    return BadInputError(f"Trang {job.index + 1} xử lý quá {limit:g} giây (nhận dạng hoặc làm sạch bị treo), "
                         "đã bỏ qua trang này", f"page ran past its {limit:g} s deadline and was abandoned",
                         path=job.source)


def _close(pool: ProcessPoolExecutor, kill: bool) -> None:
    """Shut a pool down; `kill` for one left with a stuck or unwanted page: no worker outlives it."""
    if kill:
        processes = list((getattr(pool, "_processes", None) or {}).values())  # stdlib keeps no public handle
        for proc in processes:
            if proc.is_alive():
                proc.kill()
        pool.shutdown(wait=True, cancel_futures=True)
        for proc in processes:
            proc.join(5)
    else:
        pool.shutdown(wait=True)


def _safe(job: PageJob, options: PipelineOptions, work=process_page) -> JobResult:
    where = f"{job.source} (trang {job.index + 1})"
    try:
        return work(job, options)
    except SohoaError as exc:
        return exc
    except (MemoryError, cv2.error, ValueError, OSError) as exc:
        return BadInputError(f"Không xử lý được trang: {exc}", "page could not be processed", path=where)
    except Exception:  # a bug: logged with its traceback; the other pages go on
        logging.getLogger(__name__).exception("unexpected error on %s", where)
        return SohoaError("Lỗi không mong đợi khi xử lý trang (đã ghi nhật ký)", "unexpected error, logged",
                          path=where)
