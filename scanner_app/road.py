"""One road for a document: page images from any door -> recognised -> understood -> saved -> recorded.

Every door (`sohoa process`, `sohoa scan`, `sohoa batch` and its watched folder, the app) goes
through here and keeps no copy of the road:

    recognise()  page jobs -> ProcessedPage or SohoaError, in order (ocr.pipeline's pool,
                 with its per-page deadline), with progress and cancel hooks
    assemble()   pages -> Document (form recognised, fields extracted and validated: templates/)
    save()       Document -> STEM.pdf + STEM.json (exports/), then the dossier-store record
    finish()     assemble() + save(): what a door calls once a document's pages are in

This module sits above `ocr/`, `templates/` and `exports/`; none of them imports it.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from ocr.errors import SohoaError
from ocr.model import Document, PageImage, ProcessedPage
from ocr.pipeline import JobResult, PageJob, PipelineOptions, Progress, run_jobs

log = logging.getLogger(__name__)


class Cancelled(SohoaError):
    def __init__(self) -> None:
        super().__init__("Đã hủy xử lý", "processing cancelled")


@dataclass
class SavedDocument:
    document: Document
    pdf: Path
    json: Path
    store_id: Optional[int] = None
    store_error: Optional[SohoaError] = None  # files written, but the store could not record them


def pipeline_options(source) -> PipelineOptions:
    """The one place options are built, from CLI arguments, the app's settings or a batch
    configuration: any object naming its settings as the options do (`templates` or
    `templates_dirs`; a missing one keeps its default, 0 jobs = one per CPU)."""
    default = PipelineOptions()
    dirs = getattr(source, "templates_dirs", None) or getattr(source, "templates", None) or []
    return PipelineOptions(
        lang=getattr(source, "lang", None) or default.lang,
        jobs=getattr(source, "jobs", None) or None,
        force_ocr=bool(getattr(source, "force_ocr", default.force_ocr)),
        templates_dirs=[Path(d) for d in dirs],
        form=getattr(source, "form", None) or default.form,
        lossless=bool(getattr(source, "lossless", default.lossless)),
        page_timeout=getattr(source, "page_timeout", default.page_timeout),
    )


def add_page_timeout_argument(parser) -> None:
    parser.add_argument("--page-timeout", type=float, default=PipelineOptions.page_timeout, metavar="SECONDS",
                        help="thời hạn xử lý một trang, 0 = không giới hạn / deadline per page, 0 = none")


def recognise(jobs: Iterable[PageJob], options: PipelineOptions, progress: Optional[Progress] = None,
              cancel: Optional[threading.Event] = None,
              total: Optional[int] = None) -> Iterator[tuple[PageJob, JobResult]]:
    """Page results in input order; a set `cancel` stops before the next page is handed out."""
    for job, result in run_jobs(jobs, options, progress, total=total):
        yield job, result
        if cancel is not None and cancel.is_set():
            return


def recognise_images(images: list[PageImage], options: PipelineOptions, progress: Optional[Progress] = None,
                     cancel: Optional[threading.Event] = None) -> list[ProcessedPage]:
    """Pages already in memory (a scanner's); raises the first page error."""
    out = []
    for _job, result in recognise([PageJob(img.source, img.index, img) for img in images], options,
                                  progress, cancel):
        if isinstance(result, SohoaError):
            raise result
        out.append(result)
    if len(out) < len(images):
        raise Cancelled()
    return out


def assemble(stem: str, sources: list[str], pages: list[ProcessedPage], options: PipelineOptions) -> Document:
    """Pages into a document, understood: which form, which field values, valid or not."""
    from templates import understand

    for number, page in enumerate(pages, start=1):
        for barcode in page.barcodes:
            barcode.page = number
    doc = Document(stem=stem, source=list(sources), pages=list(pages))
    understand(doc, templates_dirs=options.templates_dirs, form=options.form)
    return doc


def save(doc: Document, out_dir: Path, stem: str, *, overwrite: bool = False,
         creation_date: Optional[datetime] = None, store=None, dossier_code: Optional[str] = None,
         user: Optional[str] = None) -> SavedDocument:
    """PDF/A + JSON written atomically, then the store record (when a store is given): the
    document is written whole or not at all (files removed when the store refuses it)."""
    from exports.save import save_document

    from exports.save import discard

    pdf, js = save_document(doc, out_dir, stem, overwrite=overwrite, creation_date=creation_date)
    saved = SavedDocument(doc, pdf, js)
    if store is not None:
        saved.store_id, saved.store_error = record(store, saved, dossier_code=dossier_code, user=user)
        if saved.store_error is not None:  # whole or nothing: a re-run writes it again, not as -2
            discard(pdf, js)
            raise saved.store_error
    return saved


def record(store, saved: SavedDocument, *, dossier_code: Optional[str] = None,
           user: Optional[str] = None) -> tuple[Optional[int], Optional[SohoaError]]:
    """The store record of written files; a store fault is returned, the files stay."""
    kw = {"dossier_code": dossier_code}
    if user is not None:
        kw["user"] = user
    try:
        return store.record_document(saved.document, saved.pdf, saved.json, **kw), None
    except SohoaError as exc:
        log.warning("store: %s", exc.message)
        return None, exc


def finish(stem: str, sources: list[str], pages: list[ProcessedPage], options: PipelineOptions,
           out_dir: Path, **save_kw) -> SavedDocument:
    """A document whose pages are all recognised: understood, written, recorded."""
    return save(assemble(stem, sources, pages, options), out_dir, stem, **save_kw)


def form_recognizer(options: PipelineOptions) -> Callable[[ProcessedPage], tuple[Optional[str], float]]:
    """One page's form by the templates, loaded once for the whole stack."""
    from templates import load_templates, recognize

    loaded: list = []

    def recognize_form(page: ProcessedPage) -> tuple[Optional[str], float]:
        if not loaded:
            loaded.append(load_templates(options.templates_dirs))
        return recognize([page.ocr], page.barcodes, templates=loaded[0])

    return recognize_form
