"""Whole-pipeline benchmark: sohoa process vs plain Tesseract vs OCRmyPDF on the same pages.

    .venv/bin/python bench/bench_pipeline.py [--synthetic 12] [--jobs 2] [--rss 200]

Measured side by side in one run: wall time and pages/min, ratio to `tesseract -l vie` on
the same cleaned pages two at a time, to our loaded engine alone on them (the pipeline's
own overhead), ratio to `ocrmypdf -l vie --jobs 2`, character error
rate against truth, PDF bytes per page, and (with --rss) peak memory of a long run.
Prints Markdown for docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ocr import imageio  # noqa: E402
from ocr.cleanup import clean_page  # noqa: E402
from ocr.textnorm import collapse_spaces, nfc  # noqa: E402

REALDOCS = REPO.parent / "shared" / "realdocs" / "quangngai"
SOHOA = [sys.executable, "-m", "scanner_app.cli"]
ENV = dict(os.environ, OMP_THREAD_LIMIT="1")


def cer(truth: str, text: str) -> float:
    from rapidfuzz.distance import Levenshtein

    t, h = collapse_spaces(nfc(truth)), collapse_spaces(nfc(text))
    return Levenshtein.distance(t, h) / max(1, len(t))


def realdoc_pages(work: Path) -> list[tuple[Path, str | None]]:
    """Every real page image (index.json); truth text where the truth file has page text."""
    index = json.loads((REALDOCS / "index.json").read_text(encoding="utf-8"))
    pages = []
    for entry in index["documents"]:
        truth = json.loads((REALDOCS / f"{entry['id']}.truth.json").read_text(encoding="utf-8"))
        texts = truth.get("pages") or []
        for i, name in enumerate(entry["images"]):
            dst = work / f"real_{name}"
            shutil.copy(REALDOCS / name, dst)
            pages.append((dst, texts[i] if i < len(texts) else None))
    return pages


def synthetic_pages(work: Path, count: int) -> list[tuple[Path, str | None]]:
    """Degraded typed pages in several fonts from bench/synth.py, with their truth."""
    from bench import synth

    pages = []
    for i, (img, truth) in enumerate(synth.degraded_pages(count, seed=7)):
        dst = work / f"synth_{i:03d}.jpg"
        cv2.imwrite(str(dst), img, [cv2.IMWRITE_JPEG_QUALITY, 85])
        pages.append((dst, truth))
    return pages


def timed(cmd: list[str], **kw) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, **kw)
    return time.perf_counter() - start


def run_ours(inputs: Path, out: Path, jobs: int) -> float:
    shutil.rmtree(out, ignore_errors=True)
    return timed([*SOHOA, "process", str(inputs), "--out", str(out), "--jobs", str(jobs), "--no-store"], cwd=REPO)


def clean_pages(pages: list[Path], cleaned: Path) -> list[tuple[Path, float]]:
    """Our cleaned OCR image of each page as PGM, with its dpi: the references' input (not timed)."""
    cleaned.mkdir(exist_ok=True)
    pgms = []
    for p in pages:
        clean = clean_page(imageio.load_page(p, 0))
        pgm = cleaned / f"{p.stem}.pgm"
        cv2.imwrite(str(pgm), clean.ocr_image)
        pgms.append((pgm, clean.dpi))
    return pgms


def run_tesseract(pgms: list[tuple[Path, float]], jobs: int) -> float:
    """Plain `tesseract -l vie` on the cleaned pages, `jobs` at a time."""
    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(lambda a: subprocess.run(
            ["tesseract", str(a[0]), str(a[0].with_suffix("")), "-l", "vie", "--dpi", str(int(a[1]))],
            check=True, capture_output=True, env=ENV), pgms))
    return time.perf_counter() - start


def _engine_tsv(item: tuple[Path, float]) -> int:
    from ocr.engine import _loaded_engine

    grey = cv2.imread(str(item[0]), cv2.IMREAD_GRAYSCALE)
    return len(_loaded_engine("vie", 3).tsv(grey, item[1]))


def run_engine_alone(pgms: list[tuple[Path, float]], jobs: int) -> float:
    """The loaded Tesseract of ocr/engine.py (tesserocr) alone on the same cleaned pages, one
    engine per process, `jobs` processes: our pipeline's overhead without the engine's speed."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(jobs) as pool:
        list(pool.map(_engine_tsv, pgms[:jobs]))  # load the engines before the clock starts
        start = time.perf_counter()
        list(pool.map(_engine_tsv, pgms))
        return time.perf_counter() - start


def run_ocrmypdf(pages: list[Path], work: Path, jobs: int) -> tuple[float, Path]:
    src, out = work / "ocrmypdf_in.pdf", work / "ocrmypdf_out.pdf"
    subprocess.run(["/usr/bin/python3", "-m", "img2pdf", "--output", str(src), *map(str, pages)], check=True)
    secs = timed(["ocrmypdf", "-l", "vie", "--jobs", str(jobs), "--rotate-pages", "--deskew",
                  "--optimize", "1", "--output-type", "pdfa", str(src), str(out)])
    return secs, out


def pdftotext_page(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def peak_rss_of(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a command and all its children, sampled every 0.1 s."""
    import psutil

    proc = subprocess.Popen(cmd, cwd=REPO, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ps = psutil.Process(proc.pid)
    peak = 0.0
    start = time.perf_counter()
    while proc.poll() is None:
        try:
            total = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
        except psutil.Error:
            total = 0
        peak = max(peak, total / 1e6)
        time.sleep(0.1)
    return time.perf_counter() - start, peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--synthetic", type=int, default=12, help="degraded synthetic pages")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--rss", type=int, nargs="*", default=[], help="page counts for the memory runs")
    ap.add_argument("--rss-only", action="store_true", help="only the memory runs")
    ap.add_argument("--work", type=Path, default=REPO / "bench" / "work" / "pipeline")
    ap.add_argument("--repeat", type=int, default=1,
                    help="interleaved rounds of ours / tesseract / engine alone; medians reported")
    args = ap.parse_args()

    shutil.rmtree(args.work, ignore_errors=True)
    inputs = args.work / "in"
    inputs.mkdir(parents=True)
    pages = realdoc_pages(inputs) + (synthetic_pages(inputs, args.synthetic) if args.synthetic else [])
    paths = [p for p, _ in pages]
    n = len(paths)

    if args.rss_only:
        print_rss(args, paths)
        return
    pgms = clean_pages(paths, args.work / "cleaned")
    rounds = []
    for _ in range(args.repeat):  # interleaved: this machine's speed drifts by ±10 % over minutes
        rounds.append((run_ours(inputs, args.work / "ours", args.jobs),
                       run_tesseract(pgms, args.jobs),
                       run_engine_alone(pgms, args.jobs)))
    ours, tess, alone = (statistics.median(r[k] for r in rounds) for k in range(3))
    omp, omp_pdf = run_ocrmypdf(paths, args.work, args.jobs)

    our_bytes = sum((args.work / "ours" / f"{p.stem}.pdf").stat().st_size for p in paths)
    rows_cer = []
    for idx, (p, truth) in enumerate(pages, start=1):
        if not truth:
            continue
        ours_text = json.loads((args.work / "ours" / f"{p.stem}.json").read_text())["pages"][0]["text"]
        rows_cer.append((p.name, cer(truth, ours_text), cer(truth, pdftotext_page(omp_pdf, idx))))

    print(f"## Pipeline speed ({n} pages: {n - args.synthetic} real, {args.synthetic} synthetic; --jobs {args.jobs}; "
          f"median of {args.repeat} interleaved rounds)\n")
    if args.repeat > 1:
        print("rounds (ours, tesseract, engine alone): " + "; ".join(f"{a:.1f} / {b:.1f} / {c:.1f}" for a, b, c in rounds) + "\n")
    print("| run | wall s | pages/min | ratio ours/that |")
    print("|---|---:|---:|---:|")
    print(f"| sohoa process | {ours:.1f} | {n / ours * 60:.1f} | 1.00 |")
    print(f"| tesseract -l vie on our cleaned pages, {args.jobs} at a time | {tess:.1f} | {n / tess * 60:.1f} | {ours / tess:.2f} |")
    print(f"| our loaded engine alone (tesserocr) on the same cleaned pages, {args.jobs} processes | {alone:.1f} | {n / alone * 60:.1f} | {ours / alone:.2f} |")
    print(f"| ocrmypdf -l vie --jobs {args.jobs} --rotate-pages --deskew -O1 | {omp:.1f} | {n / omp * 60:.1f} | {ours / omp:.2f} |")
    print("\n## PDF size\n")
    print("| writer | bytes/page |")
    print("|---|---:|")
    print(f"| sohoa | {our_bytes / n:,.0f} |")
    print(f"| ocrmypdf --optimize 1 | {omp_pdf.stat().st_size / n:,.0f} |")
    if rows_cer:
        print("\n## Character error rate (pages with truth text)\n")
        print("| page | sohoa CER | ocrmypdf CER |")
        print("|---|---:|---:|")
        for name, a, b in rows_cer:
            print(f"| {name} | {a:.2%} | {b:.2%} |")
        for label, sel in (("synthetic", "synth_"), ("real", "real_")):
            sub = [r for r in rows_cer if r[0].startswith(sel)]
            if sub:
                print(f"| **mean {label}** | **{sum(r[1] for r in sub) / len(sub):.2%}** | "
                      f"**{sum(r[2] for r in sub) / len(sub):.2%}** |")
    if args.rss:
        print_rss(args, paths)


def print_rss(args, paths: list[Path]) -> None:
    print("\n## Peak memory (RSS of the process tree)\n")
    print("| pages | wall s | pages/min | peak RSS MB |")
    print("|---:|---:|---:|---:|")
    for count in args.rss:
        big = args.work / f"rss_{count}"
        big.mkdir()
        for i in range(count):
            src = paths[i % len(paths)]
            os.link(src, big / f"{i:05d}{src.suffix}")
        secs, peak = peak_rss_of([*SOHOA, "process", str(big), "--out", str(args.work / f"rss_out_{count}"),
                                  "--jobs", str(args.jobs), "--no-store"])
        print(f"| {count} | {secs:.0f} | {count / secs * 60:.1f} | {peak:.0f} |", flush=True)

if __name__ == "__main__":
    main()
