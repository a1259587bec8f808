"""The only module that knows Tesseract: one pass per page, words with boxes and confidences.

Another engine plugs in by providing `ocr_image(image, dpi, lang) -> OcrPage`.

Tesseract is kept loaded, one instance per process and language, through tesserocr (its C++
API, wheels bundling Tesseract 5.5): starting the `tesseract` program costs ~0.2 s of CPU per
read for loading the model alone (ten times what reading a short line takes), and the
bundled build reads a page ~1.4x faster than Debian's 5.3 program (docs/benchmarks.md).
Where tesserocr is not installed the program runs through pytesseract instead, same output.
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
import threading
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional

import cv2
import numpy as np
import pytesseract

from ocr.errors import SohoaError
from ocr.model import BBox, Choices, OcrPage, Word, enclosing
from ocr.textnorm import fold, nfc

# Dot leaders, underscores and rules printed on forms are not text.
_LEADER_RUN = re.compile(r"[.…·_]{3,}|[-–—=]{4,}")
_BORDER_ONLY = re.compile(r"^[|¦\[\]]+$")
_SINGLE_DIGIT = re.compile(r"^\d$")
#: A run of at least this many one-digit words on a line is a number typed in boxes.
BOXED_DIGITS_MIN = 4
#: Rewrites a page's words given each word's alternatives (ocr.correct), same count and order.
Corrector = Callable[[list[Word], list[Choices]], list[Word]]


def tesseract_available(lang: str = "vie") -> bool:
    try:
        return all(code in pytesseract.get_languages(config="") for code in lang.split("+"))
    except (pytesseract.TesseractNotFoundError, OSError):
        return False


#: Letters and signs the `vie` model knows but Vietnamese papers do not use. Left allowed, they
#: win where print is unusual: italic "CCCD" reads "ŒŒŒD"; barred, the model's next choice wins.
NOT_VIETNAMESE = "ŒœÆæßØøÅåÄäÖöÜüÏïÑñÇçÐðŠšƑƒˆ¡¿‡†¢£¥§¶©®™¬¤µ"


def ocr_image(image: np.ndarray, dpi: float, lang: str = "vie", psm: int = 3,
              corrector: Optional[Corrector] = None) -> OcrPage:
    """Run Tesseract once on a grey/binary page and return its words in reading order.

    Tesseract runs single-threaded (OMP_THREAD_LIMIT=1) because the pipeline parallelises
    over pages, which scales better on few cores. With a `corrector` (ocr.correct) the engine
    also hands over its per-character alternatives, and the corrector rewrites the words.
    """
    grey = _grey(image)
    height, width = grey.shape
    barred = NOT_VIETNAMESE if lang.split("+")[0] == "vie" else ""
    tsv, choices = _tsv(grey, dpi, lang, psm, barred=barred, with_choices=corrector is not None)
    words = parse_tsv(tsv)
    if choices is not None and len(choices) != len(words):
        choices = None
    words, choices = reread_broken_lines(grey, dpi, lang, barred, words, choices)
    words, choices = reread_unsure(grey, dpi, lang, barred, words, choices)
    words, choices = reread_italics(grey, dpi, lang, barred, words, choices)
    if corrector is not None and choices is not None:
        words = corrector([replace(w, doubt=mark_doubt(c), digit_doubt=digit_doubt(c))
                           for w, c in zip(words, choices)], choices)
    return OcrPage(width=width, height=height, words=tidy_words(words))


#: A word read below this confidence is read again alone (`reread_unsure`).
REREAD_BELOW = 50.0
#: The second reading replaces the first at this confidence or more, and this much above it.
REREAD_ACCEPT = 80.0
REREAD_GAIN = 30.0
#: Pixels of the page kept around the word's box (more takes in a neighbour's ink).
REREAD_MARGIN_PX = 2
#: At most this many words a page are read again (a signature or a stamp gives dozens).
REREAD_MAX = 40
#: A word read again whose width lies this much over other words of its line is their ink read twice.
OVER_OTHERS = 0.6


def reread_unsure(grey: np.ndarray, dpi: float, lang: str, barred: str, words: list[Word],
                  choices: Optional[list[Choices]]) -> tuple[list[Word], Optional[list[Choices]]]:
    """Words the engine was unsure of, read again from their own box, one line alone.

    In a line a neighbour can throw the engine: a superscript footnote mark before an italic
    value changes the line's height, and "CCCD" comes out "@CCD" or "CD" at confidence 0, the
    address word after it "Riềng," at 11; read alone they give "CCCD" and "Riềng," at 92. The
    second reading is taken only when all of it is sure, so a word stays unsure otherwise; it may
    be several words ("/ 03" read as one word ";UÚU3").
    """
    # a lone sign is a speck or a bit of a stamp or signature, which a second reading only dresses up
    unsure = {i for i, w in enumerate(words) if w.conf < REREAD_BELOW and sum(ch.isalnum() for ch in w.text) >= 2}
    if not unsure or len(unsure) > REREAD_MAX:
        return words, choices
    again = {i: _read_again(grey, dpi, lang, barred, words[i], choices is not None) for i in sorted(unsure)}
    own = {i: _not_over_others(read, words, i) for i, read in again.items() if read is not None}
    return _spliced(words, choices, {i: read for i, read in own.items() if read})


def _not_over_others(read: list[tuple[Word, Choices]], words: list[Word], i: int) -> list[tuple[Word, Choices]]:
    """The words of word i's second reading less those that are another word of its line: an
    unsure word's box can reach across its neighbour (".Nguyễn.Gia" boxed over "Bình" too), and
    read again it gives the neighbour a second time ("Nguyễn Gia Bình Bình"). A word read again
    belongs to the first reading's word it shares most of its width with, and none stands mostly
    over the line's other words: an unsure box over a whole value (".Xã.Tân." across "Thành, Lâm
    Đồng") read again gives one long word over its neighbours ("Thành,.Lâm"), which would then be
    read twice ("Tân Thành, Lâm Thành, Lâm Đồng")."""
    me = words[i]
    line = [k for k, w in enumerate(words) if (w.block, w.par, w.line) == (me.block, me.par, me.line)]

    def shared(a: BBox, b: BBox) -> float:
        inter = min(a[2], b[2]) - max(a[0], b[0])
        return inter / (max(a[2], b[2]) - min(a[0], b[0])) if inter > 0 else 0.0

    def over_others(a: BBox) -> bool:
        """Whether words standing mostly inside `a` (not a wider box around it) fill most of it."""
        spans = sorted((max(a[0], b[0]), min(a[2], b[2])) for b in (words[k].bbox for k in line if k != i)
                       if min(a[2], b[2]) - max(a[0], b[0]) >= 0.5 * (b[2] - b[0]))
        covered, reach = 0, a[0]
        for x0, x1 in spans:
            if x1 > max(x0, reach):
                covered += x1 - max(x0, reach)
                reach = x1
        return a[2] > a[0] and covered >= OVER_OTHERS * (a[2] - a[0])

    return [(w, c) for w, c in read
            if max(line, key=lambda k: (shared(w.bbox, words[k].bbox), k == i)) == i and not over_others(w.bbox)]


def _paired(words: list[Word], choices: Optional[list[Choices]], members: list[int]) -> list[tuple[Word, Choices]]:
    """Words `members` with their alternatives (none when the engine gave none)."""
    return [(words[i], choices[i] if choices is not None else []) for i in members]


def _spliced(words: list[Word], choices: Optional[list[Choices]],
             replaced: dict[int, list[tuple[Word, Choices]]]) -> tuple[list[Word], Optional[list[Choices]]]:
    """`words` (and their alternatives) with word i replaced by the words of `replaced[i]`."""
    new_words: list[Word] = []
    new_choices: list[Choices] = []
    for i in range(len(words)):
        for word, alts in replaced.get(i, _paired(words, choices, [i])):
            new_words.append(word)
            new_choices.append(alts)
    return new_words, (new_choices if choices is not None else None)


def _read_again(grey: np.ndarray, dpi: float, lang: str, barred: str, w: Word,
                with_choices: bool) -> Optional[list[tuple[Word, Choices]]]:
    """The words read from `w`'s box alone (with their alternatives), or None when unsure."""
    again = _read_box(grey, dpi, lang, barred, w, w.bbox, with_choices)
    if not again or any(a.conf < max(REREAD_ACCEPT, w.conf + REREAD_GAIN) for a, _ in again):
        return None
    return again


def _read_box(grey: np.ndarray, dpi: float, lang: str, barred: str, like: Word, bbox: BBox,
              with_choices: bool, upright: float = 0.0) -> list[tuple[Word, Choices]]:
    """The words of one line read from `bbox` alone, with alternatives: words of `like`'s line
    (block, paragraph, line) with boxes on the page's grid. With `upright` (degrees) the crop is
    sheared that much to the left first (`word_lean`)."""
    x0, y0, x1, y1 = _uncut(grey, bbox)
    # the box alone, on a margin of its own paper: a neighbour's ink (a slash, a leader's last
    # dot) next to a short number throws the reading ("11" read "đột")
    left, top = max(0, x0 - REREAD_MARGIN_PX), max(0, y0 - REREAD_MARGIN_PX)
    box = grey[top: y1 + REREAD_MARGIN_PX, left: x1 + REREAD_MARGIN_PX]
    if box.size == 0:
        return []
    paper = int(np.median(np.concatenate([box[0], box[-1], box[:, 0], box[:, -1]])))
    pad = max(4, (y1 - y0) // 2)
    crop = cv2.copyMakeBorder(box, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=paper)
    left, top = left - pad, top - pad
    crop = stood_up(crop, upright, paper)
    lean, middle = float(np.tan(np.radians(upright))), crop.shape[0] / 2
    try:
        tsv, alts = _tsv(np.ascontiguousarray(crop), dpi, lang, 7, barred=barred, with_choices=with_choices)
    except SohoaError:
        return []
    again = parse_tsv(tsv)
    if alts is None or len(alts) != len(again):
        alts = [[] for _ in again]
    out = []
    for a, c in zip(again, alts):
        shift = round(lean * ((a.bbox[1] + a.bbox[3]) / 2 - middle))
        out.append((replace(like, text=a.text, conf=a.conf, bbox=(left + a.bbox[0] - shift, top + a.bbox[1],
                                                                  left + a.bbox[2] - shift, top + a.bbox[3])), c))
    return out


#: A page with more lines to read again whole than this (`reread_broken_lines`) is left as read:
#: signatures, stamps or handwriting over many lines, where a second reading costs much and finds
#: no lost print.
LINE_REREAD_MAX = 12


def _uncut(grey: np.ndarray, bbox: BBox) -> BBox:
    """`bbox` widened to the whole of the letters its sides cut through.

    The page pass can leave part of a word's first letter out of its box (an italic "P" whose
    foot reaches left of its stem: "PHẠM" read "HẠM" with the box from the H); a crop of that box
    would read it the same. Ink reaching further than 0.6 of the box's height past a side (a
    rule, a leader the form's line erasing left) is not a letter and leaves the side as it is."""
    x0, y0, x1, y1 = (int(v) for v in bbox)
    reach = int(0.6 * (y1 - y0))
    sx0, sx1 = max(0, x0 - reach), min(grey.shape[1], x1 + reach)
    strip = grey[max(0, y0): y1, sx0: sx1]
    if strip.size == 0 or reach < 2:
        return bbox
    _, ink = cv2.threshold(strip, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    left, right = x0, x1
    for cx, _cy, cw, _ch, _area in stats[1:count]:
        first, last = sx0 + cx, sx0 + cx + cw - 1
        if first < x0 <= last and (cx > 0 or sx0 == 0):
            left = min(left, first)
        if first <= x1 < last and (cx + cw < strip.shape[1] or sx1 == grey.shape[1]):
            right = max(right, last + 1)
    return (int(left), bbox[1], int(right), bbox[3])


def reread_broken_lines(grey: np.ndarray, dpi: float, lang: str, barred: str, words: list[Word],
                        choices: Optional[list[Choices]]) -> tuple[list[Word], Optional[list[Choices]]]:
    """Lines where the page pass lost a letter, read again alone as one line.

    After a form's label the value's first italic capital falls between two words of the page's
    layout: "NGUYỄN" comes out "GUYỄN" (the N left out, ink under no word) or "Í GUYỄN" (split off
    and read at 1), "Phạm" comes out "hạm"; the line read alone gives "NGUYỄN" and "Phạm" at 84-97.
    A line with such ink beside it or with an unsure word is read again, and the second reading
    mends only the stretches of the first that were broken (`_mend`).
    """
    lines = _lines(words)
    stray = _ink_outside_words(grey, words)
    redo: list[tuple[list[int], BBox, list[BBox], list[BBox]]] = []
    for members in lines.values():
        line = [words[i] for i in members]
        top, bottom = min(w.bbox[1] for w in line), max(w.bbox[3] for w in line)
        height = bottom - top
        beside = [s for s in stray if min(s[3], bottom) - max(s[1], top) >= 0.5 * (s[3] - s[1])
                  and line[0].bbox[0] - height < s[0] < line[-1].bbox[2] + height]
        tall = sorted(w.bbox[3] - w.bbox[1] for w in line)[len(line) // 2]
        # a lost letter read as a sign ("#" for an italic "Mẹ"): unsure, and its ink may lean
        signs = [w.bbox for w in line if w.conf < REREAD_BELOW and not any(ch.isalnum() for ch in w.text)
                 and _letter_sized(w, tall)]
        unsure = [w.bbox[0] for w in line if w.conf < REREAD_BELOW and any(ch.isalnum() for ch in w.text)]
        unsure += [b[0] for b in signs]
        if not beside and not unsure:
            continue
        # from the word before the first lost or unsure letter to the line's end: the label before
        # a value gives the engine the line's height, and fewer words keep the rest out of reach
        first = min(unsure + [s[0] for s in beside])
        start = max([k for k, w in enumerate(line) if w.bbox[2] <= first + 2] or [0])
        part = line[start:]
        redo.append((members[start:], (min([part[0].bbox[0]] + [s[0] for s in beside]), top,
                                       max([part[-1].bbox[2]] + [s[2] for s in beside]), bottom), beside, signs))
    if not redo or len(redo) > LINE_REREAD_MAX:
        return words, choices
    mended: dict[int, list[tuple[Word, Choices]]] = {}
    for members, box, beside, signs in redo:
        first = _paired(words, choices, members)
        again = _read_box(grey, dpi, lang, barred, words[members[0]], box, choices is not None,
                          UPRIGHT_SHARE * _lost_lean(grey, beside + signs))
        line = _mend(first, again, beside)
        if line is not None:
            mended[members[0]] = line
            mended.update({i: [] for i in members[1:]})
    return _spliced(words, choices, mended) if mended else (words, choices)


def _letter_sized(w: Word, tall: float) -> bool:
    """Whether a word of signs alone has a letter's size in a line of words `tall` pixels high: an
    italic "Mẹ" after its label read "#" at 10, not a speck read "." or a leader's remnant "—"."""
    height, width = w.bbox[3] - w.bbox[1], w.bbox[2] - w.bbox[0]
    return height >= 0.6 * tall and width >= 0.4 * height


def _lost_lean(grey: np.ndarray, lost: list[BBox]) -> float:
    """The lean of ink under no word when it leans as italics do (an italic "Nữ" the page pass
    left out is read "W#" upright, "Nữ" stood up), else 0."""
    if not lost:
        return 0.0
    lean = word_lean(grey, enclosing(lost)) or 0.0
    return lean if lean >= ITALIC_FROM else 0.0


def stood_up(grey: np.ndarray, degrees: float, paper: int) -> np.ndarray:
    """`grey` sheared `degrees` to the left about its middle row (the middles of its words stay
    where they were), the corners filled with `paper`."""
    if not degrees:
        return grey
    lean = float(np.tan(np.radians(degrees)))
    return cv2.warpAffine(grey, np.float32([[1, lean, -lean * grey.shape[0] / 2], [0, 1, 0]]),
                          (grey.shape[1], grey.shape[0]), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=paper)


def italics_stood_up(grey: np.ndarray, paper: int) -> np.ndarray:
    """A crop of one line (digits of a box row) stood up part of the way when its print leans as
    italics do (`UPRIGHT_SHARE`), else as it is."""
    lean = word_lean(grey, (0, 0, grey.shape[1], grey.shape[0])) or 0.0
    return stood_up(grey, UPRIGHT_SHARE * lean, paper) if lean >= ITALIC_FROM else grey


#: A word leaning this many degrees or more is italic (`word_lean`): upright print measures 0-2,
#: italic faces 9-16.
ITALIC_FROM = 6.0
#: The share of its lean an italic stretch is stood up by before it is read again: read upright
#: whole, the letters lose what the engine learnt of italics (FreeSerif Italic's names, dates and
#: numbers: 109 of 150 read right as printed, 129 stood up by 0.6 of the lean, 113 by all of it).
UPRIGHT_SHARE = 0.7
#: An italic stretch all of whose words were read this sure or more is left as read.
ITALIC_SURE = 96.0
#: At most this many italic stretches a page are read again.
ITALIC_MAX = 40


def reread_italics(grey: np.ndarray, dpi: float, lang: str, barred: str, words: list[Word],
                   choices: Optional[list[Choices]]) -> tuple[list[Word], Optional[list[Choices]]]:
    """Italic stretches of a line read again stood up, the surer reading kept, and where the two
    readings disagree the other's words noted on the kept ones (`Word.other`).

    Some italic faces the engine reads badly (Times-like italics: "Nam" as "Nưm", "11" as "77",
    "Kim" as "Kửn", an i's dot by a V's serif as "Vĩnh"); the same words sheared upright read
    right far more often. Which reading is right the engine's confidence tells best (the words'
    mean); where they disagree the one kept is still wrong some 40 % of the time, where they agree
    it is right 97-99 % of the time.
    """
    stretches = _italic_stretches(grey, words)
    if not stretches or len(stretches) > ITALIC_MAX:
        return words, choices
    replaced: dict[int, list[tuple[Word, Choices]]] = {}
    for members, lean in stretches:
        first = _paired(words, choices, members)
        if all(w.conf >= ITALIC_SURE for w, _ in first):
            continue
        box = enclosing(w.bbox for w, _ in first)
        # words of the ink around the box (a neighbour's "2,") are not the stretch's
        again = [(a, c) for a, c in _read_box(grey, dpi, lang, barred, words[members[0]], box, choices is not None,
                                              UPRIGHT_SHARE * lean)
                 if box[0] <= (a.bbox[0] + a.bbox[2]) / 2 <= box[2]]
        if not again:
            continue
        surer, other = (again, first) if _mean_conf(again) > _mean_conf(first) else (first, again)
        kept: list[tuple[Word, Choices]] = []
        for i1, i2, j1, j2 in _overlapping(surer, other):
            part, theirs = surer[i1:i2], other[j1:j2]
            if _tokens(part) != _tokens(theirs):
                read = " ".join(w.text for w, _ in theirs)
                part = [(replace(w, other=read), c) for w, c in part]
            kept.extend(part)
        if [w for w, _ in kept] != [w for w, _ in first]:
            replaced[members[0]] = kept
            replaced.update({i: [] for i in members[1:]})
    return _spliced(words, choices, replaced) if replaced else (words, choices)


def _tokens(words: list[tuple[Word, Choices]]) -> list[str]:
    """The runs of letters and digits of some words: a space or a "/" read in or left out of a
    number counts ("014096966 145", "23/4/1999"), an apostrophe's shape does not."""
    return re.findall(r"\w+", " ".join(w.text for w, _ in words))


def _mean_conf(words: list[tuple[Word, Choices]]) -> float:
    return sum(w.conf for w, _ in words) / len(words)


def _italic_stretches(grey: np.ndarray, words: list[Word]) -> list[tuple[list[int], float]]:
    """Runs of neighbouring italic words in each line, each with its median lean in degrees.

    A word of one letter or digit, or a sign, leans too little to measure ("8" of "Thôn 8", the
    "/" of a date, a "13" read as one "7"): it joins the italic words after it, those it stands
    between, and those it stands close after; read unsure and leaning, it starts a run itself."""
    out: list[tuple[list[int], float]] = []
    for line in _lines(words).values():
        run: list[int] = []
        leans: dict[int, float] = {}
        for i in line:
            w = words[i]
            lean = _italic_lean(grey, w)
            if lean is None:
                run.append(i)
            elif lean >= ITALIC_FROM:
                if not leans:
                    run = _close_before(run, words, w)
                run.append(i)
                leans[i] = lean
            else:
                if leans:
                    out.append((_close_after(run, words, set(leans)), float(np.median(list(leans.values())))))
                run, leans = [], {}
        if leans:
            out.append((_close_after(run, words, set(leans)), float(np.median(list(leans.values())))))
    return out


def _italic_lean(grey: np.ndarray, w: Word) -> Optional[float]:
    """The lean of a word of two letters or digits or more; of a lone letter read unsure only
    when it leans as italics do ("Nữ" read "W#" alone after its label), else None."""
    letters = sum(ch.isalnum() for ch in w.text)
    if letters >= 2:
        return word_lean(grey, w.bbox)
    if letters == 1 and w.conf < ITALIC_SURE:
        lean = word_lean(grey, w.bbox)
        return lean if lean is not None and lean >= ITALIC_FROM else None
    return None


def _near(a: Word, b: Word) -> bool:
    """Whether `b` follows `a` within one and a half times the line's height: a word of the same
    value, not one past a dot leader."""
    return b.bbox[0] - a.bbox[2] <= 1.5 * max(a.bbox[3] - a.bbox[1], b.bbox[3] - b.bbox[1])


def _close_before(lone: list[int], words: list[Word], italic: Word) -> list[int]:
    """The lone words after an upright one that lead up to an italic word (a "13" read as one "7"
    before "/ 03 / 1985": leaders kept the two apart), from after the last footnote mark among
    them ("(2)", a raised "²": print of the form, not of the value) and less the signs at their start."""
    height = italic.bbox[3] - italic.bbox[1]
    start = max((k + 1 for k, i in enumerate(lone) if _FOOTNOTE_SIGNS.search(words[i].text)
                 or words[i].bbox[3] - words[i].bbox[1] < 0.7 * height), default=0)
    lone = lone[start:]
    while lone and not any(ch.isalnum() for ch in words[lone[0]].text) and not _torn_off(words[lone[0]], italic):
        lone = lone[1:]
    return lone


def _torn_off(sign: Word, italic: Word) -> bool:
    """Whether a sign is an unsure piece of the italic word it touches ("Phạm" read "? hạm")."""
    return sign.conf < ITALIC_SURE and italic.bbox[0] - sign.bbox[2] <= 0.2 * (italic.bbox[3] - italic.bbox[1])


#: Signs of a form's footnote mark after a label: "(2)", "2)", "²".
_FOOTNOTE_SIGNS = re.compile(r"[()\[\]¹²³⁴⁵⁶⁷⁸⁹⁰]")


def _close_after(run: list[int], words: list[Word], italic: set[int]) -> list[int]:
    """`run` without the lone words after its last `italic` one that are signs or stand apart."""
    end = max(k for k, i in enumerate(run) if i in italic) + 1
    while (end < len(run) and any(ch.isalnum() for ch in words[run[end]].text)
           and _near(words[run[end - 1]], words[run[end]])):
        end += 1
    return run[:end]


def _lines(words: list[Word]) -> dict[tuple[int, int, int], list[int]]:
    """The indices of the words of each line (block, paragraph, line), in reading order."""
    lines: dict[tuple[int, int, int], list[int]] = {}
    for i, w in enumerate(words):
        lines.setdefault((w.block, w.par, w.line), []).append(i)
    return lines


#: The leans tried (`word_lean`), degrees: back-slanted print to the most slanted italics (steps
#: of 2 degrees cost the FreeFont forms 0.3 points of exact values and the real pages' text 0.1).
_LEANS = np.radians(np.arange(-6.0, 26.0, 1.0))
_TAN_LEANS = np.tan(_LEANS).astype(np.float32)
_LEAN_REACH = float(np.abs(_TAN_LEANS).max())


def word_lean(grey: np.ndarray, bbox: BBox) -> Optional[float]:
    """How far the word's strokes lean to the right, in degrees: the shear that stands them up
    makes the columns of ink the sharpest (the largest sum of squared column counts). None for
    too little ink.

    Every lean's columns go into one histogram, each lean in its own band wide enough for the
    word at its most sheared; float32 and no per-lean minimum: this runs for every word of a
    page (~500), and measured the same leans as float64 on 6000 random boxes of real pages."""
    x0, y0, x1, y1 = (max(0, int(v)) for v in bbox)
    crop = grey[y0:y1, x0:x1]
    if crop.size == 0:
        return None
    _, ink = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    ys, xs = np.nonzero(ink)
    if len(xs) < 20:
        return None
    height, width = crop.shape
    margin = int(np.ceil(_LEAN_REACH * height / 2)) + 1
    band = width + 2 * margin
    cols = np.rint(_TAN_LEANS[:, None] * (ys.astype(np.float32) - np.float32(height / 2))
                   + xs.astype(np.float32)).astype(np.int32)
    cols += (np.arange(len(_LEANS), dtype=np.int32) * band + margin)[:, None]
    counts = np.bincount(cols.ravel(), minlength=len(_LEANS) * band).reshape(len(_LEANS), band)
    return float(np.degrees(_LEANS[int(np.argmax(np.einsum("ij,ij->i", counts, counts)))]))


def _mend(first: list[tuple[Word, Choices]], again: list[tuple[Word, Choices]],
          stray: list[BBox]) -> Optional[list[tuple[Word, Choices]]]:
    """The first reading of a line with the second's words in the stretches where the first was
    broken — an unsure word in it, or ink under no word beside it — and the second reads other
    letters there, each word sure (`REREAD_ACCEPT`); None when nothing is mended. Elsewhere the
    first reading stays: read alone, a line can lose a narrow space ("GIA AN" as "GIAAN"), a comma,
    or read a signature's stroke as a word. A word the first reading left out altogether (its
    ink under no word: an italic "Nữ" after its label) is put in where the second reads it sure,
    and that ink no longer counts as broken beside the words around it."""
    stretches = _overlapping(first, again)
    found = {k: again[j1:j2] for k, (i1, i2, j1, j2) in enumerate(stretches)
             if i1 == i2 and _lost_word(again[j1:j2], stray)}
    stray = [s for s in stray if not any(_under(s, words) for words in found.values())]
    out: list[tuple[Word, Choices]] = []
    changed = False
    for k, (i1, i2, j1, j2) in enumerate(stretches):
        old, new = first[i1:i2], again[j1:j2]
        if k in found or (old and new and _letters(old) != _letters(new) and _broken(first, i1, i2, stray)
                          and _sure(new)):
            out.extend(new)
            changed = True
        else:
            out.extend(old)
    return out if changed else None


def _lost_word(new: list[tuple[Word, Choices]], stray: list[BBox]) -> bool:
    """Whether words read where the first reading has none are sure words over ink it left out."""
    return bool(new) and bool(_letters(new)) and _sure(new) and any(_under(s, new) for s in stray)


def _sure(words: list[tuple[Word, Choices]]) -> bool:
    """Whether a second reading's words are each sure enough to take a first reading's place."""
    return all(w.conf >= REREAD_ACCEPT for w, _ in words)


def _under(ink: BBox, words: list[tuple[Word, Choices]]) -> bool:
    """Whether the middle of some ink lies across the span of `words`."""
    return words[0][0].bbox[0] <= (ink[0] + ink[2]) / 2 <= words[-1][0].bbox[2]


#: Pixels two words' boxes must share across to stand for the same ink (italic boxes of
#: neighbours touch).
_OVERLAP_PX = 3


def _letters(words: list[tuple[Word, Choices]]) -> str:
    return "".join(ch for w, _ in words for ch in w.text if ch.isalnum())


def _overlapping(first: list[tuple[Word, Choices]], again: list[tuple[Word, Choices]]) -> list[tuple[int, int, int, int]]:
    """Two readings of one line cut into stretches (i1, i2, j1, j2), left to right, where words
    `i1:i2` of the first and `j1:j2` of the second cover the same ink (either may be empty)."""
    out = []
    i = j = 0
    while i < len(first) or j < len(again):
        a = first[i][0].bbox if i < len(first) else None
        b = again[j][0].bbox if j < len(again) else None
        if a is not None and b is not None and min(a[2], b[2]) - max(a[0], b[0]) > _OVERLAP_PX:
            i1, j1, end = i, j, max(a[2], b[2])
            i, j = i + 1, j + 1
            while True:
                if i < len(first) and first[i][0].bbox[0] < end - _OVERLAP_PX:
                    end, i = max(end, first[i][0].bbox[2]), i + 1
                elif j < len(again) and again[j][0].bbox[0] < end - _OVERLAP_PX:
                    end, j = max(end, again[j][0].bbox[2]), j + 1
                else:
                    break
            out.append((i1, i, j1, j))
        elif b is None or a is not None and a[0] <= b[0]:
            out.append((i, i + 1, j, j))
            i += 1
        else:
            out.append((i, i, j, j + 1))
            j += 1
    return out


def _broken(line: list[tuple[Word, Choices]], i1: int, i2: int, stray: list[BBox]) -> bool:
    """Whether words `i1:i2` of a line hold an unsure word or have ink under no word beside them
    (between the words around them)."""
    old = [w for w, _ in line[i1:i2]]
    if any(w.conf < REREAD_BELOW for w in old):
        return True
    height = max(w.bbox[3] for w in old) - min(w.bbox[1] for w in old)
    left = line[i1 - 1][0].bbox[2] if i1 > 0 else old[0].bbox[0] - height
    right = line[i2][0].bbox[0] if i2 < len(line) else old[-1].bbox[2] + height
    return any(left <= (s[0] + s[2]) / 2 <= right for s in stray)


def _ink_outside_words(grey: np.ndarray, words: list[Word]) -> list[BBox]:
    """Boxes of letter-sized ink under no word's box: a letter the page pass left out."""
    if not words:
        return []
    heights = sorted(w.bbox[3] - w.bbox[1] for w in words)
    letter = heights[len(heights) // 2]
    step = 2 if letter >= 24 else 1  # a letter some 15 px tall is still a letter: 4x less to scan
    small = grey[::step, ::step]
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    for w in words:
        x0, y0, x1, y1 = (v // step for v in w.bbox)
        ink[max(0, y0 - 1): y1 + 2, max(0, x0 - 1): x1 + 2] = 0
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    letter /= step
    return [(x * step, y * step, (x + w) * step, (y + h) * step) for x, y, w, h, area in stats[1:count]
            if 0.5 * letter <= h <= 1.5 * letter and w >= 0.15 * letter and area >= 0.05 * letter * letter]


#: The doubt of an "ĩ" the engine also offered as "i" (`mark_doubt`): above any confidence, so
#: that the review of every kind of value catches it.
TILDE_OR_DOT = 101.0


def mark_doubt(choices: Choices) -> float:
    """The confidence of the strongest alternative that differs from a letter of the reading only
    in its diacritics (the same base letter): 0 when the engine offered none.

    An "ĩ" for which the engine offered a plain "i" at all is doubtful through and through: in
    italics an i's dot beside the serif of the letter before ("Vi") looks like a tilde, and the
    engine reads "Vĩnh" for "Vinh" at 95 with "i" at 2-80; a printed "ĩ" has "i" offered for
    2 % of them (measured on 1,100 italic and upright i's and ĩ's of nine faces)."""
    doubt = 0.0
    for alts in choices:
        if not alts:
            continue
        top = alts[0][0]
        base = fold(top).lower()
        for letter, conf in alts[1:]:
            if letter != top and letter.strip() and fold(letter).lower() == base:
                doubt = max(doubt, TILDE_OR_DOT if (top, letter) == ("ĩ", "i") and conf > 0 else conf)
    return doubt


def digit_doubt(choices: Choices) -> float:
    """The confidence of the strongest other digit the engine offered for one of the word's digits:
    0 when it offered none."""
    return max((conf for alts in choices if alts and alts[0][0].isdigit()
                for digit, conf in alts[1:] if digit.isdigit() and digit != alts[0][0]), default=0.0)


def read_line(image: np.ndarray, dpi: float | None = None, *, lang: str = "eng", charset: str = "",
              psm: int = 7) -> tuple[str, float]:
    """Text and lowest word confidence (0-100) of a small crop holding one line of text.

    `charset` limits the characters Tesseract may answer (e.g. digits); without `dpi`
    Tesseract estimates the scale from the letters. NFC, single spaces.
    """
    text, conf, _doubt = _read_line(image, dpi, lang, charset, psm, with_choices=False)
    return text, conf


def read_digit_line(image: np.ndarray, dpi: float | None = None, *, lang: str = "eng") -> tuple[str, float, float]:
    """`read_line` of a crop holding digits only, with `digit_doubt` over its digits: a digit the
    engine nearly read as another leaves the number unsure however confident the line is."""
    return _read_line(image, dpi, lang, "0123456789", 7, with_choices=True)


def _read_line(image: np.ndarray, dpi: float | None, lang: str, charset: str, psm: int,
               with_choices: bool) -> tuple[str, float, float]:
    try:
        tsv, choices = _tsv(_grey(image), dpi, lang, psm, charset=charset, with_choices=with_choices)
    except SohoaError:
        return "", 0.0, 0.0
    words = parse_tsv(tsv)
    doubt = max((digit_doubt(c) for c in choices or []), default=0.0)
    return " ".join(w.text for w in words), (min(w.conf for w in words) if words else 0.0), doubt


def detect_orientation(grey: np.ndarray, dpi: float) -> tuple[int, float] | None:
    """Tesseract's orientation detection: (degrees to turn clockwise, confidence) or None."""
    grey = np.ascontiguousarray(grey)
    engine = _loaded_engine("osd", 0)
    if engine is not None:
        return engine.orientation(grey, dpi)
    try:
        text = pytesseract.image_to_osd(grey, config=f"--psm 0 --dpi {int(dpi)}")
    except (pytesseract.TesseractError, pytesseract.TesseractNotFoundError, OSError):
        return None
    found = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    try:
        return int(found["Rotate"].strip()) % 360, float(found["Orientation confidence"].strip())
    except (KeyError, ValueError):
        return None


def _tsv(grey: np.ndarray, dpi: float | None, lang: str, psm: int, charset: str = "", barred: str = "",
         with_choices: bool = False) -> tuple[str, Optional[list[Choices]]]:
    """Tesseract's TSV from the loaded engine, else from the program: `charset` the only
    characters it may answer, `barred` characters it may not. With `with_choices`, the loaded
    engine's per-character alternatives of each word too (None from the program)."""
    engine = _loaded_engine(lang, psm)
    if engine is not None:
        return engine.tsv(grey, dpi, charset, barred, with_choices)
    config = f"--psm {psm}"
    if charset:
        config += f" -c tessedit_char_whitelist={charset}"
    if barred:
        config += f" -c tessedit_char_blacklist={barred}"
    return _run_program(grey, dpi, lang, config), None


def _grey(image: np.ndarray) -> np.ndarray:
    """A contiguous grey copy or view: what both the program file and the C API take."""
    return np.ascontiguousarray(image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))


def _run_program(grey: np.ndarray, dpi: float | None, lang: str, config: str) -> str:
    """TSV from the `tesseract` program (pytesseract), fed an uncompressed PGM file."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    if dpi:
        config += f" --dpi {int(round(dpi))}"
    fd, tmp = tempfile.mkstemp(suffix=".pgm", prefix="sohoa-ocr-")
    os.close(fd)
    try:
        cv2.imwrite(tmp, grey)
        return pytesseract.image_to_data(tmp, lang=lang, config=config)
    except pytesseract.TesseractNotFoundError:
        raise SohoaError("Chưa cài Tesseract OCR (tesseract-ocr, tesseract-ocr-vie)",
                         "Tesseract is not installed") from None
    except pytesseract.TesseractError as exc:
        raise SohoaError(f"Tesseract lỗi: {exc.message}", "Tesseract failed") from None
    finally:
        Path(tmp).unlink(missing_ok=True)


#: Rounds of the LSTM's beam search that collect alternatives (Tesseract's default 5).
CHOICE_ROUNDS = 2


class _Engine:
    """Tesseract loaded once (tesserocr, the C++ API): no program start and no model load per
    read. A lock serialises use, as one instance is not re-entrant (the app reads from threads)."""

    def __init__(self, api) -> None:
        self.api = api
        self.lock = threading.Lock()

    def _set(self, grey: np.ndarray, dpi: float | None) -> None:
        self.api.SetImageBytes(grey.tobytes(), grey.shape[1], grey.shape[0], 1, grey.shape[1])
        if dpi:
            self.api.SetSourceResolution(int(round(dpi)))

    def tsv(self, grey: np.ndarray, dpi: float | None, charset: str = "", barred: str = "",
            with_choices: bool = False) -> tuple[str, Optional[list[Choices]]]:
        with self.lock:
            self.api.SetVariable("tessedit_char_whitelist", charset)
            self.api.SetVariable("tessedit_char_blacklist", barred)
            # the LSTM keeps its per-character alternatives only when asked (~15 % more time with
            # Tesseract's 5 rounds of its beam search, ~5 % with 2: the same corrections and review
            # flags, as the correction and the doubts use the second-best letters)
            self.api.SetVariable("lstm_choice_mode", "2" if with_choices else "0")
            self.api.SetVariable("lstm_choice_iterations", str(CHOICE_ROUNDS))
            self._set(grey, dpi)
            if not self.api.Recognize():
                raise SohoaError("Tesseract không đọc được trang", "Tesseract failed")
            tsv = "level\n" + (self.api.GetTSVText(0) or "")  # header row, as the program writes
            return tsv, (self._choices() if with_choices else None)

    def _choices(self) -> list[Choices]:
        """Per word with text, in the TSV's order: per character the (letter, confidence)
        alternatives, the engine's reading first."""
        from tesserocr import RIL, iterate_level

        words: list[Choices] = []
        for sym in iterate_level(self.api.GetIterator(), RIL.SYMBOL):
            if sym.IsAtBeginningOf(RIL.WORD) or not words:
                words.append([])
            try:  # tesserocr raises for a symbol without text (a speck in an empty word)
                text = nfc(sym.GetUTF8Text(RIL.SYMBOL) or "")
                alts = [(nfc(c.GetUTF8Text() or ""), float(c.Confidence())) for c in sym.GetChoiceIterator()]
            except RuntimeError:
                continue
            if not alts or alts[0][0] != text:
                alts.insert(0, (text, float(sym.Confidence(RIL.SYMBOL))))
            words[-1].extend([alts] if len(text) == 1 else [[(ch, alts[0][1])] for ch in text])
        return [w for w in words if "".join(alts[0][0] for alts in w).strip()]

    def orientation(self, grey: np.ndarray, dpi: float) -> tuple[int, float] | None:
        with self.lock:
            self._set(grey, dpi)
            found = self.api.DetectOrientationScript()
        if not found:
            return None
        # orient_deg is how the page is turned; the program's "Rotate" is the turn that undoes it
        return (360 - int(found["orient_deg"])) % 360, float(found["orient_conf"])


@lru_cache(maxsize=6)
def _loaded_engine(lang: str, psm: int) -> _Engine | None:
    """One loaded Tesseract per language and layout mode in this process; None when tesserocr
    or the language is missing (the `tesseract` program is then started per read)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"  # read once, when Tesseract's OpenMP starts
    try:
        import tesserocr
    except ImportError:
        return None
    path = tessdata_dir()
    try:
        api = tesserocr.PyTessBaseAPI(**({"path": path} if path else {}), lang=lang, psm=psm)
    except RuntimeError:
        return None
    return _Engine(api)


@lru_cache(maxsize=1)
def tessdata_dir() -> str | None:
    """Where the installed `tesseract` finds its languages (tesserocr's bundled engine reads
    the same files): TESSDATA_PREFIX, else what `tesseract --list-langs` names."""
    if os.environ.get("TESSDATA_PREFIX"):
        return os.environ["TESSDATA_PREFIX"]
    try:
        out = subprocess.run([pytesseract.pytesseract.tesseract_cmd, "--list-langs"], capture_output=True,
                             text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r'"(.+?)"', out)
    return m.group(1) if m else None


def parse_tsv(tsv: str) -> list[Word]:
    """Word rows (level 5) of Tesseract's TSV output, NFC, in Tesseract's reading order."""
    words: list[Word] = []
    lines = tsv.splitlines()
    for row in lines[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = nfc(cols[11]).strip()
        if not text:
            continue
        left, top, w, h = (int(c) for c in cols[6:10])
        words.append(Word(text=text, bbox=(left, top, left + w, top + h), conf=float(cols[10]),
                          block=int(cols[2]), par=int(cols[3]), line=int(cols[4])))
    return words


def tidy_words(words: list[Word]) -> list[Word]:
    """Drop dot leaders, rules and box borders; join digits typed in boxes into one number."""
    kept: list[Word] = []
    for w in words:
        text = _LEADER_RUN.sub("", w.text).strip()
        if not text or _BORDER_ONLY.match(text):
            continue
        if text != w.text:
            w = replace(w, text=text)
        kept.append(w)
    return _join_boxed_digits(kept)


def _join_boxed_digits(words: list[Word]) -> list[Word]:
    out: list[Word] = []
    i = 0
    while i < len(words):
        j = i
        key = (words[i].block, words[i].par, words[i].line)
        while (j < len(words) and _SINGLE_DIGIT.match(words[j].text)
               and (words[j].block, words[j].par, words[j].line) == key):
            j += 1
        if j - i >= BOXED_DIGITS_MIN:
            run = words[i:j]
            out.append(Word(text="".join(w.text for w in run),
                            bbox=enclosing(w.bbox for w in run),
                            conf=min(w.conf for w in run), block=run[0].block, par=run[0].par,
                            line=run[0].line))
            i = j
        else:
            out.append(words[i])
            i += 1
    return out
