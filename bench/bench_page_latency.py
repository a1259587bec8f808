"""One-page runs back to back (the app's page-as-it-arrives case): in this process vs in a
worker pool, which the per-page deadline needs.

    .venv/bin/python bench/bench_page_latency.py [--rounds 4] [IMAGE]

Prints seconds per run of `ocr.pipeline.run_jobs` on one page, without a deadline (the page
runs in this process) and with the default one (a pool per run; the forkserver keeps the page
code imported, so only the engine is loaded again).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ocr.pipeline import PageJob, PipelineOptions, run_jobs  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("image", nargs="?")
    ap.add_argument("--rounds", type=int, default=4)
    args = ap.parse_args(argv)
    image = args.image
    if image is None:
        from bench.synth_stack import form_page

        image = str(Path(tempfile.mkdtemp()) / "page.png")
        form_page("ct01", 300, seed=1).save(image, dpi=(300, 300))
    job = PageJob(image, 0)
    for timeout in (None, PipelineOptions.page_timeout):
        options = PipelineOptions(jobs=1, page_timeout=timeout)
        times = []
        for _ in range(args.rounds):
            start = time.monotonic()
            list(run_jobs([job], options))
            times.append(time.monotonic() - start)
        print(f"| {'no deadline (in process)' if timeout is None else f'deadline {timeout:g} s (pool)'} | "
              + " | ".join(f"{t:.2f}" for t in times) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
