"""Word error of page text with and without the tone-mark correction stage (ocr/correct.py).

Sets:
  real   the born-digital real pages of shared/realdocs (qn_d01..03, qn-05 page 1), truth = their
         PDF text; through the production page job (cleanup, line erasing, OCR, correction)
  dev    laws the model never read (ocr/data/build_lm.py HELD_OUT), rendered and degraded as a
         counter scan: the settings of ocr.correct.Settings are chosen here (--grid)
  blind  other held-out laws, rendered the same way with other seeds: scored, never tuned on
  product  the real pages through `sohoa process` itself: word error of the JSON page text and of
         the PDF's text layer as `pdftotext` reads it: `-layout`, the mode the qn_d* truth was made
         with (two-column rows on one line), and for reference the default and -raw modes, whose
         own column orders differ from the truth's (the "lines" column puts them in its order)

    python bench/bench_lm.py --set real
    python bench/bench_lm.py --set dev --grid
    python bench/bench_lm.py --set blind
    python bench/bench_lm.py --set product

Word error = word-level Levenshtein distance / truth words, whitespace-split NFC text.
"Broken" = words right before the stage and wrong after it, over all words.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402

from ocr.correct import Settings, correct_words  # noqa: E402
from ocr.syllable_lm import SyllableLM  # noqa: E402
from ocr.textnorm import nfc  # noqa: E402

REALDOCS = REPO.parent / "shared" / "realdocs" / "quangngai"
CORPUS = REPO.parent / "shared" / "vi-corpus" / "laws"
FONTS = [Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),
         Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"),
         Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")]
CACHE = REPO / ".cache" / "bench_lm"


def ocr_with_choices(grey: np.ndarray, dpi: float):
    """The page job's OCR input (cleanup, rules and leaders erased), read once with alternatives."""
    from ocr.cleanup import clean_page
    from ocr.engine import NOT_VIETNAMESE, _grey, _tsv, parse_tsv
    from ocr.form_lines import find_box_rows, remove_rules_and_leaders
    from ocr.model import PageImage

    clean = clean_page(PageImage(pixels=grey, dpi=dpi, source="bench"))
    prepared = remove_rules_and_leaders(clean.ocr_image, clean.dpi, box_rows=find_box_rows(clean.ocr_image, clean.dpi))
    t = time.process_time()
    tsv, choices = _tsv(_grey(prepared), clean.dpi, "vie", 3, barred=NOT_VIETNAMESE, with_choices=True)
    ocr_s = time.process_time() - t
    words = parse_tsv(tsv)
    return words, choices, ocr_s


def real_pages():
    for doc in ("qn_d01", "qn_d02", "qn_d03", "qn-05"):
        truth = json.loads((REALDOCS / f"{doc}.truth.json").read_text(encoding="utf-8"))
        for i, text in enumerate(truth["pages"]):
            from ocr import imageio

            page = imageio.load_page(str(REALDOCS / f"{doc}.p{i + 1}.jpg"), 0)
            grey = page.pixels if page.pixels.ndim == 2 else np.asarray(Image.fromarray(page.pixels[:, :, ::-1]).convert("L"))
            yield f"{doc}.p{i + 1}", text, grey, page.dpi


def rendered_pages(which: str, per_law: int = 2):
    """Pages of held-out laws, typeset and degraded; dev and blind take different laws and seeds."""
    from bench import synth
    from ocr.data.build_lm import corpus_files

    held = corpus_files(CORPUS)[1]
    laws = held[: len(held) // 2] if which == "dev" else held[len(held) // 2:]
    seed0 = 11 if which == "dev" else 90_001
    for n, law in enumerate(laws):
        lines = [nfc(l.strip()) for l in law.read_text(encoding="utf-8").splitlines() if len(l.strip()) > 20]
        for k in range(per_law):
            rng = random.Random(seed0 + 100 * n + k)
            start = rng.randrange(0, max(1, len(lines) - 40))
            font = ImageFont.truetype(str(rng.choice(FONTS)), int(rng.choice([10, 11, 12]) * 300 / 72))
            img, text = _typeset(lines[start:start + 40], font)
            # a fax-like copy: scanned at 150-200 dpi, blurred, noisy, strong JPEG
            dpi = rng.choice([150, 200])
            img = img.resize((img.width * dpi // 300, img.height * dpi // 300), Image.LANCZOS)
            img = synth.degrade(img, rng, 1.5)
            yield f"{law.stem[:24]}.{k}", text, np.asarray(img.convert("L")), float(dpi)


def _typeset(lines: list[str], font) -> tuple[Image.Image, str]:
    img = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(img)
    x0, x1, y = 236, 2244, 236
    step = int(font.size * 1.45)
    out: list[str] = []
    for para in lines:
        line: list[str] = []
        for word in para.split():
            if line and draw.textlength(" ".join(line + [word]), font=font) > x1 - x0:
                draw.text((x0, y), " ".join(line), font=font, fill=0)
                out.append(" ".join(line))
                line, y = [], y + step
                if y > 3508 - 300:
                    return img, "\n".join(out)
            line.append(word)
        if line:
            draw.text((x0, y), " ".join(line), font=font, fill=0)
            out.append(" ".join(line))
            y += step
        if y > 3508 - 300:
            break
    return img, "\n".join(out)


def in_truth_line_order(truth_text: str, text: str) -> list[str]:
    """The words of `text` with its lines put in the order of the truth lines they match best.

    The header's two columns are one line each in a letter's PDF (agency and motto side by
    side) and two blocks in the product's reading order (column by column): a word error over
    the raw order counts every word of such a move twice. Words inside a line keep their order.
    """
    from rapidfuzz import fuzz

    truth_lines = [line for line in nfc(truth_text).splitlines() if line.strip()]
    truth_sets = [set(line.split()) for line in truth_lines]
    keyed, previous = [], 0
    for n, line in enumerate(l for l in nfc(text).splitlines() if l.strip()):
        words = line.split()

        def closeness(i: int) -> tuple[float, float]:
            # words in common, then letters in common; then the line nearest after the last one
            same = len(truth_sets[i].intersection(words)) + fuzz.ratio(line, truth_lines[i]) / 100
            return same, -abs(i - previous) - (0.5 if i < previous else 0)

        best = max(range(len(truth_lines)), key=closeness) if truth_lines else 0
        keyed.append((best, n, words))
        previous = best
    return [w for _b, _n, words in sorted(keyed) for w in words]


def load_set(name: str):
    """OCR results of a set, cached: tuning the stage's settings needs no new OCR."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    pages = []
    source = real_pages() if name == "real" else rendered_pages(name)
    for pid, text, grey, dpi in source:
        words, choices, ocr_s = ocr_with_choices(grey, dpi)
        pages.append((pid, text, words, choices, ocr_s))
        print(f"  OCR {pid}: {len(words)} words, {ocr_s:.2f} s", file=sys.stderr)
    path.write_bytes(pickle.dumps(pages))
    return pages


def score(pages, lm: SyllableLM, settings: Settings) -> dict:
    errors_before = errors_after = words = broken = fixed = 0
    stage_s = ocr_s = 0.0
    for _pid, text, ws, choices, o_s in pages:
        truth = nfc(text).split()
        t = time.process_time()
        new = correct_words(ws, choices, lm, settings) if choices is not None and len(choices) == len(ws) else ws
        stage_s += time.process_time() - t
        ocr_s += o_s
        before, after = [w.text for w in ws], [w.text for w in new]
        errors_before += Levenshtein.distance(truth, before)
        errors_after += Levenshtein.distance(truth, after)
        words += len(truth)
        truth_set = set(truth)
        for op in Levenshtein.opcodes(before, after):  # a glued label split in two is one change
            if op.tag == "equal":
                continue
            a, b = before[op.src_start:op.src_end], after[op.dest_start:op.dest_end]
            pairs = zip(a, b) if len(a) == len(b) else [(" ".join(a), " ".join(b))]
            for x, y in pairs:
                right = lambda t: all(p in truth_set for p in t.split())  # noqa: E731
                broken += right(x) and not right(y)
                fixed += not right(x) and right(y)
    return {"pages": len(pages), "words": words, "wer_before": 100 * errors_before / words,
            "wer_after": 100 * errors_after / words, "fixed": fixed, "broken": broken,
            "broken_pct": 100 * broken / words, "stage_ms_per_page": 1000 * stage_s / len(pages),
            "stage_share_of_ocr": 100 * stage_s / ocr_s if ocr_s else 0.0}


#: How the PDF's text layer is read back: `-layout` is how the born-digital truth was extracted
#: (shared/realdocs/README.md), so only it compares like with like.
PDFTOTEXT_MODES = {"pdftotext -layout": ["-layout"], "pdftotext": [], "pdftotext -raw": ["-raw"]}


def score_product() -> dict:
    """Word error of what an officer gets: `sohoa process` on the real page images, read back from
    the JSON and from the PDF with pdftotext."""
    import shutil
    import subprocess
    import tempfile

    truths, texts = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp, "in"), Path(tmp, "out")
        src.mkdir()
        for doc in ("qn_d01", "qn_d02", "qn_d03", "qn-05"):
            truth = json.loads((REALDOCS / f"{doc}.truth.json").read_text(encoding="utf-8"))
            for i, text in enumerate(truth["pages"]):
                name = f"{doc}.p{i + 1}"
                shutil.copy(REALDOCS / f"{name}.jpg", src / f"{name}.jpg")
                truths[name] = nfc(text).split()
                texts[name] = text
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "scanner_app.cli", "process", str(src), "--out", str(out), "--jobs", "2"],
                       check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t
        errors = {f"{m}{o}": 0 for m in ("json", *PDFTOTEXT_MODES) for o in ("", " lines")}
        apart = {"box words": 0, "box errors": 0, "body words": 0, "body errors": 0}
        for name, truth in truths.items():
            result = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
            readings = {"json": result["pages"][0]["text"]}
            for mode, flags in PDFTOTEXT_MODES.items():
                readings[mode] = subprocess.run(["pdftotext", *flags, str(out / f"{name}.pdf"), "-"],
                                                capture_output=True, text=True, check=True).stdout
            for mode, text in readings.items():
                errors[mode] += Levenshtein.distance(truth, nfc(text).split())
                errors[mode + " lines"] += Levenshtein.distance(truth, in_truth_line_order(texts[name], text))
            # apart: the e-signature box (its region's text) and the body (the rest of the JSON text)
            boxed = [r["text"] for r in result["pages"][0].get("regions", []) if r["kind"] == "e_signature"]
            truth_box, truth_body = _split_off(texts[name], boxed)
            ocr_box, ocr_body = _split_off(readings["json"], boxed, exact=True)
            apart["box words"] += len(truth_box.split())
            apart["box errors"] += Levenshtein.distance(truth_box.split(), ocr_box.split())
            apart["body words"] += len(truth_body.split())
            apart["body errors"] += Levenshtein.distance(truth_body.split(), in_truth_line_order(truth_body, ocr_body))
    words = sum(len(t) for t in truths.values())
    return {"pages": len(truths), "words": words, "wall_s": wall, **apart,
            **{mode: 100 * e / words for mode, e in errors.items()}}


def _split_off(text: str, boxes: list[str], exact: bool = False) -> tuple[str, str]:
    """(the lines of `text` that are the e-signature boxes' lines, the other lines). A truth line is
    the box's when it reads nearly as one of the box's lines (exact: the reading's own lines)."""
    from rapidfuzz import fuzz

    box_lines = [ln for b in boxes for ln in b.splitlines() if ln.strip()]
    inside, outside = [], []
    for line in nfc(text).splitlines():
        hit = line in box_lines if exact else any(fuzz.ratio(line, b) >= 60 for b in box_lines)
        (inside if hit and line.strip() else outside).append(line)
    return "\n".join(inside), "\n".join(outside)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=["real", "dev", "blind", "product"], default="real")
    ap.add_argument("--grid", action="store_true", help="try settings (dev set only)")
    args = ap.parse_args(argv)
    if args.set == "product":
        r = score_product()
        for mode in ("json", *PDFTOTEXT_MODES):
            print(f"| {mode} | {r['pages']} | {r['words']} | {r[mode]:.2f} % | {r[mode + ' lines']:.2f} % |")
        print(f"| JSON, body text only (e-signature boxes apart) | {r['pages']} | {r['body words']} | | "
              f"{100 * r['body errors'] / max(1, r['body words']):.2f} % |")
        print(f"| e-signature boxes (`pages[].regions`) | {r['pages']} | {r['box words']} | | "
              f"{100 * r['box errors'] / max(1, r['box words']):.2f} % |")
        print(f"sohoa process: {r['wall_s']:.0f} s wall for {r['pages']} pages", file=sys.stderr)
        return 0
    t = time.perf_counter()
    lm = SyllableLM.load()
    load_s = time.perf_counter() - t
    pages = load_set(args.set)
    if args.grid:
        if args.set != "dev":
            ap.error("settings are chosen on the dev set only")
        for change in (3.0, 4.0, 5.0):
            for weight in (0.01, 0.02, 0.03):
                for unseen in (4.0, 6.0, 8.0, 1e9):
                    for max_unseen in ((1, 2, 3) if unseen < 1e9 else (0,)):
                        for unknown in (0.0, 3.0, 6.0, 9.0):
                            r = score(pages, lm, Settings(change_cost=change, conf_weight=weight, unseen_cost=unseen,
                                                          max_unseen=max_unseen, unknown_cost=unknown))
                            print(f"change_cost={change} conf_weight={weight} unseen_cost={unseen:g} "
                                  f"max_unseen={max_unseen} unknown_cost={unknown:g}: WER {r['wer_after']:.2f} % "
                                  f"(fixed {r['fixed']}, broken {r['broken']})")
        return 0
    r = score(pages, lm, Settings())
    print(f"| {args.set} | {r['pages']} | {r['words']} | {r['wer_before']:.2f} % | {r['wer_after']:.2f} % | "
          f"{r['fixed']} | {r['broken']} ({r['broken_pct']:.2f} %) | {r['stage_ms_per_page']:.0f} ms "
          f"({r['stage_share_of_ocr']:.1f} % of OCR) |")
    print(f"model load {load_s:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
