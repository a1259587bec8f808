"""Throw-away PKI for signature tests: a CA, signer certificates (one expired), PKCS#12 files.

Built with `cryptography` in the test's temporary folder; nothing here is a real credential.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass
class Issued:
    p12: Path
    password_file: Path
    password: str
    cert: x509.Certificate
    ca_pem: Path


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "UBND xã Thử Nghiệm (test)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_ca(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    key = _key()
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name("Test CA sohoa")).issuer_name(_name("Test CA sohoa"))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=3650)).not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    pem = folder / "ca.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, pem


def issue(folder: Path, name: str, *, password: str = "mật-khẩu-thử", expired: bool = False,
          ca=None, stem: str = "signer") -> Issued:
    """A signer certificate under `ca` (made when None), saved as PKCS#12 with a password file."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert, ca_pem = ca or make_ca(folder)
    key = _key()
    now = dt.datetime.now(dt.timezone.utc)
    start, end = ((now - dt.timedelta(days=400), now - dt.timedelta(days=35)) if expired
                  else (now - dt.timedelta(days=1), now + dt.timedelta(days=365)))
    cert = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    p12 = folder / f"{stem}.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        stem.encode(), key, cert, [ca_cert], serialization.BestAvailableEncryption(password.encode("utf-8"))))
    pw = folder / f"{stem}.password.txt"
    pw.write_text(password + "\n", encoding="utf-8")
    return Issued(p12, pw, password, cert, ca_pem)
