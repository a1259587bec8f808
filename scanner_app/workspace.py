"""The dossier on the counter, independent of any GUI: pages, documents, fields, corrections.

Everything lives in one folder (`<data dir>/workspace/`): `workspace.json` plus one file per
scanned page and per processed page. Page files are written before the JSON that names
them, and the JSON is replaced atomically after every change, so killing the app at any
moment loses at most the page being written; `Workspace.open()` restores the rest (and
adopts scans that were written but not yet listed).

Methods are thread-safe (one re-entrant lock): the app runs heavy ones (`add_scan`,
`set_processed`, `rotate_page`, `understand`) in worker threads and light ones in the UI.
"""
from __future__ import annotations

import dataclasses
import getpass
import json
import logging
import re
import shutil
import threading
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import numpy as np
from PIL import Image, PngImagePlugin

from exports.files import atomic_write
from exports.result_json import field_to_dict
from ocr.model import Barcode, Document, Field, OcrPage, PageImage, ProcessedPage, Word
from ocr.textnorm import collapse_spaces, nfc

log = logging.getLogger(__name__)

SCHEMA = "sohoa.workspace/1"
STATE = "workspace.json"
PAGES = "pages"
OTHER_FORM = "other"  # the officer says: none of the known forms

def dossier_code_in(text: str) -> Optional[str]:
    """The dossier code a QR cover sheet (or typed text) carries; None if it holds none.

    Same rules as batch splitting (strict codes, loosely fitting ones accepted)."""
    from scanner_app.batch.split import classify_code

    found = classify_code(text or "")
    return found[0] if found else None


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (service account, odd Windows setups)
        return "unknown"


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def default_root() -> Path:
    from scanner_app.settings import data_dir

    return data_dir() / "workspace"


@dataclass
class WsPage:
    id: str
    scan: str  # file name of the acquired image under pages/
    dpi: float
    source: str
    index: int = 0
    clean: Optional[str] = None  # encoded archive image after cleanup
    ocr: Optional[str] = None  # JSON: the ProcessedPage without its image bytes
    cover: bool = False  # a QR cover sheet: gives the dossier code, not part of any document
    upright: bool = False  # turned by the officer: processing keeps the turn (no auto-orientation)


@dataclass
class WsDocument:
    id: str
    pages: list[str] = field(default_factory=list)
    form: Optional[str] = None
    form_confidence: float = 0.0
    fields: dict = field(default_factory=dict)  # field id -> Field as dict (result JSON shape)
    extra: dict = field(default_factory=dict)
    understood: bool = False  # False when pages changed since the last form recognition
    saved: Optional[dict] = None  # {"pdf": ..., "json": ..., "store_id": ..., "stale": edited since}
    form_choice: Optional[str] = None  # the officer's form: None = recognise, "other" = no form


def _processed_to_dict(p: ProcessedPage) -> dict:
    d = asdict(p)
    d.pop("image")
    return d


def _processed_from_dict(d: dict, image: bytes) -> ProcessedPage:
    d = dict(d)
    ocr = d.pop("ocr")
    words = [Word(**{**w, "bbox": tuple(w["bbox"])}) for w in ocr.get("words", [])]
    barcodes = [Barcode(**{**b, "bbox": tuple(b["bbox"]) if b.get("bbox") else None})
                for b in d.pop("barcodes", [])]
    crop = d.pop("crop_box", None)
    return ProcessedPage(**d, image=image, ocr=OcrPage(width=ocr["width"], height=ocr["height"], words=words),
                         barcodes=barcodes, crop_box=tuple(crop) if crop else None)


def _field_from_dict(d: dict) -> Field:
    d = dict(d)
    if d.get("bbox"):
        d["bbox"] = tuple(d["bbox"])
    known = {k: d[k] for k in ("value", "raw", "confidence", "page", "bbox", "valid", "problems",
                                     "needs_review") if k in d}
    return Field(**known)


class _StateLock:
    """A re-entrant lock that writes the pending autosave when its outermost holder releases it.

    So the (fsync'ed) JSON write never happens while the lock is held, and the UI thread,
    which only takes the lock to read, is never held up by a worker's disk write.
    """

    def __init__(self, owner: "Workspace") -> None:
        self._lock = threading.RLock()
        self._local = threading.local()
        self._owner = owner

    def __enter__(self) -> "_StateLock":
        self._lock.acquire()
        self._local.depth = getattr(self._local, "depth", 0) + 1
        return self

    def __exit__(self, *exc) -> None:
        self._local.depth -= 1
        pending = None
        if self._local.depth == 0:
            pending, self._owner._pending = self._owner._pending, None
        self._lock.release()
        if pending is not None:
            self._owner._write_state(*pending)


class Workspace:
    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root else default_root()
        self.pages_dir = self.root / PAGES
        self.lock = _StateLock(self)
        self._pending: Optional[tuple[int, dict]] = None
        self._write_lock = threading.Lock()
        self._written = 0
        self.dossier_code: str = ""
        self.pages: dict[str, WsPage] = {}
        self.documents: list[WsDocument] = []
        self.corrections: list[dict] = []
        self.created = _now()
        self.restored = False
        self.revision = 0  # bumped on every change; the UI compares to know when to refresh
        self._cache: dict[str, ProcessedPage] = {}

    # ------------------------------------------------------------ persistence
    @classmethod
    def open(cls, root: Path | str | None = None) -> "Workspace":
        """The workspace left by the last session (after a crash too), or a new empty one."""
        ws = cls(root)
        ws.pages_dir.mkdir(parents=True, exist_ok=True)
        state = ws.root / STATE
        if state.exists():
            try:
                data = json.loads(state.read_text(encoding="utf-8"))
                ws._load(data)
                ws.restored = True
            except (OSError, ValueError, TypeError, KeyError) as exc:
                log.error("workspace state %s unreadable (%s); keeping it aside", state, exc)
                shutil.copy2(state, state.with_suffix(".damaged.json"))
        if ws._adopt_orphans():
            ws.restored = True
            ws.autosave()
        return ws

    def _load(self, data: dict) -> None:
        self.dossier_code = data.get("dossier_code", "")
        self.created = data.get("created", self.created)
        self.pages = {p["id"]: WsPage(**p) for p in data.get("pages", [])}
        self.documents = [WsDocument(**d) for d in data.get("documents", [])]
        self.corrections = list(data.get("corrections", []))
        # drop references to page files that never made it to disk
        for pid, page in list(self.pages.items()):
            if not (self.pages_dir / page.scan).exists():
                log.warning("workspace page %s lost its scan file; dropped", pid)
                self._forget(pid)
            elif page.clean and not ((self.pages_dir / page.clean).exists() and (self.pages_dir / page.ocr).exists()):
                page.clean = page.ocr = None

    def _adopt_orphans(self) -> bool:
        """Scans written to disk whose listing the crash prevented: append them in write order."""
        known = {n for p in self.pages.values() for n in (p.scan, p.clean, p.ocr) if n}
        orphans = []
        for f in self.pages_dir.iterdir():
            if f.name in known:
                continue
            if re.fullmatch(r"[0-9a-f]{12}\.scan\.png", f.name):
                orphans.append(f)
            else:
                f.unlink(missing_ok=True)  # leftovers of an interrupted rescan/processing
        orphans.sort(key=lambda f: f.stat().st_mtime_ns)
        for f in orphans:
            try:
                with Image.open(f) as img:
                    dpi = float(img.info.get("dpi", (300, 300))[0])
                    source = img.info.get("sohoa-source", f.name)
                    index = int(img.info.get("sohoa-index", 0))
            except (OSError, ValueError):
                f.unlink(missing_ok=True)  # half-written: nothing to keep
                continue
            page = WsPage(id=f.name.split(".")[0], scan=f.name, dpi=dpi, source=source, index=index)
            self.pages[page.id] = page
            if not self.documents:
                self.documents.append(WsDocument(id=_new_id()))
            self.documents[-1].pages.append(page.id)
            self.documents[-1].understood = False
        return bool(orphans)

    def to_dict(self) -> dict:
        with self.lock:
            return {
                "schema": SCHEMA,
                "dossier_code": self.dossier_code,
                "created": self.created,
                "updated": _now(),
                "pages": [asdict(p) for p in self.pages.values()],
                "documents": [asdict(d) for d in self.documents],
                "corrections": list(self.corrections),
            }

    def autosave(self) -> None:
        """Snapshot the state now; workspace.json is replaced atomically as soon as the lock is free."""
        with self.lock:
            self.revision += 1
            self._pending = (self.revision, self.to_dict())

    def _write_state(self, revision: int, data: dict) -> None:
        with self._write_lock:
            if revision <= self._written:
                return  # a newer snapshot is already on disk
            with atomic_write(self.root / STATE, "w") as fh:
                json.dump(data, fh, ensure_ascii=False)
            self._written = revision

    def clear(self) -> None:
        """Start a new dossier: forget everything and delete the page files."""
        with self.lock:
            shutil.rmtree(self.pages_dir, ignore_errors=True)
            self.pages_dir.mkdir(parents=True, exist_ok=True)
            self.dossier_code = ""
            self.pages.clear()
            self.documents.clear()
            self.corrections.clear()
            self._cache.clear()
            self.created = _now()
            self.autosave()

    @property
    def is_empty(self) -> bool:
        return not self.pages and not self.dossier_code

    # ------------------------------------------------------------ pages
    def add_scan(self, image: PageImage, doc_index: Optional[int] = None, position: Optional[int] = None) -> str:
        """Store an acquired page (file first, then the listing) and append it to a document."""
        page = self._write_scan(image)
        with self.lock:
            self.pages[page.id] = page
            if not self.documents:
                self.documents.append(WsDocument(id=_new_id()))
            doc = self.documents[-1 if doc_index is None else doc_index]
            doc.pages.insert(len(doc.pages) if position is None else position, page.id)
            doc.understood = False
            doc.saved = None
            self.autosave()
        return page.id

    def _write_scan(self, image: PageImage, page_id: Optional[str] = None) -> WsPage:
        page_id = page_id or _new_id()
        # a first scan is `<id>.scan.png` (adoptable after a crash); a rescan gets a fresh name
        name = f"{page_id}.scan.png" if page_id not in self.pages else f"{page_id}.{_new_id()[:6]}.rescan.png"
        pixels = image.pixels
        rgb = pixels if pixels.ndim == 2 else pixels[:, :, ::-1]
        info = PngImagePlugin.PngInfo()
        info.add_text("sohoa-source", image.source)
        info.add_text("sohoa-index", str(image.index))
        with atomic_write(self.pages_dir / name, "wb") as fh:
            # fast compression: the page is written on every scan, kept only until saved
            Image.fromarray(np.ascontiguousarray(rgb)).save(fh, format="PNG", dpi=(image.dpi, image.dpi),
                                                          pnginfo=info, compress_level=1)
        return WsPage(id=page_id, scan=name, dpi=float(image.dpi), source=image.source, index=image.index)

    def page_image(self, page_id: str) -> PageImage:
        """The acquired page again, as the pipeline takes it."""
        with self.lock:
            page = self.pages[page_id]
            path = self.pages_dir / page.scan
        with Image.open(path) as img:
            img.load()
            arr = np.asarray(img.convert("RGB") if img.mode not in ("L", "RGB") else img)
        if arr.ndim == 3:
            arr = np.ascontiguousarray(arr[:, :, ::-1])
        return PageImage(pixels=arr, dpi=page.dpi, source=page.source, index=page.index)

    def scan_path(self, page_id: str) -> Path:
        with self.lock:
            return self.pages_dir / self.pages[page_id].scan

    def clean_path(self, page_id: str) -> Optional[Path]:
        with self.lock:
            page = self.pages.get(page_id)
            return self.pages_dir / page.clean if page and page.clean else None

    def set_processed(self, page_id: str, result: ProcessedPage) -> None:
        """Keep the pipeline's result for a page (image + OCR words + barcodes)."""
        ext = "jpg" if result.image_format == "jpeg" else "png"
        tag = _new_id()[:6]
        clean_name, ocr_name = f"{page_id}.{tag}.clean.{ext}", f"{page_id}.{tag}.ocr.json"
        if page_id not in self.pages:
            return  # deleted while being processed
        with atomic_write(self.pages_dir / clean_name, "wb") as fh:
            fh.write(result.image)
        with atomic_write(self.pages_dir / ocr_name, "w") as fh:
            json.dump(_processed_to_dict(result), fh, ensure_ascii=False)
        with self.lock:
            page = self.pages.get(page_id)
            if page is None:
                self._unlink(clean_name, ocr_name)
                return
            old = (page.clean, page.ocr)
            page.clean, page.ocr = clean_name, ocr_name
            self._cache[page_id] = result
            for doc in self.documents:
                if page_id in doc.pages:
                    doc.understood = False
            self.autosave()
            self._unlink(*old)

    def processed(self, page_id: str) -> Optional[ProcessedPage]:
        with self.lock:
            if page_id in self._cache:
                return self._cache[page_id]
            page = self.pages.get(page_id)
            if page is None or not page.clean:
                return None
            clean, ocr = self.pages_dir / page.clean, self.pages_dir / page.ocr
        result = _processed_from_dict(json.loads(ocr.read_text(encoding="utf-8")), clean.read_bytes())
        with self.lock:
            if len(self._cache) > 64:
                self._cache.pop(next(iter(self._cache)))
            self._cache[page_id] = result
        return result

    def unprocessed(self) -> list[str]:
        """Pages still waiting for cleanup/OCR (after a restore, a rotation, a rescan)."""
        with self.lock:
            return [pid for d in self.documents for pid in d.pages if not self.pages[pid].clean]

    def rotate_page(self, page_id: str, degrees: int = 90) -> None:
        """Turn the acquired image clockwise; the page must then be processed again, and the
        officer's turn sticks: automatic orientation no longer turns it back."""
        img = self.page_image(page_id)
        k = {90: -1, 180: 2, 270: 1}[degrees % 360] if degrees % 360 else 0
        img.pixels = np.ascontiguousarray(np.rot90(img.pixels, k))
        self.replace_scan(page_id, img)
        with self.lock:
            if page_id in self.pages:
                self.pages[page_id].upright = True
                self.autosave()

    def replace_scan(self, page_id: str, image: PageImage) -> None:
        """A rescan (or rotation) of a page: same place in its document, processing redone."""
        with self.lock:
            if page_id not in self.pages:
                return
        new = self._write_scan(image, page_id)
        with self.lock:
            page = self.pages.get(page_id)
            if page is None:
                self._unlink(new.scan)
                return
            old = (page.scan, page.clean, page.ocr)
            page.scan, page.dpi, page.source, page.index = new.scan, new.dpi, new.source, new.index
            page.clean = page.ocr = None
            page.upright = False  # a new image: automatic orientation again (a turn sets it back)
            self._cache.pop(page_id, None)
            self._touch_docs_of(page_id)
            self.autosave()
            self._unlink(*old)

    def delete_page(self, page_id: str) -> None:
        with self.lock:
            self._touch_docs_of(page_id)
            self._forget(page_id, unlink=True)
            self.autosave()

    def _forget(self, page_id: str, unlink: bool = False) -> None:
        page = self.pages.pop(page_id, None)
        self._cache.pop(page_id, None)
        for doc in self.documents:
            if page_id in doc.pages:
                doc.pages.remove(page_id)
        self.documents = [d for d in self.documents if d.pages]
        if unlink and page:
            self._unlink(page.scan, page.clean, page.ocr)

    def _unlink(self, *names: Optional[str]) -> None:
        for n in names:
            if n:
                (self.pages_dir / n).unlink(missing_ok=True)

    def _touch_docs_of(self, page_id: str) -> None:
        for doc in self.documents:
            if page_id in doc.pages:
                doc.understood = False
                doc.saved = None

    def mark_cover(self, page_id: str, code: str) -> None:
        """A QR cover sheet: take the dossier code from it and take it out of the documents."""
        with self.lock:
            page = self.pages.get(page_id)
            if page is None:
                return
            page.cover = True
            self._touch_docs_of(page_id)
            for doc in self.documents:
                if page_id in doc.pages:
                    doc.pages.remove(page_id)
            self.documents = [d for d in self.documents if d.pages]
            if not self.dossier_code:
                self.dossier_code = code
            self.autosave()

    # ------------------------------------------------------------ documents
    def page_order(self) -> list[str]:
        """All document pages in order, as the thumbnail strip shows them."""
        with self.lock:
            return [pid for d in self.documents for pid in d.pages]

    def doc_index_of(self, page_id: str) -> Optional[int]:
        with self.lock:
            for i, d in enumerate(self.documents):
                if page_id in d.pages:
                    return i
        return None

    def set_page_order(self, order: list[str]) -> None:
        """A drag-and-drop result: documents start at the same pages as before; the rest follows."""
        with self.lock:
            if sorted(order) != sorted(self.page_order()):
                raise ValueError("page order must be a permutation of the current pages")
            if order == self.page_order():
                return
            starts = {d.pages[0]: d for d in self.documents}
            new_docs: list[WsDocument] = []
            leading: list[str] = []  # pages dragged before the first document's start join it
            for pid in order:
                if pid in starts:
                    doc = starts[pid]
                    doc._old = list(doc.pages)  # type: ignore[attr-defined]
                    doc.pages = leading + [pid]
                    leading = []
                    new_docs.append(doc)
                elif new_docs:
                    new_docs[-1].pages.append(pid)
                else:
                    leading.append(pid)
            for d in new_docs:
                if getattr(d, "_old", None) != d.pages:
                    d.understood = False
                    d.saved = None
                if hasattr(d, "_old"):
                    del d._old
            self.documents = new_docs
            self.autosave()

    def split_before(self, page_id: str) -> int:
        """Start a new document at this page; returns its index."""
        with self.lock:
            i = self.doc_index_of(page_id)
            if i is None:
                raise KeyError(page_id)
            doc = self.documents[i]
            pos = doc.pages.index(page_id)
            if pos == 0:
                return i
            new = WsDocument(id=_new_id(), pages=doc.pages[pos:])
            doc.pages = doc.pages[:pos]
            doc.understood = False
            doc.saved = None
            self.documents.insert(i + 1, new)
            self.autosave()
            return i + 1

    def merge_with_previous(self, doc_index: int) -> int:
        """Append this document's pages to the previous one; returns the merged index."""
        with self.lock:
            if doc_index <= 0 or doc_index >= len(self.documents):
                return doc_index
            prev, doc = self.documents[doc_index - 1], self.documents[doc_index]
            prev.pages.extend(doc.pages)
            prev.understood = False
            prev.saved = None
            del self.documents[doc_index]
            self.autosave()
            return doc_index - 1

    def new_document(self) -> int:
        """Pages scanned next go into a fresh document (the 'next document' button)."""
        with self.lock:
            if self.documents and not self.documents[-1].pages:
                return len(self.documents) - 1
            self.documents.append(WsDocument(id=_new_id()))
            return len(self.documents) - 1

    def set_dossier_code(self, code: str) -> None:
        with self.lock:
            code = collapse_spaces(nfc(code or ""))
            if code != self.dossier_code:
                self.dossier_code = code
                for d in self.documents:
                    d.saved = None
                self.autosave()

    def stem(self, doc_index: int) -> str:
        """`<MaHoSo>.<NN>` as batch names documents."""
        return f"{self.folder_name()}.{doc_index + 1:02d}"

    def folder_name(self) -> str:
        """Windows-safe folder/file name of the dossier, as batch names it."""
        from scanner_app.batch.split import safe_name

        return safe_name(self.dossier_code) if self.dossier_code else f"HS-{self.created[:10].replace('-', '')}"

    # ------------------------------------------------------------ understanding and fields
    def document(self, doc_index: int) -> Document:
        """The workspace document as the exporters take it (pages, form, current field values)."""
        with self.lock:
            d = self.documents[doc_index]
            ids = list(d.pages)
            form, conf = d.form, d.form_confidence
            fields = {k: _field_from_dict(v) for k, v in d.fields.items()}
            extra = dict(d.extra)
        pages = []
        for pid in ids:
            p = self.processed(pid)
            if p is None:
                raise ValueError(f"page {pid} not processed yet")
            pages.append(p)
        for n, p in enumerate(pages, start=1):
            for b in p.barcodes:
                b.page = n
        return Document(stem=self.stem(doc_index), source=[p.source for p in pages], pages=pages,
                        form=form, form_confidence=conf, fields=fields, extra=extra)

    def ready(self, doc_index: int) -> bool:
        with self.lock:
            return all(self.pages[p].clean for p in self.documents[doc_index].pages)

    def understand(self, doc_index: int, options) -> bool:
        """Recognise the form and extract fields (no OCR: uses the processed pages), then
        re-apply the officer's corrections. False when pages are still being processed."""
        from scanner_app.road import assemble

        with self.lock:
            if doc_index >= len(self.documents) or not self.ready(doc_index):
                return False
            d = self.documents[doc_index]
            doc_id, ids = d.id, list(d.pages)
            choice = d.form_choice
        pages = [self.processed(p) for p in ids]
        if choice:
            options = dataclasses.replace(options, form="auto" if choice == OTHER_FORM else choice)
        result = assemble(self.stem(doc_index), [p.source for p in pages], pages, options)
        if choice == OTHER_FORM:
            result.form, result.form_confidence, result.fields = None, 1.0, {}
        with self.lock:
            d = next((x for x in self.documents if x.id == doc_id), None)
            if d is None or d.pages != ids:
                return False  # changed meanwhile; the caller will run again
            d.form, d.form_confidence = result.form, float(result.form_confidence)
            d.fields = {k: field_to_dict(f) for k, f in result.fields.items()}
            d.extra = result.extra
            for c in self.corrections:
                if c["doc"] == doc_id and c["field"] in d.fields:
                    self._apply_correction(d.fields[c["field"]], c["new"])
                elif c["doc"] == doc_id and _CELL.match(c["field"]):
                    _set_cell(d.extra, c["field"], c["new"])
            d.understood = True
            self.autosave()
        return True

    @staticmethod
    def _apply_correction(f: dict, value: str) -> None:
        f["value"] = value or None
        f["confidence"] = 1.0
        f["valid"] = True
        f["needs_review"] = False  # the officer vouched for it, as the store records a correction
        f["problems"] = []
        f["corrected"] = True

    def edit_field(self, doc_index: int, field_id: str, new: str, user: Optional[str] = None) -> Optional[dict]:
        """The officer's correction: new value kept, (old, new, who, when) logged. None if unchanged."""
        new = collapse_spaces(nfc(new or ""))
        with self.lock:
            d = self.documents[doc_index]
            f = d.fields.setdefault(field_id, field_to_dict(Field()))
            old = f.get("value")
            if (old or "") == new:
                return None
            self._apply_correction(f, new)
            return self._log_correction(d, field_id, old, new, user)

    def edit_table_cell(self, doc_index: int, table_id: str, row: int, column: str, new: str,
                        user: Optional[str] = None) -> Optional[dict]:
        """The officer's correction of one cell of a form's table (CT01's household members);
        a row past the last adds a member. Logged like a field, as "thanh_vien[2].ho_ten"."""
        new = collapse_spaces(nfc(new or ""))
        cell = f"{table_id}[{row + 1}].{column}"
        with self.lock:
            d = self.documents[doc_index]
            rows = d.extra.get(table_id) or []
            old = rows[row].get(column) if row < len(rows) and isinstance(rows[row], dict) else None
            if (old or "") == new:
                return None
            _set_cell(d.extra, cell, new or None)
            return self._log_correction(d, cell, old, new, user)

    def _log_correction(self, d: "WsDocument", field_id: str, old: Optional[str], new: str,
                        user: Optional[str]) -> dict:
        """(old, new, who, when) of an officer's change, the document no longer as saved. Under the lock."""
        if d.saved:
            d.saved = {**d.saved, "stale": True}
        corr = {"doc": d.id, "field": field_id, "old": old, "new": new or None,
                "user": user or current_user(), "when": _now(), "recorded": False}
        self.corrections.append(corr)
        self.autosave()
        return corr

    def mark_saved(self, doc_index: int, pdf: Path, json_path: Path, store_id: Optional[int] = None) -> None:
        with self.lock:
            d = self.documents[doc_index]
            d.saved = {"pdf": str(pdf), "json": str(json_path), "store_id": store_id, "when": _now()}
            self.autosave()

    def set_form(self, doc_index: int, form: Optional[str]) -> None:
        """The officer chose the document's form (a form id, OTHER_FORM, or None to recognise):
        its fields are extracted again by the next `understand`; the officer's corrections of
        fields the new form has are kept."""
        with self.lock:
            d = self.documents[doc_index]
            if d.form_choice == form:
                return
            d.form_choice = form
            d.understood = False
            if d.saved:
                d.saved = {**d.saved, "stale": True}
            self.autosave()

    def unsaved(self) -> bool:
        """True when something the officer did is not in the saved PDF/JSON yet."""
        with self.lock:
            return any(d.saved is None or d.saved.get("stale") for d in self.documents)

    def mark_recorded(self, corr: dict) -> None:
        with self.lock:
            corr["recorded"] = True
            self.autosave()


_CELL = re.compile(r"^(\w+)\[(\d+)\]\.(\w+)$")


def _set_cell(extra: dict, cell: str, value: Optional[str]) -> None:
    """Put `value` into `extra` at "table[row].column" (rows counted from 1), adding rows."""
    m = _CELL.match(cell)
    table, row, column = m.group(1), int(m.group(2)) - 1, m.group(3)
    rows = extra.get(table)
    if not isinstance(rows, list):
        rows = extra[table] = []
    while len(rows) <= row:
        rows.append({})
    rows[row][column] = value


def _new_id() -> str:
    return uuid.uuid4().hex[:12]
