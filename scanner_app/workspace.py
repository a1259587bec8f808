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

import copy
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
    blank: bool = False  # cleanup found no content: left out of the document's PDF ...
    keep_blank: bool = False  # ... unless the officer keeps it


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

    def changed(self, understood: bool = False) -> None:
        """Pages or fields changed: to be understood again, and its saved files are out of date
        (kept named, so the next save replaces them instead of writing a second copy)."""
        self.understood = understood
        if self.saved:
            self.saved = {**self.saved, "stale": True}


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
        # page files an undo may bring back (deleted pages, images before a turn); listed in
        # the state so a restore does not adopt them, deleted when the session ends
        self.trash: set[str] = set()
        self._undo: list[_Step] = []
        self._redo: list[_Step] = []

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
        emptied = bool(ws.trash)
        ws._unlink(*ws.trash)  # the undo history ended with the last session
        ws.trash.clear()
        if ws._adopt_orphans():
            ws.restored = True
            ws.autosave()
        elif emptied:
            ws.autosave()
        return ws

    def _load(self, data: dict) -> None:
        self.dossier_code = data.get("dossier_code", "")
        self.created = data.get("created", self.created)
        self.pages = {p["id"]: WsPage(**p) for p in data.get("pages", [])}
        self.documents = [WsDocument(**d) for d in data.get("documents", [])]
        self.corrections = list(data.get("corrections", []))
        self.trash = set(data.get("trash", []))
        # drop references to page files that never made it to disk
        for pid, page in list(self.pages.items()):
            if not (self.pages_dir / page.scan).exists():
                log.warning("workspace page %s lost its scan file; dropped", pid)
                self._forget(pid)
            elif page.clean and not ((self.pages_dir / page.clean).exists() and (self.pages_dir / page.ocr).exists()):
                page.clean = page.ocr = None

    def _adopt_orphans(self) -> bool:
        """Scans written to disk whose listing the crash prevented: append them in write order."""
        known = {n for p in self.pages.values() for n in (p.scan, p.clean, p.ocr) if n} | self.trash
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
                "trash": sorted(self.trash),
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
            self.trash.clear()
            self._undo.clear()
            self._redo.clear()
            self.created = _now()
            self.autosave()

    @property
    def is_empty(self) -> bool:
        return not self.pages and not self.dossier_code

    # ------------------------------------------------------------ pages
    def add_scan(self, image: PageImage, doc_index: Optional[int] = None, position: Optional[int] = None,
                 after: Optional[str] = None, keep_blank: bool = False) -> str:
        """Store an acquired page (file first, then the listing) and append it to a document, or
        put it right after page `after` (the officer's insertion point) when that page is still there."""
        page = self._write_scan(image)
        page.keep_blank = keep_blank
        with self.lock:
            self.pages[page.id] = page
            if not self.documents:
                self.documents.append(WsDocument(id=_new_id()))
            at = self.doc_index_of(after) if after else None
            if at is not None:
                doc = self.documents[at]
                doc.pages.insert(doc.pages.index(after) + 1, page.id)
            else:
                doc = self.documents[-1 if doc_index is None else doc_index]
                doc.pages.insert(len(doc.pages) if position is None else position, page.id)
            doc.changed()
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
            page.blank = bool(result.blank)
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
        self.rotate_pages([page_id], degrees)

    def rotate_pages(self, page_ids: list[str], degrees: int = 90) -> None:
        """Turn the acquired images clockwise (one undo step); the pages must then be processed
        again, and the officer's turn sticks: automatic orientation no longer turns them back."""
        before = self._snapshot()
        for page_id in page_ids:
            img = self.page_image(page_id)
            k = {90: -1, 180: 2, 270: 1}[degrees % 360] if degrees % 360 else 0
            img.pixels = np.ascontiguousarray(np.rot90(img.pixels, k))
            self.replace_scan(page_id, img)
            with self.lock:
                if page_id in self.pages:
                    self.pages[page_id].upright = True
                    self.autosave()
        self._push_step("undo_rotate", before)

    def replace_scan(self, page_id: str, image: PageImage) -> None:
        """A rescan (or rotation) of a page: same place in its document, processing redone.
        The old image stays in the trash until the session ends, for an undo."""
        with self.lock:
            if page_id not in self.pages:
                return
        new = self._write_scan(image, page_id)
        with self.lock:
            page = self.pages.get(page_id)
            if page is None:
                self._unlink(new.scan)
                return
            self._to_trash(page.scan, page.clean, page.ocr)
            page.scan, page.dpi, page.source, page.index = new.scan, new.dpi, new.source, new.index
            page.clean = page.ocr = None
            page.blank = False
            page.upright = False  # a new image: automatic orientation again (a turn sets it back)
            self._cache.pop(page_id, None)
            self._touch_docs_of(page_id)
            self.autosave()

    def delete_page(self, page_id: str) -> None:
        self.delete_pages([page_id])

    def delete_pages(self, page_ids: list[str]) -> None:
        """Out of the dossier in one undo step; the files wait in the trash until the session ends."""
        with self.lock:
            before = self._snapshot()
            for page_id in page_ids:
                self._touch_docs_of(page_id)
                self._retire(page_id)
            self.autosave()
            self._push_step("undo_delete", before)

    def _retire(self, page_id: str) -> None:
        page = self.pages.get(page_id)
        self._forget(page_id)
        if page:
            self._to_trash(page.scan, page.clean, page.ocr)

    def _forget(self, page_id: str) -> None:
        self.pages.pop(page_id, None)
        self._cache.pop(page_id, None)
        for doc in self.documents:
            if page_id in doc.pages:
                doc.pages.remove(page_id)
        self.documents = [d for d in self.documents if d.pages]

    def _to_trash(self, *names: Optional[str]) -> None:
        self.trash.update(n for n in names if n)

    def _unlink(self, *names: Optional[str]) -> None:
        for n in names:
            if n:
                (self.pages_dir / n).unlink(missing_ok=True)

    def _touch_docs_of(self, page_id: str) -> None:
        for doc in self.documents:
            if page_id in doc.pages:
                doc.changed()

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

    def move_pages(self, page_ids: list[str], target: Optional[str], after: bool = False) -> None:
        """A drag and drop: the pages (in their order) go before page `target`, or after it, into
        its document; no target puts them at the end of the last document."""
        with self.lock:
            moving = [p for p in self.page_order() if p in set(page_ids)]
            if not moving or target in moving:
                return
            before = self._snapshot()
            for d in self.documents:
                d_old = list(d.pages)
                d.pages = [p for p in d.pages if p not in moving]
                if d.pages != d_old:
                    d.changed()
            at = self.doc_index_of(target) if target else None
            if at is None:
                doc, pos = self.documents[-1] if self.documents else None, None
                if doc is None:
                    doc = WsDocument(id=_new_id())
                    self.documents.append(doc)
                pos = len(doc.pages)
            else:
                doc = self.documents[at]
                pos = doc.pages.index(target) + (1 if after else 0)
            doc.pages[pos:pos] = moving
            doc.changed()
            self.documents = [d for d in self.documents if d.pages]
            self.autosave()
            self._push_step("undo_move", before)

    def shift_pages(self, page_ids: list[str], delta: int) -> None:
        """Move up (-1) or down (+1) by one place; past its document's edge a page joins the
        neighbouring document (last page of the one before / first of the one after)."""
        with self.lock:
            chosen = set(page_ids)
            order = self.page_order()
            if not chosen & set(order):
                return
            before = self._snapshot()
            for pid in (order if delta < 0 else reversed(order)):
                if pid not in chosen:
                    continue
                j = self.doc_index_of(pid)
                doc = self.documents[j]
                pos = doc.pages.index(pid)
                if 0 <= pos + delta < len(doc.pages):
                    if doc.pages[pos + delta] in chosen:
                        continue  # blocked by a chosen page that could not move
                    doc.pages[pos], doc.pages[pos + delta] = doc.pages[pos + delta], pid
                    touched = [doc]
                elif 0 <= j + delta < len(self.documents):
                    other = self.documents[j + delta]
                    doc.pages.remove(pid)
                    other.pages.insert(len(other.pages) if delta < 0 else 0, pid)
                    touched = [doc, other]
                else:
                    continue
                for d in touched:
                    d.changed()
            self.documents = [d for d in self.documents if d.pages]
            self.autosave()
            self._push_step("undo_move", before)

    def set_keep_blank(self, page_ids: list[str], keep: bool) -> None:
        """The officer keeps a page that cleanup found blank (a back side that matters) in the PDF."""
        with self.lock:
            before = self._snapshot()
            for pid in page_ids:
                page = self.pages.get(pid)
                if page is not None and page.keep_blank != keep:
                    page.keep_blank = keep
                    self._touch_docs_of(pid)
            self.autosave()
            self._push_step("undo_keep_blank", before)

    def kept_pages(self, doc_index: int) -> list[str]:
        """The document's pages that go into its PDF: all but blank ones the officer did not keep."""
        with self.lock:
            return [p for p in self.documents[doc_index].pages
                    if not (self.pages[p].blank and not self.pages[p].keep_blank)]

    def dropped_blank(self) -> list[dict]:
        """Blank pages left out of the PDFs, named as batch lists them in dossier.json."""
        with self.lock:
            return [{"file": self.pages[p].source, "page": self.pages[p].index + 1}
                    for d in self.documents for p in d.pages
                    if self.pages[p].blank and not self.pages[p].keep_blank]

    def split_before(self, page_id: str, undoable: bool = True) -> int:
        """Start a new document at this page; returns its index. The stack's own splitting
        (`undoable=False`) is no officer's step to undo."""
        with self.lock:
            i = self.doc_index_of(page_id)
            if i is None:
                raise KeyError(page_id)
            doc = self.documents[i]
            pos = doc.pages.index(page_id)
            if pos == 0:
                return i
            before = self._snapshot()
            new = WsDocument(id=_new_id(), pages=doc.pages[pos:])
            doc.pages = doc.pages[:pos]
            doc.changed()
            self.documents.insert(i + 1, new)
            self.autosave()
            if undoable:
                self._push_step("undo_split", before)
            return i + 1

    def merge_with_previous(self, doc_index: int) -> int:
        """Append this document's pages to the previous one; returns the merged index."""
        with self.lock:
            if doc_index <= 0 or doc_index >= len(self.documents):
                return doc_index
            before = self._snapshot()
            prev, doc = self.documents[doc_index - 1], self.documents[doc_index]
            prev.pages.extend(doc.pages)
            prev.changed()
            del self.documents[doc_index]
            self.autosave()
            self._push_step("undo_merge", before)
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
                    d.changed(understood=d.understood)
                self.autosave()

    def stem(self, doc_index: int) -> str:
        """`<MaHoSo>.<NN>` as batch names documents; a document of blank pages only has no number."""
        with self.lock:
            n = sum(1 for i in range(doc_index + 1) if self.kept_pages(i))
        return f"{self.folder_name()}.{max(n, 1):02d}"

    def folder_name(self) -> str:
        """Windows-safe folder/file name of the dossier, as batch names it."""
        from scanner_app.batch.split import safe_name

        return safe_name(self.dossier_code) if self.dossier_code else f"HS-{self.created[:10].replace('-', '')}"

    # ------------------------------------------------------------ understanding and fields
    def document(self, doc_index: int) -> Document:
        """The workspace document as the exporters take it (pages, form, current field values)."""
        with self.lock:
            d = self.documents[doc_index]
            ids = self.kept_pages(doc_index)
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
            doc_id, ids, kept = d.id, list(d.pages), self.kept_pages(doc_index)
            choice = d.form_choice
        pages = [self.processed(p) for p in kept]
        if choice:
            options = dataclasses.replace(options, form="auto" if choice == OTHER_FORM else choice)
        result = assemble(self.stem(doc_index), [p.source for p in pages], pages, options)
        if choice == OTHER_FORM or not pages:  # "other", or blank pages only: no fields to read
            result.form, result.form_confidence, result.fields = None, 1.0 if pages else 0.0, {}
        with self.lock:
            d = next((x for x in self.documents if x.id == doc_id), None)
            if d is None or d.pages != ids or self.kept_pages(self.documents.index(d)) != kept:
                return False  # changed meanwhile; the caller will run again
            d.form, d.form_confidence = result.form, float(result.form_confidence)
            d.fields = {k: field_to_dict(f) for k, f in result.fields.items()}
            d.extra = result.extra
            for c in self.corrections:
                if c["doc"] != doc_id or c.get("undone") or c.get("reverts"):
                    continue
                if c["field"] in d.fields:
                    self._apply_correction(d.fields[c["field"]], c["new"])
                elif _CELL.match(c["field"]):
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
            before = copy.deepcopy(f)
            self._apply_correction(f, new)
            return self._log_correction(d, field_id, old, new, user, before)

    def edit_table_cell(self, doc_index: int, table_id: str, row: int, column: str, new: str,
                        user: Optional[str] = None) -> Optional[dict]:
        """The officer's correction of one cell of a form's table (CT01's household members);
        a row past the last adds a member. Logged like a field, as "thanh_vien[2].ho_ten"."""
        new = collapse_spaces(nfc(new or ""))
        cell = f"{table_id}[{row + 1}].{column}"
        with self.lock:
            d = self.documents[doc_index]
            old = _get_cell(d.extra, cell)
            if (old or "") == new:
                return None
            _set_cell(d.extra, cell, new or None)
            return self._log_correction(d, cell, old, new, user, old)

    def _log_correction(self, d: "WsDocument", field_id: str, old: Optional[str], new: str,
                        user: Optional[str], before) -> dict:
        """(old, new, who, when) of an officer's change, the document no longer as saved, and
        the undo step that puts `before` (the field as it was, or the cell's text) back. Under the lock."""
        d.changed(understood=d.understood)
        corr = {"doc": d.id, "field": field_id, "old": old, "new": new or None,
                "user": user or current_user(), "when": _now(), "recorded": False}
        self.corrections.append(corr)
        self._push(_Step("undo_edit", {"doc": d.id, "field": field_id, "value": before, "corr": corr}))
        self.autosave()
        return corr

    def mark_saved(self, doc_index: int, pdf: Path, json_path: Path, store_id: Optional[int] = None) -> None:
        with self.lock:
            d = self.documents[doc_index]
            d.saved = {"pdf": str(pdf), "json": str(json_path), "store_id": store_id, "when": _now()}
            self.autosave()

    def adopt_saved(self, doc_index: int, result: dict, extra: dict, pdf: Path, json_path: Path,
                    store_id: Optional[int], corrections: list[dict]) -> None:
        """A reopened document: its fields and tables as saved, shown until its pages are read
        again; the store's corrections of it become the workspace's (recorded already), so they
        are re-applied; marked saved as these files."""
        with self.lock:
            d = self.documents[doc_index]
            d.form, d.form_confidence = result.get("form"), float(result.get("form_confidence") or 0.0)
            d.fields = copy.deepcopy(result.get("fields") or {})
            d.extra = copy.deepcopy(extra)
            for c in corrections:
                self.corrections.append({"doc": d.id, "field": c["field"], "old": c["old"], "new": c["new"],
                                         "user": c["who"], "when": c["at"], "recorded": True})
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
            d.changed()
            self.autosave()

    def unsaved(self) -> bool:
        """True when something the officer did is not in the saved PDF/JSON yet."""
        with self.lock:
            return any((d.saved is None or d.saved.get("stale")) and self.kept_pages(i)
                       for i, d in enumerate(self.documents))

    def mark_recorded(self, corr: dict) -> None:
        with self.lock:
            corr["recorded"] = True
            self.autosave()

    def unrecorded(self, doc_index: int) -> list[dict]:
        """Corrections of this document the store has not had yet (an undone one never goes)."""
        with self.lock:
            doc_id = self.documents[doc_index].id
            return [c for c in self.corrections
                    if c["doc"] == doc_id and not c.get("recorded") and not c.get("undone")]

    # ------------------------------------------------------------ undo and redo
    # A page step keeps the dossier's shape before it (documents and page records); undoing
    # puts that shape back and keeps, in place, whatever arrived meanwhile (pages still being
    # scanned, the stack's own splits): nothing the officer did not undo is lost. A field step
    # keeps the field as it was; its correction stays in the log, marked undone.
    def _snapshot(self) -> dict:
        with self.lock:
            return {"docs": [copy.deepcopy(asdict(d)) for d in self.documents],
                    "pages": {pid: asdict(p) for pid, p in self.pages.items()}}

    @staticmethod
    def _shape(snap: dict) -> tuple:
        return ([(d["id"], d["pages"]) for d in snap["docs"]],
                {pid: (p["scan"], p["upright"], p["keep_blank"]) for pid, p in snap["pages"].items()})

    def _push_step(self, label: str, before: dict) -> None:
        """Record a page step when it changed something."""
        with self.lock:
            if self._shape(before) != self._shape(self._snapshot()):
                self._push(_Step(label, before))

    def _push(self, step: "_Step") -> None:
        self._undo.append(step)
        del self._undo[:-UNDO_LIMIT]
        self._redo.clear()

    def undo_label(self) -> Optional[str]:
        with self.lock:
            return self._undo[-1].label if self._undo else None

    def redo_label(self) -> Optional[str]:
        with self.lock:
            return self._redo[-1].label if self._redo else None

    def undo(self) -> Optional[str]:
        """Take back the officer's last step; returns its label (None when there is none)."""
        return self._travel(self._undo, self._redo)

    def redo(self) -> Optional[str]:
        return self._travel(self._redo, self._undo)

    def _travel(self, source: list, target: list) -> Optional[str]:
        with self.lock:
            if not source:
                return None
            step = source.pop()
            if "field" in step.state:
                step.state = self._swap_field(step.state)
            else:
                now = self._snapshot()
                self._restore(step.state, removed=step.removed)
                step.removed = [p for p in self.pages if p not in now["pages"]]  # brought back by it
                step.state = now
            target.append(step)
            self.autosave()
            return step.label

    def _swap_field(self, state: dict) -> dict:
        """Put the field (or table cell) back as `state` holds it; the state to swap back to."""
        d = next((x for x in self.documents if x.id == state["doc"]), None)
        corr = state["corr"]
        if d is None:
            return state
        fid, value = state["field"], state["value"]
        if _CELL.match(fid):
            current = _get_cell(d.extra, fid)
            _set_cell(d.extra, fid, value)
        else:
            current = copy.deepcopy(d.fields.get(fid))
            if value is None:
                d.fields.pop(fid, None)
            else:
                d.fields[fid] = copy.deepcopy(value)
        undoing = not corr.get("undone")
        corr["undone"] = undoing
        if corr.get("recorded"):
            # the store has had it: it gets the way back (undo) or the correction again (redo)
            back = {**corr, "old": corr["new"], "new": corr["old"]} if undoing else dict(corr)
            back.update(recorded=False, undone=False, when=_now(), reverts=undoing)
            self.corrections.append(back)
            if not undoing:
                corr["undone"], corr = True, back  # the copy is the live one from now on
        d.changed(understood=d.understood)
        return {**state, "value": current, "corr": corr}

    def _restore(self, snap: dict, removed: list[str]) -> None:
        """The dossier's shape as `snap` holds it; pages `removed` by the step go (to the trash)."""
        for pid in removed:
            if pid in self.pages:
                self._touch_docs_of(pid)
                self._retire(pid)
        for pid, rec in snap["pages"].items():
            page = self.pages.get(pid)
            if page is None and pid not in removed and (self.pages_dir / rec["scan"]).exists():
                page = self.pages[pid] = WsPage(**rec)  # a deleted page comes back
                self.trash.discard(rec["scan"])
                self._adopt_processing(page, rec)
            elif page is not None and page.scan != rec["scan"] and (self.pages_dir / rec["scan"]).exists():
                self._to_trash(page.scan, page.clean, page.ocr)  # the image before a turn comes back
                page.scan, page.dpi, page.upright, page.blank = rec["scan"], rec["dpi"], rec["upright"], rec["blank"]
                self.trash.discard(rec["scan"])
                self._adopt_processing(page, rec)
                self._cache.pop(pid, None)
                self._touch_docs_of(pid)
            if page is not None and page.keep_blank != rec["keep_blank"]:
                page.keep_blank = rec["keep_blank"]
                self._touch_docs_of(pid)
        current = {d.id: d for d in self.documents}
        flat = [p for d in self.documents for p in d.pages]
        placed: set[str] = set()
        docs: list[WsDocument] = []
        for rec in snap["docs"]:
            pages = [p for p in rec["pages"] if p in self.pages and not self.pages[p].cover and p not in placed]
            d = current.get(rec["id"])
            if d is None:  # a document the step merged away
                d = WsDocument(**{**copy.deepcopy(rec), "pages": [], "understood": False, "saved": None})
            if d.pages != pages:
                d.pages = pages
                d.changed()
            docs.append(d)
            placed.update(pages)
        for n, pid in enumerate(flat):  # arrived after the step: stays after the page it followed
            if pid in placed or pid not in self.pages:
                continue
            prev = next((q for q in reversed(flat[:n]) if q in placed), None)
            if not docs:
                docs.append(WsDocument(id=_new_id()))
            home = next((d for d in docs if prev in d.pages), docs[0])
            home.pages.insert(home.pages.index(prev) + 1 if prev in home.pages else 0, pid)
            home.changed()
            placed.add(pid)
        self.documents = [d for d in docs if d.pages]

    def _adopt_processing(self, page: WsPage, rec: dict) -> None:
        """The processed files the record names, when still there; else the page is processed again."""
        if rec["clean"] and rec["ocr"] and all((self.pages_dir / n).exists() for n in (rec["clean"], rec["ocr"])):
            page.clean, page.ocr = rec["clean"], rec["ocr"]
            self.trash.difference_update((rec["clean"], rec["ocr"]))
        else:
            page.clean = page.ocr = None


@dataclass
class _Step:
    label: str  # strings key naming the step in the Edit menu
    state: dict  # page step: the dossier's shape to go back to; field step: the field's value
    removed: list = field(default_factory=list)  # pages to take out when going back


UNDO_LIMIT = 100


_CELL = re.compile(r"^(\w+)\[(\d+)\]\.(\w+)$")


def _get_cell(extra: dict, cell: str) -> Optional[str]:
    """The value at "table[row].column" (rows counted from 1), None where there is none."""
    m = _CELL.match(cell)
    rows = extra.get(m.group(1)) or []
    row = int(m.group(2)) - 1
    return rows[row].get(m.group(3)) if row < len(rows) and isinstance(rows[row], dict) else None


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
