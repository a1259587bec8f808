"""Reading order of side-by-side columns merged by OCR into single lines."""
from __future__ import annotations

from ocr.layout import column_order, page_text
from ocr.model import OcrPage, Word


def line(y: int, line_no: int, *pieces: tuple[int, str], block: int = 1) -> list[Word]:
    """Words laid out from (x, text) pieces: each piece's words 15 px apart, 40 px high."""
    words = []
    for x, text in pieces:
        for token in text.split():
            width = 22 * len(token)
            words.append(Word(text=token, bbox=(x, y, x + width, y + 40), conf=95, block=block, par=1, line=line_no))
            x += width + 15
    return words


def test_agency_and_motto_columns_read_one_after_the_other():
    words = (line(100, 1, (200, "ỦY BAN NHÂN DÂN"), (1100, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"))
             + line(160, 2, (180, "TỈNH QUẢNG NGÃI"), (1250, "Độc lập - Tự do - Hạnh phúc"))
             + line(240, 3, (190, "Số: 125/QĐ-UBND"), (1200, "Quảng Ngãi, ngày 05 tháng 3 năm 2024"))
             + line(400, 4, (900, "QUYẾT ĐỊNH"), block=2))
    text = column_order(OcrPage(width=2480, height=3508, words=words)).text
    assert text.splitlines() == [
        "ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI", "Số: 125/QĐ-UBND", "",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "Quảng Ngãi, ngày 05 tháng 3 năm 2024", "", "QUYẾT ĐỊNH"]


def test_page_text_reads_the_columns_across_again_as_the_page_prints_them():
    """The fields read the agency and the motto as two blocks; the page text (JSON, search) reads
    the header row by row, as the letter's own PDF text does; rows far apart keep a blank line."""
    words = (line(100, 1, (200, "ỦY BAN NHÂN DÂN"), (1100, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"))
             + line(160, 2, (180, "TỈNH QUẢNG NGÃI"), (1250, "Độc lập - Tự do - Hạnh phúc"))
             + line(240, 3, (190, "Số: 125/QĐ-UBND"), (1200, "Quảng Ngãi, ngày 05 tháng 3 năm 2024"))
             + line(400, 4, (900, "QUYẾT ĐỊNH"), block=2)
             + line(450, 5, (300, "Căn cứ Luật Tổ chức chính quyền địa phương"), block=3))
    page = column_order(OcrPage(width=2480, height=3508, words=words))
    assert page_text(page).splitlines() == [
        "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "TỈNH QUẢNG NGÃI Độc lập - Tự do - Hạnh phúc",
        "Số: 125/QĐ-UBND Quảng Ngãi, ngày 05 tháng 3 năm 2024", "", "QUYẾT ĐỊNH",
        "Căn cứ Luật Tổ chức chính quyền địa phương"]
    assert page.text.splitlines()[0] == "ỦY BAN NHÂN DÂN"  # the fields' order is untouched


def test_narrow_gap_in_the_gutter_joins_the_columns():
    # the parent agency line nearly touches the motto: its gap is narrow but lies in the gutter
    words = (line(100, 1, (400, "UBND TỈNH QUẢNG NGÃI"), (1110, "CỘNG HÒA XÃ HỘI"))
             + line(160, 2, (500, "BAN CHỈ ĐẠO 138"), (1300, "Độc lập - Tự do"))
             + line(240, 3, (490, "Số: 04/QĐ-BCĐ138"), (1220, "Quảng Ngãi, ngày 05")))
    lines = column_order(OcrPage(width=2480, height=3508, words=words)).text.splitlines()
    assert lines[:3] == ["UBND TỈNH QUẢNG NGÃI", "BAN CHỈ ĐẠO 138", "Số: 04/QĐ-BCĐ138"]


def test_label_value_rows_and_single_wide_lines_untouched():
    words = (line(100, 1, (200, "Họ và tên:"), (1200, "Nguyễn Văn An"))
             + line(160, 2, (200, "Ngày sinh:"), (1200, "05/03/1990"))
             + line(220, 3, (200, "Một dòng văn bản bình thường kéo dài hết trang giấy")))
    page = OcrPage(width=2480, height=3508, words=words)
    assert column_order(page).text.splitlines() == [
        "Họ và tên: Nguyễn Văn An", "Ngày sinh: 05/03/1990",
        "Một dòng văn bản bình thường kéo dài hết trang giấy"]


def test_no_word_is_lost_when_the_gutter_narrows_under_a_one_sided_line():
    # line 2 fits beside the first gutter (500-2100) but crosses the narrower one that line 3
    # leaves (1574-2000): it must still come out, on one side
    words = (line(100, 1, (300, "năm sinh"), (2100, "hộ"))
             + line(160, 2, (1000, "Nguyễnnnn Thịiiiiii Hoaaaaaaa Maiiiiiii Lannnnnnn"))
             + line(220, 3, (1200, "thángggggggggggggg"), (2000, "với")))
    page = OcrPage(width=2480, height=3508, words=words)
    assert sorted(w.text for w in column_order(page).words) == sorted(w.text for w in words)
