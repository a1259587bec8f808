"""Shared fixtures: a private dossier store per test and a small typed-page renderer."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

REPO = Path(__file__).resolve().parents[1]
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


# A skip is allowed only for another operating system, and its reason must say which.
OTHER_OS = re.compile(r"\b(windows|win32|macos|darwin)\b", re.IGNORECASE)


def _fail_linux_skip(report) -> None:
    """On Linux `make install` provides every dependency, so a skip there hides a broken install or
    a test that cannot fail: it is reported as a failure unless its reason names another OS."""
    if sys.platform.startswith("linux") and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if not OTHER_OS.search(reason):
            report.outcome = "failed"
            report.longrepr = f"skipped on Linux (make install provides every dependency): {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    _fail_linux_skip((yield).get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    _fail_linux_skip((yield).get_result())  # a module-level skip hides every test in the file


@pytest.fixture(autouse=True)
def sohoa_home(tmp_path_factory, monkeypatch):
    """Every test gets its own store so tests never see each other's dossiers."""
    home = tmp_path_factory.mktemp("sohoa-home")
    monkeypatch.setenv("SOHOA_HOME", str(home))
    return home


def render_lines(lines: list[str], dpi: int = 200, font: str = "DejaVuSerif.ttf",
                 size_pt: float = 12.0, page_inch=(8.27, 11.69)) -> Image.Image:
    """An A4 page with typed lines at a realistic size; enough for OCR tests."""
    w, h = int(page_inch[0] * dpi), int(page_inch[1] * dpi)
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    fnt = ImageFont.truetype(str(FONT_DIR / font), int(size_pt * dpi / 72))
    y = int(1.0 * dpi)
    for line in lines:
        draw.text((int(0.9 * dpi), y), line, font=fnt, fill=0)
        y += int(size_pt * 1.8 * dpi / 72)
    return img


@pytest.fixture
def page_png(tmp_path):
    """Write a typed page as PNG with its dpi; returns the path."""

    def make(name: str, lines: list[str], dpi: int = 200, **kw) -> Path:
        path = tmp_path / name
        render_lines(lines, dpi=dpi, **kw).save(path, dpi=(dpi, dpi))
        return path

    return make


def run_sohoa(*args: str, check: bool = False, timeout: int = 300) -> subprocess.CompletedProcess:
    """The real CLI in a subprocess, as an officer or a script would run it."""
    proc = subprocess.run([sys.executable, "-m", "scanner_app.cli", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"sohoa {' '.join(args)} failed:\n{proc.stderr}")
    return proc


def pdf_text(pdf: Path | bytes, last_page: int | None = None) -> str:
    """The text a reader sees, annotations (a signature's visible block) included, through pdfium.

    pdfium instead of poppler's pdftotext: it ships as a wheel, so the tests run on Windows too.
    """
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    doc.init_forms()
    try:
        texts = []
        for i in range(len(doc) if last_page is None else min(last_page, len(doc))):
            if doc.formenv:  # a form (a signature field): its appearance into the page, as pdftotext reads it
                doc[i].flatten()
            texts.append(doc[i].get_textpage().get_text_range())  # pdfium wants the page reloaded after flatten
        return "\n".join(texts)
    finally:
        doc.close()


def pdf_raster(pdf: Path, dpi: int, first: int = 1, last: int | None = None) -> list:
    """Pages rendered grey (uint8 arrays) at dpi through pdfium, as pdftoppm -gray would."""
    import numpy as np
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        end = len(doc) if last is None else min(last, len(doc))
        return [np.asarray(doc[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
                for i in range(first - 1, end)]
    finally:
        doc.close()


def kill_hard(pid: int) -> None:
    """A power cut for a process and everything it started: SIGKILL on POSIX, TerminateProcess on Windows."""
    import psutil

    root = psutil.Process(pid)
    family = [root, *root.children(recursive=True)]  # listed before the kill: orphans are hard to find after
    for proc in family:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(family, timeout=30)
