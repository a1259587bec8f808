"""van_ban extractor on synthetic Decree-30 documents rendered here and read by real Tesseract."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.engine import ocr_image
from ocr.layout import column_order
from ocr.model import Document, Field, OcrPage, ProcessedPage, Word
from templates import load_templates
from templates.van_ban import _own_lines, extract, segments

SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
SERIF_B = "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"
DPI = 300


def _font(pt: float, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(SERIF_B if bold else SERIF, int(pt * DPI / 72))


def render(agency: list[tuple[str, bool]], number: str, place_date: str, title: str | None,
           subject: list[str], body: list[str], rule: bool = True, stamp: bool = False) -> np.ndarray:
    """An A4 page with the two-column header of Decree 30/2020, at 300 dpi, grey."""
    w, h = int(8.27 * DPI), int(11.69 * DPI)
    page = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(page)
    left_cx, right_cx = int(0.23 * w), int(0.64 * w)
    y = int(0.6 * DPI)
    f12, f13b = _font(11.5), _font(12, True)
    for text, bold in agency:
        d.text((left_cx, y), text, font=f13b if bold else f12, fill=0, anchor="ma")
        y += int(0.22 * DPI)
    d.line([(left_cx - 120, y + 10), (left_cx + 120, y + 10)], fill=0, width=3)
    ym = int(0.6 * DPI)
    d.text((right_cx, ym), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=f13b, fill=0, anchor="ma")
    d.text((right_cx, ym + int(0.22 * DPI)), "Độc lập - Tự do - Hạnh phúc", font=f13b, fill=0, anchor="ma")
    d.line([(right_cx - 330, ym + int(0.46 * DPI)), (right_cx + 330, ym + int(0.46 * DPI))], fill=0, width=3)
    y = max(y, ym + int(0.5 * DPI)) + int(0.15 * DPI)
    d.text((left_cx, y), f"Số: {number}", font=_font(12.5), fill=0, anchor="ma")
    d.text((right_cx, y), place_date, font=_font(12.5), fill=0, anchor="ma")
    y += int(0.3 * DPI)
    if title is None:  # a letter: subject under the number, left column
        for line in subject:
            d.text((left_cx, y), line, font=_font(11.5), fill=0, anchor="ma")
            y += int(0.2 * DPI)
        y += int(0.35 * DPI)
        d.text((int(0.5 * w), y), "Kính gửi: Sở Tài chính", font=_font(13), fill=0, anchor="ma")
        y += int(0.5 * DPI)
    else:
        y += int(0.25 * DPI)
        d.text((int(0.5 * w), y), title, font=_font(14, True), fill=0, anchor="ma")
        y += int(0.3 * DPI)
        if stamp:  # a reception stamp pressed beside the subject, its rows between the subject's
            x0, y0, x1 = int(0.02 * w), y - int(0.05 * DPI), int(0.5 * w) - int(_font(13, True).getlength(subject[0])) // 2 - 25
            d.rectangle((x0, y0, x1, y0 + int(0.75 * DPI)), outline=70, width=4)
            for i, row in enumerate(["TRUNG TÂM CÔNG BÁO", "CV ĐẾN Số: 2352", "Ngày: 21/3/18"]):
                d.text((x0 + 15, y0 + 15 + i * int(0.23 * DPI) + int(0.1 * DPI)), row, font=_font(9), fill=60)
        for line in subject:
            d.text((int(0.5 * w), y), line, font=_font(13, True), fill=0, anchor="ma")
            y += int(0.24 * DPI)
        if rule:
            d.line([(int(0.5 * w) - 150, y + 15), (int(0.5 * w) + 150, y + 15)], fill=0, width=3)
        y += int(0.45 * DPI) if rule else int(0.05 * DPI)
    for line in body:
        d.text((int(0.9 * DPI), y), line, font=_font(13), fill=0)
        y += int(0.25 * DPI)
    return np.asarray(page)


def _doc(image: np.ndarray) -> Document:
    ocr = column_order(ocr_image(image, DPI, "vie"))
    page = ProcessedPage(source="vb.png", source_index=0, width=ocr.width, height=ocr.height, dpi=DPI,
                         image=b"", image_format="png", ocr=ocr)
    return Document(stem="vb", source=["vb.png"], pages=[page])


@pytest.fixture(scope="module")
def template():
    return {t.id: t for t in load_templates()}["van_ban"]


def test_decision_with_parent_agency_line(template):
    image = render([("UBND TỈNH QUẢNG NGÃI", False), ("SỞ TƯ PHÁP", True)], "125/QĐ-STP",
                   "Quảng Ngãi, ngày 05 tháng 3 năm 2024", "QUYẾT ĐỊNH",
                   ["Về việc phê duyệt kế hoạch kiểm tra", "công tác hộ tịch năm 2024"],
                   ["Căn cứ Luật Hộ tịch ngày 20 tháng 11 năm 2014;",
                    "Căn cứ Nghị định số 123/2015/NĐ-CP ngày 15 tháng 11 năm 2015;"])
    fields = extract(_doc(image), template)
    values = {k: f.value for k, f in fields.items()}
    assert values == {"co_quan_ban_hanh": "SỞ TƯ PHÁP", "so_ky_hieu": "125/QĐ-STP", "dia_danh": "Quảng Ngãi",
                      "ngay_ban_hanh": "05/03/2024", "loai_van_ban": "QUYẾT ĐỊNH",
                      "trich_yeu": "Về việc phê duyệt kế hoạch kiểm tra công tác hộ tịch năm 2024"}
    assert all(f.valid for f in fields.values())
    x0, y0, x1, y1 = fields["co_quan_ban_hanh"].bbox
    assert x1 < image.shape[1] * 0.5  # the agency's box stays in the left column


def test_letter_with_vv_and_two_line_agency(template):
    image = render([("ỦY BAN NHÂN DÂN", True), ("HUYỆN TƯ NGHĨA", True)], "48 /UBND-VP",
                   "Tư Nghĩa, ngày 12 tháng 01 năm 2024", None,
                   ["V/v đề nghị bổ sung kinh phí", "sửa chữa trụ sở làm việc"],
                   ["Ủy ban nhân dân huyện đề nghị Sở Tài chính xem xét, bổ sung kinh phí."])
    fields = extract(_doc(image), template)
    values = {k: f.value for k, f in fields.items()}
    assert values == {"co_quan_ban_hanh": "ỦY BAN NHÂN DÂN HUYỆN TƯ NGHĨA", "so_ky_hieu": "48/UBND-VP",
                      "dia_danh": "Tư Nghĩa", "ngay_ban_hanh": "12/01/2024", "loai_van_ban": "CÔNG VĂN",
                      "trich_yeu": "V/v đề nghị bổ sung kinh phí sửa chữa trụ sở làm việc"}


def _words(lines: list[tuple[str, int, int]]) -> OcrPage:
    words = []
    for n, (text, x, y) in enumerate(lines, start=1):
        for i, part in enumerate(text.split()):
            words.append(Word(text=part, bbox=(x + 40 * i, y, x + 40 * i + 35, y + 30), conf=90, block=n, line=1))
    return OcrPage(width=2480, height=3508, words=words)


@pytest.mark.parametrize("lines,own", [
    (["UBND TỈNH QUẢNG NGÃI", "BAN CHỈ ĐẠO 138"], ["BAN CHỈ ĐẠO 138"]),
    (["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI"], ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI"]),
    (["BỘ TÀI CHÍNH", "TỔNG CỤC THUẾ", "CỤC THUẾ TỈNH BÌNH ĐỊNH"], ["CỤC THUẾ TỈNH BÌNH ĐỊNH"]),
    (["UBND HUYỆN MỘ ĐỨC", "PHÒNG TÀI NGUYÊN VÀ", "MÔI TRƯỜNG"], ["PHÒNG TÀI NGUYÊN VÀ", "MÔI TRƯỜNG"]),
    (["HỘI ĐỒNG NHÂN DÂN", "TỈNH QUẢNG NGÃI"], ["HỘI ĐỒNG NHÂN DÂN", "TỈNH QUẢNG NGÃI"]),
])
def test_parent_line_dropped_own_name_joined(lines, own):
    segs = segments(_words([(t, 300, 200 + 40 * i) for i, t in enumerate(lines)]))
    assert [s.text for s in _own_lines(segs)] == own


def test_header_columns_on_one_ocr_line_are_kept_apart():
    """Tesseract may read agency and motto as one line; the wide gap separates them."""
    page = _words([("ỦY BAN NHÂN DÂN", 300, 200)])
    motto = [Word(text=t, bbox=(1300 + 60 * i, 200, 1350 + 60 * i, 230), conf=90, block=1, line=1)
             for i, t in enumerate("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".split())]
    page.words += motto
    texts = [s.text for s in segments(page)]
    assert texts == ["ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]


def test_empty_document_gives_every_field_empty(template):
    doc = Document(stem="e", source=[], pages=[])
    fields = extract(doc, template)
    assert set(fields) == {f.id for f in template.fields}
    assert all(f.value is None for f in fields.values())


@pytest.mark.parametrize("number_line, is_letter", [
    ("Số: 125/QĐ-UBND", True),
    ("Số: 4‡ /QĐĐ-UBND", True),  # the handwritten number garbled by OCR
    ("Số /CT-UBND", True),  # number left blank, colon lost
    ("Số: d! Quảng Ngãi, ngày 04 tháng 02 năm 2025", True),  # notation lost, date on its line
    ("56⁄1 /CT-UBND", True),  # "Số:" lost with the handwritten number
    ("Tổ 5/CT-UBND đường Lê Lợi", False),  # a notation inside a sentence is no number line
    ("Sổ tay hướng dẫn sử dụng", False),
])
def test_official_letter_recognised_despite_a_garbled_number(number_line, is_letter):
    from templates import recognize

    page = _words([("ỦY BAN NHÂN DÂN", 300, 200), ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 1200, 260),
                   ("TỈNH QUẢNG NGÃI", 300, 320), (number_line, 300, 380),
                   ("QUYẾT ĐỊNH", 1000, 600), ("Về việc phê duyệt kế hoạch năm 2025", 700, 660)])
    form, _confidence = recognize([page])
    assert (form == "van_ban") == is_letter


@pytest.mark.parametrize("motto,is_letter", [
    (["CỘNG HOÀ XÃ HỘI CHỮN€M VÌ °&XM", "Độc lập - Tự do - Hạnh phúc"], True),  # first line under a signature
    (["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Đôc lâp Tư d0 - Hanh phuc"], True),
    (["Bản tin nội bộ", "Số đặc biệt"], False),  # no motto: no official document
])
def test_either_line_of_the_national_motto_will_do(motto, is_letter):
    from templates import recognize

    page = _words([("ỦY BAN NHÂN DÂN", 300, 200), (motto[0], 1200, 200), ("THÀNH PHỐ ĐÀ NẴNG", 300, 260),
                   (motto[1], 1200, 260), ("Số: 75 /UBND-SGDĐT", 300, 380),
                   ("V/v thực hiện Thông báo số 496-TB/TU", 300, 600)])
    form, _confidence = recognize([page])
    assert (form == "van_ban") == is_letter


def _letter_of_lines(number: str, place_date: str) -> Document:
    """A letter's header and title as OCR words (no image): its number and date lines as given."""
    page = _words([("ỦY BAN NHÂN DÂN", 300, 200), ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 1200, 200),
                   ("TỈNH QUẢNG NGÃI", 300, 250), ("Độc lập - Tự do - Hạnh phúc", 1300, 250),
                   (number, 300, 330), (place_date, 1250, 330),
                   ("CHỈ THỊ", 1000, 460), ("Về tăng cường chỉ đạo Kỳ thi năm 2021", 700, 520)])
    return Document(stem="t", source=["t"], pages=[ProcessedPage(
        source="t", source_index=0, width=2480, height=3508, dpi=300, image=b"", image_format="png", ocr=page)])


def test_number_line_without_its_label_and_date_line_with_a_garbled_ngay(template):
    """A handwritten number and day can take the printed "Số:" and "ngày" with them in OCR:
    the number line is still the number (not part of the agency), the place still read."""
    fields = extract(_letter_of_lines("56⁄1 /CT-UBND", "Quảng Ngãi, ngàW{ tháng 5 năm 2021"), template)
    assert fields["co_quan_ban_hanh"].value == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    assert fields["so_ky_hieu"].value == "561/CT-UBND"
    assert fields["dia_danh"].value == "Quảng Ngãi"
    date = fields["ngay_ban_hanh"]
    assert not date.valid and date.value == "ngàW{ tháng 5 năm 2021"  # no day: the officer's to read
    assert fields["loai_van_ban"].value == "CHỈ THỊ"


def test_a_month_printed_11_read_as_1_bracket(template):
    """Serif "11" comes out "1]": the bracket is a one, not a mark to drop (the month was read 01)."""
    letter = _letter_of_lines("Số: 565 /UBND-KGVX", "Quảng Ngãi, ngày 15 tháng 1] năm 2024")
    assert extract(letter, template)["ngay_ban_hanh"].value == "15/11/2024"


def _through_pipeline(image: np.ndarray) -> Document:
    from ocr.model import PageImage
    from ocr.pipeline import PageJob, PipelineOptions, process_page

    page = process_page(PageJob("vb.png", 0, PageImage(image, DPI, "vb.png")), PipelineOptions(jobs=1))
    return Document(stem="vb", source=["vb.png"], pages=[page])


def _hand_digits(image: np.ndarray, text: str, x: int, y: int) -> np.ndarray:
    """Digits written by hand into the number blank: slanted, uneven size and baseline."""
    import random

    rng = random.Random(4)
    page = Image.fromarray(image)
    d = ImageDraw.Draw(page)
    for ch in text:
        font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf", rng.randint(58, 72))
        d.text((x, y + rng.randint(-10, 6)), ch, font=font, fill=rng.randint(20, 60))
        x += int(font.getlength(ch)) + rng.randint(0, 12)
    return np.asarray(page)


def test_number_on_a_scan_is_filled_in_and_never_vouched():
    """Production path (cleanup, page OCR, re-reading of the archive image): the number on a scan
    is read right but never vouched for (it is filled in by hand on signed letters); a number
    written by hand in its blank is not vouched for either."""
    from templates import understand
    from templates.review import LOW_CONFIDENCE

    body = ["Căn cứ Luật Hộ tịch ngày 20 tháng 11 năm 2014;"]
    typed = render([("ỦY BAN NHÂN DÂN", True), ("TỈNH QUẢNG NGÃI", True)], "125/QĐ-UBND",
                   "Quảng Ngãi, ngày 15 tháng 3 năm 2024", "QUYẾT ĐỊNH", ["Về việc phê duyệt kế hoạch"], body)
    doc = _through_pipeline(typed)
    understand(doc, form="van_ban")
    f = doc.fields["so_ky_hieu"]
    assert (f.value, f.needs_review) == ("125/QĐ-UBND", True), (f.problems, f.confidence)
    assert f.problems == ["Số văn bản viết tay trên bản quét, đã điền giá trị đọc được (125): cần kiểm tra"]
    assert doc.fields["trich_yeu"].needs_review  # long typed text read by OCR: never vouched

    blank = render([("ỦY BAN NHÂN DÂN", True), ("TỈNH QUẢNG NGÃI", True)], "        /QĐ-UBND",
                   "Quảng Ngãi, ngày 15 tháng 3 năm 2024", "QUYẾT ĐỊNH", ["Về việc phê duyệt kế hoạch"], body)
    x = int(0.23 * blank.shape[1]) - int(_font(12.5).getlength("Số:         /QĐ-UBND")) // 2
    x += int(_font(12.5).getlength("Số: ")) + 10
    y = int(0.6 * DPI) + 2 * int(0.22 * DPI) + int(0.15 * DPI) + 10
    y = max(y, int(0.6 * DPI) + int(0.5 * DPI) + int(0.15 * DPI)) - 15
    doc = _through_pipeline(_hand_digits(blank, "47", x, y))
    understand(doc, form="van_ban")
    f = doc.fields["so_ky_hieu"]
    reasons = [p for p in f.problems if p == LOW_CONFIDENCE or p.startswith(("Số văn bản", "Không đọc được số"))]
    assert f.needs_review and reasons, (f.value, f.problems)


def test_reception_stamp_and_body_kept_out_of_the_subject():
    """A framed "CV ĐẾN" stamp beside the subject, and a body that follows the bold subject with
    no rule between: the subject is its own lines only (production path)."""
    from templates import understand

    image = render([("ỦY BAN NHÂN DÂN", True), ("TỈNH QUẢNG NGÃI", True)], "07/CT-UBND",
                   "Quảng Ngãi, ngày 20 tháng 3 năm 2018", "CHỈ THỊ",
                   ["Về việc tăng cường công tác thi hành án", "hành chính trong năm 2018"],
                   ["     Trong thời gian qua, công tác triển khai thi hành Luật tố tụng",
                    "hành chính đã đạt những kết quả tích cực; tuy nhiên vẫn còn một số"],
                   rule=False, stamp=True)
    doc = _through_pipeline(image)
    understand(doc, form="van_ban")
    assert doc.fields["trich_yeu"].value == ("Về việc tăng cường công tác thi hành án hành chính "
                                             "trong năm 2018")
    assert doc.fields["loai_van_ban"].value == "CHỈ THỊ"


@pytest.mark.parametrize("read, doc_type, value, vouchable", [
    ("04/QĐĐ-BCĐ138", "QUYẾT ĐỊNH", "04/QĐ-BCĐ138", True),  # OCR doubled a letter
    ("04/QD-UBND", "QUYẾT ĐỊNH", "04/QĐ-UBND", True),  # the bar of Đ lost
    ("12/TB-UBND", "QUYẾT ĐỊNH", "12/TB-UBND", False),  # disagrees with the printed type
    ("574/UBND-KTTH", "CÔNG VĂN", "574/UBND-KTTH", True),  # a letter has no type abbreviation
])
def test_number_abbreviation_checked_against_the_type_name(read, doc_type, value, vouchable):
    from templates.van_ban import _agree_with_type

    f = _agree_with_type(Field(value=read, confidence=0.95), doc_type)
    assert (f.value, f.valid and not f.problems) == (value, vouchable)


def test_place_must_be_a_known_place_with_its_marks():
    from templates.addresses import check_place_name

    assert check_place_name("Quảng Ngãi") == check_place_name("Đà Nẵng") == check_place_name("Tư Nghĩa") == []
    assert check_place_name("TP. Hồ Chí Minh") == []
    assert check_place_name("Nẵng") and check_place_name("Quảng Ngải")  # half a name, a wrong mark


def test_coarse_page_is_read_enlarged():
    """A letter published as a 75-dpi image: read from an enlarged copy, boxes on its own grid."""
    import cv2

    from ocr.model import PageImage
    from ocr.pipeline import PageJob, PipelineOptions, process_page
    from templates import understand

    image = render([("ỦY BAN NHÂN DÂN", True), ("THÀNH PHỐ ĐÀ NẴNG", True)], "5710/UBND-VP",
                   "Đà Nẵng, ngày 18 tháng 10 năm 2023", None, ["V/v thực hiện kế hoạch năm 2024"],
                   ["Ủy ban nhân dân thành phố đề nghị các sở, ngành thực hiện kế hoạch."])
    small = cv2.resize(image, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    page = process_page(PageJob("vb.png", 0, PageImage(small, DPI / 4, "vb.png")), PipelineOptions(jobs=1))
    assert all(0 <= w.bbox[0] < w.bbox[2] <= small.shape[1] for w in page.ocr.words)
    doc = Document(stem="vb", source=["vb.png"], pages=[page])
    understand(doc, form="van_ban")
    values = {k: f.value for k, f in doc.fields.items()}
    assert values["so_ky_hieu"] == "5710/UBND-VP" and values["dia_danh"] == "Đà Nẵng"
    assert values["ngay_ban_hanh"] == "18/10/2023"


@pytest.mark.parametrize("read, subject", [
    ("V/v trình HĐND tỉnh tại kỳ họp thứ 3l", "V/v trình HĐND tỉnh tại kỳ họp thứ 31"),
    ("Về việc kế hoạch năm 2O24 của Ban ILO", "Về việc kế hoạch năm 2024 của Ban ILO"),
    # a speck read as a full stop inside the one noun phrase; abbreviations and names keep theirs
    ("V/v góp ý dự thảo Quyết. định sửa đổi", "V/v góp ý dự thảo Quyết định sửa đổi"),
    ("V/v hỗ trợ TP. Hồ Chí Minh, v.v. các tỉnh", "V/v hỗ trợ TP. Hồ Chí Minh, v.v. các tỉnh"),
])
def test_subject_numbers_with_a_lookalike_letter_read_as_digits(read, subject):
    from templates.van_ban import Seg, _subject_text

    words = [Word(text=t, bbox=(100 * i, 0, 100 * i + 90, 30), conf=90) for i, t in enumerate(read.split())]
    assert _subject_text([Seg(words, 1)]) == subject
