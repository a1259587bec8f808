"""Where a page's time goes: each stage of the page job timed alone, one process.

    .venv/bin/python bench/bench_stages.py [--limit N]

Runs the stages of `ocr.pipeline.process_page` one after the other on the real page images
of ../shared/realdocs (single-threaded Tesseract) and, for reference, plain `tesseract -l vie`
on the same cleaned page. Prints ms per page as Markdown for docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import cv2

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ocr import imageio  # noqa: E402
from ocr.cleanup import clean_page  # noqa: E402
from ocr.engine import ocr_image  # noqa: E402
from ocr.form_lines import find_box_rows, remove_rules_and_leaders, reread_boxed_digits  # noqa: E402
from ocr.layout import column_order  # noqa: E402
from ocr.pipeline import PipelineOptions, _barcodes, _original_jpeg, encode_archive  # noqa: E402

REALDOCS = REPO.parent / "shared" / "realdocs" / "quangngai"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages")
    args = ap.parse_args(argv)
    os.environ["OMP_THREAD_LIMIT"] = "1"
    cv2.setNumThreads(1)
    files = sorted(REALDOCS.glob("*.jpg"))[: args.limit or None]
    spent: dict[str, float] = defaultdict(float)

    def timed(stage, fn, *a, **kw):
        start = time.perf_counter()
        out = fn(*a, **kw)
        spent[stage] += time.perf_counter() - start
        return out

    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            page = timed("decode", imageio.load_page, str(path), 0)
            clean = timed("cleanup", clean_page, page)
            rows = timed("form lines", find_box_rows, clean.ocr_image, clean.dpi)
            prepared = timed("form lines", remove_rules_and_leaders, clean.ocr_image, clean.dpi, box_rows=rows)
            ocr = timed("tesseract (ours, TSV)", ocr_image, prepared, clean.dpi, "vie")
            ocr = timed("boxed digits re-read", reread_boxed_digits, ocr, clean.ocr_image, clean.dpi, "vie",
                        box_rows=rows)
            timed("reading order", column_order, ocr)
            timed("barcodes", _barcodes, clean.archive)
            timed("archive image", lambda: _original_jpeg(page, clean) or encode_archive(clean, PipelineOptions()))
            pgm = Path(tmp) / "page.pgm"
            cv2.imwrite(str(pgm), clean.ocr_image)
            timed("plain tesseract -l vie (reference)", subprocess.run,
                  ["tesseract", str(pgm), "-", "-l", "vie", "--dpi", str(int(clean.dpi))], capture_output=True)
    print(f"{len(files)} real page images, one process\n")
    print("| stage | ms/page |\n|---|---:|")
    for stage, secs in spent.items():
        print(f"| {stage} | {secs / len(files) * 1000:,.0f} |")


if __name__ == "__main__":
    main()
