"""Batch orchestration: stack -> page pipeline -> journal -> splitter -> documents, dossiers, report.

The coordinator (this process) owns the journal, the splitting and the writing; the page work
(clean -> OCR -> barcodes) runs in the lead's local process pool (`ocr.pipeline.run_jobs`) or on
Dask workers (`distributed.Client`, possibly on other PCs). Every page result is committed to
the journal as soon as it arrives, in whatever order; the splitter then sees pages strictly in
scan order, replaying finished pages from the journal, so a resumed run makes the same
decisions and writes the same files as an uninterrupted one.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from ocr.errors import SohoaError
from ocr.model import ProcessedPage
from ocr.pipeline import PageJob, PipelineOptions
from ocr.textnorm import nfc
from scanner_app import road
from scanner_app.batch import split
from scanner_app.batch.journal import DIRNAME, Journal, page_key
from scanner_app.batch.report import write_reports
from scanner_app.dossier import dossier_data, document_summary, write_dossier_json

log = logging.getLogger(__name__)



@dataclass
class BatchOptions:
    src: Path
    out: Path
    jobs: Optional[int] = None
    executor: str = "local"  # "local" | "dask"
    scheduler: Optional[str] = None  # Dask scheduler address; None with dask = a LocalCluster here
    split_on: str = "qr"
    watch: bool = False
    store: bool = True
    lang: str = "vie"
    templates_dirs: list[Path] = field(default_factory=list)
    poll_seconds: float = 1.0
    stop_after_idle: Optional[float] = None  # watch mode: stop after this many seconds without new files
    dask_retries: int = 3
    page_timeout: Optional[float] = PipelineOptions.page_timeout


@dataclass
class BatchResult:
    dossiers: int = 0
    documents: int = 0
    pages: int = 0
    processed: int = 0  # pages OCR'd in this run
    blank: int = 0
    errors: int = 0
    report: Optional[Path] = None


@dataclass
class _Page:
    """One page of the stack in scan order."""

    name: str  # file name inside SRC_DIR
    idx: int  # page index inside that file
    source: str  # path string shown in outputs
    error: Optional[str] = None  # the file could not even be opened

    @property
    def key(self) -> str:
        return page_key(self.name, self.idx)


def _is_input(path: Path) -> bool:
    return path.is_file() and not path.name.startswith(".") and not path.name.startswith("~")


class BatchRunner:
    def __init__(self, opts: BatchOptions, progress: Optional[Callable[[int, int], None]] = None):
        self.opts = opts
        self.src = Path(opts.src)
        self.out = Path(opts.out)
        self.progress = progress
        self.options = road.pipeline_options(opts)
        self.splitter = split.Splitter(opts.split_on)
        self.journal: Optional[Journal] = None
        self.open_pages: dict[str, ProcessedPage] = {}
        self.dossiers: list[dict] = []
        self.result = BatchResult()
        self._recognize_form = road.form_recognizer(self.options)
        self._store = None
        self._buffer: dict[str, object] = {}  # results that arrived ahead of scan order
        self._fingerprint = ""
        self._summaries: dict[str, list[dict]] = {}  # dossier folder -> its written documents

    # ------------------------------------------------------------------ entry
    def run(self) -> BatchResult:
        if not self.src.is_dir():
            raise SohoaError(f"Không tìm thấy thư mục nguồn {self.src}", "source folder not found", path=str(self.src))
        self.journal = Journal.open(self.out, executor=self.opts.executor)  # creates the output folder, or says why not
        try:
            self._remove_stale_parts()
            self._fingerprint = self._options_fingerprint()
            if self.opts.store:
                self._store = _open_store()
            if self.opts.watch:
                from scanner_app.batch.watch import watch_loop

                watch_loop(self)
            else:
                pages = self._register(self._list_sources())
                self._process(pages)
                self._finish()
        finally:
            self._close_executor()
            self.journal.close()
        return self.result

    # ------------------------------------------------------------------ sources
    def _list_sources(self) -> list[Path]:
        out_resolved = self.out.resolve()
        return sorted((p for p in self.src.iterdir() if _is_input(p) and p.resolve() != out_resolved),
                      key=lambda p: nfc(p.name))

    def _register(self, files: list[Path], first_seq: int = 0) -> list[_Page]:
        """Register files in the journal (page counts cached there) and return their pages in order."""
        known = self.journal.files()
        pages: list[_Page] = []
        with self.journal.transaction():  # one commit for the whole listing, not one per file
            for seq, path in enumerate(files, start=first_seq):
                self._register_one(path, seq, known, pages)
        return pages

    def _register_one(self, path: Path, seq: int, known: dict, pages: list[_Page]) -> None:
        from ocr import imageio

        name = nfc(path.name)
        try:
            st = path.stat()
            row = known.get(name)
            if row and (row.size, row.mtime_ns) == (st.st_size, st.st_mtime_ns):
                count = row.pages  # unchanged since it was counted: no need to open it again
            else:
                count = imageio.count_pages(path)
            self.journal.add_file(name, st.st_size, st.st_mtime_ns, count, seq)
        except SohoaError as exc:
            pages.append(_Page(name, 0, str(path), error=exc.message))
            return
        except OSError as exc:
            pages.append(_Page(name, 0, str(path), error=f"Không đọc được tệp / cannot read file ({exc})"))
            return
        pages.extend(_Page(name, i, str(path)) for i in range(count))

    def journal_pages(self) -> list[_Page]:
        """Pages of files already in the journal, in arrival order (watch mode restart)."""
        rows = sorted(self.journal.files().values(), key=lambda r: r.seq)
        return [_Page(r.name, i, str(self.src / r.name)) for r in rows for i in range(r.pages)]

    # ------------------------------------------------------------------ processing
    def _process(self, pages: list[_Page]) -> None:
        """Process what is not done yet and feed every page, in scan order, to the splitter."""
        states = self.journal.states()
        todo = [p for p in pages if p.error is None and states.get(p.key) != "done"]
        total = len(todo)
        results = self._execute(todo)
        done = 0
        for page in pages:
            if page.error is not None:
                self._feed(page, None, page.error)
                continue
            if states.get(page.key) == "done":
                result = self.journal.load_result(page.name, page.idx)
                if result is None:  # should not happen; redo rather than lose the page
                    result = self._wait_for(page, results)
            else:
                result = self._wait_for(page, results)
                done += 1
                if self.progress:
                    self.progress(done, total)
            if isinstance(result, ProcessedPage):
                self._feed(page, result, None)
            else:
                self._feed(page, None, str(result))

    def _wait_for(self, page: _Page, results: Iterator[tuple[PageJob, object]]):
        """Drain executor results (storing each in the journal) until this page's has arrived."""
        while page.key not in self._buffer:
            job, result = next(results)
            name = Path(job.source).name
            key = page_key(nfc(name), job.index)
            if isinstance(result, ProcessedPage):
                self.journal.store_result(nfc(name), job.index, result)
                self.result.processed += 1
            else:
                self.journal.store_error(nfc(name), job.index, str(result))
            self._buffer[key] = result
        return self._buffer.pop(page.key)

    def _execute(self, todo: list[_Page]) -> Iterator[tuple[PageJob, object]]:
        jobs = [PageJob(p.source, p.idx) for p in todo]
        if not jobs:
            return iter(())
        if self.opts.executor == "dask":
            return self._dask_results(jobs)
        return ((job, (res.message if isinstance(res, SohoaError) else res))
                for job, res in road.recognise(jobs, self.options))

    # ------------------------------------------------------------------ Dask
    _client = None
    _cluster = None

    def _dask_client(self):
        if self._client is None:
            from distributed import Client, LocalCluster

            if self.opts.scheduler:
                try:
                    self._client = Client(self.opts.scheduler, timeout="30s")
                except (OSError, TimeoutError) as exc:
                    raise SohoaError(f"Không kết nối được Dask scheduler {self.opts.scheduler} ({exc}); hãy kiểm tra "
                                     "`dask scheduler` đang chạy và tường lửa mở cổng",
                                     "cannot reach the Dask scheduler") from None
            else:
                self._cluster = LocalCluster(n_workers=self.options.workers, threads_per_worker=1,
                                             processes=True, dashboard_address=None)
                self._client = Client(self._cluster)
        return self._client

    def _close_executor(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def _dask_results(self, jobs: list[PageJob]) -> Iterator[tuple[PageJob, object]]:
        """Results in completion order; a bounded window of tasks keeps memory flat.

        The page file's bytes travel with the task, so workers on other PCs need no shared
        folder. A worker that dies mid-page is handled by the scheduler (the task runs again
        elsewhere); `retries` covers a task that raised, and a future that still fails on the
        coordinator's side is submitted again, so a dying worker never costs a page.
        """
        from distributed import as_completed

        client = self._dask_client()
        nthreads = sum(client.nthreads().values()) or 1
        window = max(4, 3 * nthreads)
        it = iter(jobs)
        futures: dict[str, PageJob] = {}
        run_tag = os.urandom(4).hex()
        counter = itertools.count()
        attempts: dict[int, int] = {}

        def submit(job: PageJob):
            data = Path(job.source).read_bytes()
            fut = client.submit(process_page_bytes, job, data, self.options, pure=False,
                                retries=self.opts.dask_retries, key=f"sohoa-page-{run_tag}-{next(counter)}")
            futures[fut.key] = job
            attempts[id(job)] = attempts.get(id(job), 0) + 1
            return fut

        first = [submit(j) for _, j in zip(range(window), it)]
        ac = as_completed(first)
        for fut in ac:
            job = futures.pop(fut.key)
            try:
                result = fut.result()
            except Exception as exc:  # noqa: BLE001 - the worker side failed, not the page
                if attempts[id(job)] <= self.opts.dask_retries:
                    log.warning("page %s#%d lost on a worker (%s); submitting it again", job.source, job.index, exc)
                    fut.release()
                    ac.add(submit(job))
                    continue
                result = f"Không xử lý được trang / page could not be processed: {exc}"
            fut.release()
            attempts.pop(id(job), None)
            nxt = next(it, None)
            if nxt is not None:
                ac.add(submit(nxt))
            yield job, result

    # ------------------------------------------------------------------ splitting
    def _feed(self, page: _Page, result: Optional[ProcessedPage], error: Optional[str]) -> None:
        if result is not None:
            result.source = page.source  # as named in this run, whatever the journal recorded
        ref = split.classify_page(page.key, page.source, result, error, self.opts.split_on, self._recognize_form)
        self.result.pages += 1
        events = self.splitter.feed(ref)
        doc = self.splitter.doc
        if result is not None and doc is not None and doc.pages and doc.pages[-1] is ref:
            self.open_pages[ref.key] = result
        self._handle(events)

    def _finish(self) -> None:
        self._handle(self.splitter.finish())
        self._write_report()

    def _handle(self, events: list) -> None:
        for ev in events:
            if isinstance(ev, split.DocumentReady):
                self._write_document(ev.dossier, ev.doc)
            elif isinstance(ev, split.DossierClosed):
                self._write_dossier(ev.dossier)

    # ------------------------------------------------------------------ writing
    def _options_fingerprint(self) -> str:
        o = self.options
        return json.dumps([o.lang, o.form, [str(d) for d in o.templates_dirs], o.jpeg_quality, o.lossless,
                           self.opts.split_on])

    def _write_document(self, dossier: split.DossierPlan, plan: split.DocPlan) -> None:
        pages = [self.open_pages.pop(r.key) for r in plan.pages]
        sources = list(dict.fromkeys(p.source for p in pages))
        folder = self.out / plan.folder
        rel = f"{plan.folder}/{plan.stem}"
        signature = hashlib.sha256(json.dumps([[r.key for r in plan.pages], dossier.code, self._fingerprint])
                                   .encode()).hexdigest()
        pdf_path, json_path = folder / f"{plan.stem}.pdf", folder / f"{plan.stem}.json"
        previous = self.journal.document(rel)
        doc = None
        if previous and previous[0] == signature and pdf_path.exists() and json_path.exists():
            summary, stored = previous[1], previous[2]
        else:
            summary = document_summary(plan.ordinal, pdf_path, json_path, pages)
            try:
                saved = road.finish(plan.stem, sources, pages, self.options, folder, overwrite=True,
                                    creation_date=dt.datetime.fromisoformat(self.journal.created))
                doc = saved.document
            except SohoaError as exc:
                summary["error"] = exc.message
                self.result.errors += 1
                self._summaries.setdefault(dossier.folder, []).append(summary)
                return
            summary = document_summary(plan.ordinal, pdf_path, json_path, pages, doc)
            stored = False
        if self._store is not None and not stored:
            if doc is None:
                doc = road.assemble(plan.stem, sources, pages, self.options)
            _, error = road.record(self._store, road.SavedDocument(doc, pdf_path, json_path), dossier_code=dossier.code)
            stored = error is None
        self.journal.record_document(rel, signature, summary, stored)
        self.result.documents += 1
        self._summaries.setdefault(dossier.folder, []).append(summary)

    def _write_dossier(self, dossier: split.DossierPlan) -> None:
        docs = self._summaries.pop(dossier.folder, [])
        data = dossier_data(
            dossier.code, dossier.code_status, dossier.folder, self.journal.created, docs,
            cover_page=_ref_src(dossier.cover) if dossier.cover else None,
            blank=[_ref_src(r) for r in dossier.blank], separators=[_ref_src(r) for r in dossier.separators],
            extra_covers=[_ref_src(r) for r in dossier.extra_covers],
            bad_pages=[{"source": _ref_src(r), "error": r.error} for r in dossier.errors], notes=dossier.notes)
        write_dossier_json(self.out / dossier.folder, data)
        self.dossiers.append(data)
        self.result.dossiers += 1
        self.result.blank += len(dossier.blank)
        self.result.errors += len(dossier.errors)

    def _write_report(self) -> None:
        totals = {"dossiers": self.result.dossiers, "documents": self.result.documents, "pages": self.result.pages,
                  "blank": self.result.blank, "errors": self.result.errors}
        csv_path, _ = write_reports(self.out, self.dossiers, created=self.journal.created, totals=totals)
        self.result.report = csv_path

    def _remove_stale_parts(self) -> None:
        """Temporary files of atomic writes cut short by a kill: never part of the output."""
        for folder in [self.out, *(p for p in self.out.iterdir() if p.is_dir() and p.name != DIRNAME)]:
            for part in folder.glob(".*.part"):
                try:
                    part.unlink()
                except OSError:
                    pass


def _ref_src(ref: split.PageRef) -> dict:
    name, _, idx = ref.key.rpartition("#")
    return {"file": ref.source, "page": int(idx) + 1}


def _open_store():
    from exports.store import open_store

    return open_store()


def process_page_bytes(job: PageJob, data: bytes, options: PipelineOptions):
    """The Dask task: the page's file travels as bytes, is written to a temporary file on the
    worker, and goes through the lead's `process_page`. Returns a ProcessedPage, or an error
    message (str) for a page that cannot be processed, which is not worth retrying."""
    import tempfile

    from ocr.pipeline import process_page

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    suffix = Path(job.source).suffix
    fd, tmp = tempfile.mkstemp(prefix="sohoa-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            page = process_page(PageJob(tmp, job.index), options)
        except SohoaError as exc:
            return f"{exc.vi} / {exc.en}" if exc.en else exc.vi
        page.source = job.source
        return page
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
