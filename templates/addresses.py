"""Province and commune names in address fields, against the official lists.

Provinces: the 34 units in force since 1 July 2025 (`vietnam-provinces` package) and the 63
units before (templates/data/province_codes.csv) — forms and people's home towns still carry
the old names. Communes: the package's post-2025 communes and wards of the province and the
pre-2025 ones of the provinces merged into it (templates/data/communes_2024.csv). Matching is
fold-insensitive and tolerates OCR slips. Nothing is ever rewritten: an address whose province
or commune is not recognised, or is written with other letters or marks than the official
name, gets a problem for the officer to look at.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, Optional

from rapidfuzz import fuzz, process

from ocr.textnorm import fold
from templates.normalize import data_rows, province_codes

_PROVINCE_PREFIX = re.compile(r"^(thanh pho truc thuoc trung uong|thanh pho|tinh|tp\.?|t\.)\s*")
_COMMUNE_PREFIX = re.compile(r"^(xa|phuong|thi tran|dac khu|p\.|x\.)\s*")
_PLACE_NAME_MIN = 86
#: A commune name read this close to an official one is taken for it, misread (flagged).
_COMMUNE_NAME_MIN = 80


@dataclass(frozen=True)
class Province:
    name: str  # as officially written, e.g. "Thành phố Hà Nội", "Quảng Bình"
    code: str  # 2-digit code of the province in its own scheme
    scheme: str  # "2025" (34 units) or "2024" (63 units)
    current: str  # 2-digit code of the 2025 province covering it


@dataclass
class AddressInfo:
    province: Optional[Province] = None
    commune: Optional[str] = None  # official name of the commune/ward (2025 or before), when recognised
    misspelt: bool = False  # a place not written as on the official lists (other marks, letters, absent)

    def as_dict(self) -> dict:
        out = {}
        if self.province:
            out.update(tinh=self.province.name, ma_tinh=self.province.code, he=self.province.scheme)
        if self.commune:
            out["xa"] = self.commune
        return out


def _folded(text: str) -> str:
    """Lower case, no marks, hyphens and dashes as spaces, one apostrophe, one space between words."""
    return " ".join(_DASHES.sub(" ", _one_apostrophe(fold(text))).split())


_DASHES = re.compile(r"[-–—]")
#: The apostrophe of Ede and Jarai names ("Cư M’gar", "B'Lao"): the lists write it either way,
#: print and OCR give any of these.
_APOSTROPHES = re.compile(r"[’‘`´“”']")


def _one_apostrophe(text: str) -> str:
    return _APOSTROPHES.sub("'", text)


def _listed_once(names: list[str]) -> set[str]:
    """Names as the lists write them, one per spelling: a name both lists carry with their own
    apostrophes or capitals ("B'Lao", "B'lao") counts once, as the first list (2025) writes it."""
    first: dict[str, str] = {}
    for name in names:
        first.setdefault(_one_apostrophe(name).lower(), name)
    return set(first.values())


def _bare(name: str) -> str:
    return _PROVINCE_PREFIX.sub("", _folded(name))


@lru_cache(maxsize=1)
def _provinces() -> dict[str, Province]:
    """Folded bare name ("ha noi", "quang binh", "ho chi minh") -> province."""
    import vietnam_provinces as vp

    out: dict[str, Province] = {}
    for code, (name, new_code) in province_codes().items():
        out[_bare(name)] = Province(name=name, code=code[1:], scheme="2024", current=new_code)
    for p in vp.Province.iter_all():
        code = f"{int(p.code):02d}"
        out[_bare(p.name)] = Province(name=p.name, code=code, scheme="2025", current=code)
    # usual short forms
    for alias, key in (("tp hcm", "ho chi minh"), ("hcm", "ho chi minh"), ("sai gon", "ho chi minh"),
                       ("thua thien hue", "thua thien hue"), ("ba ria vung tau", "ba ria vung tau")):
        if key in out:
            out.setdefault(alias, out[key])
    return out


@lru_cache(maxsize=1)
def _old_communes() -> dict[str, list[str]]:
    """2-digit code of a pre-2025 province -> names of its communes and wards then."""
    out: dict[str, list[str]] = {}
    for row in data_rows("communes_2024.csv"):
        out.setdefault(row["province"], []).append(row["commune"])
    return out


@lru_cache(maxsize=64)
def _communes(current_code: str) -> dict[str, list[str]]:
    """Folded bare commune name -> official names, for the land of one 2025 province: its 2025
    communes and the pre-2025 communes of the provinces merged into it (addresses name either)."""
    import vietnam_provinces as vp

    names = [" ".join(w.name.split()) for w in vp.Ward.iter_by_province(vp.ProvinceCode(int(current_code)))]
    old = _old_communes()
    for code, (_name, new_code) in province_codes().items():
        if new_code == current_code:
            names.extend(old.get(code[1:], []))
    out: dict[str, list[str]] = {}
    for name in names:
        out.setdefault(_bare_commune(name), []).append(name)
    return out


def _bare_commune(name: str) -> str:
    return _COMMUNE_PREFIX.sub("", _folded(name))


def _segments(address: str) -> list[str]:
    return [s for s in (_folded(p) for p in re.split(r"[,;\n]", address)) if s]


def find_province(address: str) -> Optional[Province]:
    """The province named in an address: last comma part first, then any part, then anywhere."""
    provinces = _provinces()
    segments = _segments(address)
    for seg in reversed(segments):
        bare = _PROVINCE_PREFIX.sub("", seg)
        if bare in provinces:
            return provinces[bare]
    if segments:
        bare = _PROVINCE_PREFIX.sub("", segments[-1])
        hit = process.extractOne(bare, list(provinces), scorer=fuzz.ratio, score_cutoff=_PLACE_NAME_MIN)
        if hit:
            return provinces[hit[0]]
    text = " " + " ".join(segments) + " "
    found = [(text.rfind(f" {k} "), k) for k in provinces if len(k) > 3 and f" {k} " in text]
    if found:
        return provinces[max(found)[1]]
    return None


@dataclass
class CommuneMatch:
    written: str  # as the address writes it, without "xã"/"phường"
    official: Optional[str] = None  # the official name it matches, type word included
    exact: bool = False  # same letters and marks as the official name


def find_commune(address: str, province: Province) -> Optional[CommuneMatch]:
    """The commune or ward an address names ("xã …", "phường …", "thị trấn …"), matched against
    the province's communes before and after 2025. None when no part names one."""
    communes = _communes(province.current)
    for part in re.split(r"[,;\n]", address):
        part = " ".join(part.split())
        folded = _DASHES.sub(" ", _one_apostrophe(fold(part)))
        m = _COMMUNE_PREFIX.match(folded)
        if not m or not folded[m.end():].strip():
            continue
        bare = " ".join(folded[m.end():].split())
        # fold maps each character of NFC Vietnamese to one: the original is cut at the same place
        written = part[m.end():] if len(folded) == len(part) else bare
        names = communes.get(bare)
        if names:
            exact = any(_marks(written) == _marks(_strip_commune(n)) for n in names)
            kind = folded[:m.end()].strip(" .")
            same_kind = [n for n in names if fold(n).startswith(kind)]  # "thị trấn" then, "xã" now
            return CommuneMatch(written, (same_kind or names)[0], exact)
        hit = process.extractOne(bare, list(communes), scorer=fuzz.ratio, score_cutoff=_COMMUNE_NAME_MIN)
        return CommuneMatch(written, communes[hit[0]][0] if hit else None)
    return None


@lru_cache(maxsize=1)
def _all_communes() -> dict[str, list[str]]:
    """Folded bare commune name -> official names, over the whole country, 2025 and before."""
    import vietnam_provinces as vp

    names = [" ".join(w.name.split()) for w in vp.Ward.iter_all()] + [n for ns in _old_communes().values() for n in ns]
    out: dict[str, list[str]] = {}
    for name in names:
        out.setdefault(_bare_commune(name), []).append(name)
    return out


@lru_cache(maxsize=1)
def mixed_case_names() -> frozenset[str]:
    """The words of official commune names written with a capital inside ("KRông", "EaBar"):
    in any other value such a word is a misreading ("VIỆt", "KỈnh")."""
    return frozenset(w for names in _all_communes().values() for name in names
                     for w in re.findall(r"[^\W\d_]+", name) if _mixed_case(w))


def _mixed_case(word: str) -> bool:
    return any(ch.isupper() for ch in word[1:]) and any(ch.islower() for ch in word)


def odd_case_word(text: Optional[str]) -> Optional[str]:
    """The first word of `text` whose letters mix capitals and small letters as no Vietnamese
    word is written (a capital after the first letter, and small letters), unless an official
    commune name writes it so."""
    for word in re.findall(r"[^\W\d_]+", text or ""):
        if _mixed_case(word) and word not in mixed_case_names():
            return word
    return None


def _named_communes(text: str) -> Iterator[tuple[int, int]]:
    """Where each commune name in `text` stands ("xã Ia Rsai" -> the span of "Ia Rsai"): after
    "xã", "phường", "thị trấn" or "đặc khu" (an island district since 2025), up to the next comma."""
    folded = _DASHES.sub(" ", fold(text))
    if len(folded) != len(text):
        return
    for m in re.finditer(r"\b(xa|phuong|thi tran|dac khu)\s+(?!hoi\b)", folded, re.I):  # "xã hội": society
        end = text.find(",", m.end())
        end = len(text) if end < 0 else end
        if any(w[:1].isupper() for w in text[m.end():end].split()):  # a name, not "xã và phường"
            yield m.end(), len(text[:end].rstrip())


def _known_commune(written: str) -> bool:
    names = _all_communes().get(_folded(written))
    return bool(names) and any(_marks(written) == _marks(_strip_commune(n)) for n in names)


#: Letters that are one glyph in many typefaces: OCR reads the Jarai "Ia" of "Ia Rsai" as "la".
_LOOKALIKE = {"l": "I", "I": "l"}
#: Thin letters a speck or a lost dot turns into one another, anywhere in a word.
_THIN = {"i": "l", "l": "i"}


def repair_commune_names(text: Optional[str]) -> Optional[str]:
    """`text` with its commune names written as the lists write them: one on no list but that
    would be with a look-alike letter at a word's start swapped ("xã la Rsai" -> "xã Ia Rsai"),
    and one whose marks differ from the only commune of those letters in the province the text
    names after it ("Xã Vĩnh Lộc, Thành phố Huế" -> "Xã Vinh Lộc": Huế has no Vĩnh Lộc; in
    italics an i's dot reads as a tilde)."""
    if not text:
        return text
    for start, end in reversed(list(_named_communes(text))):
        written = text[start:end]
        in_province = _province_marks(written, text[end:])
        if in_province is not None:
            text = text[:start] + in_province + text[end:]
            continue
        # the one listed name that differs only by a dash or an apostrophe's form (the old list
        # may write the same letters with other marks: "Ea M'DRóh" beside "Ea M’Droh")
        anywhere = _listed_once([_strip_commune(n) for n in _all_communes().get(_folded(written), [])])
        listed = {spelt for name in anywhere if (spelt := _punctuation_as_listed(written, name))}
        if len(listed) == 1:
            text = text[:start] + listed.pop() + text[end:]
            continue
        if _known_commune(written):
            continue
        known: dict[str, str] = {}  # by letters: "Ia Lâu" and "ia Lâu" are one name, the first as found
        for spelling in _lookalike_spellings(written):
            if _known_commune(spelling):
                known.setdefault(spelling.lower(), spelling)
        if len(known) == 1:
            text = text[:start] + known.popitem()[1] + text[end:]
    return text


def repair_province_marks(text: Optional[str]) -> Optional[str]:
    """`text` with the province it names written with the official marks where only the marks
    differ ("Tổ 5, Xã Đức Linh, Lâm Đông" -> "… Lâm Đồng": a grave lost in OCR). The letters pick
    one province of the closed list, so nothing else is guessed; communes are repaired after it,
    as their repair asks for the province named exactly."""
    if not text:
        return text
    province = find_province(text)
    written = _written_as(text, province) if province is not None else None
    official = _strip_prefix(province.name) if province is not None else ""
    if written is None or len(written) != len(official):
        return text
    at = text.rfind(written)
    if at < 0:  # written with other spaces than the value's
        return text
    spelt = "".join(o if w.lower() == w else o.upper() for w, o in zip(written, official))
    return text[:at] + spelt + text[at + len(written):]


#: The words of an address that a number follows ("Thôn 4", "Tổ 12", "Số 7"), by their letters.
_NUMBERED_UNITS = {fold(w): w for w in ("thôn", "tổ", "xóm", "ấp", "khóm", "bản", "buôn", "số", "phường", "quận",
                                        "khu", "ngõ", "ngách", "hẻm", "kiệt", "đội", "lô", "tầng", "phòng")}
_BEFORE_NUMBER = re.compile(r"(?<!\w)(\w+)(?=\s+\d)")
#: A unit's word that lost its first letter, at the start of the address or of a part of it,
#: in small letters where a capital stands ("hôn 12" for "Thôn 12": an italic T under no word).
_HEADLESS_UNIT = re.compile(r"(?:^|(?<=, ))([^\W\d_]{2,})\.?(?=\s+\d)")
_UNIT_TAILS = {fold(u)[1:]: u for u in _NUMBERED_UNITS.values() if len(u) > 2}


def numbered_units_as_printed(text: Optional[str]) -> Optional[str]:
    """`text` with the words a number follows spelt as the unit of those letters ("Thộn 4" ->
    "Thôn 4": a speck under the "ô"; no address writes another word of those letters there),
    and a unit that lost its capital written whole ("hôn 4" -> "Thôn 4")."""
    if not text:
        return text

    def headless(m: re.Match) -> str:
        written = m.group(1)
        unit = _UNIT_TAILS.get(fold(written))
        if unit is None or not written.islower() or fold(written) in _NUMBERED_UNITS:
            return m.group(0)
        return unit.capitalize()

    text = _HEADLESS_UNIT.sub(headless, text)

    def as_printed(m: re.Match) -> str:
        written = m.group(1)
        unit = _NUMBERED_UNITS.get(fold(written).lower())
        if unit is None or written.lower() == unit:
            return written
        return _unit_as_written(unit, written)

    return _BEFORE_NUMBER.sub(as_printed, text)


#: Unit words of more than one syllable, which no other words of those letters are before a name.
_UNIT_PHRASES = {fold(p): p for p in ("thành phố", "thị trấn", "thị xã", "đặc khu", "khu phố", "tổ dân phố")}
_WORD = re.compile(r"\w+")


def unit_phrases_as_spelt(text: Optional[str]) -> Optional[str]:
    """`text` with a unit's words of several syllables spelt as the unit before a name or number
    ("Thành phó Hải Phòng" -> "Thành phố Hải Phòng": a mark misread, which the province's and
    the commune's own repairs leave, as the unit's word is no part of their names)."""
    if not text:
        return text
    words = list(_WORD.finditer(text))
    out, done = [], 0
    for k in range(len(words)):
        for n in (3, 2):  # three words ("tổ dân phố") tried before two
            if k + n >= len(words) or words[k].start() < done:
                continue
            run = words[k: k + n]
            head = text[run[0].start(): run[-1].end()]
            unit = _UNIT_PHRASES.get(fold(head))
            if unit is None or head.lower() == unit or not _spaces_only(text, run + [words[k + n]]):
                continue
            out += [text[done: run[0].start()], _unit_as_written(unit, head)]
            done = run[-1].end()
            break
    return "".join(out) + text[done:]


def _unit_as_written(unit: str, written: str) -> str:
    """A unit's words (in small letters) in the case the value wrote them: all capitals, a capital
    first, or small."""
    if written.isupper() and len(written) > 1:
        return unit.upper()
    return unit.capitalize() if written[0].isupper() else unit


def _spaces_only(text: str, words: list[re.Match]) -> bool:
    """Whether only spaces stand between the consecutive `words` of `text`."""
    return all(not text[a.end(): b.start()].strip() for a, b in zip(words, words[1:]))


def _lookalike_spellings(written: str) -> Iterator[str]:
    """`written` with one look-alike letter swapped: "l"/"I" at a word's start, "i"/"l" anywhere
    ("Diiê Ya" for "Dliê Ya": a thin l under a speck reads as an i)."""
    for k, ch in enumerate(written):
        at_start = k == 0 or written[k - 1] == " "
        for other in (_LOOKALIKE.get(ch, "") if at_start else "") + _THIN.get(ch, ""):
            yield written[:k] + other + written[k + 1:]


def _punctuation_as_listed(written: str, official: str) -> Optional[str]:
    """`official` in the case of `written` when the two differ only by a dash the scan lost
    ("Chân Mây Lăng Cô" for "Chân Mây – Lăng Cô") or by the form of an apostrophe ("Cư M'gar"
    for "Cư M’gar"), else None."""
    words = [_one_apostrophe(w) for w in official.lower().split() if not _DASHES.fullmatch(w)]
    if words != _one_apostrophe(written.lower()).split() or written.lower() == official.lower():
        return None
    return official.upper() if written.isupper() else official


def _province_marks(written: str, rest: str) -> Optional[str]:
    """The commune `written` with the marks of the one commune of the same letters in the province
    that `rest` ends with, when they differ; None when that province is not named exactly, names
    no such commune, names several, or writes it the same."""
    tail = rest.rsplit(",", 1)[-1] if "," in rest else ""
    province = _provinces().get(_PROVINCE_PREFIX.sub("", _folded(tail.strip(" .;"))))
    if province is None:
        return None
    names = _listed_once([_strip_commune(n) for n in _communes(province.current).get(_folded(written), [])])
    if len(names) != 1:
        return None
    official = names.pop()
    if listed := _punctuation_as_listed(written, official):
        return listed
    if _marks(written) == _marks(official) or len(official) != len(written):
        return None
    return "".join(o if w.lower() == w else o.upper() for w, o in zip(written, official))


def check_unit_name(text: Optional[str]) -> list[str]:
    """Problems of the communes a value names ("Công an xã Nghi Lộc", "UBND phường Vị Tân",
    "Bệnh viện … xã Ia Hrú, Gia Lai"): each must be a commune's name of some province, marks and all."""
    if not text:
        return []
    return [f"Không nhận ra xã/phường '{text[start:end]}' trong danh mục (kiểm tra chữ và dấu)"
            for start, end in _named_communes(text) if not _known_commune(text[start:end])]


_UNIT_PREFIX = re.compile(r"^(thanh pho truc thuoc trung uong|thanh pho|tp\.?|tinh|huyen|quan|thi xa|"
                          r"xa|phuong|thi tran|dac khu)\s+")


def _strip_unit(name: str) -> str:
    """'Huyện Tư Nghĩa' -> 'Tư Nghĩa', 'TP. Hồ Chí Minh' -> 'Hồ Chí Minh' (marks kept)."""
    m = _UNIT_PREFIX.match(_folded(name) + " ")
    return " ".join(name.split()[len(m.group(0).split()):]) if m and m.end() < len(_folded(name)) else name


@lru_cache(maxsize=1)
def _place_names() -> dict[str, set[str]]:
    """Folded bare name -> place names as written: provinces (2025 and before), districts and
    communes before 2025, communes of 2025. A letter is dated at one of these places."""
    names = {p.name for p in _provinces().values()}
    names |= {row["district"] for row in data_rows("communes_2024.csv")}
    names |= {n for ns in _all_communes().values() for n in ns}
    out: dict[str, set[str]] = {}
    for name in names:
        bare = _strip_unit(" ".join(name.split()))
        out.setdefault(_folded(bare), set()).add(bare)
    return out


def check_place_name(text: Optional[str]) -> list[str]:
    """Problems of the place a document is dated at ("Quảng Ngãi, ngày …"): it must be the name of
    a province, district or commune, marks and all ("Nẵng" alone, "Quảng Ngải" are sent to review)."""
    if not text:
        return []
    bare = _strip_unit(" ".join(text.split()))
    names = _place_names().get(_folded(bare))
    if names and any(_marks(bare) == _marks(n) for n in names):
        return []
    return [f"Không nhận ra địa danh '{text}' trong danh mục tỉnh/huyện/xã (kiểm tra chữ và dấu)"]


#: A province, city or district named at the end of a value ("…, Thành phố Cần Thơ").
_TAIL_UNIT = re.compile(r"^(tinh|thanh pho|huyen|quan|thi xa)\s+\S", re.I)


def check_place_tail(text: Optional[str]) -> list[str]:
    """Problems of the province, city or district that ends a free-text value ("…, Xã Thạnh
    Xuân, Thành phố Cần"): a value cut short at a line's end names no place on the lists."""
    if not text or "," not in text:
        return []
    tail = text.rsplit(",", 1)[1].strip(" .;")
    if not _TAIL_UNIT.match(_folded(tail)):
        return []
    return check_place_name(tail)


def _strip_commune(name: str) -> str:
    """'Xã Ia Lâu' -> 'Ia Lâu', 'Thị trấn Phú Hòa' -> 'Phú Hòa'."""
    words = name.split()
    for n in (2, 1):
        if len(words) > n and _COMMUNE_PREFIX.fullmatch(fold(" ".join(words[:n])) + " "):
            return " ".join(words[n:])
    return name


def check_address(address: Optional[str]) -> tuple[AddressInfo, list[str]]:
    """What was recognised in an address and the problems for the officer (value untouched)."""
    if not address:
        return AddressInfo(), []
    province = find_province(address)
    if province is None:
        return AddressInfo(), [f"Không nhận ra tỉnh/thành phố trong địa chỉ: {address}"]
    info = AddressInfo(province=province)
    problems = []
    written = _written_as(address, province)
    if written is not None:
        info.misspelt = True
        official = _strip_prefix(province.name)
        problems.append(f"Tên tỉnh/thành phố '{written}' khác cách viết chính thức '{official}' (kiểm tra dấu)")
    commune = find_commune(address, province)
    if commune is not None:
        info.commune = commune.official
        if commune.official is None:
            info.misspelt = True
            problems.append(f"Không nhận ra xã/phường '{commune.written}' trong {province.name}")
        elif not commune.exact:
            info.misspelt = True
            problems.append(f"Tên xã/phường '{commune.written}' khác tên chính thức "
                            f"'{_strip_commune(commune.official)}' (kiểm tra chữ và dấu)")
    return info, problems


def _strip_prefix(name: str) -> str:
    """'Thành phố Hà Nội' -> 'Hà Nội', 'tỉnh Quảng Trị' -> 'Quảng Trị' (marks kept)."""
    words = name.split()
    folded = [fold(w) for w in words]
    for n in (4, 2, 1):  # "thành phố trực thuộc trung ương", "thành phố", "tỉnh"/"tp."
        if len(words) > n and _PROVINCE_PREFIX.fullmatch(" ".join(folded[:n])):
            return " ".join(words[n:])
    return name


def _written_as(address: str, province: Province) -> Optional[str]:
    """The province as the address writes it, when its letters match the official name but its
    marks do not ("Quảng Tri" for "Quảng Trị": a dot lost in OCR); None when written right."""
    official = _strip_prefix(province.name)
    key = fold(official)
    for part in reversed(re.split(r"[,;\n]", address)):
        bare = _strip_prefix(" ".join(part.split()))
        if fold(bare) == key:
            return None if _marks(bare) == _marks(official) else bare
    return None


def _marks(text: str) -> list:
    """Per word: its letters and the set of its marks, so that either tone placement of "oa",
    "oe", "uy" ("Hoá" / "Hóa") counts as the same spelling."""
    out = []
    for word in text.lower().split():
        decomposed = unicodedata.normalize("NFD", word)
        out.append((_one_apostrophe(fold(word)), sorted(c for c in decomposed if unicodedata.combining(c)),
                    word.count("đ")))
    return out
