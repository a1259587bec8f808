"""Erase what a printed form adds around its text before OCR: dot leaders, underscores, rules,
table and digit-box borders.

Tesseract reads a row of dots as "2222", "rrrr" or "+-:" and glues it to the value typed on it,
and reads the sides of digit boxes as "|" or "1". Removing these marks from the OCR image (never
from the archive image) fixes that at the source, for any form, font or layout:

* rules and borders are long thin strokes: a morphological opening with a long horizontal
  (vertical) kernel keeps only them. A short vertical stroke counts as a border only when it
  touches a horizontal rule (the side of a box, a table's column line); a free-standing one
  must be much taller than the text, so that "l", "I", "[" or "|" in text survive.
* a dot leader is a run of at least `LEADER_MIN_DOTS` small components of similar size on one
  baseline, evenly spaced, with nothing directly beneath them. Diacritics are small dots too,
  but they sit right above (or below) a letter and never form an evenly spaced run.

Sizes are relative to the page's measured text height, with floors in physical units (`dpi`),
so the same code serves 200 and 300 dpi scans and any font size.
"""
from __future__ import annotations

import cv2
import numpy as np

#: A leader has at least this many dots (fewer could be an ellipsis "...", which is text too).
LEADER_MIN_DOTS = 5


#: Marks are found on a copy scaled down to about this resolution: dots and rules stay
#: visible, and the page costs a quarter of the pixels at 300 dpi.
WORK_DPI = 150


def _text_height(stats: np.ndarray, dpi: float) -> float:
    """Median height of letter-sized components (dots, specks and lines ignored)."""
    h = stats[1:, cv2.CC_STAT_HEIGHT]
    w = stats[1:, cv2.CC_STAT_WIDTH]
    sel = (h >= dpi / 40) & (h <= dpi / 2) & (w <= dpi / 2) & (w >= 2)
    if sel.sum() < 20:
        return dpi * 0.1  # about 10-12 pt text
    return float(np.median(h[sel]))


def _background(grey: np.ndarray) -> int:
    """Paper grey level: the 90th percentile of the histogram."""
    hist = cv2.calcHist([grey], [0], None, [256], [0, 256]).ravel()
    return int(np.searchsorted(np.cumsum(hist), 0.9 * hist.sum()))


def _rect(w: int, h: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_RECT, (max(1, w), max(1, h)))


def find_marks(grey: np.ndarray, dpi: float) -> np.ndarray:
    """Mask (255) of leaders, rules and borders on `grey` at resolution `dpi`."""
    _t, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    n, labels, stats, _c = cv2.connectedComponentsWithStats(ink, connectivity=8)
    th = _text_height(stats, dpi)  # roughly the x-height..cap-height of body text
    tol = max(1, int(round(dpi / 100)))  # a slightly skewed thin rule steps by a pixel now and then
    # ---- long horizontal strokes: rules, underscores, box and table edges
    hlen = int(max(dpi * 0.35, 4.0 * th))
    horiz = cv2.morphologyEx(cv2.dilate(ink, _rect(1, 2 * tol + 1)), cv2.MORPH_OPEN, _rect(hlen, 1))
    horiz &= ink
    remove = horiz.copy()
    # ---- vertical strokes: box sides and column lines (touching a rule), or very tall lines
    vlen = int(max(dpi * 0.12, 1.25 * th))
    vert = cv2.morphologyEx(cv2.dilate(ink, _rect(2 * tol + 1, 1)), cv2.MORPH_OPEN, _rect(1, vlen))
    vert &= ink
    if vert.any():
        vn, vlab, vstats, _c = cv2.connectedComponentsWithStats(vert, connectivity=8)
        keep = vstats[:, cv2.CC_STAT_HEIGHT] >= max(dpi * 0.6, 4.0 * th)
        if horiz.any():
            near = cv2.dilate(horiz, _rect(2 * tol + 3, 2 * tol + 3))
            keep[np.unique(vlab[(near > 0) & (vert > 0)])] = True
        keep[0] = False
        lut = np.where(keep, 255, 0).astype(np.uint8)
        remove |= lut[vlab]
    # ---- dot leaders
    leader = _leader_components(stats, labels, th)
    if leader.size:
        lut = np.zeros(n, dtype=np.uint8)
        lut[leader] = 255
        remove |= lut[labels]
    return remove


def remove_rules_and_leaders(grey: np.ndarray, dpi: float) -> np.ndarray:
    """The page with leaders, rules and box/table borders painted over with background.

    `grey` is a uint8 grey page (dark text on light paper); returns a new array of the same
    shape. Pages without such marks come back unchanged (pixel for pixel).
    """
    if grey.ndim != 2:
        grey = cv2.cvtColor(grey, cv2.COLOR_BGR2GRAY)
    dpi = float(dpi or 300)
    k = max(1, int(round(dpi / WORK_DPI)))
    # min-pooling, not averaging: a hairline box border must stay as dark as it is
    small = cv2.erode(grey, _rect(k, k))[::k, ::k] if k > 1 else grey
    marks = find_marks(small, dpi / k)
    if not marks.any():
        return grey.copy()
    # blurred fringes of the removed marks go too
    marks = cv2.dilate(marks, _rect(3, 3))
    paint = np.where(marks > 0, np.uint8(_background(small)), np.uint8(0))
    if k > 1:
        paint = cv2.resize(paint, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_NEAREST)
    return cv2.max(grey, paint)


def _leader_components(stats: np.ndarray, labels: np.ndarray, th: float) -> np.ndarray:
    """Labels of components forming dot (or short dash) leaders."""
    x, y, w, h = (stats[:, k] for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                          cv2.CC_STAT_HEIGHT))
    small = (h <= max(2, 0.4 * th)) & (w <= max(3, 1.2 * th)) & (w * h >= 2)
    small[0] = False
    cand = np.flatnonzero(small)
    if cand.size < LEADER_MIN_DOTS:
        return np.empty(0, dtype=np.int64)
    # Link candidates into chains by a horizontal dilation of their mask: a 1-px-high kernel
    # links neighbours on one baseline (also on a skewed page), not dots of other rows.
    lut = np.zeros(stats.shape[0], dtype=np.uint8)
    lut[cand] = 255
    mask = lut[labels]
    gap = int(max(3, 1.6 * th))
    linked = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    _cn, chain = cv2.connectedComponents(linked, connectivity=8)
    cx = x[cand] + w[cand] // 2
    cy = y[cand] + h[cand] // 2
    # the centre pixel of a ring-like blob may be paper: the dilated row through it is not
    of = chain[cy, cx]
    order = np.lexsort((cx, of))
    of_sorted = of[order]
    bounds = np.flatnonzero(np.diff(of_sorted)) + 1
    out = []
    for grp in np.split(order, bounds):
        if grp.size < LEADER_MIN_DOTS or of[grp[0]] == 0:
            continue
        lab = cand[grp]
        if _is_leader(cx[grp].astype(float), cy[grp].astype(float), h[lab].astype(float), th):
            out.append(lab)
    if not out:
        return np.empty(0, dtype=np.int64)
    return np.concatenate(out)


def _is_leader(xs: np.ndarray, ys: np.ndarray, hs: np.ndarray, th: float) -> bool:
    """Evenly spaced, similar sized, on one (possibly skewed) straight baseline."""
    g = np.diff(xs)
    med = float(np.median(g))
    if med <= 0:
        return False
    regular = float(np.mean(np.abs(g - med) <= 0.35 * med + 1)) >= 0.7
    mh = float(np.median(hs))
    similar = float(np.mean(np.abs(hs - mh) <= max(2.0, 0.5 * mh))) >= 0.7
    if not (regular and similar):
        return False
    slope, icpt = np.polyfit(xs, ys, 1) if np.ptp(xs) > 0 else (0.0, float(np.mean(ys)))
    resid = ys - (slope * xs + icpt)
    return abs(slope) < 0.07 and float(np.mean(np.abs(resid) <= max(2.0, 0.15 * th))) >= 0.8
