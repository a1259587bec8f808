"""Word error of page text with and without the tone-mark correction stage (ocr/correct.py).

Sets:
  real   the born-digital real pages of shared/realdocs (qn_d01..03, qn-05 page 1), truth = their
         PDF text; through the production page job (cleanup, line erasing, OCR, correction)
  dev    laws the model never read (ocr/data/build_lm.py HELD_OUT), rendered and degraded as a
         counter scan: the settings of ocr.correct.Settings are chosen here (--grid)
  blind  other held-out laws, rendered the same way with other seeds: scored, never tuned on

    python bench/bench_lm.py --set real
    python bench/bench_lm.py --set dev --grid
    python bench/bench_lm.py --set blind

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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=["real", "dev", "blind"], default="real")
    ap.add_argument("--grid", action="store_true", help="try settings (dev set only)")
    args = ap.parse_args(argv)
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
                        r = score(pages, lm, Settings(change_cost=change, conf_weight=weight, unseen_cost=unseen,
                                                      max_unseen=max_unseen))
                        print(f"change_cost={change} conf_weight={weight} unseen_cost={unseen:g} "
                              f"max_unseen={max_unseen}: WER {r['wer_after']:.2f} % (fixed {r['fixed']}, "
                              f"broken {r['broken']})")
        return 0
    r = score(pages, lm, Settings())
    print(f"| {args.set} | {r['pages']} | {r['words']} | {r['wer_before']:.2f} % | {r['wer_after']:.2f} % | "
          f"{r['fixed']} | {r['broken']} ({r['broken_pct']:.2f} %) | {r['stage_ms_per_page']:.0f} ms "
          f"({r['stage_share_of_ocr']:.1f} % of OCR) |")
    print(f"model load {load_s:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
