"""Fields of a CCCD / căn cước card copy: the QR code is the source of truth.

The QR payload is `ID12|CMND9 or empty|Họ và tên|DDMMYYYY|Nam/Nữ|Nơi thường trú|DDMMYYYY`
(ngày cấp), sometimes with more `|` fields. The card's printed text (OCR'd, read with the
generic label-anchored extractor) is read too: where it disagrees with the QR the field keeps
the QR value and says so in `problems`, because a photocopy's small print is misread far more
often than a QR that decoded with its checksum. Without a readable QR the printed text is used,
with lower confidence and the problem "Không đọc được mã QR". No full ID number is ever logged
or put into a problem message.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from typing import Optional

from rapidfuzz import fuzz

from ocr.model import Barcode, Document, Field
from ocr.textnorm import collapse_spaces, fold, nfc

log = logging.getLogger(__name__)

FIELD_IDS = ("so_dinh_danh", "so_cmnd", "ho_ten", "ngay_sinh", "gioi_tinh", "noi_thuong_tru", "ngay_cap")
TYPES = {"so_dinh_danh": "id12", "so_cmnd": "text", "ho_ten": "name", "ngay_sinh": "date",
         "gioi_tinh": "gender", "noi_thuong_tru": "text", "ngay_cap": "date"}
#: Labels printed on the cards (2016 CCCD, 2021 chip CCCD, 2024 thẻ căn cước), added to the
#: template's own when reading the printed text.
CARD_LABELS = {
    "so_dinh_danh": ["Số định danh cá nhân / Personal identification number", "Số định danh cá nhân",
                     "Số / No.", "Số / No"],
    "ho_ten": ["Họ và tên / Full name", "Họ, chữ đệm và tên khai sinh / Full name", "Họ và tên"],
    "ngay_sinh": ["Ngày sinh / Date of birth", "Ngày, tháng, năm sinh / Date of birth", "Ngày sinh"],
    "gioi_tinh": ["Giới tính / Sex", "Giới tính"],
    "noi_thuong_tru": ["Nơi thường trú / Place of residence", "Nơi cư trú / Place of residence",
                       "Nơi thường trú"],
    "ngay_cap": ["Ngày, tháng, năm / Date, month, year", "Ngày, tháng, năm cấp / Date of issue",
                 "Ngày cấp / Date of issue", "Ngày cấp"],
}
QR_CONFIDENCE = 0.99
#: Printed text read without a QR to back it is worth this much of its OCR confidence.
OCR_ONLY_FACTOR = 0.7
NO_QR = "Không đọc được mã QR"
_PAYLOAD = re.compile(r"^\s*\d{9,12}\s*\|")


@dataclass
class Payload:
    """A parsed CCCD QR text: raw values per field id (dates still DDMMYYYY) and problems."""

    values: dict[str, Optional[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)  # fields after the seventh


def is_cccd_payload(text: str) -> bool:
    """Whether a barcode text looks like a CCCD QR (number, then '|')."""
    return bool(_PAYLOAD.match(text or "")) and text.count("|") >= 4


def parse_payload(text: str) -> Payload:
    """Split a CCCD QR text into raw field values; malformed parts become problems, not errors."""
    parts = [collapse_spaces(nfc(p)) for p in (text or "").strip().split("|")]
    out = Payload()
    if len(parts) < 7:
        out.problems.append(f"Mã QR thiếu trường: có {len(parts)} trường, cần 7")
    names = ("so_dinh_danh", "so_cmnd", "ho_ten", "ngay_sinh", "gioi_tinh", "noi_thuong_tru", "ngay_cap")
    for i, fid in enumerate(names):
        value = parts[i] if i < len(parts) else ""
        if fid in ("ngay_sinh", "ngay_cap") and re.fullmatch(r"\d{8}", value):
            value = f"{value[:2]}/{value[2:4]}/{value[4:]}"
        out.values[fid] = value or None
    out.extra = parts[7:]
    return out


def _normalize(type_: str, raw: Optional[str]) -> tuple[Optional[str], bool, list[str]]:
    from templates.normalize import normalize

    if type_ == "text" and raw is not None:
        value = collapse_spaces(nfc(raw))
        return (value or None), True, []
    return normalize(type_, raw)


def _mask(digits: str) -> str:
    from templates.normalize import mask_id

    return mask_id(digits)


def _cmnd(raw: Optional[str]) -> tuple[Optional[str], bool, list[str]]:
    """The old ID-card number: 9 digits (12 for the few issued as 12), or absent."""
    if raw is None:
        return None, True, []
    digits = re.sub(r"\s", "", raw)
    if re.fullmatch(r"\d{9}|\d{12}", digits):
        return digits, True, []
    return digits, False, [f"Số CMND phải có 9 chữ số (đọc được {len(re.sub(r'[^0-9]', '', digits))})"]


def _qr_fields(payload: Payload, barcode: Barcode) -> dict[str, Field]:
    out = {}
    for fid in FIELD_IDS:
        raw = payload.values.get(fid)
        value, valid, problems = _cmnd(raw) if fid == "so_cmnd" else _normalize(TYPES[fid], raw)
        problems = [f"Mã QR: {p}" for p in problems]
        if raw is None and fid != "so_cmnd":
            problems.append("Mã QR không có giá trị này")
        out[fid] = Field(value=value, raw=raw, confidence=QR_CONFIDENCE if valid and value else 0.5 if value else 0.0,
                         page=barcode.page if value else None, bbox=barcode.bbox if value else None,
                         valid=valid, problems=problems)
    out["so_dinh_danh"].problems[:0] = payload.problems
    return out


def _card_template(template):
    """The template with the labels printed on the cards added, for the generic text reader."""
    specs = []
    for spec in template.fields:
        extra = [lbl for lbl in CARD_LABELS.get(spec.id, []) if lbl not in spec.labels]
        specs.append(replace(spec, labels=list(spec.labels) + extra))
    return replace(template, fields=specs)


def read_printed(doc: Document, template) -> dict[str, Field]:
    """The card's printed values, normalised, from the OCR words (generic label reader)."""
    from templates.extract import extract_fields

    try:
        raw_fields, _ = extract_fields(_card_template(template), [p.ocr for p in doc.pages])
    except (TypeError, AttributeError):  # a stand-in template without full field specs
        return {}
    out = {}
    for fid, f in raw_fields.items():
        if fid not in TYPES or f.raw is None:
            continue
        raw = f.raw
        if fid == "ho_ten":
            raw = raw.split(" / ")[0]
        value, valid, problems = _cmnd(raw) if fid == "so_cmnd" else _normalize(TYPES[fid], raw)
        out[fid] = replace(f, value=value, valid=valid, problems=problems)
    return out


def _same(fid: str, qr: str, printed: str) -> bool:
    if fid == "ho_ten":
        return fold(qr).replace(" ", "") == fold(printed).replace(" ", "")
    if fid == "noi_thuong_tru":
        return fuzz.ratio(fold(qr), fold(printed)) >= 85 or fold(printed) in fold(qr)
    return qr == printed


def _disagreement(fid: str, qr: str, printed: str) -> str:
    if fid in ("so_dinh_danh", "so_cmnd"):
        return f"Số in trên thẻ ({_mask(printed)}) khác số trong mã QR ({_mask(qr)})"
    label = {"ho_ten": "Họ tên", "ngay_sinh": "Ngày sinh", "gioi_tinh": "Giới tính",
             "noi_thuong_tru": "Nơi thường trú", "ngay_cap": "Ngày cấp"}[fid]
    return f"{label} in trên thẻ ({printed}) khác mã QR ({qr})"


def find_payload(doc: Document) -> Optional[tuple[Barcode, Payload]]:
    """The first barcode of the document carrying a CCCD payload, parsed."""
    for barcode in doc.barcodes:
        if is_cccd_payload(barcode.text):
            return barcode, parse_payload(barcode.text)
    return None


def extract(doc: Document, template, images=None) -> dict[str, Field]:
    wanted = [f.id for f in template.fields] if getattr(template, "fields", None) else list(FIELD_IDS)
    printed = read_printed(doc, template)
    found = find_payload(doc)
    if found is None:
        log.info("CCCD %s: no QR payload; using printed text", doc.stem)
        out = {}
        for fid in wanted:
            f = printed.get(fid) or Field()
            f.confidence = round(f.confidence * OCR_ONLY_FACTOR, 3)
            f.problems = [NO_QR] + list(f.problems)
            out[fid] = f
        return out
    barcode, payload = found
    out = _qr_fields(payload, barcode)
    for fid, f in out.items():
        p = printed.get(fid)
        if f.value is None and p is not None and p.value is not None:
            # QR lacks the value (malformed payload): the printed one is better than nothing
            out[fid] = replace(p, confidence=round(p.confidence * OCR_ONLY_FACTOR, 3),
                               problems=f.problems + p.problems)
        elif f.value is not None and p is not None and p.value is not None and p.valid \
                and not _same(fid, f.value, p.value):
            f.problems.append(_disagreement(fid, f.value, p.value))
    return {fid: out.get(fid) or Field() for fid in wanted}
