"""Page cleanup on pages degraded here: each step would fail without its code."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr.cleanup import clean_page
from ocr.model import PageImage
from tests.conftest import render_lines

DPI = 150
TEXT = [f"Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015, mục {i}" for i in range(28)]


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return np.array(render_lines(TEXT, dpi=DPI, size_pt=11))


def rotate_ccw(img: np.ndarray, angle: float, fill=255, flags=cv2.INTER_LINEAR) -> np.ndarray:
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(img, m, (w, h), borderValue=fill, flags=flags)


@pytest.mark.parametrize("angle", [-9.5, -3.0, 0.7, 6.0])
def test_deskew_within_two_tenths_of_a_degree(page, angle):
    clean = clean_page(PageImage(rotate_ccw(page, angle), DPI, "p"))
    assert clean.skew_deg == pytest.approx(angle, abs=0.2)
    assert clean.rotation == 0


@pytest.mark.parametrize("quarters", [0, 1, 2, 3])
def test_orientation_detected(page, quarters):
    turned = np.ascontiguousarray(np.rot90(rotate_ccw(page, 1.5), quarters))  # counter-clockwise turns
    clean = clean_page(PageImage(turned, DPI, "p"))
    assert clean.rotation == 90 * quarters
    assert clean.archive.shape[0] > clean.archive.shape[1]  # upright portrait again


def test_black_scanner_border_cropped(page):
    h, w = page.shape
    framed = np.zeros((h + 120, w + 90), np.uint8)
    framed[60:60 + h, 45:45 + w] = page
    clean = clean_page(PageImage(framed, DPI, "p"))
    assert clean.archive.shape == pytest.approx((h, w), abs=4)
    assert (clean.archive[:, :3] < 90).mean() < 0.05 and (clean.archive[-3:, :] < 90).mean() < 0.05
    assert not clean.perspective


def test_phone_photo_rectified_to_a_flat_page(page):
    colour = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
    h, w = page.shape
    table = np.full((int(h * 1.3), int(w * 1.3), 3), (50, 60, 75), np.uint8)
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[0.12 * w, 0.08 * h], [1.15 * w, 0.14 * h], [1.2 * w, 1.22 * h], [0.06 * w, 1.16 * h]])
    photo = cv2.warpPerspective(colour, cv2.getPerspectiveTransform(src, dst), table.shape[1::-1],
                                dst=table, borderMode=cv2.BORDER_TRANSPARENT)
    clean = clean_page(PageImage(photo, DPI, "p"))
    assert clean.perspective
    ah, aw = clean.archive.shape[:2]
    assert ah / aw == pytest.approx(297 / 210, rel=0.03)
    assert abs(clean.skew_deg) < 0.5
    # the table is gone: the border of the result is paper, not the dark surface
    assert clean.archive[:5].mean() > 180 and clean.archive[:, -5:].mean() > 180


def test_blank_back_with_show_through_is_blank_but_a_few_words_are_not(page):
    faint = 245 - (245 - np.fliplr(page).astype(np.float32)) * 0.15
    noisy = faint + np.random.default_rng(3).normal(0, 4, faint.shape)
    back = np.clip(noisy, 0, 255).astype(np.uint8)
    assert clean_page(PageImage(back, DPI, "p")).blank
    few = np.array(render_lines(["Trang 3", "", "Đã kiểm tra"], dpi=DPI))
    assert not clean_page(PageImage(few, DPI, "p")).blank


def test_uneven_light_flattened_for_ocr_only(page):
    h, w = page.shape
    shade = np.linspace(0.55, 1.0, w, dtype=np.float32)[None, :]
    dim = (page.astype(np.float32) * shade).astype(np.uint8)
    colour = cv2.cvtColor(dim, cv2.COLOR_GRAY2BGR)
    colour[:, :, 2] = np.minimum(255, colour[:, :, 2].astype(np.int16) + 25).astype(np.uint8)  # warm paper
    clean = clean_page(PageImage(colour, DPI, "p"))
    assert clean.archive.ndim == 3 and clean.archive.shape[:2] == clean.ocr_image.shape
    paper_left, paper_right = clean.ocr_image[20:60, 20:60].mean(), clean.ocr_image[20:60, -60:-20].mean()
    assert abs(paper_left - paper_right) < 12  # the shadow is gone for OCR
    assert clean.archive[20:60, 20:60].mean() < clean.archive[20:60, -60:-20].mean() - 40  # archive untouched


def test_black_and_white_scan_stays_bitonal(page):
    bw = np.where(page < 128, 0, 255).astype(np.uint8)
    clean = clean_page(PageImage(rotate_ccw(bw, 2.0, flags=cv2.INTER_NEAREST), DPI, "p"))
    assert clean.bitonal and set(np.unique(clean.archive)) <= {0, 255}
