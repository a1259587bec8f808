"""Regenerate the bundled synthetic sample dossier (invented people only).

    .venv/bin/python samples/make_demo.py

Writes samples/demo/: a CT01 residence form, a birth-registration form, an identity-card
photocopy with its QR code, and a slightly skewed scan of the CT01 form.
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import synth_cards, synth_forms  # noqa: E402

OUT = REPO / "samples" / "demo"
DPI = 200


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(2024)
    ct01, _ = synth_forms.render_ct01(rng, dpi=DPI, hand=False)
    ct01.convert("L").save(OUT / "01_to_khai_ct01.jpg", quality=80, dpi=(DPI, DPI))
    khai_sinh, _ = synth_forms.render_khai_sinh(rng, dpi=DPI, hand=False)
    khai_sinh.convert("L").save(OUT / "02_to_khai_khai_sinh.jpg", quality=80, dpi=(DPI, DPI))
    card, _person, _payload = synth_cards.card_copy(seed=11, dpi=DPI, angle=3.0, contrast=0.7)
    Image.fromarray(card).save(OUT / "03_ban_sao_cccd.jpg", quality=80, dpi=(DPI, DPI))
    skewed = ct01.convert("L").rotate(2.5, resample=Image.BICUBIC, expand=True, fillcolor=255)
    skewed.save(OUT / "04_ct01_quet_lech.jpg", quality=80, dpi=(DPI, DPI))
    print(f"sample dossier written to {OUT}")


if __name__ == "__main__":
    main()
