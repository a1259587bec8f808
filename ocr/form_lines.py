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
so the same code serves 200 and 300 dpi scans and any font size. Marks are found on a
half-resolution copy; on a form, the leaders are found again at full resolution, where the dots
under a value written just above them stand apart from its letters.
"""
from __future__ import annotations

import math
from typing import Optional

import cv2
import numpy as np

#: A leader has at least this many dots (fewer could be an ellipsis "...", which is text too).
LEADER_MIN_DOTS = 5

#: A leader dot stands a whole number of pitches (within this share of one) from the dots
#: around it, up to this many on either side; a diacritic among the dots does not.
LEADER_GRID_TOL = 0.2
LEADER_GRID_SPAN = 6

#: A dot with this much more ink than the leader's typical dot has a diacritic merged into it.
LEADER_MAX_MASS = 1.35
#: A dot hidden under a value's letter is taken for the leader's within this share of the pitch
#: of where the leader's grid puts it (its neighbours fix that place to a pixel); a dot below
#: written there is rarely that close to the grid.
HIDDEN_DOT_TOL = 0.08


#: Marks are found on a copy scaled down to about this resolution: dots and rules stay
#: visible, and the page costs a quarter of the pixels at 300 dpi.
WORK_DPI = 150


def _text_height(stats: np.ndarray, dpi: float) -> float:
    """Median height of letter-sized components (dots, specks and lines ignored).

    The floor (1 mm, below the x-height of 8 pt text) keeps leader dots out even where a
    blurred scan makes them 0.7-0.9 mm tall: on a form they outnumber the letters.
    """
    h = stats[1:, cv2.CC_STAT_HEIGHT]
    w = stats[1:, cv2.CC_STAT_WIDTH]
    sel = (h >= dpi / 25.4) & (h <= dpi / 2) & (w <= dpi / 2) & (w >= 2)
    if sel.sum() < 20:
        return dpi * 0.1  # about 10-12 pt text
    return float(np.median(h[sel]))


def _background(grey: np.ndarray) -> int:
    """Paper grey level: the 90th percentile of the histogram."""
    hist = cv2.calcHist([grey], [0], None, [256], [0, 256]).ravel()
    return int(np.searchsorted(np.cumsum(hist), 0.9 * hist.sum()))


def _stroke_ink(grey: np.ndarray) -> np.ndarray:
    """Ink for finding printed lines: anything clearly darker than the paper. Thinner and
    paler than letters, a 1-pixel box border blurred by the scan sits near Otsu's threshold
    and would break into pieces there; a long, straight run of pale pixels is still a line."""
    bg = _background(grey)
    below = math.ceil(bg - max(40, 0.25 * bg)) - 1  # grey < limit, for whole grey levels
    return cv2.threshold(grey, below, 255, cv2.THRESH_BINARY_INV)[1]


def _rect(w: int, h: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_RECT, (max(1, w), max(1, h)))


def find_marks(grey: np.ndarray, dpi: float, has_box_rows: bool = False) -> np.ndarray:
    """Mask (255) of leaders, rules and borders on `grey` at resolution `dpi`, with their fringe.

    A page with neither dot leaders nor digit boxes (`has_box_rows`) is no form: nothing is
    marked, and the costly stroke search is skipped.
    """
    n, labels, stats, centres, th = _components(grey, dpi)
    leader = _leader_components(stats, centres, labels, th, grey)
    if not leader.size and not has_box_rows:
        # A letter's underlines, tables and seal are left alone: erasing them changes
        # Tesseract's block layout (reading order) for no gain.
        return np.zeros_like(grey)
    tol = max(1, int(round(dpi / 100)))  # a slightly skewed thin rule steps by a pixel now and then
    strokes = _stroke_ink(grey)
    # ---- long horizontal strokes: rules, underscores, box and table edges
    hlen = int(max(dpi * 0.5, 6.0 * th))  # longer than a run of touching letter tops ("TTTT")
    horiz = cv2.morphologyEx(cv2.dilate(strokes, _rect(1, 2 * tol + 1)), cv2.MORPH_OPEN, _rect(hlen, 1))
    horiz &= strokes
    remove = horiz.copy()
    # ---- vertical strokes: box sides and column lines (touching a rule), or very tall lines
    vlen = int(max(dpi * 0.12, 1.25 * th))
    vert = cv2.morphologyEx(cv2.dilate(strokes, _rect(2 * tol + 1, 1)), cv2.MORPH_OPEN, _rect(1, vlen))
    vert &= strokes
    if vert.any():
        vn, vlab, vstats, _c = cv2.connectedComponentsWithStats(vert, connectivity=8)
        keep = vstats[:, cv2.CC_STAT_HEIGHT] >= max(dpi * 0.6, 4.0 * th)
        if horiz.any():
            near = cv2.dilate(horiz, _rect(2 * tol + 3, 2 * tol + 3))
            keep[np.unique(vlab[(near > 0) & (vert > 0)])] = True
        keep[0] = False
        lut = np.where(keep, 255, 0).astype(np.uint8)
        remove |= lut[vlab]
    if leader.size:
        lut = np.zeros(n, dtype=np.uint8)
        lut[leader] = 255
        remove |= lut[labels]
    return _with_fringe(remove, labels, n, 1)


def find_leaders(grey: np.ndarray, dpi: float) -> np.ndarray:
    """Mask (255) of dot leaders on `grey` at its full resolution, with their fringe.

    The half-resolution work copy of `find_marks` merges leader dots with the letters of a value
    written just above them (they read as dots below: "bạn", "Cợ"); at full resolution most stand
    apart. Costs a component labelling of the page, so it runs on forms only.
    """
    n, labels, stats, centres, th = _components(grey, dpi)
    chains = _leader_chains(stats, centres, labels, th, grey)
    if not chains:
        return np.zeros_like(grey)
    leader = np.concatenate(chains)
    lut = np.zeros(n, dtype=np.uint8)
    lut[leader] = 255
    mask = _with_fringe(lut[labels], labels, n, max(1, int(round(dpi / WORK_DPI))), touched=leader)
    paper = float(_background(grey))
    for chain in chains:
        _hidden_dots(mask, grey, paper, labels, stats, centres, chain)
    return mask


def _hidden_dots(mask: np.ndarray, grey: np.ndarray, paper: float, labels: np.ndarray, stats: np.ndarray,
                 centres: np.ndarray, chain: np.ndarray) -> None:
    """Marks on `mask` the dots of a leader joined to a letter of a value written over it by a
    faint neck of blurred ink: one component with the letter, the dot search never sees them,
    and Tesseract reads a dot below ("Quang" → "Quạng", "Cha" → "Chạ").

    Where the chain's pitch says a dot must be and the ink there belongs to a bigger component,
    the ink is thresholded darker (the neck is paler than a dot's core); a blob of the chain's dot
    size standing alone there, on the chain's line, is the leader's dot. A small component of its
    own there (a dot below, a comma) was judged by the dot search already and is left alone."""
    order = np.argsort(centres[chain, 0])
    xs, ys = centres[chain[order], 0], centres[chain[order], 1]
    gaps = np.diff(xs)
    if gaps.size < 2:
        return
    pitch = float(np.median(gaps))
    dot_w = float(np.median(stats[chain, cv2.CC_STAT_WIDTH]))
    dot_h = float(np.median(stats[chain, cv2.CC_STAT_HEIGHT]))
    core = float(np.median([grey[int(round(y)), int(round(x))] for x, y in zip(xs, ys)]))
    dark = core + 0.35 * (paper - core)  # nearer a dot's core than the paper: a faint neck is paper here
    rx, ry = int(dot_w) + 2, int(dot_h) + 2
    height, width = labels.shape
    for i, gap in enumerate(gaps):
        missing = int(round(gap / pitch)) - 1
        if missing < 1 or abs(gap / pitch - (missing + 1)) > LEADER_GRID_TOL:
            continue
        for j in range(1, missing + 1):
            cx = xs[i] + j * gap / (missing + 1)
            cy = ys[i] + (ys[i + 1] - ys[i]) * j / (missing + 1)
            x0, y0 = int(cx) - rx, int(cy) - ry
            x1, y1 = int(cx) + rx + 1, int(cy) + ry + 1
            if x0 < 0 or y0 < 0 or x1 > width or y1 > height:
                continue
            window = labels[y0:y1, x0:x1]
            owners = np.unique(window[window > 0])
            if not owners.size or any(stats[c, cv2.CC_STAT_WIDTH] <= 2 * rx and stats[c, cv2.CC_STAT_HEIGHT] <= 2 * ry
                                      for c in owners):
                continue
            blobs = ((grey[y0:y1, x0:x1] < dark) * 255).astype(np.uint8)
            n, blob_labels, blob_stats, blob_centres = cv2.connectedComponentsWithStats(blobs, connectivity=4)
            for b in range(1, n):
                bx, by, bw, bh = blob_stats[b, :4]
                alone = bx > 0 and by > 0 and bx + bw < x1 - x0 and by + bh < y1 - y0
                sized = abs(bw - dot_w) <= max(1.5, 0.4 * dot_w) and abs(bh - dot_h) <= max(1.5, 0.4 * dot_h)
                placed = (abs(x0 + blob_centres[b, 0] - cx) <= HIDDEN_DOT_TOL * pitch
                          and abs(y0 + blob_centres[b, 1] - cy) <= max(1.5, 0.3 * dot_h))
                if alone and sized and placed:
                    dot = cv2.dilate((blob_labels == b).astype(np.uint8) * 255, _rect(3, 3))
                    mask[y0:y1, x0:x1] |= dot


def _components(grey: np.ndarray, dpi: float):
    """Otsu ink's connected components and the page's text height."""
    _t, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    n, labels, stats, centres = cv2.connectedComponentsWithStats(ink, connectivity=8)
    return n, labels, stats, centres, _text_height(stats, dpi)  # roughly x-height..cap-height


def _with_fringe(remove: np.ndarray, labels: np.ndarray, n: int, radius: int,
                 touched: Optional[np.ndarray] = None) -> np.ndarray:
    """The marks and their blurred fringe, but not ink of anything the marks do not touch:
    the dot under "ệ" written just above a leader dot is a pixel or two away from it.
    `touched`: the labels of the marked components, when known."""
    untouched = np.full(n, 255, dtype=np.uint8)
    untouched[np.unique(labels[remove > 0]) if touched is None else touched] = 0
    untouched[0] = 0
    return cv2.dilate(remove, _rect(2 * radius + 1, 2 * radius + 1)) & ~untouched[labels]


BoxRow = list[tuple[int, int, int, int]]


def remove_rules_and_leaders(grey: np.ndarray, dpi: float, box_rows: Optional[list[BoxRow]] = None) -> np.ndarray:
    """The page with leaders, rules and box/table borders painted over with background.

    `grey` is a uint8 grey page (dark text on light paper); returns a new array of the same
    shape. Pages without such marks come back unchanged (pixel for pixel).
    `box_rows` (from `find_box_rows` on the same page) are erased whole, digits included: their
    widely spaced digits garble the OCR of the label printed on the same line;
    `reread_boxed_digits` reads them from the original image instead.
    """
    if grey.ndim != 2:
        grey = cv2.cvtColor(grey, cv2.COLOR_BGR2GRAY)
    dpi = float(dpi or 300)
    k = max(1, int(round(dpi / WORK_DPI)))
    # min-pooling, not averaging: a hairline box border must stay as dark as it is
    small = cv2.erode(grey, _rect(k, k))[::k, ::k] if k > 1 else grey
    rows = find_box_rows(small, dpi / k) if box_rows is None else [
        [(x0 // k, y0 // k, x1 // k, y1 // k) for x0, y0, x1, y1 in row] for row in box_rows]
    marks = find_marks(small, dpi / k, has_box_rows=bool(rows))
    if box_rows is not None:
        for cells in rows:
            # one pixel beyond the cells: their borders' blurred fringe
            x0, y0 = cells[0][:2]
            x1, y1 = cells[-1][2:]
            cv2.rectangle(marks, (x0 - 1, y0 - 1), (x1 + 1, y1 + 1), 255, thickness=-1)
    if not marks.any():
        return grey.copy()
    bg = np.uint8(_background(small))
    paint = np.where(marks > 0, bg, np.uint8(0))
    if k > 1:
        paint = cv2.resize(paint, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_NEAREST)
        paint[find_leaders(grey, dpi) > 0] = bg
    return cv2.max(grey, paint)


def _ink_mass(grey: np.ndarray, stats: np.ndarray, which: np.ndarray) -> np.ndarray:
    """How much ink the boxes (one pixel around) of small components `which` hold: darkness
    summed, not pixels counted, so that a dot merged with a diacritic weighs more than a leader
    dot. All boxes are gathered at once, as windows of the largest box's size."""
    bg = _background(grey)
    x, y = stats[which, cv2.CC_STAT_LEFT] - 1, stats[which, cv2.CC_STAT_TOP] - 1
    w, h = stats[which, cv2.CC_STAT_WIDTH] + 2, stats[which, cv2.CC_STAT_HEIGHT] + 2
    padded = cv2.copyMakeBorder(grey, 1, int(h.max()), 1, int(w.max()), cv2.BORDER_REPLICATE)
    dy, dx = np.arange(int(h.max())), np.arange(int(w.max()))
    windows = padded[(y + 1)[:, None, None] + dy[None, :, None], (x + 1)[:, None, None] + dx[None, None, :]]
    inside = (dy[None, :, None] < h[:, None, None]) & (dx[None, None, :] < w[:, None, None])
    return (np.clip(bg - windows.astype(np.int32), 0, None) * inside).sum(axis=(1, 2)).astype(float)


def _leader_components(stats: np.ndarray, centres: np.ndarray, labels: np.ndarray, th: float,
                       grey: np.ndarray) -> np.ndarray:
    """Labels of components forming dot (or short dash) leaders."""
    chains = _leader_chains(stats, centres, labels, th, grey)
    return np.concatenate(chains) if chains else np.empty(0, dtype=np.int64)


def _leader_chains(stats: np.ndarray, centres: np.ndarray, labels: np.ndarray, th: float,
                   grey: np.ndarray) -> list[np.ndarray]:
    """The leaders of the page, each as the labels of its dots (or short dashes)."""
    x, y, w, h = (stats[:, k] for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                          cv2.CC_STAT_HEIGHT))
    small = (h <= max(2, 0.4 * th)) & (w <= max(3, 1.2 * th)) & (w * h >= 2)
    small[0] = False
    cand = np.flatnonzero(small)
    if cand.size < LEADER_MIN_DOTS:
        return []
    mass = np.zeros(stats.shape[0])
    mass[cand] = _ink_mass(grey, stats, cand)
    # Link candidates into chains by a horizontal dilation of their mask: a 1-px-high kernel
    # links neighbours on one baseline (also on a skewed page), not dots of other rows.
    lut = np.zeros(stats.shape[0], dtype=np.uint8)
    lut[cand] = 255
    mask = lut[labels]
    gap = int(max(3, 1.6 * th))
    linked = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    _cn, chain = cv2.connectedComponents(linked, connectivity=8)
    cx, cy = centres[cand, 0], centres[cand, 1]  # sub-pixel: dot positions are compared to a grid
    # the centre pixel of a ring-like blob may be paper: the dilated row through it is not
    of = chain[(y[cand] + h[cand] // 2), (x[cand] + w[cand] // 2)]
    order = np.lexsort((cx, of))
    of_sorted = of[order]
    bounds = np.flatnonzero(np.diff(of_sorted)) + 1
    out = []
    for grp in np.split(order, bounds):
        if grp.size < LEADER_MIN_DOTS or of[grp[0]] == 0:
            continue
        lab = cand[grp]
        keep = _leader_members(cx[grp], cy[grp], h[lab].astype(float), w[lab].astype(float), mass[lab], th)
        if keep is not None:
            out.append(lab[keep])
    return out


def _leader_members(xs: np.ndarray, ys: np.ndarray, hs: np.ndarray, ws: np.ndarray, mass: np.ndarray,
                    th: float):
    """Which members of a linked chain are leader dots (None: the chain is no leader).

    A leader is evenly spaced, similar sized, on one straight (possibly skewed) baseline. A
    diacritic among its dots (the dot under "ị" of a value written just above the leader, or
    just before the leader starts) is off the dots' grid or baseline and is kept: a dot counts
    as the leader's only where its neighbours on either side stand whole pitches away from it.
    """
    g = np.diff(xs)
    rough = float(np.median(g))
    if rough <= 0:
        return None
    regular = np.abs(g - rough) <= 0.3 * rough + 0.5
    if regular.sum() < LEADER_MIN_DOTS - 1:
        return None
    pitch = float(np.mean(g[regular]))  # sub-pixel: one gap is a pixel off, the mean of many is not
    mh = float(np.median(hs))
    if float(np.mean(np.abs(hs - mh) <= max(2.0, 0.5 * mh))) < 0.7:
        return None
    slope, icpt = np.polyfit(xs, ys, 1) if np.ptp(xs) > 0 else (0.0, float(np.mean(ys)))
    if abs(slope) >= 0.07:
        return None
    on_line = np.abs(ys - (slope * xs + icpt)) <= max(1.5, 0.12 * th)
    votes = np.zeros(xs.size)
    asked = np.zeros(xs.size)
    for d in range(1, min(LEADER_GRID_SPAN, xs.size - 1) + 1):
        steps = (xs[d:] - xs[:-d]) / pitch
        whole = np.abs(steps - np.round(steps)) <= LEADER_GRID_TOL
        votes[:-d] += whole
        votes[d:] += whole
        asked[:-d] += 1
        asked[d:] += 1
    on_grid = votes >= 0.5 * asked
    # ... and one of them right next to it (a colon's dot before the leader may be on the grid)
    beside = np.abs(g - pitch) <= LEADER_GRID_TOL * pitch
    has_next = np.zeros(xs.size, dtype=bool)
    has_next[:-1] |= beside
    has_next[1:] |= beside
    on_grid &= has_next
    # a dot merged with a diacritic of a value written over the leader is bigger: it stays
    mw = float(np.median(ws))
    same_size = ((np.abs(hs - mh) <= max(1.0, 0.4 * mh)) & (np.abs(ws - mw) <= max(1.0, 0.4 * mw))
                 & (mass <= LEADER_MAX_MASS * float(np.median(mass))))
    keep = on_line & on_grid & same_size
    if keep.sum() < LEADER_MIN_DOTS or keep.mean() < 0.6:
        return None
    return keep


# ---------------------------------------------------------------- digits typed in boxes
#
# Tesseract reads digits spaced a box apart badly ("0 0 6156.733 5 30"), with or without the
# box borders: its line recogniser takes every gap for a word space and loses the scale. The
# same digits set close together read perfectly. So the cells of each row of digit boxes are
# cut out, their digits set side by side, and all rows are read in one extra Tesseract pass.

#: A row of digit boxes has at least this many cells (ID numbers, dates in boxes).
BOX_MIN_CELLS = 6

#: Digits of a compacted box row are read at this height in pixels: Tesseract reads them best
#: at about it (the two ID rows of 40 synthetic ct01 pages at 300 dpi in each of the DejaVu and
#: Liberation font sets: 146 of 146 read right at 24 px, 141 as scanned, at about 37 px).
BOX_DIGIT_PX = 24


def find_box_rows(grey: np.ndarray, dpi: float) -> list[BoxRow]:
    """Rows of evenly spaced, equal boxes: each row a list of cell boxes (x0, y0, x1, y1)."""
    if grey.ndim != 2:
        grey = cv2.cvtColor(grey, cv2.COLOR_BGR2GRAY)
    k = max(1, int(round(dpi / WORK_DPI)))
    if k > 1:
        small = cv2.erode(grey, _rect(k, k))[::k, ::k]
        return [[(x0 * k, y0 * k, x1 * k, y1 * k) for x0, y0, x1, y1 in row]
                for row in find_box_rows(small, dpi / k)]
    ink = _stroke_ink(grey)
    tol = max(1, int(round(dpi / 100)))
    side_min = int(dpi * 0.1)  # a box for one handwritten/typed digit is at least ~2.5 mm
    vert = cv2.morphologyEx(cv2.dilate(ink, _rect(2 * tol + 1, 1)), cv2.MORPH_OPEN, _rect(1, side_min))
    vert &= ink
    horiz = cv2.morphologyEx(cv2.dilate(ink, _rect(1, 2 * tol + 1)), cv2.MORPH_OPEN, _rect(int(dpi * 0.3), 1))
    vn, _vl, vs, _c = cv2.connectedComponentsWithStats(vert, connectivity=8)
    sides = [(int(vs[i, 0] + vs[i, 2] // 2), int(vs[i, 1]), int(vs[i, 3])) for i in range(1, vn)
             if vs[i, 3] <= dpi * 0.6 and vs[i, 2] <= dpi * 0.04]
    sides = _on_rules(sides, horiz, tol)
    sides.sort(key=lambda s: (s[1], s[0]))
    rows: list[BoxRow] = []
    used = np.zeros(len(sides), dtype=bool)
    # candidates are looked up by vertical centre: a text page has thousands of letter stems
    centres = np.array([s[1] + s[2] / 2 for s in sides], dtype=np.float64)
    heights = np.array([s[2] for s in sides], dtype=np.float64)
    by_centre = np.argsort(centres, kind="stable")
    sorted_centres = centres[by_centre]
    for i, (x, y, h) in enumerate(sides):
        if used[i]:
            continue
        reach = 0.25 * h + 3 * tol
        lo, hi = np.searchsorted(sorted_centres, [centres[i] - reach, centres[i] + reach + 1e-9])
        near = by_centre[lo:hi]
        near = near[~used[near] & (np.abs(heights[near] - h) <= 0.2 * h + 2 * tol)]
        if len(near) <= BOX_MIN_CELLS:
            used[i] = True
            continue
        group = sorted(near.tolist(), key=lambda j: sides[j][0])
        # split into runs of even pitch about the box height (square-ish cells)
        run = [group[0]]
        for a, b in zip(group, group[1:]):
            pitch = sides[b][0] - sides[a][0]
            if 0.5 * h <= pitch <= 1.6 * h and (len(run) < 2 or abs(pitch - (sides[a][0] - sides[run[-2]][0])) <= 0.2 * h + tol):
                run.append(b)
            else:
                if len(run) > BOX_MIN_CELLS:
                    break
                run = [b]
        if len(run) > BOX_MIN_CELLS and not _ruled(horiz, sides, run, tol):
            run = []  # evenly spaced letter stems ("NHUNG"), not a row of boxes
        if len(run) > BOX_MIN_CELLS:
            for j in run:
                used[j] = True
            cells = []
            for a, b in zip(run, run[1:]):
                top = min(sides[a][1], sides[b][1])
                bot = max(sides[a][1] + sides[a][2], sides[b][1] + sides[b][2])
                cells.append((sides[a][0], top, sides[b][0], bot))
            rows.append(cells)
        else:
            used[i] = True
    return rows


def _on_rules(sides: list[tuple[int, int, int]], horiz: np.ndarray, tol: int) -> list[tuple[int, int, int]]:
    """The vertical strokes whose top and bottom ends both meet a horizontal rule: box sides.
    Letter stems (thousands on a text page) do not, and are dropped before the row search."""
    if not sides:
        return sides
    total = cv2.integral((horiz > 0).astype(np.uint8))  # (h+1, w+1) running sums
    h, w = horiz.shape
    arr = np.array(sides, dtype=np.int64)
    x, y, hh = arr[:, 0], arr[:, 1], arr[:, 2]
    x0, x1 = np.clip(x - 2 * tol, 0, w), np.clip(x + 2 * tol + 1, 0, w)

    def meets(yc: np.ndarray) -> np.ndarray:
        y0, y1 = np.clip(yc - 3 * tol, 0, h), np.clip(yc + 3 * tol + 1, 0, h)
        return (total[y1, x1] - total[y0, x1] - total[y1, x0] + total[y0, x0]) > 0

    keep = meets(y) & meets(y + hh)
    return [sides[i] for i in np.flatnonzero(keep)]


def _ruled(horiz: np.ndarray, sides, run, tol: int) -> bool:
    """Boxes have a rule along their top and bottom edges, between the first and last side."""
    xa, xb = sides[run[0]][0], sides[run[-1]][0]
    top = int(np.median([sides[j][1] for j in run]))
    bot = int(np.median([sides[j][1] + sides[j][2] for j in run]))
    for y in (top, bot):
        band = horiz[max(0, y - 3 * tol): y + 3 * tol + 1, xa:xb]
        if band.size == 0 or float((band > 0).any(axis=0).mean()) < 0.7:
            return False
    return True


def compact_row(grey: np.ndarray, cells: list[tuple[int, int, int, int]], bg: int) -> np.ndarray:
    """The digits of one box row set side by side (borders left out), on paper background."""
    parts = []
    h = max(c[3] - c[1] for c in cells)
    for x0, y0, x1, y1 in cells:
        inset = max(2, (x1 - x0) // 8)
        cell = grey[y0 + inset: y1 - inset, x0 + inset: x1 - inset]
        if cell.size == 0:
            continue
        _t, ink = cv2.threshold(cell, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
        # an empty cell's Otsu split is noise: require real dark ink
        dark = cell < (int(cell.max()) + int(cell.min())) // 2
        if int(cell.max()) - int(cell.min()) < 60 or dark.sum() < 0.01 * cell.size:
            continue
        cols = np.flatnonzero((ink > 0).sum(axis=0) >= 1)
        a, b = int(cols[0]), int(cols[-1]) + 1
        piece = np.full((h, b - a), bg, np.uint8)
        top = y0 + inset - cells[0][1]
        piece[max(0, top): max(0, top) + cell.shape[0], :] = cell[: h - max(0, top), a:b]
        parts.append(piece)
        parts.append(np.full((h, max(3, h // 8)), bg, np.uint8))
    if not parts:
        return np.zeros((0, 0), np.uint8)
    pad = np.full((h, h // 2), bg, np.uint8)
    return np.hstack([pad] + parts + [pad])


#: A box row's digits are read twice, the second time at this scale of the first; where the two
#: disagree the row's `digit_doubt` is READINGS_DISAGREE, above any threshold (an italic "8" read
#: "6" at 93 with nothing else offered, "8" at the smaller size).
SECOND_READING_SCALE = 0.7
READINGS_DISAGREE = 100.0


def reread_boxed_digits(ocr, grey: np.ndarray, dpi: float, lang: str = "vie",
                        box_rows: Optional[list[BoxRow]] = None):
    """`ocr` (an OcrPage of `grey`) with the words inside digit-box rows replaced by the digits
    read from the compacted rows: one word per row, box row's bbox. One short line read per
    row, only on pages that have box rows."""
    from ocr.engine import italics_stood_up, read_digit_line
    from ocr.model import OcrPage, Word

    if grey.ndim != 2:
        grey = cv2.cvtColor(grey, cv2.COLOR_BGR2GRAY)
    rows = find_box_rows(grey, dpi) if box_rows is None else box_rows
    if not rows:
        return ocr
    bg = _background(grey)
    reads, boxes = [], []
    for cells in rows:
        strip = compact_row(grey, cells, bg)
        if strip.size:
            scale = _digit_scale(strip, bg)
            if scale != 1.0:
                strip = cv2.resize(strip, None, fx=scale, fy=scale,
                                   interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
            pad = max(8, strip.shape[0] // 2)
            strip = cv2.copyMakeBorder(strip, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=bg)
            # italic digits: "1" read "7" and "8" read "6" in Times-like italics, far less stood up
            strip = italics_stood_up(strip, bg)
            text, conf, doubt = read_digit_line(strip, dpi * scale, lang=lang)
            # a second reading, smaller: where the two disagree, or it doubts a digit, the row is unsure
            small = cv2.resize(strip, None, fx=SECOND_READING_SCALE, fy=SECOND_READING_SCALE,
                               interpolation=cv2.INTER_AREA)
            again, _conf, doubt_again = read_digit_line(small, dpi * scale * SECOND_READING_SCALE, lang=lang)
            doubt = READINGS_DISAGREE if again.replace(" ", "") != text.replace(" ", "") else max(doubt, doubt_again)
            reads.append((text, conf, doubt))
            boxes.append(_ink_box(grey, cells))
    words = list(ocr.words)
    for (text, conf, doubt), (x0, y0, x1, y1) in zip(reads, boxes):
        text = text.replace(" ", "")
        if not text:
            continue
        inside = [i for i, w in enumerate(words)
                  if x0 - 5 <= (w.bbox[0] + w.bbox[2]) / 2 <= x1 + 5 and y0 - 5 <= (w.bbox[1] + w.bbox[3]) / 2 <= y1 + 5]
        ref = words[inside[0]] if inside else _nearest_left(words, x0, (y0 + y1) / 2)
        new = Word(text=text, bbox=(x0, y0, x1, y1), conf=conf, digit_doubt=doubt,
                   block=ref.block if ref else 0, par=ref.par if ref else 0, line=ref.line if ref else 0)
        at = inside[0] if inside else (words.index(ref) + 1 if ref else len(words))
        words = [w for i, w in enumerate(words) if i not in set(inside)]
        words.insert(min(at, len(words)), new)
    return OcrPage(width=ocr.width, height=ocr.height, words=words)


def _digit_scale(strip: np.ndarray, bg: int) -> float:
    """Scale that brings the digits of a compacted box row to `BOX_DIGIT_PX` tall."""
    rows = np.flatnonzero((strip < bg - 60).any(axis=1))
    if rows.size == 0:
        return 1.0
    return BOX_DIGIT_PX / float(rows[-1] - rows[0] + 1)


def _ink_box(grey: np.ndarray, cells) -> tuple[int, int, int, int]:
    """The digits' extent inside a box row (borders excluded): a word box of text height."""
    x0, x1 = cells[0][0], cells[-1][2]
    y0, y1 = min(c[1] for c in cells), max(c[3] for c in cells)
    inset = max(2, (y1 - y0) // 8)
    region = grey[y0 + inset: y1 - inset, x0 + inset: x1 - inset]
    if region.size == 0:
        return x0, y0, x1, y1
    _t, ink = cv2.threshold(region, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    rows = np.flatnonzero((ink > 0).sum(axis=1) >= max(2, region.shape[1] // 200))
    cols = np.flatnonzero((ink > 0).sum(axis=0) >= 1)
    if rows.size == 0 or cols.size == 0:
        return x0, y0, x1, y1
    return (x0 + inset + int(cols[0]), y0 + inset + int(rows[0]),
            x0 + inset + int(cols[-1]) + 1, y0 + inset + int(rows[-1]) + 1)


def _nearest_left(words, x: float, y: float):
    """The word just left of (x, y) on the same line: the label of a box row."""
    best = None
    for w in words:
        if w.bbox[1] <= y <= w.bbox[3] and w.bbox[2] <= x + 5:
            if best is None or w.bbox[2] > best.bbox[2]:
                best = w
    return best


#: A stamp's frame: at least this tall and wide (inches), at most this share of the page.
FRAME_MIN_IN = (0.25, 0.6)
FRAME_MAX_SHARE = (0.35, 0.6)
#: Frames are looked for at about this resolution: a stamp's frame is some 60 px wide there.
FRAME_DPI = 100


def find_frames(grey: np.ndarray, dpi: float) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) of stamp-sized closed frames: reception stamps ("CV ĐẾN Số: …
    Ngày: …"), e-signature boxes. What is written inside them is not the document's own text,
    though OCR strings it onto the neighbouring lines.

    A frame is a set of connected straight strokes whose bounding box has ink along at least
    three of its four sides; tables (page-wide) and the page border are too large to count.
    """
    ink, factor = _pooled(_stroke_ink(grey), max(1, int(dpi // FRAME_DPI)))
    dpi /= factor
    h_img, w_img = ink.shape[:2]
    min_h, min_w = int(FRAME_MIN_IN[0] * dpi), int(FRAME_MIN_IN[1] * dpi)
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, _rect(max(8, min_w // 2), 1))
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, _rect(1, max(8, int(0.8 * min_h))))  # taller than letters
    gap = max(3, int(0.1 * dpi))  # a stamped frame's corners and sides are often broken
    lines = cv2.dilate(horiz | vert, _rect(gap, gap))
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    frames = []
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i, :4])
        x, y, w, h = x + gap // 2, y + gap // 2, w - gap + 1, h - gap + 1  # back to the strokes
        if not (min_w <= w <= FRAME_MAX_SHARE[1] * w_img and min_h <= h <= FRAME_MAX_SHARE[0] * h_img):
            continue
        band = max(3, gap)
        top = horiz[y:y + band, x:x + w].max(axis=0).mean()
        bottom = horiz[y + h - band:y + h, x:x + w].max(axis=0).mean()
        left = vert[y:y + h, x:x + band].max(axis=1).mean()
        right = vert[y:y + h, x + w - band:x + w].max(axis=1).mean()
        left, right = max(left, 255 * (x <= gap)), max(right, 255 * (x + w >= w_img - gap))  # cut by the page edge
        sides = sum(v >= 0.6 * 255 for v in (top, bottom, left, right))
        if sides >= 3:
            frames.append((x * factor, y * factor, (x + w) * factor, (y + h) * factor))
    return frames


def _pooled(mask: np.ndarray, factor: int) -> tuple[np.ndarray, int]:
    """`mask` shrunk `factor` times, a cell set when any of its pixels is: a one-pixel border
    survives, where averaging the grey image would pale it below the ink threshold."""
    if factor < 2:
        return mask, 1
    h, w = mask.shape[0] // factor, mask.shape[1] // factor
    shares = cv2.resize(mask[:h * factor, :w * factor], (w, h), interpolation=cv2.INTER_AREA)
    return ((shares > 0) * 255).astype(np.uint8), factor
