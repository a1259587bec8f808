"""Search latency on a full store: N synthetic pages (generated text, invented names), p50/p95 per query kind.

    .venv/bin/python bench/bench_search.py [--pages 100000] [--pages-per-doc 4] [--home DIR]

Fills a fresh store through `Store.record_document` (one transaction per 1,000 documents, as a
bulk import would) and prints a Markdown table. Target: p95 < 100 ms per query.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exports.store import open_store  # noqa: E402
from ocr.model import Document, Field, OcrPage, ProcessedPage, Word  # noqa: E402

HO = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
      "Dương", "Lý"]
DEM = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Ngọc", "Xuân", "Thu", "Kim", "Gia"]
TEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Khánh", "Lan", "Linh",
       "Long", "Mai", "Nam", "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến"]
NOI = ["Quảng Ngãi", "Đà Nẵng", "Hà Nội", "Huế", "Bình Định", "Quảng Nam", "Kon Tum", "Gia Lai", "Phú Yên"]
WORDS = ("ủy ban nhân dân tỉnh huyện xã phường thị trấn đề nghị cấp giấy xác nhận thông tin cư trú hộ khẩu "
         "thường trú tạm trú khai sinh kết hôn quyết định công văn về việc căn cứ luật tổ chức chính quyền "
         "địa phương theo đề nghị của giám đốc sở tư pháp chủ tịch phó chủ tịch nơi nhận lưu văn thư "
         "người yêu cầu quan hệ chủ hộ số định danh cá nhân ngày tháng năm sinh giới tính nam nữ dân tộc "
         "kinh quốc tịch việt nam quê quán nơi thường trú điện thoại thư điện tử hồ sơ tiếp nhận trả kết quả "
         "bản sao chứng thực đăng ký biến động đất đai thửa tờ bản đồ diện tích mục đích sử dụng").split()
FORMS = ["ct01", "khai_sinh", "cccd", "van_ban", None]


def name(rng: random.Random) -> str:
    return f"{rng.choice(HO)} {rng.choice(DEM)} {rng.choice(TEN)}"


def page_text(rng: random.Random, n_words: int = 150) -> str:
    lines, line = [], []
    for _ in range(n_words):
        line.append(rng.choice(WORDS))
        if len(line) >= 12:
            lines.append(" ".join(line))
            line = []
    lines.insert(rng.randrange(len(lines) + 1), f"Họ và tên: {name(rng).upper()} ; Nơi cư trú: {rng.choice(NOI)}")
    return "\n".join(lines + [" ".join(line)])


def make_doc(rng: random.Random, stem: str, pages: int) -> Document:
    procs = []
    for _ in range(pages):
        words = [Word(t, (0, 0, 1, 1), 90.0, 1, 1, i) for i, ln in enumerate(page_text(rng).split("\n"))
                 for t in ln.split()]
        procs.append(ProcessedPage("synthetic.png", 0, 1654, 2339, 200.0, b"", "png", OcrPage(1654, 2339, words)))
    form = rng.choice(FORMS)
    fields = {"ho_ten": Field(name(rng)), "so_dinh_danh": Field("0" + "".join(rng.choice("0123456789")
                                                                            for _ in range(11)))}
    return Document(stem, ["synthetic.png"], procs, form, 0.9, fields)


def fill(store, n_pages: int, per_doc: int, rng: random.Random) -> tuple[int, float]:
    t0 = time.perf_counter()
    n_docs = n_pages // per_doc
    for start in range(0, n_docs, 1000):
        with store.write():
            for i in range(start, min(n_docs, start + 1000)):
                code = f"000.00.25.H49-{240101 + i // 3000:06d}-{i % 10000:04d}"
                stem = f"{code}.{i % 3 + 1:02d}"
                store.record_document(make_doc(rng, stem, per_doc), Path(f"/archive/{code}/{stem}.pdf"),
                                      Path(f"/archive/{code}/{stem}.json"), dossier_code=code, user="bench")
        print(f"  {min(n_docs, start + 1000) * per_doc} pages", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return n_docs, time.perf_counter() - t0


def measure(store, queries: list[dict], repeat: int) -> list[tuple[str, float, float, int]]:
    rows = []
    for q in queries:
        label = q.pop("label")
        times, hits = [], 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            hits = len(store.search(**q))
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        rows.append((label, statistics.median(times), p95, hits))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=100_000)
    ap.add_argument("--pages-per-doc", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=40)
    ap.add_argument("--home", type=Path, default=None, help="reuse/keep the store here (default: a temp dir)")
    args = ap.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="sohoa-bench-search-"))
    rng = random.Random(20240315)
    store = open_store(home)
    have = store.db.execute("SELECT count(*) FROM pages").fetchone()[0]
    fill_s = None
    if have < args.pages:
        _, fill_s = fill(store, args.pages - have, args.pages_per_doc, rng)
    n_pages = store.db.execute("SELECT count(*) FROM pages").fetchone()[0]
    n_docs = store.db.execute("SELECT count(*) FROM documents").fetchone()[0]
    probe = random.Random(7)
    queries = [
        {"label": "rare full name, no diacritics (`nguyen thi lan`)", "query": "nguyen thi lan"},
        {"label": "full name with diacritics (`Phạm Quốc Sơn`)", "query": "Phạm Quốc Sơn"},
        {"label": "place, upper case (`QUẢNG NGÃI`)", "query": "QUẢNG NGÃI"},
        {"label": "very common word (`ủy ban`)", "query": "ủy ban"},
        {"label": "dossier code", "query": "000.00.25.H49-240105-2345"},
        {"label": "name + form filter", "query": "tran van hung", "form": "ct01"},
        {"label": "word + status + date filter", "query": "khai sinh", "status": "scanned",
         "date_from": "01/01/2020", "date_to": "31/12/2099"},
        {"label": "no match", "query": "zzyzx"},
    ]
    rows = measure(store, queries, args.repeat)
    size_mb = sum(p.stat().st_size for p in home.iterdir() if p.name.startswith("sohoa.db")) / 1e6
    print(f"\n### Search latency: {n_pages:,} pages in {n_docs:,} documents, store {size_mb:.0f} MB"
          + (f", filled in {fill_s:.0f} s" if fill_s else "") + f" (limit 50, {args.repeat} runs each)\n")
    print("| query | p50 ms | p95 ms | hits |")
    print("|---|---:|---:|---:|")
    for label, p50, p95, hits in rows:
        print(f"| {label} | {p50:.1f} | {p95:.1f} | {hits} |")
    del probe
    worst = max(r[2] for r in rows)
    print(f"\nworst p95: {worst:.1f} ms (target < 100 ms) {'OK' if worst < 100 else 'OVER'}")
    if not args.home:
        store.close()
        for p in home.iterdir():
            p.unlink()
        os.rmdir(home)
    return 0


if __name__ == "__main__":
    sys.exit(main())
