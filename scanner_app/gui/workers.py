"""Worker threads: scanning, processing, saving and image loading never run on the UI thread.

Each worker talks to the window only through Qt signals (queued across threads), and to
the workspace through its locked methods. Errors an officer can act on arrive as
`failed(str)` with the Vietnamese message; anything else is logged and reported as unexpected.
"""
from __future__ import annotations

import contextlib
import logging
import queue
import threading
from pathlib import Path
from typing import Callable, Iterator, Optional

import cv2
import numpy as np
from PyQt5.QtCore import QObject, QRunnable, QThread, QThreadPool, pyqtSignal
from PyQt5.QtGui import QImage

from ocr.errors import SohoaError
from scanner_app.gui.strings import tr
from scanner_app.workspace import Workspace, dossier_code_in

log = logging.getLogger(__name__)


def _message(exc: BaseException) -> str:
    if isinstance(exc, SohoaError):
        return exc.message
    log.exception("unexpected error in worker", exc_info=exc)
    return tr("unexpected", error=f"{type(exc).__name__}: {exc}")


def to_qimage(arr: np.ndarray) -> QImage:
    """BGR/grey numpy image -> QImage owning its pixels (safe to build off the UI thread)."""
    arr = np.ascontiguousarray(arr)
    h, w = arr.shape[:2]
    if arr.ndim == 2:
        return QImage(arr.data, w, h, arr.strides[0], QImage.Format_Grayscale8).copy()
    rgb = np.ascontiguousarray(arr[:, :, ::-1])
    return QImage(rgb.data, w, h, rgb.strides[0], QImage.Format_RGB888).copy()


def load_scaled(path: Path, max_side: int = 0) -> QImage:
    """Decode an image file (any size) and shrink it to `max_side` pixels; 0 keeps full size."""
    data = np.fromfile(str(path), dtype=np.uint8)  # np.fromfile + imdecode: Unicode paths on Windows
    reduce = cv2.IMREAD_COLOR
    arr = cv2.imdecode(data, reduce)
    if arr is None:
        return QImage()
    if max_side:
        h, w = arr.shape[:2]
        scale = max_side / max(h, w)
        if scale < 1:
            arr = cv2.resize(arr, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
    # the pixmap format the screen uses: converting here keeps QPixmap.fromImage cheap on the UI thread
    return to_qimage(arr).convertToFormat(QImage.Format_RGB32)


class ScanWorker(QThread):
    """Pages from a device (scanner, files, hot folder) into the workspace as they arrive."""

    page_added = pyqtSignal(str)  # page id
    failed = pyqtSignal(str)
    done = pyqtSignal(int)  # pages added

    def __init__(self, workspace: Workspace, device_factory: Callable, profile=None,
                 replace_page: Optional[str] = None, insert_after: Optional[str] = None, keep_blank: bool = False,
                 parent=None) -> None:
        super().__init__(parent)
        self.ws = workspace
        self.device_factory = device_factory  # called in the thread: opening may take seconds
        self.profile = profile
        self.replace_page = replace_page
        self.insert_after = insert_after  # new pages go after this page, in scan order
        self.keep_blank = keep_blank  # the profile keeps blank pages in the PDF
        self.device = None
        self._cancel = threading.Event()
        self.count = 0

    def cancel(self) -> None:
        self._cancel.set()
        dev = self.device
        if dev is not None:
            dev.cancel()

    def run(self) -> None:
        try:
            self.device = self.device_factory()
            if self._cancel.is_set():
                self.device.cancel()
            with self.device as dev:
                for page in dev.scan(self.profile):
                    if self.replace_page:
                        self.ws.replace_scan(self.replace_page, page)
                        pid = self.replace_page
                    else:
                        pid = self.ws.add_scan(page, after=self.insert_after, keep_blank=self.keep_blank)
                        if self.insert_after:
                            self.insert_after = pid
                    self.count += 1
                    self.page_added.emit(pid)
                    if self.replace_page or self._cancel.is_set():
                        break
            for exc in getattr(self.device, "skipped", ()):
                self.failed.emit(_message(exc))
        except Exception as exc:  # shown to the officer; pages already added stay
            self.failed.emit(_message(exc))
        finally:
            self.done.emit(self.count)


class ProcessWorker(QThread):
    """Cleanup + OCR + barcodes of queued pages, then form recognition of finished documents.

    Lives as long as the window. Whatever is queued when it wakes up is processed as one
    batch (a process pool when more than one page), so a feeder's pages overlap.
    """

    page_processed = pyqtSignal(str)
    document_understood = pyqtSignal(int)
    cover_found = pyqtSignal(str)
    progress = pyqtSignal(int, int)
    failed = pyqtSignal(str)
    idle = pyqtSignal()

    def __init__(self, workspace: Workspace, options_factory: Callable, parent=None) -> None:
        super().__init__(parent)
        self.ws = workspace
        self.options_factory = options_factory
        self.queue: "queue.Queue[Optional[str]]" = queue.Queue()
        self.pending: set[str] = set()
        self.busy = False
        self.done_count = 0
        self.total_count = 0
        self._lock = threading.Lock()
        self._understand_requested = threading.Event()
        self._templates = None  # loaded on the first page, for the stack's splitting

    def enqueue(self, page_id: str) -> None:
        with self._lock:
            if page_id in self.pending:
                return
            self.pending.add(page_id)
            self.total_count += 1
        self.queue.put(page_id)

    def request_understanding(self) -> None:
        """Re-run form recognition of changed documents (after reorder/split/merge)."""
        self._understand_requested.set()
        self.queue.put("")

    def stop(self) -> None:
        self.queue.put(None)
        self.wait(10000)

    @property
    def is_busy(self) -> bool:
        with self._lock:
            return self.busy or bool(self.pending)

    def run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            batch = [item] if item else []
            while True:
                try:
                    nxt = self.queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    return
                if nxt:
                    batch.append(nxt)
            with self._lock:
                self.busy = True
            try:
                if batch:
                    self._process(batch)
                self._understand_all()
            except Exception as exc:
                self.failed.emit(_message(exc))
            finally:
                with self._lock:
                    self.busy = False
                    if not self.pending:
                        self.done_count = self.total_count = 0
                if self.queue.empty():
                    self.idle.emit()

    def _process(self, batch: list[str]) -> None:
        from ocr.pipeline import PageJob
        from scanner_app import road

        options = self.options_factory()
        jobs = []
        for pid in batch:
            try:
                img = self.ws.page_image(pid)
            except (KeyError, OSError):
                with self._lock:
                    self.pending.discard(pid)
                continue
            img.source = pid  # the job's source names the workspace page
            page = self.ws.pages.get(pid)
            jobs.append(PageJob(pid, img.index, img, upright=bool(page and page.upright)))
        for job, result in road.recognise(jobs, options):
            pid = job.source
            with self._lock:
                self.pending.discard(pid)
                self.done_count += 1
                done, total = self.done_count, self.total_count
            if isinstance(result, SohoaError):
                self.failed.emit(result.message)
                continue
            try:
                result.source = self.ws.pages[pid].source
            except KeyError:
                continue  # deleted meanwhile
            self.ws.set_processed(pid, result)
            self._split_stack(pid, result, options)
            self.progress.emit(done, total)
            self.page_processed.emit(pid)
            for b in result.barcodes:
                code = dossier_code_in(b.text)
                if code:
                    self.ws.mark_cover(pid, code)
                    self.cover_found.emit(code)
                    break

    def _split_stack(self, pid: str, result, options) -> None:
        """A mixed stack becomes its documents as batch splits it: a page recognised as the first
        page of a known form or a card copy starts a new document (the same rule, `split`)."""
        from scanner_app.batch import split
        from templates import load_templates, recognize

        if self._templates is None:
            self._templates = load_templates(options.templates_dirs)
        ref = split.classify_page(pid, pid, result, None, "qr",
                                  lambda page: recognize([page.ocr], page.barcodes, templates=self._templates))
        if ref.cover is None and split.starts_document(ref):
            self.ws.split_before(pid, undoable=False)

    def _understand_all(self) -> None:
        self._understand_requested.clear()
        options = None
        for i in range(len(self.ws.documents)):
            with self.ws.lock:
                if i >= len(self.ws.documents) or self.ws.documents[i].understood:
                    continue
                ready = self.ws.ready(i)
            if not ready:
                continue
            options = options or self.options_factory()
            if self.ws.understand(i, options):
                self.document_understood.emit(i)


class ExportWorker(QThread):
    """Pack a saved dossier folder into an upload ZIP, signing each PDF when a signer is given."""

    failed = pyqtSignal(str)
    done = pyqtSignal(str)  # the ZIP written

    def __init__(self, folder: Path, out: Path, signer, user: str, parent=None) -> None:
        super().__init__(parent)
        self.folder, self.out, self.signer, self.user = Path(folder), Path(out), signer, user

    def run(self) -> None:
        from exports.package import build_package

        try:
            with dossier_store() as store:
                result = build_package(self.folder, self.out, signer=self.signer, store=store, user=self.user)
        except SohoaError as exc:
            self.failed.emit(exc.message)
            self.done.emit("")
            return
        self.done.emit(str(result.path))


class VerifyWorker(QThread):
    """Check a dossier package as `sohoa verify` does (hashes, listed files, signatures)."""

    failed = pyqtSignal(str)
    done = pyqtSignal(str, bool, list)  # the package, whether it is sound, its report lines

    def __init__(self, path: Path, parent=None) -> None:
        super().__init__(parent)
        self.path = Path(path)

    def run(self) -> None:
        from exports.package import verify_package

        try:
            report = verify_package(self.path)
        except SohoaError as exc:
            self.failed.emit(exc.message)
            self.done.emit(str(self.path), False, [])
            return
        self.done.emit(str(self.path), report.ok, list(report.problems or report.lines))


class ReopenWorker(QThread):
    """A saved dossier folder back into the workspace (`reopen_dossier`), off the UI thread."""

    progress = pyqtSignal(int, int)
    failed = pyqtSignal(str)
    done = pyqtSignal(int)  # documents reopened

    def __init__(self, workspace: Workspace, folder: Path, parent=None) -> None:
        super().__init__(parent)
        self.ws = workspace
        self.folder = Path(folder)
        self.count = 0

    def cancel(self) -> None:
        """Reopening is not interrupted: half a dossier would be worse than waiting for it."""

    def run(self) -> None:
        from scanner_app.dossier import reopen_dossier

        try:
            with dossier_store() as store:
                self.count = reopen_dossier(self.ws, self.folder, store, progress=self.progress.emit)
        except Exception as exc:
            self.failed.emit(_message(exc))
        finally:
            self.done.emit(self.count)


class SaveWorker(QThread):
    """Each document as `<MaHoSo>.<NN>.pdf` + `.json` in `<output>/<MaHoSo>/`, recorded in the store."""

    progress = pyqtSignal(int, int)
    saved = pyqtSignal(int, str)  # document index, pdf path
    failed = pyqtSignal(str)
    done = pyqtSignal(int, str)  # documents saved, folder

    def __init__(self, workspace: Workspace, out_root: Path, options_factory: Callable, user: str,
                 parent=None) -> None:
        super().__init__(parent)
        self.ws = workspace
        self.out_root = Path(out_root)
        self.options_factory = options_factory
        self.user = user
        self._cancel = threading.Event()
        self.count = 0
        self.folder = self.out_root / self.ws.folder_name()
        self.summaries: list[dict] = []

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        from scanner_app import road
        from scanner_app.dossier import document_summary

        total = len(self.ws.documents)
        skipped = 0
        try:
            with dossier_store() as store:
                for i in range(total):
                    if self._cancel.is_set():
                        break
                    self.progress.emit(i, total)
                    with self.ws.lock:
                        d = self.ws.documents[i]
                        need = not d.understood
                    if need:
                        self.ws.understand(i, self.options_factory())
                    if not self.ws.kept_pages(i):
                        skipped += 1  # blank pages only: nothing to save, listed as dropped
                        continue
                    doc = self.ws.document(i)
                    prev = self.ws.documents[i].saved
                    stem = self.ws.stem(i)
                    # overwrite only what this workspace itself wrote before (a re-save after an edit)
                    overwrite = bool(prev and Path(prev["pdf"]).name == f"{stem}.pdf"
                                     and Path(prev["pdf"]).parent == self.folder)
                    saved = road.save(doc, self.folder, stem, overwrite=overwrite, store=store,
                                      dossier_code=self.ws.dossier_code or None, user=self.user)
                    pdf, js, store_id = saved.pdf, saved.json, saved.store_id
                    if store is not None:
                        for c in self.ws.unrecorded(i):
                            store.record_correction(store_id, c["field"], c["old"], c["new"], c["user"])
                            self.ws.mark_recorded(c)
                    self.ws.mark_saved(i, pdf, js, store_id)
                    self.summaries.append(document_summary(i + 1, pdf, js, doc.pages, doc))
                    self.count += 1
                    self.saved.emit(i, str(pdf))
                if self.count + skipped == total and self.count:
                    dossier_json(self.folder, self.ws, self.summaries)
                self.progress.emit(self.count, total)
        except Exception as exc:
            self.failed.emit(_message(exc))
        finally:
            self.done.emit(self.count, str(self.folder))


def dossier_json(folder: Path, ws: Workspace, summaries: list[dict]) -> Path:
    """`<MaHoSo>/dossier.json` with batch's keys, so `sohoa export` packs app and batch output alike."""
    from scanner_app.batch.split import classify_code
    from scanner_app.dossier import dossier_data, write_dossier_json

    found = classify_code(ws.dossier_code) if ws.dossier_code else None
    status = found[1] if found else ("missing" if not ws.dossier_code else "loose")
    return write_dossier_json(folder, dossier_data(ws.dossier_code or None, status, folder.name, ws.created,
                                                   summaries, blank=ws.dropped_blank(), produced_by="sohoa gui",
                                                   corrections=len(ws.corrections)))


def open_store_or_none():
    """The dossier store, or None when it cannot be opened (locked, unwritable): the app
    keeps working on files and says so in the log."""
    from exports.store import open_store

    try:
        return open_store()
    except SohoaError as exc:
        log.warning("dossier store unavailable: %s", exc.message)
        return None


@contextlib.contextmanager
def dossier_store() -> Iterator:
    """`open_store_or_none()` for one operation: the connection is closed after it."""
    store = open_store_or_none()
    try:
        yield store
    finally:
        if store is not None:
            store.close()


class DeviceListWorker(QThread):
    found = pyqtSignal(list)
    failed = pyqtSignal(str)

    def run(self) -> None:
        from scanner_app.devices import list_devices

        try:
            self.found.emit(list_devices())
        except Exception as exc:
            self.failed.emit(_message(exc))


class _Signals(QObject):
    ready = pyqtSignal(str, str, QImage)  # key, kind, image


class ImageLoader(QObject):
    """Thumbnails and page images decoded in the thread pool; results come back as signals."""

    ready = pyqtSignal(str, str, QImage)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self._signals = _Signals()
        self._signals.ready.connect(self.ready)
        self._inflight: set[tuple[str, str, str]] = set()

    def request(self, key: str, kind: str, path: Path, max_side: int = 0) -> None:
        token = (key, kind, str(path))
        if token in self._inflight:
            return
        self._inflight.add(token)
        signals, inflight = self._signals, self._inflight

        class Job(QRunnable):
            def run(self_inner) -> None:
                try:
                    img = load_scaled(path, max_side)
                except Exception:
                    log.exception("cannot load %s", path)
                    img = QImage()
                inflight.discard(token)
                signals.ready.emit(key, kind, img)

        self.pool.start(Job())
