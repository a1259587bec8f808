"""Property-based fuzzing (hypothesis) of what reads outside input: image/PDF readers, the template
loader, `verify`. Whatever the bytes, the answer is a result or the module's own user error,
never another exception. Small example counts keep the suite fast; `HYPOTHESIS_PROFILE=long`
runs many more."""
from __future__ import annotations

import io
import os
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from reportlab.pdfgen import canvas

from exports.package import build_package, read_package_bytes, verify_package
from ocr import imageio
from ocr.errors import BadInputError, TemplateError
from templates.registry import BUILTIN_DIR, parse_template

settings.register_profile("suite", max_examples=100, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("long", max_examples=2000, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


def _png() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((40, 60), 200, np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((40, 60, 3), 90, np.uint8)).save(buf, format="JPEG")
    return buf.getvalue()


def _tiff() -> bytes:
    frames = [Image.fromarray(np.full((40, 60), v, np.uint8)) for v in (10, 128, 250)]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    return buf.getvalue()


def _pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(200, 200))
    c.drawString(20, 100, "Giay hen tra ket qua so 12")
    c.showPage()
    c.save()
    return buf.getvalue()


SEEDS = {"png": _png(), "jpeg": _jpeg(), "tiff": _tiff(), "pdf": _pdf()}


def mutated(seed: bytes):
    """The seed with some bytes replaced, a slice removed or inserted, and maybe truncated."""
    n = len(seed)
    return st.tuples(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, 255)), max_size=12),
        st.integers(0, n), st.integers(0, 64), st.binary(max_size=64), st.integers(1, n),
    ).map(lambda t: _apply(seed, *t))


def _apply(seed: bytes, flips, at: int, cut: int, insert: bytes, keep: int) -> bytes:
    data = bytearray(seed)
    for i, v in flips:
        data[i] = v
    data[at:at + cut] = insert
    return bytes(data[:keep]) if keep < len(data) else bytes(data)


def _read_all(path) -> None:
    try:
        for i in range(imageio.count_pages(path)):
            page = imageio.load_page(path, i)
            assert page.pixels.ndim in (2, 3) and page.pixels.size > 0
    except BadInputError as exc:
        assert exc.vi and exc.en and str(path) in exc.message


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_readers_on_damaged_files(tmp_path, kind):
    path = tmp_path / f"x.{kind}"

    @given(mutated(SEEDS[kind]))
    def check(data):
        path.write_bytes(data)
        _read_all(path)

    check()


@given(st.binary(max_size=512))
def test_readers_on_any_bytes(tmp_path, data):
    path = tmp_path / "any.png"
    path.write_bytes(data)
    _read_all(path)


# ------------------------------------------------------------------ template loader
TEMPLATE_TEXT = (BUILTIN_DIR / "ct01.yaml").read_text(encoding="utf-8")


def _parse(text: str) -> None:
    try:
        tpl = parse_template(text, "fuzz.yaml")
        assert tpl.id and tpl.fields
    except TemplateError as exc:
        assert exc.message.startswith("fuzz.yaml")


@given(st.text(max_size=400))
def test_template_loader_on_any_text(text):
    _parse(text)


@given(st.integers(0, len(TEMPLATE_TEXT)), st.integers(0, 40),
       st.text(alphabet=st.sampled_from(list(":-[]{}&*!|>'\"#%@` \n\tabcé(+)\\^$?.")), max_size=30))
def test_template_loader_on_damaged_templates(at, cut, insert):
    _parse(TEMPLATE_TEXT[:at] + insert + TEMPLATE_TEXT[at + cut:])


@given(st.text(alphabet=st.sampled_from(list("a()+*?{}[]|\\^$.1,0-:=<!wdsb")), min_size=1, max_size=24))
def test_template_regexes_compile_or_are_refused(rx):
    text = "id: t\nmatch_regex:\n  - '" + rx.replace("'", "''") + "'\nfields:\n  - id: a\n    label: A\n"
    _parse(text)


# ------------------------------------------------------------------ verify
@pytest.fixture(scope="module")
def package_bytes(tmp_path_factory):
    from test_export import make_dossier_folder

    root = tmp_path_factory.mktemp("pkg")
    folder = make_dossier_folder(root / "out", record=False)
    return build_package(folder, root / "p.zip").path.read_bytes()


def _verify(path) -> None:
    try:
        report = verify_package(path)
        assert all(p and " / " in p for p in report.problems)
    except BadInputError as exc:
        assert exc.vi and exc.en


def test_verify_on_damaged_packages(tmp_path, package_bytes):
    path = tmp_path / "p.zip"
    assert verify_package(_write(path, package_bytes)).ok

    @given(mutated(package_bytes))
    def check(data):
        _verify(_write(path, data))

    check()


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


NAMES = st.text(alphabet=st.sampled_from(list("ab./\\:~ \x00\x07đ")), min_size=0, max_size=12)


def test_verify_on_hostile_entry_names(tmp_path, package_bytes):
    files = read_package_bytes(_write(tmp_path / "seed.zip", package_bytes))
    path = tmp_path / "p.zip"

    @given(st.lists(NAMES, min_size=1, max_size=4))
    def check(names):
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in files.items():
                zf.writestr(name, data)
            for name in names:
                try:
                    zf.writestr(zipfile.ZipInfo(name), b"x")
                except (ValueError, UserWarning):
                    pass  # zipfile itself refuses to write some names
        try:
            report = verify_package(path)
        except BadInputError:
            return
        assert not report.ok  # an extra entry is never "intact"

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names
        check()


# ------------------------------------------------------------------ RE2 reads the built-in patterns as `re` did
BUILTIN_REGEXES = sorted({rx for t in __import__("templates").load_templates() for rx in t.match_regex + t.match_barcode})
FOLDED = st.text(alphabet=st.sampled_from(list("so0:;./-_| \nngaythangnam0123456789qdubndcv–“”")), max_size=80).map(
    lambda t: __import__("ocr.textnorm", fromlist=["fold"]).fold(t))


@settings(max_examples=settings.default.max_examples // 2)  # building matching text is slow
@given(st.sampled_from(BUILTIN_REGEXES), st.data())
def test_re2_finds_what_python_re_finds_on_folded_text(rx, data):
    """Folded Vietnamese is ASCII, where RE2 and `re` agree; the built-in templates kept their meaning.
    Texts: random folded text, and text `re` matches (hypothesis builds it from the pattern)."""
    import re

    from templates.registry import template_regex

    # printable ASCII and newlines: the folded rows recognition searches (their other whitespace,
    # \x1c-\x1f included, is already made single spaces by str.split)
    ascii_match = st.from_regex(rx, alphabet=st.characters(min_codepoint=32, max_codepoint=126,
                                                           include_characters="\n"))
    text = data.draw(st.one_of(FOLDED, ascii_match))

    ours = template_regex(rx).search(text)
    theirs = re.search(rx, text)
    assert (ours and ours.span()) == (theirs and theirs.span())
