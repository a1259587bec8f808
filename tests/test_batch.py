"""`sohoa batch` end to end on a generated feeder stack: split, outputs, report, resume after
kill -9, concurrent runs refused, hot folder. Real pipeline (cleanup, Tesseract, zxing), real
CLI in a subprocess, real PDFs read back."""
from __future__ import annotations

import csv
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import REPO, kill_hard, pdf_text, run_sohoa

sys.path.insert(0, str(REPO))
from bench.synth_stack import compare, make_stack, output_tree  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """10 pages at 150 dpi: 1 page before any cover, 2 dossiers, 4 documents, 1 blank back,
    1 upside-down continuation page."""
    src = tmp_path_factory.mktemp("stack") / "src"
    truth = make_stack(src, dossiers=2, dpi=150, seed=3)
    return src, truth


@pytest.fixture(scope="session")
def reference(stack, tmp_path_factory):
    """An uninterrupted run: what every resumed / Dask / watch run must equal."""
    src, _ = stack
    out = tmp_path_factory.mktemp("ref") / "out"
    proc = run_sohoa("batch", str(src), "--out", str(out), "--jobs", "2", "--no-store")
    assert proc.returncode == 0, proc.stderr
    return out


def tree(out: Path) -> dict:
    return output_tree(out)


def journal_counts(out: Path) -> dict:
    from scanner_app.batch.journal import read_counts

    return read_counts(out)


def processed_counts(out: Path) -> dict:
    from scanner_app.batch.journal import iter_processed

    return dict(iter_processed(out))


def test_stack_is_split_into_the_expected_dossiers_and_documents(stack, reference):
    src, truth = stack
    score = compare(truth, reference)
    assert score["exact"] == score["documents_expected"] == score["documents_found"], score
    assert score["forms_ok"] >= score["forms_total"] - 1, score  # the 150-dpi CCCD copy may go unrecognised

    code = truth["dossiers"][1]["code"]
    dossier = json.loads((reference / code / "dossier.json").read_text(encoding="utf-8"))
    assert dossier["code"] == code and dossier["code_status"] == "ok"
    assert Path(dossier["cover_page"]["file"]).name == "scan_00002.png"
    assert [Path(b["file"]).name for b in dossier["blank_pages_dropped"]] == truth["dossiers"][1]["blank"]
    assert [d["pdf"] for d in dossier["documents"]] == [f"{code}.01.pdf", f"{code}.02.pdf"]
    assert dossier["documents"][0]["form"] == "ct01"

    # documents: searchable PDF with one page per kept page, result JSON of the contract
    first = json.loads((reference / code / f"{code}.01.json").read_text(encoding="utf-8"))
    assert first["schema"] == "sohoa.result/1" and first["form"] == "ct01"
    assert [Path(s).name for s in first["source"]] == truth["dossiers"][1]["documents"][0]["pages"]
    assert len(PdfReader(reference / code / f"{code}.01.pdf").pages) == 2
    text = pdf_text(reference / code / f"{code}.01.pdf")
    assert "THAY ĐỔI THÔNG TIN CƯ TRÚ" in text.upper()

    # the upside-down continuation page was turned by cleanup and OCR'd
    code2 = truth["dossiers"][2]["code"]
    second = json.loads((reference / code2 / f"{code2}.02.json").read_text(encoding="utf-8"))
    assert second["pages"][1]["rotation"] == 180
    assert "cam đoan" in second["pages"][1]["text"]

    unassigned = json.loads((reference / "_unassigned" / "dossier.json").read_text(encoding="utf-8"))
    assert unassigned["code"] is None and len(unassigned["documents"]) == 1


def test_report_lists_every_dossier_and_document(stack, reference):
    src, truth = stack
    with open(reference / "report.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "Hồ sơ / Dossier" and "Lỗi / Errors" in rows[0]
    docs = [r for r in rows[1:] if r[3].endswith(".pdf")]
    assert len(docs) == sum(len(d["documents"]) for d in truth["dossiers"])
    blank_col = rows[0].index("Trang trắng đã bỏ / Blank pages dropped")
    assert any("scan_00004.png" in r[blank_col] for r in rows[1:])
    html = (reference / "report.html").read_text(encoding="utf-8")
    assert "<table>" in html and truth["dossiers"][1]["code"] in html
    assert not re.search(r"\d{9,}", (reference / "report.csv").read_text(encoding="utf-8-sig"))  # IDs masked


def test_kill_9_then_resume_gives_identical_output_without_redoing_pages(stack, reference, tmp_path):
    src, truth = stack
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "scanner_app.cli", "batch", str(src), "--out", str(out), "--jobs", "2", "--no-store"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while journal_counts(out).get("done", 0) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    kill_hard(proc.pid)  # the whole run, workers too: a power cut
    proc.wait()
    done_before = journal_counts(out).get("done", 0)
    assert 3 <= done_before < len(truth["pages"]), "the kill must land mid-run"

    second = run_sohoa("batch", str(src), "--out", str(out), "--jobs", "2", "--no-store")
    assert second.returncode == 0, second.stderr
    assert tree(out) == tree(reference)
    counts = processed_counts(out)
    assert len(counts) == len(truth["pages"]) and set(counts.values()) == {1}, counts  # nothing OCR'd twice
    assert f"{len(truth['pages']) - done_before} trang mới xử lý" in second.stderr

    # a third run has nothing left to do and changes nothing
    third = run_sohoa("batch", str(src), "--out", str(out), "--no-store")
    assert third.returncode == 0 and "0 trang mới xử lý" in third.stderr
    assert tree(out) == tree(reference)


def test_second_concurrent_run_is_refused(stack, tmp_path):
    from scanner_app.batch.journal import Journal

    src, _ = stack
    out = tmp_path / "out"
    holder = Journal.open(out)  # this process holds the run lock, as a running batch would
    try:
        proc = run_sohoa("batch", str(src), "--out", str(out), "--no-store")
        assert proc.returncode == 2
        assert "đang được một lần chạy `sohoa batch` khác dùng" in proc.stderr
        assert not any(p.is_dir() and p.name != ".sohoa-batch" for p in out.iterdir())
    finally:
        holder.close()


def test_bad_page_is_reported_and_the_rest_is_done(stack, tmp_path):
    src, truth = stack
    small = tmp_path / "src"
    small.mkdir()
    d = truth["dossiers"][1]
    for name in ["scan_00002.png", *d["documents"][1]["pages"]]:  # cover + khai sinh page
        shutil.copy(src / name, small / name)
    (small / "scan_00002a.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    out = tmp_path / "out"
    proc = run_sohoa("batch", str(small), "--out", str(out), "--no-store", "--jobs", "1")
    assert proc.returncode == 1, proc.stderr
    dossier = json.loads((out / d["code"] / "dossier.json").read_text(encoding="utf-8"))
    assert [Path(b["source"]["file"]).name for b in dossier["bad_pages"]] == ["scan_00002a.png"]
    assert len(dossier["documents"]) == 1 and dossier["documents"][0]["form"] == "khai_sinh"
    report = (out / "report.csv").read_text(encoding="utf-8-sig")
    assert "scan_00002a.png" in report


def test_records_documents_in_the_store(stack, tmp_path, sohoa_home):
    src, truth = stack
    small = tmp_path / "src"
    small.mkdir()
    d = truth["dossiers"][1]
    for name in ["scan_00002.png", *d["documents"][1]["pages"]]:
        shutil.copy(src / name, small / name)
    proc = run_sohoa("batch", str(small), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    from exports.store import open_store

    hits = open_store(sohoa_home).search(d["code"])
    # the one document copied, searchable by its dossier code, with the form the batch found
    assert [(h.dossier_code, h.form, Path(h.pdf_path).name) for h in hits] == \
        [(d["code"], d["documents"][1]["form"], f"{d['code']}.01.pdf")]
    assert Path(hits[0].pdf_path).is_file()


@pytest.mark.skipif(sys.platform == "win32", reason="Windows: no SIGINT to a child process (POSIX only)")
def test_watch_hot_folder_then_ctrl_c(stack, reference, tmp_path):
    src, truth = stack
    hot = tmp_path / "hot"
    hot.mkdir()
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "scanner_app.cli", "batch", str(hot), "--out", str(out), "--watch",
           "--poll", "0.2", "--jobs", "2", "--no-store"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        names = truth["pages"]
        for name in names:
            # a scanner writes in pieces: half the file first, the rest a moment later
            data = (src / name).read_bytes()
            part = hot / name
            with open(part, "wb") as fh:
                fh.write(data[: len(data) // 2])
                fh.flush()
                time.sleep(0.1)
                fh.write(data[len(data) // 2:])
        deadline = time.monotonic() + 120
        while journal_counts(out).get("done", 0) < len(names) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert journal_counts(out).get("done", 0) == len(names)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)  # Ctrl+C: the open document and dossier are finished
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    # source paths differ (hot folder) but the split and every document's content are the same
    ref = tree(reference)
    got = tree(out)
    assert sorted(got) == sorted(ref)
    jsons = [rel for rel in ref if rel.endswith(".json")]
    assert len(jsons) == len(truth["dossiers"]) + sum(len(d["documents"]) for d in truth["dossiers"])
    for rel in jsons:
        assert _strip_sources(got[rel]) == _strip_sources(ref[rel]), rel
    others = [rel for rel in ref if rel not in jsons]  # PDFs (pages, text, images), report.csv
    assert {rel: got[rel] for rel in others} == {rel: ref[rel] for rel in others}
    assert set(processed_counts(out).values()) == {1}


def _strip_sources(value):
    if isinstance(value, dict):
        return {k: _strip_sources(v) for k, v in value.items() if k not in ("source", "file", "cover_page")}
    if isinstance(value, list):
        return [_strip_sources(v) for v in value]
    return value


def test_patch_t_sheets_split_documents(tmp_path):
    src = tmp_path / "src"
    truth = make_stack(src, dossiers=1, dpi=150, seed=5, patch=True)
    # the dossier's two documents are separated by a Patch T sheet; drop the stray first page
    (src / truth["pages"][0]).unlink()
    out = tmp_path / "out"
    proc = run_sohoa("batch", str(src), "--out", str(out), "--split-on", "patch", "--no-store")
    assert proc.returncode == 0, proc.stderr
    d = truth["dossiers"][1]
    dossier = json.loads((out / d["code"] / "dossier.json").read_text(encoding="utf-8"))
    assert [[Path(s["file"]).name for s in doc["sources"]] for doc in dossier["documents"]] == \
        [doc["pages"] for doc in d["documents"]]
    assert len(dossier["separator_pages"]) == 1
