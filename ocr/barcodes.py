"""Barcodes and QR codes on a page: the CCCD's QR, dossier cover sheets, receipts' Code128.

One cheap zxing-cpp pass runs on every page (most pages carry no code, so it must stay cheap:
about 20 ms on an A4 page at 300 dpi). Only when it finds no QR code do QR-only rescue passes
run: zxing's own candidates (symbols located but not decoded, on the page as is or, for a pale
copy, contrast-stretched) are cut out, upscaled, contrast-stretched, sharpened, CLAHE'd and
binarised (Otsu, adaptive) in turn. Where zxing locates nothing at all (a small, tilted QR on a
pale 200-dpi copy), square patches with a QR's texture are tried the same way.
A QR-only pass costs ~10 ms on an A4 page, so the rescue adds little to a page without codes.
"""
from __future__ import annotations

import warnings
from typing import Iterable, Iterator

import cv2
import numpy as np
import zxingcpp

from ocr.textnorm import nfc

BBox = tuple[int, int, int, int]
Found = tuple[str, str, BBox]

_F = zxingcpp.BarcodeFormat
#: Formats of the first pass. DataMatrix/Aztec/MaxiCode are left out: they cost more than all
#: of these together and do not occur on Vietnamese public-service paper.
FIRST_PASS = (_F.QRCode, _F.MicroQRCode, _F.Code128, _F.Code39, _F.Code93, _F.EAN13, _F.EAN8,
              _F.UPCA, _F.UPCE, _F.ITF, _F.Codabar, _F.PDF417)
QR_ONLY = (_F.QRCode, _F.MicroQRCode)
_QR_NAMES = {"QRCode", "MicroQRCode"}
#: A candidate smaller than this (pixels) is upscaled before retrying.
SMALL_SYMBOL_PX = 260


def _formats(formats: Iterable) -> "zxingcpp.BarcodeFormats":
    out = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # `|` on formats is deprecated in 3.x
        for f in formats:
            out = f if out is None else out | f
    return out


_FIRST = _formats(FIRST_PASS)
_QR = _formats(QR_ONLY)


def _read(image: np.ndarray, formats, **kw) -> list:
    try:
        return zxingcpp.read_barcodes(np.ascontiguousarray(image), formats=formats, **kw)
    except (RuntimeError, ValueError):  # zxing refuses degenerate images
        return []


def _bbox(barcode, scale: float = 1.0, dx: int = 0, dy: int = 0) -> BBox:
    p = barcode.position
    xs = [p.top_left.x, p.top_right.x, p.bottom_right.x, p.bottom_left.x]
    ys = [p.top_left.y, p.top_right.y, p.bottom_right.y, p.bottom_left.y]
    return (int(min(xs) / scale) + dx, int(min(ys) / scale) + dy,
            int(round(max(xs) / scale)) + dx, int(round(max(ys) / scale)) + dy)


def _format_name(barcode) -> str:
    name = barcode.format.name
    return "QRCode" if name.startswith("QRCode") else name


def to_grey(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def _stretch(grey: np.ndarray) -> np.ndarray:
    """Full-range contrast from the 1st..99th percentile: a pale photocopy becomes black on white."""
    lo, hi = np.percentile(grey[::4, ::4], (1, 99))
    if hi - lo < 8 or (lo <= 8 and hi >= 247):  # flat, or already full range
        return grey
    return cv2.convertScaleAbs(grey, alpha=255.0 / (hi - lo), beta=-lo * 255.0 / (hi - lo))


def _clahe(grey: np.ndarray) -> np.ndarray:
    return cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(grey)


def _sharpen(grey: np.ndarray) -> np.ndarray:
    blur = cv2.GaussianBlur(grey, (0, 0), 1.5)
    return cv2.addWeighted(grey, 1.8, blur, -0.8, 0)


def _adaptive(grey: np.ndarray, block: int) -> np.ndarray:
    block = max(3, block | 1)
    return cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, 5)


def _region_variants(crop: np.ndarray) -> Iterator[np.ndarray]:
    """Enhanced versions of a small crop around a QR candidate, cheapest first."""
    big = crop
    if max(crop.shape) < SMALL_SYMBOL_PX * 1.6:
        big = cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    stretched = _stretch(big)
    yield stretched
    yield _sharpen(stretched)
    yield _clahe(big)
    _, otsu = cv2.threshold(cv2.GaussianBlur(stretched, (3, 3), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    yield otsu
    yield _adaptive(stretched, max(big.shape) // 8)
    if big is crop:  # not yet upscaled: modules may be too small for the sampler
        big = cv2.resize(stretched, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
        yield _sharpen(big)
    yield _sharpen(_stretch(cv2.resize(cv2.medianBlur(crop, 3), None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)))


def _candidates(grey: np.ndarray, located: list[BBox]) -> list[BBox]:
    """Regions where zxing located a QR symbol (or part of one) but could not decode it:
    those of the first pass, else those of a pass on the contrast-stretched page (a pale copy)."""
    if located:
        return located
    stretched = _stretch(grey)
    if stretched is not grey:
        found = [_bbox(b) for b in _read(stretched, _QR, try_invert=False, return_errors=True) if not b.valid]
        if found:
            return found
    return _qr_like_squares(grey)


def _qr_like_squares(grey: np.ndarray, limit: int = 2) -> list[BBox]:
    """Square patches dense with small dark-light modules, where zxing located nothing (a small,
    tilted QR on a pale 200-dpi copy): closed into solid blobs on a ~600 px wide copy, kept when
    square, solidly filled and busy inside. Costs a few ms; biggest first."""
    h, w = grey.shape
    scale = min(1.0, 600.0 / max(w, 1))
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 10)
    solid = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    n, _labels, stats, _c = cv2.connectedComponentsWithStats(solid, connectivity=8)
    side_min, side_max = 0.03 * min(small.shape), 0.25 * min(small.shape)
    found = []
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if not (side_min <= bw <= side_max and side_min <= bh <= side_max and 0.75 <= bw / bh <= 1.33):
            continue
        if area < 0.6 * bw * bh:
            continue
        inside = ink[y:y + bh, x:x + bw] > 0
        dark = float(inside.mean())
        flips = float(np.count_nonzero(inside[:, 1:] != inside[:, :-1])) / (bw * bh)
        if 0.3 <= dark <= 0.75 and flips >= 0.15:  # half dark, changing every few pixels: modules
            found.append((bw * bh, (int(x / scale), int(y / scale), int((x + bw) / scale), int((y + bh) / scale))))
    return [box for _a, box in sorted(found, reverse=True)[:limit]]


def _rescue_qr(grey: np.ndarray, located: list[BBox]) -> list[Found]:
    """QR-only passes for a page whose first pass found no QR; [] when nothing decodes.

    Measured on degraded card copies, whole-page enhancement never decoded what the first pass
    missed, while enhancing the regions zxing had located did; so only those regions are
    worked on, which keeps a page without any code cheap.
    """
    h, w = grey.shape
    for x0, y0, x1, y1 in _candidates(grey, located)[:4]:
        side = max(x1 - x0, y1 - y0)
        # a lone finder pattern is ~1/5 of the symbol: widen the window accordingly
        m = max(12, side // 4) if side >= SMALL_SYMBOL_PX // 3 else 4 * side
        x0, y0, x1, y1 = max(0, x0 - m), max(0, y0 - m), min(w, x1 + m), min(h, y1 + m)
        crop = grey[y0:y1, x0:x1]
        if crop.size == 0:
            continue
        for variant in _region_variants(crop):
            scale = variant.shape[1] / crop.shape[1]
            found = [b for b in _read(variant, _QR) if b.valid]
            if found:
                return [(_format_name(b), nfc(b.text), _bbox(b, scale, x0, y0)) for b in found]
    return []


def find_barcodes(image: np.ndarray, rescue: bool = True) -> list[tuple[str, str, BBox]]:
    """All barcodes on a page: (zxing format name, text NFC, bbox in `image` pixels).

    `rescue=False` runs the cheap first pass only (for callers that just want linear codes).
    """
    grey = to_grey(image)
    if grey.dtype != np.uint8:
        grey = cv2.normalize(grey, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    # Pages are upright by now, so linear codes lie horizontal: no rotated pass (it would
    # cost twice the rest). Located but undecoded QR symbols come back too, for the rescue.
    first = _read(grey, _FIRST, try_invert=False, try_rotate=False, return_errors=True)
    out: list[Found] = [(_format_name(b), nfc(b.text), _bbox(b)) for b in first if b.valid]
    if rescue and not any(fmt in _QR_NAMES for fmt, _, _ in out):
        located = [_bbox(b) for b in first if not b.valid and _format_name(b) in _QR_NAMES]
        out += _rescue_qr(grey, located)
    seen: set[tuple[str, str]] = set()
    unique: list[Found] = []
    for fmt, text, box in out:
        if (fmt, text) not in seen:
            seen.add((fmt, text))
            unique.append((fmt, text, box))
    return unique
