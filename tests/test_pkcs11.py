"""Signing with a USB token through PKCS#11: a real SoftHSM2 token made in the test's folder,
holding a throw-away key and certificate, used by `sohoa export --pkcs11`."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_sohoa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pki import issue, make_ca
from test_export import CODE, make_dossier_folder
from test_gui import window  # noqa: F401  (fixture)

from exports.package import read_package_bytes
from exports.signing import inspect_signatures

PIN = "246810"


def find_softhsm() -> tuple[Path, str] | None:
    """SoftHSM2's PKCS#11 module and its `softhsm2-util` where they are installed: Debian's
    package on Linux (`make install`), the SoftHSM2 for Windows installer's folder on Windows."""
    if sys.platform == "win32":
        home = Path(os.environ.get("SOFTHSM2_HOME", r"C:\SoftHSM2"))
        module, util = home / "lib" / "softhsm2-x64.dll", home / "bin" / "softhsm2-util.exe"
        return (module, str(util)) if module.is_file() and util.is_file() else None
    util = shutil.which("softhsm2-util")
    for module in (Path("/usr/lib/softhsm/libsofthsm2.so"), Path("/usr/local/lib/softhsm/libsofthsm2.so")):
        if module.is_file() and util:
            return module, util
    return None


FOUND = find_softhsm()
SOFTHSM, SOFTHSM_UTIL = FOUND or (Path("/usr/lib/softhsm/libsofthsm2.so"), "softhsm2-util")
# On Linux a missing SoftHSM fails the tests (conftest: no skip on Linux); a Windows PC may lack it.
needs_softhsm = pytest.mark.skipif(FOUND is None and sys.platform == "win32",
                                   reason=r"Windows: SoftHSM2 for Windows not installed (C:\SoftHSM2 or SOFTHSM2_HOME)")


@pytest.fixture(scope="module")
def token(tmp_path_factory):
    """A token labelled 'sohoa-test' with the key and certificate of an officer, label 'signing'.

    One per module: SoftHSM reads its configuration once per process (at C_Initialize)."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    tmp_path = tmp_path_factory.mktemp("softhsm")
    monkeypatch = pytest.MonkeyPatch()
    ca = make_ca(tmp_path / "ca")
    cert = issue(tmp_path / "pki", "Trần Văn Ký", ca=ca)
    conf, store = tmp_path / "softhsm2.conf", tmp_path / "tokens"
    store.mkdir()
    conf.write_text(f"directories.tokendir = {store}\nobjectstore.backend = file\nlog.level = ERROR\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))  # inherited by the CLI subprocess
    subprocess.run([SOFTHSM_UTIL, "--init-token", "--free", "--label", "sohoa-test", "--so-pin", "13579135",
                    "--pin", PIN], check=True, capture_output=True)
    key, x509_cert, _chain = pkcs12.load_key_and_certificates(cert.p12.read_bytes(), cert.password.encode())
    key_pem = tmp_path / "key.pem"
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    subprocess.run([SOFTHSM_UTIL, "--import", str(key_pem), "--token", "sohoa-test", "--label", "signing",
                    "--id", "01", "--pin", PIN], check=True, capture_output=True)
    key_pem.unlink()
    with pkcs11.lib(str(SOFTHSM)).get_token(token_label="sohoa-test").open(rw=True, user_pin=PIN) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True, Attribute.LABEL: "signing", Attribute.ID: b"\x01",
            Attribute.SUBJECT: x509_cert.subject.public_bytes(),
            Attribute.VALUE: x509_cert.public_bytes(serialization.Encoding.DER)})
    pin_file = tmp_path / "pin.txt"
    pin_file.write_text(PIN + "\n")
    yield pin_file, cert.ca_pem
    monkeypatch.undo()


@needs_softhsm
def test_export_signed_with_a_pkcs11_token_verifies(tmp_path, token):
    pin_file, ca_pem = token
    folder = make_dossier_folder(tmp_path / "out")
    out = tmp_path / "token.zip"
    run_sohoa("export", str(folder), "--out", str(out), "--pkcs11", str(SOFTHSM), "--token", "sohoa-test",
              "--pin-file", str(pin_file), "--cert-label", "signing", check=True)
    sigs = inspect_signatures(read_package_bytes(out)[f"{CODE}.01.pdf"])
    assert len(sigs) == 1 and sigs[0].signer == "Trần Văn Ký" and sigs[0].ok
    proc = run_sohoa("verify", str(out), "--trust", str(ca_pem))
    assert proc.returncode == 0 and "tin cậy / trusted" in proc.stdout, proc.stderr


@needs_softhsm
def test_wrong_pin_is_refused_before_anything_is_written(tmp_path, token):
    _pin_file, _ca = token
    bad = tmp_path / "bad-pin.txt"
    bad.write_text("000000\n")
    folder = make_dossier_folder(tmp_path / "out")
    out = tmp_path / "token.zip"
    proc = run_sohoa("export", str(folder), "--out", str(out), "--pkcs11", str(SOFTHSM), "--token", "sohoa-test",
                     "--pin-file", str(bad), "--cert-label", "signing")
    assert proc.returncode != 0 and "USB ký số" in proc.stderr
    assert not out.exists()


@needs_softhsm
def test_app_exports_signed_with_the_token_of_its_settings(window, qtbot, tmp_path, token, page_png):
    from test_gui import CT01, wait_idle

    from exports.package import verify_package

    pin_file, _ca = token
    w = window
    w.settings.pkcs11_library, w.settings.pkcs11_token, w.settings.pkcs11_cert_label = \
        str(SOFTHSM), "sohoa-test", "signing"
    w.code_edit.setText("000.00.25.H49-240315-0021")
    w.code_edit.editingFinished.emit()
    w.import_files([page_png("ct01.png", CT01, dpi=150)])
    wait_idle(qtbot, w, timeout=90000)
    with qtbot.waitSignal(w.save().done, timeout=60000):
        pass
    assert w.export_package(tmp_path / "x.zip", token_pin="000000") is None  # wrong PIN: refused
    assert "USB ký số" in w.errors[-1] and not (tmp_path / "x.zip").exists()
    with qtbot.waitSignal(w.export_finished, timeout=60000) as sig:
        w.export_package(tmp_path / "goi.zip", token_pin=PIN)
    assert sig.args[0] == str(tmp_path / "goi.zip"), w.errors
    report = verify_package(tmp_path / "goi.zip")
    assert report.ok and any("Trần Văn Ký" in line for line in report.lines), report.lines
