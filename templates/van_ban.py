"""Fields of an official administrative document (văn bản hành chính, Decree 30/2020 layout).

Page 1 of such a document has a fixed shape, which this extractor reads from word boxes:

    PARENT AGENCY (optional)          CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
    AGENCY'S OWN NAME                      Độc lập - Tự do - Hạnh phúc
    ─────                                  ───────────────
    Số: 125/QĐ-UBND                  Quảng Ngãi, ngày 05 tháng 3 năm 2024
    V/v ... (letters only)
                               QUYẾT ĐỊNH              (type name, other documents)
                         Về việc ... (trích yếu)
                                 ─────

OCR lines are first cut at wide gaps so the two header columns never mix, then each line is
assigned to the left (agency) or right (motto) column by where the motto starts. Everything
is matched on folded text (no diacritics, lower case) so OCR that drops marks still matches.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median
from typing import Callable, Optional

import numpy as np
from rapidfuzz import fuzz

from ocr.model import Document, Field, OcrPage, Word, enclosing
from ocr.textnorm import collapse_spaces, fold, nfc
from templates.review import PageImages

FIELD_IDS = ("co_quan_ban_hanh", "so_ky_hieu", "dia_danh", "ngay_ban_hanh", "loai_van_ban", "trich_yeu")

#: Document type names of Decree 30/2020 (Art. 7), as printed, with the abbreviation its
#: Appendix III gives them in the number ("125/QĐ-UBND"); "CÔNG VĂN" is never printed.
DOC_TYPE_ABBREVIATIONS = {
    "NGHỊ QUYẾT": "NQ", "QUYẾT ĐỊNH": "QĐ", "CHỈ THỊ": "CT", "QUY CHẾ": "QC", "QUY ĐỊNH": "QyĐ",
    "THÔNG CÁO": "TC", "THÔNG BÁO": "TB", "HƯỚNG DẪN": "HD", "CHƯƠNG TRÌNH": "CTr", "KẾ HOẠCH": "KH",
    "PHƯƠNG ÁN": "PA", "ĐỀ ÁN": "ĐA", "DỰ ÁN": "DA", "BÁO CÁO": "BC", "BIÊN BẢN": "BB", "TỜ TRÌNH": "TTr",
    "HỢP ĐỒNG": "HĐ", "CÔNG ĐIỆN": "CĐ", "BẢN GHI NHỚ": "GN", "BẢN THỎA THUẬN": "TTh",
    "GIẤY ỦY QUYỀN": "UQ", "GIẤY MỜI": "GM", "GIẤY GIỚI THIỆU": "GT", "GIẤY NGHỈ PHÉP": "NP",
    "PHIẾU GỬI": "PG", "PHIẾU CHUYỂN": "PC", "PHIẾU BÁO": "PB", "THƯ CÔNG": None, "LỆNH": None,
    "ĐIỀU LỆ": None}
DOC_TYPES = list(DOC_TYPE_ABBREVIATIONS)
LETTER = "CÔNG VĂN"
_TYPE_KEYS = {re.sub(r"[^a-z]", "", fold(t)): t for t in DOC_TYPES}

#: First words of an agency's own name printed under its parent ("UBND TỈNH X" / "SỞ TƯ PHÁP").
#: A line starting with one of these begins the own name; lines above it are the parent.
AGENCY_HEADS = ["sở", "ban", "phòng", "chi cục", "cục", "tổng cục", "vụ", "viện", "trung tâm",
                "văn phòng", "ủy ban", "uỷ ban", "ubnd", "hội đồng", "hđnd", "thanh tra", "trường",
                "bệnh viện", "công an", "bộ chỉ huy", "bộ", "chi nhánh", "kho bạc", "hạt", "đài",
                "đoàn", "tòa án", "viện kiểm sát", "cơ quan", "nhà", "bảo hiểm", "học viện",
                "đại học", "liên đoàn", "hội", "quỹ", "tổng công ty", "công ty", "đảng ủy",
                "huyện ủy", "tỉnh ủy", "thành ủy", "quận ủy", "ban quản lý", "chi hội"]
_HEAD_KEYS = sorted({fold(h) for h in AGENCY_HEADS}, key=len, reverse=True)

#: A line whose strokes are this much wider than the body's is bold (the subject under a type name).
BOLD_RATIO = 1.12
#: Once the subject's first line is bold, a line continues it while its strokes stay this much
#: heavier than the body's (coarse scans blur the difference: 1.09x at 100 dpi).
BODY_WEIGHT = 1.05
#: Stamps and e-signature overlays found in the header area that are not the agency.
_NOISE = re.compile(r"ky boi|co quan:|thoi gian ky|trung tam cong|bao va tin hoc|@|\d{2}[.:]\d{2}[.:]\d{2,4}|"
                    r"hoa toc|thuong khan|^khan$|cv den|^den\b|^mat$|^toi mat|^chuyen:|luu ho so")
_SO = re.compile(r"^s[oô0ó6ơ]\s*[:;.,]?\s*")
#: The number line when OCR lost its "Số:" (a handwritten number garbles it): "56 /CT-UBND".
_BARE_SYMBOL = re.compile(r"^[^\s/]{0,6}\s*/\s*[a-zđ]{1,8}(-[a-zđ0-9]{1,10})+\W*$")
_VV = re.compile(r"^\W{0,2}v\s*[/\\|ií1l]\s*[vyu]\b\.?\s*", re.IGNORECASE)


@dataclass
class Seg:
    """A piece of an OCR line between wide gaps: one column's text on that line."""

    words: list[Word]
    page: int

    @property
    def text(self) -> str:
        return collapse_spaces(" ".join(w.text for w in self.words))

    @property
    def key(self) -> str:
        return fold(self.text)

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        return enclosing(w.bbox for w in self.words)

    @property
    def x0(self) -> int:
        return self.bbox[0]

    @property
    def x1(self) -> int:
        return self.bbox[2]

    @property
    def y0(self) -> int:
        return self.bbox[1]

    @property
    def y1(self) -> int:
        return self.bbox[3]

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def height(self) -> int:
        return int(median(w.bbox[3] - w.bbox[1] for w in self.words))

    @property
    def conf(self) -> float:
        confs = [max(0.0, min(100.0, w.conf)) for w in self.words]
        return sum(confs) / len(confs) / 100 if confs else 0.0


def segments(ocr: OcrPage, page: int = 1) -> list[Seg]:
    """OCR lines cut at gaps wider than ~2.5 text heights, sorted top to bottom."""
    out: list[Seg] = []
    for line in ocr.lines():
        words = sorted(line, key=lambda w: w.bbox[0])
        if not words:
            continue
        h = median(w.bbox[3] - w.bbox[1] for w in words)
        cur = [words[0]]
        for w in words[1:]:
            if w.bbox[0] - cur[-1].bbox[2] > max(2.5 * h, 0.04 * ocr.width):
                out.append(Seg(cur, page))
                cur = []
            cur.append(w)
        out.append(Seg(cur, page))
    out = [s for s in out if s.text.strip(" .,-_—–|")]
    out.sort(key=lambda s: (s.y0 + s.y1) / 2)
    return out


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.75 * len(letters)


def _field(value: Optional[str], segs: list[Seg], raw: Optional[str] = None, valid: bool = True,
           problems: Optional[list[str]] = None, conf: Optional[float] = None) -> Field:
    if value is None:
        return Field(problems=problems or [])
    box = (min(s.x0 for s in segs), min(s.y0 for s in segs), max(s.x1 for s in segs),
           max(s.y1 for s in segs)) if segs else None
    c = conf if conf is not None else (sum(s.conf for s in segs) / len(segs) if segs else 0.5)
    return Field(value=nfc(value), raw=nfc(raw if raw is not None else value), confidence=round(c, 3),
                 page=segs[0].page if segs else None, bbox=box, valid=valid, problems=problems or [])


class Layout:
    """Page 1's header located: motto, "Số:" line, place/date line, columns."""

    def __init__(self, ocr: OcrPage, page: int = 1, image: Callable[[], Optional[np.ndarray]] = lambda: None,
                 typed: bool = False, dpi: float = 300.0):
        self.ocr = ocr
        self.typed = typed  # words from the PDF's text layer: nothing was read by OCR
        self.load_image = image  # the page in grey (None without one), decoded when a measure needs it
        self._body_stroke: Optional[float] = None
        self.segs = segments(self._outside_frames(ocr, dpi), page)
        self.width = ocr.width or max((s.x1 for s in self.segs), default=1)
        self.motto = self._find(lambda k: "cong hoa xa hoi" in k or "chu nghia viet nam" in k
                                or fuzz.partial_ratio("cong hoa xa hoi chu nghia viet nam", k) >= 85
                                and len(k) > 20, top=0.35)
        self.line_h = median([s.height for s in self.segs]) if self.segs else 20
        self.split_x = self._split_x()
        self.date = self._date_line()
        self.so = self._so_line()
        # header ends at the lower of the number and date lines (or the motto)
        anchors = [s for s in (self.so, self.date, self.motto) if s is not None]
        self.header_bottom = max((s.y1 for s in anchors), default=int(0.25 * (ocr.height or 1000)))

    def body_margins(self) -> tuple[float, float]:
        """Left and right margins of the text block under the header (where long lines start
        and end)."""
        below = [s for s in self.segs if s.y0 > self.header_bottom]
        if not below:
            return 0.0, float(self.width)
        widest = max(s.x1 - s.x0 for s in below)
        long = [s for s in below if s.x1 - s.x0 >= 0.8 * widest]
        return float(median(s.x0 for s in long)), float(median(s.x1 for s in long))

    def stroke_width(self, s: Seg) -> float:
        """Mean stroke width (pixels) of a line's ink: twice its area over its outline's length."""
        image = None if self.typed else self.load_image()
        if image is None:
            return 0.0
        import cv2

        crop = image[max(0, s.y0):s.y1, max(0, s.x0):s.x1]
        if crop.size == 0:
            return 0.0
        _, ink = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        outlines, _ = cv2.findContours(ink, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
        return 2.0 * float((ink > 0).sum()) / max(1.0, sum(cv2.arcLength(c, True) for c in outlines))

    def is_bold(self, s: Seg, ratio: Optional[float] = None) -> bool:
        """Set in bold: strokes clearly wider than the body text's (measured 1.2-1.3x on scans;
        a lower `ratio` asks only whether the line is heavier than the body at all)."""
        ratio = BOLD_RATIO if ratio is None else ratio
        if self._body_stroke is None:
            below = [x for x in self.segs if x.y0 > self.header_bottom + 6 * self.line_h]
            widths = [self.stroke_width(x) for x in sorted(below, key=lambda x: x.x0 - x.x1)[:9]]
            self._body_stroke = median(widths) if widths else 0.0
        return self._body_stroke > 0 and self.stroke_width(s) >= ratio * self._body_stroke

    def _outside_frames(self, ocr: OcrPage, dpi: float) -> OcrPage:
        """The page without the words inside stamp frames (a "CV ĐẾN Số: … Ngày: …" reception
        stamp beside the subject): OCR strings them onto the document's own lines."""
        image = None if self.typed else self.load_image()
        if image is None or image.shape[:2] != (ocr.height, ocr.width):
            return ocr
        from ocr.form_lines import find_frames

        frames = find_frames(image, dpi)
        if not frames:
            return ocr

        m = 0.05 * dpi  # a stamp's title sits on its top rule

        def inside(w: Word) -> bool:
            cx, cy = (w.bbox[0] + w.bbox[2]) / 2, (w.bbox[1] + w.bbox[3]) / 2
            return any(x0 - m <= cx <= x1 + m and y0 - m <= cy <= y1 + m for x0, y0, x1, y1 in frames)

        return OcrPage(width=ocr.width, height=ocr.height, words=[w for w in ocr.words if not inside(w)])

    def _find(self, pred, top: float = 1.0) -> Optional[Seg]:
        limit = top * (self.ocr.height or max((s.y1 for s in self.segs), default=1))
        return next((s for s in self.segs if s.y0 <= limit and pred(s.key)), None)

    def _split_x(self) -> float:
        """x separating the agency column from the motto column."""
        if self.motto is not None:
            return self.motto.x0 - 0.5 * self.line_h
        return 0.45 * self.width

    def left(self, s: Seg) -> bool:
        return s.x1 <= self.split_x + 2 * self.line_h and s.cx < self.split_x

    def _date_line(self) -> Optional[Seg]:
        top = self.motto.y0 if self.motto is not None else 0
        limit = (self.motto.y1 + 8 * self.line_h) if self.motto is not None else 0.4 * (self.ocr.height or 1e9)
        best = None
        for s in self.segs:
            if s.y0 < top or s.y0 > limit or self.left(s) and self.motto is not None:
                continue
            k = s.key
            score = ("ngay" in k) + ("thang" in k) + ("nam" in k) + bool(re.search(r"\d{4}", k))
            if score >= 3 and (best is None or score > best[0]):
                best = (score, s)
        return best[1] if best else None

    def _so_line(self) -> Optional[Seg]:
        cands = [s for s in self.segs if (_SO.match(s.key) and "/" in s.text or _BARE_SYMBOL.match(s.key))
                 and self.left(s) and s.y0 < (self.header_bottom_guess())]
        if not cands:
            return None
        if self.date is not None:  # the number sits on the date's row; stamps sit elsewhere
            return min(cands, key=lambda s: abs((s.y0 + s.y1) / 2 - (self.date.y0 + self.date.y1) / 2))
        return cands[0]

    def header_bottom_guess(self) -> float:
        if self.date is not None:
            return self.date.y1 + 3 * self.line_h
        if self.motto is not None:
            return self.motto.y1 + 8 * self.line_h
        return 0.35 * (self.ocr.height or 1e9)


# ---------------------------------------------------------------- fields


def _agency(lay: Layout) -> Field:
    """Own name of the issuer: left-column upper-case lines right above the "Số:" line."""
    if lay.so is not None:
        anchor_y, anchor_cx = lay.so.y0, lay.so.cx
    elif lay.motto is not None:
        anchor_y, anchor_cx = lay.motto.y1 + 4 * lay.line_h, None
    else:
        return Field()
    above = [s for s in lay.segs if s.y1 <= anchor_y + 0.3 * lay.line_h and lay.left(s) and s is not lay.so]
    above.sort(key=lambda s: s.y0)
    block: list[Seg] = []
    last_y0 = anchor_y
    for s in reversed(above):
        gap = last_y0 - s.y1
        if block and gap > 1.6 * max(lay.line_h, s.height):
            break
        if not block and gap > 4.5 * lay.line_h:
            break  # nothing directly above the number line
        if _NOISE.search(s.key) or not _is_upper(s.text) or len(re.sub(r"\W", "", s.text)) < 2:
            if block:
                break
            last_y0 = s.y0
            continue  # the underline or a stamp between name and number
        if anchor_cx is not None and abs(s.cx - anchor_cx) > 0.25 * lay.width:
            continue
        block.insert(0, s)
        last_y0 = s.y0
    if not block:
        return Field()
    own = _own_lines(block)
    text = collapse_spaces(" ".join(_clean_agency(s.text) for s in own))
    problems = [] if len(own) == len(block) else []
    return _field(text, own, raw=" / ".join(s.text for s in block), problems=problems)


def _head(key: str) -> Optional[str]:
    key = key.lstrip(" -–—.,:;'\"")
    for h in _HEAD_KEYS:
        if key == h or key.startswith(h + " "):
            return h
    return None


def _own_lines(block: list[Seg]) -> list[Seg]:
    """Drop the parent-agency lines: own name starts at the lowest line beginning with an agency word.

    "UBND TỈNH QUẢNG NGÃI / BAN CHỈ ĐẠO 138" -> BAN ...; "ỦY BAN NHÂN DÂN / TỈNH QUẢNG NGÃI"
    -> both (a line starting with TỈNH/HUYỆN/... continues the one above).
    """
    if len(block) == 1:
        return block
    for i in range(len(block) - 1, 0, -1):
        if _head(block[i].key) is not None:
            return block[i:]
    return block


def _clean_agency(text: str) -> str:
    text = re.sub(r"[_—–=~*•·]+$", "", text.strip())
    return restore_marks(text.strip(" .,-:;|"))


#: Words and phrases of agency names, as printed; OCR that lost or changed their marks is put
#: back to these (matched on folded text). Province names are added from the address data.
AGENCY_WORDS = ["ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN", "BAN CHỈ ĐẠO", "BAN QUẢN LÝ", "TỈNH", "HUYỆN",
                "THÀNH PHỐ", "THỊ XÃ", "QUẬN", "PHƯỜNG", "XÃ", "THỊ TRẤN", "SỞ", "VĂN PHÒNG", "TRUNG TÂM",
                "PHÒNG", "CHI CỤC", "CỤC", "TỔNG CỤC", "BỘ", "TƯ PHÁP", "TÀI CHÍNH", "KẾ HOẠCH VÀ ĐẦU TƯ",
                "NỘI VỤ", "Y TẾ", "GIÁO DỤC VÀ ĐÀO TẠO", "TÀI NGUYÊN VÀ MÔI TRƯỜNG", "CÔNG AN",
                "XÂY DỰNG", "GIAO THÔNG VẬN TẢI", "NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN", "CÔNG THƯƠNG",
                "LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "THÔNG TIN VÀ TRUYỀN THÔNG", "KHOA HỌC VÀ CÔNG NGHỆ",
                "VĂN HÓA, THỂ THAO VÀ DU LỊCH", "THANH TRA", "DÂN TỘC", "TÔN GIÁO", "THUẾ", "KHO BẠC NHÀ NƯỚC",
                "BẢO HIỂM XÃ HỘI", "TÒA ÁN NHÂN DÂN", "VIỆN KIỂM SÁT NHÂN DÂN", "THI HÀNH ÁN DÂN SỰ"]
_OLD_TONES = (("ỦY", "UỶ"), ("HÓA", "HOÁ"), ("HÒA", "HOÀ"), ("THỦY", "THUỶ"), ("KHỎE", "KHOẺ"))


def _lexicon() -> dict[str, str]:
    global _LEX
    if _LEX is None:
        phrases = list(AGENCY_WORDS)
        try:
            from templates.addresses import _provinces

            phrases += [re.sub(r"^(Thành phố|Tỉnh)\s+", "", p.name).upper() for p in _provinces().values()]
        except Exception:  # address data unavailable: agency words only
            pass
        _LEX = {re.sub(r"[^a-z0-9 ]", "", fold(p)).strip(): nfc(p) for p in phrases}
    return _LEX


_LEX: Optional[dict[str, str]] = None


def restore_marks(text: str) -> str:
    """Known agency words whose diacritics OCR lost or garbled put back ("TINH QUANG NGAI")."""
    lex = _lexicon()
    tokens = text.split()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for n in range(min(6, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i:i + n])
            key = " ".join(re.sub(r"[^a-z0-9]", "", fold(t)) for t in tokens[i:i + n]).strip()
            canon = lex.get(key)
            if canon is None and n >= 2 and len(key) >= 8:
                best = max(lex, key=lambda k: fuzz.ratio(k, key))
                if fuzz.ratio(best, key) >= 90 and best.count(" ") == key.count(" "):
                    canon = lex[best]
            if canon is not None and not re.search(r"[,.;:]$", phrase[:-1] if phrase else ""):
                printed = phrase.upper()
                variants = {canon} | {canon.replace(a, b) for a, b in _OLD_TONES}
                out.append(printed if printed in variants else canon)
                i += n
                break
        else:
            out.append(tokens[i])
            i += 1
    return " ".join(out)


def _so_ky_hieu(lay: Layout) -> Field:
    s = lay.so
    if s is None:
        return Field()
    said = _SO.match(s.key)  # "Số:" was read (else the line is the bare "56 /CT-UBND")
    if not said:
        rest = s.text
    elif len(s.key) == len(s.text):
        rest = s.text[said.end():]
    else:
        rest = re.sub(r"^\S+\s*", "", s.text)
    raw = rest
    rest = rest.replace("Ð", "Đ").replace("–", "-").replace("—", "-")
    rest = re.sub(r"\s+", "", rest)
    number, _, symbol = rest.partition("/")
    from templates.normalize import fix_digits

    number = re.sub(r"\D", "", fix_digits(re.sub(r"[^\w]", "", number)))
    slash = next((w for w in s.words if "/" in w.text), None)
    doubts = [] if lay.typed else [ONE_READING.format("Số văn bản")]
    if slash is not None:
        m = re.match(r"^\S*?[:;.]", s.words[0].text)
        cw = _printed_width(lay, s)
        start = _end_of_printed(s.words[0], m.end() if m else min(3, len(s.words[0].text)), cw) if said \
            else s.words[0].bbox[0]
        at = slash.text.index("/")  # a box starting at a thin printed "/" (or "_/") starts right
        if re.fullmatch(r"[\W_]*", slash.text[:at]):
            again, conf = reread_digits(lay, s, start, slash.bbox[0])
        else:  # glued to the symbol: the digit reader looks a line further, to the "/" itself
            again, conf = reread_digits(lay, s, start, _start_of_printed(slash, at, cw), slack=lay.line_h)
        if again and len(again) <= 6:
            doubts = second_reading("Số văn bản", number, again, conf, lay.typed)
            number = again
    symbol = re.sub(r"[^\w\-./]", "", symbol).strip(".-_")
    value = f"{number}/{symbol}" if symbol else number or None
    problems = []
    if not number:
        problems.append("Không đọc được số của văn bản (số viết tay?)")
    if not symbol:
        problems.append("Không đọc được ký hiệu của văn bản")
    return _field(value, [s], raw=raw.strip(), valid=not problems, problems=problems + doubts)


#: The number and the day of a signed letter are filled in by hand: on a scan they are vouched
#: for only when two readings agree (`second_reading`).
ONE_READING = "{} chỉ đọc được một lần (thường viết tay), cần kiểm tra"
#: The subject line of a scanned letter is long typed text: on the real letters OCR got a third of
#: them right to the letter (docs/benchmarks-fields.md), too few to vouch for any.
SUBJECT_OCR = "Trích yếu đọc bằng OCR, cần đối chiếu với bản giấy"

#: A number or day filled in by hand is never vouched for: the best reading is filled in and the
#: officer confirms it.
HANDWRITTEN = "{} viết tay trên bản quét, đã điền giá trị đọc được ({}): cần kiểm tra"

#: Below this confidence (0-1, weakest digit) the re-reading of a typed number is not trusted
#: even when the page pass agrees.
REREAD_CONFIDENCE = 0.8


def second_reading(what: str, first: str, again: str, conf: float, typed: bool = False) -> list[str]:
    """Why a number or day is not vouched for: on a scan it is handwritten (always); the page
    pass and the re-reading disagree, or the re-reading itself was unsure."""
    if first != again:
        return [f"{what} đọc hai lần khác nhau ({first or '?'} / {again}), có thể viết tay: cần kiểm tra"]
    if not typed:
        return [HANDWRITTEN.format(what, again)]
    if 0 < conf < REREAD_CONFIDENCE:  # 0: Tesseract gave no confidence (seen on right readings)
        return [f"{what} viết tay đọc không chắc chắn, cần kiểm tra"]
    return []


def reread_digits(lay: Layout, seg: Seg, x0: int, x1: int, slack: float = 0) -> tuple[Optional[str], float]:
    """Digits in [x0, x1) of `seg`'s row read again, alone, and how sure (0-1); the digit reader
    also sees `slack` pixels further right (where it stops at a printed "/").

    The number and the day of a signed document are filled in by hand; the full-page pass
    reads them as letters and symbols. The handwritten-digit reader (ocr/digits.py) reads the
    blank's ink; when it finds no digits there, a digits-only Tesseract pass of the same crop
    does (measured on the real letters: docs/benchmarks-fields.md).
    """
    image = lay.load_image()
    if image is None or x1 - x0 < 4:
        return None, 0.0
    h = lay.line_h
    y0, y1 = max(0, int(seg.y0 - 0.8 * h)), min(image.shape[0], int(seg.y1 + 0.8 * h))
    crop = image[y0:y1, max(0, x0):min(image.shape[1], x1)]
    if crop.size == 0:
        return None, 0.0
    if lay.typed:  # the text layer's own digits, checked as before by Tesseract alone
        return _tesseract_reading(crop)
    # the start is an estimate that may cut into the first digit: the reader drops what it
    # catches of the print before it
    left = max(0, x0 - int(0.3 * h))
    hand = _hand_reading(image[y0:y1, left:min(image.shape[1], x1 + int(slack))], h, until_slash=True) \
        if slack else (None, 0.0)
    if hand[0] is None:
        hand = _hand_reading(image[y0:y1, left:min(image.shape[1], x1)], h)
    return _combine(hand, _tesseract_reading(crop))


def _hand_reading(crop, line_h: float, until_slash: bool = False) -> tuple[Optional[str], float]:
    from ocr.digits import read_handwritten_number

    return read_handwritten_number(crop, line_h=line_h, until_slash=until_slash)


def _tesseract_reading(crop) -> tuple[Optional[str], float]:
    import cv2

    from ocr.engine import read_line

    padded = cv2.copyMakeBorder(crop, 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=255)
    text, conf = read_line(padded, lang="eng", charset="0123456789")
    return re.sub(r"\D", "", text) or None, conf / 100.0


#: Below this probability (weakest digit) the digit reader gives way to a surer Tesseract reading.
HAND_CONFIDENCE = 0.5


def _combine(hand: tuple[Optional[str], float], tess: tuple[Optional[str], float]) -> tuple[Optional[str], float]:
    """The digit reader's digits, unless it found none or was unsure where Tesseract was surer."""
    if hand[0] and (hand[1] >= HAND_CONFIDENCE or not tess[0] or tess[1] <= hand[1]):
        return hand
    return tess if tess[0] else hand


def _printed_width(lay: Layout, seg: Seg) -> float:
    """Width of one printed lower-case letter: median over the date line's (or `seg`'s) words
    without digits."""
    words = [w for x in (lay.date, seg) if x is not None for w in x.words
             if len(w.text) >= 3 and not re.search(r"\d", w.text)]
    widths = [(w.bbox[2] - w.bbox[0]) / _printed_len(w.text) for w in words]
    return median(widths) if widths else 0.5 * seg.height


def _printed_len(text: str) -> float:
    """Length of printed text in lower-case letter widths: capitals are wider, marks narrower."""
    return sum(1.3 if c.isupper() else 0.5 if c in "/-.,:;" else 1.0 for c in text) or 1.0


def _end_of_printed(w: Word, n: int, cw: float) -> int:
    """x where the first `n` printed characters of `w` end: their printed width in from its left
    edge (OCR's box of "ngày" or "Số:" often swallows the handwriting after it), never past the box."""
    return min(w.bbox[2], int(w.bbox[0] + _printed_len(w.text[:n]) * cw))


def _start_of_printed(w: Word, index: int, cw: float) -> int:
    """x where the printed tail of `w` from character `index` starts: its printed width in from
    the box's right edge ("tháng"'s box often swallows the day before it), never before the box."""
    return max(w.bbox[0], int(w.bbox[2] - _printed_len(w.text[index:]) * cw))


_DATE = re.compile(r"ngay\s*(.*?)\s*thang\s*(.*?)\s*nam\s*(\S+)")


def _place_and_date(lay: Layout) -> tuple[Field, Field]:
    s = lay.date
    if s is None:
        return Field(), Field()
    words = s.words
    idx = _ngay_index(words)
    place = Field()
    if idx:
        text = collapse_spaces(" ".join(w.text for w in words[:idx])).strip(" ,.;:-")
        if text:
            place = _field(text, [Seg(words[:idx], s.page)])
    # from "ngày" on, that word spelt right: a handwritten day next to it can garble it ("ngàW{")
    key = fold(" ".join(w.text for w in words[idx or 0:]))
    if idx is not None and not fold(words[idx].text).lstrip(",.").startswith("ngay"):
        key = " ".join(["ngay"] + [fold(w.text) for w in words[idx + 1:]])
    m = _DATE.search(key)
    if not m:
        return place, _field(None, [s], problems=["Không đọc được ngày ban hành"])
    from templates.normalize import fix_digits, normalize

    if idx is not None:
        raw = collapse_spaces(" ".join(w.text for w in words[idx:]))
    else:  # "ngày" inside a word ("Ngãi,ngày"): cut the line where the date starts
        raw = s.text[m.start():] if len(key) == len(s.text) else s.text
    day, month, year = (re.sub(r"\D", "", fix_digits(g)) for g in m.groups())
    doubts = [] if lay.typed else [ONE_READING.format("Ngày ban hành")]
    ngay = words[idx] if idx is not None else None
    thang = next((w for w in words if "thang" in fold(w.text)), None)
    if ngay is not None and thang is not None and len(fold(thang.text)) == len(thang.text):
        spelt = fold(ngay.text)
        at = spelt.find("ngay")
        cw = _printed_width(lay, s)
        # "ngàW{": the day written over the word's end garbles its "y", which is print all the same
        start = _end_of_printed(ngay, (at if at >= 0 else max(0, spelt.find("nga"))) + 4, cw)
        again, conf = reread_digits(lay, s, start, _start_of_printed(thang, fold(thang.text).index("thang"), cw))
        if again and len(again) <= 2 and 1 <= int(again) <= 31:
            doubts = second_reading("Ngày ban hành", day.lstrip("0"), again.lstrip("0"), conf, lay.typed)
            day = again
    if not day or not month or len(year) != 4:
        return place, _field(raw, [s], valid=False, problems=[f"Không đọc được ngày ban hành: {raw}"])
    value, valid, problems = normalize("date", f"{int(day):02d}/{int(month):02d}/{year}")
    return place, _field(value, [s], raw=raw, valid=valid, problems=problems + doubts)


def _ngay_index(words: list[Word]) -> Optional[int]:
    """Index of the word "ngày" on the date line: spelt so, or else the word before "tháng" that
    starts like it ("ngàW{": the day written over it) and is not the place ("Ngãi,")."""
    folded = [fold(w.text).lstrip(",.") for w in words]
    exact = next((i for i, f in enumerate(folded) if f.startswith("ngay")), None)
    if exact is not None:
        return exact
    thang = next((i for i, f in enumerate(folded) if "thang" in f), None)
    for i in range(thang - 1 if thang else -1, -1, -1):
        if folded[i].startswith("nga") and folded[i].rstrip(",.;:") != "ngai" and not words[i].text.endswith(","):
            return i
    return None


def _doc_type(seg: Seg) -> Optional[str]:
    letters = re.sub(r"[^a-z]", "", seg.key)
    if not letters or len(letters) > 20 or not _is_upper(seg.text):
        return None
    if letters in _TYPE_KEYS:
        return _TYPE_KEYS[letters]
    best = max(_TYPE_KEYS, key=lambda k: fuzz.ratio(k, letters))
    return _TYPE_KEYS[best] if fuzz.ratio(best, letters) >= 80 else None


def _type_line(lay: Layout) -> Optional[tuple[Seg, str]]:
    lo = lay.header_bottom - 0.5 * lay.line_h
    hi = lo + 14 * lay.line_h
    for s in lay.segs:
        if s.y0 < lo or s.y0 > hi or s is lay.so or s is lay.date:
            continue
        if abs(s.cx - lay.width / 2) > 0.2 * lay.width:
            continue
        t = _doc_type(s)
        if t:
            return s, t
    return None


def _subject_lines(lay: Layout, first: Seg, column_left: bool, axis: Optional[float] = None) -> list[Seg]:
    """`first` and the lines that continue it, until a gap, a rule, or the body/authority starts.

    Under a type name the subject is centred on the type name's axis (`axis`); the body that
    follows is justified to the text block's margins, its paragraphs indented: a line that
    reaches the right margin but not the left one, or spans the block, is body.
    """
    lines = [first]
    left, right = lay.body_margins()
    bold = not column_left and lay.is_bold(first)
    for s in lay.segs:
        if (s.y0 + s.y1) / 2 <= (first.y0 + first.y1) / 2 + 0.5 * lay.line_h or s is lay.date:
            continue
        if column_left and not lay.left(s):
            continue
        prev = lines[-1]
        if s.y0 - prev.y1 > 1.2 * max(lay.line_h, prev.height):
            break
        k = s.key.lstrip(" -–—.,'\"")
        if k.startswith(("kinh gui", "can cu")):
            break
        if len(re.sub(r"\W", "", s.text)) < 2:
            break  # the short rule under the subject
        if not column_left:
            if _is_upper(s.text) and len(s.text) > 12:
                break  # the authority line of a decision ("CHỦ TỊCH ỦY BAN NHÂN DÂN ...")
            if bold and not lay.is_bold(s, BODY_WEIGHT):
                break  # the subject is set in bold, the body is not
            if axis is not None and abs(s.cx - axis) > 2 * lay.line_h:
                break  # not centred under the type name
            reaches_right = s.x1 >= right - 0.7 * lay.line_h
            if reaches_right and not bold and (s.x0 <= left + 0.7 * lay.line_h
                                               or s.x0 - left > right - s.x1 + lay.line_h):
                break  # a justified body line, or an indented paragraph's first line
        lines.append(s)
    return lines


#: A number with a letter OCR took for a digit ("kỳ họp thứ 3l", "năm 2O24").
_DIGITS_WITH_LOOKALIKE = re.compile(r"\b(?=[0-9lIO]*[0-9])(?=[0-9lIO]*[lIO])[0-9lIO]{2,}\b")


#: A full stop inside the subject, between a word and a lower-case word ("Quyết. định"): the
#: subject is one noun phrase, the stop a speck (abbreviations like "v.v." keep theirs).
_STOP_INSIDE = re.compile(r"(?<![.\w])([^\W\d_]{2,})\.(?= (\w))")


def _subject_text(lines: list[Seg]) -> str:
    from templates.normalize import fix_digits

    text = collapse_spaces(" ".join(s.text for s in lines))
    text = _DIGITS_WITH_LOOKALIKE.sub(lambda m: fix_digits(m.group(0)), text)
    text = _STOP_INSIDE.sub(lambda m: m.group(1) + ("" if m.group(2).islower() else "."), text)
    m = _VV.match(text)
    if m:
        return "V/v " + text[m.end():]
    # "Về việc" whose first word OCR mangled ("\@ việc", "vẻ việc")
    m = re.match(r"^\S{1,3}\s+(vi[eệêẹ]c)\b", text, re.IGNORECASE)
    if m and fold(text.split()[0]) != "ve":
        text = "Về " + text[m.start(1):]
    if re.match(r"^VỀ\s+vi", text):
        text = "Về" + text[2:]
    return text[:1].upper() + text[1:]


def _type_and_subject(lay: Layout) -> tuple[Field, Field]:
    typed = _type_line(lay)
    if typed is not None:
        seg, name = typed
        type_field = _field(name, [seg], raw=seg.text)
        mid = (seg.y0 + seg.y1) / 2  # centres, not tops: a skewed scan makes boxes tall
        below = [s for s in lay.segs if (s.y0 + s.y1) / 2 > mid + 0.6 * lay.line_h and s is not seg]
        if not below:
            return type_field, Field()
        first = below[0]
        if first.y0 - seg.y1 > 3 * lay.line_h or first.key.startswith(("can cu", "kinh gui")):
            return type_field, Field()
        lines = _subject_lines(lay, first, column_left=False, axis=seg.cx)
        return type_field, _field(_subject_text(lines), lines)
    # a letter: "V/v ..." under the number, in the left column
    start = lay.so.y1 if lay.so is not None else lay.header_bottom
    for s in lay.segs:
        if s.y0 < start - 0.3 * lay.line_h or s.y0 > start + 6 * lay.line_h or not lay.left(s):
            continue
        if _VV.match(s.text) or s.key.startswith(("ve viec", "v/v")):
            lines = _subject_lines(lay, s, column_left=True)
            return _field(LETTER, [s], raw=""), _field(_subject_text(lines), lines)
    if lay.so is None:
        return Field(), Field()
    return _field(LETTER, [lay.so], raw="", conf=0.5), Field()


def _agree_with_type(number: Field, doc_type: Optional[str]) -> Field:
    """The number's type abbreviation checked against the printed type name (two typed readings).

    "04/QĐĐ-BCĐ138" under "QUYẾT ĐỊNH" is OCR doubling a letter: the abbreviation is put right.
    One that matches no reading of the type is left as read and sent to review.
    """
    abbr = DOC_TYPE_ABBREVIATIONS.get(doc_type or "")
    if not abbr or not number.value or "/" not in number.value:
        return number
    head, _, symbol = number.value.partition("/")
    read, dash, rest = symbol.partition("-")
    if not dash or read == abbr:
        return number
    squeezed = re.sub(r"(.)\1+", r"\1", read)
    if fold(squeezed) == fold(abbr) or fold(read) == fold(abbr):
        number.value = f"{head}/{abbr}-{rest}"
    else:
        number.problems.append(f"Ký hiệu “{read}” không khớp loại văn bản {doc_type} ({abbr}): cần kiểm tra")
        number.valid = False
    return number


def first_text_page(doc: Document) -> Optional[tuple[int, OcrPage]]:
    for n, page in enumerate(doc.pages, start=1):
        if page.ocr is not None and page.ocr.words:
            return n, page.ocr
    return None


def extract(doc: Document, template, images: Optional[PageImages] = None) -> dict[str, Field]:
    wanted = [f.id for f in template.fields] if getattr(template, "fields", None) else list(FIELD_IDS)
    found = first_text_page(doc)
    if found is None:
        return {fid: Field() for fid in wanted}
    page = doc.pages[found[0] - 1]
    images = images or PageImages(doc)
    lay = Layout(found[1], found[0], lambda: images.grey(found[0]), typed=page.text_from_pdf,
                 dpi=page.dpi or 300.0)
    place, date = _place_and_date(lay)
    doc_type, subject = _type_and_subject(lay)
    if subject.value is not None and not lay.typed:
        subject.problems.append(SUBJECT_OCR)
    number = _agree_with_type(_so_ky_hieu(lay), doc_type.value)
    fields = {"co_quan_ban_hanh": _agency(lay), "so_ky_hieu": number, "dia_danh": place,
              "ngay_ban_hanh": date, "loai_van_ban": doc_type, "trich_yeu": subject}
    return {fid: fields.get(fid) or Field() for fid in wanted}
