"""CCCD extractor: QR payload parsing, printed-text cross-check and fallback (real Tesseract)."""
from __future__ import annotations

import random

import numpy as np
import pytest

from bench.synth_cards import Person, make_person, photocopy_page, render_back, render_front
from ocr.barcodes import find_barcodes
from ocr.engine import ocr_image
from ocr.layout import column_order
from ocr.model import Barcode, Document, OcrPage, ProcessedPage
from templates import load_templates, understand
from templates.cccd import NO_QR, extract, parse_payload

PAYLOAD = "051088001234|212345678|Nguyễn Văn An|15031988|Nam|Thôn An Hòa, Xã Nghĩa Hà, Huyện Tư Nghĩa, Quảng Ngãi|01072021"


@pytest.fixture(scope="module")
def template():
    return {t.id: t for t in load_templates()}["cccd"]


def _doc(barcode_texts=(), ocr: OcrPage | None = None) -> Document:
    ocr = ocr or OcrPage(width=1000, height=1400)
    page = ProcessedPage(source="x.png", source_index=0, width=ocr.width, height=ocr.height, dpi=300,
                         image=b"", image_format="jpeg", ocr=ocr,
                         barcodes=[Barcode(page=1, format="QRCode", text=t, bbox=(10, 20, 110, 120))
                                   for t in barcode_texts])
    return Document(stem="t", source=["x.png"], pages=[page])


def test_payload_with_cmnd(template):
    fields = extract(_doc([PAYLOAD]), template)
    assert {k: f.value for k, f in fields.items()} == {
        "so_dinh_danh": "051088001234", "so_cmnd": "212345678", "ho_ten": "Nguyễn Văn An",
        "ngay_sinh": "15/03/1988", "gioi_tinh": "Nam",
        "noi_thuong_tru": "Thôn An Hòa, Xã Nghĩa Hà, Huyện Tư Nghĩa, Quảng Ngãi", "ngay_cap": "01/07/2021"}
    assert all(f.valid and not f.problems for f in fields.values())
    assert fields["ho_ten"].bbox == (10, 20, 110, 120) and fields["ho_ten"].page == 1
    assert fields["ngay_cap"].raw == "01/07/2021" and fields["so_dinh_danh"].confidence > 0.9


def test_payload_without_cmnd_and_with_extra_fields(template):
    text = PAYLOAD.replace("|212345678|", "||") + "|Nguyễn Văn Bố|Trần Thị Mẹ"
    fields = extract(_doc([text]), template)
    assert fields["so_cmnd"].value is None and fields["so_cmnd"].valid
    assert fields["ngay_cap"].value == "01/07/2021"  # the seventh field, not a later one
    assert fields["ho_ten"].value == "Nguyễn Văn An"


@pytest.mark.parametrize("text,field_id,value,problem", [
    ("051088001234|212345678|Nguyễn Văn An|15031988", "noi_thuong_tru", None,
     "Không đọc được mã QR"),  # cut short
    ("051088001234||Nguyễn Văn An|31021988|Nam|Quảng Ngãi|01072021", "ngay_sinh", "31/02/1988",
     "Mã QR: Ngày không hợp lệ: 31/02/1988"),  # 31 Feb
    ("05108800123|||15031988|Nam|Quảng Ngãi|01072021", "so_dinh_danh", "05108800123",
     "Mã QR: Số định danh phải có 12 chữ số (đọc được 11)"),  # 11 digits
])
def test_malformed_payload_gives_problems_not_errors(template, text, field_id, value, problem):
    fields = extract(_doc([text]), template)
    assert set(fields) == {f.id for f in template.fields}
    f = fields[field_id]
    assert (f.value, f.problems) == (value, [problem])
    assert f.valid is (value is None)  # a value read from a broken code is never vouched for


def test_through_understand_recognises_card_by_qr():
    doc = _doc([PAYLOAD])
    understand(doc)
    assert doc.form == "cccd"
    assert doc.fields["so_dinh_danh"].value == "051088001234"
    assert doc.fields["so_dinh_danh"].valid


def _ocr(page: np.ndarray, dpi: int) -> OcrPage:
    return column_order(ocr_image(page, dpi, "vie"))


def _card_page(person: Person, payload: str, with_qr: bool = True) -> np.ndarray:
    front = render_front(person, payload)
    if not with_qr:
        w = front.width
        front.paste(235, (w - 440, 0, w - 10, 460))  # QR area blanked: a torn or covered code
    return photocopy_page([front, render_back(person)], 300, random.Random(5), angle=0, contrast=0.8,
                          noise=3, jpeg_quality=85)


def test_card_copy_qr_and_printed_text_agree(template):
    person = make_person(random.Random(41))
    page = _card_page(person, person.qr_payload())
    barcodes = [t for f, t, _ in find_barcodes(page) if f == "QRCode"]
    doc = _doc(barcodes, _ocr(page, 300))
    fields = extract(doc, template)
    assert fields["so_dinh_danh"].value == person.so_dinh_danh
    assert fields["ho_ten"].value == person.ho_ten
    assert fields["ngay_cap"].value == person.ngay_cap
    assert not any(f.problems for f in fields.values()), {k: f.problems for k, f in fields.items()}


def test_card_printed_name_differs_from_qr(template):
    person = make_person(random.Random(42))
    other = Person(**{**person.__dict__, "ho_ten": "Phạm Quốc Trung", "ngay_sinh": "09/09/1999"})
    page = _card_page(person, other.qr_payload())  # card prints `person`, QR says `other`
    barcodes = [t for f, t, _ in find_barcodes(page) if f == "QRCode"]
    fields = extract(_doc(barcodes, _ocr(page, 300)), template)
    assert fields["ho_ten"].value == "Phạm Quốc Trung" and fields["ho_ten"].valid
    assert any("khác mã QR" in p and person.ho_ten.upper() in p for p in fields["ho_ten"].problems)
    assert any("khác mã QR" in p for p in fields["ngay_sinh"].problems)


def test_card_without_readable_qr_falls_back_to_printed_text(template):
    person = make_person(random.Random(43))
    page = _card_page(person, person.qr_payload(), with_qr=False)
    assert find_barcodes(page) == []
    fields = extract(_doc([], _ocr(page, 300)), template)
    assert fields["ho_ten"].value == person.ho_ten.upper()
    assert fields["ngay_sinh"].value == person.ngay_sinh
    assert fields["gioi_tinh"].value == person.gioi_tinh
    assert all(NO_QR in f.problems for f in fields.values())
    assert 0 < fields["ho_ten"].confidence < 0.9


def test_problems_never_carry_a_full_id(template):
    text = PAYLOAD.replace("051088001234", "999088001234")  # unknown province code
    fields = extract(_doc([text]), template)
    doc = _doc([text])
    understand(doc)
    problems = " ".join(p for f in doc.fields.values() for p in f.problems)
    assert problems and "999088001234" not in problems and "1234" in problems
