"""Benchmark of the page-cleanup stage (`ocr.cleanup.clean_page`) on synthetic degraded pages.

    .venv/bin/python bench/bench_cleanup.py --pages 40 [--dpi 300] [--seed 1] [--real] [--ocr 4]

Each page is rendered by bench/synth.py in one of several fonts and then becomes one case:
a skewed scan (±10°) turned by a random quarter turn, with blur/noise/JPEG; the same with a
dark scanner border or yellowed uneven light (colour); a phone photo on a table; a blank back
with show-through; or a page with a few words. Reported: deskew error, orientation accuracy,
blank precision/recall, crop and perspective success, ms per page. `--real` also turns the
real scans of /work/shared/realdocs/quangngai by 0/90/180/270 (plus a small skew) and checks
the detected rotation; `--ocr N` measures Tesseract's character error on N cleaned pages with
the grey OCR image against a binarised one. Prints Markdown tables.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import synth  # noqa: E402
from ocr import cleanup  # noqa: E402
from ocr.cleanup import clean_page  # noqa: E402
from ocr.model import PageImage  # noqa: E402

REALDOCS = Path("/work/shared/realdocs/quangngai")
KINDS = ["scan", "scan", "lid", "border", "light", "photo", "blank", "few"]


def make_case(kind: str, rng: random.Random, dpi: int, font: str) -> dict:
    """One degraded page of `kind` and what cleanup should find on it."""
    seed = rng.randrange(10 ** 6)
    case = {"kind": kind, "font": Path(font).stem, "skew": None, "rotation": None, "blank": False}
    if kind == "blank":
        front, _ = synth.render_page(font, dpi=dpi, seed=seed)
        img = synth.jpeg(synth.show_through_back(front, strength=rng.uniform(0.08, 0.2), seed=seed,
                                                 dust=rng.randrange(10, 80)), 80)
        case.update(image=img, blank=True)
        return case
    if kind == "few":
        img, _ = synth.few_words_page(dpi=dpi, font_path=font, seed=seed)
        case.update(image=synth.jpeg(synth.gaussian_noise(img, 4, seed), 80))
        return case
    page, _ = synth.render_page(font, dpi=dpi, size_pt=rng.choice([11, 12, 13, 14]), seed=seed)
    if kind == "photo":
        img, _corners = synth.photo_warp(page, rng)
        img = synth.jpeg(synth.gaussian_noise(synth.blur(img, 0.7), 4, seed), 85)
        case.update(image=img, rotation=0, perspective=True, page_shape=page.shape)
        return case
    angle = round(rng.uniform(-10, 10), 2)
    k = rng.randrange(4)
    light = rng.uniform(0.2, 0.5)
    sigma, noise, quality = rng.uniform(0.3, 1.0), rng.uniform(2, 7), rng.randrange(60, 90)
    bands = [rng.randrange(int(0.05 * dpi), int(0.4 * dpi)) for _ in range(4)]
    lid = rng.randrange(10, 50)

    def scan(frame: str) -> np.ndarray:
        """The page through the scanner; `frame` "lid"/"border" adds the dark surround."""
        img = synth.skew(page, angle, fill=lid if frame == "lid" else None)
        if kind == "light":
            img = synth.uneven_illumination(img, light, seed, tint=(195, 230, 240))
        img = synth.rotate90(synth.gaussian_noise(synth.blur(img, sigma), noise, seed), k)
        if frame:  # a lid leaves dark margins too, a border is nothing but them
            img = synth.scanner_border(img, *(bands if frame == "border" else [b // 2 for b in bands]),
                                       value=lid, seed=seed)
        return synth.jpeg(img, quality)

    if kind in ("lid", "border"):
        case["reference"] = scan("")  # the same page without the dark surround
        case["sheet"] = page.shape[:2]
    case.update(image=scan(kind if kind in ("lid", "border") else ""), skew=angle, rotation=90 * k)
    return case


def dark_edge(img: np.ndarray) -> float:
    """Share of dark pixels in the outermost 0.5 % of rows/columns (scanner border left over)."""
    grey = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    h, w = grey.shape
    e = max(2, int(0.005 * min(h, w)))
    strips = [grey[:e], grey[-e:], grey[:, :e].T, grey[:, -e:].T]
    return max(float((s < 90).mean()) for s in strips)


def crop_ok(r: dict) -> bool:
    """No dark band left at the edges, the expected size (±1 %), and the text's ink all there."""
    got = r["got"].archive.shape[:2]
    size_ok = all(abs(g - w) <= 0.01 * w for g, w in zip(got, r["want_shape"]))
    return dark_edge(r["got"].archive) < 0.05 and size_ok and r["ink"] > 0.97


def run_synthetic(pages: int, dpi: int, seed: int) -> tuple[list[dict], dict]:
    rng = random.Random(seed)
    fonts = synth.available_fonts()
    rows = []
    for i in range(pages):
        case = make_case(KINDS[i % len(KINDS)], rng, dpi, fonts[i % len(fonts)])
        page = PageImage(case.pop("image"), dpi, f"synth{i}")
        t0, c0 = time.perf_counter(), time.process_time()
        clean = clean_page(page)
        case["ms"] = (time.perf_counter() - t0) * 1000
        case["cpu_ms"] = (time.process_time() - c0) * 1000  # all threads: what the page costs the machine
        if "reference" in case:  # the text the crop must keep: as much ink as without the border
            ref = clean_page(PageImage(case.pop("reference"), dpi, "ref"))
            case["ink"] = int((clean.ocr_image < 90).sum()) / max(1, int((ref.ocr_image < 90).sum()))
            # a border goes to the page as scanned without it; a sheet on a lid to the sheet
            case["want_shape"] = ref.archive.shape[:2] if case["kind"] == "border" else case["sheet"]
        case["got"] = clean
        rows.append(case)
    return rows, summarise(rows)


def summarise(rows: list[dict]) -> dict:
    s: dict = {}
    sk = [abs(r["got"].skew_deg - r["skew"]) for r in rows if r["skew"] is not None and not r["got"].blank]
    s["deskew"] = (statistics.mean(sk), max(sk), sum(e <= 0.2 for e in sk), len(sk)) if sk else None
    orient = [r["got"].rotation == r["rotation"] for r in rows if r["rotation"] is not None]
    s["orientation"] = (sum(orient), len(orient))
    tp = sum(r["blank"] and r["got"].blank for r in rows)
    fp = sum((not r["blank"]) and r["got"].blank for r in rows)
    fn = sum(r["blank"] and not r["got"].blank for r in rows)
    s["blank"] = (tp, fp, fn)
    crops = []
    for r in rows:
        if r["kind"] not in ("border", "lid"):
            continue
        crops.append(crop_ok(r))
    s["crop"] = (sum(crops), len(crops))
    persp = []
    for r in rows:
        if r["kind"] != "photo":
            continue
        g = r["got"]
        ah, aw = g.archive.shape[:2]
        persp.append(g.perspective and abs(ah / aw - 297 / 210) < 0.03 * 297 / 210 and dark_edge(g.archive) < 0.05
                     and abs(g.skew_deg) < 0.5 and g.rotation == 0)
    s["perspective"] = (sum(persp), len(persp))
    false_persp = sum(r["got"].perspective for r in rows if r["kind"] != "photo")
    s["false_perspective"] = (false_persp, sum(r["kind"] != "photo" for r in rows))
    ms = [r["ms"] for r in rows]
    s["ms"] = (statistics.mean(ms), statistics.median(ms), max(ms))
    s["cpu_ms"] = statistics.mean(r["cpu_ms"] for r in rows)
    by_kind: dict[str, list[float]] = {}
    for r in rows:
        by_kind.setdefault(r["kind"], []).append(r["ms"])
    s["ms_by_kind"] = {k: statistics.mean(v) for k, v in by_kind.items()}
    return s


def run_real(paths: list[Path], rng: random.Random) -> list[tuple[str, int, float, int, float, float]]:
    """Each real upright page turned by 0/90/180/270 (plus a small skew): what cleanup says."""
    from ocr.imageio import load_page

    out = []
    for p in paths:
        src = load_page(p, 0)  # the production loader: its dpi (or an A4 estimate)
        img = src.pixels
        own = clean_page(src).skew_deg  # the scan's own skew adds to the one we apply
        for k in range(4):
            angle = round(rng.uniform(-4, 4), 2)
            turned = synth.rotate90(synth.skew(img, angle), k)
            t0 = time.perf_counter()
            clean = clean_page(PageImage(turned, src.dpi, p.name))
            out.append((p.name, 90 * k, round(angle + own, 2), clean.rotation, clean.skew_deg,
                        (time.perf_counter() - t0) * 1000))
    return out


def run_ocr(count: int, dpi: int, seed: int) -> list[tuple[str, float, float]]:
    """Character error of Tesseract on the grey OCR image vs an Otsu-binarised copy of it."""
    from rapidfuzz.distance import Levenshtein

    from ocr.engine import ocr_image
    from ocr.textnorm import collapse_spaces

    rng = random.Random(seed)
    fonts = synth.available_fonts()
    res = []
    for i in range(count):
        kind = ["scan", "light", "photo"][i % 3]
        font = fonts[i % len(fonts)]
        page, truth = synth.render_page(font, dpi=dpi, size_pt=12, seed=rng.randrange(10 ** 6))
        if kind == "photo":
            img = synth.jpeg(synth.photo_warp(page, rng, margin=0.06)[0], 85)
        else:
            img = synth.skew(page, rng.uniform(-5, 5))
            if kind == "light":
                img = synth.uneven_illumination(img, 0.45, i, tint=(190, 225, 235))
            img = synth.jpeg(synth.gaussian_noise(synth.blur(img, 0.8), 6, i), 70)
        clean = clean_page(PageImage(img, dpi, f"ocr{i}"))
        ref = collapse_spaces(truth)

        def cer(image: np.ndarray) -> float:
            text = collapse_spaces(ocr_image(image, clean.dpi).text)
            return Levenshtein.distance(text, ref) / max(1, len(ref))

        grey = clean.ocr_image
        _t, otsu = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        res.append((f"{kind}/{Path(font).stem}", cer(grey), cer(otsu)))
    return res


OSD_CALLS = [0]


def _count_osd() -> None:
    """Count the (slow) Tesseract OSD fallbacks: the cheap cues should settle nearly every page."""
    real = cleanup.osd_rotation

    def counted(*a, **kw):
        OSD_CALLS[0] += 1
        return real(*a, **kw)

    cleanup.osd_rotation = counted


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--dpi", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--real", action="store_true", help="also turn the real Quảng Ngãi scans")
    ap.add_argument("--ocr", type=int, default=0, help="pages for the grey vs binarised OCR comparison")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)

    _count_osd()
    if args.pages:
        report_synthetic(args)
    if args.real:
        report_real(args)
    if args.ocr:
        report_ocr(args)
    return 0


def report_synthetic(args) -> None:
    rows, s = run_synthetic(args.pages, args.dpi, args.seed)
    s["osd"] = OSD_CALLS[0]
    if args.verbose:
        for r in rows:
            g = r["got"]
            bad = ((r["rotation"] is not None and g.rotation != r["rotation"])
                   or (r["skew"] is not None and abs(g.skew_deg - r["skew"]) > 0.2) or g.blank != r["blank"]
                   or (r["kind"] == "photo") != g.perspective or ("want_shape" in r and not crop_ok(r)))
            print(f"{'FAIL ' if bad else '     '}{r['kind']:7s} {r['font']:24s} skew {r['skew']} -> {g.skew_deg:6.2f}  rot {r['rotation']} -> "
                  f"{g.rotation:3d}  blank {r['blank']}->{g.blank}  persp {g.perspective} "
                  f"{g.archive.shape} ink {r.get('ink', 1):.3f} {r['ms']:.0f} ms")
    print(f"### Cleanup on {args.pages} synthetic pages at {args.dpi} dpi (seed {args.seed})\n")
    print("| measure | result |\n|---|---|")
    if s["deskew"]:
        mean, mx, within, n = s["deskew"]
        print(f"| deskew error, mean / max (skew ±10°, n={n}) | {mean:.3f}° / {mx:.3f}° ({within}/{n} within 0.2°) |")
    print(f"| orientation 0/90/180/270 correct | {s['orientation'][0]}/{s['orientation'][1]} "
          f"(Tesseract OSD fallback used on {s['osd']} pages) |")
    tp, fp, fn = s["blank"]
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    print(f"| blank precision / recall (show-through backs vs text and few-word pages) | {prec:.2f} / {rec:.2f} "
          f"(tp {tp}, fp {fp}, fn {fn}) |")
    print(f"| dark scanner border / askew sheet on a dark lid cropped (no dark edge, size ±1 %, text kept) | {s['crop'][0]}/{s['crop'][1]} |")
    print(f"| phone photo rectified (A4 aspect ±3 %, no table left, upright) | {s['perspective'][0]}/{s['perspective'][1]} |")
    print(f"| perspective wrongly applied to flat pages | {s['false_perspective'][0]}/{s['false_perspective'][1]} |")
    m, med, mx = s["ms"]
    print(f"| ms per page (wall), mean / median / max | {m:.0f} / {med:.0f} / {mx:.0f} |")
    print(f"| CPU ms per page (all threads), mean | {s['cpu_ms']:.0f} |")
    print("| ms per page by case | " + ", ".join(f"{k} {v:.0f}" for k, v in s["ms_by_kind"].items()) + " |")



def report_real(args) -> None:
    paths = sorted(p for p in REALDOCS.iterdir() if p.suffix in (".jpg", ".png"))
    OSD_CALLS[0] = 0
    real = run_real(paths, random.Random(args.seed))
    ok = sum(r[1] == r[3] for r in real)
    skew_err = [abs(r[4] - r[2]) for r in real if r[1] == r[3]]
    print(f"\n### Real scans ({len(paths)} Quảng Ngãi pages at their own dpi) turned 0/90/180/270 + skew ±4°\n")
    print("| measure | result |\n|---|---|")
    print(f"| orientation correct | {ok}/{len(real)} (OSD fallback on {OSD_CALLS[0]}) |")
    if skew_err:
        print(f"| skew error mean / max (against own skew at 0° + applied skew) | {statistics.mean(skew_err):.2f}° / "
              f"{max(skew_err):.2f}° |")
    print(f"| ms per page, mean | {statistics.mean(r[5] for r in real):.0f} |")
    for r in real:
        if r[1] != r[3] or args.verbose:
            print(f"  {r[0]} turned {r[1]} skew {r[2]} -> rotation {r[3]} skew {r[4]} ({r[5]:.0f} ms)")


def report_ocr(args) -> None:
    res = run_ocr(args.ocr, args.dpi, args.seed)
    print(f"\n### OCR image: grey vs Otsu-binarised, Tesseract vie, {len(res)} pages at {args.dpi} dpi\n")
    print("| page | CER grey | CER binarised |\n|---|---|---|")
    for name, g, b in res:
        print(f"| {name} | {g:.4f} | {b:.4f} |")
    print(f"| **mean** | **{statistics.mean(r[1] for r in res):.4f}** | **{statistics.mean(r[2] for r in res):.4f}** |")


if __name__ == "__main__":
    sys.exit(main())
