"""Settings dialog: default scanner and profile, output folder, OCR languages, jobs, UI language."""
from __future__ import annotations

import os
from dataclasses import replace

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                             QLineEdit, QPushButton, QSpinBox, QWidget)

from scanner_app.devices import PAGE_SIZES, RESOLUTIONS, SOURCES
from scanner_app.gui.strings import tr
from scanner_app.gui.workers import DeviceListWorker
from scanner_app.settings import Settings


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("settings_title"))
        self.setObjectName("settings_dialog")
        self.settings = settings
        form = QFormLayout(self)

        self.device = QComboBox()
        self.device.setEditable(True)
        self.device.setCurrentText(settings.device)
        self.find_button = QPushButton(tr("find_devices"))
        self.find_button.clicked.connect(self.find_devices)
        form.addRow(tr("device"), _row(self.device, self.find_button))

        self.source = QComboBox()
        for s in SOURCES:
            self.source.addItem(tr(s), s)
        self.source.setCurrentIndex(max(0, self.source.findData(settings.source)))
        form.addRow(tr("source"), self.source)
        self.resolution = QComboBox()
        for r in RESOLUTIONS:
            self.resolution.addItem(f"{r} dpi", r)
        self.resolution.setCurrentIndex(max(0, self.resolution.findData(settings.resolution)))
        form.addRow(tr("resolution"), self.resolution)
        self.mode = QComboBox()
        for m in ("Color", "Gray"):
            self.mode.addItem(tr(m), m)
        self.mode.setCurrentIndex(max(0, self.mode.findData(settings.mode)))
        form.addRow(tr("mode"), self.mode)
        self.page_size = QComboBox()
        self.page_size.addItems(list(PAGE_SIZES))
        self.page_size.setCurrentText(settings.page_size)
        form.addRow(tr("page_size"), self.page_size)

        self.output = QLineEdit(str(settings.output_path))
        form.addRow(tr("output_dir"), _row(self.output, self._browse_button(self.output)))
        self.watch = QLineEdit(settings.watch_folder)
        form.addRow(tr("watch_folder"), _row(self.watch, self._browse_button(self.watch)))
        self.lang = QComboBox()
        self.lang.setEditable(True)
        self.lang.addItems(["vie", "vie+eng", "eng"])
        self.lang.setCurrentText(settings.lang)
        form.addRow(tr("ocr_lang"), self.lang)
        self.jobs = QSpinBox()
        self.jobs.setRange(0, max(1, os.cpu_count() or 1) * 2)
        self.jobs.setValue(settings.jobs)
        form.addRow(tr("jobs"), self.jobs)
        self.ui_lang = QComboBox()
        self.ui_lang.addItem("Tiếng Việt", "vi")
        self.ui_lang.addItem("English", "en")
        self.ui_lang.setCurrentIndex(max(0, self.ui_lang.findData(settings.ui_lang)))
        form.addRow(tr("ui_lang"), self.ui_lang)
        self.pkcs11_library = QLineEdit(settings.pkcs11_library)
        form.addRow(tr("pkcs11_library"), self.pkcs11_library)
        self.pkcs11_token = QLineEdit(settings.pkcs11_token)
        form.addRow(tr("pkcs11_token"), self.pkcs11_token)
        self.pkcs11_cert_label = QLineEdit(settings.pkcs11_cert_label)
        form.addRow(tr("pkcs11_cert_label"), self.pkcs11_cert_label)

        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._worker = None

    def _browse_button(self, target: QLineEdit) -> QPushButton:
        b = QPushButton(tr("browse"))
        b.clicked.connect(lambda: (lambda d: d and target.setText(d))(
            QFileDialog.getExistingDirectory(self, tr("browse"), target.text())))
        return b

    def find_devices(self) -> None:
        """Discovery takes seconds (network scanners): done in a worker, the dialog stays live."""
        self.find_button.setEnabled(False)
        self.find_button.setText(tr("searching_devices"))
        self._worker = DeviceListWorker(self)
        self._worker.found.connect(self._found)
        self._worker.failed.connect(lambda _m: self._found([]))
        self._worker.start()

    def _found(self, devices: list) -> None:
        current = self.device.currentText()
        for d in devices:
            if d.vendor or d.model:  # the toolbar shows the model from now on
                self.settings.device_labels[d.name] = d.label
            if self.device.findText(d.name) < 0:
                self.device.addItem(d.name)
                self.device.setItemData(self.device.count() - 1, d.label, Qt.ToolTipRole)
        self.device.setCurrentText(current or (devices[0].name if devices else ""))
        self.find_button.setEnabled(True)
        self.find_button.setText(tr("find_devices"))

    def result_settings(self) -> Settings:
        return replace(self.settings, device=self.device.currentText().strip(), source=self.source.currentData(),
                       resolution=int(self.resolution.currentData()), mode=self.mode.currentData(),
                       page_size=self.page_size.currentText(), output_dir=self.output.text().strip(),
                       watch_folder=self.watch.text().strip(), lang=self.lang.currentText().strip() or "vie",
                       jobs=self.jobs.value(), ui_lang=self.ui_lang.currentData(),
                       pkcs11_library=self.pkcs11_library.text().strip(),
                       pkcs11_token=self.pkcs11_token.text().strip(),
                       pkcs11_cert_label=self.pkcs11_cert_label.text().strip())

    def done(self, result: int) -> None:
        if self._worker is not None and self._worker.isRunning():
            self._worker.wait(5000)
        super().done(result)


def _row(*widgets) -> QWidget:
    w = QWidget()
    lay = QHBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 0)
    for x in widgets:
        lay.addWidget(x, 1 if isinstance(x, (QLineEdit, QComboBox)) else 0)
    return w
