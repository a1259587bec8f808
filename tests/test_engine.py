"""Tesseract engine: one pass, Vietnamese NFC words with boxes, leaders and box borders tidied."""
from __future__ import annotations

import unicodedata
from dataclasses import replace

import numpy as np

from ocr.engine import ocr_image, tidy_words
from ocr.model import Word


def test_vietnamese_words_with_boxes_in_reading_order(page_png):
    from PIL import Image

    lines = ["Họ, chữ đệm và tên: Nguyễn Thị Hương", "Nơi cư trú: xã Tịnh Kỳ, tỉnh Quảng Ngãi"]
    img = np.array(Image.open(page_png("p.png", lines, dpi=200)))
    page = ocr_image(img, dpi=200)
    text = page.text
    assert unicodedata.is_normalized("NFC", text)
    assert "Nguyễn Thị Hương" in text
    assert "Quảng Ngãi" in text
    assert text.index("Hương") < text.index("Ngãi")
    hương = next(w for w in page.words if w.text == "Hương")
    x0, y0, x1, y1 = hương.bbox
    assert 0 < x0 < x1 < img.shape[1] and 0 < y0 < y1 < img.shape[0]
    # the box really holds dark ink
    assert img[y0:y1, x0:x1].min() < 100
    assert page.confidence > 70


def _w(text, x, line=1):
    return Word(text=text, bbox=(x, 0, x + 20, 30), conf=90.0, block=1, par=1, line=line)


def test_dot_leaders_dropped_and_stripped_from_words():
    words = tidy_words([_w("Email:", 0), _w("..........", 30), _w("an@mail.vn.......", 60), _w("___", 90)])
    assert [w.text for w in words] == ["Email:", "an@mail.vn"]


def test_digits_typed_in_boxes_read_as_one_number():
    digits = [_w(d, 10 + 25 * i) for i, d in enumerate("051090001234")]
    words = tidy_words([_w("Số:", 0), *digits[:6], _w("|", 160), *digits[6:]])
    assert [w.text for w in words] == ["Số:", "051090001234"]
    assert words[1].bbox[0] == 10 and words[1].bbox[2] == 10 + 25 * 11 + 20


def test_short_digit_runs_and_roman_numerals_untouched():
    words = tidy_words([_w("II.", 0), _w("Ngày", 30), _w("5", 60), _w("3", 90), _w("1990", 120)])
    assert [w.text for w in words] == ["II.", "Ngày", "5", "3", "1990"]


def test_line_reads_share_one_loaded_engine_and_keep_vietnamese(page_png):
    """Short targeted reads go to one Tesseract kept per process: Vietnamese NFC text, a
    digits-only charset honoured, and the engine loaded once, not per read."""
    from PIL import Image

    from ocr.engine import _loaded_engine, read_line

    page = np.array(Image.open(page_png("l.png", ["Số: 1234/UBND-VP ngày 15"], dpi=300)).convert("L"))
    ys, xs = np.nonzero(page < 128)
    line = page[ys.min() - 30: ys.max() + 30, xs.min() - 30: xs.max() + 30]
    text, conf = read_line(line, 300, lang="vie")
    assert unicodedata.is_normalized("NFC", text)
    assert "Số" in text and "1234/UBND" in text
    assert conf > 50
    loads = _loaded_engine.cache_info().misses
    digits, _ = read_line(line, 300, lang="vie", charset="0123456789")
    assert digits.replace(" ", "").startswith("1234")
    assert set(digits) <= set("0123456789 ")
    assert _loaded_engine.cache_info().misses == loads  # the same loaded engine served both reads


def test_letters_vietnamese_never_uses_are_not_answered(page_png):
    """The `vie` model knows Œ, Æ, ß …; on a page they would replace a misprinted Vietnamese
    letter ("CCCD" in italics read "ŒŒŒD"), so the page pass bars them."""
    from PIL import Image

    from ocr.engine import NOT_VIETNAMESE

    img = np.array(Image.open(page_png("x.png", ["Œuvre Ærø Straße Ñandú Ça", "CCCD số 080300168006"], dpi=200)))
    text = ocr_image(img, dpi=200).text
    assert not set(text) & set(NOT_VIETNAMESE)
    assert "CCCD số 080300168006" in text


def test_an_unsure_word_is_read_again_alone_and_kept_only_when_sure():
    """A word the page pass read at confidence 0 is read from its own box: a short number next to a
    slash comes out right and sure; a blot stays as it was, unsure (never a confident guess)."""
    import cv2
    from PIL import Image, ImageDraw, ImageFont

    from ocr.engine import NOT_VIETNAMESE, reread_unsure

    image = Image.new("L", (1200, 200), 235)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 50)
    draw.text((100, 60), "16 / 11 / 1978", font=font, fill=20)
    number = tuple(int(v) for v in draw.textbbox((100 + draw.textlength("16 / ", font=font), 60), "11", font=font))
    draw.ellipse((900, 60, 980, 130), fill=40)
    grey = np.asarray(image)
    words = [Word("1J", number, 0.0, block=1, par=1, line=1), Word("đt", (895, 55, 985, 135), 0.0, block=1, par=1, line=1),
             Word("1978", (0, 0, 1, 1), 95.0, block=1, par=1, line=1)]
    again, choices = reread_unsure(grey, 300, "vie", NOT_VIETNAMESE, words, [[], [], []])
    assert [w.text for w in again] == ["11", "đt", "1978"]
    assert again[0].conf >= 80 and again[1].conf == 0.0 and len(choices) == 3
    x0, y0, x1, y1 = again[0].bbox  # the new box holds the digits' ink
    assert cv2.countNonZero((grey[y0:y1, x0:x1] < 128).astype(np.uint8)) > 100


def test_an_unsure_word_boxed_over_its_neighbour_does_not_read_the_neighbour_twice():
    """The page pass glued "Nguyễn.Gia" (a leader's dot between) and boxed it over "Bình" too;
    read again from that box it gives all three words, and "Bình", read once already, stays once."""
    from PIL import Image, ImageDraw, ImageFont

    from ocr.engine import NOT_VIETNAMESE, reread_unsure

    image = Image.new("L", (1000, 160), 235)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 48)
    draw.text((60, 50), "Nguyễn Gia Bình", font=font, fill=20)
    whole = tuple(int(v) for v in draw.textbbox((60, 50), "Nguyễn Gia Bình", font=font))
    x = 60 + int(draw.textlength("Nguyễn Gia ", font=font))
    last = tuple(int(v) for v in draw.textbbox((x, 50), "Bình", font=font))
    words = [Word("Nguyễn.Gia", whole, 10.0, block=1, par=1, line=1), Word("Bình", last, 95.0, block=1, par=1, line=1)]
    again, choices = reread_unsure(np.asarray(image), 300, "vie", NOT_VIETNAMESE, words, [[], []])
    assert [w.text for w in again] == ["Nguyễn", "Gia", "Bình"] and len(choices) == 3
    assert again[-1] is words[-1]


def test_a_word_read_again_over_the_lines_other_words_is_not_taken():
    """An unsure box over a whole value (".Xã.Tân." across "Thành, Lâm Đồng", leader dots glued)
    read again gave one long word over the words read beside it ("Thành,.Lâm"), and the value came
    out "Xã Tân Thành, Lâm Thành, Lâm Đồng". The words of the second reading standing on their own
    ink are taken; the one over its neighbours' ink is not."""
    from ocr.engine import _not_over_others

    def word(text, x0, x1, conf):
        return Word(text, (x0, 1070, x1, 1108), conf, block=3, par=1, line=11)

    first = [word("quán:", 238, 304, 93), word(".Xã.Tân.", 316, 699, 44), word("Thành,", 441, 536, 0),
             word("Lâm", 547, 610, 0), word("Đồng", 625, 700, 95)]
    read = [(word(".Xã", 316, 360, 89), []), (word("Tân", 374, 426, 89), []), (word("Thành,.Lâm", 432, 699, 89), [])]
    assert [w.text for w, _ in _not_over_others(read, first, 1)] == [".Xã", "Tân"]
    # "Thành," read again alone is its own ink, though the unsure box around the value covers it too
    assert [w.text for w, _ in _not_over_others([(word("Thành,", 437, 537, 97), [])], first, 2)] == ["Thành,"]
    # a speck read beside a word does not make the word's second reading its neighbours' ink
    specked = [word("Tân", 374, 426, 30), word("'", 400, 404, 0)]
    assert [w.text for w, _ in _not_over_others([(word("Tân", 372, 428, 91), [])], specked, 0)] == ["Tân"]


def test_a_letter_the_page_pass_left_out_is_found_by_reading_its_line_again():
    """After a label the value's first italic capital can fall under no word of the page pass
    ("Phạm" comes out "hạm"): its ink beside the line sends the line to be read again alone, and
    the second reading, sure throughout, takes the line's place. A line read whole is left alone."""
    from PIL import Image, ImageDraw, ImageFont

    from ocr.engine import NOT_VIETNAMESE, reread_broken_lines

    image = Image.new("L", (1500, 300), 235)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf", 44)
    boxes = {}
    for y, text in ((40, "Họ tên mẹ: Phạm Ngọc Chi"), (160, "Nơi cư trú: Thôn Bình An")):
        x = 100
        for word in text.split():
            boxes[word] = tuple(int(v) for v in draw.textbbox((x, y), word, font=font))
            draw.text((x, y), word, font=font, fill=20)
            x += int(draw.textlength(word + " ", font=font))
    grey = np.asarray(image)
    # what the page pass gave: the P under no word, the rest of the two lines read well
    lost = boxes["Phạm"]
    p_width = int(draw.textlength("P", font=font))
    words = [Word(t, boxes[t], 93.0, block=1, par=1, line=1) for t in ("Họ", "tên", "mẹ:")]
    words.append(Word("hạm", (lost[0] + p_width, lost[1], lost[2], lost[3]), 93.0, block=1, par=1, line=1))
    words += [Word(t, boxes[t], 93.0, block=1, par=1, line=1) for t in ("Ngọc", "Chi")]
    words += [Word(t, boxes[t], 93.0, block=1, par=1, line=2) for t in ("Nơi", "cư", "trú:", "Thôn", "Bình", "An")]
    again, choices = reread_broken_lines(grey, 300, "vie", NOT_VIETNAMESE, words, [[] for _ in words])
    texts = [w.text for w in again]
    assert "Phạm" in texts and "hạm" not in texts and len(choices) == len(again)
    assert again[texts.index("Phạm")].conf >= 80 and again[texts.index("Phạm")].line == 1
    assert again[-6:] == words[-6:]  # the second line: no lost ink, nothing unsure


def test_a_line_read_again_mends_only_what_was_broken():
    """Read alone, a line can lose a narrow space ("GIA AN" as "GIAAN"): the second reading replaces
    only a stretch with an unsure word or lost ink beside it, and only with sure words."""
    from ocr.engine import _mend

    def line(*words):
        return [(Word(t, (x0, 0, x1, 40), conf), []) for t, x0, x1, conf in words]

    first = line(("LÊ", 0, 80, 95.0), ("GIA", 100, 180, 96.0), ("AN", 200, 260, 97.0), ("Í", 300, 330, 1.0),
                 ("GUYỄN", 330, 480, 65.0))
    again = line(("LÊ", 0, 80, 95.0), ("GIAAN", 100, 260, 90.0), ("NGUYỄN", 300, 480, 84.0), ("~", 600, 640, 90.0))
    assert [w.text for w, _ in _mend(first, again, [])] == ["LÊ", "GIA", "AN", "NGUYỄN"]
    unsure_again = line(("LÊ", 0, 80, 95.0), ("GIA", 100, 180, 96.0), ("AN", 200, 260, 97.0), ("NGUYỄN", 300, 480, 40.0))
    assert _mend(first, unsure_again, []) is None
    lost = line(("mẹ:", 0, 80, 97.0), ("hạm", 140, 220, 93.0))  # the P lay at 100-135, under no word
    found = line(("mẹ:", 0, 80, 97.0), ("Phạm", 100, 220, 96.0))
    assert [w.text for w, _ in _mend(lost, found, [(100, 2, 135, 38)])] == ["mẹ:", "Phạm"]
    assert _mend(lost, found, []) is None


def _typeset(parts, size=44):
    """A grey line of (text, font file) parts, and each word's box."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1600, 140), 235)
    draw = ImageDraw.Draw(image)
    x, boxes = 60, []
    for text, face in parts:
        font = ImageFont.truetype(f"/usr/share/fonts/truetype/dejavu/{face}.ttf", size)
        for word in text.split():
            boxes.append((word, tuple(int(v) for v in draw.textbbox((x, 40), word, font=font))))
            draw.text((x, 40), word, font=font, fill=20)
            x += int(draw.textlength(word + " ", font=font))
    return np.asarray(image), boxes


def test_the_lean_of_italic_print_is_measured_and_upright_print_has_none():
    from ocr.engine import ITALIC_FROM, word_lean

    grey, boxes = _typeset([("Giới tính", "DejaVuSerif"), ("Nguyễn Kim", "DejaVuSerif-Italic")])
    leans = [word_lean(grey, box) for _, box in boxes]
    assert all(abs(lean) < 3 for lean in leans[:2]), leans
    assert all(ITALIC_FROM <= lean <= 16 for lean in leans[2:]), leans


def test_an_italic_stretch_is_read_again_stood_up_and_the_readings_difference_kept():
    """A value in italics the page pass misread ("Nưm" for "Nam", unsure) is read again sheared
    upright: the surer reading stays, and the other reading's words are noted on it for the review.
    Upright labels and an italic value read sure are not read again."""
    from ocr.engine import NOT_VIETNAMESE, reread_italics

    grey, boxes = _typeset([("Giới tính:", "DejaVuSerif"), ("Nam", "DejaVuSerif-Italic"),
                            ("Dân tộc:", "DejaVuSerif"), ("Kinh", "DejaVuSerif-Italic")])
    read = {"Nam": ("Nưm", 55.0), "Kinh": ("Kinh", 97.0)}
    words = [Word(read.get(t, (t, 95.0))[0], box, read.get(t, (t, 95.0))[1], block=1, par=1, line=1)
             for t, box in boxes]
    again, choices = reread_italics(grey, 300, "vie", NOT_VIETNAMESE, words, [[] for _ in words])
    assert [w.text for w in again] == ["Giới", "tính:", "Nam", "Dân", "tộc:", "Kinh"]
    assert again[2].conf >= 80 and again[2].other == "Nưm" and len(choices) == len(again)
    assert again[:2] == words[:2] and again[3:] == words[3:]  # the rest as the page pass read it


def test_lone_digits_and_signs_join_the_italic_words_beside_them():
    """A "13" the page pass read as one "7", the slashes of a date: too little ink to measure a
    lean, they belong to the italic stretch after them; an upright label before does not."""
    from ocr.engine import _italic_stretches

    grey, boxes = _typeset([("năm sinh:", "DejaVuSerif"), ("13 / 03 / 1985", "DejaVuSerif-Italic"),
                            ("Giới tính:", "DejaVuSerif")])
    read = {0: "năm", 1: "sinh:", 2: "7"}
    words = [Word(read.get(k, t), box, 90.0, block=1, par=1, line=1) for k, (t, box) in enumerate(boxes)]
    stretches = _italic_stretches(grey, words)
    assert [members for members, _ in stretches] == [[2, 3, 4, 5, 6]]
    assert 6 <= stretches[0][1] <= 16


def test_a_lone_unsure_letter_that_leans_is_an_italic_stretch_of_its_own():
    """"Nữ" read "W#" at 63 after its upright label: one letter is too little to measure when it is
    read sure, but an unsure one that leans is read again."""
    from ocr.engine import _italic_stretches

    grey, boxes = _typeset([("Giới tính:", "DejaVuSerif"), ("Nữ", "DejaVuSerif-Italic")])
    for conf, stretches in ((63.0, [[2]]), (97.0, [])):
        words = [Word(t, box, 95.0, block=1, par=1, line=1) for t, box in boxes[:2]]
        words.append(Word("W#", boxes[2][1], conf, block=1, par=1, line=1))
        assert [members for members, _ in _italic_stretches(grey, words)] == stretches


def test_a_box_that_cuts_a_letter_in_two_is_widened_to_the_whole_letter():
    """"PHẠM" read "HẠM" with its box from the H: the italic P's foot reaches left of the box, and a
    crop of the box would read the same. The box takes in the letters its sides cut, not a rule."""
    import cv2

    from ocr.engine import _uncut

    grey, boxes = _typeset([("tên:", "DejaVuSerif"), ("PHẠM", "DejaVuSerif-Italic")])
    x0, y0, x1, y1 = boxes[1][1]
    ink = np.nonzero((grey[y0:y1, x0:x1] < 128).any(axis=0))[0]
    cut = (x0 + int(ink[0]) + 12, y0, x1, y1)  # through the P's foot and stem
    left, _, right, _ = _uncut(grey, cut)
    assert left <= x0 + int(ink[0]) and right == x1
    assert _uncut(grey, boxes[1][1]) == boxes[1][1]  # sides in the paper: as it was
    ruled = grey.copy()
    cv2.line(ruled, (0, (y0 + y1) // 2), (1599, (y0 + y1) // 2), 20, 3)  # a rule through the whole line
    assert _uncut(ruled, cut)[0] == cut[0]


def test_a_word_the_page_pass_left_out_is_put_in_from_the_line_read_again():
    """An italic "Nữ" after its label came out as ink under no word: read again, the line gives it
    sure, and it is put in where that ink lies; the words beside it stay as first read."""
    from ocr.engine import _mend

    def line(*words):
        return [(Word(t, (x0, 0, x1, 40), conf), []) for t, x0, x1, conf in words]

    first = line(("tính:", 0, 80, 95.0), ("Dân", 420, 480, 97.0))
    again = line(("tính:", 0, 80, 95.0), ("Nữ", 110, 175, 93.0), ("Đân", 420, 480, 86.0))
    lost = [(112, 2, 146, 38), (146, 8, 176, 38)]
    assert [w.text for w, _ in _mend(first, again, lost)] == ["tính:", "Nữ", "Dân"]
    assert _mend(first, again, []) is None  # no lost ink: nothing to put in
    unsure = line(("tính:", 0, 80, 95.0), ("W#", 110, 175, 60.0), ("Dân", 420, 480, 97.0))
    assert _mend(first, unsure, lost) is None


def test_an_unsure_sign_torn_off_an_italic_word_joins_its_stretch():
    """"Phạm" read "? hạm": the P came out a sign of its own, touching the italic word; it is read
    again with it. A sign read sure is print of its own (a bracket, a dash before the value)."""
    from ocr.engine import _italic_stretches

    grey, boxes = _typeset([("tên:", "DejaVuSerif"), ("Phạm Thị", "DejaVuSerif-Italic")])
    (_, label), (_, pham), (_, thi) = boxes
    p_end = pham[0] + 24
    words = [Word("tên:", label, 95.0, block=1, par=1, line=1), Word("?", (pham[0], pham[1], p_end, pham[3]), 51.0,
                                                                     block=1, par=1, line=1),
             Word("hạm", (p_end, pham[1], pham[2], pham[3]), 90.0, block=1, par=1, line=1),
             Word("Thị", thi, 96.0, block=1, par=1, line=1)]
    assert [members for members, _ in _italic_stretches(grey, words)] == [[1, 2, 3]]
    words[1] = replace(words[1], text="-", conf=97.0)
    assert [members for members, _ in _italic_stretches(grey, words)] == [[2, 3]]


def test_a_letter_sized_sign_read_unsure_sends_its_line_to_be_read_again_stood_up():
    """An italic "Mẹ" after its label came out as "#" at 10: no letter in it, so it counted as a
    speck, was dropped, and the value was lost. A sign of a letter's size read unsure sends its line
    to be read again — stood up when its ink leans — and the second reading takes its place; a
    speck read "." stays a speck."""
    from PIL import Image, ImageDraw, ImageFont

    from ocr.engine import NOT_VIETNAMESE, reread_broken_lines

    image = Image.new("L", (1500, 160), 235)
    draw = ImageDraw.Draw(image)
    label = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 44)
    italic = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf", 48)
    boxes, x = {}, 100
    for word in ("Quan", "hệ:"):
        boxes[word] = tuple(int(v) for v in draw.textbbox((x, 50), word, font=label))
        draw.text((x, 50), word, font=label, fill=20)
        x += int(draw.textlength(word + " ", font=label))
    boxes["Mẹ"] = tuple(int(v) for v in draw.textbbox((x + 20, 48), "Mẹ", font=italic))
    draw.text((x + 20, 48), "Mẹ", font=italic, fill=20)
    grey = np.asarray(image)
    words = [Word(t, boxes[t], 95.0, block=1, par=1, line=1) for t in ("Quan", "hệ:")]
    again, _choices = reread_broken_lines(grey, 300, "vie", NOT_VIETNAMESE,
                                          words + [Word("#", boxes["Mẹ"], 10.0, 1, 1, 1)], [[] for _ in range(3)])
    assert [w.text for w in again] == ["Quan", "hệ:", "Mẹ"] and again[-1].conf >= 80
    # a speck after the label, read "." at 10: no letter's size, no second reading
    speck = grey.copy()
    speck[:, x:] = 235
    speck[boxes["Mẹ"][3] - 6: boxes["Mẹ"][3], x + 20: x + 26] = 20
    dot = Word(".", (x + 20, boxes["Mẹ"][3] - 6, x + 26, boxes["Mẹ"][3]), 10.0, 1, 1, 1)
    assert reread_broken_lines(speck, 300, "vie", NOT_VIETNAMESE, words + [dot], [[] for _ in range(3)])[0] == words + [dot]
