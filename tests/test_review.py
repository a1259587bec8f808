"""The review flag (templates/review.py): a generated colour form page through the production page
job (cleanup, real Tesseract) and `understand`; the tool vouches for a clean typed value and sends
a handwritten number, a value holding printed instruction words, a low-confidence value and a
failed cross-check to review, each with its reason."""
import random

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.model import Document, Field, PageImage
from ocr.pipeline import PageJob, PipelineOptions, process_page
from templates import review as rv
from templates import understand
from templates.registry import parse_template

FONTS = "/usr/share/fonts/truetype/dejavu/"
TEMPLATE = """
id: thu_kiem_tra
name: Tờ khai thử kiểm tra
match: ["TỜ KHAI THỬ KIỂM TRA"]
fields:
  - {id: ho_ten, label: "Họ, chữ đệm, tên", type: name}
  - {id: so_giay_to, label: "Số giấy tờ"}
  - {id: noi_o, label: "Chỗ ở hiện nay"}
  - {id: ghi_chu, label: "Ghi chú thêm"}
  - {id: ngay_sinh_con, label: "Ngày sinh của con", type: date}
  - {id: nam_sinh_me, label: "Năm sinh của mẹ", type: year, older_than: ngay_sinh_con}
  - {id: dan_toc, label: "Dân tộc", check: dan_toc}
"""


def _handwritten(draw: ImageDraw.ImageDraw, x: int, y: int, text: str, rng: random.Random) -> None:
    """Digits written with a blue pen: slanted, each a little off the line and of its own size."""
    for ch in text:
        size = rng.randint(62, 74)
        font = ImageFont.truetype(FONTS + "DejaVuSans-Oblique.ttf", size)
        draw.text((x, y + rng.randint(-8, 8)), ch, font=font, fill=(35, 60, 190))
        x += int(font.getlength(ch)) + rng.randint(2, 10)


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    rng = random.Random(7)
    page = Image.new("RGB", (2480, 1800), "white")
    d = ImageDraw.Draw(page)
    label = ImageFont.truetype(FONTS + "DejaVuSerif.ttf", 50)
    value = ImageFont.truetype(FONTS + "DejaVuSans.ttf", 50)
    d.text((700, 100), "TỜ KHAI THỬ KIỂM TRA", font=ImageFont.truetype(FONTS + "DejaVuSerif-Bold.ttf", 56), fill="black")
    rows = [("Họ, chữ đệm, tên:", "Nguyễn Văn An"), ("Số giấy tờ:", None),
            ("Chỗ ở hiện nay:", "Đăng ký khai sinh cho người dưới đây"), ("Ghi chú thêm:", None),
            ("Ngày sinh của con:", "05/03/2020"), ("Năm sinh của mẹ:", "2024"), ("Dân tộc:", "Kinh")]
    for k, (lab, val) in enumerate(rows):
        y = 300 + 180 * k
        d.text((150, y), lab, font=label, fill="black")
        x = 150 + int(label.getlength(lab + " "))
        if val:
            d.text((x, y), val, font=value, fill="black")
        elif lab.startswith("Số"):
            _handwritten(d, x, y - 10, "647", rng)
        else:  # a faint, smudged word: read, but unsure
            faint = Image.new("L", (700, 90), 255)
            ImageDraw.Draw(faint).text((0, 10), "Mười bảy", font=ImageFont.truetype(FONTS + "DejaVuSans.ttf", 40), fill=130)
            arr = np.asarray(faint).astype(np.int16) + np.random.default_rng(3).normal(0, 50, (90, 700)).astype(np.int16)
            page.paste(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).convert("RGB"), (x, y))
    yaml_dir = tmp_path_factory.mktemp("forms")
    (yaml_dir / "thu.yaml").write_text(TEMPLATE, encoding="utf-8")
    bgr = np.asarray(page)[:, :, ::-1].copy()
    processed = process_page(PageJob("scan", 0, PageImage(bgr, 300, "scan")), PipelineOptions(jobs=1))
    doc = Document(stem="t", source=["scan"], pages=[processed])
    understand(doc, templates_dirs=[yaml_dir])
    assert doc.form == "thu_kiem_tra"
    return doc.fields


def test_clean_typed_values_are_vouched_for(reviewed):
    from exports.result_json import field_to_dict

    for fid, want in (("ho_ten", "Nguyễn Văn An"), ("dan_toc", "Kinh"), ("ngay_sinh_con", "05/03/2020")):
        f = reviewed[fid]
        assert (f.value, f.needs_review, f.problems) == (want, False, []), fid
    assert field_to_dict(reviewed["ho_ten"])["needs_review"] is False
    assert field_to_dict(reviewed["so_giay_to"])["needs_review"] is True


def test_handwritten_number_is_sent_to_review(reviewed):
    f = reviewed["so_giay_to"]
    assert f.needs_review and rv.HANDWRITTEN in f.problems


def test_value_holding_instruction_words_is_sent_to_review(reviewed):
    f = reviewed["noi_o"]
    assert f.needs_review and rv.LABEL_WORDS.format("dưới đây") in f.problems


def test_low_confidence_value_is_sent_to_review(reviewed):
    f = reviewed["ghi_chu"]
    assert f.value is not None and f.needs_review and rv.LOW_CONFIDENCE in f.problems, (f.value, f.confidence)


def test_failed_cross_check_is_sent_to_review(reviewed):
    f = reviewed["nam_sinh_me"]
    assert f.value == "2024" and f.valid
    assert f.needs_review and rv.PARENT_YEAR.format(2024, "05/03/2020") in f.problems


@pytest.mark.parametrize("year, young", [("2007", True), ("2003", False), ("1990", False)])
def test_a_parent_under_the_marriage_age_at_the_birth_is_sent_to_review(year, young):
    """"2001" read "2007" (an italic 1 as a 7) made a mother of 17: such a year is checked."""
    tpl = _template('{id: ngay_sinh, label: "Ngày sinh", type: date}',
                    '{id: me_nam_sinh, label: "Năm sinh của mẹ", type: year, older_than: ngay_sinh}')
    fields = _fields(ngay_sinh="02/07/2024", me_nam_sinh=year)
    fields["ngay_sinh"].valid = False  # the child's day unsure: its year still counts
    rv.review_fields(tpl, fields)
    assert (rv.PARENT_YOUNG.format(year, rv.PARENT_MIN_AGE, "02/07/2024") in fields["me_nam_sinh"].problems) == young
    assert fields["me_nam_sinh"].needs_review == young


def _template(*fields: str):
    """A one-page form "t" of the given field lines (YAML flow mappings)."""
    return parse_template('id: t\nmatch: ["T"]\nfields:\n' + "".join(f"  - {f}\n" for f in fields))


def _fields(**values) -> dict[str, Field]:
    return {k: Field(value=v, raw=v, confidence=0.95, page=None) for k, v in values.items()}


def test_closed_lists_syllables_and_near_copies():
    tpl = _template('{id: ho_ten, label: "Họ tên người yêu cầu", type: name}',
                    '{id: me_ho_ten, label: "Họ tên người mẹ", type: name}',
                    '{id: dan_toc, label: "Dân tộc", check: dan_toc}',
                    '{id: quoc_tich, label: "Quốc tịch", check: quoc_tich}',
                    '{id: ghi_chu, label: "Ghi chú"}',
                    '{id: kinh_gui, label: "Kính gửi", check: co_quan}',
                    '{id: tail, label: "Phần cuối"}')
    fields = _fields(ho_ten="Lê Thị Quỳnh", me_ho_ten="LÊ THỊ QUÝNH", dan_toc="Thải", quoc_tich="Việt Nam",
                     ghi_chu="5) Tổ dân phố 12", kinh_gui="Ủy ban nhân dân xã la Lâu", tail="người yêu cầu")
    rv.review_fields(tpl, fields)
    assert fields["kinh_gui"].problems == ["Không nhận ra xã/phường 'la Lâu' trong danh mục (kiểm tra chữ và dấu)"]
    assert rv.NOT_IN_LIST.format("Thải", "54 dân tộc") in fields["dan_toc"].problems
    assert not fields["quoc_tich"].needs_review
    assert any(p.startswith("Cùng chữ nhưng khác dấu") for p in fields["ho_ten"].problems)
    assert rv.FOOTNOTE.format("5)") in fields["ghi_chu"].problems
    assert rv.LABEL_WORDS.format("Họ tên người yêu cầu") in fields["tail"].problems  # a piece of a label
    fields = _fields(ho_ten="LÊ THỊ QƯỲNH", me_ho_ten="Xyz Văn Tư", dan_toc="Ê Đê", quoc_tich="Lào",
                     kinh_gui="Ủy ban nhân dân xã Ia Lâu")
    rv.review_fields(tpl, fields)
    assert rv.BAD_SYLLABLE.format("QƯỲNH") in fields["ho_ten"].problems
    assert rv.UNKNOWN_SURNAME.format("Xyz") in fields["me_ho_ten"].problems
    assert not any(fields[k].needs_review for k in ("dan_toc", "quoc_tich", "kinh_gui"))
    assert all(f.needs_review for f in _reviewed_missing(tpl).values())


def test_a_speck_after_a_unit_word_or_an_unknown_commune_in_free_text_is_sent_to_review():
    """"Xã. Pắc Ta": an administrative unit is always followed by its name, never by a mark; the
    OCR read a speck of dust there, and the value must not look checked. A commune named inside
    free text (a place of birth, a request) is looked up as an authority's is, and so is the
    province or district that ends it (a value cut at a line's end names none)."""
    tpl = _template('{id: noi_dung, label: "Nội dung đề nghị"}')
    speck = _fields(noi_dung="Đăng ký tạm trú tại Số 126 đường Phan Đình Phùng, Xã. Pắc Ta, Lai Châu")
    rv.review_fields(tpl, speck)
    assert speck["noi_dung"].needs_review and rv.STRAY_MARK.format("Xã") in speck["noi_dung"].problems
    for text, unit in (("Số 170 đường Nguyễn Huệ, Xã A Lưới 5, Thành phố. Huế", "Thành phố"),
                       ("Thôn,5, Xã Đoài Phương, Thành phố Hà Nội", "Thôn"),
                       ("Đăng ký thường trú tại Tổ. 20, Xã Trung Ngãi, Vĩnh Long", "Tổ")):
        speck = _fields(noi_dung=text)
        rv.review_fields(tpl, speck)
        assert rv.STRAY_MARK.format(unit) in speck["noi_dung"].problems, text
    doubled = _fields(noi_dung="Xác nhận thông tin về cư trú tại Thôn 8, Xã Hóc Môn,. Thành phố Hồ Chí Minh")
    rv.review_fields(tpl, doubled)
    assert rv.DOUBLED_MARK.format(",.") in doubled["noi_dung"].problems
    italic_seven = _fields(noi_dung="Số Z5 đường Trần Hưng Đạo, Phường Cẩm Thành, Quảng Ngãi")
    rv.review_fields(tpl, italic_seven)
    assert rv.MIXED_DIGITS.format("Z5") in italic_seven["noi_dung"].problems
    unknown = _fields(noi_dung="Bệnh viện Đa khoa Xã Pắc Tà, Lai Châu")  # a commune in free text: checked too
    rv.review_fields(tpl, unknown)
    assert "Không nhận ra xã/phường 'Pắc Tà' trong danh mục (kiểm tra chữ và dấu)" in unknown["noi_dung"].problems
    cut = _fields(noi_dung="Đăng ký tạm trú tại Thôn 12, Xã Thạnh Xuân, Thành phố Cần")  # the line's end lost
    rv.review_fields(tpl, cut)
    assert cut["noi_dung"].needs_review and any("'Thành phố Cần'" in p for p in cut["noi_dung"].problems)
    for clean in ("Đăng ký tạm trú tại Số 126 đường Phan Đình Phùng, Xã Pắc Ta, Lai Châu",
                  "Đăng ký tạm trú tại Thôn 12, Xã Thạnh Xuân, Thành phố Cần Thơ",
                  "Gửi UBND tỉnh, Sở Tư pháp và các quận, huyện; Cộng hòa xã hội chủ nghĩa Việt Nam"):
        fields = _fields(noi_dung=clean)
        rv.review_fields(tpl, fields)
        assert not fields["noi_dung"].needs_review, fields["noi_dung"].problems


def test_a_name_of_one_word_and_a_number_without_its_kind_are_sent_to_review():
    """"PHẠM" for "PHẠM THU NHUNG" (the line's rest lost) and "số 0861…" for "CCCD số 0861…" (the
    kind of paper lost) look like values but are pieces of them."""
    tpl = _template('{id: ho_ten, label: "Họ tên người mẹ", type: name}',
                    '{id: giay_to, label: "Giấy tờ tùy thân"}')
    cut = _fields(ho_ten="PHẠM", giay_to="số 086196645809")
    rv.review_fields(tpl, cut)
    assert rv.ONE_WORD_NAME.format("PHẠM") in cut["ho_ten"].problems and cut["ho_ten"].needs_review
    assert rv.BARE_NUMBER in cut["giay_to"].problems and cut["giay_to"].needs_review
    whole = _fields(ho_ten="PHẠM THU NHUNG", giay_to="CCCD số 086196645809")
    rv.review_fields(tpl, whole)
    assert not any(f.needs_review for f in whole.values()), [f.problems for f in whole.values()]


def _reviewed_missing(tpl):
    fields = {s.id: Field() for s in tpl.fields}
    rv.review_fields(tpl, fields)
    assert all(rv.MISSING in f.problems for f in fields.values())
    return fields


def test_report_and_app_use_the_one_flag(reviewed):
    from scanner_app.batch.report import check_fields
    from scanner_app.gui.widgets import field_status

    listed = check_fields(Document(stem="t", source=["scan"], fields=reviewed))
    assert {line.split(":")[0] for line in listed} == {fid for fid, f in reviewed.items() if f.needs_review}
    assert "ho_ten" not in {line.split(":")[0] for line in listed}
    sure_but_doubted = {"value": "Kinh", "valid": True, "confidence": 0.99, "needs_review": True}
    unsure_but_vouched = {"value": "Kinh", "valid": True, "confidence": 0.5, "needs_review": False}
    assert (field_status(sure_but_doubted), field_status(unsure_but_vouched)) == ("doubt", "ok")


@pytest.mark.parametrize("printed, value", [("Vinh", "Nguyễn Văn Vinh"), ("Vĩnh", "Nguyễn Văn Vĩnh")])
def test_a_tilde_read_where_the_ink_shows_an_i_dot_is_written_as_a_plain_i(printed, value):
    """The engine reads an italic "Vinh" as "Vĩnh" at 97 with no "i" offered; the ink tells: the
    mark above is a round dot, where a tilde is twice as wide as it is tall. A printed "Vĩnh" stays."""
    import cv2

    from ocr.model import OcrPage, ProcessedPage, Word

    image = Image.new("L", (1200, 160), 235)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONTS + "DejaVuSerif-Italic.ttf", 48)
    draw.text((100, 40), f"Nguyễn Văn {printed}", font=font, fill=20)
    x = 100 + draw.textlength("Nguyễn Văn ", font=font)
    box = tuple(int(v) for v in draw.textbbox((x, 40), printed, font=font))
    ok, png = cv2.imencode(".png", np.asarray(image))
    words = [Word("Nguyễn", (100, 40, 260, 100), 96.0), Word("Văn", (270, 40, 360, 100), 96.0),
             Word("Vĩnh", box, 97.0)]  # what the engine read, nothing else offered
    page = ProcessedPage(source="t", source_index=0, width=1200, height=160, dpi=300, image=png.tobytes(),
                         image_format="png", ocr=OcrPage(1200, 160, words))
    f = Field(value="Nguyễn Văn Vĩnh", raw="Nguyễn Văn Vĩnh", confidence=0.96, page=1, bbox=(100, 40, box[2], 100))
    rv.plain_i_in_name(f, rv.PageImages(Document(stem="t", source=["t"], pages=[page])))
    assert f.value == value and (rv.MARKED_I.format("Vinh") in f.problems) == (printed == "Vinh")


def test_an_address_that_starts_with_a_bare_number_is_sent_to_review():
    """"Tổ 4, Xã Phù Yên" read "74, Xã Phù Yên": the unit's word became a digit; an address names
    its unit before the number, so a number alone before the first comma is not vouched for."""
    tpl = _template('{id: dia_chi, label: "Nơi cư trú", check: address}')
    for value, flagged in (("74, Xã Phù Yên, Sơn La", True), ("Tổ 4, Xã Phù Yên, Sơn La", False)):
        fields = _fields(dia_chi=value)
        rv.review_fields(tpl, fields)
        assert (rv.UNNAMED_NUMBER.format(value.split(",")[0]) in fields["dia_chi"].problems) == flagged


@pytest.mark.parametrize("kept, other, flagged", [
    ("Nam", "Nưm", False),          # the other reading is no syllable of Vietnamese text
    ("Kim Giang", "Kửn Giang", False),
    ("Việt Nam", "Việt Mưm", False),
    ("Tổ 11", "Tổ II", True),        # a Roman number is a word of laws ("Chương II")
    ("Nhung", "Nhưng", True),        # two real words: the engine cannot tell
    ("Vinh", "Vĩnh", True),
    ("Tổ 18", "Tổ 16", True),        # two numbers
    ("CCCD số 014096966 145", "CCCD số014096966145", True),  # a space read in a number
    ("Nưm", "Nam", True),            # the one kept is no word
    ("Thôn 8", "Thôn", True),        # the other lost a word
])
def test_a_value_two_readings_disagree_on_is_sent_to_review(kept, other, flagged):
    """A second reading of italic print (`ocr.engine.reread_italics`) that read the value otherwise
    leaves it unsure — unless what it offered is no word where the kept reading has words."""
    from ocr.model import OcrPage, ProcessedPage, Word

    tpl = _template('{id: gia_tri, label: "Giá trị"}')
    words = [Word(t, (100 + 200 * k, 40, 280 + 200 * k, 100), 95.0, other=other) for k, t in enumerate(kept.split())]
    page = ProcessedPage(source="t", source_index=0, width=2400, height=160, dpi=300, image=b"",
                         image_format="png", ocr=OcrPage(2400, 160, words))
    fields = {"gia_tri": Field(value=kept, raw=kept, confidence=0.95, page=1, bbox=(100, 40, 2300, 100))}
    rv.review_fields(tpl, fields, Document(stem="t", source=["t"], pages=[page]))
    assert any(p.startswith("Hai lần đọc") for p in fields["gia_tri"].problems) == flagged
    assert "014096966" not in " ".join(fields["gia_tri"].problems)  # an ID never whole in a message


@pytest.mark.parametrize("read, value, flagged", [
    ("CCCD số 01 1072287869", "CCCD số 011072287869", False),   # a space the reading put in a number
    ("CCCD số 00418434146", "CCCD số 00418434146", True),       # a digit lost: 11 digits
    ("CMND số 123456789 cấp ngày 12/03/2010", "CMND số 123456789 cấp ngày 12/03/2010", False),
    ("CMND số 123456789 12/03/2010", "CMND số 123456789 12/03/2010", False),  # a date after it
])
def test_an_identity_card_number_is_one_piece_of_nine_or_twelve_digits(read, value, flagged):
    from templates.normalize import normalize

    tpl = _template('{id: giay_to, label: "Giấy tờ tùy thân"}')
    text, _valid, _problems = normalize("text", read)
    fields = _fields(giay_to=text)
    rv.review_fields(tpl, fields)
    assert text == value
    assert (rv.CARD_LENGTH.format(11) in fields["giay_to"].problems) == flagged
    assert fields["giay_to"].needs_review == flagged


@pytest.mark.parametrize("value, reason", [
    ("Tổ I, Phường Hoà Thành, Tây Ninh", rv.STROKE_NUMBER.format("Tổ I")),  # a "1" or an "I"?
    ("Thôn II, Xã Tùng Vài, Tuyên Quang", rv.STROKE_NUMBER.format("Thôn II")),
    ("Tổ ], Xã Khánh Thiện, Ninh Bình", rv.STROKE_NUMBER.format("Tổ ]")),  # an italic 1's serif as a bracket
    ("Công an xã", rv.NAMELESS_UNIT.format("xã")),  # the commune's name lost to the leader dots
    ("Ủy ban nhân dân cấp xã", None),  # a level, no unit
    ("Tổ 1, Phường Hoà Thành, Tây Ninh", None),
    ("VIỆt Nam", rv.ODD_CASE.format("VIỆt")),  # no Vietnamese word mixes cases so
    ("Thôn 3, Xã Ea M’Droh, Đắk Lắk", None),  # an official name that does
    ("Trạm Y tế. Xã Hải Thịnh, Ninh Bình", rv.STRAY_MARK.format("tế")),  # a speck read as a full stop
    ("Số 12 đường 3 Tháng 2, TP. Hồ Chí Minh", None),  # an abbreviation's stop
    ("Số 05 đường Quang Trung, Xã Song Lộc", rv.NOUGHT_FIRST.format("Số 05")),  # "Số 105": a 1 lost
    ("CCCD số 012345678901", None),  # a card's number starts with a nought
])
def test_a_number_read_as_strokes_a_word_of_mixed_case_or_a_stop_inside_is_sent_to_review(value, reason):
    tpl = _template('{id: gia_tri, label: "Giá trị"}')
    fields = _fields(gia_tri=value)
    rv.review_fields(tpl, fields)
    assert (reason in fields["gia_tri"].problems) if reason else not fields["gia_tri"].needs_review


def test_a_relationship_is_one_of_the_kinship_words():
    """"Chạ" for "Cha": a speck under the "a"; the closed list has one word of those letters."""
    tpl = _template('{id: quan_he, label: "Quan hệ với chủ hộ", check: quan_he}')
    assert rv.spelt_as_listed("quan_he", "Chạ") == "Cha"
    assert rv.spelt_as_listed("quan_he", "Bả") == "Bả"  # "Bà" or "Ba": left for the officer
    for value, flagged in (("Con", False), ("Cháu ruột", False), ("Chạ", True), ("Cong", True)):
        fields = _fields(quan_he=value)
        rv.review_fields(tpl, fields)
        assert fields["quan_he"].needs_review == flagged, value


@pytest.mark.parametrize("kept, other, value", [
    ("Nợ", "Vợ", "Vợ"),          # the second reading gives the listed word
    ("Nợ", "Nơ", None),          # neither is listed: left for the officer
    ("Con", "Cọn", None),        # the kept one is listed already
])
def test_a_closed_list_value_takes_the_second_reading_that_is_listed(kept, other, value):
    from ocr.model import OcrPage, ProcessedPage, Word

    words = [Word(kept, (100, 40, 280, 100), 90.0, other=other)]
    page = ProcessedPage(source="t", source_index=0, width=600, height=160, dpi=300, image=b"",
                         image_format="png", ocr=OcrPage(600, 160, words))
    f = Field(value=kept, raw=kept, confidence=0.9, page=1, bbox=(90, 30, 500, 110))
    images = rv.PageImages(Document(stem="t", source=["t"], pages=[page]))
    assert rv.listed_by_other_reading("quan_he", f, images) == value


@pytest.mark.parametrize("check, value, flagged", [
    ("co_quan", "dân Xã Đại Lai", True),  # "Ủy ban nhân" of "Ủy ban nhân dân Xã Đại Lai" lost
    ("co_quan", "Ủy ban nhân dân Xã Đại Lai", False),
    ("address", "đường Phan Đình Phùng, Xã Đại Lai, Bắc Ninh", True),  # "Số 41" lost
    ("address", "Số 41 đường Phan Đình Phùng, Xã Đại Lai, Bắc Ninh", False),
])
def test_an_agency_or_address_that_starts_with_a_small_letter_is_sent_to_review(check, value, flagged):
    tpl = _template(f'{{id: gia_tri, label: "Giá trị", check: {check}}}')
    fields = _fields(gia_tri=value)
    rv.review_fields(tpl, fields)
    assert (rv.SMALL_START.format(value.split()[0]) in fields["gia_tri"].problems) == flagged
    assert fields["gia_tri"].needs_review == flagged


def test_a_word_of_free_text_that_is_no_vietnamese_syllable_nor_a_known_name_is_sent_to_review():
    """"Qông an xã" for "Công an xã": the C's opening closed by a speck. Capitals (abbreviations),
    names of the lists ("Đắk Lắk", "Ea Hiao") and listed values ("Khmer") stay vouched for."""
    tpl = _template('{id: kinh_gui, label: "Kính gửi", check: co_quan}', '{id: noi_o, label: "Nơi ở"}',
                    '{id: dan_toc, label: "Dân tộc", check: dan_toc}')
    bad = _fields(kinh_gui="Qông an xã Điện Bàn Tây", noi_o="Thôn 10, Xã Ea Wy, Đắk Lắk", dan_toc="Khmer")
    rv.review_fields(tpl, bad)
    assert rv.BAD_SYLLABLE.format("Qông") in bad["kinh_gui"].problems and bad["kinh_gui"].needs_review
    assert not any(p.startswith("Có chữ không phải") for f in ("noi_o", "dan_toc") for p in bad[f].problems)
    good = _fields(kinh_gui="Công an xã Điện Bàn Tây")
    rv.review_fields(tpl, good)
    assert not good["kinh_gui"].problems


def test_a_lone_quote_mark_or_a_misread_special_zone_is_sent_to_review():
    tpl = _template('{id: noi_o, label: "Nơi ở"}', '{id: noi_sinh, label: "Nơi sinh"}')
    bad = _fields(noi_o="Số “146 đường Phan Đình Phùng, Xã Hà Linh, Hà Tĩnh",
                  noi_sinh="Bệnh viện Đa khoa Đặc khu Cồn Có, Quảng Trị")
    rv.review_fields(tpl, bad)
    assert rv.STRAY_QUOTE.format("“") in bad["noi_o"].problems
    stop = _fields(noi_o="Tổ 11. Xã Cư Yang, Đắk Lắk")  # a comma read as a full stop
    rv.review_fields(tpl, stop)
    assert rv.STRAY_MARK.format("11") in stop["noi_o"].problems
    assert any("'Cồn Có'" in p for p in bad["noi_sinh"].problems)
    good = _fields(noi_o="Công ty “Hoa Sen”, Xã Hà Linh, Hà Tĩnh", noi_sinh="Bệnh viện Đa khoa Đặc khu Cồn Cỏ, Quảng Trị")
    rv.review_fields(tpl, good)
    assert not good["noi_o"].problems and not good["noi_sinh"].problems
