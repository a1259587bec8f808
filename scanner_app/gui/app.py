"""Start the desktop app: one QApplication, one main window, the workspace restored."""
from __future__ import annotations

import sys
from pathlib import Path

#: Vietnamese for Qt's own strings (Có/Không, Mở, Hủy, the file dialog): scanner_app/gui/i18n/qt_vi.ts.
QT_VI = Path(__file__).resolve().parent / "i18n" / "qt_vi.qm"


def install_qt_translation(app) -> bool:
    """Qt's own buttons and dialogs in Vietnamese when the UI is Vietnamese (removed again for
    English); the translator is kept on `app`."""
    from PyQt5.QtCore import QTranslator

    from scanner_app.gui.strings import language

    current = getattr(app, "qt_vi_translator", None)
    if language() != "vi":
        if current is not None:
            app.removeTranslator(current)
            app.qt_vi_translator = None
        return False
    if current is not None:
        return True
    translator = QTranslator(app)
    if not translator.load(str(QT_VI)):
        return False
    app.installTranslator(translator)
    app.qt_vi_translator = translator
    return True


def run_app(argv: list[str] | None = None, workspace=None) -> int:
    from PyQt5.QtCore import Qt
    from PyQt5.QtWidgets import QApplication

    from scanner_app.gui.main_window import MainWindow

    QApplication.setAttribute(Qt.AA_EnableHighDpiScaling, True)
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("sohoa")
    # no applicationDisplayName: Qt would append it to every title ("Số hóa hồ sơ — … - Số hóa hồ sơ")
    window = MainWindow(workspace=workspace)
    window.show()
    return app.exec_()
