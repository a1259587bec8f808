"""Train ocr/data/handwriting.npz, the print-or-handwriting model of the review (`make handwriting-model`).

Print: value-like lines (names, addresses, dates, numbers) set in many typefaces, plain, bold and
italic, at form sizes, with scan defects. Handwriting: the same lines in handwriting typefaces of
Debian's archive, each letter shifted, turned and scaled a little as a hand does. Fonts listed in
HELD_OUT are never trained on: bench/bench_handwriting.py measures on them and on real lines.
Handwriting faces without Vietnamese letters get the text without marks; print gets both, so
marks are no clue. The same fonts and seed give the same bytes.

    python ocr/data/build_handwriting.py [--lines N] [--out ocr/data/handwriting.npz]
"""
from __future__ import annotations

import argparse
import csv
import glob
import hashlib
import io
import random
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from ocr.handwriting import MODEL_PATH, Model, window_features  # noqa: E402
from ocr.syllable_lm import save  # noqa: E402
from ocr.textnorm import fold  # noqa: E402

PRINT_GLOBS = ["/usr/share/fonts/truetype/dejavu/DejaVu*.ttf", "/usr/share/fonts/truetype/liberation2/*.ttf",
               "/usr/share/fonts/opentype/urw-base35/*.otf", "/usr/share/fonts/truetype/freefont/*.ttf"]
HAND_GLOBS = ["/usr/share/fonts/opentype/dancingscript/*.otf", "/usr/share/fonts/opentype/comic-neue/*.otf",
              "/usr/share/fonts/opentype/kaushanscript/*.otf", "/usr/share/fonts/truetype/humor-sans/*.ttf",
              "/usr/share/fonts/truetype/fifthhorseman/*.ttf", "/usr/share/fonts/truetype/breip/*.ttf",
              "/usr/share/fonts/truetype/femkeklaver/*.ttf", "/usr/share/fonts/opentype/bwht/*.otf",
              "/usr/share/fonts/truetype/ecolier-court/*.ttf"]
#: Never trained on: the measure of faces the model has not seen.
HELD_OUT = ("dkg", "femkeklaver", "P052", "NimbusSansNarrow", "BecauseWeLearn")
#: Symbols and math faces are not print a form is set in.
SKIP = ("StandardSymbols", "D050000L", "Z003", "DejaVuMath", "Dingbat")

SAMPLE_TEXT = "Nguyễn Thị Hương Đặng Quỳnh ẫựửữổỡợ"


def fonts(patterns: list[str], held_out: bool) -> list[str]:
    out = []
    for pattern in patterns:
        for path in sorted(glob.glob(pattern)):
            name = Path(path).name
            if any(s in name for s in SKIP):
                continue
            if any(h.lower() in name.lower() for h in HELD_OUT) == held_out:
                out.append(path)
    return out


def has_vietnamese(path: str) -> bool:
    import logging

    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.ERROR)  # faces with odd tables still render

    cmap = TTFont(path, lazy=True).getBestCmap()
    return all(ord(c) in cmap for c in SAMPLE_TEXT if not c.isspace())


def value_lines(rng: random.Random, n: int) -> list[str]:
    """Form-value-like text: names, addresses, dates, numbers, relations."""
    with open(REPO / "templates" / "data" / "communes_2024.csv", encoding="utf-8") as fh:
        communes = [r["commune"] for r in csv.DictReader(line for line in fh if not line.startswith("#"))]
    surnames = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đinh Lương Trịnh".split()
    given = ("An Bình Cường Dũng Hải Hùng Khoa Long Nam Phúc Quân Sơn Thắng Trung Vinh Tuấn Anh Chi Dung Giang "
             "Hà Hạnh Hương Lan Linh Mai Ngân Nhung Oanh Thảo Yến Trang Vy Văn Thị Minh Ngọc Thu Đức").split()
    words = ("Kinh Nam Nữ Việt Nam Con Vợ Chồng Cháu Mẹ Cha thôn xóm tổ dân phố số đường phường xã huyện "
             "tỉnh thành phố Đăng ký thường trú tạm trú Công an Ủy ban nhân dân bản sao").split()
    short = "Nam Nữ Kinh Tày Mường Hoa Khmer Thái Nùng Con Vợ Chồng Cháu Mẹ Cha Em Anh Chị Ông Bà 01 02".split()
    out = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.1:  # digits written one to a box (the boxes themselves are no ink to the model)
            out.append((" " * rng.randint(2, 4)).join(str(rng.randint(0, 9)) for _ in range(rng.randint(4, 12))))
        elif kind < 0.25:  # the one-word values of a form: sex, ethnic group, relation, a year
            out.append(rng.choice(short + [str(rng.randint(1940, 2024))]))
        elif kind < 0.45:
            out.append(" ".join([rng.choice(surnames)] + rng.sample(given, rng.randint(1, 3))))
        elif kind < 0.6:
            out.append(f"{rng.choice(['Số', 'số', 'Thôn', 'Tổ'])} {rng.randint(1, 300)}, {rng.choice(communes)}, "
                       f"{rng.choice(communes)}")
        elif kind < 0.8:
            out.append(rng.choice([f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1940, 2024)}",
                                   str(rng.randint(1940, 2024)), f"0{rng.randint(300000000, 999999999)}",
                                   "".join(str(rng.randint(0, 9)) for _ in range(12)),
                                   f"{rng.randint(1, 999)}/UBND-{rng.choice(['VP', 'NC', 'TP'])}"]))
        else:
            out.append(" ".join(rng.sample(words, rng.randint(1, 4))))
    return out


def _font(path: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, px)


def render_print(text: str, path: str, px: int) -> Image.Image:
    font = _font(path, px)
    w = int(font.getlength(text)) + px
    img = Image.new("L", (w, int(px * 2.0)), 255)
    ImageDraw.Draw(img).text((px // 2, px // 3), text, font=font, fill=0)
    return img


def render_hand(text: str, path: str, px: int, rng: random.Random) -> Image.Image:
    """Letter by letter, each shifted, turned and scaled a little, the line slanted and wavy."""
    font = _font(path, px)
    w = int(font.getlength(text) * 1.3) + 2 * px
    img = Image.new("L", (w, int(px * 2.4)), 255)
    x, drift = float(px // 2), 0.0
    wobble = rng.uniform(0.02, 0.08)
    for ch in text:
        adv = font.getlength(ch)
        if ch.strip():
            size = max(6, int(px * rng.uniform(0.9, 1.1)))
            f = _font(path, size)
            g = Image.new("L", (int(size * 2), int(size * 2)), 0)
            ImageDraw.Draw(g).text((size // 2, size // 3), ch, font=f, fill=255)
            g = g.rotate(rng.uniform(-6, 6), resample=Image.BILINEAR)
            drift = 0.7 * drift + rng.gauss(0, wobble * px)
            img.paste(0, (int(x - size // 2), int(px * 0.2 + drift)), g)
        x += adv * rng.uniform(0.95, 1.12)
    shear = rng.uniform(-0.25, 0.15)
    return img.transform(img.size, Image.AFFINE, (1, shear, -shear * img.height / 2, 0, 1, 0),
                         resample=Image.BILINEAR, fillcolor=255)


def scan_defects(img: Image.Image, rng: random.Random) -> np.ndarray:
    """Pen or toner weight, blur, noise, coarse resolution, JPEG: what a counter's scan does."""
    if rng.random() < 0.3:
        img = img.filter(ImageFilter.MinFilter(3))  # heavier strokes
    if rng.random() < 0.5:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.2)))
    if rng.random() < 0.3:
        f = rng.uniform(0.5, 0.8)
        small = img.resize((max(1, int(img.width * f)), max(1, int(img.height * f))), Image.BILINEAR)
        img = small.resize(img.size, Image.BILINEAR)
    a = np.asarray(img, np.float32)
    if rng.random() < 0.6:
        a = a + np.random.default_rng(rng.randrange(1 << 30)).normal(0, rng.uniform(3, 18), a.shape)
    a = np.clip(a, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        buf = io.BytesIO()
        Image.fromarray(a).save(buf, "JPEG", quality=rng.randint(30, 90))
        a = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("L"))
    return a


def tight(grey: np.ndarray, rng: random.Random) -> np.ndarray:
    """Cut as OCR's word boxes cut a value: at the ink, sometimes a pixel or two into it."""
    ys, xs = np.nonzero(grey < 128)
    if not ys.size:
        return grey
    m = [rng.randint(-2, 6) for _ in range(4)]
    return grey[max(0, ys.min() - m[0]):ys.max() + 1 + m[1], max(0, xs.min() - m[2]):xs.max() + 1 + m[3]]


def samples(kind: str, font_paths: list[str], n: int, rng: random.Random) -> list[np.ndarray]:
    """`n` rendered value lines of one kind ("print" or "hand") as grey arrays."""
    vietnamese = {p: has_vietnamese(p) for p in font_paths}
    out = []
    for text in value_lines(rng, n):
        path = rng.choice(font_paths)
        if not vietnamese[path] or (kind == "print" and rng.random() < 0.3):
            text = fold(text).replace("đ", "d").replace("Đ", "D")
        px = rng.randint(28, 60)  # 7-14 pt at 300 dpi, or 10-20 pt at 200 dpi
        img = render_print(text, path, px) if kind == "print" else render_hand(text, path, px, rng)
        out.append(tight(scan_defects(img, rng), rng))
    return out


def features(images: list[np.ndarray]) -> np.ndarray:
    feats = [window_features(a) for a in images]
    return np.concatenate([f for f in feats if len(f)], axis=0)


def fit(x: np.ndarray, y: np.ndarray, hidden: int = 96, epochs: int = 12, seed: int = 0) -> Model:
    """Mini-batch Adam on the cross-entropy, both kinds weighted alike, a little weight decay."""
    mean = x.mean(axis=0).astype(np.float32)
    scale = (x.std(axis=0) + 1e-3).astype(np.float32)
    z = ((x - mean) / scale).astype(np.float32)
    y = y.astype(np.float32)
    rng = np.random.default_rng(seed)
    params = [rng.normal(0, 1 / np.sqrt(z.shape[1]), (z.shape[1], hidden)).astype(np.float32),
              np.zeros(hidden, np.float32), rng.normal(0, 1 / np.sqrt(hidden), hidden).astype(np.float32),
              np.zeros(1, np.float32)]
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    weight = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean())).astype(np.float32)
    lr, decay, step = 1e-3, 1e-4, 0
    for _ in range(epochs):
        order = rng.permutation(len(z))
        for s in range(0, len(z), 256):
            batch = order[s:s + 256]
            zb, yb = z[batch], y[batch]
            h = np.maximum(zb @ params[0] + params[1], 0)
            p = 1 / (1 + np.exp(-(h @ params[2] + params[3][0])))
            g = weight[batch] * (p - yb) / len(batch)
            gh = np.outer(g, params[2]) * (h > 0)
            grads = [zb.T @ gh + decay * params[0], gh.sum(axis=0), h.T @ g + decay * params[2],
                     np.array([g.sum()], np.float32)]
            step += 1
            for i, grad in enumerate(grads):
                first[i] = 0.9 * first[i] + 0.1 * grad
                second[i] = 0.999 * second[i] + 0.001 * grad * grad
                params[i] -= lr * (first[i] / (1 - 0.9 ** step)) / (np.sqrt(second[i] / (1 - 0.999 ** step)) + 1e-8)
    return Model(mean, scale, params[0], params[1], params[2], float(params[3][0]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=4000, help="lines of each kind")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args(argv)
    rng = random.Random(20261203)
    print_fonts, hand_fonts = fonts(PRINT_GLOBS, False), fonts(HAND_GLOBS, False)
    if not hand_fonts:
        print("no handwriting faces: run `make handwriting-model`, which installs them", file=sys.stderr)
        return 1
    xp = features(samples("print", print_fonts, args.lines, rng))
    xh = features(samples("hand", hand_fonts, args.lines, rng))
    x = np.concatenate([xp, xh])
    y = np.concatenate([np.zeros(len(xp)), np.ones(len(xh))])
    save(fit(x, y).arrays(), args.out)
    print(f"{len(print_fonts)} print and {len(hand_fonts)} handwriting faces, {len(xp)} + {len(xh)} windows "
          f"-> {args.out} ({args.out.stat().st_size // 1024} KB, sha256 "
          f"{hashlib.sha256(args.out.read_bytes()).hexdigest()[:12]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
