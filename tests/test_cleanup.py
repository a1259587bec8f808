"""Page cleanup on pages from bench/synth.py: each test fails without the step it names."""
from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from bench import synth
from ocr.cleanup import clean_page, osd_rotation
from ocr.model import PageImage

DPI = 150
FONTS = synth.available_fonts()


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    """A typed A4 page (Times-like font when installed) at 150 dpi, grey."""
    return synth.render_page(FONTS[0], dpi=DPI, size_pt=12, seed=4)[0]


def scan(img: np.ndarray, seed: int = 0) -> np.ndarray:
    """What a counter's scanner adds: a little blur, sensor noise, JPEG."""
    return synth.jpeg(synth.gaussian_noise(synth.blur(img, 0.6), 4, seed), 80)


def clean(img: np.ndarray, **kw):
    return clean_page(PageImage(img, DPI, "synthetic"), **kw)


def dark_share_at_edges(img: np.ndarray, width: int = 3) -> float:
    grey = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    return max(float((s < 90).mean()) for s in (grey[:width], grey[-width:], grey[:, :width], grey[:, -width:]))


@pytest.mark.parametrize("angle", [-9.5, -3.0, 0.7, 6.0])
def test_deskew_within_two_tenths_of_a_degree(page, angle):
    result = clean(scan(synth.skew(page, angle)))
    assert result.skew_deg == pytest.approx(angle, abs=0.2)
    assert result.rotation == 0
    # the page is straight afterwards: measuring it again finds no skew
    assert abs(clean(result.archive).skew_deg) <= 0.2


@pytest.mark.parametrize("font", FONTS[:3])
@pytest.mark.parametrize("quarters", [0, 1, 2, 3])
def test_orientation_detected(font, quarters):
    upright = synth.render_page(font, dpi=DPI, size_pt=12, seed=quarters)[0]
    turned = synth.rotate90(scan(synth.skew(upright, 1.5), quarters), quarters)
    result = clean(turned)
    assert result.rotation == 90 * quarters
    assert result.skew_deg == pytest.approx(1.5, abs=0.2)
    assert result.archive.shape[0] > result.archive.shape[1]  # upright portrait again


@pytest.mark.parametrize("quarters", [0, 2])
def test_page_of_one_line_keeps_its_orientation_and_is_not_tilted(quarters):
    line, _ = synth.few_words_page(["Trang thứ 3 của hồ sơ"], dpi=DPI, seed=3)
    result = clean(synth.rotate90(line, quarters))
    assert result.rotation == 90 * quarters
    assert abs(result.skew_deg) <= 0.2


def test_orientation_can_be_left_alone(page):
    result = clean(synth.rotate90(page, 2), detect_orientation=False)
    assert result.rotation == 0


def test_tesseract_osd_fallback_reads_a_turned_page(page):
    small = cv2.resize(synth.rotate90(page, 3), None, fx=2 / 3, fy=2 / 3, interpolation=cv2.INTER_AREA)
    assert osd_rotation(small, 100) == 270


def test_black_scanner_border_cropped(page):
    framed = synth.scanner_border(page, top=45, bottom=70, left=30, right=55, value=20)
    result = clean(framed)
    assert result.archive.shape == pytest.approx(page.shape, abs=4)  # 100 % scale, border gone
    assert dark_share_at_edges(result.archive) < 0.05
    assert result.crop_box == pytest.approx((30, 45, 30 + page.shape[1], 45 + page.shape[0]), abs=4)
    assert not result.perspective


def test_photocopy_band_cropped(page):
    banded = synth.photocopy_band(synth.photocopy_band(page, "left", 40), "bottom", 30)
    result = clean(scan(banded))
    assert dark_share_at_edges(result.archive) < 0.05
    assert result.archive.shape == pytest.approx((page.shape[0] - 30, page.shape[1] - 40), abs=4)


def test_askew_sheet_on_dark_lid_rotated_and_cropped_at_full_scale(page):
    lid = synth.scanner_border(synth.skew(page, -4.0, fill=25), 20, 20, 20, 20, value=25)
    result = clean(scan(lid))
    assert result.skew_deg == pytest.approx(-4.0, abs=0.2)
    assert not result.perspective and result.dpi == DPI  # a flatbed scan keeps its scale
    assert result.archive.shape == pytest.approx(page.shape, rel=0.01)
    assert dark_share_at_edges(result.archive) < 0.05


@pytest.mark.parametrize("seed", [5, 7])  # 7: foreshortened sides 13 % off A4's aspect
def test_phone_photo_rectified_to_a_flat_page(page, seed):
    photo, _corners = synth.photo_warp(page, random.Random(seed), strength=1.0)
    result = clean(synth.jpeg(photo, 85))
    assert result.perspective
    height, width = result.archive.shape[:2]
    assert height / width == pytest.approx(297 / 210, rel=0.03)
    assert result.rotation == 0 and abs(result.skew_deg) < 0.5
    assert result.archive[:5].mean() > 150 and result.archive[:, -5:].mean() > 150  # no table left
    # the page's resolution follows from A4: its height is 11.69 inches
    assert result.dpi == pytest.approx(height / (297 / 25.4), rel=0.01)


def test_flat_scan_with_dark_boxes_is_not_warped(page):
    boxed = page.copy()
    cv2.rectangle(boxed, (150, 600), (1000, 1300), 0, 6)  # a form's frame
    cv2.rectangle(boxed, (300, 800), (700, 1100), 60, -1)  # a dark photo on the page
    result = clean(scan(synth.skew(boxed, 2.0)))
    assert not result.perspective
    assert result.skew_deg == pytest.approx(2.0, abs=0.2)


@pytest.mark.parametrize("seed", [1, 2])
def test_blank_back_with_show_through_is_blank_but_a_few_words_are_not(page, seed):
    back = synth.jpeg(synth.show_through_back(page, strength=0.18, dust=60, seed=seed), 80)
    assert clean(back).blank
    few, _ = synth.few_words_page(["Trang 3"], dpi=DPI, seed=seed)
    assert not clean(scan(few, seed)).blank
    stamp_note, _ = synth.few_words_page(["Đã kiểm tra"], dpi=DPI, font_path=FONTS[-1], seed=seed)
    assert not clean(scan(stamp_note, seed)).blank
    assert not clean(synth.rotate90(scan(stamp_note, seed), seed)).blank  # fed sideways


def test_uneven_light_flattened_for_ocr_only(page):
    dim = synth.uneven_illumination(page, strength=0.45, seed=2, tint=(200, 235, 245))
    result = clean(dim)
    assert result.archive.ndim == 3 and result.archive.shape[:2] == result.ocr_image.shape
    paper = result.ocr_image[result.ocr_image > 128]
    assert np.percentile(paper, 5) > 215  # shadow and yellow gone for OCR
    grey_archive = cv2.cvtColor(result.archive, cv2.COLOR_BGR2GRAY)
    assert np.percentile(grey_archive[grey_archive > 100], 5) < 190  # archive keeps the real paper


def test_colour_archive_stays_colour_and_matches_the_ocr_image(page):
    colour = cv2.cvtColor(scan(synth.skew(page, 3.0)), cv2.COLOR_GRAY2BGR)
    colour[:, :, 2] = np.minimum(255, colour[:, :, 2].astype(np.int16) + 20).astype(np.uint8)
    result = clean(synth.rotate90(colour, 1))
    assert result.archive.ndim == 3 and result.ocr_image.ndim == 2
    assert result.archive.shape[:2] == result.ocr_image.shape
    assert result.rotation == 90
    # deskewing keeps all content: the rotated canvas is larger than the page, filled with paper
    assert result.archive.shape[0] >= page.shape[0] and result.archive[:3, :3].mean() > 200


def test_black_and_white_scan_stays_bitonal(page):
    bw = np.where(synth.skew(page, 2.0) < 128, 0, 255).astype(np.uint8)
    result = clean(bw)
    assert result.bitonal and set(np.unique(result.archive)) <= {0, 255}
    assert result.skew_deg == pytest.approx(2.0, abs=0.2)


def test_red_seal_is_left_out_of_the_text_pass_but_kept_in_the_archive():
    """A round red seal over the signer's name: OCR reads the name, the archive keeps the seal."""
    from PIL import Image, ImageChops, ImageDraw, ImageFont

    from ocr.engine import ocr_image
    from ocr.textnorm import fold

    page = Image.new("RGB", (1600, 700), (250, 250, 245))
    d = ImageDraw.Draw(page)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", 60)
    d.text((200, 300), "Nguyễn Hoàng Giang", font=font, fill=(15, 15, 15))
    d.text((200, 450), "Bút xanh", font=font, fill=(40, 50, 170))  # blue pen: kept for the review
    seal = Image.new("RGB", page.size, (255, 255, 255))
    s = ImageDraw.Draw(seal)
    for r in range(200, 240, 6):  # the seal's rings and lettering, in seal red, across the name
        s.ellipse((380 - r, 330 - r, 380 + r, 330 + r), outline=(205, 40, 45), width=5)
    s.text((270, 250), "ỦY BAN NHÂN DÂN", font=ImageFont.truetype(
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 34), fill=(210, 50, 50))
    page = ImageChops.multiply(page, seal)  # inks over each other darken, as on paper
    pixels = np.asarray(page)[:, :, ::-1].copy()
    clean = clean_page(PageImage(pixels, 300, "seal.png"), detect_orientation=False)
    assert clean.archive.ndim == 3 and (np.abs(clean.archive[:, :, 2].astype(int) - clean.archive[:, :, 0]) > 100).any()
    text = fold(ocr_image(clean.ocr_image, 300, "vie").text)
    assert "nguyen hoang giang" in text and "but xanh" in text, text
    assert "uy ban" not in text


def _grey_signature_block(seal: bool) -> np.ndarray:
    """A signer's title and name at 300 dpi, with a grey round seal (two rings, ring lettering,
    a star) between them as a grey scan or a born-digital e-signature shows it."""
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("L", (1700, 1200), 255)
    d = ImageDraw.Draw(page)
    bold = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", 50)
    d.text((560, 120), "CHÁNH VĂN PHÒNG", font=bold, fill=20)
    d.text((620, 1000), "Nguyễn Văn An", font=bold, fill=20)
    if seal:
        cx, cy = 700, 580
        d.ellipse((cx - 212, cy - 212, cx + 212, cy + 212), outline=40, width=7)
        d.ellipse((cx - 150, cy - 150, cx + 150, cy + 150), outline=40, width=4)
        small = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 36)
        for i, ch in enumerate("ỦY BAN NHÂN DÂN TỈNH"):
            letter = Image.new("L", (50, 50), 0)
            ImageDraw.Draw(letter).text((8, 2), ch, font=small, fill=255)
            angle = 200 + i * 7.5
            turned = letter.rotate(-(angle + 90), expand=True)
            x = cx + 180 * np.cos(np.radians(angle)) - turned.width / 2
            y = cy + 180 * np.sin(np.radians(angle)) - turned.height / 2
            page.paste(40, (int(x), int(y)), turned)
        d.regular_polygon((cx, cy, 60), 5, fill=40)
    return np.asarray(page)


def test_grey_round_seal_is_left_out_of_the_text_pass():
    """A grey seal cannot be told by its colour: its ring can. Everything inside it goes from the
    text pass; the title above and the name below stay to the pixel."""
    from ocr.cleanup import drop_round_seals, find_round_seals

    with_seal, without = _grey_signature_block(True), _grey_signature_block(False)
    seals = find_round_seals(with_seal, 300)
    (cx, cy, r), = seals
    assert abs(cx - 700) <= 6 and abs(cy - 580) <= 6 and 205 <= r <= 220  # the outer ring
    dropped = drop_round_seals(with_seal, seals)
    assert (dropped[300:880, 470:930] < 128).sum() < 0.01 * (with_seal[300:880, 470:930] < 128).sum()
    assert np.array_equal(dropped[100:200] < 128, without[100:200] < 128)
    assert np.array_equal(dropped[980:1080] < 128, without[980:1080] < 128)


def test_text_and_tables_are_never_taken_for_seals(page):
    """Dense text, a table and round letters make circles for the Hough transform, not seal rims."""
    from PIL import Image, ImageDraw, ImageFont

    from ocr.cleanup import find_round_seals

    assert find_round_seals(page, DPI) == []
    table = Image.new("L", (2480, 1500), 255)
    d = ImageDraw.Draw(table)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 60)
    for row in range(6):
        for col in range(5):
            d.rectangle((100 + 450 * col, 100 + 220 * row, 550 + 450 * col, 320 + 220 * row), outline=0, width=4)
            d.text((130 + 450 * col, 170 + 220 * row), "O o Q 0 ©", font=font, fill=0)
    assert find_round_seals(np.asarray(table), 300) == []


def test_e_signature_box_is_found_beside_its_seal():
    """A born-digital letter's e-signature: the signer's seal image and small print of who signed
    and when. Both come out as regions of the page (JSON `pages[].regions`), the print read."""
    from PIL import Image, ImageDraw, ImageFont

    from exports.result_json import document_to_dict
    from ocr.model import Document
    from ocr.pipeline import PageJob, PipelineOptions, process_page

    page = Image.new("L", (2480, 1400), 255)
    d = ImageDraw.Draw(page)
    small = ImageFont.truetype("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf", 42)
    body = ImageFont.truetype("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf", 54)
    cx, cy, r = 1700, 180, 110  # an e-signature's seal image: ~19 mm across at 300 dpi
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=60, width=5)
    d.ellipse((cx - r + 22, cy - r + 22, cx + r - 22, cy + r - 22), outline=60, width=3)
    d.regular_polygon((cx, cy, 30), 5, fill=60)
    for i, line in enumerate(["TRUNG TÂM CÔNG", "BÁO VÀ TIN HỌC", "vanthu@example.gov.vn",
                              "24.01.2025 20:01:14", "+07:00"]):
        d.text((cx + r + 20, 70 + 46 * i), line, font=small, fill=20)
    for i, line in enumerate(["Kính gửi: Sở Thông tin và Truyền thông", "Theo đề nghị của Bộ Thông tin và Truyền thông,",
                              "Ủy ban nhân dân tỉnh giao Sở chủ trì, phối hợp với các cơ quan liên quan."]):
        d.text((240, 600 + 90 * i), line, font=body, fill=20)
    pixels = np.asarray(page)
    result = process_page(PageJob("esig.png", image=PageImage(pixels, 300, "esig.png")),
                          PipelineOptions(page_timeout=None))
    kinds = [r.kind for r in result.regions]
    assert kinds == ["seal", "e_signature"], result.regions
    seal, esig = result.regions
    assert abs((seal.bbox[0] + seal.bbox[2]) / 2 - cx) <= 8 and esig.bbox[2] > cx + r + 300
    assert "20:01:14" in esig.text and "TRUNG TÂM CÔNG" in esig.text
    assert "Kính gửi" not in esig.text
    page_json = document_to_dict(Document(stem="esig", source=["esig.png"], pages=[result]), "esig.pdf")["pages"][0]
    assert page_json["regions"][1]["kind"] == "e_signature" and page_json["regions"][1]["text"] == esig.text
