"""The three panes of the main window: page thumbnails, page view with zoom, field review."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from PyQt5.QtCore import QEvent, QItemSelectionModel, QRectF, QSize, Qt, pyqtSignal
from PyQt5.QtGui import QBrush, QColor, QIcon, QKeySequence, QPainter, QPen, QPixmap
from PyQt5.QtWidgets import (QAbstractItemView, QFormLayout, QFrame, QGraphicsPixmapItem, QGraphicsRectItem,
                             QGraphicsScene, QGraphicsView, QHeaderView, QLabel, QLineEdit, QListView, QListWidget,
                             QListWidgetItem, QScrollArea, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from scanner_app.devices.files import FILE_SUFFIXES
from scanner_app.gui.strings import tr

PAGE_ROLE = Qt.UserRole
THUMB = 132

COLOURS = {"ok": "#c8f0c8", "doubt": "#fff2b3", "missing": "#fff2b3", "invalid": "#f8c6c6", "corrected": "#c8e0f8"}
DOUBT_BELOW = 0.80  # confidence under which a field is shown yellow


def dropped_files(mime) -> list[Path]:
    """Local image/PDF files (or folders of them) in a drag-and-drop payload."""
    out: list[Path] = []
    for url in mime.urls() if mime.hasUrls() else []:
        if not url.isLocalFile():
            continue
        p = Path(url.toLocalFile())
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.suffix.lower() in FILE_SUFFIXES))
        elif p.suffix.lower() in FILE_SUFFIXES:
            out.append(p)
    return out


class ThumbList(QListWidget):
    """Pages of all documents in order; drag to reorder, files dropped on it are imported.

    A drop only says where the pages should go (`pages_dropped`): the workspace moves them
    (one undo step) and the list is rebuilt from it, so the list never shows an order the
    dossier does not have.
    """

    pages_dropped = pyqtSignal(list, str, bool)  # page ids, the page they go next to ("" = the end), after it
    files_dropped = pyqtSignal(list)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.IconMode)
        self.setFlow(QListView.TopToBottom)
        self.setWrapping(False)
        self.setMovement(QListView.Snap)
        self.setResizeMode(QListView.Adjust)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setGridSize(QSize(THUMB + 24, THUMB + 34))
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.setDragDropMode(QAbstractItemView.InternalMove)
        self.setDefaultDropAction(Qt.MoveAction)
        self.setAcceptDrops(True)
        self.setMinimumWidth(THUMB + 44)
        self.setMaximumWidth(THUMB + 60)
        self._placeholder = QPixmap(THUMB * 3 // 4, THUMB)
        self._placeholder.fill(QColor("#dddddd"))

    def page_ids(self) -> list[str]:
        return [self.item(i).data(PAGE_ROLE) for i in range(self.count())]

    def selected_ids(self) -> list[str]:
        return [it.data(PAGE_ROLE) for it in self.selectedItems()]

    def current_id(self) -> Optional[str]:
        it = self.currentItem()
        return it.data(PAGE_ROLE) if it else None

    def set_pages(self, entries: list[tuple[str, str, bool]], icons: dict[str, QIcon]) -> None:
        """(page id, label, starts a document) in order; keeps the current page selected."""
        current = self.current_id()
        self.blockSignals(True)
        self.clear()
        for pid, label, first in entries:
            it = QListWidgetItem(icons.get(pid) or QIcon(self._placeholder), label)
            it.setData(PAGE_ROLE, pid)
            it.setFlags(it.flags() | Qt.ItemIsDragEnabled)
            it.setTextAlignment(Qt.AlignHCenter)
            if first:
                it.setBackground(QBrush(QColor("#e3ecf7")))
            self.addItem(it)
        self.blockSignals(False)
        ids = [e[0] for e in entries]
        if current in ids:
            self.setCurrentRow(ids.index(current))
        elif ids:
            self.setCurrentRow(len(ids) - 1)

    def set_icon(self, pid: str, icon: QIcon) -> None:
        for i in range(self.count()):
            if self.item(i).data(PAGE_ROLE) == pid:
                self.item(i).setIcon(icon)

    def select_ids(self, ids: list[str]) -> None:
        for i in range(self.count()):
            it = self.item(i)
            it.setSelected(it.data(PAGE_ROLE) in ids)
            if it.data(PAGE_ROLE) == ids[0]:
                self.setCurrentItem(it, QItemSelectionModel.Current)

    def drop_target(self, pos) -> tuple[str, bool]:
        """The page a drop at `pos` goes next to, and whether after it (lower half, or past the end)."""
        best, best_dist = None, None
        for i in range(self.count()):
            rect = self.visualItemRect(self.item(i))
            dist = 0 if rect.top() <= pos.y() <= rect.bottom() else min(abs(pos.y() - rect.top()),
                                                                       abs(pos.y() - rect.bottom()))
            if best_dist is None or dist < best_dist:
                best, best_dist = i, dist
        if best is None:
            return "", False
        rect = self.visualItemRect(self.item(best))
        return self.item(best).data(PAGE_ROLE), pos.y() > rect.center().y()

    # external files: import instead of reorder
    def dragEnterEvent(self, event) -> None:
        if event.source() is None and dropped_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if event.source() is None and event.mimeData().hasUrls():
            event.acceptProposedAction()
        elif event.source() is self:
            event.setDropAction(Qt.MoveAction)
            event.accept()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        if event.source() is None:
            files = dropped_files(event.mimeData())
            if files:
                event.acceptProposedAction()
                self.files_dropped.emit(files)
            return
        if event.source() is not self:
            event.ignore()
            return
        # accepted as "nothing moved here": the view must not remove the dragged items itself
        event.setDropAction(Qt.IgnoreAction)
        event.accept()
        ids = self.selected_ids()
        target, after = self.drop_target(event.pos())
        if ids and target not in ids:
            self.pages_dropped.emit(ids, target, after)


class PageView(QGraphicsView):
    """The cleaned page with zoom (Ctrl+wheel, buttons) and the selected field's box."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.scene_ = QGraphicsScene(self)
        self.setScene(self.scene_)
        self.pixmap_item = QGraphicsPixmapItem()
        self.pixmap_item.setTransformationMode(Qt.SmoothTransformation)
        self.scene_.addItem(self.pixmap_item)
        self.box = QGraphicsRectItem()
        pen = QPen(QColor("#e0218a"))
        pen.setWidth(4)
        pen.setCosmetic(True)
        self.box.setPen(pen)
        self.box.setBrush(QBrush(QColor(224, 33, 138, 40)))
        self.box.setZValue(10)
        self.box.hide()
        self.scene_.addItem(self.box)
        self.setRenderHints(QPainter.Antialiasing | QPainter.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.ScrollHandDrag)
        self.setBackgroundBrush(QBrush(QColor("#5a5a5a")))
        self.page_id: Optional[str] = None
        self.image_size: tuple[int, int] = (0, 0)  # pixels of the page the boxes refer to
        self.fit = True

    def show_pixmap(self, page_id: str, pixmap: QPixmap, full_size: tuple[int, int]) -> None:
        """`full_size`: the cleaned page's pixel size (bboxes refer to it); the pixmap may be smaller."""
        self.page_id = page_id
        self.image_size = full_size
        self.pixmap_item.setPixmap(pixmap)
        sx = pixmap.width() / full_size[0] if full_size[0] else 1.0
        self.pixmap_item.setScale(1.0 / sx if sx else 1.0)
        self.scene_.setSceneRect(QRectF(0, 0, full_size[0], full_size[1]))
        self.box.hide()
        if self.fit:
            self.fit_page()

    def clear_page(self) -> None:
        self.page_id = None
        self.pixmap_item.setPixmap(QPixmap())
        self.box.hide()

    def highlight(self, bbox) -> None:
        if not bbox:
            self.box.hide()
            return
        x0, y0, x1, y1 = bbox
        self.box.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.box.show()
        self.ensureVisible(self.box, 40, 40)

    def crop(self, bbox, margin: int = 12) -> QPixmap:
        pm = self.pixmap_item.pixmap()
        if pm.isNull() or not bbox or not self.image_size[0]:
            return QPixmap()
        s = pm.width() / self.image_size[0]
        x0, y0, x1, y1 = bbox
        return pm.copy(int((x0 - margin) * s), int((y0 - margin) * s),
                       int((x1 - x0 + 2 * margin) * s), int((y1 - y0 + 2 * margin) * s))

    def zoom(self, factor: float) -> None:
        self.fit = False
        self.scale(factor, factor)

    def fit_page(self) -> None:
        self.fit = True
        self.fitInView(self.scene_.sceneRect(), Qt.KeepAspectRatio)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.fit:
            self.fit_page()

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.ControlModifier:
            self.zoom(1.25 if event.angleDelta().y() > 0 else 0.8)
        else:
            super().wheelEvent(event)


DOUBTFUL = ("doubt", "missing", "invalid")  # the statuses F3 visits and the save message counts


def field_status(f: dict) -> str:
    """ok | doubt | missing | invalid | corrected — what colour the officer sees."""
    if f.get("corrected"):
        return "corrected"
    if not f.get("valid", True):
        return "invalid"
    if f.get("value") in (None, ""):
        return "missing"
    # the tool's review flag (templates/review.py); results written before it: confidence alone
    if f.get("needs_review", float(f.get("confidence") or 0) < DOUBT_BELOW):
        return "doubt"
    return "ok"


class FieldPanel(QWidget):
    """One line edit per field of the recognised form, coloured by confidence and validity.

    Tab jumps to the next doubtful field; focusing a field emits `field_focused` so the page
    view can show its box; finishing an edit emits `field_edited` (the window records it).
    """

    field_focused = pyqtSignal(str)
    field_edited = pyqtSignal(str, str)
    table_edited = pyqtSignal(str, int, str, str)  # table id, row (0-based), column id, text

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.header = QLabel(tr("no_document"))
        self.header.setWordWrap(True)
        self.header.setStyleSheet("font-weight: bold")
        outer.addWidget(self.header)
        self.crop_label = QLabel()
        self.crop_label.setFrameShape(QFrame.StyledPanel)
        self.crop_label.setMinimumHeight(60)
        self.crop_label.setMaximumHeight(110)
        self.crop_label.setAlignment(Qt.AlignCenter)
        self.crop_label.setToolTip(tr("crop"))
        outer.addWidget(self.crop_label)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.inner = QWidget()
        inner = QVBoxLayout(self.inner)
        inner.setContentsMargins(0, 0, 0, 0)
        form_box = QWidget()
        self.form = QFormLayout(form_box)
        self.form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.WrapAllRows)  # labels above: values get the full width
        self.form.setVerticalSpacing(4)
        inner.addWidget(form_box)
        self.tables_box = QVBoxLayout()  # a form's tables (CT01's household members), editable
        inner.addLayout(self.tables_box)
        inner.addStretch(1)
        self.tables: dict[str, QTableWidget] = {}
        #: Key combinations (modifiers | key) of the window's commands that must reach the window
        #: from inside a field: a line edit takes Ctrl+E (end of line) and more on X11 desktops.
        self.window_keys: set[int] = set()
        self.table_rows: dict[str, list[dict]] = {}
        self.scroll.setWidget(self.inner)
        outer.addWidget(self.scroll, 1)
        self.edits: dict[str, QLineEdit] = {}
        self.problems: dict[str, QLabel] = {}
        self.fields: dict[str, dict] = {}
        self.doc_index: Optional[int] = None

    def set_document(self, doc_index: Optional[int], header: str, fields: dict[str, dict],
                     labels: dict[str, str] | None = None, tables: dict[str, list[dict]] | None = None,
                     columns: dict[str, list[tuple[str, str]]] | None = None) -> None:
        focused = next((k for k, e in self.edits.items() if e.hasFocus()), None)
        same = doc_index == self.doc_index and list(fields) == list(self.fields)
        self.doc_index = doc_index
        self.header.setText(header)
        if not same:
            while self.form.rowCount():
                self.form.removeRow(0)
            self.edits.clear()
            self.problems.clear()
            for fid in fields:
                edit = QLineEdit()
                edit.setObjectName(f"field_{fid}")
                edit.installEventFilter(self)
                edit.editingFinished.connect(lambda fid=fid: self._finished(fid))
                edit.textEdited.connect(lambda _t, e=edit: e.setProperty("dirty", True))
                prob = QLabel()
                prob.setWordWrap(True)
                prob.setStyleSheet("color: #9b1c1c; font-size: 11px")
                prob.hide()
                box = QWidget()
                lay = QVBoxLayout(box)
                lay.setContentsMargins(0, 0, 0, 0)
                lay.setSpacing(1)
                lay.addWidget(edit)
                lay.addWidget(prob)
                self.form.addRow((labels or {}).get(fid, fid), box)
                self.edits[fid] = edit
                self.problems[fid] = prob
        self.fields = fields
        for fid, f in fields.items():
            edit = self.edits[fid]
            if not edit.property("dirty") and edit.text() != (f.get("value") or ""):
                edit.setText(f.get("value") or "")
                edit.setCursorPosition(0)  # long values: show their beginning
            self._colour(fid)
        if focused in self.edits:
            self.edits[focused].setFocus()
        self._set_tables(tables or {}, columns or {}, same)

    def _set_tables(self, tables: dict[str, list[dict]], columns: dict[str, list[tuple[str, str]]],
                    same_document: bool) -> None:
        """One editable grid per table of the form, its rows the members read, plus an empty row
        to add one; the row number is the grid's, never part of a value."""
        if same_document and set(columns) == set(self.tables) and all(
                self.table_rows.get(t) == tables.get(t, []) or self.tables[t].state() == QAbstractItemView.EditingState
                for t in columns):
            return
        while self.tables_box.count():
            w = self.tables_box.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.tables.clear()
        self.table_rows = {t: [dict(r) for r in tables.get(t, []) if isinstance(r, dict)] for t in columns}
        for tid, cols in columns.items():
            rows = self.table_rows[tid]
            title = QLabel(tr("table_" + tid))  # the table id itself when it has no name
            title.setStyleSheet("font-weight: bold")
            grid = QTableWidget(len(rows) + 1, len(cols))
            grid.setObjectName(f"table_{tid}")
            grid.setHorizontalHeaderLabels([label for _cid, label in cols])
            grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
            grid.horizontalHeader().setStretchLastSection(True)
            for r, row in enumerate(rows):
                for c, (cid, _label) in enumerate(cols):
                    grid.setItem(r, c, QTableWidgetItem(row.get(cid) or ""))
            grid.setMinimumHeight(min(260, 40 + 30 * (len(rows) + 1)))
            grid.cellChanged.connect(
                lambda r, c, tid=tid, cols=cols, grid=grid: self._cell_changed(grid, tid, r, c, cols[c][0]))
            self.tables_box.addWidget(title)
            self.tables_box.addWidget(grid)
            self.tables[tid] = grid

    def _cell_changed(self, grid: QTableWidget, tid: str, row: int, col: int, cid: str) -> None:
        if self.tables.get(tid) is not grid:
            return  # a grid already replaced by a newer one
        item = grid.item(row, col)
        text = item.text() if item is not None else ""
        rows = self.table_rows.setdefault(tid, [])
        while len(rows) <= row:
            rows.append({})
        if (rows[row].get(cid) or "") == text:
            return
        rows[row][cid] = text or None
        if row == grid.rowCount() - 1 and text:  # the empty row was used: offer another
            grid.blockSignals(True)
            grid.insertRow(grid.rowCount())
            grid.blockSignals(False)
        self.table_edited.emit(tid, row, cid, text)

    def _colour(self, fid: str) -> None:
        f = self.fields.get(fid, {})
        status = field_status(f)
        edit = self.edits[fid]
        edit.setProperty("status", status)
        edit.setStyleSheet(f"QLineEdit {{ background: {COLOURS[status]}; color: black }}")
        problems = list(f.get("problems") or [])
        text = {"ok": tr("field_ok"), "doubt": tr("field_doubt"), "missing": tr("field_missing"),
                "invalid": tr("field_invalid"), "corrected": tr("field_corrected")}[status]
        conf = f.get("confidence")
        tip = f"{text} ({float(conf or 0):.0%})" + ("".join(f"\n• {p}" for p in problems))
        edit.setToolTip(tip)
        prob = self.problems[fid]
        if problems or status in ("doubt", "missing"):
            prob.setText("; ".join(problems) if problems else text)
            prob.setStyleSheet("color: %s; font-size: 11px" % ("#9b1c1c" if problems else "#7a5b00"))
            prob.show()
        else:
            prob.hide()

    def doubtful(self) -> list[str]:
        return [fid for fid, f in self.fields.items() if field_status(f) in DOUBTFUL]

    def focus_next_doubtful(self, after: Optional[str] = None) -> Optional[str]:
        ids = list(self.fields)
        doubt = self.doubtful()
        if not doubt:
            return None
        start = ids.index(after) + 1 if after in ids else 0
        order = ids[start:] + ids[:start]
        fid = next(f for f in order if f in doubt)
        self.edits[fid].setFocus(Qt.TabFocusReason)
        self.edits[fid].selectAll()
        return fid

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.ShortcutOverride and (
                (int(event.modifiers()) | event.key()) in self.window_keys
                or (isinstance(obj, QLineEdit) and not obj.property("dirty")
                    and (event.matches(QKeySequence.Undo) or event.matches(QKeySequence.Redo)
                         or (int(event.modifiers()) | event.key()) == int(Qt.ControlModifier | Qt.Key_Y)))):
            # not the field's: the window's command runs (Ctrl+S, Ctrl+E, F3 ...; Ctrl+Z/Ctrl+Y
            # when the field holds no unfinished typing of its own to undo)
            event.ignore()
            return True
        if isinstance(obj, QLineEdit):
            fid = obj.objectName().removeprefix("field_")
            if event.type() == QEvent.FocusIn:
                self.field_focused.emit(fid)
            elif event.type() == QEvent.KeyPress and event.key() == Qt.Key_Tab and not event.modifiers():
                self._finished(fid)
                if self.focus_next_doubtful(after=fid) is None:
                    return False  # nothing doubtful left: ordinary Tab
                return True
        return super().eventFilter(obj, event)

    def _finished(self, fid: str) -> None:
        edit = self.edits.get(fid)
        if edit is None or not edit.property("dirty"):
            return
        edit.setProperty("dirty", False)
        self.field_edited.emit(fid, edit.text())
