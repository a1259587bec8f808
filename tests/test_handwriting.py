"""Handwriting told from print by its shapes (ocr/handwriting.py), black ink on grey pages, and the
review's use of it: a form filled in by hand is never vouched for, the same form typed is.

Faces the model never trained on (ocr/data/build_handwriting.py HELD_OUT) stand in for hands and
print it has not seen."""
import random

import numpy as np
import pytest

from bench.synth_forms import degrade, render
from ocr.data import build_handwriting as bh
from ocr.handwriting import handwriting_evidence, handwriting_score, load_model
from ocr.model import Document, PageImage
from ocr.pipeline import PageJob, PipelineOptions, process_page
from templates import review as rv
from templates import understand


def test_model_ships_with_the_package():
    model = load_model()
    assert model is not None and model.w1.shape[0] == model.mean.shape[0]


@pytest.mark.parametrize("kind", ["print", "hand"])
def test_faces_never_trained_on(kind):
    fonts = bh.fonts(bh.PRINT_GLOBS if kind == "print" else bh.HAND_GLOBS, held_out=True)
    assert fonts, "held-out faces are installed by make install"
    lines = bh.samples(kind, fonts, 40, random.Random(11))
    called = [(handwriting_score(a) or 0.0) >= rv.HANDWRITING_SCORE for a in lines]
    if kind == "print":
        assert sum(called) <= 4, sum(called)
    else:
        assert sum(called) >= 34, sum(called)


def test_too_little_ink_says_nothing():
    blank = np.full((60, 300), 255, np.uint8)
    assert handwriting_evidence(blank) is None
    dots = blank.copy()
    dots[40:43, 10:290:12] = 0  # a dot leader alone
    assert handwriting_evidence(dots) is None


def _reviewed(hand: bool) -> dict:
    rng = random.Random(1012)
    img, truth = render("ct01", rng, 300, "liberation", hand=hand, edition="tt56")
    grey = np.asarray(degrade(img, rng).convert("L"))  # grey: no colour to give the pen away
    page = process_page(PageJob("scan", 0, PageImage(grey, 300, "scan")), PipelineOptions(jobs=1))
    doc = Document(stem="t", source=["scan"], pages=[page])
    understand(doc)
    assert doc.form == "ct01"
    return {fid: (f, truth["fields"][fid]) for fid, f in doc.fields.items() if fid in truth["fields"]}


def test_form_filled_in_by_hand_is_never_vouched_for():
    fields = _reviewed(hand=True)
    vouched = {fid: f.value for fid, (f, _) in fields.items() if not f.needs_review}
    assert vouched == {}
    number = fields["so_dinh_danh"][0]  # the handwritten ID number
    assert number.value is None or rv.HANDWRITTEN in number.problems


def test_same_form_typed_is_vouched_for():
    fields = _reviewed(hand=False)
    filled = {fid: f for fid, (f, want) in fields.items() if want}
    vouched = [fid for fid, f in filled.items() if not f.needs_review]
    assert len(vouched) >= 0.7 * len(filled), {fid: f.problems for fid, f in filled.items()}
    assert not [fid for fid, f in filled.items() if rv.HANDWRITTEN in f.problems]
