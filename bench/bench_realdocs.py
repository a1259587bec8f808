"""Measure the `van_ban` extractor (and page-text CER) on the real letters of shared/realdocs.

Each page image goes through the production page job (`ocr.pipeline.process_page`: cleanup,
OCR, tone-mark correction) and the result is cached under bench/work/realdocs/pages/, so the
extractor can be iterated on without re-OCR; the form is recognised as in production. Prints
per-field exact-match accuracy, mismatches of the parts one may look at, and page CER.

    .venv/bin/python bench/bench_realdocs.py [--realdocs DIR ...] [--jobs N] [--refresh]
    .venv/bin/python bench/bench_realdocs.py --handwriting [--jobs N]

Fields go through `templates.understand` (the van_ban extractor, the checks and the review flag),
so next to exact match it reports wrong values vouched for (`needs_review: false`) and right
values sent to review. The 21 Quảng Ngãi letters are split by a fixed rule (sorted ids, every
third one blind); the Đà Nẵng letters are a blind group of their own (scored, mismatches not
printed unless `--show danang`). The real handwritten lines (`--handwriting`) follow the same
rule: each is pasted as the value of a typed form, `bench/forms/viet_tay.yaml`, through the
production path; a handwritten value must never be vouched for.
"""
from __future__ import annotations

import argparse
import json
import pickle
import sys
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ocr.model import Document, ProcessedPage  # noqa: E402
from ocr.textnorm import collapse_spaces, nfc  # noqa: E402

REALDOCS = Path("/work/shared/realdocs")
HANDWRITING = REALDOCS / "handwriting"
FIELDS = ["co_quan_ban_hanh", "so_ky_hieu", "dia_danh", "ngay_ban_hanh", "loai_van_ban", "trich_yeu"]
WORK = ROOT / "bench" / "work" / "realdocs"


def ocr_one(path: str) -> ProcessedPage:
    """One page image through the production page job (cleanup, OCR, tone-mark correction)."""
    import os

    os.environ["OMP_THREAD_LIMIT"] = "1"
    import ocr.pipeline as pl

    return pl.process_page(pl.PageJob(path, 0), pl.PipelineOptions(jobs=1))


def cache_path(image: Path) -> Path:
    return WORK / "pages" / (image.parent.name + "-" + image.name + ".pickle")


def load_page_result(image: Path) -> ProcessedPage:
    return pickle.loads(cache_path(image).read_bytes())


def letters(dirs: list[Path]) -> list[dict]:
    """Every letter with truth under the given folders: id, group (folder), truth path, images."""
    out = []
    for folder in dirs:
        index = folder / "index.json"
        if index.exists():
            docs = [(d["id"], d["images"]) for d in json.loads(index.read_text(encoding="utf-8"))["documents"]]
        else:
            docs = [(t.name[:-len(".truth.json")], None) for t in sorted(folder.glob("*.truth.json"))]
        for doc_id, images in docs:
            images = images or sorted(p.name for p in folder.glob(f"{doc_id}.p*.*"))
            out.append({"id": doc_id, "group": folder.name, "truth": folder / f"{doc_id}.truth.json",
                        "images": [folder / i for i in images]})
    return out


def fold_compare(a: str | None) -> str:
    """Compare as the truth README suggests: NFC, dashes folded, old/new tone placement folded."""
    if a is None:
        return ""
    a = collapse_spaces(nfc(a)).replace("–", "-").replace("—", "-")
    for old, new in (("uỷ", "ủy"), ("Uỷ", "Ủy"), ("UỶ", "ỦY"), ("oá", "óa"), ("oà", "òa"),
                     ("oả", "ỏa"), ("oã", "õa"), ("oạ", "ọa"), ("uý", "úy")):
        a = a.replace(old, new)
    return a


def cer(ref: str, hyp: str) -> float:
    from rapidfuzz.distance import Levenshtein

    ref, hyp = collapse_spaces(ref), collapse_spaces(hyp)
    return Levenshtein.distance(ref, hyp) / max(1, len(ref))


def split_part(name: str, names: list[str]) -> str:
    """The fixed split: every third name in sorted order is blind (not looked at while tuning)."""
    return "blind" if names.index(name) % 3 == 2 else "look"


def review_table(rows: dict[str, list[dict]]) -> str:
    """Exact, wrong-and-vouched (of all values) and right values flagged, per part of the split."""
    out = ["| part | values | exact | wrong and vouched | right values flagged |", "|---|---|---|---|---|"]
    for part, rs in rows.items():
        n, right = len(rs), [r for r in rs if r["ok"]]
        wv = sum(1 for r in rs if not r["ok"] and not r["needs_review"])
        flagged = sum(r["needs_review"] for r in right)
        out.append(f"| {part} | {n} | {100 * len(right) / max(1, n):.1f} % | {wv} ({100 * wv / max(1, n):.1f} %) | "
                   f"{flagged} ({100 * flagged / max(1, len(right)):.1f} %) |")
    return "\n".join(out)


def handwriting_page(path: str):
    """A typed form page whose one value is a real handwritten line (colour kept), 300 dpi."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from ocr.model import PageImage

    line = Image.open(path).convert("RGB")
    line = line.resize((max(1, line.width * 110 // line.height), 110))
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 50)
    label = "Nơi cư trú:"
    label_w = int(font.getlength(label))
    page = Image.new("RGB", (max(2480, 150 + label_w + 40 + line.width + 150), 900), "white")
    d = ImageDraw.Draw(page)
    d.text((600, 150), "TỜ KHAI THÔNG TIN CƯ TRÚ", font=font, fill="black")
    d.text((150, 400), label, font=font, fill="black")
    page.paste(line, (150 + label_w + 40, 400 + 50 - 80))
    bgr = np.asarray(page)[:, :, ::-1].copy()
    return PageImage(pixels=bgr, dpi=300, source=path)


def handwriting_case(path: str) -> dict:
    import os

    os.environ["OMP_THREAD_LIMIT"] = "1"
    import ocr.pipeline as pl
    from templates import understand

    page = pl.process_page(pl.PageJob(path, 0, handwriting_page(path)), pl.PipelineOptions(jobs=1))
    doc = Document(stem="hw", source=[path], pages=[page])
    understand(doc, templates_dirs=[ROOT / "bench" / "forms"], form="viet_tay")
    f = doc.fields["noi_cu_tru"]
    from templates.addresses import check_address

    others = [p for p in f.problems if p not in check_address(f.value)[1]] if f.value else f.problems
    return {"image": Path(path).name, "value": f.value, "confidence": f.confidence,
            "needs_review": f.needs_review, "problems": f.problems, "without_address_check": bool(others)}


def handwriting(args) -> int:
    labels = json.loads((HANDWRITING / "labels.json").read_text(encoding="utf-8"))
    names = sorted(labels)
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(handwriting_case, [str(HANDWRITING / n) for n in names]))
    print("| part | handwritten values | value read | vouched for (must be 0) | vouched without the address check | exact |\n"
          "|---|---|---|---|---|---|")
    for part in ("look", "blind"):
        rs = [r for r in results if split_part(r["image"], names) == part]
        read = sum(r["value"] is not None for r in rs)
        vouched = [r for r in rs if not r["needs_review"]]
        exact = sum(fold_compare(r["value"]) == fold_compare(labels[r["image"]]) for r in rs)
        bare = sum(not r["without_address_check"] for r in rs)
        print(f"| {part} | {len(rs)} | {read} | {len(vouched)} | {bare} | {exact} |")
    for r in results:
        if split_part(r["image"], names) == "look":
            print(f"- {r['image']}: {r['confidence']:.2f} review={r['needs_review']} {r['problems'][:2]}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realdocs", type=Path, nargs="+", default=[REALDOCS / "quangngai", REALDOCS / "danang"])
    ap.add_argument("--show", nargs="*", default=["look"],
                    help="parts whose mismatches are printed (blind parts are scored, not looked at)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--refresh", action="store_true", help="re-run OCR, ignore the cache")
    ap.add_argument("--ocr-only", action="store_true")
    ap.add_argument("--handwriting", action="store_true", help="the real handwritten lines instead")
    args = ap.parse_args(argv)
    if args.handwriting:
        return handwriting(args)
    docs = letters(args.realdocs)
    todo = [img for d in docs for img in d["images"] if args.refresh or not cache_path(img).exists()]
    if todo:
        print(f"OCR of {len(todo)} images with {args.jobs} workers ...", file=sys.stderr)
        with ProcessPoolExecutor(args.jobs) as pool:
            for img, page in zip(todo, pool.map(ocr_one, [str(i) for i in todo])):
                cache_path(img).parent.mkdir(parents=True, exist_ok=True)
                cache_path(img).write_bytes(pickle.dumps(page))
                print(f"  {img.name}", file=sys.stderr)
    if args.ocr_only:
        return 0

    from templates import understand

    hits = {f: 0 for f in FIELDS}
    rows: dict[str, list[dict]] = {}
    mismatches: list[tuple[str, str, str, str, bool]] = []
    cers: list[tuple[str, int, float]] = []
    forms: list[tuple[str, str]] = []
    for d in docs:
        truth = json.loads(d["truth"].read_text(encoding="utf-8"))
        pages = [load_page_result(img) for img in d["images"]]
        doc = Document(stem=d["id"], source=[str(i) for i in d["images"]], pages=pages)
        understand(doc)  # the form is recognised, as in production
        forms.append((d["id"], doc.form or "—"))
        group = [x["id"] for x in docs if x["group"] == d["group"]]
        part = d["group"] if d["group"] != "quangngai" else split_part(d["id"], sorted(group))
        for f in FIELDS:
            field = doc.fields.get(f) if doc.form == "van_ban" else None
            got = field.value if field else None
            want = truth["fields"][f]
            ok = fold_compare(got) == fold_compare(want)
            rows.setdefault(part, []).append({"ok": ok, "needs_review": field.needs_review if field else True})
            if ok:
                hits[f] += 1
            elif part in args.show:
                mismatches.append((d["id"], f, want, got, field.needs_review if field else True))
        for n, ref in enumerate(truth.get("pages") or [], start=1):
            if n <= len(pages):
                cers.append((d["id"], n, cer(ref, pages[n - 1].ocr.text)))

    n = len(docs)
    print(f"\n{n} documents; not recognised as van_ban: "
          f"{[(i, f) for i, f in forms if f != 'van_ban'] or 'none'}\n")
    print("| field | exact | accuracy |\n|---|---|---|")
    for f in FIELDS:
        print(f"| {f} | {hits[f]}/{n} | {100 * hits[f] / n:.0f} % |")
    total = sum(hits.values())
    print(f"| **all** | {total}/{n * len(FIELDS)} | {100 * total / (n * len(FIELDS)):.0f} % |")
    print("\n" + review_table(rows))
    print("\nMismatches:")
    for doc_id, f, want, got, review in mismatches:
        print(f"  {doc_id:20s} {f:17s} want {want!r}\n  {'':20s} {'':17s} got  {got!r}"
              f"{'' if review else '   <- VOUCHED'}")
    if cers:
        print("\n| page | CER |\n|---|---|")
        for doc_id, p, c in cers:
            print(f"| {doc_id} p{p} | {100 * c:.1f} % |")
        print(f"| mean | {100 * sum(c for *_, c in cers) / len(cers):.1f} % |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
