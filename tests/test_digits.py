"""The handwritten-digit reader of a letter's number and day (ocr/digits.py) on digits it never
trained on: a held-out handwriting face, a European "1" drawn as strokes, a van_ban header."""
from __future__ import annotations

import time

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocr.digits import load_model, read_handwritten_number

DKG = "/usr/share/fonts/truetype/fifthhorseman/dkgBd.ttf"  # build_handwriting.HELD_OUT: never trained on


def _flagged_one(img: np.ndarray, x: int, top: int, h: int, width: int = 7) -> int:
    """A European "1": a slanted up-stroke with a long flag down to the left; returns its right x."""
    bottom = (x + 12, top + h)
    peak = (x + 26, top)
    cv2.line(img, bottom, peak, 0, width, cv2.LINE_AA)
    cv2.line(img, peak, (x + 2, top + int(0.4 * h)), 0, width, cv2.LINE_AA)
    return x + 34


def _glyph(ch: str, height: int) -> np.ndarray:
    """A digit of the held-out face, cut to its ink and scaled to `height` (a hand writes its
    digits alike in size; the face's old-style figures are not)."""
    img = Image.new("L", (200, 200), 255)
    ImageDraw.Draw(img).text((40, 20), ch, font=ImageFont.truetype(DKG, 110), fill=20)
    a = np.array(img)
    ys, xs = np.nonzero(a < 128)
    a = a[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    return cv2.resize(a, (max(1, a.shape[1] * height // a.shape[0]), height), interpolation=cv2.INTER_AREA)


def _hand_line(parts: list[str], h: int = 70) -> np.ndarray:
    """A blank filled in by hand: digits in the held-out face, "1" as strokes, a dot leader under."""
    a = np.full((2 * h, 60 + 60 * len(parts)), 255, np.uint8)
    x, top, height = 20, h // 2, int(0.75 * h)
    for ch in parts:
        if ch == "1":
            x = _flagged_one(a, x, top, height) + 8
        else:
            g = _glyph(ch, height)
            a[top:top + height, x:x + g.shape[1]] = np.minimum(a[top:top + height, x:x + g.shape[1]], g)
            x += g.shape[1] + 10
    for dx in range(10, a.shape[1] - 10, 12):
        cv2.circle(a, (dx, a.shape[0] - 12), 2, 0, -1)
    return a


def test_model_is_shipped_small():
    from ocr.digits import MODEL_PATH

    assert load_model() is not None and MODEL_PATH.stat().st_size < 2_000_000


def test_held_out_face_and_european_one_are_read():
    crop = _hand_line(["5", "1"])
    digits, conf = read_handwritten_number(crop, line_h=40)
    assert digits == "51" and conf > 0.5, (digits, conf)
    digits, _ = read_handwritten_number(_hand_line(["1", "7"]), line_h=40)
    assert digits == "17"
    digits, _ = read_handwritten_number(_hand_line(["2", "9", "9"]), line_h=40)
    assert digits == "299"


def test_blank_and_print_only_give_nothing():
    assert read_handwritten_number(np.full((90, 200), 255, np.uint8), line_h=35) == (None, 0.0)
    dots = np.full((90, 200), 255, np.uint8)
    for x in range(10, 190, 12):
        cv2.circle(dots, (x, 70), 2, 0, -1)
    assert read_handwritten_number(dots, line_h=35) == (None, 0.0)


def test_reader_is_fast():
    crop = _hand_line(["2", "1", "5"])
    read_handwritten_number(crop, line_h=40)
    start = time.process_time()  # this process's CPU: other jobs on the machine do not count
    for _ in range(10):
        read_handwritten_number(crop, line_h=40)
    assert (time.process_time() - start) / 10 < 0.02


def test_handwritten_number_in_a_letter_is_filled_in_and_sent_to_review():
    """Production path: a "51" written in the number blank of a scanned letter (a held-out face's
    5 and a flagged 1) is the number's value, and the officer is asked to check it."""
    from test_van_ban import DPI, _font, _through_pipeline, render

    from templates import understand

    blank = render([("ỦY BAN NHÂN DÂN", True), ("TỈNH QUẢNG NGÃI", True)], "        /QĐ-UBND",
                   "Quảng Ngãi, ngày 15 tháng 3 năm 2024", "QUYẾT ĐỊNH", ["Về việc phê duyệt kế hoạch"],
                   ["Căn cứ Luật Hộ tịch ngày 20 tháng 11 năm 2014;"])
    x = int(0.23 * blank.shape[1]) - int(_font(12.5).getlength("Số:         /QĐ-UBND")) // 2
    x += int(_font(12.5).getlength("Số: ")) + 14
    y = int(0.6 * DPI) + int(0.5 * DPI) + int(0.15 * DPI) - 15
    page = Image.fromarray(blank)
    ImageDraw.Draw(page).text((x, y), "5", font=ImageFont.truetype(DKG, 64), fill=30)
    image = np.array(page)
    _flagged_one(image, x + 40, y + 18, 50, width=6)
    doc = _through_pipeline(image)
    understand(doc, form="van_ban")
    f = doc.fields["so_ky_hieu"]
    assert f.value == "51/QĐ-UBND", (f.value, f.problems)
    assert f.needs_review and any("viết tay" in p for p in f.problems), f.problems


def _crossed_seven(img: np.ndarray, x: int, top: int, h: int, width: int = 6) -> int:
    """A European "7": a bar, a long down-stroke, a bar across its middle; returns its right x."""
    right = (x + int(0.6 * h), top)
    foot = (x + int(0.2 * h), top + h)
    cv2.line(img, (x, top + 3), right, 0, width, cv2.LINE_AA)
    cv2.line(img, right, foot, 0, width, cv2.LINE_AA)
    mid = ((right[0] + foot[0]) // 2, (right[1] + foot[1]) // 2)
    cv2.line(img, (mid[0] - 12, mid[1]), (mid[0] + 12, mid[1]), 0, width, cv2.LINE_AA)
    return x + int(0.6 * h) + 6


def test_handwritten_day_is_filled_in_and_sent_to_review():
    """Production path: a "17" (flagged 1, crossed 7) in the day blank of a scanned letter."""
    from test_van_ban import DPI, _font, _through_pipeline, render

    from templates import understand

    date = "Quảng Ngãi, ngày          tháng 01 năm 2025"
    page = np.array(render([("ỦY BAN NHÂN DÂN", True), ("TỈNH QUẢNG NGÃI", True)], "12/QĐ-UBND", date,
                           "QUYẾT ĐỊNH", ["Về việc phê duyệt kế hoạch"],
                           ["Căn cứ Luật Hộ tịch ngày 20 tháng 11 năm 2014;"]))
    x = int(0.64 * page.shape[1]) - int(_font(12.5).getlength(date)) // 2
    x += int(_font(12.5).getlength("Quảng Ngãi, ngày ")) + 12
    y = int(0.6 * DPI) + int(0.5 * DPI) + int(0.15 * DPI) - 14
    x = _flagged_one(page, x, y, 64, width=12) + 6  # a felt pen: Tesseract reads no digit here
    _crossed_seven(page, x, y, 64, width=12)
    doc = _through_pipeline(page)
    understand(doc, form="van_ban")
    f = doc.fields["ngay_ban_hanh"]
    assert f.value == "17/01/2025", (f.value, f.problems)
    assert f.needs_review and any("viết tay" in p and "17" in p for p in f.problems), f.problems
