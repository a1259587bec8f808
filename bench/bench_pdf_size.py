"""Bytes per page of sohoa's searchable PDF/A writer against OCRmyPDF `--optimize 1`.

Both get the same page images: real scans from the shared real-document set (JPEG, embedded
as they are by both) and synthetic pages drawn here (a black-and-white 1-bit PNG and a grey
PNG at 300 dpi). Our text layer comes from the project's Tesseract pass (`ocr.engine`).
Prints a Markdown table; `--json FILE` also writes the figures.

    .venv/bin/python bench/bench_pdf_size.py [--real N] [--jobs 1]
"""
from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from exports.pdfa import write_searchable_pdf  # noqa: E402
from ocr.engine import ocr_image  # noqa: E402
from ocr.model import ProcessedPage  # noqa: E402

REALDOCS = Path("/work/shared/realdocs/quangngai")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
TEXT = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ",
    "Kính gửi: Công an xã Tịnh Ấn Tây, thành phố Quảng Ngãi",
    "1. Họ, chữ đệm và tên: Nguyễn Thị Hương",
    "2. Ngày, tháng, năm sinh: 05/03/1990    3. Giới tính: Nữ",
    "4. Số định danh cá nhân: 051190001234",
    "5. Số điện thoại liên hệ: 0905123456    6. Email: huong@example.vn",
    "7. Họ, chữ đệm và tên chủ hộ: Trần Văn Bình",
    "8. Mối quan hệ với chủ hộ: Vợ",
    "9. Nội dung đề nghị: Đăng ký thường trú tại thôn Phú Lộc",
]


def synthetic(kind: str) -> tuple[bytes, str, float]:
    """An A4 form page at 300 dpi: 'bw' = 1-bit PNG, 'grey' = 8-bit grey PNG with a tint."""
    w, h = 2480, 3508
    img = Image.new("L", (w, h), 255 if kind == "bw" else 235)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 44)
    y = 250
    for _ in range(3):
        for line in TEXT:
            draw.text((220, y), line, font=font, fill=0 if kind == "bw" else 40)
            y += 95
        y += 120
    out = io.BytesIO()
    (img.convert("1") if kind == "bw" else img).save(out, format="PNG", dpi=(300, 300), optimize=True)
    return out.getvalue(), "png", 300.0


def real_pages(n: int) -> list[tuple[str, bytes, str, float]]:
    files = sorted(REALDOCS.glob("*.jpg"))
    step = max(1, len(files) // max(n, 1))
    picked = files[::step][:n]
    pages = []
    for f in picked:
        with Image.open(f) as im:
            dpi = float((im.info.get("dpi") or (200, 200))[0] or 200)
        pages.append((f.name, f.read_bytes(), "jpeg", dpi))
    return pages


def ours(name: str, data: bytes, fmt: str, dpi: float, out: Path) -> tuple[int, float]:
    img = Image.open(io.BytesIO(data))
    grey = np.asarray(img.convert("L"))
    ocr = ocr_image(grey, dpi)
    page = ProcessedPage(source=name, source_index=0, width=img.width, height=img.height, dpi=dpi,
                         image=data, image_format=fmt, ocr=ocr)
    t = time.perf_counter()
    write_searchable_pdf([page], out, title=name)
    return out.stat().st_size, time.perf_counter() - t


def ocrmypdf(src: Path, dpi: float, out: Path, jobs: int) -> int | None:
    if shutil.which("ocrmypdf") is None:
        return None
    cmd = ["ocrmypdf", "-q", "-l", "vie", "--optimize", "1", "--output-type", "pdfa",
           "--jobs", str(jobs), "--image-dpi", str(int(dpi)), str(src), str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        print(f"ocrmypdf failed on {src.name}: {res.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    return out.stat().st_size


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", type=int, default=4, help="number of real scans (default 4)")
    ap.add_argument("--jobs", type=int, default=1, help="OCRmyPDF --jobs")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    pages = real_pages(args.real) if REALDOCS.is_dir() else []
    for kind in ("bw", "grey"):
        data, fmt, dpi = synthetic(kind)
        pages.append((f"synthetic-{kind}.png", data, fmt, dpi))

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        tmp = Path(tmp)
        for name, data, fmt, dpi in pages:
            src = tmp / name
            src.write_bytes(data)
            mine, secs = ours(name, data, fmt, dpi, tmp / f"{name}.sohoa.pdf")
            theirs = ocrmypdf(src, dpi, tmp / f"{name}.ocrmypdf.pdf", args.jobs)
            rows.append({"page": name, "input": len(data), "sohoa": mine, "ocrmypdf": theirs,
                         "write_s": round(secs, 3)})
            print(f"{name}: input {len(data)}  sohoa {mine}  ocrmypdf {theirs}", file=sys.stderr)

    print("| page | input image | sohoa PDF | OCRmyPDF -O1 PDF/A | sohoa / OCRmyPDF | sohoa write s |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        ratio = f"{r['sohoa'] / r['ocrmypdf']:.2f}" if r["ocrmypdf"] else "n/a"
        print(f"| {r['page']} | {r['input']:,} | {r['sohoa']:,} | "
              f"{r['ocrmypdf'] or 0:,} | {ratio} | {r['write_s']} |")
    done = [r for r in rows if r["ocrmypdf"]]
    if done:
        ours_pp = sum(r["sohoa"] for r in done) / len(done)
        theirs_pp = sum(r["ocrmypdf"] for r in done) / len(done)
        print(f"| **bytes/page (mean)** | | **{ours_pp:,.0f}** | **{theirs_pp:,.0f}** | "
              f"**{ours_pp / theirs_pp:.2f}** | |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
