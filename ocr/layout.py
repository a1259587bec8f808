"""Reading order for side-by-side columns that OCR merged into one line.

Tesseract often reads the header of an official letter — agency on the left, national motto
on the right — as single lines ("ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI ..."), interleaving two
texts. Where consecutive lines share one wide gutter, the left pieces become one block and
the right pieces the next, as a reader reads them. Label/value rows ("Họ tên:   An") are
left alone: their left piece ends with a colon.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from statistics import median
from typing import Sequence

from ocr.model import BBox, OcrPage, Region, Word
from ocr.textnorm import nfc

#: A gap wider than this many line heights (and than GUTTER_MIN_FRACTION of the page) splits a line.
GUTTER_LINE_HEIGHTS = 2.5
GUTTER_MIN_FRACTION = 0.03
#: At least this many two-piece lines make a column run.
MIN_SPLIT_LINES = 2


@dataclass
class _Line:
    words: list[Word]
    left: list[Word] | None = None  # set when the line splits in two at a wide gap
    right: list[Word] | None = None

    @property
    def x0(self) -> int:
        return min(w.bbox[0] for w in self.words)

    @property
    def x1(self) -> int:
        return max(w.bbox[2] for w in self.words)


def _split(words: list[Word], page_width: int) -> _Line:
    line = _Line(words=words)
    if len(words) < 2:
        return line
    height = median(w.bbox[3] - w.bbox[1] for w in words)
    threshold = max(GUTTER_LINE_HEIGHTS * height, GUTTER_MIN_FRACTION * page_width)
    cuts = [i for i in range(1, len(words)) if words[i].bbox[0] - words[i - 1].bbox[2] > threshold]
    if len(cuts) == 1 and not words[cuts[0] - 1].text.endswith(":"):
        line.left, line.right = words[: cuts[0]], words[cuts[0]:]
    return line


def column_order(page: OcrPage) -> OcrPage:
    """The page with column runs regrouped: left column block, then right column block."""
    lines = [_split(ws, page.width) for ws in page.lines()]
    runs: dict[int, tuple[int, tuple[int, int]]] = {}  # start -> (end, gutter)
    i, floor = 0, 0
    while i < len(lines):
        end, gutter = _column_run(lines, i)
        if end == i:
            i += 1
            continue
        start = i
        # neighbours whose narrower gap sits in the same gutter belong to the columns too
        while start > floor and _split_in_gutter(lines[start - 1], gutter):
            start -= 1
        while end < len(lines) and _split_in_gutter(lines[end], gutter):
            end += 1
        runs[start] = (end, gutter)
        i = floor = end

    groups: list[list[list[Word]]] = []  # blocks, each a list of lines
    last_block = None  # Tesseract block of the previous line kept as it was
    i = 0
    while i < len(lines):
        if i in runs:
            end, (g0, g1) = runs[i]
            left: list[list[Word]] = []
            right: list[list[Word]] = []
            for ln in lines[i:end]:
                if ln.left:
                    left.append(ln.left)
                    right.append(ln.right)
                elif ln.x1 <= g1 or (ln.x0 < g0 and ln.x0 + ln.x1 < g0 + g1):
                    left.append(ln.words)  # a one-sided line: the side it lies on, never lost
                else:
                    right.append(ln.words)
            groups += [left, right]
            last_block, i = None, end
            continue
        block = lines[i].words[0].block
        if block == last_block:
            groups[-1].append(lines[i].words)
        else:
            groups.append([lines[i].words])
        last_block = block
        i += 1
    words: list[Word] = []
    for block_no, block in enumerate((g for g in groups if g), start=1):
        for line_no, line_words in enumerate(block, start=1):
            words.extend(replace(w, block=block_no, par=1, line=line_no) for w in line_words)
    return OcrPage(width=page.width, height=page.height, words=words)


def _split_in_gutter(line: _Line, gutter: tuple[int, int]) -> bool:
    """Split `line` at a clearly wider than usual gap lying in `gutter`; True when split."""
    if line.left is not None:
        return True
    words = line.words
    if len(words) < 2:
        return False
    height = median(w.bbox[3] - w.bbox[1] for w in words)
    usual_gap = median(words[k].bbox[0] - words[k - 1].bbox[2] for k in range(1, len(words)))
    for k in range(1, len(words)):
        g0, g1 = words[k - 1].bbox[2], words[k].bbox[0]
        if g1 - g0 > max(0.6 * height, 2.5 * usual_gap) and max(g0, gutter[0]) < min(g1, gutter[1]) and not words[k - 1].text.endswith(":"):
            line.left, line.right = words[:k], words[k:]
            return True
    return False


def _column_run(lines: list[_Line], start: int) -> tuple[int, tuple[int, int]]:
    """End index of a column run starting at `start` (== start when none) and its gutter."""
    if lines[start].left is None:
        return start, (0, 0)
    gutter = (max(w.bbox[2] for w in lines[start].left), min(w.bbox[0] for w in lines[start].right))
    end, splits = start + 1, 1
    while end < len(lines):
        ln = lines[end]
        if ln.left is not None:
            g = (max(w.bbox[2] for w in ln.left), min(w.bbox[0] for w in ln.right))
            overlap = (max(gutter[0], g[0]), min(gutter[1], g[1]))
            if overlap[0] >= overlap[1]:
                break
            gutter, splits = overlap, splits + 1
        elif not (ln.x1 <= gutter[1] or ln.x0 >= gutter[0]):
            break  # a line across the gutter ends the columns
        end += 1
    # trailing one-sided lines belong to the run only up to the last two-piece line
    while end > start and lines[end - 1].left is None:
        end -= 1
    return (end, gutter) if splits >= MIN_SPLIT_LINES else (start, (0, 0))


#: Signs that small print beside a seal is an e-signature's box: an e-mail address or its domain,
#: a time of day with seconds, a time zone ("ttcbth@quangngai.gov.vn", "20:01:14", "+07:00").
_SIGNED_BY = re.compile(r"@|\.gov\.vn|\.vn\b|\d{1,2}:\d{2}:\d{2}|[+]0?7:?00")


def page_regions(page: OcrPage, seals: Sequence[BBox]) -> list[Region]:
    """The seals of a page and the e-signature boxes among them: the lines of small print that
    stand beside a seal (right of it, within its height) and say who signed and when.

    They are not body text: a reader, a search and the benchmarks may take them apart."""
    regions = [Region("seal", tuple(int(v) for v in s)) for s in seals]
    lines = page.lines() if seals else []
    for x0, y0, x1, y1 in seals:
        r = (x1 - x0) / 2
        beside = [ln for ln in lines
                  if all(y0 - 0.5 * r <= (w.bbox[1] + w.bbox[3]) / 2 <= y1 + 0.5 * r and x1 - 0.2 * r <= w.bbox[0] <= x1 + 6 * r
                         for w in ln)]
        text = "\n".join(" ".join(w.text for w in ln) for ln in beside)
        if beside and _SIGNED_BY.search(text):
            words = [w for ln in beside for w in ln]
            box = (min([x0] + [w.bbox[0] for w in words]), min([y0] + [w.bbox[1] for w in words]),
                   max([x1] + [w.bbox[2] for w in words]), max([y1] + [w.bbox[3] for w in words]))
            regions.append(Region("e_signature", box, nfc(text)))
    return regions


#: Two lines are one row of the page when they share this much of the shorter one's height.
ROW_OVERLAP = 0.5


def page_text(page: OcrPage) -> str:
    """The page's text row by row as it is printed: side-by-side pieces that `column_order`
    keeps as two blocks for the fields (agency | motto, "Số: …" | "Quảng Ngãi, ngày …") share
    their row again, left to right, as in the letter's own PDF text and as an officer reads the
    header across. A blank line stands where the rows are further apart than a line's height."""
    rows: list[list[list[Word]]] = []
    spans: list[tuple[int, int]] = []
    for line in page.lines():
        y0, y1 = min(w.bbox[1] for w in line), max(w.bbox[3] for w in line)
        x0, x1 = min(w.bbox[0] for w in line), max(w.bbox[2] for w in line)
        for row, (r0, r1) in zip(rows, spans):
            shared = min(y1, r1) - max(y0, r0)
            beside = all(x1 <= min(w.bbox[0] for w in other) or x0 >= max(w.bbox[2] for w in other)
                         for other in row)
            if beside and shared >= ROW_OVERLAP * min(y1 - y0, r1 - r0):
                row.append(line)
                break
        else:
            rows.append([line])
            spans.append((y0, y1))
    order = sorted(range(len(rows)), key=lambda i: spans[i][0])
    heights = [spans[i][1] - spans[i][0] for i in order]
    gap = median(heights) if heights else 0
    out: list[str] = []
    for k, i in enumerate(order):
        if k and spans[i][0] - spans[order[k - 1]][1] > gap:
            out.append("")
        pieces = sorted(rows[i], key=lambda ln: min(w.bbox[0] for w in ln))
        out.append(" ".join(w.text for ln in pieces for w in ln))
    return "\n".join(out)
