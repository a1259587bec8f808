"""A synthetic feeder stack for `sohoa batch`: page images in scan order plus the expected split.

Cover sheets come from the real cover-sheet renderer (exports/coversheet.py) rasterised; form
first pages from bench/synth_forms.py (CT01, khai sinh) and bench/synth_cards.py (CCCD copies)
when present, else plain typed pages with the form's title; continuation pages are typed text
without a title; blank backs carry faint show-through; one continuation page is upside down;
one page comes before the first cover sheet. Invented people only.

    .venv/bin/python bench/synth_stack.py --out DIR [--dossiers 2] [--dpi 150] [--seed 0] [--patch]

`truth.json` (written beside the stack, not inside it) lists, per dossier folder, its
documents (page files, expected form) and the blank pages to be dropped.
"""
from __future__ import annotations

import argparse
import io
import json
import random
import sys
from pathlib import Path
from typing import Optional

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
A4_INCH = (8.27, 11.69)

TITLES = {"ct01": "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", "khai_sinh": "TỜ KHAI ĐĂNG KÝ KHAI SINH"}
CONTINUATION = [
    "Tôi xin cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm",
    "trước pháp luật về cam đoan của mình. Hồ sơ kèm theo gồm các giấy tờ chứng minh",
    "chỗ ở hợp pháp và văn bản đồng ý của chủ hộ, chủ sở hữu chỗ ở hợp pháp.",
    "Ghi chú của cán bộ tiếp nhận: đã kiểm tra thành phần hồ sơ, đủ điều kiện tiếp nhận.",
    "Ngày hẹn trả kết quả được ghi trên phiếu tiếp nhận và hẹn trả kết quả.",
]


def _font(name: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), px)


def _a4(dpi: int, fill: int = 255) -> Image.Image:
    return Image.new("L", (int(A4_INCH[0] * dpi), int(A4_INCH[1] * dpi)), fill)


def cover_pages(codes: list[str], dpi: int, patch_t: int = 0) -> list[Image.Image]:
    """Cover sheets (and Patch T sheets) as the printer + scanner would give them back."""
    import tempfile

    import pypdfium2 as pdfium

    from exports.coversheet import write_coversheets

    with tempfile.TemporaryDirectory() as tmp:
        pdf_path = write_coversheets(codes, Path(tmp) / "covers.pdf", patch_t=patch_t)
        pdf = pdfium.PdfDocument(str(pdf_path))
        try:
            return [pdf[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for i in range(len(pdf))]
        finally:
            pdf.close()


def text_page(lines: list[str], dpi: int, title: Optional[str] = None, seed: int = 0) -> Image.Image:
    img = _a4(dpi)
    d = ImageDraw.Draw(img)
    y = int(0.9 * dpi)
    if title:
        f = _font("DejaVuSerif-Bold.ttf", int(15 * dpi / 72))
        w = d.textlength(title, font=f)
        d.text(((img.width - w) / 2, y), title, font=f, fill=0)
        y += int(0.6 * dpi)
    f = _font("DejaVuSerif.ttf", int(12 * dpi / 72))
    rng = random.Random(seed)
    for i in range(14):
        d.text((int(0.9 * dpi), y), rng.choice(lines), font=f, fill=0)
        y += int(12 * 1.9 * dpi / 72)
    return img


def continuation_page(dpi: int, seed: int) -> Image.Image:
    return text_page(CONTINUATION, dpi, None, seed)


def blank_back(front: Image.Image, seed: int) -> Image.Image:
    """The back of a one-sided sheet: white with faint mirrored show-through and scanner noise."""
    rng = np.random.default_rng(seed)
    ghost = np.asarray(front.transpose(Image.FLIP_LEFT_RIGHT).filter(ImageFilter.GaussianBlur(2)), dtype=np.float32)
    page = 250 - (255 - ghost) * 0.06 + rng.normal(0, 2.0, ghost.shape)
    return Image.fromarray(np.clip(page, 0, 255).astype(np.uint8))


def form_page(form: str, dpi: int, seed: int) -> Image.Image:
    return form_page_and_fields(form, dpi, seed)[0]


def form_page_and_fields(form: str, dpi: int, seed: int) -> tuple[Image.Image, dict]:
    """A typed form and the values written on it (field id -> value)."""
    rng = random.Random(seed)
    try:
        from bench import synth_forms

        img, truth = synth_forms.render(form, rng, dpi, hand=False)
        return img.convert("L"), truth["fields"]
    except (ImportError, AttributeError, KeyError):
        return text_page(CONTINUATION, dpi, TITLES[form], seed), {}


def cccd_page(dpi: int, seed: int) -> Image.Image:
    return cccd_page_and_fields(dpi, seed)[0]


def cccd_page_and_fields(dpi: int, seed: int) -> tuple[Image.Image, dict]:
    """A copy of an identity card and its holder's values (the card's QR code holds them too)."""
    from dataclasses import asdict

    from bench import synth_cards

    page, person, _payload = synth_cards.card_copy(seed, dpi=dpi, angle=0.0, contrast=0.8)
    return Image.fromarray(page), asdict(person)


def make_stack(out: Path, *, dossiers: int = 2, dpi: int = 150, seed: int = 0, patch: bool = False,
               repeat: int = 1) -> dict:
    """Write the stack into `out` (created) and return the truth; `repeat` copies the dossiers
    (same images, new cover codes) to make long stacks cheaply."""
    out.mkdir(parents=True, exist_ok=True)
    codes = [f"000.00.25.H49-2403{15 + i % 10:02d}-{i + 1:04d}" for i in range(dossiers * repeat)]
    covers = cover_pages(codes, dpi, patch_t=1 if patch else 0)
    patch_img = covers.pop() if patch else None
    rng = random.Random(seed)
    pages: list[tuple[str, Image.Image]] = []  # (role, image)
    truth = {"dpi": dpi, "split_on": "patch" if patch else "qr", "dossiers": []}
    seq = [0]

    def add(img: Image.Image) -> str:
        seq[0] += 1
        name = f"scan_{seq[0]:05d}.png"
        pages.append((name, img))
        return name

    # one page before the first cover sheet
    unassigned = {"folder": "_unassigned", "code": None, "documents": [], "blank": []}
    unassigned["documents"].append({"form": None, "pages": [add(continuation_page(dpi, seed + 99))]})
    truth["dossiers"].append(unassigned)
    templates = []
    for d in range(dossiers):
        s = seed * 1000 + d * 10
        if d % 2 == 0:
            ct01, ct01_fields = form_page_and_fields("ct01", dpi, s)
            birth, birth_fields = form_page_and_fields("khai_sinh", dpi, s + 2)
            docs = [("ct01", [ct01, continuation_page(dpi, s + 1)], True, ct01_fields),
                    ("khai_sinh", [birth], False, birth_fields)]
        else:
            card, card_fields = cccd_page_and_fields(dpi, s + 3)
            ct01, ct01_fields = form_page_and_fields("ct01", dpi, s + 4)
            docs = [("cccd", [card], False, card_fields),
                    ("ct01", [ct01, continuation_page(dpi, s + 5).rotate(180)], False, ct01_fields)]
        templates.append(docs)
    n = 0
    for _ in range(repeat):
        for docs in templates:
            code = codes[n]
            n += 1
            entry = {"folder": code, "code": code, "documents": [], "blank": []}
            add(covers[n - 1])
            for i, (form, imgs, with_blank, fields) in enumerate(docs):
                if patch and i > 0:
                    add(patch_img)
                names = []
                for j, img in enumerate(imgs):
                    names.append(add(img))
                    if with_blank and j == 0:
                        entry["blank"].append(add(blank_back(img, rng.randint(0, 10**6))))
                entry["documents"].append({"form": form, "pages": names, "fields": fields})
            truth["dossiers"].append(entry)
    for name, img in pages:
        img.save(out / name, dpi=(dpi, dpi), optimize=False)
    truth["pages"] = [name for name, _ in pages]
    return truth


def _template_fields() -> dict[str, set[str]]:
    from templates.registry import load_templates

    return {t.id: {f.id for f in t.fields} for t in load_templates()}


def compare(truth: dict, out: Path) -> dict:
    """Splitting accuracy of a batch output folder against the truth: exact documents found; and
    the field values of the documents written on the forms and cards (a document split wrongly
    loses its values): exact, and wrong yet vouched for (`needs_review` false)."""
    expected = {(d["folder"], tuple(Path(p).name for p in doc["pages"])) for d in truth["dossiers"]
                for doc in d["documents"]}
    found = set()
    forms_ok = forms_total = values = values_exact = wrong_vouched = 0
    for d in truth["dossiers"]:
        path = out / d["folder"] / "dossier.json"
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"documents": []}
        by_pages = {}
        for doc in data["documents"]:
            pages = tuple(Path(s["file"]).name for s in doc["sources"])
            found.add((d["folder"], pages))
            by_pages[pages] = doc
        for want, got in zip(d["documents"], data["documents"]):
            if want["form"] is not None:
                forms_total += 1
                forms_ok += int(got.get("form") == want["form"])
        for want in d["documents"]:
            doc = by_pages.get(tuple(Path(p).name for p in want["pages"]))
            result = json.loads((out / d["folder"] / doc["json"]).read_text(encoding="utf-8")) if doc else {}
            fields = result.get("fields", {})
            asked = _template_fields().get(want["form"], set())
            for fid, value in want.get("fields", {}).items():
                if fid not in asked:
                    continue  # a value the card shows that its template does not ask for
                got = fields.get(fid, {})
                values += 1
                right = got.get("value") == value
                values_exact += right
                wrong_vouched += not right and got.get("needs_review") is False
    exact = len(expected & found)
    return {"documents_expected": len(expected), "documents_found": len(found), "exact": exact,
            "precision": exact / max(1, len(found)), "recall": exact / max(1, len(expected)),
            "forms_ok": forms_ok, "forms_total": forms_total,
            "values": values, "values_exact": values_exact, "wrong_vouched": wrong_vouched}


def _page_digest(path: Path) -> str:
    """SHA-256 over every page's content stream and image data: the PDF's substance, without
    the dates and document ID of its run."""
    import hashlib

    import pikepdf

    digest = hashlib.sha256()
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            digest.update(page.Contents.read_raw_bytes() if isinstance(page.Contents, pikepdf.Stream)
                          else b"".join(c.read_raw_bytes() for c in page.Contents))
            for _name, image in sorted(page.get_images().items()):
                digest.update(image.read_raw_bytes())
    return digest.hexdigest()


def output_tree(out: Path) -> dict:
    """A batch output folder in a form comparable across runs: JSON parsed without the run's start
    time, PDFs as (page count, text, digest of page contents and images), other files as bytes;
    the journal and report.html left out."""
    from pypdf import PdfReader

    result = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_dir() or rel.startswith(".sohoa-batch") or path.name == "report.html":
            continue
        if path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            data.pop("created", None)
            result[rel] = data
        elif path.suffix == ".pdf":
            reader = PdfReader(path)  # pypdf, not poppler's pdftotext: the same reading on Windows
            text = "\f".join(page.extract_text() for page in reader.pages)
            result[rel] = (len(reader.pages), text, _page_digest(path))
        else:
            result[rel] = path.read_bytes()
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--dossiers", type=int, default=2)
    ap.add_argument("--dpi", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--patch", action="store_true", help="Patch T sheets between documents")
    args = ap.parse_args(argv)
    truth = make_stack(args.out, dossiers=args.dossiers, dpi=args.dpi, seed=args.seed, patch=args.patch,
                       repeat=args.repeat)
    (args.out.parent / f"{args.out.name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2),
                                                                  encoding="utf-8")
    print(f"{len(truth['pages'])} pages -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
