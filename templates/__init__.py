"""Understand a document: which form it is and the values of its fields.

`understand(doc)` recognises the form (or takes the forced one), runs the template's extractor
(`templates/<extractor>.py` when the YAML names one, else the generic label-anchored extractor),
normalises and checks every value, decides which values the officer must review
(`templates/review.py`), and fills `doc.form`, `doc.form_confidence`, `doc.fields`
(every field id of the form, missing ones with value None) and `doc.extra`.
"""
from __future__ import annotations

import importlib
import logging
import re
from typing import Optional

import numpy as np

from ocr.errors import TemplateError
from ocr.model import Document, Field
from templates.addresses import (check_address, numbered_units_as_printed, repair_commune_names, repair_province_marks,
                                 unit_phrases_as_spelt)
from templates.normalize import EMAIL_BY_NAME, check_id12, email_by_name, normalize
from templates.recognize import recognize
from templates.registry import Template, load_templates
from templates.review import (DIGIT_DOUBT, LOW_CONFIDENCE, PageImages, listed_by_other_reading,
                              listed_one_letter_off, plain_i_in_name, review_fields, spelt_as_listed,
                              spelt_but_also_near)

__all__ = ["understand", "recognize", "load_templates", "finish_fields"]

log = logging.getLogger(__name__)

#: Below this field confidence (mean and weakest word averaged, 0-1) a value is not `valid`.
#: Measured on degraded synthetic forms (bench/bench_fields.py): flags ~1 % of right values.
CONFIDENCE_OK = 0.75


def understand(doc: Document, templates_dirs=(), form: str = "auto") -> None:
    templates = load_templates(templates_dirs)
    by_id = {t.id: t for t in templates}
    if form and form != "auto":
        if form not in by_id:
            raise TemplateError(f"Không có mẫu tờ khai '{form}' (có: {', '.join(sorted(by_id))})",
                                f"unknown form '{form}'")
        form_id, confidence = form, 1.0
    else:
        form_id, confidence = recognize([p.ocr for p in doc.pages], doc.barcodes, templates=templates)
    doc.form, doc.form_confidence = form_id, confidence
    if form_id is None:
        doc.fields = {}
        return
    template = by_id[form_id]
    images = PageImages(doc)
    fields = _run_extractor(doc, template, images)
    doc.fields = finish_fields(template, fields, doc)
    review_fields(template, doc.fields, doc, images)


def _run_extractor(doc: Document, template: Template, images: PageImages) -> dict[str, Field]:
    from templates import extract as generic

    if template.extractor:
        try:
            module = importlib.import_module(f"templates.{template.extractor}")
        except ModuleNotFoundError as exc:
            if exc.name != f"templates.{template.extractor}":
                raise
            log.warning("extractor templates.%s not found; using the generic one", template.extractor)
        else:
            return module.extract(doc, template, images)
    fields = generic.extract(doc, template)
    for fid, f in fields.items():
        spec = template.field(fid)
        f.value, f.valid, f.problems = normalize(spec.type, f.raw)
        if spec.type in _DIGITS_ALONE and f.bbox and f.value is not None:
            _settle_by_digits_alone(f, spec.type, images)
        if spec.type == "name":
            plain_i_in_name(f, images)
        f.value = listed_by_other_reading(spec.check, f, images) or f.value
        if f.value is not None and f.confidence < CONFIDENCE_OK:
            # a value OCR was unsure of is not vouched for, even when it looks well-formed
            f.valid = False
            f.problems.append(LOW_CONFIDENCE)
    return fields


#: Said of a date, year or phone number the page pass garbled or doubted where a digits-only
#: reading gave another valid one: right more often than not, never vouched for.
REREAD = "Đọc lại chỉ bằng chữ số, cần kiểm tra"
#: The value types read again as digits alone, with the characters they may hold and the
#: shape of the value in that reading (a neighbour's digit may be caught in the crop).
_DIGITS_ALONE = {
    # a date's signs as forms print them ("11/09/1966", "11-09-1966", "11.09.1966"); without them a
    # date of eight digits is read whole ("11091966"), one of more is not guessed at
    "date": ("0123456789/-.", (r"\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4}", r"\d{1,2}\D{1,3}\d{1,2}\D{1,3}\d{4}",
                               r"(?<!\d)\d{8}(?!\d)")),
    "year": ("0123456789", (r"\b\d{4}\b", r"\d{4}")),
    "phone": ("0123456789", (r"\b0\d{9}\b", r"0\d{9}")),
}


def _settle_by_digits_alone(f: Field, type_: str, images: "PageImages") -> None:
    """A number the page pass garbled or doubted (a digit offered otherwise, a second reading that
    disagreed, a low confidence), read again as digits alone from the page image.

    Where that reading repeats the value, the doubt is settled: on the FreeSerif and Liberation
    tuning forms (docs/benchmarks-fields.md, session 14) it repeated none of the 90 values the page
    pass had wrong and 116 right ones it had doubted. Where it gives another valid value, that one
    is taken (right 20 times, wrong 2 times where the first was right), never vouched for.
    """
    doubted = [w for w in images.words_under(f) if w.other is not None or w.digit_doubt >= DIGIT_DOUBT]
    if f.valid and not doubted and f.confidence >= CONFIDENCE_OK:
        return
    again = _digits_alone(f, type_, images)
    if again is None:
        return
    value, conf, problems, read = again
    if value == f.value:  # the page pass's repairs ("/" read "1") are settled too
        images.settle(f.page, doubted)
        f.confidence, f.valid, f.problems = max(f.confidence, conf / 100), True, problems
    elif not _lost_a_one(read, f.value):
        f.value, f.valid, f.problems = value, True, [REREAD]


def _lost_a_one(again: str, first: str) -> bool:
    """Whether the digits read alone are the first reading's less one "1": read alone with the
    leader erased, a thin 1 after a slash is lost ("25/2/1982" for "25/12/1982", a month of 12
    read 02 on 6 % of the tuning dates), while the page pass read it; the first reading stays."""
    a, b = re.sub(r"\D", "", again), re.sub(r"\D", "", first or "")
    return len(b) == len(a) + 1 and any(b[i] == "1" and b[:i] + b[i + 1:] == a for i in range(len(b)))


def _date_in_pieces(crop: np.ndarray, charset: str) -> tuple[str, float]:
    """A date typed into the form's three slots ("22 ……/ 11 ……/ 1999") read slot by slot: read as
    one line the wide gaps lose its slashes ("22 11999"). The pieces of ink apart by more than the
    digits' height, each read alone; three runs of digits make the date, else ""."""
    import cv2

    from ocr.engine import read_line

    _, ink = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    rows = np.flatnonzero(ink.any(axis=1))
    cols = ink.any(axis=0)
    if rows.size == 0:
        return "", 0.0
    height = rows[-1] - rows[0] + 1
    pieces, start, gap = [], None, 0
    for x, on in enumerate(cols):
        if on:
            start = x if start is None else start
            gap = 0
        elif start is not None:
            gap += 1
            if gap > height:
                pieces.append((start, x - gap + 1))
                start, gap = None, 0
    if start is not None:
        pieces.append((start, len(cols)))
    groups, confs = [], []
    for x0, x1 in pieces:
        piece = cv2.copyMakeBorder(crop[:, x0:x1], 0, 0, 20, 20, cv2.BORDER_CONSTANT, value=255)
        text, conf = read_line(piece, lang="eng", charset=charset)
        digits = re.sub(r"\D", "", text)
        if digits:
            groups.append(digits)
            confs.append(conf)
    if len(groups) != 3:
        return "", 0.0
    # the slash printed before the month's and the year's slot, read as a "1" or a "7" ("11999")
    groups[1:] = [g[1:] if len(g) == size + 1 and g[0] in "17" else g for g, size in zip(groups[1:], (2, 4))]
    return "/".join(groups), min(confs)


def _digits_alone(f: Field, type_: str, images: "PageImages") -> Optional[tuple[str, float, list[str], str]]:
    """The value read from its box on the page image as one line of digits (dot leaders erased,
    italics stood up), that reading's confidence (0-100), the value's problems and the text read;
    None when no valid value."""
    import cv2

    from ocr.engine import italics_stood_up, read_line
    from ocr.form_lines import remove_rules_and_leaders

    image = images.page(f.page)
    if image is None:
        return None
    if image.ndim == 3:
        image = cv2.cvtColor(image[:, :, :3], cv2.COLOR_BGR2GRAY)
    x0, y0, x1, y1 = (int(v) for v in f.bbox)
    pad = (y1 - y0) // 3
    crop = image[max(0, y0 - pad):y1 + pad, max(0, x0 - pad):x1 + pad]
    if crop.size == 0:
        return None
    crop = cv2.copyMakeBorder(crop, 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=255)
    crop = italics_stood_up(remove_rules_and_leaders(crop, images.pages[f.page - 1].dpi), 255)
    charset, shapes = _DIGITS_ALONE[type_]
    text, conf = read_line(crop, lang="eng", charset=charset)
    found = next((m for m in (re.search(shape, text) for shape in shapes) if m), None)
    if not found and type_ == "date":
        text, conf = _date_in_pieces(crop, charset)
        found = re.fullmatch(shapes[0], text)
    if not found:
        return None
    value, valid, problems = normalize(type_, found.group(0))
    return (value, conf, problems, found.group(0)) if valid and value else None


def finish_fields(template: Template, fields: dict[str, Field], doc: Optional[Document] = None) -> dict[str, Field]:
    """Every field of the template in template order, with cross-field and address checks added."""
    out = {}
    for spec in template.fields:
        out[spec.id] = fields.get(spec.id) or Field()
    for spec in template.fields:
        f = out[spec.id]
        if f.value is None:
            continue
        if spec.type == "text":  # addresses, authorities, places of birth: provinces and communes as listed
            f.value = repair_commune_names(repair_province_marks(unit_phrases_as_spelt(f.value)))
        if spec.check == "address":
            f.value = numbered_units_as_printed(f.value)
        if spec.type == "email":
            names = [out[n.id].value for n in template.fields if n.type == "name" and out[n.id].value]
            if spelt := email_by_name(f.value, names):
                f.problems.append(EMAIL_BY_NAME.format(f.value))
                f.value, f.valid = spelt, False
        read, f.value = f.value, spelt_as_listed(spec.check, f.value)
        if ambiguous := spelt_but_also_near(spec.check, read, f.value):
            f.problems.append(ambiguous)
        if near := listed_one_letter_off(spec.check, f.value):
            f.value, reason = near
            f.problems.append(reason)
        if spec.type == "id12" and f.valid and (spec.gender_field or spec.birth_field):
            gender = out[spec.gender_field].value if spec.gender_field and out[spec.gender_field].valid else None
            birth = out[spec.birth_field] if spec.birth_field else None
            year = birth.value[-4:] if birth is not None and birth.valid and birth.value else None
            for p in check_id12(f.value, gender, year):
                if p not in f.problems:
                    f.problems.append(p)
        if spec.check == "address":
            info, problems = check_address(f.value)
            f.problems.extend(p for p in problems if p not in f.problems)
            if problems:
                f.valid = False  # a place not on the lists, or with other marks: OCR, most likely
            if doc is not None and info.province:
                doc.extra.setdefault("dia_chi", {})[spec.id] = info.as_dict()
    return out
