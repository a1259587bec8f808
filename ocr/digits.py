"""Read a number written by hand in a blank of a typed line ("Số: 51 /QĐ-UBND", "ngày 17 tháng").

Tesseract reads such numbers badly: its digits are printed shapes, while the officer writes with a
felt pen, often in the European style (a "1" with a long up-stroke flag, a crossed "7"). Here the
crop's ink is cut into digit candidates (connected components, broken strokes merged, touching
digits split where the classifier likes the pieces best, printed remnants at the crop's edges,
dots and leaders dropped), each is normalised as MNIST is (stroke width fixed, fitted into 20x20,
centred by mass in 28x28, deskewed), and a one-hidden-layer network over its pixels and the
gradient-orientation histograms of its 4x4 cells picks the digit. An eleventh
class, "not a digit" (printed letters and marks), lets remnants of the surrounding words go.
`ocr/data/build_digits.py` (`make digits-model`) trains the model; bench/bench_digits.py measures it.
Numpy inference only; the model is loaded once, None when its file is missing.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np

MODEL_PATH = Path(__file__).resolve().parent / "data" / "digits.npz"
#: Class index of "not a digit".
REJECT = 10
#: Height a digit is drawn at before its strokes are thinned or thickened to STROKE.
WORK_PX = 64
STROKE = 8.0
#: Most digits a blank holds (a document number of the year: up to 5 or 6).
MAX_DIGITS = 6


@dataclass
class Model:
    """One hidden layer of rectified units over `features`; softmax over 11 classes."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    def probabilities(self, pixels: np.ndarray) -> np.ndarray:
        """Class probabilities of normalised digits (n x 784 pixels)."""
        x = features(pixels) if pixels.shape[1] != self.w1.shape[0] else pixels
        hidden = np.maximum(x @ self.w1.astype(np.float32) + self.b1, 0)
        logits = hidden @ self.w2.astype(np.float32) + self.b2
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def arrays(self) -> dict[str, np.ndarray]:
        # float16 weights: a third of the file, the same answers
        return {"w1": self.w1.astype(np.float16), "b1": self.b1.astype(np.float32),
                "w2": self.w2.astype(np.float16), "b2": self.b2.astype(np.float32)}


CELL = 4
BINS = 9


def features(pixels: np.ndarray) -> np.ndarray:
    """The pixels and a gradient-orientation histogram of each 4x4 cell (n x (784 + 441)): the
    histograms see a stroke's direction, which survives the pen's width and small shifts."""
    img = pixels.reshape(-1, 28, 28).astype(np.float32)
    gx = np.zeros_like(img)
    gy = np.zeros_like(img)
    gx[:, :, 1:-1] = img[:, :, 2:] - img[:, :, :-2]
    gy[:, 1:-1, :] = img[:, 2:, :] - img[:, :-2, :]
    mag = np.hypot(gx, gy)
    bins = ((np.arctan2(gy, gx) % np.pi) / (np.pi / BINS)).astype(np.int64) % BINS
    onehot = (bins[..., None] == np.arange(BINS)) * mag[..., None]  # n x 28 x 28 x 9
    cells = onehot.reshape(len(img), 28 // CELL, CELL, 28 // CELL, CELL, BINS).sum(axis=(2, 4))
    cells /= cells.sum(axis=(1, 2, 3), keepdims=True) / cells[0, ..., 0].size + 1e-6
    return np.concatenate([pixels.reshape(len(img), -1), cells.reshape(len(img), -1)], axis=1).astype(np.float32)


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> Optional[Model]:
    if not path.exists():
        return None
    with np.load(path) as z:
        return Model(z["w1"].astype(np.float32), z["b1"], z["w2"].astype(np.float32), z["b2"])


def binarise(grey: np.ndarray) -> np.ndarray:
    """Ink of a grey crop (uint8, 255 = ink); nothing when the crop is blank paper."""
    import cv2

    if grey.ndim == 3:
        grey = cv2.cvtColor(grey[:, :, :3], cv2.COLOR_BGR2GRAY)
    grey = np.ascontiguousarray(grey, dtype=np.uint8)
    if grey.size == 0 or int(grey.max()) - int(grey.min()) < 40:
        return np.zeros(grey.shape[:2], np.uint8)
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


def normalise(mask: np.ndarray) -> np.ndarray:
    """A digit's ink (any size, 255 = ink) as MNIST draws it: 28x28 floats 0-1, strokes of one
    width, the longer side 20 px, centred by mass, slant removed."""
    import cv2

    ys, xs = np.nonzero(mask)
    out = np.zeros((28, 28), np.float32)
    if ys.size == 0:
        return out
    mask = mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = mask.shape
    f = WORK_PX / max(h, w)
    big = cv2.resize(mask, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_LINEAR)
    big = np.where(big >= 128, 255, 0).astype(np.uint8)
    big = cv2.copyMakeBorder(big, 12, 12, 12, 12, cv2.BORDER_CONSTANT, value=0)
    outlines, _ = cv2.findContours(big, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, True) for c in outlines)
    width = 2.0 * np.count_nonzero(big) / max(1.0, perimeter)
    # thin a felt pen, fatten a hairline, but never erode a stroke away
    step = int(round((width - STROKE) / 2))
    if step > 0:
        thin = cv2.erode(big, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * step + 1,) * 2))
        if np.count_nonzero(thin) > 0.25 * np.count_nonzero(big):
            big = thin
    elif step < 0:
        big = cv2.dilate(big, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (1 - 2 * step,) * 2))
    ys, xs = np.nonzero(big)
    big = big[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = big.shape
    f = 20.0 / max(h, w)
    small = cv2.resize(big, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    small = small.astype(np.float32) / 255.0
    m = cv2.moments(small)
    cy = m["m01"] / m["m00"] if m["m00"] else small.shape[0] / 2
    cx = m["m10"] / m["m00"] if m["m00"] else small.shape[1] / 2
    shift = np.float32([[1, 0, 14 - cx], [0, 1, 14 - cy]])
    canvas = np.zeros((28, 28), np.float32)
    canvas[:small.shape[0], :small.shape[1]] = small
    out = cv2.warpAffine(canvas, shift, (28, 28), flags=cv2.INTER_LINEAR, borderValue=0)
    return deskew(out)


def deskew(img: np.ndarray) -> np.ndarray:
    """Shear a 28x28 digit upright by its second moments (a slanted hand reads like an upright one)."""
    import cv2

    m = cv2.moments(img)
    if abs(m["mu02"]) < 1e-2:
        return img
    skew = max(-0.6, min(0.6, m["mu11"] / m["mu02"]))
    shear = np.float32([[1, skew, -0.5 * 28 * skew], [0, 1, 0]])
    return cv2.warpAffine(img, shear, (28, 28), flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR, borderValue=0)


@dataclass
class Blob:
    """A digit candidate: its box in the crop and its ink."""

    x0: int
    y0: int
    x1: int
    y1: int
    mask: np.ndarray  # crop-sized, 255 = ink of this candidate only

    @property
    def w(self) -> int:
        return self.x1 - self.x0

    @property
    def h(self) -> int:
        return self.y1 - self.y0

    def ink(self) -> np.ndarray:
        return self.mask[self.y0:self.y1, self.x0:self.x1]


def candidates(ink: np.ndarray, line_h: float) -> list[Blob]:
    """Connected pieces of ink that may be digits, left to right, broken strokes merged.

    Dropped: specks and dots (a colon), flat rules and dot leaders, and the remnants of the
    printed words cut by the crop's left and right edges (short pieces touching those edges)."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    H, W = ink.shape
    boxes, dots = [], []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if max(w, h) < 0.3 * line_h or area < 0.01 * line_h * line_h:
            if max(w, h) >= 0.06 * line_h and max(w, h) <= 2 * min(w, h):
                dots.append((x + w / 2, y + h / 2, x + w))
            continue  # a speck, a dot, a colon's dot
        if w > 3 * h and h < 0.35 * line_h:
            continue  # an underline or a dot leader's row
        edge_x = x == 0 or x + w >= W
        edge_y = y == 0 or y + h >= H
        if edge_y and h < 0.6 * line_h:
            continue  # the foot of the line above, the top of the line below
        boxes.append([x, y, x + w, y + h, [i], edge_x])
    # the colon of "Số:" caught by the crop: two dots one above the other; the print is left of it
    colons = [max(a[2], b[2]) for a in dots for b in dots
              if abs(a[0] - b[0]) < 0.15 * line_h and 0.15 * line_h < b[1] - a[1] < 0.7 * line_h]
    if colons:
        boxes = [b for b in boxes if b[0] > max(colons) - 0.05 * line_h]
    # a stroke broken by a dry pen (the top bar of a 5, a crossbar): pieces that overlap in x
    boxes.sort(key=lambda b: b[0])
    merged: list[list] = []
    for b in boxes:
        if merged:
            p = merged[-1]
            overlap = min(p[2], b[2]) - max(p[0], b[0])
            if overlap > 0.5 * min(p[2] - p[0], b[2] - b[0]):
                merged[-1] = [min(p[0], b[0]), min(p[1], b[1]), max(p[2], b[2]), max(p[3], b[3]), p[4] + b[4],
                              p[5] or b[5]]
                continue
        merged.append(b)
    if not merged:
        return []
    inside = [b[3] - b[1] for b in merged if not b[5]]
    tallest = max(b[3] - b[1] for b in merged)
    kept = [b for b in merged if b[3] - b[1] >= 0.35 * tallest  # not a comma, a stray mark
            # nor a printed letter cut by the crop's side (handwriting is taller than print)
            and not (b[5] and (b[3] - b[1] < 0.75 * max(inside) if inside else b[3] - b[1] < line_h))]
    if not kept:
        return []
    # the digits' rows, from the pieces of usual height clear of the crop's top and bottom
    usual = float(np.median([b[3] - b[1] for b in kept]))
    clear = [b for b in kept if b[1] > 0 and b[3] < H and b[3] - b[1] <= 1.4 * usual]
    out = []
    for x0, y0, x1, y1, ids, _ in kept:
        mask = np.where(np.isin(labels, ids), 255, 0).astype(np.uint8)
        if clear and (y0 == 0 or y1 >= H or y1 - y0 > 1.4 * usual):
            # a tail touching the print above or below: cut it off at the digits' rows
            top, bottom = min(b[1] for b in clear), max(b[3] for b in clear)
            margin = int(0.15 * (bottom - top))
            mask[:max(0, top - margin)] = 0
            mask[bottom + margin:] = 0
            ys, xs = np.nonzero(mask)
            if not ys.size:
                continue
            x0, y0, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
        out.append(Blob(x0, y0, x1, y1, mask))
    return out


def _cut(blob: Blob, parts: int) -> list[Blob]:
    """`blob` cut into `parts` at the columns of least ink near even spacing."""
    ink = blob.ink()
    profile = np.count_nonzero(ink, axis=0).astype(np.float32)
    cuts = [0]
    for k in range(1, parts):
        centre = k * blob.w / parts
        lo, hi = int(centre - 0.25 * blob.w / parts), int(centre + 0.25 * blob.w / parts) + 1
        lo, hi = max(cuts[-1] + 2, lo), min(blob.w - 2, hi)
        if hi <= lo:
            return []
        cuts.append(lo + int(np.argmin(profile[lo:hi])))
    cuts.append(blob.w)
    out = []
    for a, b in zip(cuts, cuts[1:]):
        mask = np.zeros_like(blob.mask)
        mask[:, blob.x0 + a:blob.x0 + b] = blob.mask[:, blob.x0 + a:blob.x0 + b]
        ys, xs = np.nonzero(mask)
        if ys.size < 4:
            return []
        out.append(Blob(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1, mask))
    return out


def _is_slash(last: Blob, before: list[Blob]) -> bool:
    """A thin stroke leaning right that reaches below the digits' baseline: the number's "/"."""
    ys, xs = np.nonzero(last.ink())
    top, bottom = xs[ys < 0.25 * last.h], xs[ys > 0.75 * last.h]
    if not top.size or not bottom.size:
        return False
    lean = (top.mean() - bottom.mean()) / last.h
    base = float(np.median([b.y1 for b in before]))
    height = float(np.median([b.h for b in before]))
    return lean > 0.2 and last.w < 0.7 * last.h and last.y1 > base + 0.1 * height


def _classify(model: Model, blobs: list[Blob]) -> np.ndarray:
    if not blobs:
        return np.zeros((0, REJECT + 1), np.float32)
    x = np.stack([normalise(b.ink()).ravel() for b in blobs])
    return model.probabilities(x)


def read_handwritten_number(grey_crop: np.ndarray, line_h: Optional[float] = None,
                            model: Optional[Model] = None, until_slash: bool = False) -> tuple[Optional[str], float]:
    """The digits written in a crop and the probability of the least sure one (0-1).

    `line_h` is the height of the printed text around the blank (default: the crop's height
    over 2.6, as reread_digits cuts 0.8 line above and below). None when there is no model, no
    ink, or more pieces than a number has; with `until_slash`, also when no printed "/" ends them
    (the crop reaches into the symbol after the number)."""
    model = model or load_model()
    if model is None or grey_crop is None or min(grey_crop.shape[:2]) < 4:
        return None, 0.0
    line_h = float(line_h or grey_crop.shape[0] / 2.6)
    blobs = candidates(binarise(grey_crop), line_h)
    # the printed "/" of "51/QĐ-UBND" caught by the crop ends the number
    slash = next((i for i in range(1, len(blobs)) if _is_slash(blobs[i], blobs[:i])), None)
    if slash is None and until_slash:
        return None, 0.0
    blobs = blobs[:slash]
    if not blobs or len(blobs) > 2 * MAX_DIGITS:
        return None, 0.0
    parses = [_parse(model, b) for b in blobs]
    if not all(parses):
        return None, 0.0
    H = grey_crop.shape[0]
    # the digits' height, from pieces clear of the lines above and below (a tail may touch them)
    clear = [b.h for b in blobs if b.y0 > 0 and b.y1 < H]
    tallest = max(clear or [b.h for b in blobs])

    def remnant(i: int) -> bool:
        """Print beside the blank: as short as print's x-height ("ố"), or a letter cut by the side."""
        side = blobs[i].x0 == 0 or blobs[i].x1 >= grey_crop.shape[1]
        return blobs[i].h < 0.6 * tallest or (side and len(parses[i]) == 1 and parses[i][0][2] > 0.9)

    lo, hi = 0, len(blobs)
    while hi - lo > 1 and remnant(lo):
        lo += 1
    while hi - lo > 1 and remnant(hi - 1):
        hi -= 1
    digits = [(d, conf) for parse in parses[lo:hi] for d, conf, _ in parse]
    if not digits or len(digits) > MAX_DIGITS:
        return None, 0.0
    return "".join(d for d, _ in digits), min(c for _, c in digits)


def _parse(model: Model, blob: Blob) -> list[tuple[str, float, float]]:
    """(digit, its probability, probability of no digit) of each digit in `blob`: one, or two or
    three touching ones where the cut pieces read surer (one is preferred unless clearly worse)."""
    best: tuple[float, list] = (-np.inf, [])
    # a piece is no digit when narrower than ~0.45 of its height (a "1" alone is a stroke)
    most = max(1, min(3, int(blob.w / (0.45 * blob.h))))
    for parts in range(1, most + 1):
        if parts == 1 and blob.w > 1.4 * blob.h:
            continue
        pieces = [blob] if parts == 1 else _cut(blob, parts)
        if not pieces:
            continue
        p = _classify(model, pieces)
        score = float(np.mean(np.log(p[:, :REJECT].max(axis=1) + 1e-6))) - 0.3 * (parts - 1)
        if score > best[0]:
            best = (score, [(str(int(np.argmax(r[:REJECT]))), float(r[:REJECT].max()), float(r[REJECT]))
                            for r in p])
    return best[1]
