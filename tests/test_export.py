"""`sohoa export` / `sohoa verify`: package layout, portal dossier.json, Decree 30 metadata, manifest,
tables, and the faults: missing/edited PDFs, corrupt/foreign ZIPs, kill -9 during export."""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from xml.etree import ElementTree as ET

import cv2
import pytest
from conftest import REPO, render_lines, run_sohoa
from test_store import make_document

from exports.package import MANIFEST, build_package, read_package_bytes, verify_package
from exports.save import save_document
from exports.store import open_store
from exports.tabular import field_rows, write_table
from ocr.errors import BadInputError

CODE = "000.00.25.H49-240315-0012"
VAN_BAN = {"co_quan_ban_hanh": "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", "so_ky_hieu": "125/QĐ-UBND",
           "dia_danh": "Quảng Ngãi", "ngay_ban_hanh": "05/03/2024", "loai_van_ban": "QUYẾT ĐỊNH",
           "trich_yeu": "Về việc công nhận tổ trưởng tổ dân phố"}
CT01 = {"ho_ten": "Nguyễn Văn An", "so_dinh_danh": "051203004567", "ngay_sinh": "12/08/1990"}


def _document(stem: str, lines: list[str], form: str, fields: dict):
    """A Document with a real page image (PNG) so the real PDF/A writer has something to embed."""
    doc = make_document(stem, ["\n".join(lines)], form=form, fields=fields)
    img = render_lines(lines, dpi=100)
    ok, png = cv2.imencode(".png", __import__("numpy").asarray(img))
    p = doc.pages[0]
    p.image, p.image_format, p.width, p.height, p.dpi = png.tobytes(), "png", img.width, img.height, 100.0
    p.ocr.width, p.ocr.height = img.width, img.height
    return doc


def make_dossier_folder(root, code: str = CODE, record: bool = True):
    """`root/<code>/` as batch writes it: `<code>.NN.pdf/.json` + dossier.json; recorded in the store."""
    folder = root / code
    docs = [_document(f"{code}.01", ["TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", "Họ tên: Nguyễn Văn An"], "ct01", CT01),
            _document(f"{code}.02", ["ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", "QUYẾT ĐỊNH",
                                     "Về việc công nhận tổ trưởng tổ dân phố"], "van_ban", VAN_BAN)]
    summaries = []
    store = open_store() if record else None
    for n, doc in enumerate(docs, start=1):
        pdf, js = save_document(doc, folder, doc.stem)
        if store is not None:
            store.record_document(doc, pdf, js, dossier_code=code)
        summaries.append({"ordinal": n, "pdf": pdf.name, "json": js.name, "pages": 1, "form": doc.form})
    (folder / "dossier.json").write_text(json.dumps(
        {"schema": "sohoa.dossier/1", "code": code, "code_status": "ok", "folder": code,
         "created": "2024-03-15T09:12:30+07:00", "documents": summaries}, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.fixture
def dossier(tmp_path):
    return make_dossier_folder(tmp_path / "out")


def test_package_layout_and_contents(dossier, tmp_path):
    out = tmp_path / "goi.zip"
    proc = run_sohoa("export", str(dossier), "--out", str(out), "--table", str(tmp_path / "truong.csv"), check=True)
    assert proc.stdout.strip() == str(out)
    files = read_package_bytes(out)
    assert set(files) == {f"{CODE}.01.pdf", f"{CODE}.01.json", f"{CODE}.02.pdf", f"{CODE}.02.json",
                          "dossier.json", "metadata.xml", MANIFEST}
    assert files[f"{CODE}.01.pdf"] == (dossier / f"{CODE}.01.pdf").read_bytes()  # unsigned: byte-identical

    portal = json.loads(files["dossier.json"])
    assert portal["MaHoSo"] == CODE
    assert portal["ChuHoSo"] == "Nguyễn Văn An" and portal["SoGiayToChuHoSo"] == "051203004567"
    assert portal["NgayTiepNhan"] == "20240315091230"
    assert [t["TenTepDinhKem"] for t in portal["TaiLieuNop"]] == [f"{CODE}.01.pdf", f"{CODE}.02.pdf"]
    assert all(t["DuocSoHoa"] is True for t in portal["TaiLieuNop"])

    xml = ET.fromstring(files["metadata.xml"])
    ns = {"n": "urn:sohoa:nd30-2020:phu-luc-vi"}
    assert xml.findtext("n:MaHoSo", namespaces=ns) == CODE
    assert xml.findtext("n:TongSoTrang", namespaces=ns) == "2"
    assert xml.findtext("n:NgonNgu", namespaces=ns) == "Tiếng Việt"
    assert xml.findtext("n:ThoiGianBatDau", namespaces=ns) == "05/03/2024"
    vb = xml.findall("n:DanhSachVanBan/n:VanBan", ns)
    assert len(vb) == 2
    assert vb[1].findtext("n:SoVanBan", namespaces=ns) == "125"
    assert vb[1].findtext("n:KyHieuVanBan", namespaces=ns) == "QĐ-UBND"
    assert vb[1].findtext("n:TenLoaiVanBan", namespaces=ns) == "QUYẾT ĐỊNH"
    assert vb[1].findtext("n:CoQuanBanHanh", namespaces=ns) == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    assert vb[1].findtext("n:NgayThangNamVanBan", namespaces=ns) == "05/03/2024"
    assert vb[1].findtext("n:TrichYeuNoiDung", namespaces=ns).startswith("Về việc")

    # manifest in sha256sum format ('<hex>  <name>'), checked against an unpacked copy as `sha256sum -c` would
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(out).extractall(unpacked)
    for line in (unpacked / MANIFEST).read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((unpacked / name).read_bytes()).hexdigest() == digest, name
    assert len(files[MANIFEST].decode().splitlines()) == len(files) - 1

    # store: documents exported, audit entries chained
    store = open_store()
    assert {h.status for h in store.search(CODE)} == {"exported"}
    from exports import audit
    assert [e.action for e in audit.entries(store.db)][-1] == "exported"
    assert audit.verify(store.db)[1] is None

    # the CSV table opens in Excel: BOM, Vietnamese intact
    raw = (tmp_path / "truong.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI".encode() in raw

    ok = run_sohoa("verify", str(out))
    assert ok.returncode == 0, ok.stderr
    assert "không ký số / unsigned" in ok.stdout


def test_xlsx_table(dossier, tmp_path):
    from openpyxl import load_workbook

    rows = field_rows([dossier])
    assert {r["field"] for r in rows} >= {"ho_ten", "so_ky_hieu"}
    path = write_table(rows, tmp_path / "t.xlsx")
    ws = load_workbook(path).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][0].startswith("Mã hồ sơ")
    assert [CODE, 2, f"{CODE}.02.pdf", "van_ban", "so_ky_hieu", "125/QĐ-UBND"] in [v[:6] for v in values]
    with pytest.raises(Exception):
        write_table(rows, tmp_path / "t.ods")


def test_missing_pdf_refused(dossier, tmp_path):
    (dossier / f"{CODE}.02.pdf").unlink()
    proc = run_sohoa("export", str(dossier), "--out", str(tmp_path / "x.zip"))
    assert proc.returncode != 0 and "Thiếu tệp PDF" in proc.stderr and f"{CODE}.02.pdf" in proc.stderr
    assert not (tmp_path / "x.zip").exists()


def test_edited_pdf_refused(dossier, tmp_path):
    pdf = dossier / f"{CODE}.01.pdf"
    data = pdf.read_bytes()
    pdf.write_bytes(data.replace(b"/Title", b"/Titl\x65", 1) + b"\n% edited\n")
    proc = run_sohoa("export", str(dossier), "--out", str(tmp_path / "x.zip"))
    assert proc.returncode != 0 and "đã bị sửa" in proc.stderr, proc.stderr
    assert not (tmp_path / "x.zip").exists()
    # a broken (non-PDF) file is refused even when the store never saw it
    pdf.write_bytes(b"garbage")
    with pytest.raises(BadInputError):
        build_package(dossier, tmp_path / "y.zip")


def test_verify_detects_tampering(dossier, tmp_path):
    good = build_package(dossier, tmp_path / "good.zip").path
    files = read_package_bytes(good)

    def repack(name, files):
        p = tmp_path / name
        with zipfile.ZipFile(p, "w") as zf:
            for n, d in files.items():
                zf.writestr(n, d)
        return p

    edited = dict(files)
    edited[f"{CODE}.01.pdf"] = files[f"{CODE}.01.pdf"] + b"% appended\n"
    proc = run_sohoa("verify", str(repack("edited.zip", edited)))
    assert proc.returncode == 1 and f"{CODE}.01.pdf: mã băm không khớp" in proc.stderr

    missing = {k: v for k, v in files.items() if k != f"{CODE}.02.pdf"}
    proc = run_sohoa("verify", str(repack("missing.zip", missing)))
    assert proc.returncode == 1 and f"{CODE}.02.pdf: có trong manifest nhưng thiếu" in proc.stderr

    extra = dict(files, **{"them.pdf": b"%PDF-1.4"})
    assert any("them.pdf: không có trong manifest" in p for p in verify_package(repack("extra.zip", extra)).problems)

    foreign = tmp_path / "foreign.zip"
    with zipfile.ZipFile(foreign, "w") as zf:
        zf.writestr("readme.txt", "hello")
    proc = run_sohoa("verify", str(foreign))
    assert proc.returncode != 0 and "thiếu manifest.sha256" in proc.stderr

    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    proc = run_sohoa("verify", str(corrupt))
    assert proc.returncode != 0 and "Không phải tệp ZIP hoặc tệp đã hỏng" in proc.stderr

    # a flipped byte inside a stored PDF: the ZIP's CRC or the manifest catches it
    raw = bytearray(good.read_bytes())
    at = raw.find(b"%PDF-") + 200
    raw[at] ^= 0xFF
    flipped = tmp_path / "flipped.zip"
    flipped.write_bytes(bytes(raw))
    assert not verify_package(flipped).ok

    not_zip = tmp_path / "not.zip"
    not_zip.write_text("xin chào")
    assert run_sohoa("verify", str(not_zip)).returncode != 0


def test_no_silent_overwrite(dossier, tmp_path):
    first = build_package(dossier, tmp_path / "p.zip").path
    second = build_package(dossier, tmp_path / "p.zip").path
    assert first.name == "p.zip" and second.name == "p-2.zip"
    third = build_package(dossier, tmp_path / "p.zip", overwrite=True).path
    assert third == first


def test_kill_during_export_leaves_no_partial_zip(tmp_path):
    """A big dossier so the export is still running when killed; the final name never holds a partial ZIP."""
    folder = make_dossier_folder(tmp_path / "out", record=False)
    rng = __import__("numpy").random.default_rng(1)
    for n in range(3, 9):  # large incompressible PDFs (noise images) make packing take a while
        pdf = folder / f"{CODE}.{n:02d}.pdf"
        buf = io.BytesIO()
        from PIL import Image

        Image.fromarray(rng.integers(0, 255, (1400, 1400, 3), dtype="uint8")).save(buf, "PDF", resolution=100)
        pdf.write_bytes(buf.getvalue())
    listing = json.loads((folder / "dossier.json").read_text(encoding="utf-8"))
    listing["documents"] += [{"ordinal": n, "pdf": f"{CODE}.{n:02d}.pdf", "json": None} for n in range(3, 9)]
    (folder / "dossier.json").write_text(json.dumps(listing, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "big.zip"
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, "-m", "scanner_app.cli", "export", str(folder), "--out", str(out),
                             "--no-store"], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(tmp_path.glob(".big.zip.*.part")):
        if proc.poll() is not None:
            pytest.fail("export finished before it could be killed: " + proc.stderr.read().decode())
        time.sleep(0.002)
    proc.kill()  # SIGKILL on POSIX, TerminateProcess (exit code 1) on Windows: no cleanup runs
    proc.wait()
    assert proc.returncode == (1 if sys.platform == "win32" else -signal.SIGKILL)
    assert not out.exists()
    rerun = run_sohoa("export", str(folder), "--out", str(out), "--no-store", check=True)
    assert rerun.stdout.strip() == str(out)
    assert not list(tmp_path.glob(".big.zip.*.part"))
    assert verify_package(out).ok
    files = read_package_bytes(out)
    assert hashlib.sha256(files[f"{CODE}.05.pdf"]).digest() == hashlib.sha256(
        (folder / f"{CODE}.05.pdf").read_bytes()).digest()


@pytest.mark.skipif(sys.platform != "linux", reason="tmpfs in a mount namespace: Linux only (not Windows/macOS)")
def test_full_disk_gives_a_clear_message_and_no_partial_file(dossier, tmp_path):
    """The package written to a 4 KB tmpfs, mounted in a private mount namespace (a user namespace
    when not root), so the test runs, and is cleaned up, without root or sudo."""
    disk = tmp_path / "tiny"
    disk.mkdir()
    unshare = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "--user", "--map-root-user", "--mount"]
    script = 'mount -t tmpfs -o size=4k tmpfs "$0" || exit 99; "$@"; rc=$?; echo "left:$(ls -A "$0")"; exit $rc'
    proc = subprocess.run([*unshare, "sh", "-c", script, str(disk), sys.executable, "-m", "scanner_app.cli",
                           "export", str(dossier), "--out", str(disk / "goi.zip")],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode not in (0, 99), proc.stderr
    assert "Hết dung lượng đĩa" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout.splitlines() == ["left:"]  # neither the ZIP nor a temporary part is left


def test_package_name_keeps_the_whole_dossier_code():
    from exports.package import package_path

    assert package_path("/x/000.00.25.H49-240315-0012").name == "000.00.25.H49-240315-0012.zip"
    assert package_path("/x/000.00.25.H49-240315-0012.ZIP").name == "000.00.25.H49-240315-0012.ZIP"
    assert package_path("goi_nop").name == "goi_nop.zip"
