"""PAdES signatures: signed export verified, tampering after signing detected, certificate faults in Vietnamese."""
from __future__ import annotations

import zipfile

import pytest
from conftest import pdf_text, run_sohoa
from pki import issue, make_ca
from pypdf import PdfReader
from test_export import CODE, make_dossier_folder

from exports.package import build_package, read_package_bytes, verify_package
from exports.signing import Pkcs12Signer, inspect_signatures, read_password, sign_pdf
from ocr.errors import SohoaError


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def cert(tmp_path, ca):
    return issue(tmp_path / "pki", "Nguyễn Thị Hồng Nhung", ca=ca)



def _fonts(pdf: bytes) -> dict[str, bool]:
    """Every simple or CID font in the file (page or signature appearance) -> embedded?, as pdffonts lists them."""
    import io

    import pikepdf

    out = {}
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font" and "/FontDescriptor" in obj:
                desc = obj.FontDescriptor
                out[str(obj.get("/BaseFont", ""))] = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return out

def test_signed_export_verifies(tmp_path, cert):
    folder = make_dossier_folder(tmp_path / "out")
    out = tmp_path / "signed.zip"
    run_sohoa("export", str(folder), "--out", str(out), "--sign", str(cert.p12),
              "--password-file", str(cert.password_file), check=True)
    files = read_package_bytes(out)
    original = (folder / f"{CODE}.01.pdf").read_bytes()
    signed = files[f"{CODE}.01.pdf"]
    assert signed.startswith(original) and len(signed) > len(original)  # incremental update
    sigs = inspect_signatures(signed)
    assert len(sigs) == 1 and sigs[0].signer == "Nguyễn Thị Hồng Nhung" and sigs[0].ok
    # visible block on page 1, top left, text in an embedded font that has the Vietnamese letters
    text = pdf_text(signed, last_page=1)
    assert "Ký bởi / signed by: Nguyễn Thị Hồng Nhung" in text
    fonts = _fonts(signed)
    assert any("DejaVuSans" in name for name in fonts)
    assert all(fonts.values()), fonts  # every font embedded (PDF/A)
    page = PdfReader(__import__("io").BytesIO(signed)).pages[0]
    annot = [a.get_object() for a in page["/Annots"] if a.get_object().get("/FT") == "/Sig"][0]
    x0, y0, x1, y1 = [float(v) for v in annot["/Rect"]]
    height = float(page.mediabox.top)
    assert x0 < 50 and y1 > height - 50 and x1 - x0 > 150
    meta, before = (PdfReader(__import__("io").BytesIO(data)).metadata for data in (signed, original))
    kept = ("/Title", "/Author", "/Subject", "/Creator", "/CreationDate")  # signing changes only dates/producer
    assert {k: meta.get(k) for k in kept} == {k: before.get(k) for k in kept} and meta.title

    proc = run_sohoa("verify", str(out), "--trust", str(cert.ca_pem))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("ký bởi / signed by Nguyễn Thị Hồng Nhung") == 3 and "manifest.sha256: ký bởi" in proc.stdout and "nguyên vẹn / intact" in proc.stdout
    assert "tin cậy / trusted" in proc.stdout
    # a CA we do not trust is reported
    other_ca = make_ca(tmp_path / "other")[2]
    proc = run_sohoa("verify", str(out), "--trust", str(other_ca))
    assert proc.returncode == 1 and "không thuộc CA tin cậy" in proc.stderr


def test_modified_after_signing_detected(tmp_path, cert, page_png):
    folder = make_dossier_folder(tmp_path / "out", record=False)
    signer = Pkcs12Signer(cert.p12, read_password(cert.password_file))
    signed = sign_pdf((folder / f"{CODE}.02.pdf").read_bytes(), signer)
    # change a byte inside the signed range (the original revision's title)
    at = signed.find(b"/Title")
    tampered = signed[:at] + b"/Title (X)" + signed[at + 10:]
    assert not inspect_signatures(tampered)[0].intact
    # an incremental update after signing that changes page content
    import io

    import pikepdf
    pdf = pikepdf.open(io.BytesIO(signed))
    pdf.pages[0].Contents = pdf.make_stream(b"BT /F1 12 Tf 100 100 Td (forged) Tj ET")
    buf = io.BytesIO()
    pdf.save(buf)
    modified = buf.getvalue()
    infos = inspect_signatures(modified)
    assert infos and not infos[0].ok

    # the same, inside a package whose manifest was re-made to match: verify still fails on the signature
    pkg = build_package(folder, tmp_path / "p.zip", signer=signer).path
    files = read_package_bytes(pkg)
    files[f"{CODE}.02.pdf"] = tampered
    from exports.package import MANIFEST, manifest

    files[MANIFEST] = manifest({k: v for k, v in files.items() if k != MANIFEST})
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as zf:
        for k, v in files.items():
            zf.writestr(k, v)
    report = verify_package(forged)
    assert not report.ok and any("đã bị sửa sau khi ký" in p for p in report.problems)


def test_wrong_password(tmp_path, cert):
    bad = tmp_path / "sai.txt"
    bad.write_text("khong-dung\n", encoding="utf-8")
    with pytest.raises(SohoaError) as err:
        Pkcs12Signer(cert.p12, read_password(bad))
    assert "Sai mật khẩu" in err.value.message
    folder = make_dossier_folder(tmp_path / "out", record=False)
    proc = run_sohoa("export", str(folder), "--out", str(tmp_path / "x.zip"), "--sign", str(cert.p12),
                     "--password-file", str(bad), "--no-store")
    assert proc.returncode != 0 and "Sai mật khẩu chứng thư số" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "x.zip").exists()


def test_expired_certificate(tmp_path, ca):
    old = issue(tmp_path / "pki", "Trần Văn Cũ", expired=True, ca=ca, stem="old")
    with pytest.raises(SohoaError) as err:
        Pkcs12Signer(old.p12, read_password(old.password_file))
    assert "hết hạn" in err.value.message


def test_not_pkcs12(tmp_path):
    fake = tmp_path / "cert.p12"
    fake.write_bytes(b"-----BEGIN CERTIFICATE-----\nnot really\n")
    pw = tmp_path / "pw"
    pw.write_text("x")
    with pytest.raises(SohoaError) as err:
        Pkcs12Signer(fake, read_password(pw))
    assert "không phải chứng thư số PKCS#12" in err.value.message
    with pytest.raises(SohoaError) as err:
        read_password(tmp_path / "missing.txt")
    assert "mật khẩu" in err.value.message
