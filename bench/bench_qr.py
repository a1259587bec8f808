"""QR decode rate on synthetic CCCD photocopies and barcode cost on pages without codes.

    .venv/bin/python bench/bench_qr.py [-n 40]

Prints a Markdown table: per dpi the share of copies whose QR payload was decoded exactly
(first pass alone and with the rescue passes) and ms/page; then ms/page on text pages.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth_cards import (card_copy, make_person, photocopy_page, render_back,  # noqa: E402
                               render_front, text_page)
from ocr.barcodes import find_barcodes  # noqa: E402


def _hard_copy(seed: int, dpi: int):
    """A blurred, pale copy (worn photocopier): beyond the default range of card_copy."""
    rng = random.Random(seed)
    person = make_person(rng)
    payload = person.qr_payload()
    page = photocopy_page([render_front(person, payload), render_back(person)], dpi, rng,
                          angle=rng.uniform(-8, 8), contrast=rng.uniform(0.3, 0.45), blur=1.0,
                          noise=4, jpeg_quality=60)
    return page, payload


def run(n: int) -> str:
    rows = ["| set | dpi | copies | first pass | with rescue | ms/page |", "|---|---|---|---|---|---|"]
    for name, make in (("card_copy (default degradations)", lambda s, d: card_copy(s, d)[::2]),
                       ("hard (blur 1.0, contrast 0.3-0.45)", _hard_copy)):
        for dpi in (200, 300):
            first = full = 0
            elapsed = 0.0
            for seed in range(n):
                page, payload = make(1000 + seed, dpi)
                first += payload in [t for _, t, _ in find_barcodes(page, rescue=False)]
                t0 = time.perf_counter()
                found = find_barcodes(page)
                elapsed += time.perf_counter() - t0
                full += payload in [t for _, t, _ in found]
            rows.append(f"| {name} | {dpi} | {n} | {100 * first / n:.0f} % | {100 * full / n:.0f} % "
                        f"| {1000 * elapsed / n:.0f} |")
    rows += ["", "| page without codes | dpi | ms/page (median of 7) |", "|---|---|---|"]
    for dpi in (200, 300):
        page = text_page(dpi)
        times = []
        for _ in range(7):
            t0 = time.perf_counter()
            assert find_barcodes(page) == []
            times.append(time.perf_counter() - t0)
        rows.append(f"| A4 typed text | {dpi} | {1000 * sorted(times)[3]:.0f} |")
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=40)
    args = ap.parse_args(argv)
    print(run(args.n))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
