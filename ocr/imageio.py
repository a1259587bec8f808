"""Acquire from files: images (PNG/JPEG/TIFF, multi-page TIFF), PDFs, with bad input caught early.

A multi-page file is one document. `count_pages` validates a file cheaply in the
coordinating process; `load_page` decodes one page inside a worker, so no process ever
holds a whole document's pixels.
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
import stat
import warnings
from pathlib import Path
from typing import Iterator

import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from ocr.errors import BadInputError, SohoaError
from ocr.model import PageImage, Word
from ocr.textnorm import nfc

# Pillow imports its format plugins on the first Image.open; done here, at import time, so that
# it never happens inside a scanner/import worker thread of the app (seen to hang there while
# the GUI thread runs its event loop).
Image.init()


def _silence_libtiff() -> bool:
    """libtiff prints its complaints about a damaged page straight to stderr ('Using code not yet
    in table.'); the page's failure already reaches the officer as that file's error. Its
    handlers are process-wide: set once, at import. Only where Pillow loads libtiff as a shared
    library (Linux wheels); True when done. Elsewhere (Windows wheels link it in) a TIFF page is
    decoded with stderr quietened instead (`_quiet_stderr`)."""
    import ctypes
    import re

    import PIL._imaging  # noqa: F401 - loads libtiff when Pillow links it
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
            libs = set(re.findall(r"\S*/libtiff[^/\s]*\.so[^/\s]*", fh.read()))
    except OSError:
        return False
    done = False
    for lib in libs:
        try:
            tiff = ctypes.CDLL(lib)
            tiff.TIFFSetErrorHandler.restype = tiff.TIFFSetWarningHandler.restype = ctypes.c_void_p
            tiff.TIFFSetErrorHandler(None)
            tiff.TIFFSetWarningHandler(None)
            done = True
        except (OSError, AttributeError):
            log.debug("libtiff handlers not changed in %s", lib)
    return done


@contextlib.contextmanager
def _quiet_stderr(quiet: bool):
    """The C library's stderr (file descriptor 2) sent to the null device for the block."""
    if not quiet:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


log = logging.getLogger(__name__)
LIBTIFF_SILENCED = _silence_libtiff()

#: Refuse pages over this many pixels (an A3 page at 600 dpi is ~70 Mpx): decompression bombs.
MAX_PIXELS = 120_000_000
#: Resolution at which PDF pages are rendered for cleanup, OCR and the archive image.
PDF_RENDER_DPI = 300
#: A PDF page with at least this many non-space characters keeps its own text (no OCR).
MIN_PDF_TEXT_CHARS = 20

Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # PIL raises DecompressionBombError above 2x this

A4_LONG_INCH = 297 / 25.4


def _bad(path: Path | str, vi: str, en: str) -> BadInputError:
    return BadInputError(vi, en, path=str(path))


def sniff_kind(path: Path) -> str:
    """'pdf' or 'image' from the file's first bytes, not its name (a PDF renamed .jpg is a PDF)."""
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block the read forever
            raise _bad(path, "Không phải tệp thông thường (FIFO, thiết bị ...)",
                       "not a regular file (FIFO, device ...)")
        size = st.st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise _bad(path, "Không tìm thấy tệp", "file not found") from None
    except IsADirectoryError:
        raise _bad(path, "Là thư mục, không phải tệp", "is a folder, not a file") from None
    except OSError as exc:
        raise _bad(path, f"Không đọc được tệp ({exc.strerror})", "cannot read file") from None
    if size == 0:
        raise _bad(path, "Tệp rỗng (0 byte)", "empty file")
    if head.startswith(b"%PDF"):
        return "pdf"
    return "image"


@contextlib.contextmanager
def _input_errors(path: Path, index: int | None = None):
    """Whatever a decoder raises on one input becomes that input's `BadInputError`.

    Pillow, libtiff and pdfium fail in many ways on damaged files (TypeError 'Missing
    dimensions' from a truncated TIFF, struct errors, MemoryError ...); one bad file must
    never stop the other inputs of a run. Decoder warnings are not for officers.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    except SohoaError:
        raise
    except Exception as exc:  # noqa: BLE001 - any decoder failure is this file's fault
        where = f" (trang {index + 1})" if index is not None else ""
        log.debug("reading %s failed", path, exc_info=True)
        raise _bad(path, f"Tệp ảnh/PDF bị hỏng hoặc không đầy đủ{where}",
                   f"corrupt or truncated file ({type(exc).__name__}: {exc})") from None


def count_pages(path: str | os.PathLike) -> int:
    """Number of pages, after checking the file is a readable image or PDF within limits."""
    path = Path(path)
    with _input_errors(path):
        return _count_pages(path)


def _count_pages(path: Path) -> int:
    if sniff_kind(path) == "pdf":
        with _open_pdf(path) as pdf:
            return len(pdf)
    with _open_image(path) as img:
        n = getattr(img, "n_frames", 1)
        for frame in ImageSequence.Iterator(img):
            _check_size(path, frame.size)
        return n


def load_pages(path: str | os.PathLike) -> Iterator[PageImage]:
    """All pages of one file, decoded one at a time."""
    for index in range(count_pages(path)):
        yield load_page(path, index)


def load_page(path: str | os.PathLike, index: int) -> PageImage:
    """Decode page `index` (0-based) of an image or PDF file."""
    path = Path(path)
    with _input_errors(path, index):
        return _load_page(path, index)


def _load_page(path: Path, index: int) -> PageImage:
    if sniff_kind(path) == "pdf":
        return _load_pdf_page(path, index)
    with _open_image(path) as img:
        img.seek(index)
        _check_size(path, img.size)
        pixels = _fast_decode(path, img)
        if pixels is None:
            try:
                with _quiet_stderr(img.format == "TIFF" and not LIBTIFF_SILENCED):
                    img.load()
            except (OSError, SyntaxError, ValueError) as exc:
                raise _bad(path, f"Ảnh bị hỏng hoặc không đầy đủ (trang {index + 1})",
                           f"corrupt or truncated image ({exc})") from None
            pixels = to_bgr_or_grey(img)
        dpi = _image_dpi(img, pixels.shape[1], pixels.shape[0])
    return PageImage(pixels=pixels, dpi=dpi, source=str(path), index=index)


def _fast_decode(path: Path, img: Image.Image) -> np.ndarray | None:
    """OpenCV decodes single-page 8-bit JPEG/PNG scans several times faster than PIL.

    Only for complete files (a JPEG must end with its EOI marker: OpenCV would quietly
    return a truncated scan with a grey bottom); everything else goes through PIL.
    """
    if img.format not in ("JPEG", "PNG") or getattr(img, "n_frames", 1) != 1 or img.mode not in ("L", "RGB"):
        return None
    data = np.fromfile(path, dtype=np.uint8)
    if img.format == "JPEG" and not data[-2:].tobytes() == b"\xff\xd9":
        return None
    import cv2

    flags = (cv2.IMREAD_GRAYSCALE if img.mode == "L" else cv2.IMREAD_COLOR) | cv2.IMREAD_IGNORE_ORIENTATION
    pixels = cv2.imdecode(data, flags)
    if pixels is None or pixels.shape[:2] != (img.size[1], img.size[0]):
        return None
    return pixels


def to_bgr_or_grey(img: Image.Image) -> np.ndarray:
    """PIL image to an OpenCV array: grey for 1-bit/grey input, BGR for colour."""
    mode = img.mode
    if mode in ("1", "L"):
        return np.array(img.convert("L"))
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.array(img, dtype=np.float64)
        hi = arr.max() or 1.0
        return np.clip(arr * (255.0 / hi), 0, 255).astype(np.uint8)
    if mode in ("LA", "RGBA", "PA") or (mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    rgb = np.array(img.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _open_image(path: Path) -> Image.Image:
    try:
        return Image.open(path)
    except Image.DecompressionBombError:
        raise _bad(path, "Ảnh quá lớn, từ chối để bảo vệ máy (nghi là 'bom giải nén')",
                   "image too large (decompression bomb)") from None
    except UnidentifiedImageError:
        raise _bad(path, "Không phải tệp ảnh hoặc PDF hợp lệ", "not a valid image or PDF") from None
    except OSError as exc:
        raise _bad(path, f"Không đọc được ảnh ({exc})", "cannot read image") from None


def _check_size(path: Path, size: tuple[int, int]) -> None:
    w, h = size
    if w * h > MAX_PIXELS:
        raise _bad(path, f"Ảnh quá lớn ({w}×{h} điểm ảnh, tối đa {MAX_PIXELS // 1_000_000} triệu)",
                   "image exceeds the pixel limit")
    if w < 16 or h < 16:
        raise _bad(path, f"Ảnh quá nhỏ ({w}×{h} điểm ảnh)", "image too small")


def _image_dpi(img: Image.Image, width: int, height: int) -> float:
    """The image's own dpi when plausible for a document page, else estimated as A4.

    Scanners and phones often write 72/96 dpi or nothing; a page 30 inches long is then
    obviously wrong, and assuming A4 gives OCR and the PDF a sensible scale.
    """
    dpi = img.info.get("dpi")
    value = float(dpi[0]) if dpi and dpi[0] else 0.0
    if value > 0:
        long_inch = max(width, height) / value
        if 4.0 <= long_inch <= 17.0:
            return round(value, 2)
    return round(max(width, height) / A4_LONG_INCH, 1)


# ---------------------------------------------------------------- PDF input


def _open_pdf(path: Path):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text:
            raise _bad(path, "PDF được bảo vệ bằng mật khẩu, hãy mở khóa trước",
                       "password-protected PDF") from None
        raise _bad(path, "PDF bị hỏng hoặc không đọc được", f"corrupt PDF ({exc})") from None


def _load_pdf_page(path: Path, index: int) -> PageImage:
    import pypdfium2 as pdfium

    with _open_pdf(path) as pdf:
        try:
            page = pdf[index]
        except (IndexError, pdfium.PdfiumError) as exc:
            raise _bad(path, f"Không đọc được trang {index + 1} của PDF", str(exc)) from None
        w_pt, h_pt = page.get_size()
        scale = PDF_RENDER_DPI / 72.0
        _check_size(path, (int(w_pt * scale), int(h_pt * scale)))
        bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255))
        pixels = np.ascontiguousarray(bitmap.to_numpy()[:, :, :3])  # BGR(x) from pdfium
        words = _pdf_words(page, scale) if page.get_rotation() == 0 else None
        page.close()
    return PageImage(pixels=pixels, dpi=float(PDF_RENDER_DPI), source=str(path), index=index,
                     embedded_words=words)


def _pdf_words(page, scale: float) -> list[Word] | None:
    """Words of a born-digital PDF page on the rendered pixel grid, or None when it has no text."""
    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        text = textpage.get_text_range(0, n) if n else ""
        if len(text.replace(" ", "").replace("\n", "").replace("\r", "")) < MIN_PDF_TEXT_CHARS:
            return None
        left, _bottom, _right, top = page.get_cropbox()
        words: list[Word] = []
        line_no = 0
        current: list[tuple[str, tuple[float, float, float, float]]] = []
        last_box = None

        def flush():
            if not current:
                return
            token = nfc("".join(c for c, _ in current)).strip()
            if token:
                xs0, ys0, xs1, ys1 = zip(*(b for _, b in current))
                words.append(Word(text=token, conf=100.0, line=line_no, block=0, par=0, bbox=(
                    int((min(xs0) - left) * scale), int((top - max(ys1)) * scale),
                    int((max(xs1) - left) * scale) + 1, int((top - min(ys0)) * scale) + 1)))
            current.clear()

        for i in range(n):
            ch = textpage.get_text_range(i, 1)
            if ch in ("\r", "\n"):
                flush()
                if ch == "\n":
                    line_no += 1
                last_box = None
                continue
            if ch.isspace():
                flush()
                continue
            box = textpage.get_charbox(i, loose=True)  # font bounds: neighbours touch
            if last_box is not None:
                height = max(last_box[3] - last_box[1], box[3] - box[1], 1.0)
                if abs(box[1] - last_box[1]) > 0.6 * height:  # baseline jump: a new line
                    flush()
                    line_no += 1
                elif box[0] - last_box[2] > 0.15 * height:  # gap: a new word
                    flush()
            current.append((ch, box))
            last_box = box
        flush()
        return words
    finally:
        textpage.close()
