"""Synthetic CCCD (citizen identity card) copies for tests and benchmarks.

Invented people only: names, dates and ID numbers are drawn at random; the card is drawn with
DejaVu fonts and a QR made by the pure-Python `qrcode` package. The front and back are placed on
an A4 page the way a counter photocopies a card (grey, low contrast, slight rotation, noise,
JPEG), at 200 or 300 dpi.

    .venv/bin/python bench/synth_cards.py --out DIR -n 10 --dpi 200
"""
from __future__ import annotations

import argparse
import io
import json
import random
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
CARD_MM = (85.6, 53.98)
QR_MM = 16.0  # the QR's side on the card
BASE_DPI = 600  # cards are drawn at this resolution, then scaled to the page's

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
            "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE_M = ["Văn", "Đức", "Minh", "Quốc", "Hữu", "Thành", "Công", "Xuân"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Diệu", "Bảo"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khoa", "Long", "Nam", "Phúc", "Quân",
           "Sơn", "Tài", "Thắng", "Trung", "Vinh"]
GIVEN_F = ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hương", "Lan", "Linh", "Mai", "Ngân",
           "Nhung", "Oanh", "Phương", "Thảo", "Yến"]
# (province code of the ID number, province name) — codes as in Circular 07/2016/TT-BCA
PROVINCES = [("001", "Hà Nội"), ("048", "Đà Nẵng"), ("049", "Quảng Nam"), ("051", "Quảng Ngãi"),
             ("052", "Bình Định"), ("079", "Hồ Chí Minh"), ("038", "Thanh Hóa"), ("046", "Thừa Thiên Huế")]
HAMLETS = ["Thôn An Hòa", "Thôn Phú Lộc", "Tổ 5", "Khu phố 3", "Thôn Tân Mỹ", "Xóm Đông", "Thôn Hòa Bình"]


def _commune(rng: random.Random, id_code: str) -> str:
    """A real commune and its district in the province (pre-2025 list, as on the cards issued
    then), so that addresses pass the address check and the QR payload has a card's length."""
    return rng.choice(_communes_with_districts()[id_code[1:]])


@lru_cache(maxsize=1)
def _communes_with_districts() -> dict[str, list[str]]:
    from templates.normalize import data_rows

    out: dict[str, list[str]] = {}
    for r in data_rows("communes_2024.csv"):
        out.setdefault(r["province"], []).append(f"{r['commune']}, {r['district']}")
    return out


@dataclass
class Person:
    """One invented card holder; dates as DD/MM/YYYY."""

    so_dinh_danh: str
    so_cmnd: Optional[str]
    ho_ten: str
    ngay_sinh: str
    gioi_tinh: str
    que_quan: str
    noi_thuong_tru: str
    ngay_cap: str
    co_gia_tri_den: str

    def qr_payload(self, extra_fields: int = 0) -> str:
        """The card's QR text: ID12|CMND9|name|DDMMYYYY|gender|residence|DDMMYYYY[|...]."""
        parts = [self.so_dinh_danh, self.so_cmnd or "", self.ho_ten, self.ngay_sinh.replace("/", ""),
                 self.gioi_tinh, self.noi_thuong_tru, self.ngay_cap.replace("/", "")]
        parts += [""] * extra_fields
        return "|".join(parts)


def make_person(rng: random.Random) -> Person:
    """A random, internally consistent person (ID digits agree with gender and birth year)."""
    female = rng.random() < 0.5
    year = rng.randint(1950, 2005)
    day, month = rng.randint(1, 28), rng.randint(1, 12)
    code, province = rng.choice(PROVINCES)
    century_gender = (0 if year < 2000 else 2) + (1 if female else 0)
    ident = f"{code}{century_gender}{year % 100:02d}{rng.randint(0, 999999):06d}"
    name = " ".join([rng.choice(SURNAMES), rng.choice(MIDDLE_F if female else MIDDLE_M),
                     rng.choice(GIVEN_F if female else GIVEN_M)])
    issue_year = rng.randint(max(2016, year + 14), 2024)
    issue = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{issue_year}"
    age_25 = year + 25
    expiry_year = age_25 if age_25 > issue_year + 2 else year + 40 if year + 40 > issue_year + 2 else year + 60
    home = f"{rng.choice(HAMLETS)}, {_commune(rng, code)}, {province}"
    origin = f"{_commune(rng, code)}, {province}"
    cmnd = f"2{rng.randint(0, 99999999):08d}" if rng.random() < 0.6 else None
    return Person(so_dinh_danh=ident, so_cmnd=cmnd, ho_ten=name, ngay_sinh=f"{day:02d}/{month:02d}/{year}",
                  gioi_tinh="Nữ" if female else "Nam", que_quan=origin, noi_thuong_tru=home,
                  ngay_cap=issue, co_gia_tri_den=f"{day:02d}/{month:02d}/{expiry_year}")


def _font(size_px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size_px)


def _mm(mm: float, dpi: float = BASE_DPI) -> int:
    return int(round(mm / 25.4 * dpi))


def qr_image(text: str, size_px: int) -> Image.Image:
    """A QR of `text` (UTF-8 bytes, error correction M) scaled to `size_px` (nearest)."""
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=1, box_size=10)
    qr.add_data(text.encode("utf-8"))
    qr.make(fit=True)
    img = qr.make_image(fill_color="black", back_color="white").get_image().convert("L")
    return img.resize((size_px, size_px), Image.NEAREST)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines, cur = [], ""
    for word in text.split():
        trial = f"{cur} {word}".strip()
        if cur and draw.textlength(trial, font=font) > width:
            lines.append(cur)
            cur = word
        else:
            cur = trial
    return lines + ([cur] if cur else [])


def render_front(person: Person, payload: Optional[str] = None) -> Image.Image:
    """The card's front at BASE_DPI, grey: header, photo box, QR, labelled fields."""
    w, h = _mm(CARD_MM[0]), _mm(CARD_MM[1])
    card = Image.new("L", (w, h), 235)
    d = ImageDraw.Draw(card)
    d.rounded_rectangle([0, 0, w - 1, h - 1], radius=_mm(3), outline=60, width=4)
    small, label, value, head = _font(_mm(1.5)), _font(_mm(1.7)), _font(_mm(2.3), True), _font(_mm(1.9), True)
    d.ellipse([_mm(3), _mm(3), _mm(13), _mm(13)], outline=90, width=5)  # emblem stand-in
    cx = _mm(40)
    for y, text, font in ((3, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", head),
                          (6, "Độc lập - Tự do - Hạnh phúc", label),
                          (8.6, "SOCIALIST REPUBLIC OF VIET NAM", small),
                          (10.6, "Independence - Freedom - Happiness", small),
                          (13, "CĂN CƯỚC CÔNG DÂN", _font(_mm(2.9), True)),
                          (16.6, "Citizen Identity Card", label)):
        d.text((cx, _mm(y)), text, font=font, fill=20, anchor="ma")
    q = _mm(QR_MM)
    card.paste(qr_image(payload if payload is not None else person.qr_payload(), q), (w - q - _mm(2.5), _mm(3)))
    d.rectangle([_mm(3), _mm(20), _mm(22), _mm(45)], outline=120, width=3)  # photo box
    x = _mm(24)
    y = _mm(20)

    def row(lbl: str, val: str, same_line: bool = True, dy: float = 3.4) -> None:
        nonlocal y
        d.text((x, y), lbl, font=label, fill=25)
        if same_line:
            d.text((x + d.textlength(lbl, font=label) + _mm(1.2), y - _mm(0.4)), val, font=value, fill=10)
            y += _mm(dy)
        else:
            y += _mm(2.6)
            for line in _wrap(d, val, value, w - x - _mm(3)):
                d.text((x, y), line, font=value, fill=10)
                y += _mm(3.0)
            y += _mm(0.4)

    row("Số / No.:", person.so_dinh_danh, dy=3.6)
    row("Họ và tên / Full name:", person.ho_ten.upper(), same_line=False)
    row("Ngày sinh / Date of birth:", person.ngay_sinh, dy=3.0)
    row("Giới tính / Sex:", person.gioi_tinh, dy=3.0)
    row("Quốc tịch / Nationality:", "Việt Nam", dy=3.0)
    row("Nơi thường trú / Place of residence:", person.noi_thuong_tru, same_line=False)
    d.text((_mm(3), _mm(47)), "Có giá trị đến:", font=small, fill=25)
    d.text((_mm(3), _mm(49.3)), person.co_gia_tri_den, font=_font(_mm(1.8)), fill=25)
    return card


def render_back(person: Person) -> Image.Image:
    """The card's back at BASE_DPI: identification marks, issue date, signer, MRZ."""
    w, h = _mm(CARD_MM[0]), _mm(CARD_MM[1])
    card = Image.new("L", (w, h), 235)
    d = ImageDraw.Draw(card)
    d.rounded_rectangle([0, 0, w - 1, h - 1], radius=_mm(3), outline=60, width=4)
    label, value = _font(_mm(1.7)), _font(_mm(2.0), True)
    d.rectangle([_mm(4), _mm(4), _mm(14), _mm(12)], outline=80, width=4)  # chip
    d.text((_mm(18), _mm(4)), "Đặc điểm nhân dạng / Personal identification:", font=label, fill=25)
    d.text((_mm(18), _mm(7)), "Nốt ruồi C:1cm trên trước mép trái", font=value, fill=10)
    d.text((_mm(18), _mm(12)), "Ngày, tháng, năm / Date, month, year:", font=label, fill=25)
    d.text((_mm(18), _mm(15)), person.ngay_cap, font=value, fill=10)
    d.text((_mm(18), _mm(19)), "CỤC TRƯỞNG CỤC CẢNH SÁT", font=value, fill=15)
    d.text((_mm(18), _mm(22)), "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI", font=value, fill=15)
    for i, x in enumerate((_mm(60), _mm(72))):  # fingerprint boxes
        d.rectangle([x, _mm(4), x + _mm(10), _mm(16)], outline=100, width=3)
    mono = ImageFont.truetype(str(FONT_DIR / "DejaVuSansMono.ttf"), _mm(2.6))
    mrz = [f"IDVNM{person.so_dinh_danh[3:]}{person.so_dinh_danh}<<5".ljust(30, "<")[:30],
           "".join(reversed(person.ngay_sinh.split("/")))[2:] + "0M3001011VNM<<<<<<<<<<<6",
           ("<<".join(p.upper() for p in _ascii(person.ho_ten).split(" ", 1))).replace(" ", "<").ljust(30, "<")]
    for i, line in enumerate(mrz):
        d.text((_mm(4), _mm(38 + 4.5 * i)), line[:30], font=mono, fill=10)
    return card


def _ascii(text: str) -> str:
    from ocr.textnorm import fold

    return fold(text)


def photocopy_page(cards: list[Image.Image], dpi: float, rng: random.Random, angle: float = 0.0,
                   contrast: float = 1.0, noise: float = 6.0, blur: float = 0.6,
                   jpeg_quality: int = 70) -> np.ndarray:
    """An A4 grey page with the cards stacked near the top, degraded like a photocopy.

    `contrast` < 1 squeezes the grey range towards mid grey (a pale copy); `angle` (degrees)
    rotates the cards on the glass.
    """
    pw, ph = _mm(210, dpi), _mm(297, dpi)
    page = Image.new("L", (pw, ph), 245)
    y = _mm(25, dpi) + rng.randint(0, _mm(10, dpi))
    for card in cards:
        scaled = card.resize((int(card.width * dpi / BASE_DPI), int(card.height * dpi / BASE_DPI)), Image.LANCZOS)
        x = (pw - scaled.width) // 2 + rng.randint(-_mm(15, dpi), _mm(15, dpi))
        page.paste(scaled, (x, y))
        y += scaled.height + _mm(12, dpi)
    arr = np.asarray(page, dtype=np.float32)
    if angle:
        m = cv2.getRotationMatrix2D((pw / 2, ph / 3), angle, 1.0)
        arr = cv2.warpAffine(arr, m, (pw, ph), flags=cv2.INTER_LINEAR, borderValue=245)
    if blur:
        arr = cv2.GaussianBlur(arr, (0, 0), blur * dpi / 200)
    mid = 150.0
    arr = mid + (arr - mid) * contrast
    arr += np.random.default_rng(rng.randint(0, 2**31)).normal(0, noise, arr.shape).astype(np.float32)
    arr = np.clip(arr, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", quality=jpeg_quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("L"))


def card_copy(seed: int, dpi: float = 200, angle: Optional[float] = None, contrast: Optional[float] = None,
              back: bool = True, extra_fields: int = 0) -> tuple[np.ndarray, Person, str]:
    """One degraded A4 copy of a random person's card; returns (grey page, person, QR payload)."""
    rng = random.Random(seed)
    person = make_person(rng)
    payload = person.qr_payload(extra_fields)
    cards = [render_front(person, payload)] + ([render_back(person)] if back else [])
    page = photocopy_page(cards, dpi, rng,
                          angle=rng.uniform(-8, 8) if angle is None else angle,
                          contrast=rng.uniform(0.45, 0.9) if contrast is None else contrast,
                          jpeg_quality=rng.randint(55, 85))
    return page, person, payload


def text_page(dpi: float = 200, seed: int = 0) -> np.ndarray:
    """An A4 grey page of plain typed text, no barcode (the common page)."""
    rng = random.Random(seed)
    pw, ph = _mm(210, dpi), _mm(297, dpi)
    page = Image.new("L", (pw, ph), 250)
    d = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(FONT_DIR / "DejaVuSerif.ttf"), _mm(3.5, dpi))
    words = ("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015 Ủy ban nhân dân "
             "tỉnh quyết định phê duyệt kế hoạch thực hiện thủ tục hành chính trên địa bàn").split()
    for i in range(45):
        line = " ".join(rng.choice(words) for _ in range(12))
        d.text((_mm(25, dpi), _mm(20 + 5.5 * i, dpi)), line, font=font, fill=20)
    return np.asarray(page)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("-n", type=int, default=10)
    ap.add_argument("--dpi", type=float, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for i in range(args.n):
        page, person, payload = card_copy(args.seed + i, args.dpi)
        stem = f"cccd_{args.dpi:.0f}_{i:03d}"
        Image.fromarray(page).save(args.out / f"{stem}.jpg", dpi=(args.dpi, args.dpi), quality=90)
        (args.out / f"{stem}.truth.json").write_text(
            json.dumps({"form": "cccd", "fields": asdict(person), "qr": payload}, ensure_ascii=False, indent=1),
            encoding="utf-8")
    return 0


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main())
