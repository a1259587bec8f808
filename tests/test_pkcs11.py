"""Signing with a USB token through PKCS#11: a real SoftHSM2 token made in the test's folder,
holding a throw-away key and certificate, used by `sohoa export --pkcs11`."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import run_sohoa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pki import issue, make_ca
from test_export import CODE, make_dossier_folder

from exports.package import read_package_bytes
from exports.signing import inspect_signatures

SOFTHSM = Path("/usr/lib/softhsm/libsofthsm2.so")
PIN = "246810"


@pytest.fixture
def token(tmp_path, monkeypatch):
    """A token labelled 'sohoa-test' with the key and certificate of an officer, label 'signing'."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    ca = make_ca(tmp_path / "ca")
    cert = issue(tmp_path / "pki", "Trần Văn Ký", ca=ca)
    conf, store = tmp_path / "softhsm2.conf", tmp_path / "tokens"
    store.mkdir()
    conf.write_text(f"directories.tokendir = {store}\nobjectstore.backend = file\nlog.level = ERROR\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))  # inherited by the CLI subprocess
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "sohoa-test", "--so-pin", "13579135",
                    "--pin", PIN], check=True, capture_output=True)
    key, x509_cert, _chain = pkcs12.load_key_and_certificates(cert.p12.read_bytes(), cert.password.encode())
    key_pem = tmp_path / "key.pem"
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    subprocess.run(["softhsm2-util", "--import", str(key_pem), "--token", "sohoa-test", "--label", "signing",
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
    return pin_file, cert.ca_pem


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
