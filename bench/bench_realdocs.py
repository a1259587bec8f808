"""Measure the `van_ban` extractor (and page-text CER) on the real Quảng Ngãi documents.

Runs the production path per page image — `ocr.cleanup.clean_page` + `ocr.engine.ocr_image`
+ `ocr.layout.column_order` when the cleanup module exists, else plain Tesseract on the grey
image — and caches the words per image under bench/work/ so the extractor can be iterated on
without re-OCR. Prints per-field exact-match accuracy, mismatches and page CER.

    .venv/bin/python bench/bench_realdocs.py [--realdocs DIR] [--jobs N] [--refresh]
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


def _template():
    """The built-in van_ban template when forms-core's registry is there, else a stand-in."""
    try:
        from templates import load_templates

        for t in load_templates():
            if t.id == "van_ban":
                return t
    except Exception:  # registry not written yet
        pass
    from types import SimpleNamespace

    return SimpleNamespace(id="van_ban", fields=[SimpleNamespace(id=f) for f in FIELDS])


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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realdocs", type=Path, default=Path("/work/shared/realdocs/quangngai"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--refresh", action="store_true", help="re-run OCR, ignore the cache")
    ap.add_argument("--mode", choices=["auto", "cleanup", "plain"], default="auto")
    ap.add_argument("--ocr-only", action="store_true")
    args = ap.parse_args(argv)
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

    from templates.van_ban import extract

    template = _template()
    hits = {f: 0 for f in FIELDS}
    mismatches: list[tuple[str, str, str, str]] = []
    cers: list[tuple[str, int, float]] = []
    for d in docs:
        truth = json.loads((args.realdocs / f"{d['id']}.truth.json").read_text(encoding="utf-8"))
        pages = [to_page(load_ocr(args.realdocs, img, mode, False), page_image(args.realdocs, img, mode))
                 for img in d["images"]]
        doc = Document(stem=d["id"], source=d["images"], pages=pages, form="van_ban")
        fields = extract(doc, template)
        for f in FIELDS:
            got = fields.get(f).value if fields.get(f) else None
            want = truth["fields"][f]
            if fold_compare(got) == fold_compare(want):
                hits[f] += 1
            else:
                mismatches.append((d["id"], f, want, got))
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
    print("\nMismatches:")
    for doc_id, f, want, got in mismatches:
        print(f"  {doc_id:20s} {f:17s} want {want!r}\n  {'':20s} {'':17s} got  {got!r}")
    if cers:
        print("\n| page | CER |\n|---|---|")
        for doc_id, p, c in cers:
            print(f"| {doc_id} p{p} | {100 * c:.1f} % |")
        print(f"| mean | {100 * sum(c for *_, c in cers) / len(cers):.1f} % |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
