"""Synthetic typed Vietnamese pages with truth, and the degradations a counter's scanner adds.

    from bench.synth import degraded_pages, render_page, degrade

Pages are A4 at a given dpi, in several fonts with full Vietnamese coverage (Times-like
Liberation Serif as official documents use, DejaVu Serif/Sans, Liberation Sans). The prose
is invented administrative text; no real person's data.
"""
from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = [
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerifCondensed.ttf",
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
hoặc thư điện tử sonoivu@example.gov.vn để được hướng dẫn."""


def available_fonts() -> list[str]:
    return [f for f in FONTS if Path(f).exists()]


def wrap_words(words: list[str], font: ImageFont.FreeTypeFont, width: int) -> list[str]:
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


def render_page(font_path: str, dpi: int = 300, size_pt: float = 13.0, seed: int = 0,
                max_lines: int = 40) -> tuple[np.ndarray, str]:
    """A grey A4 page of wrapped prose and its truth text (lines joined by newlines)."""
    rng = random.Random(seed)
    words = PROSE.split()
    start = rng.randrange(len(words))
    words = words[start:] + words[:start]
    w, h = int(8.27 * dpi), int(11.69 * dpi)
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(font_path, int(size_pt * dpi / 72))
    margin_left, margin_top = int(1.2 * dpi), int(0.9 * dpi)
    lines = wrap_words(words, font, w - margin_left - int(0.8 * dpi))[:max_lines]
    pitch = int(size_pt * 1.5 * dpi / 72)
    for i, line in enumerate(lines):
        draw.text((margin_left, margin_top + i * pitch), line, font=font, fill=0)
    return np.asarray(img), "\n".join(lines)


def degrade(img: Image.Image | np.ndarray, rng: random.Random, level: float = 1.0) -> Image.Image:
    """A counter's scan or copy: skew, blur, grey paper, uneven light, noise, JPEG."""
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


def turn(img: np.ndarray, quarters: int) -> np.ndarray:
    """Turn counter-clockwise by quarter turns, as a page fed sideways or upside down."""
    return np.ascontiguousarray(np.rot90(img, quarters))


def degraded_pages(count: int, seed: int = 0, dpi: int = 300) -> Iterator[tuple[np.ndarray, str]]:
    """`count` degraded pages cycling through the fonts, some turned; yields (image, truth)."""
    rng = random.Random(seed)
    fonts = available_fonts()
    for i in range(count):
        page, truth = render_page(fonts[i % len(fonts)], dpi=dpi, size_pt=rng.choice([11, 12, 13, 14]),
                                  seed=rng.randrange(10 ** 6))
        noisy = np.asarray(degrade(page, rng, level=rng.uniform(0.5, 1.0)))
        yield (turn(noisy, rng.choice([0, 0, 0, 1, 2, 3])), truth)


def photo_of_page(page: np.ndarray, rng: random.Random) -> np.ndarray:
    """A phone photo: the page in perspective on a darker table, as colour."""
    colour = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR) if page.ndim == 2 else page
    h, w = colour.shape[:2]
    table = np.full((int(h * 1.3), int(w * 1.3), 3), (50 + rng.randrange(30), 60, 75), np.uint8)
    jitter = [rng.uniform(0.03, 0.15) for _ in range(8)]
    dst = np.float32([[jitter[0] * w, jitter[1] * h], [(1.15 + jitter[2] / 2) * w, jitter[3] * h],
                      [(1.2 + jitter[4] / 3) * w, (1.2 + jitter[5] / 3) * h], [jitter[6] * w, (1.15 + jitter[7] / 2) * h]])
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    return cv2.warpPerspective(colour, cv2.getPerspectiveTransform(src, dst), table.shape[1::-1],
                               dst=table, borderMode=cv2.BORDER_TRANSPARENT)
