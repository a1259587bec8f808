"""How well ocr/handwriting.py tells handwriting from print, on what its model never trained on.

- faces held out of training (ocr/data/build_handwriting.py HELD_OUT), other seed: print and
  handwriting value lines with scan defects;
- the 75 real handwritten lines of shared/realdocs/handwriting, turned grey (the colour signal of
  the review is left out on purpose);
- real print: runs of confident dictionary words of the real letters (shared/realdocs), cut from
  the production page images cached by bench/bench_realdocs.py (run it first).

Prints the share called handwriting at each threshold.

    .venv/bin/python bench/bench_handwriting.py [--lines 300]
"""
from __future__ import annotations

import argparse
import json
import pickle
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ocr.data import build_handwriting as bh  # noqa: E402
from ocr.handwriting import handwriting_score  # noqa: E402

REALDOCS = ROOT.parent / "shared" / "realdocs"
PAGES = ROOT / "bench" / "work" / "realdocs" / "pages"
THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95)


def held_out_lines(kind: str, n: int) -> list[np.ndarray]:
    globs = bh.PRINT_GLOBS if kind == "print" else bh.HAND_GLOBS
    return bh.samples(kind, bh.fonts(globs, True), n, random.Random(7 if kind == "print" else 8))


def real_hand() -> list[np.ndarray]:
    import cv2

    folder = REALDOCS / "handwriting"
    names = sorted(json.loads((folder / "labels.json").read_text(encoding="utf-8")))
    out = []
    for name in names:
        grey = cv2.imread(str(folder / name), cv2.IMREAD_GRAYSCALE)
        f = 110 / grey.shape[0]  # as bench_realdocs pastes them on a 300-dpi form
        out.append(cv2.resize(grey, (int(grey.shape[1] * f), 110), interpolation=cv2.INTER_AREA))
    return out


def real_print(max_runs: int = 400) -> list[np.ndarray]:
    """Runs of 2-4 confident words of one OCR line of the real letters, cut from the page image."""
    import cv2

    from templates.normalize import is_syllable

    out = []
    for path in sorted(PAGES.glob("*.pickle")):
        page = pickle.loads(path.read_bytes())
        image = cv2.imdecode(np.frombuffer(page.image, np.uint8), cv2.IMREAD_GRAYSCALE)
        lines: dict[tuple, list] = {}
        for w in page.ocr.words:
            lines.setdefault((w.block, w.par, w.line), []).append(w)
        for words in lines.values():
            good = [w for w in words if w.conf > 90 and w.text.isalpha() and is_syllable(w.text)]
            for k in range(0, len(good) - 1, 3):
                run = good[k:k + 3]
                x0, y0 = min(w.bbox[0] for w in run), min(w.bbox[1] for w in run)
                x1, y1 = max(w.bbox[2] for w in run), max(w.bbox[3] for w in run)
                if x1 - x0 > 3 * (y1 - y0):
                    out.append(image[max(0, y0 - 4):y1 + 4, max(0, x0 - 4):x1 + 4])
    return random.Random(3).sample(out, min(max_runs, len(out)))


def report(name: str, crops: list[np.ndarray]) -> None:
    scores = [s for s in (handwriting_score(c) for c in crops) if s is not None]
    shares = " | ".join(f"{100 * np.mean([s >= t for s in scores]):.1f} %" for t in THRESHOLDS)
    print(f"| {name} | {len(crops)} | {len(crops) - len(scores)} | {shares} |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=300)
    args = ap.parse_args(argv)
    print("| lines | n | no score | " + " | ".join(f"called handwriting at ≥ {t}" for t in THRESHOLDS) + " |")
    print("|---|---|---|" + "---|" * len(THRESHOLDS))
    report("print, held-out faces", held_out_lines("print", args.lines))
    report("handwriting, held-out faces", held_out_lines("hand", args.lines))
    report("real handwritten lines (grey)", real_hand())
    if PAGES.exists():
        report("real print (letters)", real_print())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
