"""Label-anchored field extraction over OCR words.

A form prints labels ("1. Họ, chữ đệm và tên:") followed by the value. We rebuild the page's
physical text rows from word boxes (Tesseract may split one printed line into several lines or
blocks), find every label of the template in them with fuzzy matching on folded text (OCR noise,
lost diacritics, words split or merged, leading numbers and footnote marks), then read the value:
the words after the label up to the next label on the same row, else the row below; text values
continue on following rows that carry no label.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from statistics import median
from typing import Iterable, Optional

from rapidfuzz import fuzz

from ocr.model import Document, Field, OcrPage, Word, enclosing
from ocr.textnorm import collapse_spaces, fold, nfc
from templates.registry import FieldSpec, TableSpec, Template

_FOOTNOTE = re.compile(r"\(\s*\d{1,2}\s*\)|\*+")
_ENUM = re.compile(r"^\(?(\d{1,2}|[ivx]{1,4}|[a-đ])[.)]$", re.IGNORECASE)
_LEADER_ONLY = re.compile(r"^[\s.…·_,:;\-–—|/'\"`~]*$")
_LEADERS = re.compile(r"[.…·_]{2,}")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_LEADING_ENUM = re.compile(r"^\s*\(?(\d{1,2}|[IVX]{1,4})[.)]\s*")
# What OCR leaves of a footnote mark printed after a label ("Nơi cư trú: (2)"): "2)", "(2", "3'",
# "²", or the digit read as a letter ("Z)" for "2)", "f)" for "(1)" in serif faces, "ở)" for "(3)").
# No value starts with a one- or two-digit number, or one letter, glued to a bracket or a quote.
_FOOTNOTE_REST = re.compile(r"^(\(\s*\d{1,2}\s*[)'’`\]}|]?|\d{1,2}\s*[)'’`\]}|]|[¹²³⁴⁵⁶⁷⁸⁹⁰]{1,2}[)]?"
                            r"|\(?(?:[^\W\d_]|!)\s*[)\]}])[:.,]?$")

#: Minimum fuzzy score (0-100) of a label occurrence, by label length in letters.
def label_threshold(key: str) -> float:
    n = len(key)
    if n <= 3:
        return 100
    if n <= 8:
        return 85
    if n <= 14:
        return 82
    return 81


def label_key(text: str) -> str:
    """A label reduced to what survives OCR: folded letters and digits, no number or footnote."""
    text = _LEADING_ENUM.sub("", nfc(text))
    return _NON_ALNUM.sub("", fold(_FOOTNOTE.sub("", text)))


# ---------------------------------------------------------------- rows of tokens


@dataclass
class Tok:
    text: str
    key: str  # folded alnum
    bbox: tuple[int, int, int, int]
    conf: float
    enum: bool = False  # "1." "(2)" "a)" item number
    filler: bool = False  # ":" or dot leaders or a footnote mark only
    junk: bool = False  # most likely dot leaders read as characters: ends a value


@dataclass
class Row:
    page: int  # 1-based
    index: int  # position in the document's row order
    toks: list[Tok]
    width: int = 0  # page width

    @property
    def _body(self) -> list[Tok]:
        """Tokens with letters or digits: a stray dot or quote OCR placed off the line (a lost
        item number's dot, a speck) must not stretch the row into its neighbours."""
        return [t for t in self.toks if t.key] or self.toks

    @property
    def y0(self) -> int:
        return min(t.bbox[1] for t in self._body)

    @property
    def y1(self) -> int:
        return max(t.bbox[3] for t in self._body)

    @property
    def height(self) -> int:
        return int(median(t.bbox[3] - t.bbox[1] for t in self._body))

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.toks)


# Dot leaders that OCR read as letters: runs like "rrrrtrrre", "+-:++", "2222121" — a small
# letter or a sign repeated; capitals repeat in abbreviations ("CCCD", "III") and stay.
_REPEAT = re.compile(r"([^\W\d])\1\1|([-+=~*<>¬¿‡$£]){2}")
_JUNK_PUNCT = re.compile(r"[+=~*<>¬¿‡$£¢«»{}]")
_LEADER_DIGITS = re.compile(r"^[12il|I!\-+.,:;'`~]{4,}$")


def salvage(text: str) -> str:
    """The text of a word without the dot leaders OCR glued to its end ("Sơn+errertrerrrr" -> "Sơn")."""
    m = next((m for m in _REPEAT.finditer(text) if not (m.group(1) or "").isupper()), None)
    if m:
        text = text[: m.start()]
    m = _JUNK_PUNCT.search(text)
    if m:
        text = text[: m.start()]
    return text


def _make_tok(text: str, bbox, conf: float) -> Tok:
    text = _LEADERS.sub(" ", text).strip()
    if conf < 60 or len(text) > 14:
        kept = salvage(text).strip()
        if _LEADER_DIGITS.match(kept) and conf < 60:
            kept = ""
        if kept != text:
            x0, y0, x1, y1 = bbox
            x1 = min(x1, x0 + int(len(kept) * 0.75 * (y1 - y0)) + 1)
            bbox, text = (x0, y0, x1, y1), kept
    key = _NON_ALNUM.sub("", fold(_FOOTNOTE.sub("", text)))
    return Tok(text=text, key=key, bbox=tuple(bbox), conf=conf,
               enum=bool(_ENUM.match(text)), filler=not key and bool(_LEADER_ONLY.match(_FOOTNOTE.sub("", text))))


def _split_word(w: Word) -> list[Tok]:
    """A word with a colon inside ("tên:Nguyễn") as two tokens, boxes split by character share."""
    text = nfc(w.text)
    parts = [p for p in re.split(r"(?<=:)", text) if p]
    if len(parts) == 1:
        return [_make_tok(text, w.bbox, w.conf)]
    x0, y0, x1, y1 = w.bbox
    total = sum(len(p) for p in parts)
    out, pos = [], 0
    for p in parts:
        a = x0 + (x1 - x0) * pos // total
        pos += len(p)
        b = x0 + (x1 - x0) * pos // total
        out.append(_make_tok(p, (a, y0, b, y1), w.conf))
    return out


def page_rows(ocr: OcrPage, page_no: int, start_index: int = 0) -> list[Row]:
    """Tokens of a page grouped into physical rows (by vertical overlap), each sorted left to right."""
    toks = [t for w in ocr.words for t in _split_word(w) if t.text]
    if toks:
        # a "word" several lines tall is a column of item numbers or specks that OCR strung
        # together: it belongs to no row and would glue all rows it spans into one
        med = median(t.bbox[3] - t.bbox[1] for t in toks)
        toks = [t for t in toks if t.bbox[3] - t.bbox[1] <= 3 * med]
    toks.sort(key=lambda t: (t.bbox[1] + t.bbox[3]) / 2)
    rows: list[list[Tok]] = []
    spans: list[list[float]] = []  # y0, y1, centre of each open row
    for t in toks:
        y0, y1 = t.bbox[1], t.bbox[3]
        h = max(1, y1 - y0)
        c = (y0 + y1) / 2
        best, best_ov = None, 0.0
        for i in range(max(0, len(rows) - 4), len(rows)):
            r0, r1, rc = spans[i]
            ov = (min(y1, r1) - max(y0, r0)) / min(h, max(1, r1 - r0))
            if ov > 0.45 and abs(c - rc) < 0.6 * max(h, r1 - r0) and ov > best_ov:
                best, best_ov = i, ov
        if best is None:
            rows.append([t])
            spans.append([y0, y1, c])
        else:
            rows[best].append(t)
            n = len(rows[best])
            spans[best] = [min(spans[best][0], y0), max(spans[best][1], y1), spans[best][2] + (c - spans[best][2]) / n]
    out = []
    for i, r in enumerate(sorted(rows, key=lambda r: min(t.bbox[1] for t in r))):
        r.sort(key=lambda t: t.bbox[0])
        _mark_junk(r)
        out.append(Row(page=page_no, index=start_index + i, toks=r, width=ocr.width))
    return out


#: Below this word confidence (0-100) an odd-shaped word is taken for dot leaders.
JUNK_CONF = 30


def _mark_junk(row: list[Tok]) -> None:
    """Flag words that are dot leaders read as text: unsure, and too flat, too tall or too wide."""
    good = [t.bbox[3] - t.bbox[1] for t in row if t.conf >= JUNK_CONF and t.key]
    if not good:
        return
    med = median(good)
    for t in row:
        if t.conf >= JUNK_CONF or t.filler:
            continue
        h, w = t.bbox[3] - t.bbox[1], t.bbox[2] - t.bbox[0]
        if "@" in t.text:
            continue  # an e-mail address ("@", "g" and "l" make it taller than a row of capitals)
        if not t.key or h < 0.55 * med or h > 1.35 * med or w > (len(t.text) + 1) * 0.9 * h:
            t.junk = not _dotted_words(t.text)


#: Letters between single dots: words typed on a leader and read as one ("”).Ủy.ban.nhân").
_DOTTED_WORDS = re.compile(r"[^\W\d_]+(?:\.[^\W\d_]+)+")


def _dotted_words(text: str) -> bool:
    """Whether an unsure word is three or more Vietnamese syllables glued by a leader's single
    dots: words of the value, boxed tall by a footnote mark beside them, not leaders read as text."""
    m = _DOTTED_WORDS.search(text)
    if m is None:
        return False
    from templates.normalize import is_syllable

    parts = m.group(0).split(".")
    return len(parts) >= 3 and all(len(p) >= 2 or p.isupper() for p in parts) and all(map(is_syllable, parts))


def document_rows(pages: Iterable[Optional[OcrPage]]) -> list[Row]:
    rows: list[Row] = []
    for n, ocr in enumerate(pages, start=1):
        if ocr is not None and ocr.words:
            rows.extend(page_rows(ocr, n, len(rows)))
    return rows


# ---------------------------------------------------------------- label occurrences


@dataclass
class Hit:
    key: str
    row: int  # Row.index
    start: int  # first token (item number included)
    end: int  # one past the last label token (colon and footnote marks included)
    score: float

    @property
    def pos(self) -> tuple[int, int]:
        return self.row, self.start


#: Words read at least this sure are what the page prints (`_words_like_a_label`).
LABEL_SURE_CONF = 90.0


def _words_like_a_label(toks: list[Tok], i: int, j: int) -> bool:
    """Whether tokens `i..j`, a letter or so off a label, are a value's words rather than that
    label misread: read sure, inside the row (not its first word), and with no colon after them
    ("Quê quán: Xã Nam Ninh Hòa": "Nam Ninh" is 86 % "Năm sinh"). A printed label ends with a
    colon, and one misread by a letter is seldom read sure."""
    first = next((k for k, t in enumerate(toks) if not (t.enum or t.filler)), 0)
    words = [t for t in toks[i: j + 1] if not t.filler]
    colon = ":" in toks[j].text or (j + 1 < len(toks) and ":" in toks[j + 1].text)
    return i > first and not colon and all(t.conf >= LABEL_SURE_CONF for t in words)


def _row_hits(row: Row, keys: Iterable[str]) -> list[Hit]:
    """Non-overlapping label occurrences in one row; longer well-matched labels win over short ones."""
    toks = row.toks
    starts = [(i, t) for i, t in enumerate(toks) if not (t.enum or t.filler or not t.key)]
    cands: list[tuple[float, Hit]] = []
    for key in keys:
        first = key[: max(2, min(len(key), 5))]
        thr = label_threshold(key)
        limit = len(key) * 1.35 + 3
        for i, t in starts:
            n = min(len(t.key), len(first))
            if fuzz.ratio(t.key[:n], first[:n]) < 50 and not (
                    # the label's first letters lost to OCR ("+0 tịnh danh" for "4. Số định danh")
                    len(t.key) >= 3 and fuzz.partial_ratio(t.key, key[:len(t.key) + 4]) >= 75):
                continue
            s, best, best_j = "", 0.0, -1
            for j in range(i, len(toks)):
                if toks[j].filler:
                    continue
                if j > i and toks[j - 1].text.endswith(":"):
                    break  # a printed label ends at its colon: what follows is its value
                s += toks[j].key
                if len(s) > limit:
                    break
                r = fuzz.ratio(s, key)
                if r > best:
                    best, best_j = r, j
            if best >= thr and best < 100 and _words_like_a_label(toks, i, best_j):
                continue
            if best >= thr:
                start = i - 1 if i > 0 and toks[i - 1].enum else i
                end = best_j + 1
                while end < len(toks) and (toks[end].filler or _FOOTNOTE.fullmatch(toks[end].text.rstrip(":"))):
                    end += 1
                # long labels win over the short ones inside them, unless matched much worse
                weight = len(key) * ((best - 60) / 40) ** 2
                cands.append((weight, (i, best_j + 1), Hit(key, row.index, start, end, best)))
    cands.sort(key=lambda c: -c[0])
    taken: list[tuple[tuple[int, int], Hit]] = []
    for _w, (a, b), h in cands:
        if all(b <= o.start or a >= o.end for _, o in taken) and all(
                h.end <= oa or h.start >= ob for (oa, ob), _ in taken):  # labels' own words apart
            taken.append(((a, b), h))
    hits = sorted((h for _, h in taken), key=lambda h: h.start)
    # a mark between two labels ("Năm sinh: (5) Dân tộc:") is the first one's footnote, not the
    # second one's item number
    return [replace(h, start=max(h.start, hits[k - 1].end)) if k else h for k, h in enumerate(hits)]


class LabelIndex:
    """Every occurrence of the given label texts in the document's rows."""

    def __init__(self, rows: list[Row], texts: Iterable[str]):
        self.rows = rows
        self.keys = sorted({label_key(t) for t in texts if label_key(t)})
        self.by_row: dict[int, list[Hit]] = {}
        for row in rows:
            hits = _row_hits(row, self.keys)
            if hits:
                self.by_row[row.index] = hits

    def occurrences(self, text: str) -> list[Hit]:
        key = label_key(text)
        return [h for r in sorted(self.by_row) for h in self.by_row[r] if h.key == key]

    def first(self, text: str) -> Optional[Hit]:
        occ = self.occurrences(text)
        return occ[0] if occ else None


def template_label_texts(template: Template) -> list[str]:
    texts = [lbl for f in template.fields for lbl in f.labels]
    texts += [f.section for f in template.fields if f.section]
    texts += template.stops + [t.after for t in template.tables]
    return texts


# ---------------------------------------------------------------- values


@dataclass
class Value:
    toks: list[Tok] = field(default_factory=list)
    page: Optional[int] = None

    @property
    def raw(self) -> str:
        return collapse_spaces(" ".join(t.text for t in self.toks))

    @property
    def confidence(self) -> float:
        """Mean and weakest word confidence averaged (0-1): one unsure word makes the value unsure."""
        confs = [max(0.0, min(100.0, t.conf)) for t in self.toks]
        if not confs:
            return 0.0
        return round((sum(confs) / len(confs) + min(confs)) / 200, 3)

    @property
    def bbox(self):
        if not self.toks:
            return None
        return enclosing(t.bbox for t in self.toks)


def _content(toks: list[Tok], keep_junk: bool = False) -> list[Tok]:
    """Value tokens without leaders, colons and stray punctuation at the edges.

    A value ends at the first junk word after it: the dot leaders printed after the value.
    """
    out: list[Tok] = []
    skipped: list[Tok] = []
    for t in toks:
        if t.junk and not keep_junk:
            if any(u.key for u in out):
                break
            skipped.append(t)
            continue
        if not t.filler:
            out.append(t)
    while out and (not out[0].key or _FOOTNOTE_REST.match(out[0].text)):
        out.pop(0)
    while out and not out[-1].key:
        out.pop()
    # a garbled word boxed across the value's own words (".Lhôn.5.,.Xã.Nam" over "Cam Ranh,") is
    # the value's start read badly, not leaders: what is left must not look sure
    over = [t for t in skipped if t.key and out and t.bbox[2] > out[0].bbox[0] + (out[0].bbox[3] - out[0].bbox[1])]
    if over:
        out[0] = replace(out[0], conf=min(out[0].conf, min(t.conf for t in over)))
    return out


def _score(toks: list[Tok]) -> float:
    return sum(max(t.conf, 1.0) * len(t.key) for t in toks)


def read_value(index: LabelIndex, hit: Hit, spec: FieldSpec) -> Value:
    """The value of a label: right of it up to the next label, on its row or just above it
    (written above the dotted line); else on the row below; text may continue on later rows."""
    rows = index.rows
    row = rows[hit.row]
    hits = index.by_row.get(row.index, [])
    nxt = next((h for h in hits if h.start >= hit.end), None)
    x_lo = row.toks[hit.end - 1].bbox[2] - row.height // 3
    x_hi = row.toks[nxt.start].bbox[0] if nxt else 10 ** 9
    boxed = spec.type == "id12"  # digits in boxes: borders make OCR unsure, keep everything
    best: list[Tok] = _content(row.toks[hit.end: nxt.start if nxt else len(row.toks)], boxed)
    best_row = row
    for other in rows[max(0, row.index - 2): row.index + 2]:
        if other is row or other.page != row.page or boxed:
            continue
        centre = (other.y0 + other.y1) / 2
        if not (row.y0 - 0.9 * row.height <= centre <= row.y1 + 0.2 * row.height):
            continue
        region = [t for t in other.toks if x_lo <= (t.bbox[0] + t.bbox[2]) / 2 < x_hi]
        if any(h.start < len(other.toks) and other.toks[h.start] in region for h in index.by_row.get(other.index, [])):
            continue
        cand = _content(region, boxed)
        if cand and cand[-1].text.endswith(":"):
            continue  # the tail of a printed label ("… cá nhân/CMND:"), not a value above the dots
        if _score(cand) > _score(best):
            best, best_row = cand, other
    value = Value(toks=list(best), page=row.page)
    last = best_row
    after = max(row.index, best_row.index)
    if not best:
        below = _next_row(rows, rows[after])
        if below is None or below.index in index.by_row or _printed_item(below):
            return value
        value.toks = _content(below.toks)
        last = below
        after = below.index
    # a value right of another field on a multi-column row is short: it never wraps
    second_column = any(h.start < hit.start for h in hits)
    if spec.may_continue and value.toks and not second_column:
        k = after + 1
        for _ in range(4):
            if k >= len(rows) or rows[k].page != last.page:
                break
            below = rows[k]
            k += 1
            if below.index in index.by_row or below.y0 - last.y1 > 1.6 * max(last.height, below.height) \
                    or _printed_item(below):
                break
            more = _content(below.toks)
            if not more:
                continue  # a row of dot leaders only
            right = max(t.bbox[2] for t in value.toks if t.bbox[1] >= last.y0 - last.height)
            if right < _right_margin(rows, last.page) - 0.1 * last.width:
                break
            if more[0].bbox[0] > value.toks[0].bbox[0] + 3 * below.height:
                break  # starts far to the right: a signature block, not a wrapped line
            value.toks.extend(more)
            last = below
    return value


def _printed_item(row: Row) -> bool:
    """A printed item of the form ("7. Nơi thường trú:"), a label this template does not know
    (another edition's): words and a colon at the row's start, its number maybe misread.
    Never the value or the continuation of the item above it."""
    toks = [t for t in row.toks if not t.filler]
    if toks and (toks[0].enum or len(toks[0].text) <= 3 and not toks[0].text.endswith(":")):
        toks = toks[1:]  # the item number, or what OCR made of it ("II" for "7.")
    for k, t in enumerate(toks[:6]):
        if t.text.endswith(":"):
            return k >= 1 and all(u.text.rstrip(":").replace(",", "").isalpha() for u in toks[:k + 1])
    return False


def _next_row(rows: list[Row], row: Row) -> Optional[Row]:
    if row.index + 1 >= len(rows):
        return None
    below = rows[row.index + 1]
    if below.page != row.page or below.y0 - row.y1 > 1.6 * max(row.height, below.height):
        return None
    return below


def _right_margin(rows: list[Row], page: int) -> int:
    rights = sorted(max(t.bbox[2] for t in r.toks) for r in rows if r.page == page)
    return rights[int(0.9 * (len(rights) - 1))] if rights else 0


# ---------------------------------------------------------------- fields of a template


def locate_fields(template: Template, index: LabelIndex) -> dict[str, Optional[Hit]]:
    """The label occurrence of each field: sections first, then printed order among equal labels."""
    section_starts: dict[str, tuple[int, int]] = {}
    for f in template.fields:
        if f.section and f.section not in section_starts:
            h = index.first(f.section)
            if h is not None:
                section_starts[f.section] = h.pos
    starts = sorted(section_starts.values())
    # fields are printed above the form's tables: their column headers repeat field labels
    tables = [h.pos for t in template.tables for h in [index.first(t.after)] if h is not None]
    end = min(tables) if tables else (10 ** 9, 0)
    used: set[tuple[int, int]] = set()
    out: dict[str, Optional[Hit]] = {}
    for f in template.fields:
        lo, hi = (-1, -1), (10 ** 9, 0)
        if f.section:
            if f.section in section_starts:
                lo = section_starts[f.section]
                later = [s for s in starts if s > lo]
                hi = later[0] if later else hi
        else:
            keys = {label_key(x) for x in f.labels}
            shared = [section_starts[g.section] for g in template.fields
                      if g.section in section_starts and keys & {label_key(x) for x in g.labels}]
            if shared:
                hi = min(shared)
        chosen = None
        for label in f.labels:
            for h in index.occurrences(label):
                if h.pos not in used and lo <= h.pos < min(hi, end):
                    if chosen is None or h.pos < chosen.pos:
                        chosen = h
                    break
        if chosen is not None:
            used.add(chosen.pos)
        out[f.id] = chosen
    return out


def extract_fields(template: Template, pages: list[Optional[OcrPage]]) -> tuple[dict[str, Field], dict]:
    """Raw fields (value = raw text; normalised later) and extras (tables) of a recognised form."""
    rows = document_rows(pages)
    index = LabelIndex(rows, template_label_texts(template))
    fields: dict[str, Field] = {}
    for fid, hit in locate_fields(template, index).items():
        spec = template.field(fid)
        if hit is None:
            fields[fid] = Field()
            continue
        v = read_value(index, hit, spec)
        raw = v.raw or None
        fields[fid] = Field(value=raw, raw=raw, confidence=v.confidence if raw else 0.0,
                            page=v.page if raw else None, bbox=v.bbox if raw else None)
    extra = {}
    for table in template.tables:
        rows_out = read_table(index, table, template)
        if rows_out:
            extra[table.id] = rows_out
    return fields, extra


# ---------------------------------------------------------------- tables


def read_table(index: LabelIndex, table: TableSpec, template: Template) -> list[dict]:
    """Rows of a printed table under its heading, cells placed by the header words' x-positions."""
    from templates.normalize import normalize

    head = index.first(table.after)
    if head is None:
        return []
    rows = index.rows
    start = head.row + 1
    zone: list[Row] = []
    i = start
    header_words = {label_key(w) for col in table.columns for w in col.label.split()} - {""}
    while i < len(rows) and len(zone) < 3 and rows[i].page == rows[head.row].page:
        first = rows[i].toks[0]
        if zone and (first.key.isdigit() or not _is_header_row(rows[i], header_words)):
            break  # the first member (its row number may be lost to OCR)
        zone.append(rows[i])
        i += 1
    if not zone:
        return []
    columns = _columns(zone, table)
    if len(columns) < 2:
        return []
    stop_keys = {label_key(s) for s in table.stops + template.stops}
    records: list[dict[str, list[Tok]]] = []
    prev = zone[-1]
    tt_col = table.columns[0].id
    while i < len(rows):
        row = rows[i]
        # empty table rows between members are fine; a wide gap ends the table
        if row.page != prev.page or row.y0 - prev.y1 > 4.0 * max(row.height, prev.height):
            break
        folded = fold(row.text)
        if any(h.key in stop_keys for h in index.by_row.get(row.index, [])) or (
                "ngay" in folded and "thang" in folded and " nam" in folded):
            break
        content = [t for t in row.toks if not t.filler]
        if all(t.conf < JUNK_CONF for t in content) or (
                len(content) == 1 and content[0].key.isdigit() and len(content[0].key) <= 2):
            prev = row
            i += 1
            continue  # specks or border remains read as characters, or an empty member row's number
        cells: dict[str, list[Tok]] = {}
        left = min(a for a, _b in columns.values())
        for k, t in enumerate(row.toks):
            if t.filler:
                continue
            if k == 0 and tt_col not in columns and t.key.isdigit() and len(t.key) <= 2 and t.bbox[2] <= left:
                cells.setdefault(tt_col, []).append(t)  # the row number, its header misread
                continue
            cells.setdefault(_column_of(t, columns), []).append(t)
        # a new member: its row number, or (the number lost to OCR) cells in several columns;
        # a row with text in one column only is a cell's wrapped text
        if cells.get(tt_col) or not records or len([c for c in cells if c != tt_col]) >= 2:
            records.append(cells)
        else:
            for cid, toks in cells.items():
                records[-1].setdefault(cid, []).extend(toks)
        prev = row
        i += 1
    out = []
    for rec in records:
        row_out = {}
        for col in table.columns[1:]:
            raw = collapse_spaces(" ".join(t.text for t in _content(rec.get(col.id, [])))) or None
            if raw and col.type == "name":  # the row number run into the name ("1 Vũ Thanh Thảo")
                raw = re.sub(r"^\d{1,2}[.)]?\s+", "", raw) or None
            value, valid, _problems = normalize(col.type, raw)
            row_out[col.id] = value if valid else raw
        if any(row_out.values()):
            out.append(row_out)
    return out


def _is_header_row(row: Row, header_words: set[str]) -> bool:
    """Most of the row's words are words of the column headers."""
    keys = [t.key for t in row.toks if t.key]
    hits = sum(1 for k in keys if any(fuzz.ratio(k, w) >= 70 for w in header_words))
    return bool(keys) and hits >= 0.5 * len(keys)


def _columns(zone: list[Row], table: TableSpec) -> dict[str, tuple[int, int]]:
    """Column id -> x-range of its header cell, from x-clusters of the header rows' words."""
    toks = sorted((t for r in zone for t in r.toks if t.key), key=lambda t: t.bbox[0])
    if not toks:
        return {}
    h = median(t.bbox[3] - t.bbox[1] for t in toks)
    clusters: list[list[Tok]] = []
    for t in toks:
        for c in clusters:
            x0, x1 = min(u.bbox[0] for u in c), max(u.bbox[2] for u in c)
            same_row = [u for u in c if abs(u.bbox[1] - t.bbox[1]) < h / 2]
            if same_row:
                if t.bbox[0] - max(u.bbox[2] for u in same_row) < 1.2 * h:
                    c.append(t)
                    break
            elif t.bbox[0] < x1 and t.bbox[2] > x0:
                c.append(t)
                break
        else:
            clusters.append([t])
    texts = []
    for c in clusters:
        c.sort(key=lambda u: (round(u.bbox[1] / h), u.bbox[0]))
        texts.append("".join(u.key for u in c))
    pairs = sorted(((fuzz.ratio(texts[k], label_key(col.label)), k, col.id)
                    for k in range(len(clusters)) for col in table.columns), reverse=True)
    out: dict[str, tuple[int, int]] = {}
    used = set()
    for score, k, cid in pairs:
        if score < 60 or k in used or cid in out:
            continue
        used.add(k)
        c = clusters[k]
        out[cid] = (min(u.bbox[0] for u in c), max(u.bbox[2] for u in c))
    return out


def _column_of(t: Tok, columns: dict[str, tuple[int, int]]) -> str:
    cx = (t.bbox[0] + t.bbox[2]) / 2

    def dist(rng):
        a, b = rng
        return 0 if a <= cx <= b else min(abs(cx - a), abs(cx - b))

    return min(columns, key=lambda cid: dist(columns[cid]))


def extract(doc: Document, template: Template) -> dict[str, Field]:
    """The generic extractor with the same signature as the special ones (templates/<name>.py)."""
    fields, extra = extract_fields(template, [p.ocr for p in doc.pages])
    doc.extra.update(extra)
    return fields
