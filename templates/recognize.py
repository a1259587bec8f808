"""Which form is this? Title lines, regexes and QR payloads of the templates against the pages.

The evidence must be specific: a form's title must stand as a line of its own (a sentence in a
letter that mentions "tờ khai thay đổi thông tin cư trú" is not that form), written in capitals
when the template writes it in capitals. Without a title, most of the form's labels must be
present. Anything weaker gives `None`: a wrong form is worse than none.
"""
from __future__ import annotations

from typing import Iterable, Optional

from rapidfuzz import fuzz

from ocr.model import Barcode, OcrPage
from ocr.textnorm import fold
from templates.extract import LabelIndex, Row, document_rows, label_key, label_threshold
from templates.registry import Template, load_templates, template_regex

#: Minimum title score (0-1) of a recognised form.
TITLE_MIN = 0.82
#: Without a title: share of the form's labels that must be found, and their minimum number.
LABELS_MIN_SHARE = 0.6
LABELS_MIN_COUNT = 5
#: `require` strings must reach this partial score (0-100) somewhere in the page text.
REQUIRE_MIN = 85


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) >= 0.6


def title_score(match: str, rows: list[Row]) -> float:
    """How well `match` stands as a line (or two consecutive lines) of its own: 0-1."""
    needle = " ".join(fold(match).split())
    upper = _is_upper(match)
    best = 0.0
    texts = [r.text for r in rows]
    candidates = texts + [a + " " + b for a, b in zip(texts, texts[1:])]
    for text in candidates:
        hay = " ".join(fold(text).split())
        if len(hay) < 0.6 * len(needle):
            continue
        al = fuzz.partial_ratio_alignment(needle, hay)
        if al is None or al.score < 100 * TITLE_MIN:
            continue
        score = al.score / 100
        extra = len(hay) - (al.dest_end - al.dest_start)
        if extra > 0.35 * len(needle) + 4:
            score *= max(0.0, 1 - (extra - 0.35 * len(needle) - 4) / len(needle))
        if upper and not _is_upper(text[al.dest_start:al.dest_end] if len(text) == len(hay) else text):
            score *= 0.8
        best = max(best, score)
    return best


def _present(text: str, page_text: str) -> bool:
    return fuzz.partial_ratio(" ".join(fold(text).split()), page_text) >= REQUIRE_MIN


def _require_ok(tpl: Template, page_text: str) -> bool:
    return all(_present(r, page_text) for r in tpl.require) and (
        not tpl.require_any or any(_present(r, page_text) for r in tpl.require_any))


def _labels_may_be_there(keys: set[str], rows: list[Row]) -> bool:
    """A quick upper bound before the label search: enough of the labels occur, roughly, in the
    page's letters run together (how labels are matched). Most pages are no form, and this keeps
    recognising them (every page of a batch is checked) cheap."""
    text = label_key(" ".join(r.text for r in rows))
    need = max(LABELS_MIN_COUNT, LABELS_MIN_SHARE * len(keys))
    # partial_ratio scores an insertion lower than the label search's ratio does: a wide margin
    near = sum(1 for k in keys if k and fuzz.partial_ratio(k, text) >= label_threshold(k) - 15)
    return near >= need


def score_template(tpl: Template, rows: list[Row], barcodes: list[Barcode]) -> float:
    """Recognition score 0-1 of one template; 0 when its evidence is missing."""
    for rx in tpl.match_barcode:
        if any(template_regex(rx).search(b.text) for b in barcodes):
            return 1.0
    if not rows:
        return 0.0
    page_text = " ".join(fold(" ".join(r.text for r in rows)).split())
    if (tpl.require or tpl.require_any) and not _require_ok(tpl, page_text):
        return 0.0
    title = max((title_score(m, rows) for m in tpl.match), default=0.0)
    folded_lines = "\n".join(" ".join(fold(r.text).split()) for r in rows)
    if any(template_regex(rx).search(folded_lines) for rx in tpl.match_regex):
        title = max(title, 0.92)  # a regex is weaker evidence than a printed title
    share = 0.0
    if not tpl.extractor:
        keys = {label_key(f.label) for f in tpl.fields}
        if title < TITLE_MIN and not _labels_may_be_there(keys, rows):
            return 0.0
        index = LabelIndex(rows, [f.label for f in tpl.fields])
        found = {h.key for hits in index.by_row.values() for h in hits}
        share = len(keys & found) / len(keys) if keys else 0.0
        if title < TITLE_MIN:
            if share >= LABELS_MIN_SHARE and len(keys & found) >= LABELS_MIN_COUNT:
                return round(0.5 + 0.4 * share, 3)
            return 0.0
        return round(title * (0.9 + 0.1 * share), 3)
    return round(0.9 * title, 3) if title >= TITLE_MIN else 0.0


def recognize(pages: list[Optional[OcrPage]], barcodes: Iterable[Barcode] = (), templates_dirs=(),
              templates: Optional[list[Template]] = None) -> tuple[Optional[str], float]:
    """(form id, confidence 0-1) of the best template, or (None, 0.0) when nothing fits well.

    The title is looked for on the first page that carries text; labels over all pages.
    """
    templates = templates if templates is not None else load_templates(templates_dirs)
    barcodes = list(barcodes)
    rows = document_rows(pages)
    first_page = next((r.page for r in rows), None)
    head_rows = [r for r in rows if r.page == first_page]
    best, best_score = None, 0.0
    for tpl in templates:
        score = score_template(tpl, head_rows, barcodes)
        if score > best_score:
            best, best_score = tpl.id, score
    return (best, best_score) if best else (None, 0.0)
