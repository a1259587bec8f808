"""Drive the real main window with real X input (XTest) under Xvfb: `python tests/x11_drive.py <dir>`.

Offscreen Qt cannot drag (its platform drag returns at once), and synthesised Qt events skip
what the window system does; this script moves the X pointer and presses X keys, as an officer's
mouse and keyboard do, and prints what the dossier became as JSON. Run by tests/test_gui.py.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from PyQt5.QtCore import QPoint, QTimer
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication
from Xlib import X, XK, display
from Xlib.ext import xtest

from ocr.model import PageImage
from scanner_app.gui.main_window import MainWindow
from scanner_app.settings import Settings
from scanner_app.workspace import Workspace


class Officer:
    """Real pointer and key events, one every `pace` ms, while Qt's event loop runs (a drag
    runs its own loop, so the events are queued ahead and played by a timer)."""

    def __init__(self, pace: int = 40) -> None:
        self.x = display.Display()
        self.pace = pace
        self.queue: list = []

    def move(self, p: QPoint) -> "Officer":
        self.queue.append(lambda: xtest.fake_input(self.x, X.MotionNotify, x=p.x(), y=p.y()))
        return self

    def button(self, down: bool) -> "Officer":
        self.queue.append(lambda: xtest.fake_input(self.x, X.ButtonPress if down else X.ButtonRelease, 1))
        return self

    def drag(self, src: QPoint, dst: QPoint, steps: int = 12) -> "Officer":
        self.move(src).button(True)
        for i in range(1, steps + 1):
            self.move(src + (dst - src) * i / steps)
        return self.button(False)

    def chord(self, *names: str) -> "Officer":
        codes = [self.x.keysym_to_keycode(XK.string_to_keysym(n)) for n in names]
        for c in codes:
            self.queue.append(lambda c=c: xtest.fake_input(self.x, X.KeyPress, c))
        for c in reversed(codes):
            self.queue.append(lambda c=c: xtest.fake_input(self.x, X.KeyRelease, c))
        return self

    def play(self, timeout_ms: int = 15000) -> None:
        def step() -> None:
            if self.queue:
                self.queue.pop(0)()
                self.x.sync()
                QTimer.singleShot(self.pace, step)

        QTimer.singleShot(self.pace, step)
        waited = 0
        while self.queue and waited < timeout_ms:
            QTest.qWait(50)
            waited += 50
        QTest.qWait(300)  # the last event handled


def main(root: Path) -> None:
    app = QApplication(sys.argv)
    ws = Workspace.open(root / "ws")
    rng = np.random.default_rng(1)
    for n in range(3):
        pixels = np.full((330, 240, 3), 255, np.uint8)
        pixels[40 + 60 * n:90 + 60 * n, 30:210] = rng.integers(0, 120, (50, 180, 3), dtype=np.uint8)
        ws.add_scan(PageImage(pixels=pixels, dpi=100, source=f"trang-{n + 1}.png", index=0))
    w = MainWindow(workspace=ws, settings=Settings(output_dir=str(root / "out"), jobs=1), confirm_close=False)
    w.move(0, 0)
    w.show()
    QTest.qWaitForWindowExposed(w)
    w.activateWindow()
    QTest.qWait(500)
    names = {pid: ws.pages[pid].source for pid in ws.page_order()}
    order = lambda: [names[p] for p in ws.page_order()]  # noqa: E731
    out = {"start": order()}
    thumbs, vp = w.thumbs, w.thumbs.viewport()
    centre = lambda row: vp.mapToGlobal(thumbs.visualItemRect(thumbs.item(row)).center())  # noqa: E731
    # page 3 dragged onto the upper half of page 1: it goes first
    top = vp.mapToGlobal(thumbs.visualItemRect(thumbs.item(0)).topLeft()) + QPoint(40, 8)
    Officer().drag(centre(2), top).play()
    out["dragged"] = order()
    thumbs.setFocus()
    Officer().chord("Control_L", "z").play()
    out["undone"] = order()
    Officer().chord("Control_L", "y").play()
    out["redone"] = order()
    # keyboard only: the first page down one place
    thumbs.setCurrentRow(0)
    Officer().chord("Control_L", "Down").play()
    out["moved_down"] = order()
    print(json.dumps(out))
    w.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
