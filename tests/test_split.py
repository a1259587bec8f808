"""Splitting a page stream into dossiers/documents: cover codes, form starts, blanks, Patch T."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ocr.model import Barcode
from scanner_app.batch.split import (DocumentReady, DossierClosed, PageRef, Splitter, classify_code,
                                     detect_patch_t, is_patch_t, safe_name)


@pytest.mark.parametrize("text,expected", [
    ("000.00.25.H49-240315-0012", ("000.00.25.H49-240315-0012", "ok")),
    ("Mã hồ sơ: 000.00.25.H49-240315-0012", ("000.00.25.H49-240315-0012", "ok")),
    ("000.00.25.h49-240315-12", ("000.00.25.h49-240315-12", "loose")),
    ("H49.25-2403150-0012", ("H49.25-2403150-0012", "loose")),
    ("HS-2024-001", ("HS-2024-001", "loose")),
    ("079123456789|123456789|Nguyễn Văn An|01011990|Nam|Hà Nội|01012021", None),
    ("https://dichvucong.gov.vn/p/home", None),
    ("hello world", None),
])
def test_classify_code(text, expected):
    assert classify_code(text) == expected


def test_safe_name_for_windows():
    assert safe_name('A<B>:"x/y\\z|?*') == "A_B___x_y_z___"
    assert safe_name("CON") == "_CON"
    assert safe_name("000.00.25.H49-240315-0012") == "000.00.25.H49-240315-0012"
    assert safe_name("abc. ") == "abc"


def _ref(seq, **kw):
    return PageRef(seq=seq, key=f"p{seq:03d}.png#0", source=f"p{seq:03d}.png", **kw)


def _run(refs, mode="qr"):
    sp = Splitter(mode)
    events = []
    for r in refs:
        events += sp.feed(r)
    events += sp.finish()
    docs = [(e.doc.folder, e.doc.stem, [p.seq for p in e.doc.pages]) for e in events if isinstance(e, DocumentReady)]
    dossiers = [e.dossier for e in events if isinstance(e, DossierClosed)]
    return docs, dossiers


def test_covers_forms_blanks_and_unassigned():
    refs = [
        _ref(0),                                            # before any cover
        _ref(1, cover=("000.00.25.H49-240315-0012", "ok")),
        _ref(2, form="ct01"), _ref(3, blank=True), _ref(4),  # ct01 + blank back + continuation
        _ref(5, form="khai_sinh"),
        _ref(6, cover=("a/b:c-240101-1", "loose")),
        _ref(7), _ref(8, form="cccd"), _ref(9, error="Không đọc được tệp"),
    ]
    docs, dossiers = _run(refs)
    assert docs == [
        ("_unassigned", "_unassigned.01", [0]),
        ("000.00.25.H49-240315-0012", "000.00.25.H49-240315-0012.01", [2, 4]),
        ("000.00.25.H49-240315-0012", "000.00.25.H49-240315-0012.02", [5]),
        ("a_b_c-240101-1", "a_b_c-240101-1.01", [7]),
        ("a_b_c-240101-1", "a_b_c-240101-1.02", [8]),
    ]
    assert [d.code for d in dossiers] == [None, "000.00.25.H49-240315-0012", "a/b:c-240101-1"]
    assert [r.seq for r in dossiers[1].blank] == [3]
    assert dossiers[1].cover.seq == 1
    assert dossiers[2].code_status == "loose" and dossiers[2].notes
    assert [r.seq for r in dossiers[2].errors] == [9]


def test_repeated_cover_and_repeated_code():
    code = ("000.00.25.H49-240315-0012", "ok")
    refs = [_ref(0, cover=code), _ref(1, cover=code), _ref(2), _ref(3, cover=("X.1-240101-1", "loose")), _ref(4),
            _ref(5, cover=code), _ref(6)]
    docs, dossiers = _run(refs)
    # the same cover twice in a row is one dossier; the code coming back later gets its own folder
    assert [d[0] for d in docs] == ["000.00.25.H49-240315-0012", "X.1-240101-1", "000.00.25.H49-240315-0012-2"]
    assert [r.seq for r in dossiers[0].extra_covers] == [1]


def test_blank_mode_and_patch_mode():
    cover = ("000.00.25.H49-240315-0012", "ok")
    refs = [_ref(0, cover=cover), _ref(1, form="ct01"), _ref(2, form="ct01"), _ref(3, blank=True), _ref(4),
            _ref(5, blank=True), _ref(6, blank=True), _ref(7)]
    docs, _ = _run(refs, "blank")
    assert [d[2] for d in docs] == [[1, 2], [4], [7]]  # forms do not split, blanks do
    refs = [_ref(0, cover=cover), _ref(1, form="ct01"), _ref(2, form="ct01"), _ref(3, patch=True), _ref(4),
            _ref(5, blank=True), _ref(6)]
    docs, dossiers = _run(refs, "patch")
    assert [d[2] for d in docs] == [[1, 2], [4, 6]]
    assert [r.seq for r in dossiers[0].separators] == [3]
    assert [r.seq for r in dossiers[0].blank] == [5]
    # in qr mode a Patch T flag alone splits nothing
    docs, _ = _run([_ref(0, cover=cover), _ref(1), _ref(2, patch=True), _ref(3)], "qr")
    assert [d[2] for d in docs] == [[1, 2, 3]]


def _patch_image(widths, dpi=150, angle=0.0) -> np.ndarray:
    """Bars of the given widths (inches) with 0.08" spaces, 4" long, on a page with text-like noise."""
    w, h = int(8.27 * dpi), int(11.69 * dpi)
    img = np.full((h, w), 250, np.uint8)
    x = int(3.5 * dpi)
    for bw in widths:
        img[int(3 * dpi):int(7 * dpi), x:x + int(round(bw * dpi))] = 20
        x += int(round((bw + 0.08) * dpi))
    img[int(1 * dpi):int(1.1 * dpi), int(1 * dpi):int(6 * dpi)] = 30  # a rule
    if angle:
        img = np.asarray(Image.fromarray(img).rotate(angle, fillcolor=250))
    return img


def test_patch_t_pattern_detection():
    assert detect_patch_t(_patch_image([0.08, 0.20, 0.08, 0.20]), 150)
    assert detect_patch_t(_patch_image([0.08, 0.20, 0.08, 0.20], angle=90), 150)
    assert detect_patch_t(_patch_image([0.08, 0.20, 0.08, 0.20], dpi=300, angle=2.5), 300)
    assert not detect_patch_t(_patch_image([0.20, 0.08, 0.08, 0.20]), 150)  # Patch 2
    assert not detect_patch_t(_patch_image([0.20, 0.20, 0.08, 0.08]), 150)  # Patch 1
    assert not detect_patch_t(np.full((1754, 1240), 250, np.uint8), 150)


def test_patch_t_barcode_text():
    assert is_patch_t([Barcode(page=0, format="Code39", text="PATCHT")])
    assert is_patch_t([Barcode(page=0, format="Code128", text="patch-t")])
    assert not is_patch_t([Barcode(page=0, format="QRCode", text="PATCHT")])
    assert not is_patch_t([Barcode(page=0, format="Code128", text="PATCH2")])
