"""Typed normalisers and validators of field values: one place for dates, IDs, phones ...

`normalize(type, raw) -> (value, valid, problems)`. Problems are Vietnamese sentences for the
officer; they never carry a full ID number (all but the last 4 digits are masked). OCR digit
confusions (O->0, l->1, S->5 ...) are corrected only inside numeric types, where a letter
cannot be meant.
"""
from __future__ import annotations

import csv
import datetime as _dt
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Optional

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from ocr.textnorm import collapse_spaces, fold, nfc

TYPES = ("text", "name", "date", "year", "gender", "id12", "phone", "email")
DATA_DIR = Path(__file__).with_name("data")

Result = tuple[Optional[str], bool, list[str]]

# Letters OCR reads where a digit was printed (only applied to numeric fields).
_DIGIT_FIX = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "l": "1", "I": "1", "i": "1",
                            "|": "1", "!": "1", "]": "1", "L": "1", "S": "5", "s": "5", "B": "8", "Z": "2",
                            "z": "2", "G": "6", "b": "6", "g": "9", "q": "9", "T": "7"})
# Of those, the letters that stand for more than one digit: "Z" is a 2, or an italic 7 ("7Z1" for
# "771"); "B" an 8 or a 3; "T" a 7 or a 1; "G"/"b" a 6, "g"/"q" a 9 or an 8. A number with one is
# written with the likelier digit and never vouched for.
_TWO_WAY_LETTERS = re.compile(r"[ZzBTGbgq]")
TWO_WAY_LETTER = "Chữ '{}' đọc trong số, đã đổi thành chữ số, cần kiểm tra"
# Punctuation and dot leaders that cling to the ends of a value.
_EDGE = " \t.:;,…·_-–—|\"'`()[]"


def mask_id(digits: str) -> str:
    """All but the last 4 characters replaced by '*', for messages and logs."""
    return "*" * max(0, len(digits) - 4) + digits[-4:]


def fix_digits(text: str) -> str:
    """Letters commonly misread for digits turned back into digits."""
    return text.translate(_DIGIT_FIX)


def _today() -> _dt.date:
    return _dt.date.today()


def normalize(type_: str, raw: Optional[str]) -> Result:
    """(normalised value or None, valid, problems) for a raw value of a contract type."""
    if raw is None:
        return None, True, []
    text = collapse_spaces(nfc(raw)).strip(_EDGE)
    if not text:
        return None, True, []
    fn = _NORMALIZERS.get(type_)
    if fn is None:
        raise ValueError(f"unknown field type {type_!r}")
    return fn(text)


# ---------------------------------------------------------------- text, name, email


#: A dot between two words, with at most one space either side ("Lý.Ngọc", "Ngọc .Lan", "Số.41").
_DOT_BETWEEN = re.compile(r"([^\W_]+)( ?)\.( ?)(?=([^\W_]+))")
#: What OCR leaves of a footnote mark glued by a leader's dot to the value's first word ("2).Đăng",
#: "2) Trạm" once the dots are spaces, "2'.CCCD", "Z).Bệnh", its bracket read "í" or "/": "í7) Công",
#: or a question mark alone: "?.CCCD").
_MARK_AND_DOT = re.compile(r"^(?:(?:[(íìiÍ/|]?(?:\d{1,2}|[Zz?!])|[?“”\"'’])[)'’!][.\s]?|\?[.\s])\s*(?=[^\W\d_])")
#: A leader's dot next to a comma ("Trung,. Xã", "Tâm, .Thành", "Thôn 1., Xã").
_AFTER_COMMA = re.compile(r"([,;]) ?\. ?(?=[^\W_])")
_BEFORE_COMMA = re.compile(r"(?<=\d)\.(?=[,;] )|(?<=[^\W\d_]{2})\.(?=[,;] )")
#: Words a comma never follows in an address: a dot after them is the leader's ("Xã.Phố Bảng").
_UNIT_WORDS = frozenset(fold(w) for w in ("xã", "phường", "thôn", "tổ", "số", "đường", "ấp", "xóm", "bản", "quận",
                                          "huyện", "tỉnh", "khóm", "buôn", "ngõ", "ngách", "hẻm", "phố"))


def leader_dots_out(text: str, name: bool = False) -> str:
    """`text` without the dots of a dot leader it was typed on: the dots showing between its words
    read as full stops glued to them ("Lý. Ngọc .Lan", "Hồ.Thanh.Anh", "Tổ.29", "2).Đăng ký").

    Typed punctuation is never spaced on both sides nor glued to the next word after a space, and
    a full stop never stands between two syllables without a space or before a small letter; a
    name holds no full stop at all. A dot that could be a comma read badly ("Phùng. Xã") or an
    abbreviation's ("TP.Huế", "P. Tân Định") stays, and with it the review's doubt. Codes and
    e-mail addresses are not touched."""
    if "@" in text or "www" in text.lower():
        return text
    text = _BEFORE_COMMA.sub("", _AFTER_COMMA.sub(r"\1 ", _MARK_AND_DOT.sub("", text)))

    def mend(m: re.Match) -> str:
        x, before, after, y = m.groups()
        if name and len(x) == 1 and not before and not after and is_syllable((x + y).lower()):
            return x  # a dot inside a name's word, after its first letter ("P.hương", "l.ê")
        word_x = x.isalpha() and is_syllable(x)
        word_y = y.isalpha() and is_syllable(y)
        if x.isdigit() and len(x) <= 4:  # "41. đường", "158.đường"; not "27. Xã" (a comma?) nor "12.07"
            leader = word_y and y[0].islower() and not before
        else:
            leader = word_x and (word_y or y.isdigit()) and (
                bool(before) or not after or y[0].islower() or name or fold(x) in _UNIT_WORDS
                or (x.lower(), y.lower()) in place_name_pairs())
        return f"{x} " if leader else m.group(0)

    return _DOT_BETWEEN.sub(mend, text)


@lru_cache(maxsize=1)
def place_name_pairs() -> frozenset[tuple[str, str]]:
    """Neighbouring syllables inside one place name of before or after 2025, lower case ("gia",
    "lai"), ("phố", "hà"): no comma stands between them, so a dot there is a leader's ("Gia. Lai",
    "Thạnh. Hưng", "Cầu. Kiệu")."""
    import vietnam_provinces as vp

    names = {r["name"] for r in data_rows("province_codes.csv")}
    names |= {"Thành phố " + n for n in names}
    for r in data_rows("communes_2024.csv"):
        names |= {r["district"], r["commune"]}
    names |= {w.name for w in vp.Ward.iter_all()}  # the 2025 communes
    pairs = set()
    for n in names:
        words = nfc(n).lower().split()
        pairs.update(zip(words, words[1:]))
    return frozenset(pairs)


#: Said of a value a footnote mark was glued to: its first letter may be inside the mark ("?)hôn").
GLUED_MARK = "Dấu chú thích '{}' dính vào đầu giá trị, đã bỏ: cần kiểm tra chữ đầu"


def _text(text: str) -> Result:
    mark = _MARK_AND_DOT.match(text)
    glued = [GLUED_MARK.format(mark.group(0))] if mark and mark.group(0)[-1] in ")'’!" else []
    text, restored = t_restored(text)
    text, city = city_with_its_t(leader_dots_out(text))
    text, problems = _letters_among_digits(text)
    problems = glued + restored + city + problems
    text = space_before_capital(text)
    text, named = _card_name_mended(card_number_joined(text))
    problems += named
    return text, not problems, problems


#: The number after an identity card's name ("CCCD số 01 1072287869"): digits and spaces.
CARD_NUMBER = re.compile(r"(?i)\b(?:cccd|cmnd|cmtnd|căn cước(?: công dân)?|chứng minh(?: nhân dân)?)"
                         r"(?:\s+số)?\s*:?\s*(\d[\d ]*\d)(?![\d/.\-])")
#: The digits of an identity card's number: 9 of the old card, 12 of the citizen's card.
CARD_DIGITS = (9, 12)


def card_number_joined(text: str) -> str:
    """`text` with a card number the reading split ("CCCD số 01 1072287869") in one piece, when
    its digits make a card's number; a number is never printed with a space inside."""
    def joined(m: re.Match) -> str:
        digits = m.group(1).replace(" ", "")
        return m.group(0).replace(m.group(1), digits) if len(digits) in CARD_DIGITS else m.group(0)

    return CARD_NUMBER.sub(joined, text)


#: A card's name one letter off before the number of a card ("CCD số 017072655823").
_CARD_NAME = re.compile(r"\b([A-ZĐa-zđ][A-ZĐ]{1,5})(?=(?:\s+số)?\s*:?\s*(\d{12}|\d{9})(?![\d/.\-]))")
CARD_NAME_MENDED = "Tên giấy tờ '{}' đọc sai, đã sửa thành '{}', cần kiểm tra"


def _card_name_mended(text: str) -> tuple[str, list[str]]:
    """`text` with the name of the card whose number follows set right when the reading lost or
    changed one of its letters or read its first in small ("cCCD"): 12 digits are a citizen's
    card (CCCD), 9 the old card (CMND)."""
    from rapidfuzz.distance import Levenshtein

    problems = []

    def mended(m: re.Match) -> str:
        name = "CCCD" if len(m.group(2)) == 12 else "CMND"
        written = m.group(1)
        if written in ("CCCD", "CMND", "CMTND") or written.upper() != name and (
                not written[0].isupper() or Levenshtein.distance(written, name) != 1):
            return written  # a case slip only at the first letter ("cCCD"), else one letter off
        problems.append(CARD_NAME_MENDED.format(m.group(1), name))
        return name

    return _CARD_NAME.sub(mended, text), problems


#: A "T" the engine read as "7" at a word's start ("7ổ 27", "7rần", "7HU"): the word is a syllable
#: with its "T" back.
_SEVEN_FOR_T = re.compile(r"(?<![\w.,/])7(?=[^\W\d_]+)")
#: A syllable run into the number after it ("Số66", "số011193739301", "Tổ30"): the space was lost.
_GLUED_NUMBER = re.compile(r"(?<![\w])([^\W\d_]{2,})(?=\d)")
#: A one written as a stroke of punctuation before digits ("Số !10", "!6").
_STROKE_FOR_ONE = re.compile(r"(?<![\w])[!|](?=\d)")
#: A unit's number of digits and strokes ("Tổ I8", "Thôn l1"): no Roman number mixes with digits,
#: so each stroke is a "1" of a face whose 1 and I are one glyph (italics above all).
_STROKES_IN_NUMBER = re.compile(r"(?i)(?<!\w)(?:tổ|thôn|xóm|ấp|số|khóm|bản|buôn|ngõ|hẻm|kiệt|đội|lô|phường)\s+"
                                r"(?=[\dIl|]*\d)(?=[\dIl|]*[Il|])([\dIl|]{2,4})(?!\w)")
SEVEN_FOR_T = "Chữ 'T' đọc thành số 7 ('{}'), đã sửa, cần kiểm tra"
#: A leader's dot inside a unit's number ("Tổ 1.9"): no house, hamlet or group is numbered in decimals.
_DOT_IN_UNIT_NUMBER = re.compile(r"(?i)(?<!\w)((?:tổ|thôn|xóm|ấp|số|khóm|bản|buôn|ngõ|hẻm|kiệt|đội|phường)\s+\d{1,3})"
                                 r"\.(\d{1,3})(?![\d.])")
DOT_IN_NUMBER = "Bỏ dấu chấm trong số '{}', cần kiểm tra"
STROKE_FOR_ONE = "Số 1 đọc thành dấu '{}' ('{}'), đã sửa, cần kiểm tra"


#: Capitals an italic "T" is read as at a word's start ("Lhị", "Fhảo", "Ehôn" for "Thị", "Thảo", "Thôn").
_T_LOOK_ALIKES = "LFEI"
T_LOOK_ALIKE = "Chữ 'T' đọc thành '{}' ('{}'), đã sửa, cần kiểm tra"  # '' when the T was lost


def t_restored(text: str) -> tuple[str, list[str]]:
    """Words that are no Vietnamese syllable but one with a "T" for their first capital, so
    written and flagged: only a capital the italic T is mistaken for, only where the reading as
    printed cannot be a word ("Lan", "Lách" stay)."""
    problems = []

    def restore(m: re.Match) -> str:
        word = m.group(0)
        rest = word[1:]
        if (len(word) < 3 or word[0] not in _T_LOOK_ALIKES or not (rest.islower() or rest.isupper())
                or is_syllable(word) or not is_syllable("t" + rest.lower())):
            return word
        problems.append(T_LOOK_ALIKE.format(word[0], word))
        return "T" + rest

    return re.sub(r"[^\W\d_]+", restore, text), problems


def city_with_its_t(text: str) -> tuple[str, list[str]]:
    """"Thành phố" that lost its T at a part's start ("…, hành phố Hồ Chí Minh"): "hành phố" before
    a name is no phrase of an address. Run once the leader's dots are out ("hành. phố")."""
    lost = _CITY_WITHOUT_T.search(text)
    if not lost:
        return text, []
    return _CITY_WITHOUT_T.sub("Thành phố", text), [T_LOOK_ALIKE.format("", lost.group(0))]


_CITY_WITHOUT_T = re.compile(r"(?:^|(?<=, ))hành phố(?= [A-ZĐÀ-Ỹ])")


def _letters_among_digits(text: str) -> tuple[str, list[str]]:
    """Text with the glyphs one typeface's digits and letters share set right: a "7" that is a
    word's "T", a "!" that is a "1" (both flagged), a space lost between a word and its number."""
    problems = []

    def t_for_seven(m: re.Match) -> str:
        word = re.match(r"[^\W\d_]+", text[m.end():]).group(0)
        if not is_syllable("t" + word.lower()):
            return m.group(0)
        problems.append(SEVEN_FOR_T.format("7" + word))
        return "T"

    text = _SEVEN_FOR_T.sub(t_for_seven, text)
    for m in _DOT_IN_UNIT_NUMBER.finditer(text):
        problems.append(DOT_IN_NUMBER.format(m.group(0)))
    text = _DOT_IN_UNIT_NUMBER.sub(r"\1\2", text)
    for m in _STROKE_FOR_ONE.finditer(text):
        problems.append(STROKE_FOR_ONE.format(m.group(0), text[m.start():m.end() + 3].split()[0]))
    text = _STROKE_FOR_ONE.sub("1", text)
    for m in _STROKES_IN_NUMBER.finditer(text):
        problems.append(TWO_WAY_LETTER.format(next(ch for ch in m.group(1) if not ch.isdigit())))
    text = _STROKES_IN_NUMBER.sub(lambda m: m.group(0)[: m.start(1) - m.start()] + re.sub(r"[IiLl|]", "1", m.group(1)), text)
    text = _GLUED_NUMBER.sub(lambda m: m.group(1) + " " if is_syllable(m.group(1)) and not m.group(1).isupper()
                             else m.group(1), text)
    return text, problems


# ---------------------------------------------------------------- Vietnamese syllables

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_ONSET = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
          "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x")
_NUCLEI = set(("a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi ua uâ uê ui uô "
               "uơ ưa ưi ưu ươ uy yê iêu yêu oai oay oeo uây uôi ươi ươu uya uyê uyu ưo oo").split())
_CODA = ("ch", "ng", "nh", "c", "m", "n", "p", "t", "")


@lru_cache(maxsize=1 << 14)
def is_syllable(word: str) -> bool:
    """Whether a word can be one Vietnamese syllable (onset, vowels, coda, one tone at most).

    OCR that drops or adds a mark inside a good word ('QƯỲNH') mostly makes an impossible syllable.
    """
    w = nfc(word).lower().strip(".,;:'’\"()")
    if not w:
        return True
    if not w.isalpha():
        return False
    decomposed = unicodedata.normalize("NFD", w)
    tones = sum(ch in _TONES for ch in decomposed)
    if tones > 1:
        return False
    bare = nfc("".join(ch for ch in decomposed if ch not in _TONES))
    for onset in sorted(set(_ONSET) | {""}, key=len, reverse=True):
        if not bare.startswith(onset):
            continue
        rest = bare[len(onset):]
        if onset == "gi" and not rest:
            return True
        for coda in _CODA:
            if coda and not rest.endswith(coda):
                continue
            nucleus = rest[: len(rest) - len(coda)]
            if nucleus in _NUCLEI:
                return True
    return False


#: Vietnamese family names as written. A family name is a closed set, so a first word that
#: folds to one of these but is spelled otherwise ("Pham", "TRẤN") lost or gained a mark in OCR.
SURNAMES = ("Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đoàn Vương "
            "Trịnh Trương Lâm Phùng Mai Tô Hà Tạ Cao Lương Đinh Quách Lưu Châu Thái Hứa Kiều Mạc Tăng "
            "Triệu Lại Đàm Khổng Từ Chu Giang Ông Thân Nghiêm Âu Tống Diệp Bạch Hàn Lục Kim Nông Lò "
            "Quan Hầu Phí Tôn Doãn Khúc Mẫn Ninh Viên Lạc Thạch Lã La").split()


def _surname_forms() -> dict[str, str]:
    by_fold: dict[str, set[str]] = {}
    for name in SURNAMES:
        by_fold.setdefault(fold(name), set()).add(name)
    return {k: next(iter(v)) for k, v in by_fold.items() if len(v) == 1}  # "La"/"Lã": ambiguous


_SURNAME_BY_FOLD = _surname_forms()
_SURNAME_SET = {name.lower() for name in SURNAMES}
_THI = {"thi", "thí", "thì", "thỉ", "thĩ"}


def restore_name_marks(text: str) -> str:
    """The family name's marks restored from the closed list, and a middle "Thi" read as "Thị"
    (the women's middle name; "Thi" as a given name stands last and is kept)."""
    words = text.split()
    if not words:
        return text
    first = words[0]
    proper = _SURNAME_BY_FOLD.get(fold(first))
    if proper and first.lower() not in _SURNAME_SET:
        words[0] = proper.upper() if first.isupper() else proper
    for k in range(1, len(words) - 1):
        if words[k].lower() in _THI:
            words[k] = "THỊ" if words[k].isupper() else "Thị"
    return " ".join(words)


def _name(text: str) -> Result:
    text, restored = t_restored(text)
    text, problems = _letters_among_digits(leader_dots_out(text, name=True))
    problems = restored + problems
    text = space_before_capital(text)
    if any(ch.isdigit() for ch in text):
        return text, False, problems + [f"Họ tên có chữ số: {text}"]
    words = restore_name_marks(one_case(text)).split()
    surname = family_name_of_look_alike(words[0]) if words else None
    if surname:
        problems.append(SURNAME_LOOK_ALIKE.format(words[0], surname))
        words[0] = surname
    return " ".join(words), not problems, problems


#: Letters italic print reads as one another at a word's start or inside it (folded, lower case).
_NAME_LOOK_ALIKES = {"a": "u", "u": "a", "g": "s", "s": "g", "n": "v", "v": "n", "c": "e", "e": "c"}
SURNAME_LOOK_ALIKE = "Họ đọc được '{}' không có trong danh sách họ, đã sửa thành '{}': cần kiểm tra"


def family_name_of_look_alike(word: str) -> Optional[str]:
    """The one listed family name `word` becomes with one look-alike letter swapped, in `word`'s
    case, when `word` is no family name itself ("Bài" -> "Bùi", "Nsô" -> "Ngô"), else None."""
    key = fold(word).lower()
    if not key.isalpha() or key in _SURNAME_BY_FOLD or word.lower() in _SURNAME_SET:
        return None
    found = {_SURNAME_BY_FOLD[k] for i, ch in enumerate(key) for other in _NAME_LOOK_ALIKES.get(ch, "")
             if (k := key[:i] + other + key[i + 1:]) in _SURNAME_BY_FOLD}
    if len(found) != 1:
        return None
    name = found.pop()
    return name.upper() if word.isupper() else name


def space_before_capital(text: str) -> str:
    """`text` with the space put back between two syllables run together before a capital
    ("Y tếXã Vân Bán" -> "Y tế Xã Vân Bán"); a word no two syllables make ("EaBar") stays."""
    def split(m: re.Match) -> str:
        word = m.group(0)
        cut = next((k for k in range(1, len(word)) if word[k].isupper() and word[k - 1].islower()), None)
        if cut is None or not (is_syllable(word[:cut].lower()) and is_syllable(word[cut:].lower())):
            return word
        return f"{word[:cut]} {word[cut:]}"

    return re.sub(r"[^\W\d_]+", split, text)


def one_case(name: str) -> str:
    """A name written in capitals or with initial capitals throughout: a word of capitals among
    capitalised words ("LÊ Bảo Mai": a small "ê" read as a capital) takes their case, and so does
    a word of small letters ("lê Thị Thảo": the capital read small)."""
    words = name.split()
    title = [w for w in words if w[:1].isupper() and w[1:].islower()]
    if len(title) < 2 or not all(w in title or w.isupper() or w.islower() for w in words):
        return name
    return " ".join(w if w in title else w.capitalize() for w in words)


INVALID_EMAIL = "Email không hợp lệ: {}"
_EMAIL = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}$")


@lru_cache(maxsize=1)
def email_domains() -> frozenset[str]:
    """The domains of the mail services most citizens use (templates/data/email_domains.csv)."""
    return frozenset(row["domain"] for row in data_rows("email_domains.csv"))


def _domain_as_listed(value: str) -> tuple[Optional[str], bool]:
    """(`value` with its domain written as the one well-known domain a letter or two away from it,
    or None; whether the domain is that near to one or more): "gemail.com", "yahoo.con",
    "gmaillcom" → "gmail.com", "yahoo.com". Italic print loses the domain's letters as it loses the
    rest; a domain of its own (an agency's) stays, and one near two ("smail.com": "gmail.com" or
    "ymail.com"?) is only doubted."""
    local, at, domain = value.rpartition("@")
    if not at or domain in email_domains() or len(domain) < 6:
        return None, False
    near = sorted((Levenshtein.distance(domain, d, score_cutoff=2), d) for d in email_domains())
    best = [d for dist, d in near if dist == near[0][0] <= 2]
    return (f"{local}@{best[0]}" if len(best) == 1 else None), bool(best)


def _email(text: str) -> Result:
    value, valid, problems = _email_as_read(text)
    snapped, near = _domain_as_listed(value)
    domain = value.rpartition("@")[2]
    if snapped is not None and _EMAIL.match(snapped):
        return snapped, False, [p for p in problems if p != INVALID_EMAIL.format(value)] + [
            f"Tên miền email đọc được là '{domain}', đã sửa thành '{snapped.rpartition('@')[2]}': cần kiểm tra"]
    if near:
        return value, False, problems + [f"Tên miền email '{domain}' gần giống một tên miền thường dùng, cần kiểm tra"]
    return value, valid, problems


def _email_as_read(text: str) -> Result:
    value = _joined_address(text)
    if not _EMAIL.match(value):
        # the "@" read as a bracket alone or twice ("an11(outlook.com", "an@@yahoo.com"): written
        # with one "@", never vouched for
        guess = re.sub(r"@{2,}", "@", value) if "@@" in value else (
            value.replace("(", "@") if "@" not in value and value.count("(") == 1 else "")
        if guess and _EMAIL.match(guess):
            return guess, False, [f"Email đọc được là '{value}', đã sửa dấu '@': cần kiểm tra"]
        return value, False, [INVALID_EMAIL.format(value)]
    if re.search(r"[^\s@.]\s+[^\s@.]", text.strip()):
        # read in pieces between letters: an underscore where the engine parted them may be lost
        # ("ly ngoc_huong69@…"); beside "@" or a dot a gap is the engine's, not a lost sign. The
        # address's own separator, when it has one kind, likely stood between two letters too
        # (before a digit it seldom does: "trung75"); never vouched for.
        kinds = [sep for sep in "_." if sep in value.split("@")[0]]
        if len(kinds) == 1:
            value = _joined_address(re.sub(r"(?<=[^\W\d_])\s+(?=[^\W\d_])", kinds[0], text.strip()))
        return value, False, [f"Email đọc thành nhiều mảnh rồi ghép lại ({collapse_spaces(text)}), cần kiểm tra"]
    return value, True, []


def _joined_address(text: str) -> str:
    """The read pieces of an e-mail address as one address: ASCII, lower case, one "@"."""
    # an address is ASCII: a mark the engine put on a letter ("đo_huu") is not part of it
    value = fold(re.sub(r"\s+", "", text)).lower().replace("(at)", "@").replace("[at]", "@")
    # a bracket is never part of an address: OCR sees one in the ring of a sans-serif "@"
    return re.sub(r"[(\[{]?@[)\]}]?", "@", value)


#: Letters and digits one glyph of italic print reads as another, by class: an e-mail address read
#: against a name compares classes ("iy.minh.hais9" against "ly.minh.hai…").
_GLYPH_CLASS = str.maketrans({"i": "l", "j": "l", "1": "l", "|": "l", "!": "l", "f": "t", "5": "s",
                              "z": "2", "0": "o", "9": "g", "q": "g", "6": "b", ",": "."})
#: Letters read where the digits after the name stand: their likeliest digit in italic print (on the
#: tuning forms an "s" there was an 8 35 times and a 5 4 times, a "z" a 7 6 times, never a 2).
_DIGIT_OF = str.maketrans({"s": "8", "z": "7", "l": "1", "i": "1", "j": "1", "o": "0", "g": "9", "q": "9",
                           "b": "6", "|": "1", "!": "1", "]": "1"})
EMAIL_BY_NAME = "Email đọc được là '{}', đã viết theo họ tên trên tờ khai: cần kiểm tra"


def email_by_name(email: str, names: list[str]) -> Optional[str]:
    """`email` with its name part spelt as one of the form's names, where the two differ only by
    look-alike glyphs or a lost first letter, and its digits where letters were read for them:
    "iy.minh.hais9@…" with the name "Lý Minh Hải" -> "ly.minh.hai89@…". Addresses are often a
    name and a number; italic print reads l as i or j, t as f, 8 or 5 as s, and loses the first letter.
    None when no name fits or the address already is the name as read."""
    local, at, domain = email.partition("@")
    if not at:
        return None
    for name in names:
        parts = fold(nfc(name)).lower().split()
        if len(parts) < 2 or not all(p.isalpha() for p in parts):
            continue
        for sep in (".", "_", ""):
            spelt = sep.join(parts)
            for lost in (0, 1):
                written = local[:len(spelt) - lost]
                rest = local[len(spelt) - lost:]
                if written.translate(_GLYPH_CLASS) != spelt[lost:].translate(_GLYPH_CLASS):
                    continue
                digits = rest.translate(_DIGIT_OF)
                if rest and not digits.isdigit():
                    continue
                fixed = f"{spelt}{digits}@{domain}"
                return fixed if fixed != email else None
    return None


# ---------------------------------------------------------------- dates and years

_WORD_DATE = re.compile(r"(?:ngay\s*)?(\S{1,2})\s*(?:thang|th\.?)\s*(\S{1,2})\s*(?:nam|n\.?)\s*(\S{2,4})")
#: Day, month and year parted by any run of signs: a slash in italic or over a dot leader comes
#: out of OCR as "/.", "¡" or " / " ("20 01 ¡ 1967", "01 /08 /.1977").
_NUM_DATE = re.compile(r"^(\d{1,2})[\W_]+(\d{1,2})[\W_]+(\d{4})$")
_COMPACT_DATE = re.compile(r"^(\d{2})(\d{2})(\d{4})$")
#: A number of one or two digits after a whole date: the next printed item's number ("3. Giới
#: tính") whose dot OCR lost, taken into the value.
_ITEM_AFTER = re.compile(r"^(.*\d{4})\s+(\d{1,2})[.)]?$")
#: A slash read as a letter or a digit of its own ("21 j 12 1963", "27 06 7 1971": italic slashes
#: over a dot leader): day, month and year still stand apart.
_SLASH_AS_SIGN = re.compile(r"^(\d{1,2})\s+(?:(\S)\s+)?(\d{1,2})\s+(?:(\S)\s+)?(\d{4})$")
#: One separator lost in OCR ("1612/2014", "15/111996"): two-digit day and month still part it.
_ONE_SEP_DATE = re.compile(r"^(\d{2})(\d{2})\s*[/\-.]\s*(\d{4})$|^(\d{2})\s*[/\-.]\s*(\d{2})(\d{4})$")


#: A leader's dot read between two digits of a date written with slashes ("28/1.1/1984").
_DOT_IN_SLASHED = re.compile(r"(?<=\d)\.(?=\d)")


def _date(text: str) -> Result:
    if text.count("/") >= 2 and _DOT_IN_SLASHED.search(text):
        shown, valid, problems = _date(_DOT_IN_SLASHED.sub("", text))
        return shown, False, problems + ([f"Bỏ dấu chấm trong số của ngày ({text}): cần kiểm tra"] if valid else [])
    folded = fold(text)
    parts = None
    m = _WORD_DATE.search(folded)
    if m:
        # slice the original (same length as its fold) so that 'B' is still an 8, not a 'b'
        same = len(folded) == len(text)
        read = " ".join(text[m.start(i):m.end(i)] if same else m.group(i) for i in (1, 2, 3))
        parts = [fix_digits(p) for p in read.split(" ")]
    else:
        read = re.sub(r"^\s*ng[aà]y\s*", "", text, flags=re.IGNORECASE)
        numeric = fold(fix_digits(re.sub(r"\s+", " ", read).strip(_EDGE)))
        m = (_NUM_DATE.match(numeric) or _COMPACT_DATE.match(numeric.replace(" ", ""))
             or _ONE_SEP_DATE.match(numeric))
        if m:
            parts = [g for g in m.groups() if g is not None]
        elif slashes := _SLASH_AS_SIGN.match(numeric):  # a sign among them: without one _NUM_DATE took it
            shown, valid, problems = _date("/".join(slashes.group(1, 3, 5)))
            signs = " ".join(g for g in slashes.group(2, 4) if g)
            return shown, False, problems + ([f"Dấu '/' đọc thành '{signs}' ({text}): cần kiểm tra"] if valid else [])
        elif (item := _ITEM_AFTER.match(numeric)) and _NUM_DATE.match(item.group(1)):
            shown, _valid, problems = _date(item.group(1))
            return shown, False, problems + [f"Bỏ số '{item.group(2)}' đọc kèm sau ngày (số mục in tiếp theo?): cần kiểm tra"]
    if not parts or not all(p.isdigit() for p in parts):
        return text, False, [f"Không đọc được ngày: {text}"]
    day, month, year = (int(p) for p in parts)
    if len(parts[2]) != 4:
        return text, False, [f"Năm phải có 4 chữ số: {text}"]
    shown = f"{day:02d}/{month:02d}/{year:04d}"
    try:
        date = _dt.date(year, month, day)
    except ValueError:
        # an italic or serif "1" read as "7" ("70/10/2004", "25/71/1981"): likely, not certain
        for k in (0, 1):
            if parts[k].startswith("7") and len(parts[k]) == 2:
                fixed = [*parts]
                fixed[k] = "1" + parts[k][1:]
                value, ok, _problems = _date("/".join(fixed))
                if ok:
                    return value, False, [f"Ngày đọc được là {shown}, đã sửa thành {value}: cần kiểm tra"]
        return shown, False, [f"Ngày không hợp lệ: {shown}"]
    if date > _today():
        return shown, False, [f"Ngày ở tương lai: {shown}"]
    if year < 1900:
        fixed = _italic_year(parts[2])
        if fixed:
            value = f"{day:02d}/{month:02d}/{fixed}"
            return value, False, [f"Ngày đọc được là {shown}, đã sửa thành {value}: cần kiểm tra"]
        return shown, False, [f"Ngày trước năm 1900: {shown}"]
    return _vouched_unless_two_way(shown, read)


def _vouched_unless_two_way(value: str, read: str) -> Result:
    """A number read right, unless a letter of two digits was read in it ("197B": 1978 or 1973)."""
    two_way = _TWO_WAY_LETTERS.search(read)
    return value, not two_way, [TWO_WAY_LETTER.format(two_way.group(0))] if two_way else []


def _italic_year(digits: str) -> Optional[str]:
    """A year out of range with an italic or serif digit misread — "1" as "7" ("7994"), "9" as "0"
    or "8" ("1077", "1851") — as it likely was: filled in for the officer to check, never vouched."""
    for fixed in ("1" + digits[1:] if digits[0] == "7" else "", "19" + digits[2:] if digits[:2] in ("10", "18") else ""):
        if fixed and 1900 <= int(fixed) <= _today().year:
            return fixed
    return None


def _year(text: str) -> Result:
    digits = re.sub(r"[\s.,]", "", fix_digits(text))
    if not re.fullmatch(r"\d{4}", digits):
        return text, False, [f"Năm phải có 4 chữ số: {text}"]
    year = int(digits)
    if year < 1900 or year > _today().year:
        fixed = _italic_year(digits)
        if fixed:
            return fixed, False, [f"Năm đọc được là {digits}, đã sửa thành {fixed}: cần kiểm tra"]
        return digits, False, [f"Năm không hợp lệ: {digits}"]
    return _vouched_unless_two_way(digits, text)


# ---------------------------------------------------------------- gender

_MALE = {"nam", "male", "m", "trai", "nan"}
_FEMALE = {"nu", "female", "f", "gai", "nir", "nit"}


def _gender(text: str) -> Result:
    key = re.sub(r"[^a-z]", "", fold(text).replace("rn", "m"))
    if key in _MALE:
        return "Nam", True, []
    if key in _FEMALE:
        return "Nữ", True, []
    scores = {"Nam": max(fuzz.ratio(key, k) for k in ("nam", "male")),
              "Nữ": max(fuzz.ratio(key, k) for k in ("nu", "female"))}
    best = max(scores, key=scores.get)
    if len(key) == 3 and key[0] == "n" and key[2] == "m":
        best, scores["Nam"] = "Nam", 100  # "Nưm": italic a read as ư or u; only "Nam" holds an m
    other = "Nữ" if best == "Nam" else "Nam"
    if scores[best] >= 65 and scores[best] - scores[other] >= 20:
        # a guess from a misread word ("Nưưn" for "Nam" is nearer "nu"): filled in, never vouched for
        return best, False, [f"Giới tính đọc được '{text}', đoán là {best}: cần kiểm tra"]
    return text, False, [f"Giới tính phải là Nam hoặc Nữ (đọc được: {text})"]


# ---------------------------------------------------------------- phone

_MOBILE_PREFIX = ("03", "05", "07", "08", "09")


def _phone(text: str) -> Result:
    digits = re.sub(r"[\s.\-()/]", "", fix_digits(text.replace("+", " +")))
    plus = digits.startswith("+")
    digits = digits.lstrip("+")
    if not digits.isdigit():
        return digits, False, [f"Số điện thoại có ký tự lạ: {text}"]
    if digits.startswith("84") and (plus or len(digits) in (11, 12)):
        digits = "0" + digits[2:]
    if len(digits) == 10 and digits.startswith(_MOBILE_PREFIX) or len(digits) in (10, 11) and digits.startswith("02"):
        return _vouched_unless_two_way(digits, text)
    if not digits.startswith("0"):
        return digits, False, [f"Số điện thoại phải bắt đầu bằng 0: {digits}"]
    return digits, False, [f"Số điện thoại phải có 10 chữ số (đọc được {len(digits)})"]


# ---------------------------------------------------------------- 12-digit personal ID


@lru_cache(maxsize=1)
def province_codes() -> dict[str, tuple[str, str]]:
    """ID province code (3 digits) -> (province name before 2025, 2-digit code of the 2025 province)."""
    return {row["code"]: (row["name"], row["new_code"]) for row in data_rows("province_codes.csv")}


def data_rows(name: str) -> list[dict[str, str]]:
    """The rows of a CSV file of templates/data/, its "#" comment lines (the source) left out."""
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def id12_birth_century(digit: int) -> int:
    """The century base coded by the 4th digit: 0/1 -> 1900, 2/3 -> 2000, ... 8/9 -> 2300."""
    return 1900 + 100 * (digit // 2)


_BOX_SEPARATORS = re.compile(r"[|/\\\[\](){},;¡!]")


def _unbox(text: str) -> str:
    """Digits typed in boxes that OCR read with the box borders: "|0|6|6,0/8|..." -> "066 0 8 ..."."""
    if len(_BOX_SEPARATORS.findall(text)) < 4:
        return text
    text = _BOX_SEPARATORS.sub(" ", text)
    return re.sub(r"[jJ]", " ", text)


def _id12(text: str) -> Result:
    digits = re.sub(r"[\s.\-]", "", fix_digits(_unbox(text)))
    if not digits.isdigit():
        return digits, False, [f"Số định danh có ký tự không phải chữ số: {mask_id(digits)}"]
    if len(digits) != 12:
        return digits, False, [f"Số định danh phải có 12 chữ số (đọc được {len(digits)})"]
    problems = _id12_structure(digits)
    two_way = _TWO_WAY_LETTERS.search(_unbox(text))
    if two_way:
        problems.append(TWO_WAY_LETTER.format(two_way.group(0)))
    return digits, not problems, problems


def _id12_structure(digits: str) -> list[str]:
    problems = []
    if digits[:3] not in province_codes():
        problems.append(f"Mã tỉnh {digits[:3]} của số định danh {mask_id(digits)} không có trong danh mục")
    year = id12_birth_century(int(digits[3])) + int(digits[4:6])
    if year > _today().year:
        problems.append(f"Số định danh {mask_id(digits)} mã hóa năm sinh {year} ở tương lai")
    return problems


def check_id12(value: str, gender: Optional[str] = None, birth_year: Optional[int | str] = None) -> list[str]:
    """Problems of a normalised 12-digit ID, including disagreement with gender / birth year.

    Disagreement is reported, not fixed: the officer decides which one was misread.
    """
    if not value or not re.fullmatch(r"\d{12}", value):
        return [f"Số định danh phải có 12 chữ số (đọc được {len(re.sub(r'[^0-9]', '', value or ''))})"]
    problems = _id12_structure(value)
    digit = int(value[3])
    if gender in ("Nam", "Nữ"):
        coded = "Nam" if digit % 2 == 0 else "Nữ"
        if coded != gender:
            problems.append(f"Số định danh {mask_id(value)} mã hóa giới tính {coded}, tờ khai ghi {gender}")
    if birth_year:
        year = int(str(birth_year)[-4:])
        coded_year = id12_birth_century(digit) + int(value[4:6])
        if coded_year != year:
            problems.append(f"Số định danh {mask_id(value)} mã hóa năm sinh {coded_year}, tờ khai ghi {year}")
    return problems


_NORMALIZERS = {"text": _text, "name": _name, "date": _date, "year": _year, "gender": _gender,
                "id12": _id12, "phone": _phone, "email": _email}
