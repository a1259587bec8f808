"""The only module that knows Tesseract: one pass per page, words with boxes and confidences.

Another engine plugs in by providing `ocr_image(image, dpi, lang) -> OcrPage`.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytesseract

from ocr.errors import SohoaError
from ocr.model import OcrPage, Word
from ocr.textnorm import nfc

# Dot leaders, underscores and rules printed on forms are not text.
_LEADER_RUN = re.compile(r"[.…·_]{3,}|[-–—=]{4,}")
_BORDER_ONLY = re.compile(r"^[|¦\[\]]+$")
_SINGLE_DIGIT = re.compile(r"^\d$")
#: A run of at least this many one-digit words on a line is a number typed in boxes.
BOXED_DIGITS_MIN = 4


def tesseract_available(lang: str = "vie") -> bool:
    try:
        return all(code in pytesseract.get_languages(config="") for code in lang.split("+"))
    except (pytesseract.TesseractNotFoundError, OSError):
        return False


def ocr_image(image: np.ndarray, dpi: float, lang: str = "vie", psm: int = 3) -> OcrPage:
    """Run Tesseract once on a grey/binary page and return its words in reading order.

    The image goes to Tesseract as an uncompressed PGM file (cheaper than pytesseract's
    PNG round trip); Tesseract runs single-threaded (OMP_THREAD_LIMIT=1) because the
    pipeline parallelises over pages, which scales better on few cores.
    """
    os.environ["OMP_THREAD_LIMIT"] = "1"
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    height, width = grey.shape
    fd, tmp = tempfile.mkstemp(suffix=".pgm", prefix="sohoa-ocr-")
    os.close(fd)
    try:
        cv2.imwrite(tmp, grey)
        config = f"--psm {psm} --dpi {int(round(dpi))}"
        try:
            tsv = pytesseract.image_to_data(tmp, lang=lang, config=config)
        except pytesseract.TesseractNotFoundError:
            raise SohoaError("Chưa cài Tesseract OCR (tesseract-ocr, tesseract-ocr-vie)",
                             "Tesseract is not installed") from None
        except pytesseract.TesseractError as exc:
            raise SohoaError(f"Tesseract lỗi: {exc.message}", "Tesseract failed") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return OcrPage(width=width, height=height, words=tidy_words(parse_tsv(tsv)))


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
            w = Word(text=text, bbox=w.bbox, conf=w.conf, block=w.block, par=w.par, line=w.line)
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
                            bbox=(min(w.bbox[0] for w in run), min(w.bbox[1] for w in run),
                                  max(w.bbox[2] for w in run), max(w.bbox[3] for w in run)),
                            conf=min(w.conf for w in run), block=run[0].block, par=run[0].par,
                            line=run[0].line))
            i = j
        else:
            out.append(words[i])
            i += 1
    return out
