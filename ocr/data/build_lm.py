"""Build ocr/data/vi_syllables.npz, the syllable model of the OCR correction stage (`make lm`).

Text: the Vietnamese laws of shared/vi-corpus (public domain), the place names the project already
ships (templates/data/communes_2024.csv) and a list of 31 000 Vietnamese words (ocr/data/vi_words.txt,
from pyvi, MIT). The same inputs give the same bytes.

    python ocr/data/build_lm.py [CORPUS_DIR] [--out ocr/data/vi_syllables.npz]
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
from collections import Counter
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from ocr.syllable_lm import BOS, MIN_COUNT, MODEL_PATH, NUM, build, save, tokens  # noqa: E402


#: Every HELD_OUT-th law (sorted by name) is never trained on: bench/bench_lm.py renders and
#: degrades them as pages the model has not read (development and blind halves).
HELD_OUT = 25


def corpus_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """(laws to train on, laws held out for measuring), sorted: the same order, the same model."""
    files = sorted(folder.glob("*.txt"))
    held = files[HELD_OUT - 1::HELD_OUT]
    return [f for f in files if f not in held], held


def corpus_lines(folder: Path):
    for path in corpus_files(folder)[0]:
        with open(path, encoding="utf-8") as fh:
            yield from fh


def _data_rows(name: str) -> list[dict[str, str]]:
    """The rows of a commented CSV file of templates/data (the build may not import templates/)."""
    with open(REPO / "templates" / "data" / name, encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def place_names() -> list[str]:
    return sorted({name for r in _data_rows("communes_2024.csv") for name in (r["district"], r["commune"])})


#: Centrally-run cities among the provinces: "thành phố Hà Nội", every other one "tỉnh …".
CITIES = ("Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ")


def place_lines() -> list[str]:
    """Place names as text of their own ("Quận Ba Đình", "tỉnh Quảng Ngãi"): the syllables of a
    name follow each other there, where the laws rarely print them."""
    provinces = sorted({r["name"] for r in _data_rows("province_codes.csv")})
    return [("thành phố " if p in CITIES else "tỉnh ") + p for p in provinces] + place_names()


WORDS_PATH = REPO / "ocr" / "data" / "vi_words.txt"


def word_lines(known: set[str]) -> tuple[list[str], list[str]]:
    """(lines, words) from the dictionary of words: the words of two syllables or more with a
    syllable the laws never print, whose syllables become known ones the corrector may choose
    ("dột nát": "dột"), and as lines of their own those that start with it, so the new syllable
    has its word's next one for context. A line adds to the contexts of its syllables: a known
    first syllable ("tinh" of "tinh tươm") would see its own followers flattened, so those words
    only add their syllables."""
    with open(WORDS_PATH, encoding="utf-8") as fh:
        words = [line.strip() for line in fh if line.strip() and not line.startswith("#")]
    lines, listed = [], []
    for word in words:
        syllables = [t for t in tokens(word) if t not in (BOS, NUM)]
        new = set(syllables) - known
        # a lone letter ("ạ ơi") stays unknown: "a)", "b)" head the laws' lists
        if len(syllables) >= 2 and new and all(len(t) > 1 for t in new):
            listed.append(word)
            if syllables[0] in new:
                lines.append(word)
    return lines, listed


def known_syllables(lines, min_count: int) -> set[str]:
    counts = Counter(t for line in lines for t in tokens(line))
    return {t for t, c in counts.items() if c >= min_count}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", type=Path, default=REPO.parent / "shared" / "vi-corpus" / "laws")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"no corpus folder {args.corpus}", file=sys.stderr)
        return 2
    lines, words = word_lines(known_syllables(corpus_lines(args.corpus), MIN_COUNT) | set(
        t for name in place_names() for t in tokens(name)))
    save(build(itertools.chain(corpus_lines(args.corpus), place_lines(), lines), place_names() + words), args.out)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()[:16]
    print(f"{args.out}: {args.out.stat().st_size / 1e6:.1f} MB, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
