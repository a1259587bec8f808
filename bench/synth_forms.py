"""Synthetic filled forms (CT01, khai sinh, any YAML template) as page images + truth.

Invented people only. Labels are printed in a serif font, values typed in a sans font over dot
leaders (sometimes in capitals, some fields left empty); ID numbers go in 12 boxes. Pages can be
degraded like a counter's scan (rotation, blur, noise, JPEG) with `degrade()`, or with the
functions of bench/synth.py when it is there.

    .venv/bin/python bench/synth_forms.py --out DIR -n 5 [--form ct01|khai_sinh|PATH.yaml] [--degrade]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
from pathlib import Path
from typing import Optional

import numpy as np
from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from ocr.data import build_handwriting as bh  # noqa: E402
from ocr.textnorm import fold  # noqa: E402
from templates.normalize import province_codes  # noqa: E402
from templates.registry import Template, load_template  # noqa: E402

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
LIBERATION = Path("/usr/share/fonts/truetype/liberation2")
FREEFONT = Path("/usr/share/fonts/truetype/freefont")
NOTO = Path("/usr/share/fonts/truetype/noto")  # apt-get install fonts-noto-core (bench only)
GYRE = Path("/usr/share/texmf/fonts/opentype/public/tex-gyre")  # apt-get install fonts-texgyre (bench only)
#: Label, bold, italic and the value fonts (one drawn per page) of each font set: DejaVu, or the
#: Times/Arial-metric Liberation fonts of most real Vietnamese forms (Debian fonts-liberation2), or
#: GNU FreeFont (Debian fonts-freefont-ttf, bench only: other Times/Helvetica-like outlines).
FONT_SETS = {
    "dejavu": (FONT_DIR / "DejaVuSerif.ttf", FONT_DIR / "DejaVuSerif-Bold.ttf", FONT_DIR / "DejaVuSerif-Italic.ttf",
               [FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSansCondensed.ttf"]),
    "liberation": (LIBERATION / "LiberationSerif-Regular.ttf", LIBERATION / "LiberationSerif-Bold.ttf",
                   LIBERATION / "LiberationSerif-Italic.ttf",
                   [LIBERATION / "LiberationSans-Regular.ttf", LIBERATION / "LiberationSerif-Italic.ttf"]),
    "freefont": (FREEFONT / "FreeSerif.ttf", FREEFONT / "FreeSerifBold.ttf", FREEFONT / "FreeSerifItalic.ttf",
                 [FREEFONT / "FreeSans.ttf", FREEFONT / "FreeSerifItalic.ttf"]),
    # TeX Gyre Termes and Heros: Times and Helvetica clones of their own drawing (a tuning set)
    "texgyre": (GYRE / "texgyretermes-regular.otf", GYRE / "texgyretermes-bold.otf", GYRE / "texgyretermes-italic.otf",
                [GYRE / "texgyreheros-regular.otf", GYRE / "texgyretermes-italic.otf"]),
    # never tuned on: the faces of the second blind set (`bench_fields.py --set blind-noto`)
    "noto": (NOTO / "NotoSerif-Regular.ttf", NOTO / "NotoSerif-Bold.ttf", NOTO / "NotoSerif-Italic.ttf",
             [NOTO / "NotoSans-Regular.ttf", NOTO / "NotoSerif-Italic.ttf"]),
}
#: Share of the generated forms filled in by hand (truth key "hand": true).
HAND_FILLED = 0.15
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
            "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = {"Nam": ["Văn", "Đức", "Minh", "Quốc", "Hữu", "Thành", "Công", "Xuân", "Gia"],
          "Nữ": ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Diệu", "Bảo", "Phương"]}
GIVEN = {"Nam": ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khoa", "Long", "Nam", "Phúc", "Quân",
                 "Sơn", "Tài", "Thắng", "Trung", "Vinh", "Tuấn", "Khánh"],
         "Nữ": ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hương", "Lan", "Linh", "Mai", "Ngân",
                "Nhung", "Oanh", "Phương", "Thảo", "Yến", "Trang", "Vy"]}
STREETS = ["Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Quang Trung", "Phan Đình Phùng"]
ETHNIC = ["Kinh", "Kinh", "Kinh", "Tày", "Mường", "Hoa", "Khmer", "Thái"]
RELATION = ["Con", "Vợ", "Chồng", "Cháu", "Mẹ", "Cha", "Em"]
REQUESTS = ["Đăng ký thường trú", "Đăng ký tạm trú", "Tách hộ", "Điều chỉnh thông tin trong Cơ sở dữ liệu về cư trú",
            "Xác nhận thông tin về cư trú", "Gia hạn tạm trú"]
AGENCIES = ["Công an phường {c}", "Công an xã {c}"]


# ---------------------------------------------------------------- invented people


def _font(path: Path, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), px)


def make_id12(rng: random.Random, gender: str, birth: dt.date) -> str:
    """A structurally valid ID: real province code, century/sex digit, birth year digits."""
    code = rng.choice(sorted(province_codes()))
    century = (birth.year - 1900) // 100
    digit = 2 * century + (0 if gender == "Nam" else 1)
    return f"{code}{digit}{birth.year % 100:02d}{rng.randrange(10 ** 6):06d}"


def make_address(rng: random.Random) -> str:
    import vietnam_provinces as vp

    provinces = list(vp.Province.iter_all())
    p = rng.choice(provinces)
    wards = list(vp.Ward.iter_by_province(p.code))
    w = rng.choice(wards)
    street = rng.choice([f"Số {rng.randint(1, 199)} đường {rng.choice(STREETS)}", f"Thôn {rng.randint(1, 12)}",
                         f"Tổ {rng.randint(1, 30)}"])
    return f"{street}, {' '.join(w.name.split())}, {p.name}"  # the list writes "Phường  Thành Nhất"


def make_person(rng: random.Random, gender: Optional[str] = None, born: tuple[int, int] = (1950, 2005)) -> dict:
    gender = gender or rng.choice(["Nam", "Nữ"])
    birth = dt.date(rng.randint(*born), rng.randint(1, 12), rng.randint(1, 28))
    name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"
    local = fold(name).replace(" ", rng.choice(["", ".", "_"]))
    return {"ho_ten": name, "gioi_tinh": gender, "ngay_sinh": birth.strftime("%d/%m/%Y"), "birth": birth,
            "so_dinh_danh": make_id12(rng, gender, birth),
            "so_dien_thoai": rng.choice(["09", "03", "08", "07"]) + f"{rng.randrange(10 ** 8):08d}",
            "email": f"{local}{rng.randint(1, 99)}@{rng.choice(['gmail.com', 'yahoo.com', 'outlook.com'])}",
            "dia_chi": make_address(rng), "dan_toc": rng.choice(ETHNIC), "quoc_tich": "Việt Nam"}


def _date_style(rng: random.Random, value: str) -> str:
    d, m, y = value.split("/")
    return rng.choice([value, value, f"{int(d)}/{int(m)}/{y}", f"{d}-{m}-{y}", f"{d}.{m}.{y}"])


# ---------------------------------------------------------------- page drawing


class Page:
    """An A4 page being drawn: labels serif, values sans, dot leaders, boxes and tables."""

    def __init__(self, dpi: int, rng: random.Random, fonts: str = "dejavu", hand: Optional[bool] = None):
        self.dpi, self.rng = dpi, rng
        self.img = Image.new("L", (int(8.27 * dpi), int(11.69 * dpi)), 255)
        self.draw = ImageDraw.Draw(self.img)
        pt = lambda p: int(p * dpi / 72)  # noqa: E731
        label, bold, italic, values = FONT_SETS[fonts]
        self.label_font = _font(label, pt(11.5))
        self.bold = _font(bold, pt(12))
        self.title_font = _font(bold, pt(14))
        self.small = _font(italic, pt(9))
        self.value_font = _font(rng.choice(values), pt(12))
        self.left, self.right = int(0.8 * dpi), int(7.5 * dpi)
        self.y = int(0.6 * dpi)
        self.line_h = pt(11.5 * 2.1)
        self.typed = rng.random() < 0.8  # typed on a computer, or written above the dots
        # How the edition prints footnote marks: "Kính gửi(1):", "Kính gửi: (1)" or a raised
        # small "¹". Drawn from the rng's state without consuming it, so a seed's values stay.
        side = random.Random(repr(rng.getstate()[1][:8]))
        self.footnotes = side.choice(["glued", "after", "raised"])
        # A share of the forms are filled in by hand: their values in a handwriting face (faces the
        # handwriting model never trained on for the blind font set), letters jittered as a hand
        # does. Drawn from the side generator too, so a seed's values stay what they were.
        self.hand_rng = random.Random(side.random())
        hands = bh.fonts(bh.HAND_GLOBS, held_out=(fonts != "dejavu"))
        by_hand = side.random() < HAND_FILLED if hand is None else hand
        self.hand_font = self.hand_rng.choice(hands) if hands and by_hand else None

    def label(self, x: int, label: str) -> int:
        """Draw `label` and its colon with the page's footnote style; the x where the value starts."""
        m = re.search(r"\s*\((\d{1,2})\)$", label)
        if not m:
            self.draw.text((x, self.y), label + ":", font=self.label_font, fill=0)
            return x + self.width(label + ": ", self.label_font)
        words, mark = label[: m.start()], f"({m.group(1)})"
        if self.footnotes == "glued":
            text = words + mark + ":"
        elif self.footnotes == "after":
            text = words + ": " + mark
        else:
            self.draw.text((x, self.y), words + ":", font=self.label_font, fill=0)
            end = x + self.width(words + ":", self.label_font)
            self.draw.text((end + 2, self.y - self.dpi // 40), mark, font=self.small, fill=0)
            return end + self.width(mark + " ", self.small)
        self.draw.text((x, self.y), text, font=self.label_font, fill=0)
        return x + self.width(text + " ", self.label_font)

    def width(self, text, font) -> int:
        return int(self.draw.textlength(text, font=font))

    def center(self, text, font=None, gap=1.0):
        font = font or self.bold
        w = self.width(text, font)
        self.draw.text(((self.img.width - w) // 2, self.y), text, font=font, fill=0)
        self.y += int(self.line_h * gap)

    def text(self, text, font=None, x=None):
        self.draw.text((x or self.left, self.y), text, font=font or self.label_font, fill=0)
        self.y += self.line_h

    def leaders(self, x0, x1):
        dot = self.width(".", self.label_font)
        n = max(0, (x1 - x0) // dot - 1)
        self.draw.text((x0, self.y), "." * n, font=self.label_font, fill=90)

    def value(self, x0, x1, value: Optional[str], below: bool = False):
        """A value on its dotted line: typed over the start of the leaders, or written above them."""
        if not value:
            self.leaders(x0, x1)
            return
        x = x0 + self.dpi // 20
        if self.hand_font:
            self.handwrite(x, x1, value)
        elif self.typed:
            w = self.width(value, self.value_font)
            self.draw.text((x, self.y), value, font=self.value_font, fill=0)
            self.leaders(x + w + self.dpi // 30, x1)
        else:
            self.leaders(x0, x1)
            # handwriting sits just above the dots, its baseline a little over theirs
            self.draw.text((x, self.y - self.dpi // 25), value, font=self.value_font, fill=0)

    def handwrite(self, x0: int, x1: int, value: str):
        """A value written by hand on the dots: its lowest ink a little above the dotted line."""
        self.leaders(x0, x1)
        baseline = self.y + self.label_font.getmetrics()[0]
        self.hand_text(x0, baseline - self.dpi // 60, value)

    def hand_text(self, x: int, bottom: int, value: str, px: Optional[int] = None):
        """Handwriting whose lowest ink is at `bottom` (without marks when the face has none)."""
        if not bh.has_vietnamese(self.hand_font):
            value = fold(value).replace("đ", "d").replace("Đ", "D")
        px = px or int(self.dpi * self.hand_rng.uniform(0.15, 0.2))
        ink = Image.eval(bh.render_hand(value, self.hand_font, px, self.hand_rng), lambda v: 255 - v)
        box = ink.getbbox()
        if box:
            ink = ink.crop(box)
            self.img.paste(0, (x, bottom - ink.height), ink)

    def fields(self, items: list[tuple[str, Optional[str], int]]):
        """One line of (label, value, share of the line's width) items."""
        x = self.left
        total = self.right - self.left
        for k, (label, value, share) in enumerate(items):
            end = self.right if k == len(items) - 1 else x + total * share // 100
            self.value(self.label(x, label), end, value)
            x = end + self.dpi // 10
        self.y += self.line_h

    def date_slots(self, label: str, date: Optional[str], end: int) -> int:
        """A date written into printed slots "……/……/………" (day, month, year); the x after them."""
        x = self.label(self.left, label)
        parts = date.split("/") if date else [None, None, None]
        for k, (part, width) in enumerate(zip(parts, (0.14, 0.14, 0.22))):
            x1 = min(end, x + int(width * (end - self.left)))
            self.value(x, x1, part)
            if k < 2:
                self.draw.text((x1, self.y), "/", font=self.label_font, fill=0)
                x1 += self.width("/ ", self.label_font)
            x = x1
        return x

    def long_field(self, label: str, value: Optional[str]):
        """A label whose value may wrap onto a second dotted line."""
        vx = self.label(self.left, label)
        words = (value or "").split()
        line = []
        limit = self.right - vx - self.dpi // 10
        while words and self.width(" ".join(line + words[:1]), self.value_font) < limit:
            line.append(words.pop(0))
        self.value(vx, self.right, " ".join(line))
        self.y += self.line_h
        if words:
            self.value(self.left - self.dpi // 20, self.right, " ".join(words))
            self.y += self.line_h

    def boxes(self, label: str, digits: Optional[str]):
        self.draw.text((self.left, self.y), label + ":", font=self.label_font, fill=0)
        x = self.left + self.width(label + ": ", self.label_font) + self.dpi // 10
        size = int(0.26 * self.dpi)
        top = self.y - size // 6
        for k in range(12):
            self.draw.rectangle((x + k * size, top, x + (k + 1) * size, top + size), outline=0, width=max(1, self.dpi // 200))
            if digits and self.hand_font:
                self.hand_text(x + k * size + size // 4, top + size - size // 6, digits[k], px=int(size * 0.8))
            elif digits:
                d = digits[k]
                w = self.width(d, self.value_font)
                self.draw.text((x + k * size + (size - w) // 2, top + size // 8), d, font=self.value_font, fill=0)
        self.y += self.line_h

    def table(self, headers: list[str], widths: list[int], rows: list[list[str]], n_rows: int = 4):
        x0 = self.left
        xs = [x0]
        for w in widths:
            xs.append(xs[-1] + (self.right - self.left) * w // 100)
        head_h = int(self.line_h * 2.4)
        fnt = self.bold if self.rng.random() < 0.5 else self.label_font
        top = self.y
        for k, h in enumerate(headers):
            words, lines, cur = h.split(), [], ""
            for w in words:
                cand = (cur + " " + w).strip()
                if self.width(cand, fnt) > xs[k + 1] - xs[k] - self.dpi // 15 and cur:
                    lines.append(cur)
                    cur = w
                else:
                    cur = cand
            lines.append(cur)
            for j, ln in enumerate(lines[:3]):
                w = self.width(ln, fnt)
                self.draw.text(((xs[k] + xs[k + 1] - w) // 2, top + self.dpi // 25 + j * int(self.line_h * 0.75)),
                               ln, font=fnt, fill=0)
        ys = [top, top + head_h]
        for _ in range(n_rows):
            ys.append(ys[-1] + int(self.line_h * 1.1))
        for r in range(n_rows):
            cells = [str(r + 1)] + (rows[r] if r < len(rows) else [""] * (len(headers) - 1))
            for k, c in enumerate(cells):
                if c and k and self.hand_font:
                    self.hand_text(xs[k] + self.dpi // 20, ys[r + 2] - self.dpi // 25, c, px=int(self.dpi * 0.14))
                elif c:
                    self.draw.text((xs[k] + self.dpi // 20, ys[r + 1] + self.dpi // 25), c,
                                   font=self.value_font if k else self.label_font, fill=0)
        for y in ys:
            self.draw.line((xs[0], y, xs[-1], y), fill=0, width=2)
        for x in xs:
            self.draw.line((x, ys[0], x, ys[-1]), fill=0, width=2)
        self.y = ys[-1] + self.line_h // 2

    def motto(self):
        self.center("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", self.bold, 0.8)
        self.center("Độc lập - Tự do - Hạnh phúc", self.bold, 1.6)


def _edition(rng: random.Random, editions: list[str]) -> str:
    """The printed edition of a form, drawn beside the page's generator (its values stay the seed's)."""
    return random.Random(repr(rng.getstate()[1][8:16])).choice(editions)


_UNITS = "không một hai ba bốn năm sáu bảy tám chín".split()


def number_in_words(n: int) -> str:
    """Vietnamese number words up to 9999, as people write dates out ("hai mươi mốt")."""
    if n < 10:
        return _UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        head = "mười" if tens == 1 else _UNITS[tens] + " mươi"
        tail = {0: "", 1: " mốt" if tens > 1 else " một", 4: " tư" if tens > 1 else " bốn",
                5: " lăm"}.get(unit, " " + _UNITS[unit])
        return head + tail
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        tail = "" if not rest else (" linh " + _UNITS[rest] if rest < 10 else " " + number_in_words(rest))
        return _UNITS[hundreds] + " trăm" + tail
    thousands, rest = divmod(n, 1000)
    if not rest:
        return _UNITS[thousands] + " nghìn"
    if rest >= 100:
        return _UNITS[thousands] + " nghìn " + number_in_words(rest)
    return _UNITS[thousands] + " nghìn không trăm " + ("linh " if rest < 10 else "") + number_in_words(rest)


def date_in_words(date: str) -> str:
    d, m, y = (int(x) for x in date.split("/"))
    return f"Ngày {number_in_words(d)} tháng {number_in_words(m)} năm {number_in_words(y)}"


def _maybe(rng: random.Random, value, p_empty=0.1):
    return None if rng.random() < p_empty else value


def _caps(rng: random.Random, name: str) -> str:
    return name.upper() if rng.random() < 0.35 else name


def _agency(rng, address: str) -> str:
    commune = address.split(", ")[1].split(" ", 1)[1]
    return rng.choice(AGENCIES).format(c=commune)


# ---------------------------------------------------------------- forms


def render_ct01(rng: random.Random, dpi: int = 300, fonts: str = "dejavu",
                hand: Optional[bool] = None, edition: Optional[str] = None) -> tuple[Image.Image, dict]:
    me = make_person(rng)
    head = make_person(rng)
    pg = Page(dpi, rng, fonts, hand)
    pg.text("Mẫu CT01 ban hành kèm theo Thông tư số 66/2023/TT-BCA", pg.small, x=int(4.3 * dpi))
    pg.y += pg.line_h // 3
    pg.motto()
    pg.center("TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", pg.title_font, 1.6)
    t = {"kinh_gui": _agency(rng, me["dia_chi"]), "ho_ten": _caps(rng, me["ho_ten"]),
         "ngay_sinh": me["ngay_sinh"], "gioi_tinh": me["gioi_tinh"], "so_dinh_danh": me["so_dinh_danh"],
         "so_dien_thoai": _maybe(rng, me["so_dien_thoai"]), "email": _maybe(rng, me["email"], 0.3),
         "ho_ten_chu_ho": _caps(rng, head["ho_ten"]), "quan_he_chu_ho": rng.choice(RELATION),
         "so_dinh_danh_chu_ho": _maybe(rng, head["so_dinh_danh"], 0.2),
         "noi_dung_de_nghi": rng.choice(REQUESTS) + rng.choice(["", f" tại {me['dia_chi']}"])}
    phone_shown = t["so_dien_thoai"]
    if phone_shown and rng.random() < 0.3:
        phone_shown = f"{phone_shown[:4]} {phone_shown[4:7]} {phone_shown[7:]}"
    # TT 66/2023 as published; the same with items 7 and 8 on one line and the birth date in
    # printed slots; the longer TT 56/2021 edition (residence, job, "Quan hệ với chủ hộ", /CMND)
    edition = edition or _edition(rng, ["tt66", "tt66-row", "tt56"])
    pg.fields([("Kính gửi(1)", t["kinh_gui"], 100)])
    pg.fields([("1. Họ, chữ đệm và tên", t["ho_ten"], 100)])
    date = _date_style(rng, t["ngay_sinh"])
    if edition == "tt66":
        pg.fields([("2. Ngày, tháng, năm sinh", date, 62), ("3. Giới tính", t["gioi_tinh"], 38)])
    else:
        end = pg.date_slots("2. Ngày, tháng, năm sinh", t["ngay_sinh"], pg.left + (pg.right - pg.left) * 62 // 100)
        pg.value(pg.label(end + pg.dpi // 10, "3. Giới tính"), pg.right, t["gioi_tinh"])
        pg.y += pg.line_h
    cmnd = "/CMND" if edition == "tt56" else ""
    pg.boxes("4. Số định danh cá nhân" + cmnd, t["so_dinh_danh"])
    pg.fields([("5. Số điện thoại liên hệ", phone_shown, 52), ("6. Email", t["email"], 48)])
    n = 7
    if edition == "tt56":
        for label in ("Nơi thường trú", "Nơi tạm trú", "Nơi ở hiện tại"):
            pg.long_field(f"{n}. {label}", me["dia_chi"] if label != "Nơi tạm trú" else None)
            n += 1
        pg.fields([(f"{n}. Nghề nghiệp, nơi làm việc", "Tự do", 100)])
        n += 1
    relation = "Quan hệ với chủ hộ" if edition == "tt56" else "Mối quan hệ với chủ hộ"
    if edition == "tt66-row":
        pg.fields([(f"{n}. Họ, chữ đệm và tên chủ hộ", t["ho_ten_chu_ho"], 60),
                   (f"{n + 1}. {relation}", t["quan_he_chu_ho"], 40)])
    else:
        pg.fields([(f"{n}. Họ, chữ đệm và tên chủ hộ", t["ho_ten_chu_ho"], 100)])
        pg.fields([(f"{n + 1}. {relation}", t["quan_he_chu_ho"], 100)])
    pg.boxes(f"{n + 2}. Số định danh cá nhân{cmnd} của chủ hộ", t["so_dinh_danh_chu_ho"])
    pg.long_field(f"{n + 3}. Nội dung đề nghị(2)", t["noi_dung_de_nghi"])
    pg.text(f"{n + 4}. Những thành viên trong hộ gia đình cùng thay đổi:")
    members = []
    for _ in range(rng.randint(0, 3)):
        p = make_person(rng, born=(1960, 2020))
        members.append({"ho_ten": p["ho_ten"], "ngay_sinh": p["ngay_sinh"], "gioi_tinh": p["gioi_tinh"],
                        "so_dinh_danh": p["so_dinh_danh"], "quan_he_chu_ho": rng.choice(RELATION)})
    pg.table(["TT", "Họ, chữ đệm và tên", "Ngày, tháng, năm sinh", "Giới tính", "Số định danh cá nhân",
              "Mối quan hệ với chủ hộ"], [6, 27, 16, 10, 24, 17],
             [[m["ho_ten"], m["ngay_sinh"], m["gioi_tinh"], m["so_dinh_danh"], m["quan_he_chu_ho"]] for m in members])
    pg.text("......., ngày ...... tháng ...... năm ......", x=int(4.6 * dpi))
    pg.text("Ý KIẾN CỦA CHỦ HỘ(3)                 NGƯỜI KÊ KHAI(6)", pg.bold, x=int(1.3 * dpi))
    truth = {"form": "ct01", "fields": t, "thanh_vien": members, "hand": bool(pg.hand_font), "edition": edition}
    return pg.img, truth


def render_khai_sinh(rng: random.Random, dpi: int = 300, fonts: str = "dejavu",
                     hand: Optional[bool] = None, edition: Optional[str] = None) -> tuple[Image.Image, dict]:
    mother = make_person(rng, "Nữ", (1975, 2004))
    father = make_person(rng, "Nam", (1970, 2002))
    child = make_person(rng, born=(2023, 2024))
    nyc = rng.choice([mother, father])
    pg = Page(dpi, rng, fonts, hand)
    pg.motto()
    pg.center("TỜ KHAI ĐĂNG KÝ KHAI SINH", pg.title_font, 1.6)
    surname = father["ho_ten"].split()[0]
    child_name = f"{surname} {' '.join(child['ho_ten'].split()[1:])}"
    year = lambda p: str(p["birth"].year)  # noqa: E731
    t = {"kinh_gui": "Ủy ban nhân dân " + nyc["dia_chi"].split(", ")[1],
         "nyc_ho_ten": _caps(rng, nyc["ho_ten"]), "nyc_noi_cu_tru": nyc["dia_chi"],
         "nyc_so_giay_to": f"CCCD số {nyc['so_dinh_danh']}",
         "nyc_quan_he": "Mẹ" if nyc is mother else "Cha",
         "ho_ten": _caps(rng, child_name), "ngay_sinh": child["ngay_sinh"], "gioi_tinh": child["gioi_tinh"],
         "dan_toc": child["dan_toc"], "quoc_tich": "Việt Nam",
         "noi_sinh": rng.choice(["Bệnh viện Đa khoa ", "Trạm Y tế "]) + mother["dia_chi"].split(", ", 1)[1],
         "que_quan": _maybe(rng, father["dia_chi"].split(", ", 1)[1]),
         "me_ho_ten": _caps(rng, mother["ho_ten"]), "me_nam_sinh": year(mother), "me_dan_toc": mother["dan_toc"],
         "me_quoc_tich": "Việt Nam", "me_noi_cu_tru": mother["dia_chi"],
         "cha_ho_ten": _caps(rng, father["ho_ten"]), "cha_nam_sinh": _maybe(rng, year(father)),
         "cha_dan_toc": father["dan_toc"], "cha_quoc_tich": "Việt Nam", "cha_noi_cu_tru": father["dia_chi"]}
    pg.fields([("Kính gửi(1)", t["kinh_gui"], 100)])
    pg.fields([("Họ, chữ đệm, tên người yêu cầu", t["nyc_ho_ten"], 100)])
    pg.long_field("Nơi cư trú(2)", t["nyc_noi_cu_tru"])
    pg.fields([("Giấy tờ tùy thân(3)", t["nyc_so_giay_to"], 100)])
    pg.fields([("Quan hệ với người được khai sinh", t["nyc_quan_he"], 100)])
    pg.text("Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:", pg.bold)
    pg.fields([("Họ, chữ đệm, tên", t["ho_ten"], 100)])
    # as published (TT 04/2020), or filled in as the instructions ask: the date in words too, and
    # the copies wanted ticked at the foot (later printings)
    edition = edition or _edition(rng, ["tt04", "tt04-words"])
    words = date_in_words(t["ngay_sinh"]) if edition == "tt04-words" else None
    pg.fields([("Ngày, tháng, năm sinh", _date_style(rng, t["ngay_sinh"]), 50), ("ghi bằng chữ", None, 50)])
    if words:
        pg.value(pg.left, pg.right, words)
        pg.y += pg.line_h
    pg.fields([("Giới tính", t["gioi_tinh"], 30), ("Dân tộc", t["dan_toc"], 30), ("Quốc tịch", t["quoc_tich"], 40)])
    pg.long_field("Nơi sinh(4)", t["noi_sinh"])
    pg.long_field("Quê quán", t["que_quan"])
    for who, label in (("me", "Họ, chữ đệm, tên người mẹ"), ("cha", "Họ, chữ đệm, tên người cha")):
        pg.fields([(label, t[f"{who}_ho_ten"], 100)])
        pg.fields([("Năm sinh(5)", t[f"{who}_nam_sinh"], 34), ("Dân tộc", t[f"{who}_dan_toc"], 30),
                   ("Quốc tịch", t[f"{who}_quoc_tich"], 36)])
        pg.long_field("Nơi cư trú(2)", t[f"{who}_noi_cu_tru"])
    pg.y += pg.line_h // 2
    pg.text("Tôi cam đoan nội dung đề nghị đăng ký khai sinh trên đây là đúng sự thật và chịu trách", pg.label_font)
    pg.text("nhiệm trước pháp luật về cam đoan của mình.")
    pg.text("Làm tại: ............, ngày ...... tháng ...... năm ......", x=int(3.6 * dpi))
    pg.text("Người yêu cầu", pg.bold, x=int(5.2 * dpi))
    if edition == "tt04-words":
        pg.y += pg.line_h * 2
        pg.text("Đề nghị cấp bản sao(6): Có ☐, Không ☐     Số lượng: ...... bản")
    return pg.img, {"form": "khai_sinh", "fields": t, "hand": bool(pg.hand_font), "edition": edition}


_FAKE_TEXT = {"name": lambda rng, p: _caps(rng, p["ho_ten"]), "date": lambda rng, p: p["ngay_sinh"],
              "year": lambda rng, p: str(p["birth"].year), "gender": lambda rng, p: p["gioi_tinh"],
              "id12": lambda rng, p: p["so_dinh_danh"], "phone": lambda rng, p: p["so_dien_thoai"],
              "email": lambda rng, p: p["email"]}


def render_template(template: Template, rng: random.Random, dpi: int = 300,
                    fonts: str = "dejavu", hand: Optional[bool] = None) -> tuple[Image.Image, dict]:
    """Any template printed plainly: title, then each section heading and one field per line."""
    person = make_person(rng)
    pg = Page(dpi, rng, fonts, hand)
    pg.motto()
    pg.center(template.match[0] if template.match else template.name.upper(), pg.title_font, 1.6)
    t, sections = {}, set()
    for f in template.fields:
        if f.section and f.section not in sections and f.section not in {x for g in template.fields for x in g.labels}:
            sections.add(f.section)
            pg.text(f.section + ":", pg.bold)
        if f.type in _FAKE_TEXT:
            value = _FAKE_TEXT[f.type](rng, person)
        elif f.check == "address":
            value = person["dia_chi"]
        else:
            value = rng.choice(["Bản sao trích lục khai sinh", "Con", "Kinh", "02 bản", "Việt Nam"])
        t[f.id] = _maybe(rng, value, 0.08)
        if f.type == "id12":
            pg.boxes(f.label, t[f.id])
        elif f.may_continue:
            pg.long_field(f.label, t[f.id])
        else:
            pg.fields([(f.label, t[f.id], 100)])
    return pg.img, {"form": template.id, "fields": t, "hand": bool(pg.hand_font)}


# ---------------------------------------------------------------- degradation


def degrade(img: Image.Image, rng: random.Random, level: float = 1.0) -> Image.Image:
    """A counter's scan: the generic degradations of bench/synth.py."""
    from bench import synth

    return synth.degrade(img, rng, level)


RENDERERS = {"ct01": render_ct01, "khai_sinh": render_khai_sinh}


def render(form: str, rng: random.Random, dpi: int = 300, fonts: str = "dejavu", hand: Optional[bool] = None,
           edition: Optional[str] = None):
    """A filled form and its truth; `hand` forces (True) or forbids (False) filling it in by hand,
    `edition` picks the printed edition (else drawn)."""
    if form in RENDERERS:
        return RENDERERS[form](rng, dpi, fonts, hand, edition)
    return render_template(load_template(form), rng, dpi, fonts, hand)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("-n", type=int, default=3)
    ap.add_argument("--form", default="ct01", help="ct01 | khai_sinh | path of a template YAML")
    ap.add_argument("--dpi", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--degrade", action="store_true")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    for k in range(args.n):
        img, truth = render(args.form, rng, args.dpi)
        if args.degrade:
            img = degrade(img, rng)
        stem = f"{Path(args.form).stem}_{k:03d}"
        img.save(args.out / f"{stem}.png", dpi=(args.dpi, args.dpi))
        (args.out / f"{stem}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1, default=str),
                                                     encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
