"""Screenshots of the real app for the README and the officer's guide, at the counter PC's 1366×768.

Runs the app offscreen (or on $DISPLAY, e.g. under `xvfb-run`) with a private workspace and
store, imports a synthetic dossier (a QR cover sheet from bench/synth_stack.py and the bundled
sample pages), and grabs the main window at each step into docs/img/*.png.

    .venv/bin/python docs/screenshots.py [--out docs/img]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CODE = "000.00.25.H49-240315-0012"


def wait_until(app, cond, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        app.processEvents()
        time.sleep(0.02)
    for _ in range(20):  # let queued paints and image loads land
        app.processEvents()
        time.sleep(0.02)


def synthetic_dossier(folder: Path) -> list[Path]:
    """Cover sheet with the dossier's QR, then a CT01 form and an ID-card copy (invented people)."""
    from bench.synth_stack import cover_pages

    cover = folder / "00_cover.png"
    cover_pages([CODE], dpi=150)[0].save(cover, dpi=(150, 150))
    samples = REPO / "samples" / "demo"
    return [cover, samples / "01_to_khai_ct01.jpg", samples / "03_ban_sao_cccd.jpg"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "img")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="sohoa-shots-"))
    os.environ["SOHOA_HOME"] = str(tmp / "home")

    from PyQt5.QtWidgets import QApplication

    from scanner_app.gui.main_window import MainWindow
    from scanner_app.settings import Settings
    from scanner_app.workspace import Workspace

    app = QApplication(sys.argv[:1])
    w = MainWindow(workspace=Workspace.open(tmp / "ws"),
                   settings=Settings(device="test:0", output_dir=str(tmp / "out"), resolution=300),
                   confirm_close=False)
    w.resize(1366, 738)  # a 1366×768 screen less its taskbar
    w.show()
    wait_until(app, lambda: True)

    def shot(name: str) -> None:
        path = args.out / name
        w.grab().save(str(path))
        print(path)

    shot("app-empty.png")

    files = synthetic_dossier(tmp)
    w.import_files(files)
    wait_until(app, lambda: not w.busy() and not w.processor.is_busy and not w.ws.unprocessed()
               and w.ws.documents and all(d.understood for d in w.ws.documents))
    # the ID-card copy is its own document
    order = w.ws.page_order()
    if len(order) == 2 and len(w.ws.documents) == 1:
        w.thumbs.setCurrentRow(1)
        w.split_here()
        wait_until(app, lambda: all(d.understood for d in w.ws.documents))
    w.thumbs.setCurrentRow(0)
    wait_until(app, lambda: len(w.icons) == len(w.ws.page_order()) and w.view.page_id == w.thumbs.current_id())
    shot("app-pages.png")

    # show an ID number that failed its check (red), else the first doubtful field
    fid = "so_dinh_danh" if w.fields.edits.get("so_dinh_danh") and \
        w.fields.edits["so_dinh_danh"].property("status") != "ok" else w.fields.focus_next_doubtful()
    if fid:
        w.fields.edits[fid].setFocus()
        w._field_focused(fid)
    wait_until(app, lambda: True)
    shot("app-review.png")

    saver = w.save()
    if saver is not None:
        app.processEvents()
        shot("app-saving.png")
        wait_until(app, lambda: not saver.isRunning())
    shot("app-saved.png")

    # the officer searches without diacritics; the hit opens the dossier again in the app
    from ocr.textnorm import fold

    name = (w.ws.documents[0].fields.get("ho_ten") or {}).get("value") or "nguyen"
    query = fold(name)  # typed without diacritics
    w.search_edit.setText(query)
    dialog = w.search(query)
    wait_until(app, lambda: True)
    if dialog is not None:
        dialog.grab().save(str(args.out / "app-search.png"))
        print(args.out / "app-search.png")
        dialog.close()
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
