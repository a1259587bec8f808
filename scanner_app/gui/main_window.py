"""The counter officer's window: scan or import, review pages and fields, correct, save.

Thin by design: the workspace holds the dossier, workers do the work, this class wires
signals to widgets. No file or image work happens on the UI thread except small JSON
autosaves.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

from PyQt5.QtCore import QByteArray, QSize, Qt, QTimer, QUrl, pyqtSignal
from PyQt5.QtGui import QDesktopServices, QIcon, QImage, QKeySequence, QPixmap
from PyQt5.QtWidgets import (QAction, QApplication, QComboBox, QDialog, QFileDialog, QHBoxLayout, QInputDialog,
                             QLabel, QLineEdit, QListWidget, QListWidgetItem, QMainWindow, QMessageBox, QProgressBar,
                             QPushButton, QSplitter, QStyle, QTableWidget, QTableWidgetItem, QToolBar, QVBoxLayout,
                             QWidget)

import ocr.imageio  # noqa: F401  (image plugins loaded in the GUI thread, before any worker runs)
from exports.package import package_path
from ocr.errors import SohoaError
from scanner_app.devices import RESOLUTIONS, SOURCES, open_device
from scanner_app.devices.files import FILE_SUFFIXES, FilesDevice
from scanner_app.gui.app import install_qt_translation
from scanner_app.gui.strings import set_language, tr
from scanner_app.gui.widgets import DOUBTFUL, THUMB, FieldPanel, PageView, ThumbList, dropped_files, field_status
from scanner_app.gui.workers import (ExportWorker, ImageLoader, ProcessWorker, ReopenWorker, SaveWorker,
                                     ScanWorker, VerifyWorker, dossier_store)
from scanner_app.settings import Settings, load_settings, save_settings
from scanner_app.workspace import OTHER_FORM, Workspace, current_user, dossier_code_in

log = logging.getLogger(__name__)

PAGE_VIEW_MAX = 1800  # longest side of the image shown in the page view (sharp at 2x zoom, quick to paint)


class MainWindow(QMainWindow):
    #: emitted on the UI thread once a scan or import has ended (its worker's pages all shown)
    scan_finished = pyqtSignal(int)
    #: emitted on the UI thread when an export ends: the ZIP's path, or "" when it failed
    export_finished = pyqtSignal(str)
    verify_finished = pyqtSignal(str, bool)  # the package, whether it is sound

    def __init__(self, workspace: Optional[Workspace] = None, settings: Optional[Settings] = None,
                 confirm_close: bool = True) -> None:
        super().__init__()
        #: ask before closing on a running scan/save or unsaved documents (scripts pass False)
        self.confirm_close = confirm_close
        self.settings = settings or load_settings()
        set_language(self.settings.ui_lang)
        install_qt_translation(QApplication.instance())  # Qt's own Yes/No, Open, Cancel in Vietnamese
        self.ws = workspace or Workspace.open()
        self.user = current_user()
        self.scan_worker: Optional[ScanWorker] = None
        self.save_worker: Optional[SaveWorker] = None
        self.watching = False
        self.skip_blank = True  # blank pages left out of the PDF unless the scan profile keeps them
        self.presets = []
        self.errors: list[str] = []  # every error shown, newest last (tests and logs read it)
        self.last_error_shown = ""  # the status-bar text of the newest error
        self.icons: dict[str, QIcon] = {}
        self.page_sizes: dict[str, tuple[int, int]] = {}
        self._shown_revision = -1
        self._retranslate: list = []
        self._pending_box = None  # field box to show once its page image has loaded

        self.setAcceptDrops(True)
        self._build_ui()
        self._build_actions()
        self._fill_presets()
        self.fit_to_screen()

        self.loader = ImageLoader(self)
        self.loader.ready.connect(self._image_ready)
        self.processor = ProcessWorker(self.ws, self.settings.pipeline_options, self)
        self.processor.page_processed.connect(self._page_processed)
        self.processor.document_understood.connect(lambda i: self.refresh())
        self.processor.cover_found.connect(self._cover_found)
        self.processor.progress.connect(self._process_progress)
        self.processor.failed.connect(self.show_error)
        self.processor.idle.connect(self._processing_idle)
        self.processor.start()

        self.code_edit.setText(self.ws.dossier_code)
        if self.ws.restored and self.ws.pages:
            self.status(tr("status_restored", n=len(self.ws.page_order())))
        else:
            self.status(tr("status_ready"))
        self.refresh()
        self.update_title()
        for pid in self.ws.unprocessed():
            self.processor.enqueue(pid)
        self.processor.request_understanding()

    # ------------------------------------------------------------------ layout
    def _build_ui(self) -> None:
        self.thumbs = ThumbList()
        self.thumbs.currentItemChanged.connect(lambda *_: (self._show_current(), self._refresh_edit_actions()))
        self.thumbs.pages_dropped.connect(self._pages_dropped)
        self.thumbs.files_dropped.connect(self.import_files)
        self.thumbs.setContextMenuPolicy(Qt.ActionsContextMenu)
        self.view = PageView()
        self.fields = FieldPanel()
        self.fields.field_focused.connect(self._field_focused)
        self.fields.field_edited.connect(self._field_edited)
        self.fields.table_edited.connect(self._table_edited)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(self.thumbs)
        split.addWidget(self.view)
        self.form_combo = QComboBox()
        self.form_combo.setObjectName("form_combo")
        self.form_combo.activated.connect(self._form_chosen)
        self.form_label = QLabel(tr("form_choice"))
        self.form_label.setBuddy(self.form_combo)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.form_label)
        row.addWidget(self.form_combo, 1)
        rl.addLayout(row)
        rl.addWidget(self.fields, 1)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 2)
        split.setSizes([THUMB + 50, 700, 420])
        self.setCentralWidget(split)

        self.progress = QProgressBar()
        self.progress.setMaximumWidth(260)
        self.progress.setFormat("%v/%m")
        self.progress.hide()
        self.cancel_button = QPushButton(tr("cancel"))
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        self.status_label = QLabel()
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)

    def _action(self, key: str, slot, shortcut=None, icon=None, tip: str | None = None,
                checkable: bool = False) -> QAction:
        act = QAction(tr(key), self)
        act.setObjectName(f"action_{key}")
        if icon is not None:
            act.setIcon(self.style().standardIcon(icon))
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setToolTip(tr(tip))
            act.setStatusTip(tr(tip))
        act.setCheckable(checkable)
        act.triggered.connect(slot)
        self._retranslate.append((act, key, tip))
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        S = QStyle
        self.act_scan = self._action("scan", lambda: self.scan(), "F5", S.SP_MediaPlay, "scan_tip")
        self.act_import = self._action("import", lambda: self.import_dialog(), QKeySequence.Open,
                                       S.SP_DialogOpenButton, "import_tip")
        self.act_watch = self._action("watch", self.toggle_watch, None, S.SP_FileDialogContentsView,
                                      "watch_tip", checkable=True)
        self.act_save = self._action("save", lambda: self.save(), QKeySequence.Save, S.SP_DialogSaveButton,
                                     "save_tip")
        self.act_export = self._action("export", lambda: self.export_dialog(), "Ctrl+E", S.SP_DriveNetIcon,
                                       "export_tip")
        self.act_verify = self._action("verify", lambda: self.verify_dialog(), "Ctrl+Shift+V",
                                       S.SP_DialogApplyButton, "verify_tip")
        self.act_open_saved = self._action("open_saved", lambda: self.open_saved_dialog(), "Ctrl+Shift+O",
                                           S.SP_DirOpenIcon, "open_saved_tip")
        self.act_history = self._action("history", lambda: self.show_history(), "Ctrl+H", None, "history_tip")
        self.act_new_doc = self._action("new_document", self.new_document, "Ctrl+N", S.SP_FileIcon,
                                        "new_document_tip")
        self.act_new_dossier = self._action("new_dossier", self.new_dossier, "Ctrl+Shift+N", S.SP_TrashIcon)
        self.act_settings = self._action("settings", self.open_settings, "Ctrl+,")
        self.act_quit = self._action("quit", self.close, QKeySequence.Quit)
        self.act_cancel = self._action("cancel", self.cancel, "Esc")
        self.act_rotate = self._action("rotate", lambda: self.rotate(90), "Ctrl+R", S.SP_BrowserReload)
        self.act_rotate_left = self._action("rotate_left", lambda: self.rotate(270), "Ctrl+Shift+L")
        self.act_delete = self._action("delete_page", self.delete_pages, QKeySequence.Delete)
        self.act_split = self._action("split", self.split_here, "Ctrl+T")
        self.act_merge = self._action("merge", self.merge_previous, "Ctrl+M")
        self.act_rescan = self._action("rescan", self.rescan_page, "Ctrl+Shift+R")
        self.act_scan_insert = self._action("scan_insert", lambda: self.scan_insert(), "Ctrl+I", None,
                                            "scan_insert_tip")
        self.act_move_up = self._action("move_up", lambda: self.shift_pages(-1), "Ctrl+Up", S.SP_ArrowUp)
        self.act_move_down = self._action("move_down", lambda: self.shift_pages(1), "Ctrl+Down", S.SP_ArrowDown)
        self.act_keep_blank = self._action("keep_blank", self.keep_blank, "Ctrl+B", None, "keep_blank_tip",
                                           checkable=True)
        self.act_undo = self._action("undo", self.undo, QKeySequence.Undo, S.SP_ArrowBack)
        self.act_redo = self._action("redo", self.redo, "Ctrl+Y", S.SP_ArrowForward)
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")])
        self.act_zoom_in = self._action("zoom_in", lambda: self.view.zoom(1.25), QKeySequence.ZoomIn)
        self.act_zoom_out = self._action("zoom_out", lambda: self.view.zoom(0.8), QKeySequence.ZoomOut)
        self.act_zoom_fit = self._action("zoom_fit", self.view.fit_page, "Ctrl+0")
        self.act_next = self._action("next_doubt", self.next_doubtful, "F3")
        self.act_presets = [self._action(f"preset_scan_{n}", lambda _c=False, n=n: self.scan_with_preset(n),
                                         f"F{6 + n}") for n in range(4)]
        self.act_save_preset = self._action("save_preset", lambda: self.save_preset_dialog())

        for a in (self.act_rotate, self.act_rotate_left, self.act_delete, self.act_move_up, self.act_move_down,
                  self.act_split, self.act_merge, self.act_keep_blank, self.act_rescan, self.act_scan_insert):
            self.thumbs.addAction(a)
        self.fields.window_keys = window_keys(self.actions())

        mb = self.menuBar()
        self.menu_file = mb.addMenu(tr("menu_file"))
        self.menu_scan = mb.addMenu(tr("menu_scan"))
        for a in (*self.act_presets, None, self.act_save_preset):
            self.menu_scan.addSeparator() if a is None else self.menu_scan.addAction(a)
        for a in (self.act_scan, self.act_import, self.act_watch, self.act_open_saved, None, self.act_save,
                  self.act_export, self.act_verify,
                  self.act_new_doc,
                  self.act_new_dossier, None, self.act_settings, None, self.act_quit):
            self.menu_file.addSeparator() if a is None else self.menu_file.addAction(a)
        self.menu_edit = mb.addMenu(tr("menu_edit"))
        for a in (self.act_undo, self.act_redo, None, self.act_history):
            self.menu_edit.addSeparator() if a is None else self.menu_edit.addAction(a)
        self.menu_page = mb.addMenu(tr("menu_page"))
        for a in (self.act_rotate, self.act_rotate_left, self.act_delete, self.act_move_up, self.act_move_down,
                  None, self.act_split, self.act_merge, self.act_keep_blank, None, self.act_rescan,
                  self.act_scan_insert, None, self.act_next):
            self.menu_page.addSeparator() if a is None else self.menu_page.addAction(a)
        self.menu_view = mb.addMenu(tr("menu_view"))
        for a in (self.act_zoom_in, self.act_zoom_out, self.act_zoom_fit):
            self.menu_view.addAction(a)

        tb = QToolBar("main")
        tb.setObjectName("toolbar_main")
        tb.setIconSize(QSize(22, 22))
        tb.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.addToolBar(tb)
        self.preset_label = QLabel(tr("preset"))
        tb.addWidget(self.preset_label)
        self.preset_combo = QComboBox()
        self.preset_combo.setObjectName("preset_combo")
        self.preset_combo.setToolTip(tr("preset_tip"))
        self.preset_combo.setPlaceholderText(tr("preset_none"))
        self.preset_combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.preset_combo.setMinimumContentsLength(16)
        self.preset_combo.activated.connect(lambda i: self.choose_preset(i))
        tb.addWidget(self.preset_combo)
        self.device_label = QLabel(tr("device"))
        tb.addWidget(self.device_label)
        self.device_combo = QComboBox()
        self.device_combo.setObjectName("device_combo")
        self.device_combo.setEditable(True)
        self.device_combo.setMinimumWidth(150)
        self._set_devices([self.settings.device] if self.settings.device else [])
        self.device_combo.lineEdit().setPlaceholderText(tr("no_scanner_short"))
        self.device_combo.setToolTip(tr("no_scanner"))
        tb.addWidget(self.device_combo)
        self.source_combo = QComboBox()
        self.source_combo.setObjectName("source_combo")
        for s in SOURCES:
            self.source_combo.addItem(tr(s), s)
        self.source_combo.setCurrentIndex(max(0, self.source_combo.findData(self.settings.source)))
        tb.addWidget(self.source_combo)
        self.res_combo = QComboBox()
        for r in RESOLUTIONS:
            self.res_combo.addItem(f"{r} dpi", r)
        idx = self.res_combo.findData(self.settings.resolution)
        if idx < 0:
            self.res_combo.addItem(f"{self.settings.resolution} dpi", self.settings.resolution)
            idx = self.res_combo.count() - 1
        self.res_combo.setCurrentIndex(idx)
        tb.addWidget(self.res_combo)
        self.mode_combo = QComboBox()
        for m in ("Color", "Gray"):
            self.mode_combo.addItem(tr(m), m)
        self.mode_combo.setCurrentIndex(max(0, self.mode_combo.findData(self.settings.mode)))
        tb.addWidget(self.mode_combo)
        for a in (self.act_scan, self.act_import, self.act_watch, self.act_save):
            tb.addAction(a)

        tb2 = QToolBar("dossier")
        tb2.setObjectName("toolbar_dossier")
        tb2.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.addToolBarBreak()
        self.addToolBar(tb2)
        self.code_label = QLabel(tr("dossier_code"))
        tb2.addWidget(self.code_label)
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("dossier_code")
        self.code_edit.setPlaceholderText(tr("dossier_code_ph"))
        self.code_edit.setMinimumWidth(320)
        self.code_edit.editingFinished.connect(self._code_edited)
        tb2.addWidget(self.code_edit)
        tb2.addSeparator()
        for a in (self.act_new_doc, self.act_rotate, self.act_delete, self.act_split, self.act_merge):
            tb2.addAction(a)
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("search")
        self.search_edit.setPlaceholderText(tr("search_ph"))
        self.search_edit.setMinimumWidth(240)
        self.search_edit.returnPressed.connect(lambda: self.search(self.search_edit.text()))
        tb.addSeparator()
        tb.addWidget(self.search_edit)

    # ------------------------------------------------------------------ helpers
    def status(self, text: str) -> None:
        self.status_label.setText(text)

    def show_error(self, message: str, title_key: str = "error_title") -> None:
        """A non-blocking error box, Vietnamese first and the English wording (of a library
        error's "vi / en" message) as its details; the app keeps running whatever happened."""
        log.warning("shown to user: %s", message)
        self.errors.append(message)
        vi, _sep, en = message.rpartition(" / ") if " / " in message else (message, "", "")
        self.last_error_shown = vi
        self.status(vi)
        box = QMessageBox(QMessageBox.Warning, tr(title_key), vi, QMessageBox.Ok, self)
        if en:
            box.setDetailedText(en)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.setObjectName("error_box")
        box.open()

    def busy(self) -> bool:
        return bool((self.scan_worker and self.scan_worker.isRunning())
                    or (self.save_worker and self.save_worker.isRunning()))

    def _job_actions(self) -> list[QAction]:
        """Commands that cannot run beside a scan or a save: disabled meanwhile, not answered "busy"."""
        return [self.act_scan, self.act_import, self.act_save, self.act_export, self.act_new_dossier,
                self.act_rescan, self.act_scan_insert, self.act_open_saved, *self.act_presets]

    def _begin(self, total: int = 0, job: bool = True) -> None:
        """Progress shown; for a scan or a save (`job`) the commands that must wait are disabled."""
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        if job:
            for act in self._job_actions():
                act.setEnabled(False)

    def _end(self) -> None:
        for worker in (self.scan_worker, self.save_worker):
            if worker is not None and worker.isRunning():
                worker.wait(2000)  # its run() is returning, its last signal already here
        if not self.busy():
            self.progress.hide()
            self.cancel_button.hide()
            for act in self._job_actions():
                act.setEnabled(True)

    def profile(self, **overrides):
        chosen = dict(source=self.source_combo.currentData(), resolution=int(self.res_combo.currentData()),
                      mode=self.mode_combo.currentData())
        chosen.update(overrides)
        return self.settings.profile(**chosen)

    # ------------------------------------------------------------------ acquisition
    def scan(self, device: Optional[str] = None, insert_after: Optional[str] = None,
             **profile_overrides) -> Optional[ScanWorker]:
        """Scan from the chosen device in a worker; pages appear one by one (at the end, or
        in order right after page `insert_after`)."""
        if self.busy():
            self.show_error(tr("busy"), "warn_title")
            return None
        name = (device or self.current_device()).strip()
        if not name:
            self.show_error(tr("no_scanner"), "warn_title")
            return None
        try:
            profile = self.profile(**profile_overrides)
        except SohoaError as exc:
            self.show_error(exc.message)
            return None
        if name and name != self.settings.device:
            self.settings.device = name
            self._save_settings()
        return self._start_scan(lambda: open_device(name), profile, insert_after=insert_after,
                                keep_blank=not self.skip_blank)

    def import_files(self, paths: list) -> Optional[ScanWorker]:
        """Files (images, PDFs) go through the same path as scanned pages."""
        paths = [Path(p) for p in paths]
        if not paths:
            return None
        if self.busy():
            self.show_error(tr("busy"), "warn_title")
            return None
        return self._start_scan(lambda: FilesDevice(paths, skip_bad=True), None)

    def import_dialog(self) -> None:
        patterns = " ".join(f"*{s}" for s in FILE_SUFFIXES)
        files, _ = QFileDialog.getOpenFileNames(self, tr("import"), "", tr("import_filter", patterns=patterns))
        if files:
            self.import_files(files)

    def _start_scan(self, factory, profile, replace_page: Optional[str] = None,
                    insert_after: Optional[str] = None, keep_blank: bool = False) -> ScanWorker:
        worker = ScanWorker(self.ws, factory, profile, replace_page=replace_page, insert_after=insert_after,
                            keep_blank=keep_blank, parent=self)
        worker.page_added.connect(self._page_added)
        worker.failed.connect(self.show_error)
        worker.done.connect(self._scan_done)
        self.scan_worker = worker
        self._begin(0)
        self.status(tr("status_scanning", n=0))
        worker.start()
        return worker

    def _page_added(self, pid: str) -> None:
        self.icons.pop(pid, None)
        self.processor.enqueue(pid)
        n = self.scan_worker.count if self.scan_worker else 0
        self.status(tr("status_scanning", n=n))
        self.refresh(select=pid)

    def _scan_done(self, count: int) -> None:
        if self.watching:
            self.watching = False
            self.act_watch.setChecked(False)
        if not self.errors or self.status_label.text() != self.last_error_shown:
            self.status(tr("status_scanned", n=count))
        self._end()
        if self.processor.is_busy:
            self._begin(self.processor.total_count, job=False)
        self.scan_finished.emit(count)

    def toggle_watch(self, on: bool) -> None:
        if not on:
            if self.scan_worker and self.watching:
                self.scan_worker.cancel()
            return
        folder = self.settings.watch_folder
        if not folder:
            self.act_watch.setChecked(False)
            self.show_error(tr("no_watch_folder"), "warn_title")
            return
        if self.busy():
            self.act_watch.setChecked(False)
            self.show_error(tr("busy"), "warn_title")
            return
        self.watching = True
        self._start_scan(lambda: open_device("folder:" + folder), None)
        self.status(tr("status_watching", folder=folder))

    def cancel(self) -> None:
        for w in (self.scan_worker, self.save_worker):
            if w is not None and w.isRunning():
                w.cancel()
        self.status(tr("status_cancelled"))

    # ------------------------------------------------------------------ processing results
    def _process_progress(self, done: int, total: int) -> None:
        if not self.busy():
            self.progress.show()
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.status(tr("status_processing", done=done, total=total))

    def _processing_idle(self) -> None:
        if not self.busy():
            self.progress.hide()
            self.cancel_button.hide()
            self.status(tr("status_ready") if not self.errors else self.status_label.text())
        self.refresh()

    def _page_processed(self, pid: str) -> None:
        self.icons.pop(pid, None)
        self.page_sizes.pop(pid, None)
        self.refresh()
        if pid == self.thumbs.current_id():
            self._show_current()

    def _cover_found(self, code: str) -> None:
        if not self.code_edit.text().strip():
            self.code_edit.setText(code)
        self.status(tr("status_cover", code=code))
        self.refresh()

    # ------------------------------------------------------------------ view refresh
    def refresh(self, select: Optional[str] = None) -> None:
        """Rebuild thumbnails and the field panel from the workspace (cheap; no image decoding)."""
        entries = []
        with self.ws.lock:
            for di, doc in enumerate(self.ws.documents):
                for pi, pid in enumerate(doc.pages):
                    label = tr("doc_label", doc=di + 1, page=pi + 1)
                    page = self.ws.pages[pid]
                    if page.blank:
                        label += "\n" + tr("blank_kept_label" if page.keep_blank else "blank_label")
                    entries.append((pid, label, pi == 0))
        if [e[0] for e in entries] != self.thumbs.page_ids() or self._labels_changed(entries):
            self.thumbs.set_pages(entries, self.icons)
        for pid, _l, _f in entries:
            if pid not in self.icons:
                path = self.ws.clean_path(pid) or self.ws.scan_path(pid)
                self.loader.request(pid, "thumb", path, THUMB)
        if select and select in [e[0] for e in entries]:
            self.thumbs.setCurrentRow([e[0] for e in entries].index(select))
        if not entries:
            self.view.clear_page()
        self._refresh_fields()
        self.update_title()
        self._refresh_edit_actions()

    def _refresh_edit_actions(self) -> None:
        """Undo/Redo name the step they take back; "keep blank" shows the current page's choice."""
        for act, label, key in ((self.act_undo, self.ws.undo_label(), "undo"),
                                (self.act_redo, self.ws.redo_label(), "redo")):
            act.setEnabled(label is not None)
            act.setText(tr(key + "_what", what=tr(label)) if label else tr(key))
        pid = self.thumbs.current_id()
        page = self.ws.pages.get(pid) if pid else None
        self.act_keep_blank.setEnabled(bool(page and page.blank))
        self.act_keep_blank.setChecked(bool(page and page.keep_blank))

    def update_title(self) -> None:
        """"Số hóa hồ sơ — <mã hồ sơ>", `*` while something is not saved yet."""
        code = self.ws.dossier_code or tr("title_no_code")
        star = "*" if self.ws.documents and self.ws.unsaved() else ""
        self.setWindowTitle(tr("title", code=code) + star)

    def fit_to_screen(self) -> None:
        """Open where the officer left the window, else at most 1280×820 and always inside the
        available screen (1366×768 laptops, 150 % scaling), so the status bar and Cancel show."""
        screen = (self.screen() if hasattr(self, "screen") else None) or QApplication.primaryScreen()
        avail = screen.availableGeometry()
        geometry = self.settings.window_geometry
        if geometry and self.restoreGeometry(QByteArray.fromBase64(geometry.encode("ascii"))):
            if avail.contains(self.frameGeometry()) or avail.intersects(self.frameGeometry()):
                self.resize(min(self.width(), avail.width()), min(self.height(), avail.height()))
                return
        # frame and title bar take some of the screen; keep them inside too
        w = min(1280, avail.width() - 16)
        h = min(820, avail.height() - 48)
        self.setMinimumSize(min(self.minimumWidth(), w), min(self.minimumHeight(), h))
        self.resize(w, h)
        self.move(avail.x() + (avail.width() - w) // 2, avail.y() + max(0, (avail.height() - h - 40) // 2))

    def ask(self, question: str, on_yes, title_key: str = "warn_title") -> QMessageBox:
        """A Yes/No question whose default (Enter, Esc) is the safe answer, No. It does not block:
        scanning and processing go on while it waits, and `on_yes` runs when the officer says Yes."""
        box = QMessageBox(QMessageBox.Question, tr(title_key), question, QMessageBox.Yes | QMessageBox.No, self)
        box.setObjectName("question_box")
        box.setDefaultButton(QMessageBox.No)
        box.setEscapeButton(QMessageBox.No)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.finished.connect(lambda answer: on_yes() if answer == QMessageBox.Yes else None)
        box.open()
        return box

    def _labels_changed(self, entries) -> bool:
        return any(self.thumbs.item(i).text() != e[1] for i, e in enumerate(entries))

    def current_doc_index(self) -> Optional[int]:
        pid = self.thumbs.current_id()
        if pid is not None:
            return self.ws.doc_index_of(pid)
        return len(self.ws.documents) - 1 if self.ws.documents else None

    def _refresh_fields(self) -> None:
        i = self.current_doc_index()
        if i is None or i >= len(self.ws.documents):
            self.fields.set_document(None, tr("no_document"), {})
            self.form_combo.setEnabled(False)
            return
        with self.ws.lock:
            doc = self.ws.documents[i]
            fields = {k: dict(v) for k, v in doc.fields.items()}
            tables = {k: [dict(r) for r in v if isinstance(r, dict)] for k, v in doc.extra.items() if isinstance(v, list)}
            form, npages, understood = doc.form, len(doc.pages), doc.understood
            total = len(self.ws.documents)
        form_text = f"{form} ({doc.form_confidence:.0%})" if form else tr("form_unknown")
        header = tr("doc_header", n=i + 1, total=total, pages=npages, form=form_text)
        if not understood:
            header += " — " + tr("processing")
        self.fields.set_document(i, header, fields, field_labels(form), tables, table_columns(form))
        self._set_form_combo(doc.form_choice, form)

    def _set_form_combo(self, choice: Optional[str], form: Optional[str]) -> None:
        """The combo lists "recognise automatically", the known forms and "other"; it shows the
        officer's choice, else the recognised form."""
        combo = self.form_combo
        combo.blockSignals(True)
        if combo.count() == 0:
            combo.addItem(tr("form_auto"), None)
            for fid, name in known_forms():
                combo.addItem(f"{name} ({fid})" if name else fid, fid)
            combo.addItem(tr("form_other"), OTHER_FORM)
        idx = combo.findData(choice) if choice else 0
        combo.setCurrentIndex(max(idx, 0))
        if not choice and form:
            combo.setItemText(0, tr("form_auto_is", form=form))
        else:
            combo.setItemText(0, tr("form_auto"))
        combo.setEnabled(True)
        combo.blockSignals(False)

    def _form_chosen(self, index: int) -> None:
        i = self.current_doc_index()
        if i is None or i >= len(self.ws.documents):
            return
        self.ws.set_form(i, self.form_combo.itemData(index))
        self.processor.request_understanding()
        self.refresh()

    def _show_current(self) -> None:
        pid = self.thumbs.current_id()
        self._refresh_fields()
        if pid is None:
            self.view.clear_page()
            return
        path = self.ws.clean_path(pid) or self.ws.scan_path(pid)
        self.loader.request(pid, "page", path, PAGE_VIEW_MAX)

    def _image_ready(self, pid: str, kind: str, image: QImage) -> None:
        if image.isNull() or pid not in self.ws.pages:
            return
        if kind == "thumb":
            icon = QIcon(QPixmap.fromImage(image))
            self.icons[pid] = icon
            self.thumbs.set_icon(pid, icon)
        elif kind == "page" and pid == self.thumbs.current_id():
            self.view.show_pixmap(pid, QPixmap.fromImage(image), self._full_size(pid, image))
            if self._pending_box:
                self.view.highlight(self._pending_box)
                self._pending_box = None

    def _full_size(self, pid: str, image: QImage) -> tuple[int, int]:
        """Pixel size of the cleaned page (what field boxes refer to), without decoding it."""
        if pid not in self.page_sizes:
            p = self.ws.processed(pid)
            self.page_sizes[pid] = (p.width, p.height) if p else (image.width(), image.height())
        return self.page_sizes[pid]

    # ------------------------------------------------------------------ page operations
    def _selected(self) -> list[str]:
        ids = self.thumbs.selected_ids()
        cur = self.thumbs.current_id()
        return ids or ([cur] if cur else [])

    def _pages_dropped(self, ids: list, target: str, after: bool) -> None:
        self.ws.move_pages(ids, target or None, after)
        self._pages_changed()

    def shift_pages(self, delta: int) -> None:
        ids = self._selected()
        self.ws.shift_pages(ids, delta)
        self._pages_changed()
        if ids:
            self.thumbs.select_ids(ids)

    def _pages_changed(self) -> None:
        self.processor.request_understanding()
        self.refresh()

    def rotate(self, degrees: int) -> None:
        from PyQt5.QtCore import QRunnable, QThreadPool

        ids = self._selected()
        window = self

        class Job(QRunnable):
            def run(self_inner) -> None:
                try:
                    window.ws.rotate_pages(ids, degrees)
                except (KeyError, OSError) as exc:
                    log.warning("rotate %s: %s", ids, exc)
                for pid in ids:
                    window.processor.enqueue(pid)

        for pid in ids:
            self.icons.pop(pid, None)
        QThreadPool.globalInstance().start(Job())

    def delete_pages(self) -> None:
        ids = self._selected()
        if not ids:
            return
        self.ws.delete_pages(ids)
        for pid in ids:
            self.icons.pop(pid, None)
        self._pages_changed()
        self.status(tr("status_deleted", n=len(ids)))

    def keep_blank(self, keep: bool) -> None:
        self.ws.set_keep_blank(self._selected(), keep)
        self._pages_changed()

    def undo(self) -> None:
        self._travel(self.ws.undo, "status_undone")

    def redo(self) -> None:
        self._travel(self.ws.redo, "status_redone")

    def _travel(self, step, message: str) -> None:
        """Undo or redo: pages whose image came back are shown and processed again, documents
        understood again, and a correction's way back reaches the store's audit trail."""
        label = step()
        if label is None:
            return
        for pid in self.ws.unprocessed():
            self.icons.pop(pid, None)
            self.page_sizes.pop(pid, None)
            self.processor.enqueue(pid)
        for i in range(len(self.ws.documents)):
            self._record_pending(i)
        self._pages_changed()
        self._show_current()
        self.status(tr(message, what=tr(label)))

    def split_here(self) -> None:
        pid = self.thumbs.current_id()
        if pid:
            self.ws.split_before(pid)
            self.processor.request_understanding()
            self.refresh()

    def merge_previous(self) -> None:
        i = self.current_doc_index()
        if i:
            self.ws.merge_with_previous(i)
            self.processor.request_understanding()
            self.refresh()

    def new_document(self) -> None:
        self.ws.new_document()
        self.refresh()

    def rescan_page(self) -> None:
        pid = self.thumbs.current_id()
        if not pid or self.busy():
            return
        name = self.current_device()
        try:
            profile = self.profile(max_pages=1)
        except SohoaError as exc:
            self.show_error(exc.message)
            return
        self._start_scan(lambda: open_device(name), profile, replace_page=pid)

    # ------------------------------------------------------------------ scan profiles and devices
    def _fill_presets(self) -> None:
        self.presets = self.settings.scan_presets()
        self.preset_combo.clear()
        for n, p in enumerate(self.presets):
            self.preset_combo.addItem(p.name)
            if n < len(self.act_presets):
                self.preset_combo.setItemData(n, f"F{6 + n}", Qt.ToolTipRole)
        for n, act in enumerate(self.act_presets):
            act.setVisible(n < len(self.presets))
            if n < len(self.presets):
                act.setText(tr("preset_scan", name=self.presets[n].name))
        # the profile the toolbar's choices already are, if any
        same = [n for n, p in enumerate(self.presets)
                if (p.source, p.resolution, p.mode) == (self.source_combo.currentData(), self.res_combo.currentData(),
                                                        self.mode_combo.currentData())
                and p.skip_blank == self.skip_blank and not p.device]
        self.preset_combo.setCurrentIndex(same[0] if same else -1)

    def choose_preset(self, index: int) -> bool:
        """The toolbar takes the profile's feeder/flatbed, resolution, colour (and scanner, when it
        names one); its blank-page choice applies to the next scans."""
        if not 0 <= index < len(self.presets):
            return False
        p = self.presets[index]
        self.preset_combo.setCurrentIndex(index)
        for combo, value in ((self.source_combo, p.source), (self.res_combo, p.resolution), (self.mode_combo, p.mode)):
            i = combo.findData(value)
            if i < 0 and combo is self.res_combo:
                combo.addItem(f"{value} dpi", value)
                i = combo.count() - 1
            if i >= 0:
                combo.setCurrentIndex(i)
        if p.device:
            self._set_devices([p.device], select=p.device)
        self.skip_blank = p.skip_blank
        return True

    def scan_with_preset(self, index: int) -> Optional[ScanWorker]:
        return self.scan() if self.choose_preset(index) else None

    def save_preset_dialog(self) -> None:
        name, ok = QInputDialog.getText(self, tr("save_preset"), tr("preset_name"))
        if ok and name.strip():
            self.save_preset(name.strip())

    def save_preset(self, name: str) -> None:
        """The toolbar's current choices kept as a named profile (one of that name is replaced)."""
        entry = {"name": name, "source": self.source_combo.currentData(),
                 "resolution": int(self.res_combo.currentData()), "mode": self.mode_combo.currentData(),
                 "skip_blank": self.skip_blank, "device": ""}
        self.settings.presets = [p for p in self.settings.presets if p.get("name") != name] + [entry]
        self._save_settings()
        self._fill_presets()
        self.preset_combo.setCurrentIndex(self.preset_combo.findText(name))

    def current_device(self) -> str:
        """The chosen scanner's name (what open_device takes), whether picked by its model or typed."""
        i = self.device_combo.currentIndex()
        text = self.device_combo.currentText().strip()
        if i >= 0 and self.device_combo.itemText(i) == text and self.device_combo.itemData(i):
            return str(self.device_combo.itemData(i))
        return text

    def _set_devices(self, names: list[str], select: Optional[str] = None) -> None:
        """Scanners shown by their model ("Canon DR-C225 (…)") as discovery named them."""
        for name in names:
            if self.device_combo.findData(name) < 0:
                self.device_combo.addItem(self.settings.device_labels.get(name) or name, name)
        if select:
            self.device_combo.setCurrentIndex(self.device_combo.findData(select))

    def scan_insert(self, device: Optional[str] = None, **profile_overrides) -> Optional[ScanWorker]:
        """Scan with the current settings; the pages go right after the selected page."""
        return self.scan(device, insert_after=self.thumbs.current_id(), **profile_overrides)

    def new_dossier(self) -> None:
        if self.busy():
            self.show_error(tr("busy"), "warn_title")
            return
        if self.ws.documents and self.ws.unsaved():
            self.ask(tr("confirm_new"), self._clear_dossier)
        else:
            self._clear_dossier()

    def _clear_dossier(self) -> None:
        if self.busy():
            return  # a scan started while the question waited
        self.ws.clear()
        self.icons.clear()
        self.page_sizes.clear()
        self.errors.clear()
        self.code_edit.clear()
        self.refresh()
        self.status(tr("status_ready"))

    # ------------------------------------------------------------------ dossier code and fields
    def _code_edited(self) -> None:
        text = self.code_edit.text().strip()
        code = dossier_code_in(text) or text
        if code != text:
            self.code_edit.setText(code)
        self.ws.set_dossier_code(code)
        self.update_title()

    def _field_focused(self, fid: str) -> None:
        i = self.fields.doc_index
        if i is None or i >= len(self.ws.documents):
            return
        with self.ws.lock:
            doc = self.ws.documents[i]
            f = doc.fields.get(fid, {})
            page_no = f.get("page")
            pid = doc.pages[page_no - 1] if page_no and 0 < page_no <= len(doc.pages) else None
        if pid and pid != self.thumbs.current_id():
            self.thumbs.blockSignals(True)
            self.thumbs.setCurrentRow(self.thumbs.page_ids().index(pid))
            self.thumbs.blockSignals(False)
            self.loader.request(pid, "page", self.ws.clean_path(pid) or self.ws.scan_path(pid), PAGE_VIEW_MAX)
            self._pending_box = f.get("bbox")
        self.view.highlight(f.get("bbox") if self.view.page_id == pid else None)
        crop = self.view.crop(f.get("bbox")) if self.view.page_id == pid else QPixmap()
        if not crop.isNull():
            crop = crop.scaled(self.fields.crop_label.width() - 8, 100, Qt.KeepAspectRatio, Qt.SmoothTransformation)
        self.fields.crop_label.setPixmap(crop)

    def _field_edited(self, fid: str, value: str) -> None:
        i = self.fields.doc_index
        if i is None or i >= len(self.ws.documents):
            return
        corr = self.ws.edit_field(i, fid, value, self.user)
        if corr is None:
            return
        self._record_pending(i)
        self.status(tr("status_correction", field=fid))
        self._refresh_fields()
        self.update_title()

    def _record_pending(self, doc_index: int) -> None:
        """Corrections into the store's audit trail at once when the document was saved there already."""
        saved = self.ws.documents[doc_index].saved
        pending = self.ws.unrecorded(doc_index)
        if saved and saved.get("store_id") and pending:
            try:
                with dossier_store() as store:
                    for corr in pending if store is not None else ():
                        store.record_correction(saved["store_id"], corr["field"], corr["old"], corr["new"],
                                                corr["user"])
                        self.ws.mark_recorded(corr)
            except SohoaError as exc:
                self.show_error(exc.message)

    def _table_edited(self, table_id: str, row: int, column: str, value: str) -> None:
        i = self.fields.doc_index
        if i is None or i >= len(self.ws.documents):
            return
        corr = self.ws.edit_table_cell(i, table_id, row, column, value, self.user)
        if corr is not None:
            self._record_pending(i)
            self.status(tr("status_correction", field=corr["field"]))
            self.update_title()

    def next_doubtful(self) -> None:
        cur = next((k for k, e in self.fields.edits.items() if e.hasFocus()), None)
        self.fields.focus_next_doubtful(after=cur)

    # ------------------------------------------------------------------ saving
    def save(self) -> Optional[SaveWorker]:
        if self.busy():
            self.show_error(tr("busy"), "warn_title")
            return None
        self._code_edited()
        if not self.ws.page_order():
            self.show_error(tr("nothing_to_save"), "warn_title")
            return None
        if self.ws.unprocessed() or self.processor.is_busy:
            self.show_error(tr("not_ready"), "warn_title")
            return None
        if not self.ws.dossier_code:
            self.status(tr("no_code", folder=self.ws.folder_name()))
        worker = SaveWorker(self.ws, self.settings.output_path, self.settings.pipeline_options, self.user, self)
        worker.progress.connect(self._save_progress)
        worker.failed.connect(self.show_error)
        worker.done.connect(self._save_done)
        self.save_worker = worker
        self._begin(len(self.ws.documents))
        self.status(tr("status_saving", done=1, total=len(self.ws.documents)))
        worker.start()
        return worker

    def _save_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.status(tr("status_saving", done=min(done + 1, total), total=total))

    def _save_done(self, count: int, folder: str) -> None:
        """Say where it went, and how many fields still wait for the officer's eye (F3 goes there)."""
        self._end()
        with self.ws.lock:
            unchecked = sum(field_status(f) in DOUBTFUL for d in self.ws.documents for f in d.fields.values())
        text = tr("status_saved", n=count, folder=folder)
        if unchecked:
            text += " " + tr("status_saved_unchecked", n=unchecked)
        self.status(text)
        self.refresh()

    # ------------------------------------------------------------------ export
    def saved_folder(self) -> Optional[Path]:
        folder = self.settings.output_path / self.ws.folder_name()
        return folder if (folder / "dossier.json").exists() else None

    def export_dialog(self) -> Optional[ExportWorker]:
        folder = self.saved_folder()
        if folder is None or self.ws.unsaved():
            self.show_error(tr("export_need_save"), "warn_title")
            return None
        out, _ = QFileDialog.getSaveFileName(self, tr("export"), str(package_path(folder)),
                                             tr("export_zip_filter"))
        if not out:
            return None
        out = str(package_path(out))
        cert, password = None, None
        token = self.settings.pkcs11_token or self.settings.pkcs11_library
        if self.settings.pkcs11_library and QMessageBox.question(
                self, tr("export"), tr("export_token_ask", token=token)) == QMessageBox.Yes:
            pin, ok = QInputDialog.getText(self, tr("export"), tr("export_pin"), QLineEdit.Password)
            return self.export_package(Path(out), token_pin=pin) if ok else None
        if QMessageBox.question(self, tr("export"), tr("export_sign_ask")) == QMessageBox.Yes:
            cert, _ = QFileDialog.getOpenFileName(self, tr("export"), "", tr("export_cert_filter"))
            if cert:
                password, ok = QInputDialog.getText(self, tr("export"), tr("export_password"), QLineEdit.Password)
                if not ok:
                    return None
        return self.export_package(Path(out), Path(cert) if cert else None, password)

    def export_package(self, out: Path, cert: Optional[Path] = None, password: Optional[str] = None,
                       token_pin: Optional[str] = None) -> Optional[ExportWorker]:
        """Export the saved dossier to `out`, signing with the PKCS#12 `cert` when given, or with
        the USB token of the settings when its PIN is given."""
        folder = self.saved_folder()
        if folder is None or self.ws.unsaved():
            self.show_error(tr("export_need_save"), "warn_title")
            return None
        signer = None
        try:
            if token_pin is not None:
                from exports.signing import Pkcs11Signer

                st = self.settings
                signer = Pkcs11Signer(st.pkcs11_library, st.pkcs11_token, token_pin.encode("utf-8"),
                                      cert_label=st.pkcs11_cert_label or None)
            elif cert is not None:
                from exports.signing import Pkcs12Signer

                signer = Pkcs12Signer(cert, (password or "").encode("utf-8"))
        except SohoaError as exc:
            self.show_error(exc.message)
            return None
        worker = ExportWorker(folder, out, signer, self.user, self)
        worker.failed.connect(self.show_error)
        worker.done.connect(self._export_done)
        self.status(tr("status_exporting"))
        worker.start()
        self._export_worker = worker
        return worker

    def _export_done(self, path: str) -> None:
        if path:
            self.status(tr("status_exported", path=path))
        self.export_finished.emit(path)

    def verify_dialog(self) -> Optional[VerifyWorker]:
        path, _ = QFileDialog.getOpenFileName(self, tr("verify"), str(self.settings.output_path),
                                              tr("export_zip_filter"))
        return self.verify_package(Path(path)) if path else None

    def verify_package(self, path: Path) -> VerifyWorker:
        """Check a package (hashes, files, signatures) off the UI thread; the answer in a box."""
        worker = VerifyWorker(path, self)
        worker.failed.connect(self.show_error)
        worker.done.connect(self._verify_done)
        self.status(tr("status_verifying", path=str(path)))
        worker.start()
        self._verify_worker = worker
        return worker

    def _verify_done(self, path: str, ok: bool, lines: list) -> None:
        if ok:
            text = tr("verify_ok", path=path)
            box = QMessageBox(QMessageBox.Information, tr("verify"), text, QMessageBox.Ok, self)
        else:
            text = tr("verify_bad", path=path)
            box = QMessageBox(QMessageBox.Warning, tr("verify"), text, QMessageBox.Ok, self)
        if lines:
            box.setDetailedText("\n".join(lines))
        box.setObjectName("verify_box")
        box.setAttribute(Qt.WA_DeleteOnClose)
        self.status(text)
        if lines or ok:
            box.open()
        self.verify_finished.emit(path, ok)

    # ------------------------------------------------------------------ search
    def search(self, query: str) -> Optional[QDialog]:
        query = query.strip()
        if not query:
            return None
        try:
            with dossier_store() as store:
                if store is None:
                    self.show_error(tr("store_missing"), "warn_title")
                    return None
                hits = store.search(query)
        except SohoaError as exc:
            self.show_error(exc.message)
            return None
        dlg = QDialog(self)
        dlg.setObjectName("search_dialog")
        dlg.setWindowTitle(tr("search_title"))
        lay = QVBoxLayout(dlg)
        lst = QListWidget()
        for h in hits:
            code = getattr(h, "dossier_code", None) or ""
            path = str(getattr(h, "pdf_path", None) or getattr(h, "path", "") or "")
            snippet = getattr(h, "snippet", "") or ""
            it = QListWidgetItem(f"{code or path}  ·  {Path(path).name}\n{snippet}")
            it.setData(Qt.UserRole, path)
            lst.addItem(it)
        if not hits:
            lst.addItem(tr("search_none"))
        lst.itemActivated.connect(lambda it: it.data(Qt.UserRole) and (dlg.accept(), self.open_hit(it.data(Qt.UserRole))))
        lay.addWidget(lst)
        buttons = QHBoxLayout()
        for key, slot in (("open_in_app", lambda path: (dlg.accept(), self.open_hit(path))),
                          ("open_pdf", lambda path: QDesktopServices.openUrl(QUrl.fromLocalFile(path)))):
            button = QPushButton(tr(key))
            button.setObjectName(key)
            button.clicked.connect(lambda _c=False, slot=slot: lst.currentItem() and lst.currentItem().data(Qt.UserRole)
                                   and slot(lst.currentItem().data(Qt.UserRole)))
            buttons.addWidget(button)
        lay.addLayout(buttons)
        if hits:
            lst.setCurrentRow(0)
        dlg.resize(640, 400)
        dlg.open()
        return dlg

    def open_hit(self, pdf: str) -> None:
        """A search hit: its dossier opened in the app, on that document."""
        self.open_dossier(Path(pdf).parent, select_pdf=pdf)

    def open_saved_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("open_saved"), self.settings.output_dir or "")
        if folder:
            self.open_dossier(Path(folder))

    def open_dossier(self, folder: Path, select_pdf: Optional[str] = None) -> None:
        """A saved dossier back on the counter: pages, fields as saved, corrections and their log."""
        if self.busy():
            self.show_error(tr("busy"), "warn_title")
            return
        if self.ws.documents and self.ws.unsaved():
            self.ask(tr("confirm_reopen"), lambda: self._reopen(folder, select_pdf))
        else:
            self._reopen(folder, select_pdf)

    def _reopen(self, folder: Path, select_pdf: Optional[str]) -> Optional[ReopenWorker]:
        if self.busy():
            return None
        self.icons.clear()
        self.page_sizes.clear()
        worker = ReopenWorker(self.ws, folder, self)
        worker.progress.connect(lambda done, total: (self.progress.setRange(0, total), self.progress.setValue(done)))
        worker.failed.connect(self.show_error)
        worker.done.connect(lambda n: self._reopened(n, folder, select_pdf))
        self.scan_worker = worker  # acquiring pages, as a scan does: the same commands wait
        self._begin(0)
        self.status(tr("status_reopening", folder=str(folder)))
        worker.start()
        return worker

    def _reopened(self, count: int, folder: Path, select_pdf: Optional[str]) -> None:
        self._end()
        self.code_edit.setText(self.ws.dossier_code)
        for pid in self.ws.unprocessed():
            self.processor.enqueue(pid)
        self.processor.request_understanding()
        first = None
        with self.ws.lock:
            for d in self.ws.documents:
                if d.pages and (first is None or (select_pdf and d.saved and Path(d.saved["pdf"]) == Path(select_pdf))):
                    first = d.pages[0]
        self.refresh(select=first)
        if count:
            self.status(tr("status_reopened", n=count, folder=str(folder)))
        self.scan_finished.emit(count)

    def show_history(self) -> Optional[QDialog]:
        """The current document's corrections: who changed which field from what to what, and when."""
        i = self.current_doc_index()
        if i is None:
            return None
        labels = field_labels(self.ws.documents[i].form)
        with self.ws.lock:
            doc_id = self.ws.documents[i].id
            rows = [c for c in self.ws.corrections if c["doc"] == doc_id]
        dlg = QDialog(self)
        dlg.setObjectName("history_dialog")
        dlg.setWindowTitle(tr("history_title", doc=i + 1))
        lay = QVBoxLayout(dlg)
        grid = QTableWidget(len(rows), 5)
        grid.setObjectName("history_table")
        grid.setHorizontalHeaderLabels([tr(k) for k in ("history_field", "history_old", "history_new",
                                                        "history_who", "history_when")])
        grid.setEditTriggers(QTableWidget.NoEditTriggers)
        for r, c in enumerate(rows):
            new = c.get("new") or ""
            if c.get("undone"):
                new += " " + tr("history_undone")
            elif c.get("reverts"):
                new += " " + tr("history_reverts")
            for col, text in enumerate((labels.get(c["field"], c["field"]), c.get("old") or "", new,
                                        c.get("user") or "", (c.get("when") or "")[:19].replace("T", " "))):
                grid.setItem(r, col, QTableWidgetItem(text))
        grid.resizeColumnsToContents()
        lay.addWidget(grid if rows else QLabel(tr("history_none")))
        dlg.resize(720, 320)
        dlg.open()
        return dlg

    # ------------------------------------------------------------------ settings
    def open_settings(self) -> None:
        from scanner_app.gui.settings_dialog import SettingsDialog

        dlg = SettingsDialog(self.settings, self)
        if dlg.exec_() == QDialog.Accepted:
            self.apply_settings(dlg.result_settings())

    def apply_settings(self, settings: Settings) -> None:
        lang_changed = settings.ui_lang != self.settings.ui_lang
        self.settings = settings
        self.processor.options_factory = settings.pipeline_options
        self._save_settings()
        if settings.device:
            self._set_devices([settings.device], select=settings.device)
        self._fill_presets()
        for combo, value in ((self.source_combo, settings.source), (self.res_combo, settings.resolution),
                             (self.mode_combo, settings.mode)):
            idx = combo.findData(value)
            if idx >= 0:
                combo.setCurrentIndex(idx)
        if lang_changed:
            set_language(settings.ui_lang)
            install_qt_translation(QApplication.instance())
            self.retranslate()

    def _save_settings(self) -> None:
        try:
            save_settings(self.settings)
        except SohoaError as exc:
            self.show_error(exc.message)

    def retranslate(self) -> None:
        self.update_title()
        for act, key, tip in self._retranslate:
            act.setText(tr(key))
            if tip:
                act.setToolTip(tr(tip))
                act.setStatusTip(tr(tip))
        self.menu_file.setTitle(tr("menu_file"))
        self.menu_page.setTitle(tr("menu_page"))
        self.menu_view.setTitle(tr("menu_view"))
        self.menu_edit.setTitle(tr("menu_edit"))
        self.menu_scan.setTitle(tr("menu_scan"))
        self.preset_label.setText(tr("preset"))
        self.preset_combo.setToolTip(tr("preset_tip"))
        chosen = self.preset_combo.currentIndex()
        self._fill_presets()
        self.preset_combo.setCurrentIndex(chosen)
        self.device_label.setText(tr("device"))
        self.code_label.setText(tr("dossier_code"))
        self.code_edit.setPlaceholderText(tr("dossier_code_ph"))
        self.search_edit.setPlaceholderText(tr("search_ph"))
        self.cancel_button.setText(tr("cancel"))
        for combo, keys in ((self.source_combo, SOURCES), (self.mode_combo, ("Color", "Gray"))):
            for i, k in enumerate(keys):
                combo.setItemText(i, tr(k))
        self.refresh()

    # ------------------------------------------------------------------ drag and drop, closing
    def _close_question(self) -> Optional[str]:
        """What closing now would interrupt or leave unsaved (nothing is lost: the workspace reopens)."""
        if self.scan_worker is not None and self.scan_worker.isRunning():
            return tr("confirm_close_scanning")
        if self.save_worker is not None and self.save_worker.isRunning():
            return tr("confirm_close_saving")
        if self.ws.documents and self.ws.unsaved():
            return tr("confirm_close_unsaved")
        return None

    def _close_anyway(self) -> None:
        self.confirm_close = False
        self.close()

    def dragEnterEvent(self, event) -> None:
        if dropped_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        files = dropped_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.import_files(files)

    def closeEvent(self, event) -> None:
        question = self._close_question() if self.confirm_close else None
        if question:
            event.ignore()
            self.ask(question, self._close_anyway)
            return
        self.settings.window_geometry = bytes(self.saveGeometry().toBase64()).decode("ascii")
        self._save_settings()
        for w in (self.scan_worker, self.save_worker):
            if w is not None and w.isRunning():
                w.cancel()
                w.wait(5000)
        self.processor.stop()
        self.loader.pool.waitForDone(3000)
        super().closeEvent(event)


def known_forms() -> list[tuple[str, str]]:
    """(form id, printed name) of every template, for the officer's form choice."""
    from templates import load_templates

    return sorted((t.id, str(getattr(t, "name", "") or "")) for t in load_templates())


#: Keys a field keeps for editing even when a window command has them too (Delete: a page).
_EDITING_KEYS = (QKeySequence.Undo, QKeySequence.Redo, QKeySequence.Copy, QKeySequence.Cut, QKeySequence.Paste,
                 QKeySequence.SelectAll, QKeySequence.Delete)


def window_keys(actions) -> set[int]:
    """The key combinations of the window's commands with Ctrl or a function key, editing keys left out."""
    editing = {seq[0] for std in _EDITING_KEYS for seq in QKeySequence.keyBindings(std) if seq.count()}
    keys = set()
    for act in actions:
        for seq in act.shortcuts():
            if seq.count() != 1 or seq[0] in editing:
                continue
            combo = seq[0]
            if combo & int(Qt.ControlModifier) or Qt.Key_F1 <= (combo & ~int(Qt.KeyboardModifierMask)) <= Qt.Key_F35:
                keys.add(combo)
    return keys


def form_template(form: Optional[str]):
    """The built-in template of a form id (None when unknown): labels for the review panel."""
    if not form:
        return None
    cache = form_template.__dict__.setdefault("cache", {})
    if form not in cache:
        try:
            from templates import load_templates

            cache[form] = next((t for t in load_templates() if t.id == form), None)
        except Exception:  # labels are cosmetic; never fail the window over them
            log.debug("no template for %s", form, exc_info=True)
            cache[form] = None
    return cache[form]


def field_labels(form: Optional[str]) -> dict[str, str]:
    """Printed labels of a form's fields for the review panel (field id when unknown)."""
    template = form_template(form)
    return {f.id: f.label.rstrip(": ") for f in template.fields} if template else {}


def table_columns(form: Optional[str]) -> dict[str, list[tuple[str, str]]]:
    """(column id, printed header) of each table of a form, the row-number column left out."""
    template = form_template(form)
    if template is None:
        return {}
    return {t.id: [(c.id, c.label) for c in t.columns[1:]] for t in template.tables}
