"""Whether the tool vouches for a field value (`needs_review: false`) or sends it to the officer.

A wrong value that looks checked is the worst outcome, so the decision is conjunctive: a value
is vouched for only when every signal agrees — found, valid, no problem raised by any check
(format, closed lists, addresses, ID-number cross-checks, CCCD QR against print), OCR confident,
no label or instruction words inside it, every word a possible Vietnamese syllable where the
field holds Vietnamese words (names, closed lists), not handwritten or coloured ink under it, and
no near-duplicate of another value of the form (the same person's name or address printed twice
and read two ways). Each failed signal adds its Vietnamese reason to `problems`.

The decision is fed by plain data: the template, the fields and, for the ink signal, the page
images (`ProcessedPage.image`). Thresholds are calibrated in docs/benchmarks-fields.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Optional, Sequence

import numpy as np
from rapidfuzz.distance import Levenshtein

from ocr.engine import TILDE_OR_DOT
from ocr.handwriting import Evidence, handwriting_evidence
from ocr.model import Document, Field, Word
from ocr.syllable_lm import load_model
from ocr.textnorm import collapse_spaces, fold, nfc
from templates.addresses import check_place_name, check_place_tail, check_unit_name, odd_case_word
from templates.normalize import CARD_DIGITS, CARD_NUMBER, SURNAMES, data_rows, is_syllable, mask_id
from templates.registry import Template

#: Below this field confidence (0-1, mean and weakest word averaged) a value is not vouched for.
#: Calibrated on the tuning set of bench/bench_fields.py (docs/benchmarks-fields.md).
REVIEW_CONFIDENCE = 0.80
#: Share of ink pixels under a value that are clearly coloured (blue/red pen or stamp, not the
#: black or grey of print) above which the value is taken for handwriting or a stamp, and the
#: chroma (CIELAB a*b* distance from grey, 0-255 scale) that counts as coloured. Black print on
#: real colour scans stays under 14 at the 99th percentile; ballpoint blue is 40 and more.
COLOURED_INK_SHARE = 0.25
COLOURED_CHROMA = 30
#: Handwriting score (ocr/handwriting.py, 0-1) from which the shapes of the ink under a value are
#: taken for handwriting whatever its colour (bench/bench_handwriting.py at 0.9: 1.5 % of real
#: print lines, 92 % of real handwritten lines, 2.7 % and 95 % on faces it never trained on; 0.8
#: caught no more real handwriting and flagged half as many typed values again at 200 dpi). A value of one or two words rests on fewer than
#: SURE_WINDOWS windows, too little to tell alone: it counts as handwriting when it scores so and
#: the form's other values do not say print. One hand fills a whole form: when most of its
#: values look handwritten, every value of the form is sent to review.
HANDWRITING_SCORE = 0.9
SURE_WINDOWS = 3
#: A word of a name whose marks the engine nearly read otherwise (an alternative letter differing
#: only in its marks at this confidence, 0-100: "Chỉ" offered "Chi" at 78, "Thăng" offered
#: "Thắng" at 51) is not vouched for. At 70, 1 % of right name words on the tuning pages of both
#: font sets; 45 (session 13) flags 0.2-0.7 points more right values on three new tuning sets.
MARK_DOUBT = 45
#: The same for a name in capitals, whose marks sit squeezed above the letters ("QUÂN" read "QUẦN"
#: at 92 with "Â" offered at 27, "THU" read "THỦ" with "U" at 31): 25 flags 5 % of right capital
#: words on the tuning pages of both font sets, and all 3 wrong ones between 25 and 70.
MARK_DOUBT_CAPITALS = 25
#: A mark above a word's letters is a component of its ink at most this share of the word box's
#: height, ending in its top half (`PageImages.round_mark`); a round one (an i's dot) is at most
#: this many times as wide as tall: a printed tilde is 2-3 times, a dot 1-1.3.
MARK_HEIGHT = 0.3
MARK_ZONE = 0.5
ROUND_MARK = 1.5
#: In other values only an "ĩ" the engine also offered as "i" (an italic i's dot beside a serif):
#: the places, authorities and subjects the syllable model corrected stay vouched for, as its
#: context decides them well ("TINH" -> "TỈNH"); a name is not decided by context.
MARKS_NOT_READ = TILDE_OR_DOT
#: A number whose digit the engine nearly read as another digit (`Word.digit_doubt`, 0-100: an
#: italic "1993" read "1995" at 86 with "3" offered at 24) is not vouched for.
DIGIT_DOUBT = 20
_NUMBER_TYPES = ("date", "year", "id12", "phone")
#: A run of digits that may be part of an identity number (9 of the old card, 12 of the CCCD).
_LONG_NUMBER = re.compile(r"\d{6,}")

MISSING = "Không đọc được giá trị, cần nhập tay"
LOW_CONFIDENCE = "Độ tin cậy thấp, cần kiểm tra"
LABEL_WORDS = "Giá trị có chữ của nhãn hoặc lời dẫn in sẵn ('{}'), cần kiểm tra"
FOOTNOTE = "Giá trị có dấu chú thích của mẫu in ('{}'), cần kiểm tra"
BAD_SYLLABLE = "Có chữ không phải âm tiết tiếng Việt ('{}'), có thể đọc sai dấu"
UNKNOWN_SURNAME = "Họ '{}' không có trong danh sách họ, cần kiểm tra"
NOT_IN_LIST = "'{}' không có trong danh mục {}, cần kiểm tra"
LISTED_NEAR = "'{}' không có trong danh mục {}: đã sửa thành '{}' (khác một chữ), cần kiểm tra"
MIXED_DIGITS = "Số có lẫn chữ ('{}'), có thể đọc sai"
STROKE_NUMBER = "Số 1 hay chữ I ('{}'): dễ đọc nhầm, cần kiểm tra"
ODD_CASE = "Chữ hoa lẫn chữ thường trong một từ ('{}'), có thể đọc sai"
STRAY_MARK = "Dấu câu lạc sau '{}' (có thể là vết bẩn trên giấy), cần kiểm tra"
STRAY_QUOTE = "Dấu ngoặc kép lẻ '{}' (có thể là vết bẩn trên giấy), cần kiểm tra"
DOUBLED_MARK = "Hai dấu câu liền nhau '{}' (có thể là vết bẩn trên giấy), cần kiểm tra"
HANDWRITTEN = "Chữ viết tay hoặc mực màu dưới giá trị, cần kiểm tra"
UNSURE_MARKS = "Dấu của '{}' đọc chưa chắc chắn, cần kiểm tra"
MARKED_I = "Chữ 'i' của '{}' đọc thành 'ỉ' hoặc 'ĩ' (chấm của chữ i nghiêng dễ đọc thành dấu), đã sửa: cần kiểm tra"
UNSURE_DIGITS = "Chữ số của '{}' đọc chưa chắc chắn, cần kiểm tra"
READINGS_DIFFER = "Hai lần đọc '{}' cho kết quả khác nhau, cần kiểm tra"
ONE_WORD_NAME = "Họ tên chỉ có một chữ ('{}'), có thể thiếu phần sau, cần kiểm tra"
CARD_LENGTH = "Số giấy tờ tùy thân đọc được {} chữ số (CCCD 12, CMND 9 hoặc 12), cần kiểm tra"
BARE_NUMBER = "Số giấy tờ không có tên loại giấy tờ trước nó, có thể đọc thiếu, cần kiểm tra"
UNNAMED_NUMBER = "Địa chỉ bắt đầu bằng số '{}' không có Tổ, Thôn, Số… trước nó, có thể đọc sai, cần kiểm tra"
NOUGHT_FIRST = "Số nhà bắt đầu bằng số 0 ('{}'): có thể đọc mất chữ số đầu, cần kiểm tra"
SMALL_START = "Tên cơ quan hoặc địa chỉ bắt đầu bằng chữ thường ('{}'): có thể đọc thiếu phần đầu, cần kiểm tra"
NEAR_COPY = "Cùng chữ nhưng khác dấu với '{}' ({}): một trong hai bị đọc sai"
NAMELESS_UNIT = "Giá trị kết thúc bằng '{}' mà không có tên sau nó, có thể đọc thiếu, cần kiểm tra"
PARENT_YEAR = "Năm sinh {} không trước ngày sinh của con ({})"
PARENT_YOUNG = "Năm sinh {}: dưới {} tuổi khi sinh con ({}), có thể đọc sai chữ số, cần kiểm tra"
LISTED_AMBIGUOUS = "'{}' đọc ra không có trong danh mục {}: đã sửa dấu thành '{}', nhưng cũng gần '{}', cần kiểm tra"

#: Printed instruction phrases of Vietnamese forms that are never part of a filled-in value.
#: (The form's own labels are added per template: `_label_phrases`.)
INSTRUCTIONS = ("ghi rõ", "dưới đây", "nếu có", "chữ đệm", "họ và tên", "ngày, tháng, năm", "kính gửi")
#: An administrative unit's word is always followed by its name or number: a full stop or comma
#: between them is a speck the OCR read ("Xã. Pắc Ta", "Thành phố. Huế", "Thôn,5"), never the writer's.
_STRAY_MARK = re.compile(r"\b((?i:xa|phuong|thi tran|huyen|quan|thon|ap|to dan pho|khu pho|thanh pho|tinh))"
                         r"\s*(?:\.\s*(?=[A-Z0-9])|,\s*(?=\d))"
                         r"|\b((?i:to|xom|khom|ban|buon|ngo|ngach|hem|kiet|doi|lo))\s*[.,]\s*(?=\d)")
#: A value that ends in an administrative unit's word with no name after it ("Công an xã" for
#: "Công an xã Hải Tiến": the name lost to the leader dots); "cấp xã", "các xã" name no unit. Matched
#: with its marks, in small letters: "Hà Tĩnh" ends in a name.
_NAMELESS_UNIT = re.compile(r"(?<!cấp )(?<!các )\b(xã|phường|thị trấn|đặc khu|huyện|tỉnh|thành phố|thị xã)\s*[.,;:]?\s*$")
#: A full stop after a unit's number before the next unit ("Tổ 11. Xã Cư Yang"): a comma read badly.
_STOP_AFTER_NUMBER = re.compile(r"(\d+)\.\s+(?=(?i:xa|phuong|thi tran|dac khu|huyen|quan|thi xa|thanh pho|tinh)\b)")
#: A full stop after a word of small letters before a capital inside a value ("Trạm Y tế. Xã Hải
#: Thịnh"): an address or a name of a place is one sentence; a speck the OCR read.
_STOP_INSIDE = re.compile(r"(?<=[^\W\d_A-Z])\.\s+(?=[A-ZĐ])")
#: Two marks of punctuation side by side ("Hóc Môn,. Thành phố"): one of them is a speck; an
#: ellipsis ("...") is the writer's.
_QUOTES = "“”\"«»"
_DOUBLED_MARK = re.compile(r"[,;:]\s*[.,;:]|\.\s*[,;:]")
#: A number with a letter OCR confuses with a digit inside it ("kỳ họp thứ 3l", "1O/2024", an
#: italic 7 as "Z": "Số Z5"; Vietnamese writes no z).
_MIXED = re.compile(r"\b(?=\w*\d)(?=\w*[lIOoZz])[\dlIOoZz]{2,}\b")
#: A numbered unit whose number reads as strokes alone ("Tổ I", "Thôn II", "Phường l", "Tổ ]"): a
#: "1" of many faces, italic above all, and an "I", "l" or a bracket are the same stroke; which was
#: printed the reading cannot tell.
_STROKE_NUMBER = re.compile(r"\b(?i:to|thon|xom|ap|khu pho|to dan pho|phuong|so|khom|doi|lo|hem|ngo|kiet|ban|buon)"
                            r"\s+[Il|\[\]!]{1,3}(?=[\s,.;]|$)")
_FOOTNOTE = re.compile(r"^\(?\d{1,2}[)'’]|\(\d{1,2}\)")
_EDGE_SIGNS = ",.;:()\"'“”"
#: An address that starts with a number alone before its first comma ("74, Xã Phù Yên" for
#: "Tổ 4, …": the unit's word read as a digit or lost).
_UNNAMED_NUMBER = re.compile(r"^\d+\s*,")
#: A house number that starts with a nought ("Số 05 đường …" for "Số 105"): a first digit lost.
_NOUGHT_FIRST = re.compile(r"\b(?i:so)\s+0\d{0,2}(?=\s+[^\W\d_])")
#: "số 0861…" without "CCCD"/"Hộ chiếu" before it: the value's start was lost.
_BARE_NUMBER = re.compile(r"^(?:số|so)\s*:?\s*\d")
_LISTS = {"dan_toc": ("ethnic_groups.csv", "54 dân tộc"), "quoc_tich": ("nationalities.csv", "quốc tịch"),
          "quan_he": ("relationships.csv", "quan hệ gia đình")}


@dataclass
class Signals:
    """What the page says about one value beyond its text: computed by `ink_signals`."""

    coloured_share: float = 0.0  # share of ink pixels that are coloured
    handwriting: Optional[Evidence] = None  # shapes of handwriting rather than print

    @property
    def coloured(self) -> bool:
        return self.coloured_share > COLOURED_INK_SHARE

    def handwritten(self, form_hand: Optional[bool]) -> bool:
        """Handwriting by its shapes, or on a form most of whose values are (None: it cannot tell)."""
        h = self.handwriting
        if form_hand or h is None:
            return bool(form_hand)
        return h.score >= HANDWRITING_SCORE and (h.windows >= SURE_WINDOWS or form_hand is None)


def plain_i_in_name(f: Field, images: "PageImages") -> None:
    """A name's "ỉ" the engine also offered without its hook, or "ĩ" it also offered as a plain
    "i", is written "i" and sent to review.

    In italics an i's dot beside the stem reads as a hook or a tilde: "Chi" comes out "Chỉ" at 89
    with "i" offered at 63, "Vinh" "Vĩnh" at 90. No family, middle or given name of the lists has an
    "ỉ" ("Chi", "Thi", "Vi" do); a printed "ĩ" has "i" offered for 2 % of them (`mark_doubt`), an "i"
    read "ĩ" nearly always. The plain letter is the likelier reading; the officer checks it."""
    for w in images.words_under(f):
        if not f.value or w.text not in f.value:
            continue
        lower = w.text.lower()
        if (w.doubt > 0 and "ỉ" in lower
                or "ĩ" in lower and (w.doubt >= TILDE_OR_DOT or images.round_mark(f.page, w))):
            plain = w.text.translate(_PLAIN_I)
            f.value = f.value.replace(w.text, plain)
            f.problems.append(MARKED_I.format(plain))


_PLAIN_I = str.maketrans("ỉỈĩĨ", "iIiI")


def review_fields(template: Template, fields: dict[str, Field], doc: Optional[Document] = None,
                  images: Optional[PageImages] = None) -> None:
    """Set `needs_review` on every field, adding the reasons to `problems`."""
    images = images or PageImages(doc)
    labels = _label_phrases(template)
    signals = {fid: images.signals(f) for fid, f in fields.items() if f.value is not None}
    form_hand = filled_by_hand([s for s in signals.values() if s is not None])
    for spec in template.fields:
        f = fields.get(spec.id)
        if f is None:
            continue
        reasons = _reasons(spec, f, labels, signals.get(spec.id), form_hand, images)
        for r in reasons:
            if r not in f.problems:
                f.problems.append(r)
    _cross_checks(template, fields)
    for spec in template.fields:
        f = fields.get(spec.id)
        if f is not None:
            f.needs_review = f.value is None or not f.valid or bool(f.problems)


def filled_by_hand(signals: Sequence[Signals]) -> Optional[bool]:
    """Whether most of a form's values look handwritten; None when fewer than three can tell.

    A vote of values, not of windows: neat digits in boxes look like print one by one and
    would outweigh the words around them."""
    scores = [s.handwriting.score for s in signals if s.handwriting is not None]
    if len(scores) < 3:
        return None
    return sum(x >= HANDWRITING_SCORE for x in scores) * 2 > len(scores)


#: Runs of letters or of digits: a space lost between a word and a number ("số014…") is no
#: new word.
_LETTERS_OR_DIGITS = re.compile(r"\d+|[^\W\d_]+")


def _other_is_no_word(kept: str, other: str) -> bool:
    """Whether a second reading that disagreed with the kept one offered only what is no word
    where the kept reading has words: "Nưm", "Kửn", "Mưm" against "Nam", "Kim", "Nam".

    Two readings of an italic word disagree for a fifth of the words of some faces, and the one
    kept (the surer) is right some 60 % of the time; where the other is no syllable of Vietnamese
    text and the kept one is, the kept one is as good as a reading both agree on."""
    mine, theirs = _LETTERS_OR_DIGITS.findall(kept), _LETTERS_OR_DIGITS.findall(other)
    lost = [t for t in mine if t not in theirs]
    offered = [t for t in theirs if t not in mine]
    return bool(lost and offered) and all(map(_a_word, lost)) and not any(map(_a_word, offered))


def _a_word(token: str) -> bool:
    """A number, or a syllable seen in Vietnamese text (the syllable model's vocabulary)."""
    if token.isdigit():
        return True
    lm = load_model()
    return lm is not None and token.isalpha() and token.lower() in lm.ids


def _no_word(text: str) -> Optional[str]:
    """The first word of a free-text value that is neither a possible Vietnamese syllable nor a
    word seen in Vietnamese text ("Qông an xã" for "Công an xã"), else None. Capitals are left
    alone (abbreviations: "UBND", "CCCD"), so are single letters and words of the model's
    vocabulary: "Khmer", "Đắk Lắk", "Ea Hiao" are names, not misreadings."""
    for w in re.split(r"[\s\-/,;:()]+", text):
        w = w.strip(".'\"“”’")
        if len(w) >= 2 and w.isalpha() and not w.isupper() and not is_syllable(w) and not _a_word(w):
            return w
    return None


def _fold_keep_case(text: str) -> str:
    """`fold` letter by letter with each letter's case kept (positions stay those of `text`)."""
    return "".join(fold(ch).upper() if ch.isupper() else fold(ch) for ch in text)


def _reasons(spec, f: Field, labels: Sequence[str], sig: Optional[Signals], form_hand: Optional[bool],
             images: Optional["PageImages"] = None) -> list[str]:
    if f.value is None:
        return [MISSING]
    out = []
    if f.confidence < REVIEW_CONFIDENCE:
        out.append(LOW_CONFIDENCE)
    if spec.type in ("text", "name"):
        phrase = label_inside(f.value, labels)
        if phrase:
            out.append(LABEL_WORDS.format(phrase))
        mark = _FOOTNOTE.search(f.raw or f.value)
        if mark:
            out.append(FOOTNOTE.format(mark.group(0)))
        mixed = _MIXED.search(f.value)
        if mixed:
            out.append(MIXED_DIGITS.format(mixed.group(0)))
        folded = _fold_keep_case(f.value)
        stray = _STRAY_MARK.search(folded)
        if stray:
            unit = 1 if stray.group(1) else 2
            out.append(STRAY_MARK.format(f.value[stray.start(unit):stray.end(unit)]))
        quotes = [ch for ch in f.value if ch in _QUOTES]
        if len(quotes) % 2:  # quotes come in pairs: one alone is a speck ("Số “146 đường")
            out.append(STRAY_QUOTE.format(quotes[0]))
        doubled = _DOUBLED_MARK.search(f.value)
        if doubled:
            out.append(DOUBLED_MARK.format(doubled.group(0)))
        odd = odd_case_word(f.value)
        if odd:
            out.append(ODD_CASE.format(odd))
        nameless = _NAMELESS_UNIT.search(nfc(f.value).lower())
        if nameless:
            out.append(NAMELESS_UNIT.format(f.value[nameless.start(1):nameless.end(1)]))
        after_number = _STOP_AFTER_NUMBER.search(folded)
        if after_number:
            out.append(STRAY_MARK.format(after_number.group(1)))
        stop = _STOP_INSIDE.search(folded)
        if stop and f.value.count(".") == 1:
            out.append(STRAY_MARK.format(f.value[:stop.start()].split()[-1]))
        nought = _NOUGHT_FIRST.search(folded)
        if nought:
            out.append(NOUGHT_FIRST.format(f.value[nought.start():nought.end()]))
        stroke = _STROKE_NUMBER.search(folded)
        if stroke:
            out.append(STROKE_NUMBER.format(f.value[stroke.start():stroke.end()]))
    listed = _listed(spec.check, f.value)
    if spec.type == "name" or spec.check in _LISTS and not listed:
        bad = [w for w in re.split(r"[\s\-]+", f.value) if w and not is_syllable(w)]
        if bad:
            out.append(BAD_SYLLABLE.format(bad[0]))
    elif spec.type == "text" and not listed:
        bad = _no_word(f.value)
        if bad:
            out.append(BAD_SYLLABLE.format(bad))
    if spec.type in ("name", "text") and images is not None:
        doubtful = (images.doubtful_word(f, MARK_DOUBT, capitals=MARK_DOUBT_CAPITALS) if spec.type == "name"
                    else images.doubtful_word(f, MARKS_NOT_READ))
        if doubtful:
            out.append(UNSURE_MARKS.format(doubtful))
    differ = images.disagreeing_word(f) if images is not None else None
    if differ:  # a long number in it may be an ID: never whole into a message
        out.append(READINGS_DIFFER.format(_LONG_NUMBER.sub(lambda m: mask_id(m.group(0)), differ)))
    if spec.type in _NUMBER_TYPES and images is not None:
        doubtful = images.doubtful_word(f, DIGIT_DOUBT, digits=True)
        if doubtful:  # an ID number is never written whole into a message (personal data)
            out.append(UNSURE_DIGITS.format(mask_id(doubtful) if spec.type == "id12" else doubtful))
    card = CARD_NUMBER.search(f.value) if spec.type == "text" else None
    digits = len(card.group(1).replace(" ", "")) if card else 0
    if card and digits not in CARD_DIGITS:
        out.append(CARD_LENGTH.format(digits))
    if spec.type == "text" and _BARE_NUMBER.match(f.value):
        out.append(BARE_NUMBER)
    if spec.check in ("address", "co_quan") and f.value[:1].islower():  # "dân Xã Đại Lai": "Ủy ban nhân" lost
        out.append(SMALL_START.format(f.value.split()[0]))
    if spec.check == "address" and _UNNAMED_NUMBER.match(f.value):
        out.append(UNNAMED_NUMBER.format(f.value.split(",")[0]))
    if spec.type == "name":
        if len(f.value.split()) == 1:  # a Vietnamese full name has a family name and a given name
            out.append(ONE_WORD_NAME.format(f.value))
        first = f.value.split()[0]
        if first.lower() not in {s.lower() for s in SURNAMES}:
            out.append(UNKNOWN_SURNAME.format(first))
    if spec.check in _LISTS and not listed:
        out.append(NOT_IN_LIST.format(f.value, _LISTS[spec.check][1]))
    if spec.check == "co_quan" or spec.type == "text":
        out.extend(p for p in check_unit_name(f.value) if p not in out)
    if spec.type == "text" and spec.check != "address":  # an address field has its own full check
        out.extend(p for p in check_place_tail(f.value) if p not in out)
    if spec.check == "dia_danh":
        out.extend(check_place_name(f.value))
    if (sig is not None and (sig.coloured or sig.handwritten(form_hand))) or (sig is None and form_hand):
        out.append(HANDWRITTEN)
    return out


# ---------------------------------------------------------------- label words


def _words_key(text: str) -> str:
    return " " + collapse_spaces(re.sub(r"[^\w]+", " ", nfc(text).lower())) + " "


def _label_phrases(template: Template) -> list[str]:
    """Label wordings of the form (numbering stripped) of two words or more, and the instructions."""
    out = set(INSTRUCTIONS)
    for spec in template.fields:
        for label in spec.labels:
            text = re.sub(r"^\s*\d+[.)]\s*", "", label)
            if len(text.split()) >= 2:
                out.add(text)
    return sorted(out, key=len, reverse=True)


def label_inside(value: str, phrases: Sequence[str]) -> Optional[str]:
    """The first printed label or instruction phrase found word for word inside a value, or
    holding the whole value of two words or more (a piece of a label read as the value)."""
    key = _words_key(value)
    for phrase in phrases:
        if _words_key(phrase) in key:
            return phrase
    if len(key.split()) >= 2:
        for phrase in phrases:
            if key in _words_key(phrase):
                return phrase
    return None


# ---------------------------------------------------------------- closed lists


def _list_key(text: str) -> str:
    return re.sub(r"[\s\-'’]+", "", nfc(text).lower())


@lru_cache(maxsize=None)
def closed_list(file: str) -> frozenset[str]:
    """Names of a closed list in templates/data (every written variant on its own row)."""
    return frozenset(_list_key(row["name"]) for row in data_rows(file))


@lru_cache(maxsize=None)
def _listed_by_letters(file: str) -> dict[str, frozenset[str]]:
    """A closed list's names by their letters without marks."""
    out: dict[str, set[str]] = {}
    for row in data_rows(file):
        out.setdefault(fold(_list_key(row["name"])), set()).add(row["name"])
    return {k: frozenset(v) for k, v in out.items()}


def spelt_as_listed(check: Optional[str], value: Optional[str]) -> Optional[str]:
    """A closed-list value (ethnic group, nationality) that is on no list written as the one entry
    with the same letters ("Tây", "Tầy" → "Tày"; "Họa" → "Hoa": marks misread); else as it is."""
    if check not in _LISTS or not value or _listed(check, value):
        return value
    same = _listed_by_letters(_LISTS[check][0]).get(fold(_list_key(value)), frozenset())
    return next(iter(same)) if len(same) == 1 else value


def spelt_but_also_near(check: Optional[str], read: Optional[str], spelt: Optional[str]) -> Optional[str]:
    """The reason to review a closed-list value whose marks were set from the list (`spelt_as_listed`)
    when its letters are also one letter off another entry ("Chu" spelt "Chú", but "Cha": an italic
    "a" read "u"): the engine misread the word, and a letter may be misread as well as a mark."""
    if check not in _LISTS or not read or not spelt or read == spelt:
        return None
    file, list_name = _LISTS[check]
    key = fold(_list_key(read))
    near = sorted(_entries_a_letter_off(file, key))
    return LISTED_AMBIGUOUS.format(read, list_name, spelt, "', '".join(near)) if near else None


def _entries_a_letter_off(file: str, letters: str) -> set[str]:
    """The entries of a closed list whose letters without marks are one letter off `letters`."""
    return {name for other, names in _listed_by_letters(file).items()
            if Levenshtein.distance(other, letters, score_cutoff=1) == 1 for name in names}


def listed_one_letter_off(check: Optional[str], value: Optional[str]) -> Optional[tuple[str, str]]:
    """(the entry, the reason) for a closed-list value on no list that is one letter off one entry
    alone ("Lhái" → "Thái": a T read as an L); None otherwise. A letter is a guess where marks are
    not (`spelt_as_listed`), so the value stays in review."""
    if check not in _LISTS or not value or _listed(check, value):
        return None
    key = fold(_list_key(value))
    if len(key) < 3:  # "Nợ": one letter off most kinship words
        return None
    file, list_name = _LISTS[check]
    near = _entries_a_letter_off(file, key)
    if len(near) != 1:
        return None
    entry = near.pop()
    return entry, LISTED_NEAR.format(value, list_name, entry)


def listed_by_other_reading(check: Optional[str], f: Field, images: "PageImages") -> Optional[str]:
    """A closed-list value on no list that the second reading of its words makes a listed one
    ("Nợ" read again "Vợ"): that reading, still sent to review as the two readings differ."""
    if check not in _LISTS or not f.value or _listed(check, f.value):
        return None
    for kept, read in images.other_readings(f):
        if kept not in f.value:
            continue
        other = spelt_as_listed(check, f.value.replace(kept, read, 1))
        if _listed(check, other):
            return other
    return None


def _listed(check: Optional[str], value: str) -> bool:
    """Whether `value` is written as an entry of the closed list of `check`."""
    return check in _LISTS and _list_key(value) in closed_list(_LISTS[check][0])


# ---------------------------------------------------------------- cross-checks


#: A parent younger than this at the child's birth is sent to review: the marriage age of the law
#: (18 for women, 20 for men), under which a birth is rare, while an italic "1" read "7" ("2001" as
#: "2007") makes a parent that young.
PARENT_MIN_AGE = 18


def _cross_checks(template: Template, fields: dict[str, Field]) -> None:
    """Values of one form that must agree: near-copies of a name or address, parents' years."""
    specs = [s for s in template.fields if fields.get(s.id) and fields[s.id].value]
    for i, a in enumerate(specs):
        for b in specs[i + 1:]:
            if a.type != b.type or a.type not in ("name", "text") or (a.check != b.check):
                continue
            if a.type == "text" and a.check != "address":
                continue
            va, vb = collapse_spaces(fields[a.id].value), collapse_spaces(fields[b.id].value)
            if fold(va) == fold(vb) and va.lower() != vb.lower():  # same letters, other marks
                fields[a.id].problems.append(NEAR_COPY.format(vb, b.id))
                fields[b.id].problems.append(NEAR_COPY.format(va, a.id))
    for spec in template.fields:
        child = fields.get(spec.older_than) if spec.older_than else None
        f = fields.get(spec.id)
        # an unsure child's date still has its year to hold the parent's against: these only send to review
        if not (child and f and f.value and child.value and f.valid and child.value[-4:].isdigit()):
            continue
        year, child_year = int(f.value[-4:]), int(child.value[-4:])
        if year >= child_year:
            f.problems.append(PARENT_YEAR.format(year, child.value))
        elif child_year - year < PARENT_MIN_AGE:
            f.problems.append(PARENT_YOUNG.format(year, PARENT_MIN_AGE, child.value))


# ---------------------------------------------------------------- ink under a value


class PageImages:
    """Page archive images decoded once per document (a 300 dpi scan takes ~50 ms), shared by
    the extractor and the review of its values."""

    def __init__(self, doc: Optional[Document]):
        self.pages = doc.pages if doc is not None else []
        self.decoded: dict[int, Optional[np.ndarray]] = {}
        self.greys: dict[int, Optional[np.ndarray]] = {}

    def page(self, number: Optional[int]) -> Optional[np.ndarray]:
        if not number or number > len(self.pages):
            return None
        if number not in self.decoded:
            self.decoded[number] = _decode(self.pages[number - 1].image)
        return self.decoded[number]

    def grey(self, number: Optional[int]) -> Optional[np.ndarray]:
        """The page in grey (the colour decoding converted, not decoded again)."""
        if number not in self.greys:
            image = self.page(number)
            if image is not None and image.ndim == 3:
                import cv2

                image = cv2.cvtColor(image[:, :, :3], cv2.COLOR_BGR2GRAY)
            self.greys[number] = image
        return self.greys[number]

    def words_under(self, f: Field) -> list[Word]:
        """The page's OCR words whose centres lie in the value's box."""
        if not f.page or not f.bbox or f.page > len(self.pages) or self.pages[f.page - 1].ocr is None:
            return []
        x0, y0, x1, y1 = f.bbox
        return [w for w in self.pages[f.page - 1].ocr.words
                if x0 <= (w.bbox[0] + w.bbox[2]) / 2 <= x1 and y0 <= (w.bbox[1] + w.bbox[3]) / 2 <= y1]

    def doubtful_word(self, f: Field, threshold: float = MARK_DOUBT, digits: bool = False,
                      capitals: Optional[float] = None) -> Optional[str]:
        """A word of letters under the value whose marks the engine was unsure of (`Word.doubt` ≥
        `threshold`, or ≥ `capitals` for a word in capitals), or with `digits` a word whose digits
        it was (`Word.digit_doubt`)."""
        for w in self.words_under(f):
            if digits:
                if w.digit_doubt >= threshold:
                    return w.text
            elif w.text.strip(_EDGE_SIGNS).isalpha() and w.doubt >= (
                    capitals if capitals is not None and w.text.isupper() else threshold):
                return w.text
        return None

    def disagreeing_word(self, f: Field) -> Optional[str]:
        """Words under the value that a second reading read otherwise (`Word.other`, the same on
        each word of the stretch it read), unless it offered no word where they are known words."""
        return next((kept for kept, other in self.other_readings(f) if not _other_is_no_word(kept, other)), None)

    def other_readings(self, f: Field) -> list[tuple[str, str]]:
        """Each stretch of words under the value a second reading read otherwise, as (the words
        kept, what the second reading read there): its words carry the same `Word.other`."""
        words = self.words_under(f)
        out, k = [], 0
        while k < len(words):
            other, k0 = words[k].other, k
            while k < len(words) and words[k].other == other:
                k += 1
            if other is not None:
                out.append((" ".join(w.text for w in words[k0:k]), other))
        return out

    def settle(self, page: Optional[int], words: list[Word]) -> None:
        """`words` of the page without their doubts (a digit offered otherwise, a second reading's
        other words): a third reading repeated them (`templates._settle_by_digits_alone`)."""
        if not words or not page:
            return
        ocr = self.pages[page - 1].ocr
        settled = {id(w) for w in words}
        ocr.words = [replace(w, other=None, digit_doubt=0.0) if id(w) in settled else w for w in ocr.words]

    def round_mark(self, page: Optional[int], w: Word) -> bool:
        """Whether the one mark above the word's letters is a round dot, not a tilde: an italic
        i's dot under the serif of the letter before reads as "ĩ" ("Vinh" as "Vĩnh" at 97, no
        "i" offered), while a tilde is some twice as wide as it is tall. False when it cannot tell
        (no mark of its own, or several)."""
        import cv2

        image = self.page(page)
        if image is None:
            return False
        x0, y0, x1, y1 = (max(0, int(v)) for v in w.bbox)
        crop = image[y0:y1, x0:x1]
        if crop.size == 0:
            return False
        if crop.ndim == 3:
            crop = cv2.cvtColor(crop[:, :, :3], cv2.COLOR_BGR2GRAY)
        _, ink = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
        height = y1 - y0
        marks = [(w_, h) for x, y, w_, h, area in stats[1:count]
                 if h <= MARK_HEIGHT * height and y + h <= MARK_ZONE * height and area >= 4]
        return len(marks) == 1 and marks[0][0] <= ROUND_MARK * marks[0][1]

    def signals(self, f: Field) -> Optional[Signals]:
        image = self.page(f.page) if f.bbox else None
        if image is None:
            return None
        x0, y0, x1, y1 = (max(0, int(v)) for v in f.bbox)
        crop = image[y0:y1, x0:x1]
        if not crop.size:
            return None
        return ink_signals(crop, self._without_leaders(image, (x0, y0, x1, y1), self.pages[f.page - 1].dpi))

    @staticmethod
    def _without_leaders(image: np.ndarray, box: tuple[int, int, int, int], dpi: float) -> np.ndarray:
        """The value's crop in grey with dot leaders, rules and box borders painted over (found on
        a margin around it): handwriting sits on the dots, and dots fused with its letters hide
        their shapes."""
        import cv2

        from ocr.form_lines import remove_rules_and_leaders

        x0, y0, x1, y1 = box
        pad = y1 - y0
        ax, ay = max(0, x0 - pad), max(0, y0 - pad)
        around = image[ay:y1 + pad, ax:x1 + pad]
        if around.ndim == 3:
            around = cv2.cvtColor(around[:, :, :3], cv2.COLOR_BGR2GRAY)
        return remove_rules_and_leaders(around, dpi)[y0 - ay:y1 - ay, x0 - ax:x1 - ax]


def _decode(data: bytes) -> Optional[np.ndarray]:
    if not data:
        return None
    import cv2

    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)


def ink_signals(crop: np.ndarray, unruled: Optional[np.ndarray] = None) -> Signals:
    """Ink under a value: how much of it is coloured (pen, stamp), and whether its shapes are
    handwriting (judged on `unruled`, the same crop without dot leaders and rules, when given)."""
    import cv2

    if crop.ndim == 2 or crop.shape[2] < 3:
        return Signals(handwriting=handwriting_evidence(crop if unruled is None else unruled))
    bgr = crop[:, :, :3]
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    n = int(np.count_nonzero(ink))
    if n < 20:
        return Signals()
    lab = cv2.cvtColor(bgr, cv2.COLOR_BGR2LAB).astype(np.int16)
    chroma = np.hypot(lab[:, :, 1] - 128, lab[:, :, 2] - 128)[ink > 0]
    return Signals(coloured_share=float(np.count_nonzero(chroma > COLOURED_CHROMA)) / n,
                   handwriting=handwriting_evidence(grey if unruled is None else unruled))
