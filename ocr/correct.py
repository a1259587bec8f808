"""Tone-mark correction of OCR words: Tesseract's own alternatives, decided by the neighbours.

Most of Tesseract's misses on Vietnamese print are one diacritic (đổi→đồi, tỉnh→tính, báo→bảo):
the right letter is usually among the LSTM's alternatives for that character, but only the
neighbouring syllables can tell which. For each paragraph (a line's neighbours across the line
break count: "thuộc thẩm | quyền") we consider, per word, the syllables that differ from the OCR
reading only in diacritics; a syllable trigram model (`ocr.syllable_lm`) and the cost of each
change pick the best reading. A change costs more the further the engine ranked the letter below
its first choice, and much more for a mark it never offered at all (bold capitals and small
print lose every hook above: "TỈNH"→"TINH", "để"→"đê"): only an overwhelming context writes one.

Never worse: a word changes only where alternatives and model agree by a margin; words with
digits, codes, e-mail addresses, and anything not made of letters alone are never touched.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import partial
from typing import Optional, Sequence

from ocr.engine import Corrector
from ocr.model import Choices, Word
from ocr.syllable_lm import BOS, NUM, SyllableLM, is_syllable_text, load_model
from ocr.textnorm import fold, nfc

@dataclass(frozen=True)
class Settings:
    """Weights of the decision; chosen on the development pages (docs/benchmarks.md)."""

    change_cost: float = 4.0  # nats a change must win by, beyond the alternatives' own cost
    conf_weight: float = 0.02  # nats per confidence point the alternative is below the first choice
    max_candidates: int = 6
    max_unseen: int = 3  # syllables tried with a mark the engine never offered, the likeliest first
    unseen_cost: float = 6.0  # nats per mark the engine did not offer (bold capitals lose every mark)
    # a hook above the engine did not offer costs less: the smallest mark, the one print loses most
    # ("Cổng"→"Công", "thẩm"→"thâm", "để"→"đê"); other marks lost outright are rarer
    unseen_hook_cost: float = 2.0
    # nats against a reading that is no known syllable: the model's <unk> stands for thousands of
    # rare words, so P(<unk>) alone would make "buỗi" as likely as "buổi"
    unknown_cost: float = 6.0
    # nats for another letter the engine offered in a character's place ("Mui" read, "a" offered
    # for its "u": "Mai"), on top of the change and the alternative's confidence gap: italics at
    # low resolution mix a/u, n/u, c/e, which no mark variant mends
    letter_cost: float = 3.0
    max_letters: int = 2


HOOK_ABOVE = "\u0309"
_EDGE = re.compile(r"^([^\w]*)(.*?)([^\w]*)$", re.S)
#: Underscores at a word's edge are the remnant of a dotted or ruled blank ("542_").
_LEADER_EDGE = re.compile(r"^_+(?=[^_])|(?<=[^_])_+$")


def _recase(candidate: str, like: str) -> str:
    return "".join(c.upper() if o.isupper() else c for c, o in zip(candidate, like))


@dataclass
class _Slot:
    """One word of a paragraph: its fixed reading, or the readings it may take with their costs."""

    token: str  # what the model sees when the word is not a candidate (<num>, <s>, a syllable)
    options: list[tuple[str, float]]  # (lower-case syllable, cost) — first is the OCR reading
    word: Optional[Word] = None
    core: str = ""
    prefix: str = ""
    suffix: str = ""


def _options(core: str, choices: Choices, lm: SyllableLM, settings: Settings) -> list[tuple[str, float]]:
    lower = core.lower()
    out = [(lower, 0.0)]
    if len(choices) != len(core):
        return out
    offered: list[tuple[str, float]] = []
    unseen: list[tuple[str, float]] = []
    for cand in lm.variants.get(fold(lower), ()):  # the same letters, other marks
        if cand == lower or len(cand) != len(lower):
            continue
        cost, missed = 0.0, 0
        for ch, orig, alts in zip(_recase(cand, core), core, choices):
            if ch == orig:
                continue
            top = alts[0][1] if alts else 0.0
            conf = next((c for a, c in alts if a == ch), None)
            if conf is None:  # a mark the engine never offered (bold capitals lose every mark)
                missed += 1
                cost += settings.unseen_hook_cost if _adds_hook(ch, orig) else settings.unseen_cost
            else:
                cost += settings.conf_weight * max(0.0, top - conf)
        option = (cand, cost + settings.change_cost)
        (unseen if missed else offered).append(option)
    offered.sort(key=lambda o: o[1])
    # letters the engine never offered: only the likeliest syllables, by their cost and how common
    # they are (each option multiplies the work; a rare "vẩn" must not crowd out "vấn")
    unseen.sort(key=lambda o: o[1] - math.log(lm.unigram(o[0])))
    return (out + offered[: settings.max_candidates] + unseen[: settings.max_unseen]
            + _other_letters(core, choices, lm, settings, {lower} | {o[0] for o in offered + unseen}))


def _other_letters(core: str, choices: Choices, lm: SyllableLM, settings: Settings,
                   taken: set[str]) -> list[tuple[str, float]]:
    """Known syllables made by one other letter the engine offered in a character's place (marks
    aside: those are the variants above), the cheapest `max_letters` of them. A word of one letter
    is a list's item ("đ)") or an initial: no other letter is its context's to choose."""
    out: list[tuple[str, float]] = []
    if len(core) < 2:
        return out
    for k, (orig, alts) in enumerate(zip(core, choices)):
        top = alts[0][1] if alts else 0.0
        for alt, conf in alts[1:]:
            if len(alt) != 1 or not alt.isalpha() or fold(alt).lower() == fold(orig).lower():
                continue
            cand = (core[:k] + alt + core[k + 1:]).lower()
            if cand in taken or lm.id(cand) <= 2:
                continue
            taken.add(cand)
            out.append((cand, settings.change_cost + settings.letter_cost + settings.conf_weight * max(0.0, top - conf)))
    out.sort(key=lambda o: o[1])
    return out[: settings.max_letters]


def _adds_hook(letter: str, read: str) -> bool:
    """`letter` is `read` with a hook above added ("ổ" for "ô", "ỉ" for "i")."""
    a, b = unicodedata.normalize("NFD", letter), unicodedata.normalize("NFD", read)
    return a == b + HOOK_ABOVE


def _slot(word: Word, choices: Optional[Choices], lm: SyllableLM, settings: Settings) -> _Slot:
    prefix, core, suffix = _EDGE.match(word.text).groups()
    if not core:
        return _Slot(token=BOS, options=[])
    if core.isdigit():
        return _Slot(token=NUM, options=[])
    if not is_syllable_text(core):
        letters = _as_letters(core, lm)
        if letters is None:
            return _Slot(token=BOS, options=[])  # a code, an address, a number with letters: context breaks
        # a syllable with a digit for a letter ("g1ao"): no reading of its own, the letters one
        return _Slot(token=letters, options=[(core.lower(), 0.0), (letters, -settings.change_cost)],
                     word=word, core=core, prefix=prefix, suffix=suffix)
    options = [(core.lower(), 0.0)]
    if choices is not None and len(choices) == len(word.text):
        options = _options(core, choices[len(prefix): len(prefix) + len(core)], lm, settings)
    return _Slot(token=core.lower(), options=options, word=word, core=core, prefix=prefix, suffix=suffix)


#: Digits the engine reads for letters of the same shape.
_LETTER_OF_DIGIT = {"0": "o", "1": "i", "5": "s"}


def _as_letters(core: str, lm: SyllableLM) -> Optional[str]:
    """The known syllable a word of letters with one digit among them spells ("g1ao" → "giao"),
    else None: codes and numbers ("A1", "2B", "x10") keep their digits."""
    digits = [i for i, ch in enumerate(core) if ch.isdigit()]
    if len(digits) != 1 or not 0 < digits[0] < len(core) - 1 or not is_syllable_text(core.replace(core[digits[0]], "a")):
        return None
    letter = _LETTER_OF_DIGIT.get(core[digits[0]])
    spelt = (core[:digits[0]] + letter + core[digits[0] + 1:]).lower() if letter else None
    return spelt if spelt and lm.id(spelt) > 2 else None


#: Readings further than this (natural log) behind the best one at a word are dropped from the
#: search: they never came back on the measured pages (the same words at 15, 20 and 30 nats as with
#: no limit on the 37 pages of bench/bench_pipeline.py; at 20 the same errors, fixes and breaks on
#: bench_lm's dev, blind and real sets), and the stage takes less than half the time.
BEAM_NATS = 20.0


def _best_reading(slots: list[_Slot], lm: SyllableLM, unknown_cost: float = 0.0) -> list[str]:
    """Viterbi over the words with the two previous syllables as state (back-pointers, so a
    paragraph of hundreds of words costs linear time). States are keyed by the syllables and
    carry their model ids, looked up once per reading. Hopeless readings are pruned (`BEAM_NATS`)."""
    bos = lm.id(BOS)
    # state (w1, w2) -> (score, id of w1, id of w2)
    beams: dict[tuple[str, str], tuple[float, int, int]] = {(BOS, BOS): (0.0, bos, bos)}
    back: list[dict[tuple[str, str], tuple[str, str]]] = []
    for slot in slots:
        nxt: dict[tuple[str, str], tuple[float, int, int]] = {}
        ptr: dict[tuple[str, str], tuple[str, str]] = {}
        readings = slot.options or [(slot.token, 0.0)]
        penalty = unknown_cost if len(readings) > 1 else 0.0
        looked_up = [(r, cost + (penalty if r not in lm.ids else 0.0), lm.id(r)) for r, cost in readings]
        for (w1, w2), (score, i1, i2) in beams.items():
            for reading, cost, i3 in looked_up:
                if slot.token == BOS:
                    state, s, ids = (BOS, BOS), score, (bos, bos)
                else:
                    state, s, ids = (w2, reading), score + lm.logprob_of_ids(i1, i2, i3) - cost, (i2, i3)
                if state not in nxt or nxt[state][0] < s:
                    nxt[state], ptr[state] = (s, *ids), (w1, w2)
        best = max(v[0] for v in nxt.values())
        beams = {k: v for k, v in nxt.items() if v[0] >= best - BEAM_NATS}
        back.append(ptr)
    final = {k: v[0] + (lm.logprob_of_ids(v[1], v[2], bos) if k[1] != BOS else 0.0) for k, v in beams.items()}
    state = max(final, key=final.get)
    path: list[str] = []
    for ptr in reversed(back):
        path.append(state[1])
        state = ptr[state]
    return path[::-1]


#: Two words read as one, split where the second starts: a label glued to its number or value
#: ("Số:542", "tên:Nguyễn": the blank or dot leader between them was narrow), a footnote mark
#: glued to the label it follows ("trú:(2)", "KHAI(6)", "sao(6):").
_GLUED = re.compile(r"^([^\W\d_]+:)(\d\S*|[^\W\d_]+[,.;:]?)$"
                    r"|^(\S*[^\W\d_][:;]?)(\(\d{1,2}\)[,.;:]?)$")


def split_glued(words: Sequence[Word], choices: Sequence[Optional[Choices]]) -> tuple[list[Word], list[Optional[Choices]]]:
    """Words glued together split in two ("Số:" "542", "trú:" "(2)"), boxes shared by the
    letters' count, so the label can be corrected and the number or mark found as a word of its own."""
    out_w: list[Word] = []
    out_c: list[Optional[Choices]] = []
    for w, c in zip(words, choices):
        m = _GLUED.match(w.text)
        if not m:
            out_w.append(w)
            out_c.append(c)
            continue
        first, second = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        cut = len(first)
        x0, y0, x1, y1 = w.bbox
        at = x0 + round((x1 - x0) * cut / len(w.text))
        out_w += [replace(w, text=first, bbox=(x0, y0, at, y1)), replace(w, text=second, bbox=(at, y0, x1, y1))]
        out_c += [c[:cut], c[cut:]] if c is not None and len(c) == len(w.text) else [None, None]
    return out_w, out_c


#: Below this confidence a word of no letter and no digit is a mark, not text: a signature's
#: stroke ("⁄@", "=") or a rule's remnant ("——"). A list's dash stays at any confidence.
NOISE_CONFIDENCE = 40


def _is_noise(w: Word) -> bool:
    return w.conf < NOISE_CONFIDENCE and not re.search(r"[^\W_]", w.text) and w.text not in ("-", "–", "—")


def _case_of_a_word(text: str, lm: SyllableLM) -> str:
    """A syllable in lower case with a capital inside ("sỐ", "chỊu"): the engine's case slipped on
    one letter; a syllable is lower, upper or title case (codes like "KGVXVHTin" are no syllable)."""
    if (is_syllable_text(text) and lm.id(text.lower()) > 2
            and any(a.islower() and b.isupper() for a, b in zip(text, text[1:]))):
        return text[0] + text[1:].lower()
    return text


def _title_case_in_lower_text(words: list[Word], choices: Sequence[Optional[Choices]]) -> list[Word]:
    """A short word in capitals amid lower-case words ("trú: SỐ 56 đường"), whose later letters
    the engine also read in lower case, in title case: a capital slipped, not a word in capitals
    (those stand among other capitals: "ÔNG NGUYỄN VĂN AN")."""
    out = list(words)
    for i, w in enumerate(words):
        core = _EDGE.match(w.text).group(2)
        if not (2 <= len(core) <= 4 and is_syllable_text(core) and core.isupper()):
            continue
        c = choices[i]
        start = w.text.index(core)
        if c is None or len(c) != len(w.text) or not all(
                any(a == ch.lower() for a, _ in c[start + k]) for k, ch in enumerate(core) if k):
            continue
        sides = [_letters_near(words, i, step) for step in (-1, 1)]
        if any(sides) and not any(n is not None and n.isupper() for n in sides):
            out[i] = replace(w, text=w.text.replace(core, core[0] + core[1:].lower(), 1))
    return out


def _letters_near(words: Sequence[Word], i: int, step: int) -> Optional[str]:
    """The letters of the nearest word on the same line, from `i` towards `step`, that has any."""
    j = i + step
    while 0 <= j < len(words) and (words[j].block, words[j].par, words[j].line) == (
            words[i].block, words[i].par, words[i].line):
        letters = "".join(ch for ch in words[j].text if ch.isalpha())
        if letters:
            return letters
        j += step
    return None


def correct_words(words: Sequence[Word], choices: Sequence[Optional[Choices]], lm: SyllableLM,
                  settings: Settings = Settings()) -> list[Word]:
    """The words of a page with tone marks corrected paragraph by paragraph; `choices[i]` belongs
    to `words[i]` (None where the engine gave none). Order and boxes are kept; a label glued to
    its number becomes two words, marks that are no text go (`_is_noise`)."""
    words, choices = split_glued(words, choices)
    kept = [i for i, w in enumerate(words) if not _is_noise(w)]
    words, choices = [words[i] for i in kept], [choices[i] for i in kept]
    # an e-mail address read in pieces keeps its underscores ("duong_ duc_ dung88@…")
    mail_lines = {(w.block, w.par, w.line) for w in words if "@" in w.text}
    out = [replace(w, text=_case_of_a_word(
        w.text if (w.block, w.par, w.line) in mail_lines else _LEADER_EDGE.sub("", w.text), lm)) for w in words]
    out = _title_case_in_lower_text(out, choices)
    for idx in _runs_of_text(out):
        slots = [_slot(out[i], choices[i], lm, settings) for i in idx]
        if not any(len(s.options) > 1 for s in slots):
            continue
        for i, slot, reading in zip(idx, slots, _best_reading(slots, lm, settings.unknown_cost)):
            if slot.word is None or not slot.options or reading == slot.options[0][0]:
                continue
            text = nfc(slot.prefix + _recase(reading, slot.core) + slot.suffix)
            # the marks are the model's choice now: a name's review must not take them for read
            out[i] = replace(slot.word, text=text, doubt=100.0)
    return out


#: A line reaching this share of its paragraph's width runs on into the next line.
FULL_LINE = 0.85


def _runs_of_text(words: Sequence[Word]) -> list[list[int]]:
    """Indices of words read as one run of text: a paragraph's lines, joined where a line runs
    to the paragraph's right edge ("thuộc thẩm | quyền"). A short line ends its run: on a form
    the value "Trần Hữu Thắng" must not take its marks from the next label, "Năm sinh".
    """
    paragraphs: dict[tuple[int, int], list[int]] = {}
    for i, w in enumerate(words):
        paragraphs.setdefault((w.block, w.par), []).append(i)
    runs: list[list[int]] = []
    for idx in paragraphs.values():
        lines: dict[int, list[int]] = {}
        for i in idx:
            lines.setdefault(words[i].line, []).append(i)
        left = min(words[i].bbox[0] for i in idx)
        right = max(words[i].bbox[2] for i in idx)
        run: list[int] = []
        for line in lines.values():
            run += line
            if max(words[i].bbox[2] for i in line) - left < FULL_LINE * (right - left):
                runs.append(run)
                run = []
        if run:
            runs.append(run)
    return runs


def page_corrector(settings: Settings = Settings()) -> Optional[Corrector]:
    """What `ocr.engine.ocr_image` takes to correct a page; None when the model file is missing
    (the words then stay as Tesseract read them)."""
    lm = load_model()
    if lm is None:
        return None
    return partial(correct_words, lm=lm, settings=settings)
