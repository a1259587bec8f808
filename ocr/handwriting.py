"""Is the ink of a value handwriting or print? A shape test that works on black-and-white scans.

Colour already betrays a ballpoint value on a colour scan; on a grey or black-and-white scan, and
for black pens, only the shapes are left. Print has letters of a few exact heights standing on one
baseline with strokes of one design; handwriting has neither. Each text line of the value's ink is
scaled to a fixed x-height and cut into overlapping square windows; each window's gradient
histogram (HOG) is scored by a small network (one hidden layer) trained on rendered print (many
typefaces, scan defects) against rendered handwriting (handwriting typefaces, their letters
jittered as a hand does), and the window scores are averaged. `ocr/data/build_handwriting.py` (`make handwriting-model`) trains the model; the
fonts it never saw and the real handwritten lines of shared/realdocs measure it
(bench/bench_handwriting.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np

MODEL_PATH = Path(__file__).resolve().parent / "data" / "handwriting.npz"
#: Height of the x-height band every crop is scaled to, and the window size.
LETTER_PX = 14
WINDOW = 48
STRIDE = 16
#: Windows with less ink than this share of their pixels say nothing (gaps between words).
MIN_WINDOW_INK = 0.04


@dataclass
class Model:
    """One hidden layer of rectified units over the standardised window features."""

    mean: np.ndarray
    scale: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: float

    def logits(self, features: np.ndarray) -> np.ndarray:
        hidden = np.maximum(((features - self.mean) / self.scale) @ self.w1 + self.b1, 0)
        return hidden @ self.w2 + self.b2

    def arrays(self) -> dict[str, np.ndarray]:
        return {"mean": self.mean, "scale": self.scale, "w1": self.w1, "b1": self.b1, "w2": self.w2,
                "b2": np.float32(self.b2)}


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> Optional[Model]:
    if not path.exists():
        return None
    with np.load(path) as z:
        return Model(z["mean"], z["scale"], z["w1"], z["b1"], z["w2"], float(z["b2"]))


CELL = 8
BINS = 9
#: Features of one window: 2x2-cell blocks, one cell apart, 9 orientation bins per cell.
_BLOCKS = WINDOW // CELL - 1
N_FEATURES = _BLOCKS * _BLOCKS * 4 * BINS


def block_histograms(img: np.ndarray) -> np.ndarray:
    """Dalal-Triggs HOG of a whole strip: (cell rows - 1, cell cols - 1, 36) normalised blocks."""
    import cv2

    f = img.astype(np.float32)
    gx = cv2.Sobel(f, cv2.CV_32F, 1, 0, ksize=1)
    gy = cv2.Sobel(f, cv2.CV_32F, 0, 1, ksize=1)
    mag = np.hypot(gx, gy)
    ang = (np.degrees(np.arctan2(gy, gx)) % 180.0) / (180.0 / BINS)
    lo = np.floor(ang).astype(np.int64) % BINS
    frac = ang - np.floor(ang)
    rows, cols = img.shape[0] // CELL, img.shape[1] // CELL
    hist = np.zeros((rows, cols, BINS), np.float32)
    cy = np.minimum(np.arange(img.shape[0]) // CELL, rows - 1)
    cx = np.minimum(np.arange(img.shape[1]) // CELL, cols - 1)
    ci = np.broadcast_to(cy[:, None], img.shape)
    cj = np.broadcast_to(cx[None, :], img.shape)
    np.add.at(hist, (ci, cj, lo), mag * (1 - frac))
    np.add.at(hist, (ci, cj, (lo + 1) % BINS), mag * frac)
    blocks = np.concatenate([hist[:-1, :-1], hist[:-1, 1:], hist[1:, :-1], hist[1:, 1:]], axis=2)
    blocks /= np.sqrt((blocks ** 2).sum(axis=2, keepdims=True) + 1e-6)
    blocks = np.minimum(blocks, 0.2)
    blocks /= np.sqrt((blocks ** 2).sum(axis=2, keepdims=True) + 1e-6)
    return blocks


def ink_mask(grey: np.ndarray) -> np.ndarray:
    """Dark ink of a value crop (uint8, 255 = ink) without specks, dot leaders and ruled lines."""
    import cv2

    if grey.ndim == 3:
        grey = cv2.cvtColor(grey[:, :, :3], cv2.COLOR_BGR2GRAY)
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    if grey.size and float(np.mean(grey)) < 60:  # nothing but ink: Otsu split noise
        return np.zeros_like(ink)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return np.zeros_like(ink)
    top = stats[1:, cv2.CC_STAT_TOP]
    h = stats[1:, cv2.CC_STAT_HEIGHT]
    w = stats[1:, cv2.CC_STAT_WIDTH]
    # pieces of the lines above and below, cut by the crop, touch its edge and stay short
    cut = ((top == 0) | (top + h >= ink.shape[0])) & (h < 0.45 * ink.shape[0])
    big = h[(h >= 4) & ~cut]
    ref = float(np.median(big)) if big.size else 4.0
    keep = np.zeros(n, bool)
    # letters (and their marks) are at least a third of the letter height tall or half of it
    # wide; a rule is long and flat; a dot leader is a row of small round dots
    fill = stats[1:, cv2.CC_STAT_AREA] / np.maximum(1, w * h)
    # the boxes digits are written in, a table's borders, and their sides cut by the crop
    frame = ((fill < 0.07) & (w > 3 * ref)) | ((h >= 0.85 * ink.shape[0]) & (w <= np.maximum(2, 0.06 * h)))
    keep[1:] = ((h >= 0.35 * ref) | (w >= 0.5 * ref)) & ~((w > 6 * h) & (h < 0.3 * ref)) & ~cut & ~frame
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def core_band(ink: np.ndarray) -> Optional[tuple[int, int]]:
    """Rows of the line's x-height band: the longest run of rows with at least 40 % of the
    busiest row's ink. Unlike letter sizes, it survives letters fused with their marks."""
    profile = np.count_nonzero(ink, axis=1)
    if not profile.size or profile.max() == 0:
        return None
    busy = profile >= 0.4 * profile.max()
    best, start = (0, 0), None
    for y, b in enumerate(np.append(busy, False)):
        if b and start is None:
            start = y
        elif not b and start is not None:
            if y - start > best[1] - best[0]:
                best = (start, y)
            start = None
    return best if best[1] - best[0] >= 3 else None


_NONE = np.zeros((0, N_FEATURES), np.float32)


def text_lines(ink: np.ndarray) -> list[np.ndarray]:
    """The ink of each text line of a crop (a value may wrap onto a second line).

    Lines are runs of inked rows; a run much lower than the tallest (a row of tone marks over
    capitals, a comma's tail) joins its nearer neighbour."""
    rows = np.count_nonzero(ink, axis=1) > 0
    runs, start = [], None
    for y, r in enumerate(np.append(rows, False)):
        if r and start is None:
            start = y
        elif not r and start is not None:
            runs.append([start, y])
            start = None
    if not runs:
        return []
    tallest = max(b - a for a, b in runs)
    merged: list[list[int]] = []
    for run in runs:
        if merged and (run[1] - run[0] < 0.45 * tallest or merged[-1][1] - merged[-1][0] < 0.45 * tallest) \
                and run[0] - merged[-1][1] < 0.5 * tallest:
            merged[-1][1] = run[1]
        else:
            merged.append(run)
    return [ink[a:b] for a, b in merged]


def window_features(grey: np.ndarray) -> np.ndarray:
    """HOG features of the ink windows of one value crop (n_windows x n_features)."""
    if grey is None or min(grey.shape[:2]) < 4:
        return _NONE
    ink = ink_mask(grey)
    if np.count_nonzero(ink) < 30:
        return _NONE
    feats = [f for line in text_lines(ink) for f in _line_windows(line)]
    return np.asarray(feats, np.float32) if feats else _NONE


def _line_windows(ink: np.ndarray) -> list[np.ndarray]:
    import cv2

    ys, xs = np.nonzero(ink)
    if ys.size < 30:
        return []
    ink = ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    band = core_band(ink)
    if band is None:
        return []
    f = LETTER_PX / (band[1] - band[0])
    width, height = max(1, round(ink.shape[1] * f)), max(1, round(ink.shape[0] * f))
    if width * height > 4_000_000:
        return []
    ink = cv2.resize(ink, (width, height), interpolation=cv2.INTER_AREA)
    cy = int(round((band[0] + band[1]) / 2 * f))  # windows centred on the x-height band
    canvas = np.zeros((WINDOW, max(WINDOW, width + 8)), np.uint8)
    top = WINDOW // 2 - cy
    src0, dst0 = max(0, -top), max(0, top)
    n = min(height - src0, WINDOW - dst0)
    if n > 0:
        canvas[dst0:dst0 + n, 4:4 + width] = ink[src0:src0 + n]
    blocks = block_histograms(canvas)
    feats = []
    for x in range(0, canvas.shape[1] - WINDOW + 1, STRIDE):
        if np.count_nonzero(canvas[:, x:x + WINDOW]) < MIN_WINDOW_INK * WINDOW * WINDOW:
            continue
        c = x // CELL
        feats.append(blocks[:, c:c + _BLOCKS].ravel())
    return feats


@dataclass
class Evidence:
    score: float  # probability (0-1) that the ink is handwriting
    windows: int  # how many windows it rests on: one or two (a word like "Nữ") say little


def handwriting_evidence(grey: np.ndarray, model: Optional[Model] = None) -> Optional[Evidence]:
    """Whether a value's ink is handwriting; None when there is too little ink or no model."""
    model = model or load_model()
    if model is None or grey is None or grey.size == 0:
        return None
    feats = window_features(grey)
    if len(feats) == 0:
        return None
    logit = float(np.mean(model.logits(feats)))
    return Evidence(1.0 / (1.0 + np.exp(-logit)), len(feats))


def handwriting_score(grey: np.ndarray, model: Optional[Model] = None) -> Optional[float]:
    evidence = handwriting_evidence(grey, model)
    return evidence.score if evidence else None
