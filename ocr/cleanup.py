"""Page cleanup with OpenCV: perspective, borders, orientation, skew, illumination, blank test.

Order of steps in `clean_page`, all decided on small grey copies (WORK_DPI, and ORIENT_DPI
for the upside-down test) so the analysis costs tens of milliseconds at any resolution:

1. page outline: a clear bright quadrilateral on a darker surface is either a phone photo
   (foreshortened: warped flat, true aspect from the camera model, dpi from A4) or a sheet
   lying askew on a dark scanner lid (a rigid rectangle: kept at 100 % scale, cropped later);
2. dark bands along the edges (scanner lid, photocopy) are cropped before anything is
   measured, since they would outweigh the text;
3. blank test: a row of letter-sized marks makes a page non-blank; show-through is too
   faint to count as ink and dust does not line up;
4. skew (projection profiles, coarse-to-fine) and orientation (line direction, then ink
   above against below the x-height band; Tesseract OSD only when both cues are unsure);
5. one rotation of the full image (paper-coloured fill, nothing cut), then a trim of what
   is still dark at the edges.

The archive image stays in colour (Decree 30/2020 asks for colour, 100 % scale); OCR gets a
grey copy with flattened illumination of exactly the same size, so OCR word boxes are
archive pixels (grey beat an Otsu-binarised copy on Tesseract's character error in
bench/bench_cleanup.py --ocr). `crop_box` is the kept region in the input's pixels.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ocr.model import BBox, CleanPage, PageImage

#: Resolution of the analysis copy (skew, borders, blank test, page outline) ...
WORK_DPI = 100
#: ... and of the upright/upside-down test, which needs tone marks apart from their letters.
ORIENT_DPI = 150
#: Deskew search range and precision (degrees).
MAX_SKEW = 12.0
COARSE_STEP = 0.5
FINE_STEP = 0.05
#: Smaller measured skews (0.1° and less, two fine steps: measurement noise that differs between
#: OpenCV builds) are left alone, well inside the 0.2° the deskew promises.
MIN_DESKEW = 0.15
COARSE_POINTS = 20_000
FINE_POINTS = 60_000
#: Ink must be this much darker than the local paper to count (show-through is fainter).
INK_CONTRAST = 0.35
A4_ASPECT = 297 / 210
#: Orientation cues are trusted when the winner leads by these factors; else OSD decides
#: (only on pages with at least OSD_MIN_LINES text lines, analysed at OSD_DPI).
UPSIDE_MARGIN = 1.25
SIDE_MARGIN = 1.15
OSD_MIN_LINES = 3
OSD_DPI = 100
#: A page with fewer letter-sized marks than this is blank.
BLANK_MAX_MARKS = 3


@dataclass
class _Work:
    """The analysis copy: grey at about WORK_DPI and its scale to the full image."""

    grey: np.ndarray
    scale: float  # work pixels per full pixel


def clean_page(page: PageImage, *, detect_orientation: bool = True) -> CleanPage:
    """Straighten and tidy one page; see the module docstring for the order of steps."""
    image = page.pixels
    dpi = page.dpi
    bitonal = _is_bitonal(image)
    perspective = False

    work = _work_copy(image, dpi)
    quad = None if bitonal else find_page_quad(work.grey)
    sheet = None  # a sheet lying askew on a dark flatbed lid: rotated and cropped, never rescaled
    if quad is not None:
        quad = (quad + 0.5) / work.scale - 0.5  # work pixel centres to full-resolution pixels
    if quad is not None and is_rigid_rectangle(quad):
        sheet = quad
    elif quad is not None:
        image, dpi = warp_page(image, quad)
        work = _work_copy(image, dpi)
        perspective = True

    # dark bands along the edges (scanner lid, photocopy) go first: they would dominate every
    # later measure (skew, orientation, blank) and they are not part of the page
    bx0, by0, bx1, by1 = content_box(work.grey)
    h, w = image.shape[:2]
    crop = (min(w, int(math.ceil(bx0 / work.scale))), min(h, int(math.ceil(by0 / work.scale))),
            min(w, int(bx1 / work.scale)), min(h, int(by1 / work.scale)))
    crop = _refine_edges(image, crop)
    if crop != (0, 0, w, h):
        image = np.ascontiguousarray(image[crop[1]:crop[3], crop[0]:crop[2]])
        work = _Work(grey=np.ascontiguousarray(work.grey[by0:by1, bx0:bx1]), scale=work.scale)
        if sheet is not None:
            sheet = sheet - np.float32([crop[0], crop[1]])

    ink = ink_mask(work.grey)
    if is_blank(ink, work.grey.shape, WORK_DPI):
        return CleanPage(archive=image, ocr_image=flatten_illumination(_grey(image), dpi), dpi=dpi,
                         crop_box=crop, blank=True, perspective=perspective, bitonal=bitonal)

    finer = _work_copy(image, dpi, ORIENT_DPI).grey if detect_orientation else None
    rotation, skew = orientation_and_skew(ink, finer)
    if abs(skew) < MIN_DESKEW:
        skew = 0.0  # measurement noise: resampling the page would only blur it

    archive = _straighten(image, rotation, skew, _paper(image))
    # a sheet lying askew on a dark lid leaves dark wedges once straightened: trim those too
    small = _straighten(work.grey, rotation, skew, 255)
    x0, y0, x1, y1 = content_box(small)
    h, w = archive.shape[:2]
    trim = (min(w, int(math.ceil(x0 / work.scale))), min(h, int(math.ceil(y0 / work.scale))),
            min(w, int(x1 / work.scale)), min(h, int(y1 / work.scale)))
    if sheet is not None and abs(_tilt(sheet)) >= 0.2 and abs(_tilt(sheet) - skew) <= 1.0:
        # keep only the sheet (it lay askew like its text): the lid's wedges go even where
        # rows are mostly paper
        tl, tr, br, bl = _straightened_points(sheet, image.shape[1::-1], rotation, skew)
        inner = (int(math.ceil(max(tl[0], bl[0]))) + 1, int(math.ceil(max(tl[1], tr[1]))) + 1,
                 int(min(tr[0], br[0])) - 1, int(min(bl[1], br[1])) - 1)
        sheet_trim = (max(trim[0], inner[0]), max(trim[1], inner[1]), min(trim[2], inner[2]), min(trim[3], inner[3]))
        if sheet_trim[2] - sheet_trim[0] >= 0.5 * w and sheet_trim[3] - sheet_trim[1] >= 0.5 * h:
            trim = sheet_trim  # else the sheet was not what it seemed: keep the plain trim
    trim = _refine_edges(archive, trim)
    if trim != (0, 0, w, h):
        archive = np.ascontiguousarray(archive[trim[1]:trim[3], trim[0]:trim[2]])
        crop = _trim_in_input(crop, trim, rotation, skew, image.shape[1::-1])
    grey = flatten_illumination(text_grey(archive), dpi)
    seals = find_round_seals(grey, dpi)
    grey = drop_round_seals(grey, seals)
    if bitonal:
        grey = np.where(grey > 127, 255, 0).astype(np.uint8)
        archive = grey
    return CleanPage(archive=archive, ocr_image=grey, dpi=dpi, rotation=rotation,
                     skew_deg=round(float(skew), 2), crop_box=crop, blank=False,
                     perspective=perspective, bitonal=bitonal,
                     seals=[(int(cx - r), int(cy - r), int(cx + r) + 1, int(cy + r) + 1) for cx, cy, r in seals])


def _straighten(image: np.ndarray, rotation: int, skew: float, fill) -> np.ndarray:
    turned = _turn(image, rotation)
    return _rotate(turned, -skew, fill) if abs(skew) >= FINE_STEP else turned


# ---------------------------------------------------------------- helpers on images


def _grey(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


#: Seal and stamp inks: hues (OpenCV 0-180) from purple through red to orange, clearly coloured.
STAMP_HUES = ((0, 12), (135, 180))
STAMP_MIN_CHROMA = 60


def text_grey(image: np.ndarray) -> np.ndarray:
    """Grey page for the text pass, with red and purple seal/stamp ink turned to paper.

    A round seal over the signer's name or a red "ĐẾN" stamp over the subject is read as
    letters and glues onto the typed lines. Blue stays: it is the pen citizens fill forms in,
    which the review must still see (and flags as handwriting). The archive image keeps every colour.
    """
    grey = _grey(image)
    if image.ndim == 2:
        return grey
    coloured = chroma(image) >= STAMP_MIN_CHROMA
    if not coloured.any():
        return grey
    hue = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)[:, :, 0]
    stamp = coloured & np.logical_or.reduce([(hue >= lo) & (hue <= hi) for lo, hi in STAMP_HUES])
    stamp = cv2.dilate(stamp.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)  # the JPEG fringe
    grey = grey.copy()
    grey[stamp] = 255
    return grey


def chroma(image: np.ndarray) -> np.ndarray:
    """Per pixel max - min of B, G, R: how coloured it is (OpenCV's saturating uint8 ops,
    some 40x faster than numpy's reductions over the channel axis)."""
    b, g, r = cv2.split(image)
    return cv2.subtract(cv2.max(cv2.max(b, g), r), cv2.min(cv2.min(b, g), r))


#: Round seals (con dấu) and the seal images of e-signatures: 14-48 mm across.
SEAL_DIAMETER_MM = (14.0, 48.0)
#: Share of a seal's rim that must be ink for a found circle to count as a seal.
SEAL_MIN_RIM = 0.85
#: Circles tried, strongest first: a seal's ring is among the strongest circles of a page.
SEAL_CANDIDATES = 12


def find_round_seals(grey: np.ndarray, dpi: float) -> list[tuple[float, float, float]]:
    """Round seals on a page as (x, y, radius) in pixels: circles of a seal's size whose rim is
    mostly ink. A grey scan keeps the seal as dark as the text, so colour cannot drop it."""
    scale = min(1.0, 75.0 / max(dpi, 1.0))
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    px_per_mm = dpi * scale / 25.4
    r_min, r_max = (int(d / 2 * px_per_mm) for d in SEAL_DIAMETER_MM)
    found = cv2.HoughCircles(cv2.medianBlur(small, 3), cv2.HOUGH_GRADIENT, dp=1, minDist=2 * r_min,
                             param1=100, param2=36, minRadius=r_min, maxRadius=r_max)
    if found is None:
        return []
    ink = grey < 128
    seals = []
    for cx, cy, r in found[0][:SEAL_CANDIDATES] / scale:  # strongest circles first
        rim, at = _best_rim(ink, cx, cy, r, step=max(1.0, 0.5 / scale))
        if rim >= SEAL_MIN_RIM:
            seals.append(_outermost_ring(ink, at))
    return seals


def _outermost_ring(ink: np.ndarray, seal: tuple[float, float, float]) -> tuple[float, float, float]:
    """The seal with the radius of its outer ring: seals have two rings, the circle found may be
    the inner one."""
    cx, cy, r = seal
    for outer in np.arange(r * 1.25, r + 3, -1.0):
        if _rim_shares(ink, cx, cy, outer + np.arange(-1, 2)) >= SEAL_MIN_RIM:
            return cx, cy, float(outer)
    return seal


def _rim_shares(ink: np.ndarray, cx, cy, radii) -> np.ndarray:
    """Share of 180 directions in which a circle's rim is ink anywhere across `radii` (its last
    axis, the rim's width); the centres broadcast against `radii` without that axis."""
    h, w = ink.shape
    angle = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    radii = np.asarray(radii, dtype=np.float64)[..., None]
    xs = np.clip((np.asarray(cx)[..., None, None] + radii * np.cos(angle)).astype(int), 0, w - 1)
    ys = np.clip((np.asarray(cy)[..., None, None] + radii * np.sin(angle)).astype(int), 0, h - 1)
    return ink[ys, xs].any(axis=-2).mean(axis=-1)


def _best_rim(ink: np.ndarray, cx: float, cy: float, r: float, step: float) -> tuple[float, tuple[float, float, float]]:
    """The circle near (cx, cy, r) whose thin rim is most ink, and that share. Lines of text
    cover a wide band around any circle; only a seal's ring covers a thin one all round."""
    band = np.arange(-2, 3)
    steps = np.arange(-2, 3)
    share, at = 0.0, (cx, cy, r)
    for stride in (2 * step, step):  # coarse, then fine around the best
        d = steps * stride
        shares = _rim_shares(ink, at[0] + d[None, :, None], at[1] + d[None, None, :],
                             at[2] + d[:, None, None, None] + band)  # (dr, dx, dy)
        i, j, k = np.unravel_index(int(np.argmax(shares)), shares.shape)
        if shares[i, j, k] > share:
            share, at = float(shares[i, j, k]), (at[0] + d[j], at[1] + d[k], at[2] + d[i])
    return share, (float(at[0]), float(at[1]), float(at[2]))


def drop_round_seals(grey: np.ndarray, seals: list[tuple[float, float, float]]) -> np.ndarray:
    """Grey page for the text pass with the round seals (`find_round_seals`) turned to paper:
    the outer ring, then every mark lying mostly inside it (inner ring, ring text, emblem). The
    seal is read as rows of garbage around the signer's title; a letter crossing its edge keeps
    what lies outside."""
    if not seals:
        return grey
    out = grey.copy()
    h, w = grey.shape
    for cx, cy, r in seals:
        outer = r * 1.03 + 4  # the ring's width and the fit's error
        x0, y0 = max(0, int(cx - outer)), max(0, int(cy - outer))
        x1, y1 = min(w, int(cx + outer) + 1), min(h, int(cy + outer) + 1)
        region = out[y0:y1, x0:x1]
        yy, xx = np.mgrid[y0:y1, x0:x1]
        dist = np.hypot(xx - cx, yy - cy)
        disk = dist <= outer
        # the ring first: it joins the signature and the title's letters into one mark
        region[(np.abs(dist - r) <= 0.03 * r + 4) & (region < 160)] = 255
        ink = (region < 160).astype(np.uint8)
        n, labels = cv2.connectedComponents(ink, connectivity=8)
        total = np.bincount(labels.ravel(), minlength=n)
        within = np.bincount(labels[disk], minlength=n)
        mostly_inside = within >= 0.5 * np.maximum(total, 1)
        mostly_inside[0] = False
        region[mostly_inside[labels] & disk] = 255
    return out


def _is_bitonal(image: np.ndarray) -> bool:
    """Black-and-white scans stay 1-bit: greys only at 0 and 255 (sampled)."""
    if image.ndim == 3:
        return False
    sample = image[::7, ::7]
    return bool(np.count_nonzero((sample > 0) & (sample < 255)) < 0.001 * sample.size)


def _work_copy(image: np.ndarray, dpi: float, target: float = WORK_DPI) -> _Work:
    grey = _grey(image)
    scale = min(1.0, target / max(dpi, 1.0))
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    return _Work(grey=small, scale=scale)


def _paper(image: np.ndarray):
    """The paper colour (bright median) used to fill corners uncovered by rotation."""
    sample = image[::16, ::16].reshape(-1, image.shape[2] if image.ndim == 3 else 1)
    bright = sample[sample.mean(axis=1) >= np.percentile(sample.mean(axis=1), 60)]
    value = np.median(bright, axis=0) if len(bright) else np.array([255] * sample.shape[1])
    return tuple(int(v) for v in value) if image.ndim == 3 else int(value[0])


def _turn(image: np.ndarray, rotation: int) -> np.ndarray:
    """Rotate clockwise by a multiple of 90 degrees, exactly."""
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(image, codes[rotation]) if rotation in codes else image


def _rotation_matrix(w: int, h: int, angle: float) -> tuple[np.ndarray, int, int]:
    """Counter-clockwise rotation about the centre onto a canvas that holds the whole page."""
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(math.ceil(h * sin + w * cos)), int(math.ceil(h * cos + w * sin))
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return m, nw, nh


def _rotate(image: np.ndarray, angle: float, fill) -> np.ndarray:
    """Rotate counter-clockwise by `angle` degrees about the centre, keeping the whole page."""
    if abs(angle) < 1e-3:
        return image
    h, w = image.shape[:2]
    m, nw, nh = _rotation_matrix(w, h, angle)
    interp = cv2.INTER_NEAREST if image.dtype == bool else cv2.INTER_LINEAR
    src = image.astype(np.uint8) if image.dtype == bool else image
    out = cv2.warpAffine(src, m, (nw, nh), flags=interp, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
    return out.astype(bool) if image.dtype == bool else out


def _straightened_points(pts: np.ndarray, size: tuple[int, int], rotation: int, skew: float) -> np.ndarray:
    """Where points of an image of `size` (w, h) land once it is turned and deskewed (`_straighten`)."""
    w, h = size
    x, y = pts[:, 0].astype(np.float64), pts[:, 1].astype(np.float64)
    if rotation == 90:
        x, y = h - y, x
    elif rotation == 180:
        x, y = w - x, h - y
    elif rotation == 270:
        x, y = y, w - x
    out = np.stack([x, y], axis=1).astype(np.float32)
    if abs(skew) >= FINE_STEP:
        tw, th = (h, w) if rotation in (90, 270) else (w, h)
        m, _nw, _nh = _rotation_matrix(tw, th, -skew)
        out = cv2.transform(out[None], m)[0]
    # corners again as top-left, top-right, bottom-right, bottom-left of the upright page
    return _order_corners(out)


def _tilt(corners: np.ndarray) -> float:
    """Counter-clockwise tilt in degrees (-45..45) of a quadrilateral's top edge."""
    tl, tr = corners[0], corners[1]
    angle = -math.degrees(math.atan2(float(tr[1] - tl[1]), float(tr[0] - tl[0])))
    return (angle + 45) % 90 - 45


def _trim_in_input(crop: BBox, trim: BBox, rotation: int, skew: float, size: tuple[int, int]) -> BBox:
    """The bounding box, in input pixels, of a box trimmed from the straightened page.

    `crop` is the first (input) crop, `size` the (w, h) of the cropped input that was turned
    by `rotation` and rotated by `-skew`; used only to report `crop_box` in one pixel grid.
    """
    w, h = size
    tw, th = (h, w) if rotation in (90, 270) else (w, h)
    pts = np.float32([[trim[0], trim[1]], [trim[2], trim[1]], [trim[2], trim[3]], [trim[0], trim[3]]])
    if abs(skew) >= FINE_STEP:
        m, _nw, _nh = _rotation_matrix(tw, th, -skew)
        pts = cv2.transform(pts[None], cv2.invertAffineTransform(m))[0]
    x, y = pts[:, 0], pts[:, 1]
    if rotation == 90:
        x, y = y, h - x
    elif rotation == 180:
        x, y = w - x, h - y
    elif rotation == 270:
        x, y = w - y, x
    x0, x1 = int(np.clip(x.min(), 0, w)), int(np.clip(x.max(), 0, w))
    y0, y1 = int(np.clip(y.min(), 0, h)), int(np.clip(y.max(), 0, h))
    return (crop[0] + x0, crop[1] + y0, crop[0] + x1, crop[1] + y1)


# ---------------------------------------------------------------- ink, blank


def background(grey: np.ndarray, dpi: float) -> np.ndarray:
    """Paper brightness everywhere: a closing wider than letters removes the text."""
    k = max(3, int(dpi * 0.12) | 1)
    small = cv2.resize(grey, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA) if grey.shape[0] > 400 else grey
    ks = max(3, int(k * small.shape[0] / grey.shape[0]) | 1)
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (ks, ks)))
    bg = cv2.GaussianBlur(bg, (0, 0), ks)
    return cv2.resize(bg, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR)


def flatten_illumination(grey: np.ndarray, dpi: float) -> np.ndarray:
    """Divide by the paper brightness: uneven light, shadows and yellowed paper become white."""
    return cv2.divide(grey, np.maximum(background(grey, dpi), 1), scale=255)


_INK_THRESHOLDS = np.array([min(255, max(40, int(np.floor(INK_CONTRAST * level)))) for level in range(256)],
                           dtype=np.uint8)


def ink_mask(grey: np.ndarray, dpi: float = WORK_DPI) -> np.ndarray:
    """Marks clearly darker than the paper around them (bool); faint show-through is not ink."""
    bg = background(grey, dpi)
    # (bg - grey) > max(40, INK_CONTRAST * bg), in uint8 with a per-level threshold table: the
    # same marks as the arithmetic in floats, at a tenth of its cost
    return cv2.subtract(bg, grey) > cv2.LUT(bg, _INK_THRESHOLDS)


def is_blank(ink: np.ndarray, shape, dpi: float) -> bool:
    """Blank unless some letter-sized marks stand in a row, as even one short word does.

    Show-through is already out of `ink` (too faint); what a blank back still shows is dust,
    specks and hairs, scattered at random. A word is at least BLANK_MAX_MARKS marks of letter
    height (1-12 mm) side by side on one line; a larger mark of real size and ink (a stamp,
    a signature, a drawing) also makes a page non-blank.
    """
    h, w = shape[:2]
    margin = int(0.03 * min(h, w))  # scanner edges and punch holes near the edge are not content
    inner = ink[margin:h - margin, margin:w - margin].astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(inner, connectivity=8)
    if n <= 1:
        return True
    mm = dpi / 25.4
    bw, bh, area = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_AREA]
    big = (np.maximum(bw, bh) >= 15 * mm) & (np.minimum(bw, bh) >= 5 * mm) & (area >= 30 * mm * mm * 0.05)
    if big.any():
        return False
    letter = (bh >= 1.0 * mm) & (bh <= 12 * mm) & (bw <= 15 * mm) & (area >= 0.8 * mm * mm)
    if np.count_nonzero(letter) < BLANK_MAX_MARKS:
        return True
    # smear letters along the line (a page may still lie sideways): marks of one word merge,
    # scattered specks do not
    keep = np.zeros(n, np.uint8)
    keep[1:][letter] = 1
    letters = keep[labels]
    centres = stats[1:, :2][letter] + stats[1:, 2:4][letter] // 2
    k = max(3, int(2.5 * mm))
    for kernel in ((k, 1), (1, k)):
        smeared = cv2.dilate(letters, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        m, word_labels = cv2.connectedComponents(smeared, connectivity=8)
        counts = np.bincount(word_labels[centres[:, 1], centres[:, 0]], minlength=m)
        if int(counts[1:].max(initial=0)) >= BLANK_MAX_MARKS:
            return False
    return True


# ---------------------------------------------------------------- orientation and skew


def orientation_and_skew(ink: np.ndarray, grey: np.ndarray | None) -> tuple[int, float]:
    """(clockwise quarter turn that makes the page upright, skew in degrees) from the ink.

    `ink` is the WORK_DPI mask, `grey` the page at ORIENT_DPI. Cheap cues decide: text lines
    give a far sharper projection profile along the lines than across them (0/180 against
    90/270), and marks above the x-height band outweigh those below (0 against 180), both in
    sum and line by line. Only when a page with real text leaves a cue ambiguous is
    Tesseract's OSD asked, on `grey` (about a second, so it must stay rare). Without `grey`
    only the skew is measured.
    """
    skew, sharp = _best_angle(ink)
    if grey is None:
        return 0, skew
    side = _best_angle(np.ascontiguousarray(ink.T), fine=False)[1] / max(sharp, 1e-6)
    quarter = 0
    if side > 1.0:
        quarter = 90  # text runs vertically; 90 or 270 is settled by the upside-down test
        grey = np.ascontiguousarray(np.rot90(grey, -1))
        skew, _ = _best_angle(np.ascontiguousarray(np.rot90(ink, -1)))
    # the x-height test wants crisp letters: straighten the grey copy, then take its ink
    straight = ink_mask(_rotate(grey, -skew, fill=255), ORIENT_DPI)
    above, below, lines, up = upside_down_score(straight, ORIENT_DPI)
    by_sum = above / max(1.0, below)
    upside_down = by_sum < 1.0
    sum_clear = by_sum >= UPSIDE_MARGIN or by_sum <= 1 / UPSIDE_MARGIN
    votes_clear = abs(up - 0.5) >= 0.15
    agree = (up < 0.5) == upside_down
    rotation = (quarter + (180 if upside_down else 0)) % 360
    clear = agree and (sum_clear or votes_clear) and not (1 / SIDE_MARGIN < side < SIDE_MARGIN)
    if clear or lines < OSD_MIN_LINES:
        return rotation, skew
    osd = osd_rotation(grey if not quarter else np.ascontiguousarray(np.rot90(grey, 1)), ORIENT_DPI)
    if osd is None or osd == rotation:
        return rotation, skew
    if osd % 180 != quarter:  # the other axis: measure the skew along it
        skew, _ = _best_angle(np.ascontiguousarray(np.rot90(ink, -1)) if osd % 180 else ink)
    return osd, skew


def osd_rotation(grey: np.ndarray, dpi: float) -> int | None:
    """Tesseract's orientation detection (psm 0) on a small grey page, or None when it cannot tell."""
    from ocr.engine import detect_orientation

    scale = min(1.0, OSD_DPI / max(dpi, 1.0))
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    found = detect_orientation(small, dpi * scale)
    if found is None:
        return None
    rotate, conf = found
    return rotate if conf >= 1.0 else None


def _best_angle(ink: np.ndarray, fine: bool = True) -> tuple[float, float]:
    """The projection angle with the sharpest profile, and that sharpness relative to uniform.

    Projecting ink onto the vertical axis of a candidate angle gives sharp peaks (lines) and
    empty valleys (leading) only at the true angle; the sum of squared bin counts measures it.
    The coarse search runs on a sample of COARSE_POINTS ink pixels (its sharpness is what
    is returned, comparable between calls), the fine search on up to FINE_POINTS.
    """
    ys, xs = np.nonzero(ink)
    if len(xs) < 50:
        return 0.0, 0.0
    rng = np.random.default_rng(0)
    pick = rng.permutation(len(xs))[:FINE_POINTS]  # shuffled: any prefix is a fair sample
    xs, ys = xs[pick], ys[pick]
    # jitter within each pixel: integer coordinates would make angle 0 look falsely sharp
    xs = xs + rng.random(len(xs)) - ink.shape[1] / 2
    ys = ys + rng.random(len(ys))

    def sharpness(angle: float, count: int) -> float:
        t = math.radians(angle)
        proj = ys[:count] * math.cos(t) + xs[:count] * math.sin(t)
        proj -= proj.min()
        hist = np.bincount(proj.astype(np.int64))
        # relative to ink spread evenly over the whole page height (not over the occupied
        # range, which grows with the angle and would favour tilts on pages of one line)
        return float(np.dot(hist, hist)) * ink.shape[0] / (float(len(proj)) ** 2)

    coarse = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, COARSE_STEP)
    scores = [sharpness(a, COARSE_POINTS) for a in coarse]  # the sample is already shuffled
    best = float(coarse[int(np.argmax(scores))])
    if not fine:
        return best, max(scores)
    around = np.arange(best - COARSE_STEP, best + COARSE_STEP + 1e-9, FINE_STEP)
    fine_scores = [sharpness(a, FINE_POINTS) for a in around]
    return round(float(around[int(np.argmax(fine_scores))]), 2), max(scores)


def upside_down_score(ink: np.ndarray, dpi: float = ORIENT_DPI) -> tuple[float, float, int, float]:
    """Ink above and below the x-height band of straight text lines, their number, and the
    share of lines with more ink above than below.

    Latin and even more Vietnamese print put ascenders, capitals and tone marks above the
    x-height band and only a few descenders below it; a page turned by 180 degrees shows
    the opposite. Lines are found by smearing letters sideways; smeared blobs much taller
    than the typical line (paragraphs glued by marks, pictures, stamps) do not vote.
    """
    k = max(3, int(dpi * 0.08))
    smeared = cv2.dilate(ink.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    # tone marks float a hair above their letters: join them to their line, not lines together
    v = max(2, int(round(dpi * 0.03)))
    smeared = cv2.morphologyEx(smeared, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, v)))
    n, _l, stats, _ = cv2.connectedComponentsWithStats(smeared, connectivity=8)
    x, y, w, h = stats[1:, 0], stats[1:, 1], stats[1:, 2], stats[1:, 3]
    line = (w >= 4 * h) & (h >= 4)
    if not line.any():
        return 0.0, 0.0, 0, 0.5
    # the typical line height, weighted by size so that strips of marks do not set it
    order = np.argsort(h[line])
    weight = np.cumsum((w * h)[line][order])
    typical = float(h[line][order][np.searchsorted(weight, weight[-1] / 2)])
    line &= (h >= 0.6 * typical) & (h <= 1.8 * typical)
    above = below = 0.0
    up = down = 0
    for i in np.nonzero(line)[0]:
        profile = ink[y[i]:y[i] + h[i], x[i]:x[i] + w[i]].sum(axis=1).astype(np.float64)
        core = np.nonzero(profile >= 0.5 * profile.max())[0]
        a, b = profile[:core[0]].sum(), profile[core[-1] + 1:].sum()
        above, below = above + a, below + b
        up, down = up + (a > b), down + (b > a)
    return above, below, int(line.sum()), up / max(1, up + down)


def is_upside_down(ink: np.ndarray) -> bool:
    """Whether straight text lines carry more ink below their x-height than above."""
    above, below, _lines, _up = upside_down_score(ink)
    return below > above


# ---------------------------------------------------------------- borders and perspective


def content_box(image: np.ndarray) -> BBox:
    """The page without dark scanner borders or black photocopy bands along its edges."""
    grey = _grey(image)
    h, w = grey.shape
    dark = grey < 90

    def trim(profile: np.ndarray) -> tuple[int, int]:
        inside = np.nonzero(profile < 0.5)[0]
        return (int(inside[0]), int(inside[-1]) + 1) if len(inside) else (0, len(profile))

    x0, x1 = trim(dark.mean(axis=0))
    y0, y1 = trim(dark[:, x0:x1].mean(axis=1))
    x0, x1 = trim(dark[y0:y1].mean(axis=0))
    if (x1 - x0) < 0.3 * w or (y1 - y0) < 0.3 * h:  # a dark page, not a border: keep all
        return (0, 0, w, h)
    return (x0, y0, x1, y1)


def _refine_edges(image: np.ndarray, box: BBox, limit: int = 6) -> BBox:
    """Trim the few dark full-resolution rows/columns a box scaled up from the small copy keeps."""
    grey = _grey(image)
    x0, y0, x1, y1 = box
    for _ in range(limit):
        changed = False
        if y1 - y0 > 2 and (grey[y1 - 1, x0:x1] < 90).mean() > 0.5:
            y1, changed = y1 - 1, True
        if y1 - y0 > 2 and (grey[y0, x0:x1] < 90).mean() > 0.5:
            y0, changed = y0 + 1, True
        if x1 - x0 > 2 and (grey[y0:y1, x1 - 1] < 90).mean() > 0.5:
            x1, changed = x1 - 1, True
        if x1 - x0 > 2 and (grey[y0:y1, x0] < 90).mean() > 0.5:
            x0, changed = x0 + 1, True
        if not changed:
            break
    return (x0, y0, x1, y1)


def find_page_quad(grey: np.ndarray) -> np.ndarray | None:
    """Corners (tl, tr, br, bl) of a sheet lying on a darker surface, or None.

    Only a clear, convex, bright quadrilateral with visibly darker surroundings counts: a
    phone photo of a page on a table, or a sheet lying on a dark scanner lid. A quadrilateral
    that fills nearly the whole frame is trusted only as a plain turned rectangle (the lid
    case), never for a perspective warp.
    """
    blur = cv2.GaussianBlur(grey, (5, 5), 0)
    _t, mask = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15)))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    biggest = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(biggest)
    frame = grey.shape[0] * grey.shape[1]
    if not 0.2 * frame < area < 0.995 * frame:
        return None
    quad = cv2.approxPolyDP(cv2.convexHull(biggest), 0.02 * cv2.arcLength(biggest, True), True)
    if len(quad) != 4 or not cv2.isContourConvex(quad):
        return None
    sheet = np.zeros_like(mask)
    cv2.fillConvexPoly(sheet, quad.reshape(4, 2), 255)
    if cv2.countNonZero(255 - sheet) < 0.01 * frame:
        return None  # no surface visible around it
    inside, outside = cv2.mean(blur, mask=sheet)[0], cv2.mean(blur, mask=255 - sheet)[0]
    if inside - outside < 40:  # no real contrast between page and surface
        return None
    corners = _refine_corners(_order_corners(quad.reshape(4, 2).astype(np.float32)), biggest)
    if area > 0.92 * frame and not is_rigid_rectangle(corners):
        return None
    return corners


def _refine_corners(corners: np.ndarray, contour: np.ndarray) -> np.ndarray:
    """Corners as intersections of lines fitted to each side's contour points (sub-pixel).

    The polygon approximation snaps corners to single contour pixels; a line through the
    hundreds of points along each side is far steadier, which the crop of a sheet on a dark
    lid and the perspective warp both need at full resolution.
    """
    pts = contour.reshape(-1, 2).astype(np.float32)
    lines = []
    for i in range(4):
        a, b = corners[i], corners[(i + 1) % 4]
        d = b - a
        length = float(np.hypot(*d))
        if length < 10:
            return corners
        t = ((pts - a) @ d) / (length * length)
        dist = np.abs((pts[:, 0] - a[0]) * d[1] - (pts[:, 1] - a[1]) * d[0]) / length
        side = pts[(t > 0.1) & (t < 0.9) & (dist < 3)]
        if len(side) < 10:
            return corners
        vx, vy, x0, y0 = cv2.fitLine(side, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0]), np.array([vx, vy])))
    out = []
    for i in range(4):  # corner i joins side i-1 and side i
        (p1, d1), (p2, d2) = lines[i - 1], lines[i]
        det = d1[0] * (-d2[1]) - d1[1] * (-d2[0])
        if abs(det) < 1e-6:
            return corners
        s = ((p2 - p1)[0] * (-d2[1]) - (p2 - p1)[1] * (-d2[0])) / det
        out.append(p1 + s * d1)
    refined = np.array(out, dtype=np.float32)
    return refined if np.abs(refined - corners).max() < 5 else corners


def is_rigid_rectangle(corners: np.ndarray, angle_tol: float = 0.7, side_tol: float = 0.012) -> bool:
    """A quadrilateral that is a rectangle only turned, not foreshortened: a sheet on a flatbed.

    A photo taken at an angle makes opposite sides unequal and corners off 90 degrees; a
    sheet lying askew on a scanner keeps both, and must keep its scale too (no warp).
    """
    pts = corners.astype(np.float64)
    sides = [np.linalg.norm(pts[(i + 1) % 4] - pts[i]) for i in range(4)]
    if abs(sides[0] - sides[2]) > side_tol * max(sides[0], sides[2]):
        return False
    if abs(sides[1] - sides[3]) > side_tol * max(sides[1], sides[3]):
        return False
    for i in range(4):
        a, b = pts[i - 1] - pts[i], pts[(i + 1) % 4] - pts[i]
        cos = abs(float(np.dot(a, b))) / max(1e-9, np.linalg.norm(a) * np.linalg.norm(b))
        if math.degrees(math.asin(min(1.0, cos))) > angle_tol:
            return False
    return True


def _order_corners(pts: np.ndarray) -> np.ndarray:
    s, d = pts.sum(axis=1), np.diff(pts, axis=1).ravel()
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]], dtype=np.float32)


def page_aspect(quad: np.ndarray, size: tuple[int, int]) -> float:
    """Width/height of the real sheet behind a photographed quadrilateral (tl, tr, br, bl).

    Side lengths in a photo are foreshortened; the camera model of Zhang & He ("Whiteboard
    scanning and image enhancement", 2007) recovers the focal length from the vanishing
    geometry and with it the true aspect, taking the principal point at the image centre.
    """
    tl, tr, br, bl = (np.array([p[0], p[1], 1.0]) for p in quad.astype(np.float64))
    u0, v0 = size[0] / 2.0, size[1] / 2.0
    m1, m2, m3, m4 = tl, tr, bl, br
    k2 = np.dot(np.cross(m1, m4), m3) / np.dot(np.cross(m2, m4), m3)
    k3 = np.dot(np.cross(m1, m4), m2) / np.dot(np.cross(m3, m4), m2)
    n2, n3 = k2 * m2 - m1, k3 * m3 - m1
    plain = math.sqrt((n2[0] ** 2 + n2[1] ** 2) / max(1e-12, n3[0] ** 2 + n3[1] ** 2))
    if abs(n2[2]) < 1e-7 or abs(n3[2]) < 1e-7:
        return plain  # parallel sides: no perspective to undo
    f2 = -((n2[0] * n3[0] - (n2[0] * n3[2] + n2[2] * n3[0]) * u0 + n2[2] * n3[2] * u0 * u0)
           + (n2[1] * n3[1] - (n2[1] * n3[2] + n2[2] * n3[1]) * v0 + n2[2] * n3[2] * v0 * v0)) / (n2[2] * n3[2])
    if f2 <= 0:
        return plain  # degenerate (nearly affine) view
    a_inv = np.linalg.inv(np.array([[math.sqrt(f2), 0, u0], [0, math.sqrt(f2), v0], [0, 0, 1.0]]))
    q = a_inv.T @ a_inv
    return math.sqrt(float(n2 @ q @ n2) / max(1e-12, float(n3 @ q @ n3)))


def warp_page(image: np.ndarray, quad: np.ndarray) -> tuple[np.ndarray, float]:
    """The page flattened to a rectangle; its resolution follows from an A4 sheet.

    The sheet's true aspect comes from `page_aspect`; one close to A4's (portrait or
    landscape) is taken to be A4, the paper of nearly every dossier page.
    """
    tl, tr, br, bl = quad
    width = float(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = float(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    aspect = page_aspect(quad, (image.shape[1], image.shape[0]))  # width / height
    for a4 in (1 / A4_ASPECT, A4_ASPECT):
        if abs(aspect - a4) / a4 < 0.08:
            aspect = a4
    if aspect <= 1:  # portrait: keep the measured height, derive the width
        width = height * aspect
    else:
        height = width / aspect
    width, height = int(round(width)), int(round(height))
    dst = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(quad, dst)
    warped = cv2.warpPerspective(image, m, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    dpi = max(width, height) / (297 / 25.4)
    return warped, round(dpi, 1)
