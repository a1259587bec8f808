"""Label-anchored extraction: hand-built OCR pages (noise, lost diacritics, split labels) and
one end-to-end CT01 page through real Tesseract."""
import random
import sys

import numpy as np
import pytest

from ocr.model import Document, OcrPage, ProcessedPage, Word
from templates import understand
from templates.extract import label_key, salvage


def build_page(lines, width=2400):
    """lines: list of rows; a row is a list of (x, text) chunks, each chunk split into words."""
    words = []
    for n, row in enumerate(lines):
        y = 200 + 100 * n
        for x, chunk in row:
            for token in chunk.split():
                w = 22 * len(token)
                words.append(Word(token, (x, y, x + w, y + 45), 90.0, block=n + 1, par=1, line=1))
                x += w + 18
    return OcrPage(width, 3400, words)


def doc_of(*pages):
    return Document(stem="t", source=["t"], pages=[
        ProcessedPage(source="t", source_index=i, width=p.width, height=p.height, dpi=300, image=b"",
                      image_format="png", ocr=p) for i, p in enumerate(pages)])


CT01 = [
    [(700, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")],
    [(600, "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ")],
    [(200, "Kính gửi(1): Công an phường Trần Phú, tỉnh Quảng Ngãi")],
    [(200, "1. Họ, chữ đệm và tên: NGUYỄN VĂN AN")],
    [(200, "2. Ngày, tháng, năm sinh: 05/03/1990"), (1500, "3. Giới tính: Nam")],
    [(200, "4. Số định danh cá nhân: 051090012345")],
    [(200, "5. Số điện thoại liên hệ: 0912 345 678"), (1400, "6. Email: an.nguyen@gmail.com")],
    [(200, "7. Họ, chữ đệm và tên chủ hộ: Nguyễn Văn Bình")],
    [(200, "8. Mối quan hệ với chủ hộ: Con")],
    [(200, "9. Số định danh cá nhân của chủ hộ:")],
    [(200, "10. Nội dung đề nghị(2): Đăng ký thường trú tại số 12 đường Lê Lợi, phường Trần Phú, thành")],
    [(200, "phố Quảng Ngãi, tỉnh Quảng Ngãi")],
    [(200, "11. Những thành viên trong hộ gia đình cùng thay đổi:")],
    [(200, "TT"), (330, "Họ, chữ đệm và tên"), (900, "Ngày, tháng, năm sinh"), (1420, "Giới tính"),
     (1680, "Số định danh cá nhân"), (2230, "Mối quan hệ")],
    [(200, "1"), (330, "Nguyễn Thị Hoa"), (900, "01/02/1992"), (1420, "Nữ"), (1680, "051192001234"), (2230, "Vợ")],
    [(200, "2"), (330, "Nguyễn Minh Khoa"), (900, "10/10/2015"), (1420, "Nam"), (1680, "051215004321"), (2230, "Con")],
    [(200, "3")],
    [(1300, ", ngày 10 tháng 3 năm 2025")],
    [(300, "Ý KIẾN CỦA CHỦ HỘ(3)"), (1500, "NGƯỜI KÊ KHAI(6)")],
]


def test_ct01_fields_from_clean_words():
    doc = doc_of(build_page(CT01))
    understand(doc)
    assert doc.form == "ct01"
    v = {k: f.value for k, f in doc.fields.items()}
    assert v == {
        "kinh_gui": "Công an phường Trần Phú, tỉnh Quảng Ngãi", "ho_ten": "NGUYỄN VĂN AN",
        "ngay_sinh": "05/03/1990", "gioi_tinh": "Nam", "so_dinh_danh": "051090012345",
        "so_dien_thoai": "0912345678", "email": "an.nguyen@gmail.com", "ho_ten_chu_ho": "Nguyễn Văn Bình",
        "quan_he_chu_ho": "Con", "so_dinh_danh_chu_ho": None,
        "noi_dung_de_nghi": "Đăng ký thường trú tại số 12 đường Lê Lợi, phường Trần Phú, thành phố Quảng Ngãi, tỉnh Quảng Ngãi",
    }
    f = doc.fields["ho_ten"]
    assert f.page == 1 and f.valid and f.problems == [] and 0.85 < f.confidence <= 1
    assert f.bbox[0] > 200 and f.bbox[1] >= 500  # the value's words, not the label's
    assert doc.extra["thanh_vien"] == [
        {"ho_ten": "Nguyễn Thị Hoa", "ngay_sinh": "01/02/1992", "gioi_tinh": "Nữ", "so_dinh_danh": "051192001234",
         "quan_he_chu_ho": "Vợ"},
        {"ho_ten": "Nguyễn Minh Khoa", "ngay_sinh": "10/10/2015", "gioi_tinh": "Nam", "so_dinh_danh": "051215004321",
         "quan_he_chu_ho": "Con"}]


def test_ct01_members_without_row_numbers_under_a_wrapped_header():
    """OCR often loses the lone row numbers; the header wraps over two lines; an empty table
    row and a wrapped name cell sit between members."""
    head = CT01[: CT01.index([(200, "11. Những thành viên trong hộ gia đình cùng thay đổi:")]) + 1]
    table = [
        [(200, "TT"), (330, "Họ, chữ đệm và"), (900, "Ngày, tháng,"), (1420, "Giới"),
         (1680, "Số định danh cá"), (2230, "Mối quan")],
        [(330, "tên"), (900, "năm sinh"), (1420, "tính"), (1680, "nhân"), (2230, "hệ")],
        [(330, "Trần Thị Mai"), (900, "01/02/1992"), (1420, "Nữ"), (1680, "051192001234"), (2230, "Vợ")],
        [(330, "Nguyễn Hoàng Minh"), (900, "10/10/2015"), (1420, "Nam"), (1680, "051215004321"), (2230, "Con")],
        [(330, "Khoa")],
        [],
        [(1300, ", ngày 10 tháng 3 năm 2025")],
    ]
    doc = doc_of(build_page(head + table))
    understand(doc)
    assert doc.extra["thanh_vien"] == [
        {"ho_ten": "Trần Thị Mai", "ngay_sinh": "01/02/1992", "gioi_tinh": "Nữ", "so_dinh_danh": "051192001234",
         "quan_he_chu_ho": "Vợ"},
        {"ho_ten": "Nguyễn Hoàng Minh Khoa", "ngay_sinh": "10/10/2015", "gioi_tinh": "Nam",
         "so_dinh_danh": "051215004321", "quan_he_chu_ho": "Con"}]


def test_ocr_noise_lost_diacritics_and_split_labels():
    noisy = [
        [(600, "TO KHAI THAY DOI THONG TlN CU TRU")],
        [(200, "Kinh gui (1) : Cong an xa Binh Minh")],
        [(200, "1 . Ho, chu dem va  ten: Le Thi Hoa")],
        [(200, "2. Ngay, thang, narn sinh: ngày 1 tháng 2 năm 1990"), (1500, "3. Gioi tinh: Nu")],
        [(200, "4. So dinh danh ca nhan: 00119OO12345")],
        [(200, "9. Sô đinh danh cá nhân cua chu hô: 001 090 012 346")],
        [(200, "7. Ho, chữ đệm và tên chủ hộ:")],
        [(260, "LÊ VĂN NAM")],
    ]
    doc = doc_of(build_page(noisy))
    understand(doc)
    v = {k: f.value for k, f in doc.fields.items()}
    assert doc.form == "ct01"
    assert v["kinh_gui"] == "Cong an xa Binh Minh"
    assert v["ho_ten"] == "Lê Thị Hoa"  # family name and middle "Thị" restored (closed lists)
    assert v["ngay_sinh"] == "01/02/1990" and v["gioi_tinh"] == "Nữ"
    assert v["so_dinh_danh"] == "001190012345"  # O read for 0, fixed in a numeric field only
    assert v["so_dinh_danh_chu_ho"] == "001090012346"  # not taken by the shorter label 4
    assert v["ho_ten_chu_ho"] == "LÊ VĂN NAM"  # on the line below its label
    assert v["email"] is None and set(doc.fields) >= {"so_dien_thoai", "email", "noi_dung_de_nghi"}


def test_id_disagreeing_with_gender_is_a_problem_not_a_rejection():
    page = build_page([[(600, "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ")],
                       [(200, "2. Ngày, tháng, năm sinh: 05/03/1991"), (1500, "3. Giới tính: Nữ")],
                       [(200, "4. Số định danh cá nhân: 051090012345")]])
    doc = doc_of(page)
    understand(doc)
    f = doc.fields["so_dinh_danh"]
    assert f.value == "051090012345" and f.valid
    assert len(f.problems) == 2 and all("051090012345" not in p for p in f.problems)


KHAI_SINH = [
    [(600, "TỜ KHAI ĐĂNG KÝ KHAI SINH")],
    [(200, "Kính gửi: Ủy ban nhân dân xã Tịnh Ấn Tây")],
    [(200, "Họ, chữ đệm, tên người yêu cầu: Trần Thị Mai")],
    [(200, "Nơi cư trú(2): Thôn 3, xã Tịnh Ấn Tây, tỉnh Quảng Ngãi")],
    [(200, "Giấy tờ tùy thân(3): CCCD số 051190012345")],
    [(200, "Quan hệ với người được khai sinh: Mẹ")],
    [(200, "Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:")],
    [(200, "Họ, chữ đệm, tên: Lê Minh Khoa")],
    [(200, "Ngày, tháng, năm sinh: 12/01/2024"), (1200, "ghi bằng chữ: ngày mười hai tháng một")],
    [(200, "Giới tính: Nam"), (900, "Dân tộc: Kinh"), (1600, "Quốc tịch: Việt Nam")],
    [(200, "Nơi sinh(4): Bệnh viện Sản Nhi tỉnh Quảng Ngãi")],
    [(200, "Quê quán: xã Đức Lân, tỉnh Quảng Ngãi")],
    [(200, "Họ, chữ đệm, tên người mẹ: Trần Thị Mai")],
    [(200, "Năm sinh(5): 1995"), (900, "Dân tộc: Hoa"), (1600, "Quốc tịch: Việt Nam")],
    [(200, "Nơi cư trú(2): Thôn 3, xã Tịnh Ấn Tây, tỉnh Quảng Ngãi")],
    [(200, "Họ, chữ đệm, tên người cha: Lê Văn Hùng")],
    [(200, "Năm sinh(5): 1992"), (900, "Dân tộc: Kinh"), (1600, "Quốc tịch: Việt Nam")],
    [(200, "Nơi cư trú(2): Tổ 5, phường Trần Phú, tỉnh Narnia")],
    [(200, "Tôi cam đoan nội dung đề nghị đăng ký khai sinh trên đây là đúng sự thật")],
]


def test_khai_sinh_sections_disambiguate_repeated_labels():
    doc = doc_of(build_page(KHAI_SINH))
    understand(doc)
    v = {k: f.value for k, f in doc.fields.items()}
    assert doc.form == "khai_sinh"
    assert v["nyc_ho_ten"] == "Trần Thị Mai" and v["ho_ten"] == "Lê Minh Khoa"
    assert v["ngay_sinh"] == "12/01/2024"  # ends at "ghi bằng chữ"
    assert (v["gioi_tinh"], v["dan_toc"], v["quoc_tich"]) == ("Nam", "Kinh", "Việt Nam")
    assert (v["me_ho_ten"], v["me_nam_sinh"], v["me_dan_toc"]) == ("Trần Thị Mai", "1995", "Hoa")
    assert (v["cha_ho_ten"], v["cha_nam_sinh"], v["cha_dan_toc"]) == ("Lê Văn Hùng", "1992", "Kinh")
    assert v["nyc_noi_cu_tru"] == v["me_noi_cu_tru"] == "Thôn 3, xã Tịnh Ấn Tây, tỉnh Quảng Ngãi"
    assert v["cha_noi_cu_tru"] == "Tổ 5, phường Trần Phú, tỉnh Narnia"  # the cam đoan line is not appended
    assert doc.fields["cha_noi_cu_tru"].problems and not doc.fields["me_noi_cu_tru"].problems
    assert doc.extra["dia_chi"]["que_quan"]["tinh"] == "Quảng Ngãi"
    assert len(doc.fields) == 22


def test_a_footnote_mark_between_a_blank_and_the_next_label_stays_with_the_first():
    """The father's year left blank: "Năm sinh: (5)" then "Dân tộc: Kinh" on the row. The "(5)" is
    the year label's footnote, not an item number of "Dân tộc", which is still found: the year
    stays empty and the ethnic group is read."""
    rows = [list(r) for r in KHAI_SINH]
    at = next(i for i, r in enumerate(rows) if r[0][1] == "Năm sinh(5): 1992")
    rows[at] = [(200, "Năm sinh: (5)"), (900, "Dân tộc: Kinh"), (1600, "Quốc tịch: Việt Nam")]
    doc = doc_of(build_page(rows))
    understand(doc)
    assert (doc.fields["cha_nam_sinh"].value, doc.fields["cha_dan_toc"].value) == (None, "Kinh")


def test_a_values_words_a_letter_off_a_label_are_no_label():
    """"Quê quán: Xã Nam Ninh Hòa, Khánh Hòa": "Nam Ninh" is 86 % "Năm sinh", and was taken for that
    label, leaving "Xã". Words read sure, inside the row, with no colon after them are the value's;
    a label read a letter off at the start of its row ("Nam sinh(5): 1992") is still one."""
    rows = [list(r) for r in KHAI_SINH]
    at = next(i for i, r in enumerate(rows) if r[0][1].startswith("Quê quán"))
    rows[at] = [(200, "Quê quán: Xã Nam Ninh Hòa, Khánh Hòa")]
    cha = next(i for i, r in enumerate(rows) if r[0][1] == "Năm sinh(5): 1992")
    rows[cha] = [(200, "Nam sinh(5): 1992")]
    doc = doc_of(build_page(rows))
    understand(doc)
    assert doc.fields["que_quan"].value == "Xã Nam Ninh Hòa, Khánh Hòa"
    assert doc.fields["cha_nam_sinh"].value == "1992"


def test_forced_form_and_unknown_form():
    doc = doc_of(build_page([[(200, "1. Họ, chữ đệm và tên: Lê Văn A")]]))
    understand(doc, form="ct01")
    assert doc.form == "ct01" and doc.form_confidence == 1.0 and doc.fields["ho_ten"].value == "Lê Văn A"
    from ocr.errors import TemplateError

    with pytest.raises(TemplateError):
        understand(doc, form="nope")


def test_unrecognised_document_has_no_fields():
    doc = doc_of(build_page([[(200, "Biên bản họp tổ dân phố số 3")]]))
    understand(doc)
    assert doc.form is None and doc.fields == {}


def test_helpers():
    assert label_key("1. Họ, chữ đệm và tên(1):") == "hochudemvaten"
    assert salvage("Sơn+errertrerrrrrrrr") == "Sơn"
    assert salvage("Lập---.+:-+++cc") == "Lập"
    # capitals repeat in abbreviations, not in leaders read as text
    assert salvage("CCCD") == "CCCD" and salvage("III") == "III" and salvage("Hà.eeee") == "Hà."


@pytest.mark.timeout(80)
@pytest.mark.parametrize("form,edition,seeds", [("ct01", "tt66", (3, 11, 27)), ("khai_sinh", "tt04", (5, 19))])
def test_degraded_pages_through_tesseract(form, edition, seeds):
    """Rendered forms, scanned (blur, noise, skew, uneven light, JPEG) at 200 dpi, through the
    production page job (cleanup, leaders erased, boxed digits re-read, real Tesseract): every
    value right and valid, where it is on the page; a field left blank stays empty."""
    from bench.synth_forms import degrade, render
    from ocr.model import PageImage
    from ocr.pipeline import PageJob, PipelineOptions, process_page

    for seed in seeds:
        rng = random.Random(seed)
        img, truth = render(form, rng, dpi=200, hand=False, edition=edition)
        grey = np.asarray(degrade(img, rng))
        grey = grey[: int(grey.shape[0] * 0.72)]  # the fields; not the signature block
        processed = process_page(PageJob("scan", 0, PageImage(grey, 200, "scan")), PipelineOptions())
        doc = doc_of(processed.ocr)
        understand(doc)
        assert doc.form == form
        fields = {fid: doc.fields[fid] for fid in truth["fields"]}
        assert {fid: f.value for fid, f in fields.items()} == truth["fields"], seed
        # the review's thresholds are measured on Linux; the Windows build (OpenCV 4.10, numpy
        # 1.26, the Windows tesserocr wheel) is less sure of the odd right value, which it then
        # sends to review: the safe side
        flagged = [fid for fid, f in fields.items() if not f.valid]
        assert len(flagged) <= (0 if sys.platform == "linux" else 1), (seed, flagged)
        # a value has its place on page 1; a blank field has none
        assert {fid: (f.page, f.bbox is not None) for fid, f in fields.items()} == \
            {fid: (1, True) if want is not None else (None, False) for fid, want in truth["fields"].items()}, seed


def test_low_confidence_value_is_not_vouched_for():
    page = build_page([[(600, "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ")],
                       [(200, "2. Ngày, tháng, năm sinh: 05/03/1991"), (1500, "3. Giới tính: Nữ")]])
    for w in page.words:
        if w.text == "05/03/1991":
            w.conf = 31.0
    doc = doc_of(page)
    understand(doc)
    f = doc.fields["ngay_sinh"]
    assert f.value == "05/03/1991" and not f.valid and "Độ tin cậy thấp, cần kiểm tra" in f.problems
    assert doc.fields["gioi_tinh"].valid


def test_two_labels_on_a_row_and_values_over_the_dots():
    rows = [[(600, "TỜ KHAI ĐĂNG KÝ KHAI SINH")],
            [(200, "Kính gửi: UBND xã Tịnh Ấn Tây")],
            [(200, "Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:")],
            [(200, "Họ, chữ đệm, tên: Lê Minh Khoa")],  # must not be taken for "... người yêu cầu"
            [(200, "Giới tính: Nam"), (900, "Dân tộc: Kinh"), (1600, "Quốc tịch: Việt Nam")],
            [(200, "Nơi sinh(4): Trạm Y tế xã Tịnh Ấn Tây, tỉnh Quảng Ngãi")]]
    doc = doc_of(build_page(rows))
    understand(doc)
    v = {k: f.value for k, f in doc.fields.items()}
    assert v["ho_ten"] == "Lê Minh Khoa" and v["nyc_ho_ten"] is None
    assert v["quoc_tich"] == "Việt Nam"  # a value in the last column does not wrap into the next row
    assert v["noi_sinh"] == "Trạm Y tế xã Tịnh Ấn Tây, tỉnh Quảng Ngãi"


def test_stray_marks_off_the_line_do_not_pull_in_the_row_above():
    """OCR read item 8's number as one tall speck reaching up towards the row above; the value
    of "Mối quan hệ với chủ hộ" is still on its own row, not the name on the row above."""
    page = build_page(CT01)
    words = []
    for w in page.words:
        if w.text == "8.":
            x0, y0, x1, y1 = w.bbox
            words.append(Word(".:", (x0, y0 - 45, x0 + 12, y1 + 5), 20.0, w.block, w.par, w.line))
        else:
            words.append(w)
    doc = doc_of(OcrPage(page.width, page.height, words))
    understand(doc)
    assert doc.fields["quan_he_chu_ho"].value == "Con"
    assert doc.fields["ho_ten_chu_ho"].value == "Nguyễn Văn Bình"


def test_a_garbled_word_boxed_over_the_value_leaves_it_unsure():
    """The page pass glued the start of an address and its dots into one garbled word boxed across
    the whole value (".Lhôn.5" over "Cam Ranh, Khánh Hòa"): taken for leaders, it is left
    out, and what is left of the value must not look checked."""
    page = build_page([[(600, "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ")],
                       [(200, "8. Mối quan hệ với chủ hộ: Con")],
                       [(200, "10. Nội dung đề nghị: Cam Ranh, Khánh Hòa")]])
    value = [w for w in page.words if w.text in ("Cam", "Ranh,", "Hòa")]
    x0, y0, _, y1 = page.words[page.words.index(value[0]) - 1].bbox
    page.words.append(Word(".Lhôn.5", (x0 + 60, y0, value[-1].bbox[2], y1), 21.0,
                           block=3, par=1, line=1))
    doc = doc_of(page)
    understand(doc)
    f = doc.fields["noi_dung_de_nghi"]
    assert f.value == "Cam Ranh, Khánh Hòa" and not f.valid and f.confidence < 0.75
    assert doc.fields["quan_he_chu_ho"].valid


def test_words_glued_by_a_leaders_dots_and_boxed_tall_by_a_footnote_mark_stay_in_the_value():
    """"Kính gửi: (1) Ủy ban nhân dân Xã An Thành" typed on a leader: the page pass glued the mark and
    the first words into "”).Ủy.ban.nhân", unsure and boxed tall. Syllables glued by single dots
    are words, not leaders read as text: the value keeps its start (unsure, so flagged)."""
    page = build_page([[(600, "TỜ KHAI ĐĂNG KÝ KHAI SINH")],
                       [(200, "Kính gửi:"), (560, "dân Xã An Thành")],
                       [(200, "Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:")]])
    y = page.words[page.words.index(next(w for w in page.words if w.text == "gửi:"))].bbox[1]
    page.words.append(Word("”).Ủy.ban.nhân", (400, y - 14, 545, y + 58), 6.0, block=2, par=1, line=1))
    doc = doc_of(page)
    understand(doc)
    f = doc.fields["kinh_gui"]
    assert f.value == "Ủy ban nhân dân Xã An Thành" and f.needs_review


def test_unsure_email_taller_than_its_row_is_kept():
    """An unsure word much taller than its row is taken for leaders read as text, but an e-mail
    address ("@", "g", "l") is taller than a row of capitals and digits by nature."""
    page = build_page([[(600, "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ")],
                       [(200, "5. Số điện thoại liên hệ: 0912345678"), (1400, "6. Email:")]])
    y = page.words[-1].bbox[1]
    page.words.append(Word("phan.thi.nhung76@gmail.com", (1600, y, 2300, y + 66), 12.0, block=2, par=1, line=1))
    doc = doc_of(page)
    understand(doc)
    assert doc.fields["email"].value == "phan.thi.nhung76@gmail.com"
    assert not doc.fields["email"].valid  # unsure: the officer checks it


def test_footnote_marks_after_labels_never_start_a_value():
    """Official forms print "Kính gửi: (1)"; OCR often keeps only "1)", "(2", "3'" of the mark, or
    reads its digit as a lookalike letter ("Z)" for "2)", "f)" for "(1)")."""
    lines = [list(row) for row in CT01]
    lines[2] = [(200, "Kính gửi: Z) Công an phường Trần Phú, tỉnh Quảng Ngãi")]
    lines[3] = [(200, "1. Họ, chữ đệm và tên: (2 NGUYỄN VĂN AN")]
    lines[5] = [(200, "4. Số định danh cá nhân: 3' 051090012345")]
    lines[7] = [(200, "7. Họ, chữ đệm và tên chủ hộ: f) Nguyễn Văn Bình")]  # "(1)" in a serif face
    lines[8] = [(200, "8. Mối quan hệ với chủ hộ: ở) Con")]  # "(3)" in italics
    lines[10] = [(200, "10. Nội dung đề nghị: 12) Đăng ký thường trú tại số 12 đường Lê Lợi, phường Trần Phú, thành")]
    doc = doc_of(build_page(lines))
    understand(doc)
    v = {k: f.value for k, f in doc.fields.items()}
    assert v["kinh_gui"] == "Công an phường Trần Phú, tỉnh Quảng Ngãi"
    assert v["ho_ten"] == "NGUYỄN VĂN AN"
    assert v["ho_ten_chu_ho"] == "Nguyễn Văn Bình"
    assert v["quan_he_chu_ho"] == "Con"
    assert v["so_dinh_danh"] == "051090012345"
    assert v["noi_dung_de_nghi"].startswith("Đăng ký thường trú tại số 12 đường")


def test_longer_edition_items_never_become_values():
    """CT01 of TT 56/2021 prints residence and job items the template does not ask for, and words
    the chủ hộ items its own way: an empty phone line takes nothing from "7. Nơi thường trú:"."""
    lines = [list(row) for row in CT01[:6]]
    lines += [[(200, "5. Số điện thoại liên hệ:"), (1400, "6. Email:")],
              [(200, "7. Nơi thường trú: Tổ 23, xã Thanh Hà, thành phố Hải Phòng")],
              [(200, "8. Nơi tạm trú:")],
              [(200, "9. Nghề nghiệp, nơi làm việc: Tự do")],
              [(200, "10. Họ, chữ đệm và tên chủ hộ: Nguyễn Văn Bình")],
              [(200, "11. Quan hệ với chủ hộ: Con")],
              [(200, "12. Số định danh cá nhân/CMND của chủ hộ: 051060012345")],
              [(200, "13. Nội dung đề nghị(2): Đăng ký thường trú")]]
    lines[5] = [(200, "4. Số định danh cá nhân/CMND: 051090012345")]
    doc = doc_of(build_page(lines))
    understand(doc)
    v = {k: f.value for k, f in doc.fields.items()}
    assert (v["so_dien_thoai"], v["email"]) == (None, None)
    assert (v["so_dinh_danh"], v["so_dinh_danh_chu_ho"]) == ("051090012345", "051060012345")
    assert (v["quan_he_chu_ho"], v["noi_dung_de_nghi"]) == ("Con", "Đăng ký thường trú")


def test_garbled_date_is_read_again_as_digits():
    """A date written into printed slots ("06 / 10 / 2001") the page pass read as "06 / LŨ / 2001":
    read again from the page image as digits and slashes, right, and still sent to review."""
    import cv2
    from PIL import Image, ImageDraw, ImageFont

    from templates import REREAD

    image = Image.new("L", (2400, 600), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 46)
    ImageDraw.Draw(image).text((1000, 300), "06  /  10  /  2001", font=font, fill=0)
    x0, y0, x1, y1 = ImageDraw.Draw(image).textbbox((1000, 300), "06  /  10  /  2001", font=font)
    page = build_page([[(600, "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ")]])
    words = [("2.", 200), ("Ngày,", 260), ("tháng,", 420), ("năm", 600), ("sinh:", 720)]
    page.words += [Word(t, (x, 300, x + 22 * len(t), 345), 90.0, block=9, par=1, line=1) for t, x in words]
    step = (x1 - x0) // 5
    page.words += [Word(t, (x0 + k * step, y0, x0 + (k + 1) * step - 10, y1), 60.0, block=9, par=1, line=1)
                   for k, t in enumerate(["06", "/", "LŨ", "/", "2001"])]
    ok, png = cv2.imencode(".png", np.asarray(image))
    doc = Document(stem="t", source=["t"], pages=[ProcessedPage(
        source="t", source_index=0, width=2400, height=600, dpi=300, image=png.tobytes(), image_format="png",
        ocr=page)])
    understand(doc)
    f = doc.fields["ngay_sinh"]
    assert (f.value, f.needs_review) == ("06/10/2001", True) and REREAD in f.problems


def test_text_value_with_an_i_read_as_i_tilde_is_sent_to_review():
    """A word of an address or an authority with an "ĩ" the engine also offered as "i" (an italic
    i's dot beside a serif: "Vĩnh" for "Vinh") is not vouched for; marks the syllable model chose
    (doubt 100) and the engine's near-alternatives do not flag a text value as they flag a name."""
    from ocr.engine import TILDE_OR_DOT
    from templates import review as rv

    for doubt, flagged in ((TILDE_OR_DOT, True), (100.0, False), (78.0, False)):
        page = build_page(CT01)
        for w in page.words:
            if w.text == "Trần" and w.bbox[1] == 400:  # in "Kính gửi": Công an phường Trần Phú
                w.doubt = doubt
        doc = doc_of(page)
        understand(doc)
        f = doc.fields["kinh_gui"]
        assert (rv.UNSURE_MARKS.format("Trần") in f.problems, f.needs_review) == (flagged, flagged), f.problems


def _field_with_word_doubt(rows, text, fid, **doubts):
    """The field `fid` of a page of `rows` whose words `text` carry the engine's doubts."""
    page = build_page(rows)
    for w in page.words:
        if w.text == text:
            for name, value in doubts.items():
                setattr(w, name, value)
    doc = doc_of(page)
    understand(doc)
    return doc.fields[fid]


def test_name_with_unsure_marks_is_sent_to_review():
    """The engine read "Bình" but nearly read its marks otherwise: the name is not vouched for;
    the same name read surely is."""
    from ocr.engine import mark_doubt
    from templates import review as rv

    assert mark_doubt([[("B", 97.0)], [("ì", 72.0), ("i", 78.0), ("í", 20.0)], [("n", 95.0), ("m", 60.0)]]) == 78.0
    assert mark_doubt([[("a", 90.0), ("o", 80.0)]]) == 0.0
    # an italic i's dot beside a serif, read as a tilde: any plain "i" offered is doubt enough
    assert mark_doubt([[("V", 96.0)], [("ĩ", 95.0), ("i", 2.0)], [("n", 96.0)], [("h", 96.0)]]) > 100.0
    assert mark_doubt([[("V", 96.0)], [("ĩ", 95.0)], [("n", 96.0)], [("h", 96.0)]]) == 0.0
    for doubt, flagged in ((78.0, True), (30.0, False), (10.0, False)):
        f = _field_with_word_doubt(CT01, "Bình", "ho_ten_chu_ho", doubt=doubt)
        assert (f.value, rv.UNSURE_MARKS.format("Bình") in f.problems, f.needs_review) == \
            ("Nguyễn Văn Bình", flagged, flagged)
    # in capitals the marks sit squeezed above the letters: a weaker alternative is doubt enough
    rows = [[(x, t.replace("Nguyễn Văn Bình", "NGUYỄN VĂN BÌNH")) for x, t in r] for r in CT01]
    for doubt, flagged in ((30.0, True), (10.0, False)):
        f = _field_with_word_doubt(rows, "BÌNH", "ho_ten_chu_ho", doubt=doubt)
        assert (f.value, rv.UNSURE_MARKS.format("BÌNH") in f.problems, f.needs_review) == \
            ("NGUYỄN VĂN BÌNH", flagged, flagged)


def test_number_whose_digit_the_engine_nearly_read_otherwise_is_sent_to_review():
    """An italic "1993" read "1995" at 86 with "3" offered at 24: the date is not vouched for; the
    same date with no other digit offered is."""
    from ocr.engine import digit_doubt
    from templates import review as rv

    assert digit_doubt([[("1", 94.0), ("I", 29.0)], [("9", 95.0), ("8", 0.0)], [("5", 94.0), ("3", 24.0)]]) == 24.0
    assert digit_doubt([[("1", 94.0), ("I", 29.0), ("l", 50.0)]]) == 0.0
    rows = [[(600, "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ")],
            [(200, "2. Ngày, tháng, năm sinh: 05/03/1991"), (1500, "3. Giới tính: Nữ")]]
    for doubt, flagged in ((24.0, True), (5.0, False)):
        f = _field_with_word_doubt(rows, "05/03/1991", "ngay_sinh", digit_doubt=doubt)
        assert (f.value, rv.UNSURE_DIGITS.format("05/03/1991") in f.problems, f.needs_review) == \
            ("05/03/1991", flagged, flagged)


def test_a_hook_or_tilde_read_on_a_names_italic_i_is_written_as_the_plain_letter_and_flagged():
    """"Chi" in italics read "Chỉ" with "i" offered: no name has an "ỉ", so the value says "Chi",
    and it is sent to review; with nothing else offered the reading stays. "Vinh" read "Vĩnh" with
    a plain "i" offered likewise; a "Vĩnh" whose other offers are marks only stays "Vĩnh"."""
    from ocr.engine import TILDE_OR_DOT
    from templates import review as rv

    rows = [[(x, t.replace("Nguyễn Văn Bình", "Nguyễn Văn Vĩnh")) for x, t in r] for r in CT01]
    for doubt, value in ((TILDE_OR_DOT, "Nguyễn Văn Vinh"), (60.0, "Nguyễn Văn Vĩnh")):
        f = _field_with_word_doubt(rows, "Vĩnh", "ho_ten_chu_ho", doubt=doubt)
        assert (f.value, rv.MARKED_I.format("Vinh") in f.problems) == (value, doubt == TILDE_OR_DOT)

    rows = [[(x, t.replace("Nguyễn Văn Bình", "Nguyễn Văn Chỉ")) for x, t in r] for r in CT01]
    for doubt, value in ((63.0, "Nguyễn Văn Chi"), (0.0, "Nguyễn Văn Chỉ")):
        f = _field_with_word_doubt(rows, "Chỉ", "ho_ten_chu_ho", doubt=doubt)
        assert (f.value, rv.MARKED_I.format("Chi") in f.problems, f.needs_review) == (value, bool(doubt), bool(doubt))


def test_row_number_run_into_a_members_name_is_not_part_of_it():
    """The TT column's number read inside the name cell ("1 Vũ Thanh Thảo") stays out of the name."""
    lines = [list(row) for row in CT01]
    lines[14] = [(330, "1 Nguyễn Thị Hoa"), (900, "01/02/1992"), (1420, "Nữ"), (1680, "051192001234"), (2230, "Vợ")]
    lines[15] = [(330, "2. Nguyễn Minh Khoa"), (900, "10/10/2015"), (1420, "Nam"), (1680, "051215004321"),
                 (2230, "Con")]
    doc = doc_of(build_page(lines))
    understand(doc)
    assert [m["ho_ten"] for m in doc.extra["thanh_vien"]] == ["Nguyễn Thị Hoa", "Nguyễn Minh Khoa"]
