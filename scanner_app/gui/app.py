"""Start the desktop app: one QApplication, one main window, the workspace restored."""
from __future__ import annotations

import sys


def run_app(argv: list[str] | None = None, workspace=None) -> int:
    from PyQt5.QtCore import Qt
    from PyQt5.QtWidgets import QApplication

    from scanner_app.gui.main_window import MainWindow

    QApplication.setAttribute(Qt.AA_EnableHighDpiScaling, True)
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("sohoa")
    app.setApplicationDisplayName("Số hóa hồ sơ")
    window = MainWindow(workspace=workspace)
    window.show()
    return app.exec_()
