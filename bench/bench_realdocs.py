"""Measure the `van_ban` extractor (and page-text CER) on the real Quảng Ngãi documents.

Runs the production path per page image — `ocr.cleanup.clean_page` + `ocr.engine.ocr_image`
+ `ocr.layout.column_order` when the cleanup module exists, else plain Tesseract on the grey
image — and caches the words per image under bench/work/ so the extractor can be iterated on
without re-OCR. Prints per-field exact-match accuracy, mismatches and page CER.

    .venv/bin/python bench/bench_realdocs.py [--realdocs DIR] [--jobs N] [--refresh]
    .venv/bin/python bench/bench_realdocs.py --handwriting [--jobs N]

Fields go through `templates.understand` (the van_ban extractor, the checks and the review flag),
so next to exact match it reports wrong values vouched for (`needs_review: false`) and right
values sent to review. The 21 letters are split by a fixed rule (sorted ids, every third one
blind) and so are the real handwritten lines (`--handwriting`: each line pasted as the value of a
typed form, `bench/forms/viet_tay.yaml`, through the production path; a handwritten value must
never be vouched for).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ocr.model import Document, OcrPage, ProcessedPage, Word  # noqa: E402
from ocr.textnorm import collapse_spaces, nfc  # noqa: E402

HANDWRITING = Path("/work/shared/realdocs/handwriting")
FIELDS = ["co_quan_ban_hanh", "so_ky_hieu", "dia_danh", "ngay_ban_hanh", "loai_van_ban", "trich_yeu"]
WORK = ROOT / "bench" / "work" / "realdocs"


def _mode() -> str:
    try:
        import ocr.cleanup  # noqa: F401
        return "cleanup"
    except ImportError:
        return "plain"


def ocr_one(path: str, mode: str) -> dict:
    """OCR one page image the way the pipeline does; returns a JSON-able dict."""
    import os

    os.environ["OMP_THREAD_LIMIT"] = "1"
    from ocr.engine import ocr_image
    from ocr.imageio import load_page
    from ocr.layout import column_order

    page = load_page(path, 0)
    t0 = time.perf_counter()
    if mode == "cleanup":
        from ocr.cleanup import clean_page

        clean = clean_page(page)
        image, dpi = clean.ocr_image, clean.dpi
    else:
        import cv2

        image = page.pixels if page.pixels.ndim == 2 else cv2.cvtColor(page.pixels, cv2.COLOR_BGR2GRAY)
        dpi = page.dpi
    ocr = column_order(ocr_image(image, dpi, "vie"))
    if mode == "cleanup":  # the extractor re-reads handwritten digits from the archive image
        import cv2

        out = WORK / mode / (Path(path).name + ".png")
        out.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(out), clean.archive)
    return {"width": ocr.width, "height": ocr.height, "dpi": dpi, "seconds": time.perf_counter() - t0,
            "words": [asdict(w) for w in ocr.words]}


def load_ocr(realdocs: Path, image: str, mode: str, refresh: bool) -> dict:
    cache = WORK / mode / (image + ".json")
    if cache.exists() and not refresh:
        return json.loads(cache.read_text(encoding="utf-8"))
    data = ocr_one(str(realdocs / image), mode)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return data


def page_image(realdocs: Path, image: str, mode: str) -> bytes:
    """The archive image on the OCR words' pixel grid (the source itself without cleanup)."""
    path = WORK / mode / (image + ".png") if mode == "cleanup" else realdocs / image
    return path.read_bytes() if path.exists() else b""


def to_page(data: dict, image: bytes = b"") -> ProcessedPage:
    words = [Word(text=w["text"], bbox=tuple(w["bbox"]), conf=w["conf"], block=w["block"],
                  par=w["par"], line=w["line"]) for w in data["words"]]
    ocr = OcrPage(width=data["width"], height=data["height"], words=words)
    return ProcessedPage(source="", source_index=0, width=data["width"], height=data["height"],
                         dpi=data["dpi"], image=image, image_format="jpeg", ocr=ocr)


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
    ap.add_argument("--realdocs", type=Path, default=Path("/work/shared/realdocs/quangngai"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--refresh", action="store_true", help="re-run OCR, ignore the cache")
    ap.add_argument("--mode", choices=["auto", "cleanup", "plain"], default="auto")
    ap.add_argument("--ocr-only", action="store_true")
    ap.add_argument("--handwriting", action="store_true", help="the real handwritten lines instead")
    args = ap.parse_args(argv)
    if args.handwriting:
        return handwriting(args)
    mode = _mode() if args.mode == "auto" else args.mode
    index = json.loads((args.realdocs / "index.json").read_text(encoding="utf-8"))
    docs = index["documents"]
    images = [img for d in docs for img in d["images"]]
    todo = [img for img in images if args.refresh or not (WORK / mode / (img + ".json")).exists()]
    if todo:
        print(f"OCR ({mode}) of {len(todo)} images with {args.jobs} workers ...", file=sys.stderr)
        with ProcessPoolExecutor(args.jobs) as pool:
            for img, data in zip(todo, pool.map(ocr_one, [str(args.realdocs / i) for i in todo],
                                                 [mode] * len(todo))):
                cache = WORK / mode / (img + ".json")
                cache.parent.mkdir(parents=True, exist_ok=True)
                cache.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
                print(f"  {img}: {data['seconds']:.1f} s", file=sys.stderr)
    if args.ocr_only:
        return 0

    from templates import understand

    hits = {f: 0 for f in FIELDS}
    rows: dict[str, list[dict]] = {"look": [], "blind": []}
    mismatches: list[tuple[str, str, str, str]] = []
    cers: list[tuple[str, int, float]] = []
    for d in docs:
        truth = json.loads((args.realdocs / f"{d['id']}.truth.json").read_text(encoding="utf-8"))
        pages = [to_page(load_ocr(args.realdocs, img, mode, False), page_image(args.realdocs, img, mode))
                 for img in d["images"]]
        doc = Document(stem=d["id"], source=d["images"], pages=pages)
        understand(doc, form="van_ban")
        part = split_part(d["id"], sorted(x["id"] for x in docs))
        for f in FIELDS:
            field = doc.fields.get(f)
            got = field.value if field else None
            want = truth["fields"][f]
            ok = fold_compare(got) == fold_compare(want)
            rows[part].append({"ok": ok, "needs_review": field.needs_review if field else True})
            if ok:
                hits[f] += 1
            else:
                mismatches.append((d["id"], f, want, got, field.needs_review if field else True))
        for n, ref in enumerate(truth.get("pages") or [], start=1):
            if n <= len(pages):
                cers.append((d["id"], n, cer(ref, pages[n - 1].ocr.text)))

    n = len(docs)
    print(f"\nOCR mode: {mode}; {n} documents\n")
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
