"""PAdES signatures with pyHanko behind a small `Signer` interface, and signature inspection.

A `Signer` only has to produce a pyHanko signer object and a display name, so a PKCS#11 token
(USB key of the officer's digital signature, as issued by the Government CA or commercial CAs in
Vietnam) plugs in next to the PKCS#12 file signer: see `Pkcs11Signer` and docs/export.md.

Signing is an incremental update: the original PDF/A bytes stay unchanged in front of the
signature, so the archive copy and the signed copy share their content. The visible block
(signer name, time) sits at the top left of page 1 and uses DejaVu Sans embedded as a subset
(TrueType, covers Vietnamese), because PDF/A forbids unembedded standard fonts.
"""
from __future__ import annotations

import contextlib
import io
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional, Protocol

from ocr.errors import SohoaError

log = logging.getLogger(__name__)
# fontTools reports every table it drops while subsetting the signature font; noise for officers
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

FONT_FILE = Path(__file__).with_name("fonts") / "DejaVuSans.ttf"
FIELD_NAME = "ChuKySoHoa"
#: visible block, PDF points from the top-left corner of page 1: x, y, width, height
BLOCK = (18, 18, 230, 46)


class Signer(Protocol):
    """What a signing back-end provides: pyHanko's signer object and the signer's display name."""

    name: str

    def pyhanko_signer(self):  # -> pyhanko.sign.signers.Signer
        ...


def read_password(path) -> bytes:
    """The first line of a password file (so no password on the command line or in shell history)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SohoaError(f"Không đọc được tệp mật khẩu ({exc.strerror})", "cannot read the password file",
                         path=str(path)) from None
    lines = text.splitlines()
    return (lines[0] if lines else "").encode("utf-8")


def _check_validity(cert, where: str) -> None:
    """Refuse certificates outside their validity period: a signature made with them is worthless."""
    now = datetime.now(timezone.utc)
    not_after = cert["tbs_certificate"]["validity"]["not_after"].native
    not_before = cert["tbs_certificate"]["validity"]["not_before"].native
    if now > not_after:
        raise SohoaError(f"Chứng thư số đã hết hạn ngày {not_after.astimezone():%d/%m/%Y}; hãy gia hạn "
                         "hoặc dùng chứng thư khác",
                         f"the certificate expired on {not_after:%Y-%m-%d}", path=where)
    if now < not_before:
        raise SohoaError(f"Chứng thư số chưa có hiệu lực (từ ngày {not_before.astimezone():%d/%m/%Y})",
                         "the certificate is not valid yet", path=where)


def _common_name(cert) -> str:
    subject = cert.subject.native
    return subject.get("common_name") or cert.subject.human_friendly


class Pkcs12Signer:
    """A key and certificate chain from a .p12/.pfx file protected by a password."""

    def __init__(self, p12_path, password: bytes):
        from asn1crypto import pkcs12 as asn1_pkcs12
        from pyhanko.sign.signers import SimpleSigner

        path = Path(p12_path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SohoaError(f"Không đọc được tệp chứng thư số ({exc.strerror})", "cannot read the certificate file",
                             path=str(path)) from None
        try:  # structure first, so a wrong password and a wrong file get different messages
            asn1_pkcs12.Pfx.load(data)["auth_safe"]["content_type"].native
        except Exception:
            raise SohoaError("Tệp không phải chứng thư số PKCS#12 (.p12/.pfx)", "not a PKCS#12 file",
                             path=str(path)) from None
        try:
            signer = SimpleSigner.load_pkcs12_data(data, other_certs=None, passphrase=password or None)
        except (ValueError, TypeError):
            signer = None
        if signer is None:
            raise SohoaError("Sai mật khẩu chứng thư số", "wrong certificate password", path=str(path))
        _check_validity(signer.signing_cert, str(path))
        self.signer = signer
        self.name = _common_name(signer.signing_cert)

    def pyhanko_signer(self):
        return self.signer


class Pkcs11Signer:
    """A key on a PKCS#11 token (USB signing key). Needs `python-pkcs11` and the vendor's PKCS#11 library.

    Example: `Pkcs11Signer("/usr/lib/x86_64-linux-gnu/libvnpt-ca.so", token_label="VNPT-CA",
    pin=b"...", cert_label="signing")`. Tested against a SoftHSM2 token (tests/test_pkcs11.py).
    """

    def __init__(self, module_path: str, token_label: str, pin: bytes, cert_label: Optional[str] = None,
                 key_label: Optional[str] = None):
        try:
            from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
        except ImportError:
            raise SohoaError("Chưa cài gói python-pkcs11 để dùng USB ký số",
                             "python-pkcs11 is not installed (pip install 'sohoa[pkcs11]')") from None
        try:
            from pyhanko.config.pkcs11 import TokenCriteria

            self.session = open_pkcs11_session(module_path, token_criteria=TokenCriteria(label=token_label),
                                               user_pin=pin.decode("utf-8"))
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__  # PinIncorrect has no text
            raise SohoaError(f"Không mở được USB ký số ({reason})", "cannot open the PKCS#11 token") from None
        self.signer = PKCS11Signer(self.session, cert_label=cert_label, key_label=key_label)
        _check_validity(self.signer.signing_cert, token_label)
        self.name = _common_name(self.signer.signing_cert)

    def pyhanko_signer(self):
        return self.signer


def sign_pdf(data: bytes, signer: Signer, *, when: Optional[datetime] = None, reason: str = "Số hóa hồ sơ",
             location: str = "") -> bytes:
    """The PDF with one more revision: a PAdES B-B signature and its visible block on page 1."""
    from pyhanko.pdf_utils import text
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.layout import SimpleBoxLayoutRule, AxisAlignment, Margins
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    when = when or datetime.now().astimezone()
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        first, _ = writer.find_page_for_modification(0)
        box = [float(v) for v in first.get_object()["/MediaBox"]]
    except Exception as exc:
        raise SohoaError(f"Không đọc được PDF để ký ({exc})", "cannot read the PDF to sign") from None
    x, y, w, h = BLOCK
    top = box[3]
    sig_box = tuple(int(round(v)) for v in (box[0] + x, top - y - h, box[0] + x + w, top - y))
    style = TextStampStyle(
        stamp_text="Ký bởi / signed by: %(signer)s\nThời gian / time: %(ts)s",
        timestamp_format="%d/%m/%Y %H:%M:%S %z",
        text_box_style=text.TextBoxStyle(font=GlyphAccumulatorFactory(str(FONT_FILE)), font_size=8, leading=10),
        inner_content_layout=SimpleBoxLayoutRule(x_align=AxisAlignment.ALIGN_MIN, y_align=AxisAlignment.ALIGN_MID,
                                                 margins=Margins.uniform(4)),
        border_width=1,
    )
    meta = signers.PdfSignatureMetadata(field_name=FIELD_NAME, reason=reason, location=location or None,
                                        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
    pdf_signer = signers.PdfSigner(meta, signer=signer.pyhanko_signer(), stamp_style=style,
                                   new_field_spec=fields.SigFieldSpec(FIELD_NAME, on_page=0, box=sig_box))
    out = io.BytesIO()
    try:
        pdf_signer.sign_pdf(writer, output=out, appearance_text_params={"signer": signer.name})
    except SohoaError:
        raise
    except Exception as exc:
        log.exception("signing failed")
        raise SohoaError(f"Ký số không thành công ({exc})", "signing failed") from None
    return out.getvalue()


@dataclass
class SignatureInfo:
    field: str
    signer: str
    time: Optional[datetime]
    intact: bool  # the signed bytes were not changed
    covers_document: bool  # nothing but allowed updates after the signature
    trusted: Optional[bool]  # None when no trust roots were given
    summary: str

    @property
    def ok(self) -> bool:
        return self.intact and self.covers_document


@contextlib.contextmanager
def _quiet_pyhanko():
    """pyHanko logs what it finds (an untrusted CA, a modification after signing) as warnings with
    tracebacks; the finding is in the result, the officer sees it once, in our words."""
    logger = logging.getLogger("pyhanko")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def inspect_signatures(data: bytes, trust_roots: Optional[list] = None) -> list[SignatureInfo]:
    """Every signature in the PDF: who, when, whether the document changed after signing."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import ModificationLevel
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    out = []
    with _quiet_pyhanko():
        sigs = list(reader.embedded_signatures)
    for sig in sigs:
        # no roots given: integrity only (the OS trust list says nothing about Vietnamese signing CAs)
        vc = ValidationContext(trust_roots=list(trust_roots or []), allow_fetching=False)
        try:
            with _quiet_pyhanko():
                status = validate_pdf_signature(sig, vc)
        except Exception as exc:  # a broken CMS blob is a broken signature, not a crash
            out.append(SignatureInfo(sig.field_name, "?", None, False, False, None,
                                     f"chữ ký hỏng / broken signature ({exc})"))
            continue
        cert = status.signing_cert
        signer = _common_name(cert) if cert is not None else "?"
        when = status.signer_reported_dt
        intact = bool(status.intact and status.valid)
        level = status.modification_level
        covers = level is not None and level <= ModificationLevel.FORM_FILLING and \
            status.docmdp_ok is not False
        trusted = bool(status.trusted) if trust_roots else None
        out.append(SignatureInfo(sig.field_name, signer, when, intact, covers, trusted, status.summary()))
    return out


# ---------------------------------------------------------------- detached signature of the manifest
def sign_detached(data: bytes, signer: Signer) -> bytes:
    """A detached CAdES (CMS) signature of `data`, DER: signs a package's manifest, so the JSON and
    XML files it lists are as protected as the signed PDFs."""
    import asyncio

    try:
        info = asyncio.run(signer.pyhanko_signer().async_sign_general_data(
            data, "sha256", detached=True, use_cades=True))
    except Exception as exc:
        log.exception("signing the manifest failed")
        raise SohoaError(f"Ký số danh mục gói không thành công ({exc})", "signing the manifest failed") from None
    return info.dump()


def inspect_detached(data: bytes, signature: bytes, trust_roots: Optional[list] = None) -> SignatureInfo:
    """Who signed `data` with the detached CMS `signature`, and whether it still matches."""
    import asyncio

    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
    from pyhanko_certvalidator import ValidationContext

    try:
        info = cms.ContentInfo.load(signature)
        signed_data = info["content"]
        if info["content_type"].native != "signed_data":
            raise ValueError("not a CMS SignedData")
        vc = ValidationContext(trust_roots=list(trust_roots or []), allow_fetching=False)
        with _quiet_pyhanko():
            status = asyncio.run(async_validate_detached_cms(data, signed_data, signer_validation_context=vc))
    except Exception as exc:  # a broken blob is a broken signature
        return SignatureInfo("manifest", "?", None, False, False, None, f"chữ ký hỏng / broken signature ({exc})")
    cert = status.signing_cert
    intact = bool(status.intact and status.valid)
    return SignatureInfo("manifest", _common_name(cert) if cert is not None else "?", status.signer_reported_dt,
                         intact, intact, bool(status.trusted) if trust_roots else None, status.summary())
