"""Template loading (malformed files), recognition, user templates, address check."""
import re
from pathlib import Path

import pytest

from ocr.errors import TemplateError
from ocr.model import Barcode, Field, OcrPage, Word
from templates import finish_fields, load_templates, recognize
from templates.addresses import check_address, find_province
from templates.registry import parse_template

REPO = Path(__file__).resolve().parents[1]


def page_of(lines: list[str], width: int = 2400, conf: float = 92.0) -> OcrPage:
    """An OcrPage with one OCR line per text line, words boxed left to right."""
    words = []
    for n, line in enumerate(lines):
        x, y = 200, 200 + 100 * n
        for token in line.split():
            w = 22 * len(token)
            words.append(Word(token, (x, y, x + w, y + 45), conf, block=n + 1, par=1, line=1))
            x += w + 20
    return OcrPage(width, 3400, words)


# ---------------------------------------------------------------- loading


def test_builtin_templates_load():
    ids = {t.id for t in load_templates()}
    assert {"ct01", "khai_sinh", "cccd", "van_ban"} <= ids
    ct01 = {t.id: t for t in load_templates()}["ct01"]
    assert [f.id for f in ct01.fields] == ["kinh_gui", "ho_ten", "ngay_sinh", "gioi_tinh", "so_dinh_danh",
                                          "so_dien_thoai", "email", "ho_ten_chu_ho", "quan_he_chu_ho",
                                          "so_dinh_danh_chu_ho", "noi_dung_de_nghi"]


def test_bad_yaml_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: X\nmatch: [\"X\"\nfields:\n  - id: a\n", encoding="utf-8")
    with pytest.raises(TemplateError) as err:
        load_templates([tmp_path])
    assert f"{bad}:4: YAML sai cú pháp" in str(err.value)  # the line where the list was left open


@pytest.mark.parametrize("text, line, words", [
    ("name: X\nmatch: [X]\nfields:\n  - {id: a, label: A}\n", 1, "id"),
    ("id: x\nmatch: [X]\nfields:\n  - id: a\n    label: A\n  - id: b\n    label: B\n    type: colour\n", 8, "colour"),
    ("id: x\nmatch: [X]\nfields:\n  - id: a\n    label: A\n  - id: a\n    label: B\n", 6, "Trùng"),
    ("id: x\nmatch: [X]\nfields:\n  - id: a\n", 4, "label"),
    ("id: x\nfields:\n  - {id: a, label: A}\n", 1, "match"),
    ("id: x\nmatch: [X]\nfeilds: []\n", 3, "feilds"),
])
def test_malformed_templates(text, line, words):
    with pytest.raises(TemplateError) as err:
        parse_template(text, "t.yaml")
    msg = str(err.value)
    assert words in msg and f"t.yaml:{line}:" in msg


def test_user_template_dir_adds_a_form(tmp_path):
    (tmp_path / "trich_luc.yaml").write_text((REPO / "bench/forms/trich_luc.yaml").read_text(encoding="utf-8"),
                                             encoding="utf-8")
    ids = {t.id for t in load_templates([tmp_path])}
    assert "trich_luc" in ids
    page = page_of(["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "TỜ KHAI CẤP BẢN SAO TRÍCH LỤC HỘ TỊCH",
                    "Kính gửi: Ủy ban nhân dân xã Tịnh Ấn Tây"])
    assert recognize([page], [], templates_dirs=[tmp_path])[0] == "trich_luc"
    assert recognize([page], [])[0] is None  # unknown without the user directory


def test_missing_template_dir_is_an_error(tmp_path):
    with pytest.raises(TemplateError):
        load_templates([tmp_path / "nope"])


# ---------------------------------------------------------------- recognition

CT01_HEAD = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ",
             "Kính gửi(1): Công an phường Trần Phú", "1. Họ, chữ đệm và tên: Nguyễn Văn An"]


@pytest.mark.parametrize("title, form", [
    ("TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", "ct01"),
    ("TO KHAI THAY DOI THONG TIN CU TRU", "ct01"),  # no diacritics
    ("TỜ KHAI THAY ĐÔI THÔNG TlN CƯ TRU", "ct01"),  # OCR noise
    ("TỜ KHAI ĐĂNG KÝ KHAI SINH", "khai_sinh"),
    ("TO KHAI DANG KY KHAI S1NH", "khai_sinh"),
    ("CĂN CƯỚC CÔNG DÂN", "cccd"),
])
def test_recognise_titles(title, form):
    page = page_of(["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", title, "Kính gửi: ..."])
    got, conf = recognize([page], [])
    assert got == form
    assert 0.8 <= conf <= 1.0


def test_unrelated_vietnamese_page_is_none():
    page = page_of(["THỰC ĐƠN TUẦN 12 - NHÀ ĂN CƠ QUAN", "Thứ hai: cơm, canh chua cá lóc, rau muống xào tỏi.",
                    "Người cần làm tờ khai thay đổi thông tin cư trú xin liên hệ bộ phận một cửa.",
                    "Họ và tên người đặt suất ăn ghi ở bảng tin.", "Ngày, tháng, năm sinh của khách không cần ghi."])
    assert recognize([page], []) == (None, 0.0)
    assert recognize([], []) == (None, 0.0)


def test_letter_is_not_a_form():
    letter = page_of(["ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "TỈNH QUẢNG NGÃI Độc lập - Tự do - Hạnh phúc",
                      "Số: 299/UBND-TTHC Quảng Ngãi, ngày 15 tháng 01 năm 2025",
                      "V/v hướng dẫn tiếp nhận tờ khai thay đổi thông tin cư trú tại bộ phận một cửa",
                      "Kính gửi: Công an tỉnh; Sở Tư pháp"])
    assert recognize([letter], [])[0] == "van_ban"


def test_form_with_header_is_not_a_letter():
    page = page_of(["Mẫu CT01 ban hành kèm theo Thông tư số 66/2023/TT-BCA"] + CT01_HEAD)
    assert recognize([page], [])[0] == "ct01"


def test_labels_without_title_still_recognise():
    page = page_of(["Kính gửi(1): Công an xã Bình Minh", "1. Họ, chữ đệm và tên: Lê Thị Hoa",
                    "2. Ngày, tháng, năm sinh: 01/02/1990 3. Giới tính: Nữ", "4. Số định danh cá nhân: 001190012345",
                    "5. Số điện thoại liên hệ: 0912345678 6. Email: hoa@gmail.com",
                    "7. Họ, chữ đệm và tên chủ hộ: Lê Văn Nam 8. Mối quan hệ với chủ hộ: Con"])
    form, conf = recognize([page], [])
    assert form == "ct01" and conf < 0.95


def test_cccd_from_qr_payload():
    qr = Barcode(page=1, format="QRCode", text="001090012345|123456789|Nguyễn Văn An|05031990|Nam|Thôn 3, Xã Bình Minh, Hà Nội|01022021")
    assert recognize([page_of(["mặt trước"])], [qr]) == ("cccd", 1.0)
    other = Barcode(page=1, format="QRCode", text="000.00.25.H49-240315-0012")
    assert recognize([page_of(["mặt trước"])], [other]) == (None, 0.0)


# ---------------------------------------------------------------- addresses


@pytest.mark.parametrize("address, province", [
    ("Thôn 3, xã Hòa Phú, huyện Chương Mỹ, thành phố Hà Nội", "Thành phố Hà Nội"),
    ("Tổ 5, phường Trần Phú, TP Quảng Ngãi, tỉnh Quảng Ngãi", "Quảng Ngãi"),
    ("Thon 3, xa Quang Phu, tinh Quang Binh", "Quảng Bình"),  # before 2025, no diacritics
    ("Số 10 đường Lê Lợi, Phường Bến Thành, Thành phố Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
    ("xã Đức Lân, Quảng Ngăi", "Quảng Ngãi"),  # OCR slip
])
def test_province_found(address, province):
    assert find_province(address).name == province


def test_unknown_province_is_a_problem_and_value_untouched():
    info, problems = check_address("Thôn 3, xã Hòa Phú, tỉnh Narnia")
    assert info.province is None
    assert problems and "tỉnh/thành phố" in problems[0]
    info, problems = check_address("Phường Bến Thành, Thành phố Hồ Chí Minh")
    assert problems == [] and info.commune == "Phường Bến Thành"


@pytest.mark.parametrize("address, flagged", [
    ("Tổ 28, Xã Triệu Cơ, Quảng Tri", True),  # dot below lost in OCR
    ("Phường Bến Thành, TP Hồ Chí Mính", True),
    ("X. Ea Kao, tỉnh Dak Lak", True),
    ("Xã Triệu Cơ, Quảng Trị", False),
    ("Phường Bến Thành, TP. Hồ Chí Minh", False),
    ("Xã Hoằng Hóa, Thanh Hoá", False),  # the older tone placement is a right spelling too
])
def test_province_with_other_marks_is_flagged_not_rewritten(address, flagged):
    info, problems = check_address(address)
    assert info.province is not None and info.misspelt == flagged
    assert bool(problems) == flagged and (not flagged or "kiểm tra dấu" in problems[0])


@pytest.mark.parametrize("address, commune, flagged, says", [
    ("Số 191 đường Lê Lợi, Xã Ia Lâu, Gia Lai", "Xã Ia Lâu", False, None),
    ("Số 191 đường Lê Lợi, Xã la Lâu, Gia Lai", "Xã Ia Lâu", True, "'la Lâu' khác tên chính thức 'Ia Lâu'"),
    ("Xã Triêu Cơ, Quảng Trị", "Xã Triệu Cơ", True, "'Triêu Cơ'"),  # dot below lost in OCR
    ("Tổ 2, phường Phúc Xá, quận Ba Đình, Hà Nội", "Phường Phúc Xá", False, None),  # before 2025
    ("Tổ 2, phường Phúc Xá, Thành phố Hà Nội", "Phường Phúc Xá", False, None),  # old ward, 2025 city
    ("Thị trấn Chư Sê, Gia Lai", "Thị trấn Chư Sê", False, None),  # the township is a xã since 2025
    ("Xã Hoằng Hoá, Thanh Hóa", "Xã Hoằng Hóa", False, None),  # older tone placement
    ("Thôn 1, xã Narnia, Quảng Ngãi", None, True, "Không nhận ra xã/phường 'Narnia' trong Quảng Ngãi"),
    ("Số 5 Lê Lợi, Quảng Ngãi", None, False, None),  # no commune named: nothing to check
])
def test_commune_checked_against_lists_before_and_after_2025(address, commune, flagged, says):
    info, problems = check_address(address)
    assert info.commune == commune and info.misspelt == flagged
    assert bool(problems) == flagged and (says is None or says in problems[0])


@pytest.mark.parametrize("address, value, valid", [
    ("Số 191 đường Lê Lợi, Xã Ia Lâu, Gia Lai", "Số 191 đường Lê Lợi, Xã Ia Lâu, Gia Lai", True),
    # "I" read as "l" (one glyph in sans faces): the commune list says which
    ("Số 191 đường Lê Lợi, Xã la Lâu, Gia Lai", "Số 191 đường Lê Lợi, Xã Ia Lâu, Gia Lai", True),
    ("Số 191 đường Lê Lợi, Xã la Lau, Gia Lai", "Số 191 đường Lê Lợi, Xã la Lau, Gia Lai", False),  # marks lost too
    ("Thôn 12, Xã Diiê Ya, Đắk Lắk", "Thôn 12, Xã Dliê Ya, Đắk Lắk", True),  # a thin l read as i
    ("Thôn 3, xã Hòa Phú, tỉnh Narnia", "Thôn 3, xã Hòa Phú, tỉnh Narnia", False),
    # marks misread (an italic i's dot as a tilde): the named province has one commune of these letters
    ("Thôn 3, Xã Vĩnh Lộc, Thành phố Huế", "Thôn 3, Xã Vinh Lộc, Thành phố Huế", True),
    ("Thôn 3, Xã Vinh Lộc, Tỉnh Thanh Hóa", "Thôn 3, Xã Vĩnh Lộc, Tỉnh Thanh Hóa", True),
    ("Số 186 đường Quang Trung, Phường Tậy Mõ, Thành phố Hà Nội",
     "Số 186 đường Quang Trung, Phường Tây Mỗ, Thành phố Hà Nội", True),
    # the dash of a name the scan lost: as the list writes it, with or without the province
    ("Thôn 2, Xã Chân Mây Lăng Cô, Thành phố Huế", "Thôn 2, Xã Chân Mây – Lăng Cô, Thành phố Huế", True),
    ("Thôn 2, Xã Chân Mây – Lăng Cô, Thành phố Huế", "Thôn 2, Xã Chân Mây – Lăng Cô, Thành phố Huế", True),
    # an apostrophe of another form than the list's (print, OCR, or the other list's)
    ("Thôn 8, Xã Cư M'gar, Đắk Lắk", "Thôn 8, Xã Cư M’gar, Đắk Lắk", True),
    ("Thôn 8, Xã Cư M“gar, Đắk Lắk", "Thôn 8, Xã Cư M’gar, Đắk Lắk", True),
    ("Tổ 3, Phường B’Lao, Lâm Đồng", "Tổ 3, Phường B'Lao, Lâm Đồng", True),
    # the old list writes the same letters with other marks ("Ea M'DRóh"): the one that reads the same
    ("Thôn 2, Xã Ea M'Droh, Đắk Lắk", "Thôn 2, Xã Ea M’Droh, Đắk Lắk", True),
    # the word a number follows is a unit: a speck under its "ô" makes no other word
    ("Thộn 4, Xã Tân Định, Khánh Hòa", "Thôn 4, Xã Tân Định, Khánh Hòa", True),
    ("THỘN 4, XÃ TÂN ĐỊNH, KHÁNH HÒA", "THÔN 4, XÃ TÂN ĐỊNH, KHÁNH HÒA", True),
    # a unit that lost its capital at the start (an italic T under no word): no other word it is
    ("hôn 4, Xã Tân Định, Khánh Hòa", "Thôn 4, Xã Tân Định, Khánh Hòa", True),
    ("Số 5, hường 3, Quận 1, Thành phố Hồ Chí Minh", "Số 5, Phường 3, Quận 1, Thành phố Hồ Chí Minh", True),
    # the province's marks misread (a grave lost in a sans face): its letters name one province
    ("Tổ 5, Xã Đức Linh, Lâm Đông", "Tổ 5, Xã Đức Linh, Lâm Đồng", True),
    ("Thôn 1, Xã Thanh Hưng, ĐÔNG THÁP", "Thôn 1, Xã Thanh Hưng, ĐỒNG THÁP", True),
    # a unit's words of several syllables with a mark misread: no other words of those letters
    ("Xã Kiến Hải, Thành phó Hải Phòng", "Xã Kiến Hải, Thành phố Hải Phòng", True),
    ("Tổ dân phó 3, Phường Ninh Kiều, Cần Thơ", "Tổ dân phố 3, Phường Ninh Kiều, Cần Thơ", True),
])
def test_address_field_with_a_problem_is_not_vouched_for(address, value, valid):
    template = {t.id: t for t in load_templates()}["khai_sinh"]
    fields = finish_fields(template, {"noi_sinh": Field(value=address, raw=address, confidence=0.95)})
    f = fields["noi_sinh"]
    assert f.value == value and f.raw == address and f.valid == valid and bool(f.problems) == (not valid)


@pytest.mark.parametrize("raw, value, reason", [
    ("Chu", "Chú", True),   # marks from the list, but "Cha" is a letter away: an italic "a" read "u"
    ("Tây", "Tày", False),  # no group a letter away from "tay"
    ("Chú", "Chú", False),  # listed as read: nothing set from the list
])
def test_a_listed_word_given_its_marks_is_sent_to_review_when_another_is_a_letter_away(raw, value, reason):
    template = {t.id: t for t in load_templates()}["khai_sinh"]
    field = "nyc_quan_he" if raw.startswith("Ch") else "dan_toc"
    f = finish_fields(template, {field: Field(value=raw, raw=raw, confidence=0.95)})[field]
    assert f.value == value and f.raw == raw
    assert any("cũng gần" in p for p in f.problems) == reason


@pytest.mark.parametrize("raw, value, reason", [
    ("Lhái", "Thái", True),  # a T read as an L: the one group a letter away, still sent to review
    ("Xyz", "Xyz", False),   # no group near it: as read (the review says it is on no list)
    ("Thái", "Thái", False),
])
def test_ethnic_group_a_letter_off_the_list_is_written_as_listed_and_sent_to_review(raw, value, reason):
    template = {t.id: t for t in load_templates()}["khai_sinh"]
    f = finish_fields(template, {"dan_toc": Field(value=raw, raw=raw, confidence=0.95)})["dan_toc"]
    assert f.value == value and f.raw == raw
    assert any("khác một chữ" in p for p in f.problems) == reason


@pytest.mark.parametrize("raw, value", [("Tây", "Tày"), ("Tầy", "Tày"), ("Họa", "Hoa"), ("Kinh", "Kinh"), ("Xyz", "Xyz")])
def test_ethnic_group_with_misread_marks_is_written_as_the_list_writes_it(raw, value):
    """A closed list settles the marks: "Tây" is no ethnic group, and "Tày" is the only one of
    those letters; a value of no list's letters stays as read (and is flagged by the review)."""
    template = {t.id: t for t in load_templates()}["khai_sinh"]
    fields = finish_fields(template, {"dan_toc": Field(value=raw, raw=raw, confidence=0.95)})
    assert fields["dan_toc"].value == value and fields["dan_toc"].raw == raw


@pytest.mark.parametrize("read, other, value, settled", [
    ("27/09/1960", "BI", "21/09/1960", False),   # the page pass read a "1" as "7": the digits win, flagged
    ("21/09/1960", "2I", "21/09/1960", True),    # a doubt the digits-only reading repeats away
])
def test_a_doubted_number_is_read_again_as_digits_alone(read, other, value, settled):
    """A date the page pass doubted (a second reading disagreed) is read again from the page image
    as digits alone, dot leaders erased: where that reading repeats it, the doubt is settled and
    the value vouched for; where it reads another valid date, that one is taken and flagged."""
    import cv2
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from ocr.model import Document, OcrPage, ProcessedPage, Word
    from templates import REREAD, _settle_by_digits_alone
    from templates.review import PageImages

    image = Image.new("L", (1400, 160), 235)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf", 46)
    draw.text((100, 50), "21 ......./ 09 ......./ 1960", font=font, fill=20)
    box = tuple(int(v) for v in draw.textbbox((100, 50), "21 ......./ 09 ......./ 1960", font=font))
    ok, png = cv2.imencode(".png", np.asarray(image))
    words = [Word(t, (box[0] + 250 * k, box[1], box[0] + 250 * k + 120, box[3]), 90.0, other=other if k == 0 else None)
             for k, t in enumerate(read.split("/"))]
    page = ProcessedPage(source="t", source_index=0, width=1400, height=160, dpi=300, image=png.tobytes(),
                         image_format="png", ocr=OcrPage(1400, 160, words))
    images = PageImages(Document(stem="t", source=["t"], pages=[page]))
    f = Field(value=read, raw=read, confidence=0.9, page=1, bbox=box)
    _settle_by_digits_alone(f, "date", images)
    assert f.value == value and f.valid
    assert (f.problems == []) == settled and (REREAD in f.problems) == (not settled)
    assert all(w.other is None for w in page.ocr.words) == settled


def test_digits_read_alone_that_lost_a_one_do_not_replace_the_page_pass():
    """Read alone with its leader erased, a thin italic 1 after a slash can be lost ("25/2/1982" for
    "25/12/1982"); where the digits-only reading is the page pass's less a 1, the page pass's value
    stays (still doubted), where it differs otherwise it is taken."""
    import cv2
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from ocr.model import Document, OcrPage, ProcessedPage, Word
    from templates import REREAD, _lost_a_one, _settle_by_digits_alone
    from templates.review import PageImages

    assert _lost_a_one("25/2/1982", "25/12/1982") and not _lost_a_one("25/02/1982", "25/12/1982")
    assert not _lost_a_one("21/09/1960", "27/09/1960")
    image = Image.new("L", (1400, 160), 235)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf", 46)
    draw.text((100, 50), "25 ......./ 2 ......./ 1982", font=font, fill=20)  # the page's ink lacks the 1
    box = tuple(int(v) for v in draw.textbbox((100, 50), "25 ......./ 2 ......./ 1982", font=font))
    ok, png = cv2.imencode(".png", np.asarray(image))
    words = [Word(t, (box[0] + 250 * k, box[1], box[0] + 250 * k + 120, box[3]), 90.0, other="x" if k == 1 else None)
             for k, t in enumerate(("25", "12", "1982"))]
    page = ProcessedPage(source="t", source_index=0, width=1400, height=160, dpi=300, image=png.tobytes(),
                         image_format="png", ocr=OcrPage(1400, 160, words))
    f = Field(value="25/12/1982", raw="25 12 1982", confidence=0.9, page=1, bbox=box)
    _settle_by_digits_alone(f, "date", PageImages(Document(stem="t", source=["t"], pages=[page])))
    assert f.value == "25/12/1982" and REREAD not in f.problems


@pytest.mark.parametrize("printed, read", [
    ("11-09-1966", "77/09/7966"),                       # dashes, not slashes
    ("11.09.1966", "71.09.7966"),
])
def test_a_garbled_date_is_read_again_as_digits_whatever_its_signs(printed, read):
    """A date typed with dashes or dots is read again as digits alone all the same (read with
    digits and slashes only, its signs were lost: "11091966")."""
    import cv2
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from ocr.model import Document, OcrPage, ProcessedPage, Word
    from templates import REREAD, _settle_by_digits_alone
    from templates.review import PageImages

    image = Image.new("L", (1400, 160), 235)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf", 46)
    draw.text((100, 50), printed, font=font, fill=20)
    box = tuple(int(v) for v in draw.textbbox((100, 50), printed, font=font))
    ok, png = cv2.imencode(".png", np.asarray(image))
    words = [Word(read, box, 40.0)]
    page = ProcessedPage(source="t", source_index=0, width=1400, height=160, dpi=300, image=png.tobytes(),
                         image_format="png", ocr=OcrPage(1400, 160, words))
    f = Field(value=read, raw=read, confidence=0.4, page=1, bbox=box, valid=False)
    _settle_by_digits_alone(f, "date", PageImages(Document(stem="t", source=["t"], pages=[page])))
    assert f.value == "/".join(re.findall(r"\d+", printed)) and REREAD in f.problems


def test_a_date_in_the_forms_three_slots_is_read_slot_by_slot():
    """"22 ……/ 11 ……/ 1999": read whole, the wide gaps lose the slashes ("22 11999"); slot by slot
    the three numbers come apart, and a printed slash read as a "1" before a slot is dropped."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from templates import _DIGITS_ALONE, _date_in_pieces

    image = Image.new("L", (1100, 120), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf", 46)
    for x, text in ((40, "22"), (330, "/ 11"), (690, "/ 1999")):
        draw.text((x, 30), text, font=font, fill=20)
    assert _date_in_pieces(np.asarray(image), _DIGITS_ALONE["date"][0])[0] == "22/11/1999"
    assert _date_in_pieces(np.asarray(image)[:, :600], _DIGITS_ALONE["date"][0]) == ("", 0.0)  # two slots


def test_an_email_read_with_look_alike_glyphs_takes_the_applicants_name_and_is_sent_to_review():
    template = {t.id: t for t in load_templates()}["ct01"]
    read = {"ho_ten": Field(value="Lý Minh Hải", raw="Lý Minh Hải", confidence=0.95),
            "email": Field(value="iy.minh.hais9@yahoo.com", raw="iy.minh.hais9@yahoo.com", confidence=0.95)}
    fields = finish_fields(template, read)
    assert fields["email"].value == "ly.minh.hai89@yahoo.com" and not fields["email"].valid
    assert any("iy.minh.hais9@yahoo.com" in p for p in fields["email"].problems)
    other = finish_fields(template, {"ho_ten": Field(value="Trần Văn An", raw="Trần Văn An", confidence=0.95),
                                     "email": Field(value="iy.minh.hais9@yahoo.com", raw="x", confidence=0.95)})
    assert other["email"].value == "iy.minh.hais9@yahoo.com" and not other["email"].problems
