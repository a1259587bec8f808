"""Hostile and unlucky input, generated here (no committed binaries): each case ends in one clear
Vietnamese/English line, never a traceback, and the good inputs of the same run are still done.
docs/faults.md lists the promises these tests hold."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import threading
import zipfile

import numpy as np
import pytest
from conftest import REPO, run_sohoa
from PIL import Image
from pki import issue, make_ca
from test_export import CODE, make_dossier_folder

from exports.package import MANIFEST, MANIFEST_SIGNATURE, build_package, manifest, read_package_bytes, verify_package
from exports.signing import Pkcs12Signer, read_password
from exports.tabular import field_rows, write_table
from ocr import imageio
from ocr.errors import BadInputError


def one_error_line(proc) -> str:
    """The run's stderr has no traceback; returns its 'Lỗi' / 'LỖI' lines."""
    assert "Traceback" not in proc.stderr, proc.stderr
    return "\n".join(l for l in proc.stderr.splitlines() if "Lỗi" in l or "LỖI" in l)


def multipage_tiff(pages: int = 3) -> bytes:
    rng = np.random.default_rng(1)
    frames = [Image.fromarray(rng.integers(0, 255, (300, 300), dtype=np.uint8)) for _ in range(pages)]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:])
    return buf.getvalue()


no_fifo = pytest.mark.skipif(sys.platform == "win32", reason="Windows: no FIFO in the file system (POSIX only)")
no_fsize_limit = pytest.mark.skipif(sys.platform == "win32",
                                    reason="Windows: no per-process file-size limit (RLIMIT_FSIZE) to fill the disk")


def run_capped(cmd: list[str], cap: int, timeout: float, **kw) -> subprocess.CompletedProcess:
    """Run `cmd` with at most `cap` bytes of memory. POSIX: an address-space limit (RLIMIT_AS), so
    a larger allocation fails in the child. Windows: the child's peak commit (private bytes) is
    watched, and going past `cap` makes the run fail (exit code 99, a line on stderr)."""
    if sys.platform != "win32":
        import resource

        def limit():
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

        return subprocess.run(cmd, capture_output=True, text=True, preexec_fn=limit, timeout=timeout, **kw)
    import psutil

    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                             **kw)
    peak = [0]

    def watch():
        try:
            watched = psutil.Process(child.pid)
            while child.poll() is None:
                peak[0] = max(peak[0], watched.memory_info().peak_pagefile)
                threading.Event().wait(0.05)
        except psutil.Error:  # exited between two looks
            pass

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = child.communicate(timeout=timeout)
    watcher.join()
    code = child.returncode
    if peak[0] > cap:
        code, err = 99, f"{err}\nmemory cap exceeded: peak {peak[0]} > {cap} bytes"
    return subprocess.CompletedProcess(cmd, code, out, err)


def repack(path, files: dict[str, bytes], compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in files.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return path


# ------------------------------------------------------------------ readers (defects 1, 16, 18)
@pytest.mark.parametrize("cut", [0.5, 0.05, 0.002])
def test_truncated_multipage_tiff_is_that_files_error(tmp_path, cut, recwarn):
    data = multipage_tiff()
    path = tmp_path / "cut.tif"
    path.write_bytes(data[: max(int(len(data) * cut), 20)])
    with pytest.raises(BadInputError) as err:
        imageio.count_pages(path)
        imageio.load_page(path, 0)
    assert str(path) in err.value.message and "/" in err.value.message
    assert not [w for w in recwarn if "EXIF" in str(w.message)]  # decoder noise stays inside


@no_fifo
def test_fifo_refused_not_blocking(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    with pytest.raises(BadInputError) as err:
        imageio.count_pages(fifo)  # would block forever on open()
    assert "Không phải tệp thông thường" in err.value.message


def test_process_goes_on_after_truncated_tiff_and_fifo(tmp_path, page_png):
    good = page_png("good.png", ["GIẤY HẸN TRẢ KẾT QUẢ", "Ông Lê Văn Tám"])
    cut = tmp_path / "cut.tif"
    data = multipage_tiff()
    cut.write_bytes(data[: len(data) // 2])
    bad = [cut]
    if hasattr(os, "mkfifo"):  # Windows has no FIFO in the file system: the truncated TIFF only
        bad.append(tmp_path / "pipe.tif")
        os.mkfifo(bad[-1])
    out = tmp_path / "out"
    proc = run_sohoa("process", str(good), *map(str, bad), "--out", str(out), "--jobs", "1", timeout=240)
    assert proc.returncode != 0
    errors = one_error_line(proc)
    assert all(p.name in errors for p in bad)
    assert (out / "good.pdf").is_file() and (out / "good.json").is_file()
    assert not (out / "cut.pdf").exists()


def test_batch_goes_on_after_truncated_tiff_also_when_run_again(tmp_path, page_png):
    src = tmp_path / "src"
    src.mkdir()
    page_png("p1.png", ["GIẤY HẸN", "Ông Lê Văn Tám"]).rename(src / "p1.png")
    data = multipage_tiff()
    (src / "p2.tif").write_bytes(data[: len(data) // 2])
    out = tmp_path / "out"
    for _ in range(2):  # it crashed on every re-run before
        proc = run_sohoa("batch", str(src), "--out", str(out), "--no-store", "--jobs", "1")
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert "p2.tif" in (out / "report.csv").read_bytes().decode("utf-8-sig")
        assert len(list(out.rglob("*.pdf"))) == 1


# ------------------------------------------------------------------ packages (defects 2-6, 14)
@pytest.fixture
def package(tmp_path):
    folder = make_dossier_folder(tmp_path / "out", record=False)
    return build_package(folder, tmp_path / "good.zip").path


@pytest.mark.parametrize("evil", ["../../x", "/abs/path", "..\\..\\x.bat", "C:x.bat", "a/b.pdf", "bell\x07.pdf"])
def test_verify_refuses_unsafe_names_even_when_listed(tmp_path, package, evil):
    files = read_package_bytes(package)
    files[evil] = b"payload"
    files[MANIFEST] = manifest({k: v for k, v in files.items() if k != MANIFEST})
    proc = run_sohoa("verify", str(repack(tmp_path / "evil.zip", files)))
    assert proc.returncode != 0 and "tên tệp không an toàn" in one_error_line(proc)


def test_verify_refuses_duplicate_entries(tmp_path, package):
    files = read_package_bytes(package)
    dup = tmp_path / "dup.zip"
    repack(dup, files)
    with pytest.warns(UserWarning), zipfile.ZipFile(dup, "a") as zf:
        zf.writestr(f"{CODE}.01.pdf", b"%PDF-1.4 other copy")
    with pytest.raises(BadInputError) as err:
        verify_package(dup)
    assert "trùng lặp" in err.value.message


def test_verify_refuses_zip_bomb_in_bounded_memory(tmp_path, package):
    files = read_package_bytes(package)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        with zf.open("metadata2.xml", "w", force_zip64=True) as fh:  # 192 MB of zeros in ~0.2 MB
            block = bytes(64 * 1024 * 1024)
            for _ in range(3):
                fh.write(block)
    assert bomb.stat().st_size < 2 * 1024 * 1024

    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = run_capped([sys.executable, "-m", "scanner_app.cli", "verify", str(bomb)], 1024 ** 3, timeout=120,
                      env=env, cwd=REPO)
    assert proc.returncode == 2 and "bom ZIP" in one_error_line(proc)


def test_verify_reports_lying_sizes_as_damage(tmp_path, package):
    """An entry whose header under-states its size: zipfile stops at the stated size and the CRC fails."""
    files = read_package_bytes(package)
    path = repack(tmp_path / "lie.zip", files, zipfile.ZIP_DEFLATED)
    raw = bytearray(path.read_bytes())
    cd = raw.rfind(b"PK\x01\x02")  # last central directory entry
    assert cd > 0
    raw[cd + 24:cd + 28] = (1).to_bytes(4, "little")  # uncompressed size: 1 byte
    path.write_bytes(bytes(raw))
    report = verify_package(path)
    assert not report.ok


@pytest.fixture(scope="module")
def signer(tmp_path_factory):
    root = tmp_path_factory.mktemp("pki")
    cert = issue(root / "c", "Trần Thị Thu Hà", ca=make_ca(root / "ca"))
    return cert, Pkcs12Signer(cert.p12, read_password(cert.password_file))


def roots(cert):
    from asn1crypto import pem, x509

    return [x509.Certificate.load(der) for _, _, der in pem.unarmor(cert.ca_pem.read_bytes(), multiple=True)]


def _resigned_manifest(files):
    files[MANIFEST] = manifest({k: v for k, v in files.items() if k not in (MANIFEST, MANIFEST_SIGNATURE)})
    return files


def test_signed_package_with_an_unsigned_pdf_fails(tmp_path, signer):
    cert, sg = signer
    folder = make_dossier_folder(tmp_path / "out", record=False)
    pkg = build_package(folder, tmp_path / "s.zip", signer=sg).path
    assert verify_package(pkg, roots(cert)).ok
    files = read_package_bytes(pkg)
    files[f"{CODE}.01.pdf"] = (folder / f"{CODE}.01.pdf").read_bytes()  # the unsigned original
    forged = repack(tmp_path / "f.zip", _resigned_manifest(files))
    proc = run_sohoa("verify", str(forged), "--trust", str(cert.ca_pem))
    assert proc.returncode == 1
    errors = one_error_line(proc)
    assert f"{CODE}.01.pdf: gói ký số nhưng tài liệu này không được ký" in errors
    assert "chữ ký danh mục gói không hợp lệ" in errors  # the manifest changed under its signature


def test_signed_package_json_changed_fails(tmp_path, signer):
    cert, sg = signer
    folder = make_dossier_folder(tmp_path / "out", record=False)
    files = read_package_bytes(build_package(folder, tmp_path / "s.zip", signer=sg).path)
    js = json.loads(files[f"{CODE}.01.json"])
    js["fields"]["ho_ten"]["value"] = "Kẻ Mạo Danh"
    files[f"{CODE}.01.json"] = json.dumps(js, ensure_ascii=False).encode()
    report = verify_package(repack(tmp_path / "f.zip", _resigned_manifest(files)), roots(cert))
    assert any(p.startswith(MANIFEST_SIGNATURE) for p in report.problems)
    # stripping the manifest signature and every PDF signature does not pass --trust either
    stripped = {k: v for k, v in files.items() if k != MANIFEST_SIGNATURE}
    for n in (1, 2):
        stripped[f"{CODE}.0{n}.pdf"] = (folder / f"{CODE}.0{n}.pdf").read_bytes()
    report = verify_package(repack(tmp_path / "g.zip", _resigned_manifest(stripped)), roots(cert))
    assert any("danh mục gói không được ký số" in p for p in report.problems)


def test_export_confined_to_the_dossier_folder(tmp_path):
    folder = make_dossier_folder(tmp_path / "out", record=False)
    other = make_dossier_folder(tmp_path / "other", code="000.00.25.H49-240316-0001", record=False)
    listing = json.loads((folder / "dossier.json").read_text(encoding="utf-8"))
    for evil in (f"../../other/{other.name}/{other.name}.01.pdf", str(other / f"{other.name}.01.pdf")):
        listing["documents"][0]["pdf"] = evil
        (folder / "dossier.json").write_text(json.dumps(listing, ensure_ascii=False), encoding="utf-8")
        proc = run_sohoa("export", str(folder), "--out", str(tmp_path / "x.zip"), "--no-store")
        assert proc.returncode == 2 and "ngoài thư mục hồ sơ" in one_error_line(proc)
        assert not (tmp_path / "x.zip").exists()


# ------------------------------------------------------------------ tables (defect 7)
FORMULAS = ["=HYPERLINK(\"http://x\";\"bấm\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_tables_never_hold_live_formulas(tmp_path):
    folder = make_dossier_folder(tmp_path / "out", record=False)
    js_path = folder / f"{CODE}.01.json"
    js = json.loads(js_path.read_text(encoding="utf-8"))
    for i, value in enumerate(FORMULAS):
        js["fields"][f"x{i}"] = {"value": value, "valid": True, "confidence": 1.0}
    js_path.write_text(json.dumps(js, ensure_ascii=False), encoding="utf-8")
    rows = field_rows([folder])
    text = write_table(rows, tmp_path / "t.csv").read_bytes().decode("utf-8-sig")
    values = [r[5] for r in csv.reader(io.StringIO(text))]
    for value in FORMULAS:
        assert "'" + value in values
    from openpyxl import load_workbook

    ws = load_workbook(write_table(rows, tmp_path / "t.xlsx")).active
    cells = [c for c in ws["F"] if c.value in FORMULAS]
    assert len(cells) == len(FORMULAS) and all(c.data_type == "s" for c in cells)


# ------------------------------------------------------------------ templates (defects 8, 17)
TEMPLATE = """id: hostile
name: Mẫu thử
match_regex:
  - '{rx}'
fields:
  - id: ho_ten
    label: Họ và tên
"""


def test_backtracking_regex_cannot_hang_recognition(tmp_path):
    """Python's `re` takes longer than the universe on this; the test would time out."""
    from templates.recognize import score_template
    from templates.registry import parse_template

    tpl = parse_template(TEMPLATE.format(rx="^(a+)+$"), tmp_path / "t.yaml")
    from templates.extract import Row, Tok

    text = "a" * 30_000 + "!"
    rows = [Row(page=1, index=0, toks=[Tok(text=text, key=text[:-1], bbox=(0, 0, 900, 30), conf=90.0)], width=1000)]
    assert score_template(tpl, rows, []) == 0.0


@pytest.mark.parametrize("rx", [r"(\w+)\1", "(?<=so)x"])
def test_regex_needing_backtracking_refused_with_file_and_line(tmp_path, rx):
    from ocr.errors import TemplateError
    from templates.registry import load_template

    path = tmp_path / "t.yaml"
    path.write_text(TEMPLATE.format(rx=rx), encoding="utf-8")
    with pytest.raises(TemplateError) as err:
        load_template(path)
    assert f"{path}:4" in err.value.message and "RE2" in err.value.message


def test_huge_templates_refused_quickly(tmp_path):
    import time

    from ocr.errors import TemplateError
    from templates.registry import MAX_FIELDS, load_template

    many = tmp_path / "many.yaml"
    many.write_text(TEMPLATE.format(rx="x") + "".join(f"  - {{id: f{i}, label: L{i}}}\n"
                                                       for i in range(MAX_FIELDS + 1)), encoding="utf-8")
    big = tmp_path / "big.yaml"
    with open(big, "w", encoding="utf-8") as fh:
        fh.write(TEMPLATE.format(rx="x"))
        for i in range(500_000):
            fh.write(f"  - {{id: f{i}, label: L{i}}}\n")
    start = time.monotonic()
    for path, words in ((many, "Quá nhiều trường"), (big, "quá lớn")):
        with pytest.raises(TemplateError) as err:
            load_template(path)
        assert words in err.value.message and str(path) in err.value.message
    assert time.monotonic() - start < 5


# ------------------------------------------------------------------ store, batch output (defects 10, 11)
def _limited(fsize: int):
    """A child process whose files cannot grow past `fsize` bytes: a full disk without root or mounts."""
    def limit():
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    return limit


def _sohoa(*args, preexec=None, timeout=240):
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "scanner_app.cli", *args], capture_output=True, text=True,
                          env=env, cwd=REPO, preexec_fn=preexec, timeout=timeout)


def test_damaged_store_page_is_one_line_with_recovery_advice(sohoa_home):
    from test_store import make_document

    from exports.store import open_store

    with open_store() as store:
        for i in range(40):
            text = " ".join(f"Nguyễn Văn An {i} hộ khẩu thường trú số {i * 7 + j}" for j in range(60))
            store.record_document(make_document(f"{CODE}.{i:02d}", [text]), sohoa_home / f"{i}.pdf",
                                  sohoa_home / f"{i}.json", dossier_code=CODE)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert (sohoa_home / "sohoa.db.bak").is_file()  # the backup the advice points to
    db = sohoa_home / "sohoa.db"
    raw = bytearray(db.read_bytes())
    pages = len(raw) // 4096
    assert pages > 20
    for p in range(pages // 3, 2 * pages // 3):  # damage the middle third
        raw[p * 4096 + 100:p * 4096 + 4000] = os.urandom(3900)
    db.write_bytes(bytes(raw))
    proc = run_sohoa("search", "Nguyễn Văn An")
    assert proc.returncode == 2, proc.stderr
    line = one_error_line(proc)
    assert "bị hỏng" in line and "integrity_check" in line and "sohoa.db.bak" in line


@no_fsize_limit
def test_store_on_a_full_disk_is_one_line(sohoa_home):
    proc = _sohoa("search", "An", preexec=_limited(8192))
    assert proc.returncode == 2 and "ổ đĩa đầy" in one_error_line(proc)


@no_fsize_limit
def test_batch_output_unwritable_then_resumed(tmp_path, page_png):
    src = tmp_path / "src"
    src.mkdir()
    page_png("p1.png", ["GIẤY HẸN", "Ông Lê Văn Tám"]).rename(src / "=1+1.png")  # a formula as a file name
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    proc = _sohoa("batch", str(src), "--out", str(blocker / "out"), "--no-store", "--jobs", "1")
    assert proc.returncode == 2 and "tệp, không phải thư mục" in one_error_line(proc)
    out = tmp_path / "out"
    proc = _sohoa("batch", str(src), "--out", str(out), "--no-store", "--jobs", "1", preexec=_limited(40_000))
    errors = one_error_line(proc)
    assert proc.returncode == 2 and ("Hết dung lượng đĩa" in errors or "disk I/O error" in errors), proc.stderr
    proc = _sohoa("batch", str(src), "--out", str(out), "--no-store", "--jobs", "1")  # space freed
    assert proc.returncode == 0, proc.stderr
    assert list(out.rglob("*.pdf"))
    report = list(csv.reader(io.StringIO((out / "report.csv").read_bytes().decode("utf-8-sig"))))
    cells = [c for row in report for c in row if "=1+1" in c]
    assert cells and all(c.startswith("'") for c in cells)  # the source name neutralised in report.csv


# ------------------------------------------------------------------ names (defect 15)
def test_output_names_of_any_length_are_written(tmp_path, page_png):
    stem = ("Tờ khai thay đổi thông tin cư trú của ông Nguyễn Văn An " * 5).encode()[:246].decode("utf-8", "ignore").strip()
    assert 240 <= len(f"{stem}.png".encode()) <= 255
    src = page_png("a.png", ["GIẤY HẸN", "Ông Lê Văn Tám"]).rename(tmp_path / f"{stem}.png")
    out = tmp_path / "out"
    for _ in range(2):  # the second run writes beside the first (the '-2' names)
        proc = run_sohoa("process", str(tmp_path / f"{stem}.png"), "--out", str(out), "--jobs", "1", "--no-store")
        assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in out.iterdir())
    assert len([n for n in names if n.endswith(".pdf")]) == 2 and len([n for n in names if n.endswith(".json")]) == 2
    assert all(len(n.encode()) <= 255 for n in names) and not [n for n in names if n.endswith(".part")]
    assert all(n.startswith(stem[:100]) for n in names)


# ------------------------------------------------------------------ quiet libraries (defect 18)
def test_damaged_tiff_page_leaves_no_libtiff_line(tmp_path, page_png):
    rng = np.random.default_rng(0)
    frames = [Image.fromarray(rng.integers(0, 255, (300, 300), dtype=np.uint8)) for _ in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    data = bytearray(buf.getvalue())
    for i in range(len(data) // 3, len(data) // 3 + 200):  # inside page 2's strip
        data[i] ^= 0x5A
    bad = tmp_path / "bad.tif"
    bad.write_bytes(bytes(data))
    proc = run_sohoa("process", str(bad), "--out", str(tmp_path / "out"), "--jobs", "1", "--no-store")
    assert proc.returncode != 0 and "bad.tif" in one_error_line(proc) and "trang 2" in one_error_line(proc)
    assert "Using code not yet in table" not in proc.stderr  # libtiff's own stderr line


def test_verify_of_a_modified_signed_pdf_prints_no_library_traceback(tmp_path, signer):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    cert, sg = signer
    folder = make_dossier_folder(tmp_path / "out", record=False)
    files = read_package_bytes(build_package(folder, tmp_path / "s.zip", signer=sg).path)
    name = f"{CODE}.01.pdf"
    writer = IncrementalPdfFileWriter(io.BytesIO(files[name]))
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 12 Tf 10 10 Td (gia mao) Tj ET"))
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    files[name] = out.getvalue()
    proc = run_sohoa("verify", str(repack(tmp_path / "f.zip", _resigned_manifest(files))))
    assert proc.returncode == 1 and f"{name}: chữ ký" in one_error_line(proc)
    assert "WARNING" not in proc.stderr and "pyhanko" not in proc.stderr


# ------------------------------------------------------------------ the last line of defence
def test_an_unforeseen_error_is_one_line_and_a_crash_log(monkeypatch, capsys, sohoa_home):
    """A bug (any exception no command foresaw) still ends in one line; the traceback goes to a file."""
    from scanner_app import cli
    from scanner_app.commands import verify

    def bug(args):
        raise KeyError("a bug")

    monkeypatch.setattr(verify, "run", bug)  # the fault injected: a command with a bug
    assert cli.main(["verify", "x.zip"]) == 70
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Lỗi nội bộ" in err and "Traceback" not in err
    logs = list((sohoa_home / "logs").glob("crash-*.log"))
    assert len(logs) == 1 and "KeyError: 'a bug'" in logs[0].read_text(encoding="utf-8")


def test_verify_of_the_largest_allowed_document_stays_under_1_gb(tmp_path, signer):
    """A signed document (the worst case: pyHanko's validation holds copies) close to the per-entry
    cap: streamed, hashed, validated under a 1 GB address-space limit."""
    import pikepdf

    from exports.package import MAX_MEMBER_BYTES

    folder = make_dossier_folder(tmp_path / "out", record=False)
    pdf_path = folder / f"{CODE}.01.pdf"
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        pdf.Root.Junk = pdf.make_stream(os.urandom(MAX_MEMBER_BYTES - 10 * 1024 * 1024))  # incompressible
        pdf.save(pdf_path)
    pkg = build_package(folder, tmp_path / "big.zip", signer=signer[1]).path
    pdf_path.unlink()

    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    proc = run_capped([sys.executable, "-m", "scanner_app.cli", "verify", str(pkg)], 1024 ** 3, timeout=240,
                      env=env, cwd=REPO)
    assert proc.returncode == 0 and "package intact" in proc.stderr, proc.stderr


def test_export_refuses_a_link_out_of_the_folder(tmp_path):
    folder = make_dossier_folder(tmp_path / "out", record=False)
    (folder / "dossier.json").unlink()  # the folder is listed as it is
    secret = tmp_path / "secret.pdf"
    secret.write_bytes((folder / f"{CODE}.01.pdf").read_bytes())
    link = folder / "zz.pdf"
    try:
        link.symlink_to(secret)
    except OSError:  # Windows without Developer Mode: an officer cannot make one either
        pytest.skip("Windows: creating a symbolic link needs Developer Mode or administrator rights")
    if not link.is_symlink():
        pytest.skip("Windows under Wine: Wine 8 makes the link as a plain file")
    with pytest.raises(BadInputError) as err:
        build_package(folder, tmp_path / "x.zip")
    assert "ngoài thư mục hồ sơ" in err.value.message and not (tmp_path / "x.zip").exists()
