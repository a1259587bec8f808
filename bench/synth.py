"""Synthetic typed Vietnamese pages with truth, and the degradations a counter's scanner adds.

    from bench.synth import render_page, skew, rotate90, photo_warp, show_through_back, degrade

Pages are A4 at a given dpi (default 300), in several fonts with full Vietnamese coverage
(Times-like Liberation Serif as official documents use, DejaVu Serif/Sans, Liberation Sans).
The prose is invented administrative text; no real person's data. Truth text is NFC, one
string per printed line, lines joined by "\\n".

Every degradation is a plain function `np.ndarray -> np.ndarray` (grey or BGR uint8) with
its parameters as arguments, so forms, batch and benchmark helpers can chain them:

    img, truth = render_page(FONTS[0], dpi=200, seed=3)
    img = jpeg(gaussian_noise(blur(skew(img, 4.5), 0.8), 5.0), 70)

Conventions (those of `ocr.model.CleanPage`): `skew(img, a)` turns the content by `a` degrees
counter-clockwise, so cleanup should report `skew_deg == a`; `rotate90(img, k)` turns by k
quarter turns counter-clockwise, so cleanup should report `rotation == 90 * k` (the clockwise
turn that makes the page upright again).
"""
from __future__ import annotations

import io
import math
import random
from pathlib import Path
from typing import Iterator, Optional

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ocr.textnorm import nfc

FONT_DIRS = ["/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation",
             "/usr/share/fonts/truetype/dejavu"]

#: Regular text fonts, Times-like first (Vietnamese official documents use Times New Roman).
FONTS = [
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerifCondensed.ttf",
]

A4_INCH = (8.27, 11.69)

HEADER = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]

TITLES = [
    ("BÁO CÁO", "Kết quả giải quyết thủ tục hành chính tại bộ phận một cửa"),
    ("THÔNG BÁO", "Về việc tiếp nhận hồ sơ trực tuyến và trả kết quả qua dịch vụ bưu chính"),
    ("KẾ HOẠCH", "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính năm 2025"),
    ("CÔNG VĂN", "V/v hướng dẫn lưu trữ hồ sơ điện tử của công dân"),
]

PROSE = """Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh về việc đẩy mạnh cải cách thủ tục hành chính,
bộ phận một cửa của xã đã tiếp nhận và giải quyết đúng hạn phần lớn hồ sơ của người dân và doanh nghiệp.
Cán bộ tiếp nhận có trách nhiệm kiểm tra tính đầy đủ, hợp lệ của hồ sơ, hướng dẫn công dân bổ sung
giấy tờ còn thiếu và cập nhật kết quả lên Cổng dịch vụ công quốc gia trong ngày làm việc.
Việc số hóa hồ sơ, kết quả giải quyết thủ tục hành chính được thực hiện theo quy định tại Nghị định
số 45/2020/NĐ-CP ngày 08 tháng 4 năm 2020 của Chính phủ và các văn bản hướng dẫn có liên quan.
Các cơ quan, đơn vị tổ chức rà soát, thống kê danh mục thủ tục hành chính thuộc thẩm quyền giải quyết,
bảo đảm thời gian trả kết quả không vượt quá thời hạn quy định; trường hợp quá hạn phải có văn bản
xin lỗi người dân, nêu rõ lý do và hẹn lại thời gian trả kết quả.
Phòng Văn hóa và Thông tin huyện phối hợp với Trung tâm Công báo và Tin học tỉnh duy trì hoạt động
của hệ thống thông tin giải quyết thủ tục hành chính, bảo đảm an toàn, an ninh mạng và bảo vệ dữ liệu
cá nhân theo quy định của pháp luật.
Năm 2024, toàn huyện tiếp nhận 12.486 hồ sơ, trong đó 11.902 hồ sơ được giải quyết trước và đúng hạn,
đạt tỷ lệ 95,3%; số hồ sơ trực tuyến toàn trình chiếm 41,7% tổng số hồ sơ tiếp nhận.
Đề nghị các xã, thị trấn tiếp tục quán triệt cán bộ, công chức nâng cao tinh thần trách nhiệm, thái độ
phục vụ nhân dân; kịp thời phản ánh những khó khăn, vướng mắc về Văn phòng Hội đồng nhân dân và
Ủy ban nhân dân huyện để tổng hợp, báo cáo Chủ tịch Ủy ban nhân dân huyện xem xét, quyết định.
Quá trình thực hiện, nếu có vướng mắc, đề nghị phản ánh về Sở Nội vụ qua số điện thoại 0255 3822 146
hoặc thư điện tử sonoivu@example.gov.vn để được hướng dẫn.
Hồ sơ đăng ký thường trú gồm tờ khai thay đổi thông tin cư trú, giấy tờ chứng minh chỗ ở hợp pháp
và ý kiến đồng ý của chủ hộ; công chức tư pháp - hộ tịch đối chiếu thông tin trong Cơ sở dữ liệu
quốc gia về dân cư trước khi trình lãnh đạo ký duyệt. Người được ủy quyền nộp hồ sơ thay phải xuất
trình văn bản ủy quyền đã được chứng thực theo quy định.
Ủy ban nhân dân các xã, phường, thị trấn chịu trách nhiệm bố trí máy quét, máy tính và đường truyền
bảo đảm cho việc số hóa; sắp xếp khu vực lưu giữ hồ sơ giấy ngăn nắp, chống ẩm mốc, mối mọt, cháy nổ.
Kết quả số hóa được ký số, lưu trữ trong kho quản lý dữ liệu điện tử của tổ chức, cá nhân để tái sử dụng
khi thực hiện các thủ tục tiếp theo, không yêu cầu người dân nộp lại giấy tờ đã được số hóa.
Giao Văn phòng Ủy ban nhân dân huyện theo dõi, đôn đốc, kiểm tra việc thực hiện; định kỳ hằng quý
tổng hợp kết quả, báo cáo Ủy ban nhân dân tỉnh trước ngày 15 của tháng cuối quý. Trong quá trình
triển khai, nếu phát sinh vướng mắc vượt thẩm quyền, các đơn vị kịp thời đề xuất hướng xử lý phù hợp.
Nơi nhận: như trên; Thường trực Huyện ủy; Thường trực Hội đồng nhân dân huyện; lưu văn thư."""

FEW_WORDS = [["Trang 3"], ["Đã kiểm tra", "Ngày 05/3/2025"], ["(Trang để trống)"], ["Bản sao", "Số: 125/UBND"],
              ["Ghi chú:", "Hồ sơ đủ điều kiện"]]


def available_fonts() -> list[str]:
    """The fonts of FONTS installed on this machine (Liberation needs fonts-liberation2)."""
    return [f for f in FONTS if Path(f).exists()]


def bold_of(font_path: str) -> str:
    """The bold face next to a regular one, or the regular one when there is none."""
    p = Path(font_path)
    for cand in (p.with_name(p.name.replace("-Regular", "-Bold")), p.with_name(p.stem + "-Bold.ttf")):
        if cand != p and cand.exists():
            return str(cand)
    return font_path


def wrap_words(words: list[str], font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy line breaking of words into lines no wider than `width` pixels."""
    lines, current = [], ""
    for word in words:
        trial = f"{current} {word}".strip()
        if font.getlength(trial) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def blank_page(dpi: int = 300, page_inch=A4_INCH) -> Image.Image:
    """A white A4 page (PIL "L") to draw on."""
    return Image.new("L", (int(page_inch[0] * dpi), int(page_inch[1] * dpi)), 255)


def render_page(font_path: Optional[str] = None, dpi: int = 300, size_pt: float = 13.0, seed: int = 0,
                max_lines: int = 40, header: bool = True) -> tuple[np.ndarray, str]:
    """A grey A4 page of Vietnamese administrative prose and its truth text.

    With `header` the page opens like a Decree 30/2020 document: national motto, a bold
    title and its summary line, centred; then body paragraphs (first line indented) taken
    from PROSE starting at a sentence chosen by `seed`. Returns (uint8 H x W array, NFC
    truth with one printed line per "\\n"-separated line).
    """
    rng = random.Random(seed)
    font_path = font_path or available_fonts()[0]
    img = blank_page(dpi)
    w, h = img.size
    draw = ImageDraw.Draw(img)
    px = lambda pt: max(6, int(round(pt * dpi / 72)))  # noqa: E731
    font = ImageFont.truetype(font_path, px(size_pt))
    bold = ImageFont.truetype(bold_of(font_path), px(size_pt))
    left, right, top = int(rng.uniform(1.0, 1.25) * dpi), int(rng.uniform(0.6, 0.8) * dpi), int(0.8 * dpi)
    pitch = int(size_pt * rng.uniform(1.35, 1.6) * dpi / 72)
    bottom = h - int(0.8 * dpi)
    truth: list[str] = []
    y = top

    def centred(text: str, fnt) -> None:
        nonlocal y
        draw.text(((w - fnt.getlength(text)) / 2, y), text, font=fnt, fill=0)
        truth.append(text)
        y += pitch

    if header:
        centred(HEADER[0], bold)
        centred(HEADER[1], bold)
        y += pitch
        title, summary = rng.choice(TITLES)
        centred(title, bold)
        centred(summary, font)
        y += pitch // 2
    sentences = [s.strip() for s in PROSE.replace("\n", " ").split(". ") if s.strip()]
    start = rng.randrange(len(sentences))
    order = sentences[start:] + sentences[:start]
    indent = int(0.4 * dpi)
    for k, sentence in enumerate(order):
        text = sentence if sentence.endswith(".") else sentence + "."
        lines = wrap_words(text.split(), font, w - left - right - indent)
        first, rest = lines[0], " ".join(lines[1:]).split()
        lines = [first] + wrap_words(rest, font, w - left - right) if rest else [first]
        for i, line in enumerate(lines):
            if y + pitch > bottom or len(truth) >= max_lines:
                break
            draw.text((left + (indent if i == 0 else 0), y), line, font=font, fill=0)
            truth.append(line)
            y += pitch
        else:
            continue
        break
    return np.asarray(img), nfc("\n".join(truth))


def few_words_page(words: Optional[list[str]] = None, dpi: int = 300, font_path: Optional[str] = None,
                   size_pt: float = 13.0, seed: int = 0) -> tuple[np.ndarray, str]:
    """A page carrying only a few words somewhere (a page number, a stamp note): not blank."""
    rng = random.Random(seed)
    words = words or rng.choice(FEW_WORDS)
    img = blank_page(dpi)
    w, h = img.size
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(font_path or available_fonts()[0], int(size_pt * dpi / 72))
    x, y = int(rng.uniform(1.0, 4.0) * dpi), int(rng.uniform(1.0, 8.0) * dpi)
    for line in words:
        draw.text((x, y), line, font=font, fill=0)
        y += int(size_pt * 1.6 * dpi / 72)
    return np.asarray(img), nfc("\n".join(words))


# ---------------------------------------------------------------- geometric degradations


def _paper_value(img: np.ndarray):
    return (255, 255, 255) if img.ndim == 3 else 255


def skew(img: np.ndarray, angle: float, fill=None, expand: bool = True) -> np.ndarray:
    """Turn the content `angle` degrees counter-clockwise (a sheet fed askew).

    With `expand` the canvas grows so no content is lost (uncovered corners get `fill`,
    white by default); without it the frame keeps its size, like a fixed scanner platen.
    """
    if abs(angle) < 1e-6:
        return img.copy()
    fill = _paper_value(img) if fill is None else fill
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    nw, nh = w, h
    if expand:
        c, s = abs(m[0, 0]), abs(m[0, 1])
        nw, nh = int(math.ceil(h * s + w * c)), int(math.ceil(h * c + w * s))
        m[0, 2] += nw / 2 - w / 2
        m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(img, m, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=fill)


def rotate90(img: np.ndarray, k: int) -> np.ndarray:
    """Turn by `k` quarter turns counter-clockwise (a page fed sideways or upside down)."""
    return np.ascontiguousarray(np.rot90(img, k % 4))


turn = rotate90  # older name, kept for callers


def scanner_border(img: np.ndarray, top: int = 60, bottom: int = 60, left: int = 40, right: int = 40,
                   value: int = 25, seed: int = 0) -> np.ndarray:
    """Dark bands around the page, as a scanner lid or a photocopy's black edges leave.

    The bands are slightly noisy and uneven (a real lid is not a flat black); the page keeps
    its size and scale in the middle.
    """
    h, w = img.shape[:2]
    shape = (h + top + bottom, w + left + right) + img.shape[2:]
    rng = np.random.default_rng(seed)
    frame = np.clip(rng.normal(value, 6, shape), 0, 255).astype(np.uint8)
    frame[top:top + h, left:left + w] = img
    return frame


def photocopy_band(img: np.ndarray, side: str = "left", width: int = 50, value: int = 15) -> np.ndarray:
    """A black band over one edge of the page itself, as an oversized photocopy shows."""
    out = img.copy()
    sl = {"left": np.s_[:, :width], "right": np.s_[:, -width:], "top": np.s_[:width], "bottom": np.s_[-width:]}
    out[sl[side]] = value
    return out


def photo_warp(img: np.ndarray, rng: random.Random, *, strength: float = 1.0, margin: float = 0.15,
               shadow: float = 0.35) -> tuple[np.ndarray, np.ndarray]:
    """A phone photo of the page: perspective on a darker textured table, with a shadow.

    The sheet is tilted in 3-D (up to 20°·strength about each axis, turned up to 10°·strength
    in its plane, shifted a little) and seen through a pinhole camera whose principal point is
    the frame centre and whose focal length is about the frame's long side (a phone's
    standard lens), so the view is one a real camera could take. Returns (BGR photo, the
    page's four corners in the photo: tl, tr, br, bl). The table is a noisy wood-like brown;
    a light gradient (`shadow` = darkest relative loss) falls over the frame, as a phone
    held over the page casts.
    """
    colour = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR) if img.ndim == 2 else img
    h, w = colour.shape[:2]
    fw, fh = int(w * (1 + 2 * margin)), int(h * (1 + 2 * margin))
    nprng = np.random.default_rng(rng.randrange(2 ** 31))
    base = np.array([rng.randrange(40, 80), rng.randrange(60, 95), rng.randrange(80, 120)], np.float32)
    grain = cv2.resize(nprng.normal(0, 12, (fh // 8, fw // 64)).astype(np.float32), (fw, fh))
    table = base[None, None, :] + grain[:, :, None] + nprng.normal(0, 4, (fh, fw, 1))
    ax, ay, az = (math.radians(rng.uniform(-1, 1) * lim * strength) for lim in (20, 20, 10))
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    rz = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    f = 1.0 * max(fw, fh)
    shift = np.array([rng.uniform(-0.3, 0.3) * margin * w, rng.uniform(-0.3, 0.3) * margin * h, f])
    plane = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]], float)
    cam = plane @ (rz @ ry @ rx).T + shift
    proj = cam[:, :2] * f / cam[:, 2:3]
    # scale about the centre so the sheet fills the frame but for the margin
    span = max((proj[:, 0].max() - proj[:, 0].min()) / w, (proj[:, 1].max() - proj[:, 1].min()) / h)
    dst = np.float32(proj / span + [fw / 2, fh / 2])
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    m = cv2.getPerspectiveTransform(src, dst)
    page = cv2.warpPerspective(colour, m, (fw, fh), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, (fw, fh), flags=cv2.INTER_LINEAR)
    a = (mask.astype(np.float32) / 255)[:, :, None]
    photo = page.astype(np.float32) * a + table * (1 - a)
    angle = rng.uniform(0, 2 * math.pi)
    yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    ramp = (xx / fw - 0.5) * math.cos(angle) + (yy / fh - 0.5) * math.sin(angle)
    light = 1 - shadow * (ramp - ramp.min()) / max(1e-6, ramp.max() - ramp.min())
    photo = photo * light[:, :, None]
    return np.clip(photo, 0, 255).astype(np.uint8), dst


# ---------------------------------------------------------------- photometric degradations


def blur(img: np.ndarray, sigma: float = 0.8) -> np.ndarray:
    """Gaussian blur of `sigma` pixels (focus, scanner optics)."""
    return cv2.GaussianBlur(img, (0, 0), sigma) if sigma > 0 else img.copy()


def gaussian_noise(img: np.ndarray, sigma: float = 6.0, seed: int = 0) -> np.ndarray:
    """Additive sensor noise of standard deviation `sigma` grey levels."""
    noisy = img.astype(np.float32) + np.random.default_rng(seed).normal(0, sigma, img.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def jpeg(img: np.ndarray, quality: int = 75) -> np.ndarray:
    """Re-encode as JPEG at `quality` (what scanners and phones store)."""
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)


def uneven_illumination(img: np.ndarray, strength: float = 0.35, seed: int = 0,
                        tint: Optional[tuple[int, int, int]] = None) -> np.ndarray:
    """Light falling off across the page plus a soft vignette; optionally yellowed paper.

    `strength` is the darkest relative loss of light. `tint` (BGR paper colour, e.g.
    (200, 235, 245) for old yellowed paper) makes the result colour.
    """
    rng = np.random.default_rng(seed)
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (xx / w - 0.5) * math.cos(angle) + (yy / h - 0.5) * math.sin(angle)
    ramp = (ramp - ramp.min()) / max(1e-6, ramp.max() - ramp.min())
    cx, cy = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)
    vignette = ((xx / w - cx) ** 2 + (yy / h - cy) ** 2) / 0.5
    light = np.clip(1 - strength * (0.7 * ramp + 0.3 * vignette), 0.2, 1)
    out = img.astype(np.float32)
    if tint is not None:
        if out.ndim == 2:
            out = np.repeat(out[:, :, None], 3, axis=2)
        out = out / 255 * np.array(tint, np.float32)[None, None, :]
    out = out * (light[:, :, None] if out.ndim == 3 else light)
    return np.clip(out, 0, 255).astype(np.uint8)


def show_through_back(front: np.ndarray, strength: float = 0.12, noise: float = 4.0, dust: int = 40,
                      seed: int = 0, paper: int = 245) -> np.ndarray:
    """The blank back of a printed sheet: the front's text mirrored and faint, plus noise and dust.

    `strength` is the fraction of the front's contrast that bleeds through thin paper
    (0.1-0.2 is typical); `dust` small dark specks (0.2-0.6 mm) are scattered over it.
    """
    grey = front if front.ndim == 2 else cv2.cvtColor(front, cv2.COLOR_BGR2GRAY)
    mirrored = cv2.GaussianBlur(np.fliplr(grey).astype(np.float32), (0, 0), 1.5)
    back = paper - (255 - mirrored) * strength
    rng = np.random.default_rng(seed)
    back = back + rng.normal(0, noise, back.shape)
    h, w = back.shape
    for _ in range(dust):
        r = int(rng.uniform(0.5, 2.5) * max(1.0, w / 1240))
        cv2.circle(back, (int(rng.uniform(0, w)), int(rng.uniform(0, h))), r, float(rng.uniform(40, 120)), -1)
    return np.clip(back, 0, 255).astype(np.uint8)


def degrade(img: Image.Image | np.ndarray, rng: random.Random, level: float = 1.0) -> Image.Image:
    """A counter's scan or copy: skew (±3°·level), blur, grey paper, uneven light, noise, JPEG.

    Kept for callers that work with PIL images (forms, stacks); returns a PIL "L" image.
    """
    pil = img if isinstance(img, Image.Image) else Image.fromarray(img)
    pil = pil.convert("L").rotate(rng.uniform(-3.0, 3.0) * level, resample=Image.BICUBIC,
                                  expand=True, fillcolor=255)
    pil = pil.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9) * level))
    arr = np.asarray(pil).astype(np.float32)
    h, w = arr.shape
    light = np.linspace(1.0 - 0.25 * level * rng.random(), 1.0, w, dtype=np.float32)[None, :]
    if rng.random() < 0.5:
        light = light[:, ::-1]
    arr = (arr * rng.uniform(0.85, 0.97) + rng.uniform(5, 20)) * light
    arr += np.random.default_rng(rng.randrange(2 ** 31)).normal(0, 6 * level, arr.shape)
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    out.save(buf, format="JPEG", quality=int(80 - 15 * level))
    return Image.open(io.BytesIO(buf.getvalue())).convert("L")


def degraded_pages(count: int, seed: int = 0, dpi: int = 300) -> Iterator[tuple[np.ndarray, str]]:
    """`count` degraded pages cycling through the fonts, some turned; yields (image, truth)."""
    rng = random.Random(seed)
    fonts = available_fonts()
    for i in range(count):
        page, truth = render_page(fonts[i % len(fonts)], dpi=dpi, size_pt=rng.choice([11, 12, 13, 14]),
                                  seed=rng.randrange(10 ** 6))
        noisy = np.asarray(degrade(page, rng, level=rng.uniform(0.5, 1.0)))
        yield (rotate90(noisy, rng.choice([0, 0, 0, 1, 2, 3])), truth)


def photo_of_page(page: np.ndarray, rng: random.Random) -> np.ndarray:
    """A phone photo of `page` (BGR), without the corners; see `photo_warp`."""
    return photo_warp(page, rng)[0]


if __name__ == "__main__":  # a quick look: python bench/synth.py OUT_DIR
    import sys

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "synth_out")
    out.mkdir(parents=True, exist_ok=True)
    r = random.Random(0)
    for i, f in enumerate(available_fonts()):
        page, text = render_page(f, dpi=150, seed=i)
        cv2.imwrite(str(out / f"page_{i}.png"), page)
        (out / f"page_{i}.txt").write_text(text, encoding="utf-8")
    cv2.imwrite(str(out / "photo.jpg"), photo_warp(page, r)[0])
    cv2.imwrite(str(out / "back.png"), show_through_back(page))
    cv2.imwrite(str(out / "border.png"), scanner_border(skew(page, 3.0), 40, 60, 30, 50))
    cv2.imwrite(str(out / "light.jpg"), uneven_illumination(page, 0.4, tint=(200, 235, 245)))
