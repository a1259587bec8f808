"""Dossier packages for upload: build (`sohoa export`) and check (`sohoa verify`).

A package is one ZIP:
    <MaHoSo>.<NN>.pdf ...     the documents' PDF/A files (PAdES-signed when a signer is given)
    <MaHoSo>.<NN>.json ...    their result JSON (contract `sohoa.result/1`)
    dossier.json              the dossier with the national public-service portal's field names
    metadata.xml              file and document metadata after Decree 30/2020/NĐ-CP, Appendix VI
    manifest.sha256           `sha256sum` lines for every other file

The ZIP is written through `atomic_write`: a crash or kill leaves no partial file under the
final name. Every PDF is checked before packing (present, a PDF, and, when the store knows it,
byte-identical to what was recorded), so an edited or missing PDF stops the export.
"""
from __future__ import annotations

import glob
import hashlib
import io
import json
import logging
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Optional
from xml.etree import ElementTree as ET

from exports.files import atomic_write, part_prefix
from ocr.errors import BadInputError, SohoaError
from ocr.textnorm import nfc

log = logging.getLogger(__name__)

SCHEMA = "sohoa.package/1"
MANIFEST = "manifest.sha256"
MANIFEST_SIGNATURE = "manifest.sha256.p7s"  # detached CAdES signature of the manifest (signed packages)
METADATA = "metadata.xml"
DOSSIER = "dossier.json"
ND30_NS = "urn:sohoa:nd30-2020:phu-luc-vi"
LANGUAGE = "Tiếng Việt"

# where the dossier owner's name and ID number are found, by form
OWNER_NAME = (("ct01", "ho_ten"), ("khai_sinh", "nyc_ho_ten"), ("cccd", "ho_ten"), (None, "ho_ten"))
OWNER_ID = (("ct01", "so_dinh_danh"), ("khai_sinh", "nyc_so_giay_to"), ("cccd", "so_dinh_danh"),
            (None, "so_dinh_danh"))
_CODE_DATE = re.compile(r"-(\d{2})(\d{2})(\d{2})-")


@dataclass
class DocEntry:
    ordinal: int
    pdf: Path
    json: Optional[Path]
    result: dict = field(default_factory=dict)

    @property
    def form(self) -> Optional[str]:
        return self.result.get("form")

    def value(self, fid: str) -> Optional[str]:
        f = (self.result.get("fields") or {}).get(fid)
        return f.get("value") if isinstance(f, dict) else None

    @property
    def pages(self) -> int:
        return len(self.result.get("pages") or [])


@dataclass
class DossierInfo:
    folder: Path
    code: str
    created: Optional[datetime]
    documents: list[DocEntry]
    source: dict = field(default_factory=dict)  # the folder's own dossier.json (batch/app), if any


# ---------------------------------------------------------------------- reading a dossier folder
def package_path(path) -> Path:
    """`path` as a package file name: ".zip" added when missing. A dossier code's dots are not
    a suffix (`000.00.25.H49-240315-0012` must not become `000.00.25.zip`)."""
    path = Path(path)
    return path if path.suffix.lower() == ".zip" else path.with_name(path.name + ".zip")


def load_dossier(folder, store=None) -> DossierInfo:
    """The documents of a dossier folder, each checked: present, a readable PDF, unchanged since recorded."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInputError("Không tìm thấy thư mục hồ sơ", "dossier folder not found", path=str(folder))
    source: dict = {}
    listing = folder / DOSSIER
    if listing.is_file():
        try:
            source = json.loads(listing.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BadInputError(f"dossier.json hỏng ({exc})", "dossier.json is corrupt", path=str(listing)) from None
    docs: list[DocEntry] = []
    if source.get("documents"):
        for i, d in enumerate(source["documents"], start=1):
            if d.get("error") or not d.get("pdf"):
                continue
            docs.append(DocEntry(int(d.get("ordinal") or i), _inside(folder, d["pdf"]),
                                 _inside(folder, d["json"]) if d.get("json") else None))
    else:
        for i, pdf in enumerate(sorted(folder.glob("*.pdf")), start=1):
            pdf = _inside(folder, pdf.name)  # a symbolic link out of the folder is refused too
            js = pdf.with_suffix(".json")
            docs.append(DocEntry(i, pdf, js if js.exists() else None))
    if not docs:
        raise BadInputError("Thư mục hồ sơ không có tài liệu PDF nào", "no PDF documents in the dossier folder",
                            path=str(folder))
    for d in docs:
        _check_pdf(d.pdf, store)
        if d.json is not None:
            if not d.json.is_file():
                raise BadInputError("Thiếu tệp kết quả JSON của tài liệu", "the document's result JSON is missing",
                                    path=str(d.json))
            try:
                d.result = json.loads(d.json.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise BadInputError(f"Tệp JSON hỏng ({exc})", "corrupt result JSON", path=str(d.json)) from None
    code = nfc(source.get("code") or folder.name)
    return DossierInfo(folder, code, _parse_time(source.get("created")), docs, source)


def _inside(folder: Path, name) -> Path:
    """A file of the dossier, which must be a plain name in the dossier folder itself: a
    dossier.json naming `../other/x.pdf` or an absolute path, or a symbolic link out of the
    folder, would pack someone else's document."""
    reason = unsafe_name(name) if isinstance(name, str) else ("không phải tên tệp", "not a file name")
    path = folder / name if reason is None else None
    if path is None or path.resolve().parent != folder.resolve():
        reason = reason or ("trỏ ra ngoài thư mục", "points outside the folder")
        raise BadInputError(f"Tệp ở ngoài thư mục hồ sơ, không đóng gói: {name!r} ({reason[0]})",
                            f"a file outside the dossier folder is not packed: {name!r} ({reason[1]})",
                            path=str(folder))
    return path


def _check_pdf(pdf: Path, store) -> None:
    if not pdf.is_file():
        raise BadInputError("Thiếu tệp PDF của hồ sơ", "a PDF of the dossier is missing", path=str(pdf))
    import pypdf

    try:
        with open(pdf, "rb") as fh:
            if fh.read(5) != b"%PDF-":
                raise ValueError("no PDF header")
        len(pypdf.PdfReader(str(pdf), strict=False).pages)
    except Exception as exc:
        raise BadInputError(f"Tệp PDF hỏng hoặc không phải PDF ({exc})", "corrupt or not a PDF",
                            path=str(pdf)) from None
    if store is not None:
        from exports.store import file_sha256

        recorded = store.pdf_sha256(pdf)
        if recorded and recorded != file_sha256(pdf):
            raise BadInputError("Tệp PDF đã bị sửa sau khi lưu vào kho hồ sơ (không khớp mã băm); hãy xử lý lại "
                                "hoặc kiểm tra tệp",
                                "the PDF was changed after it was recorded (hash mismatch)", path=str(pdf))


def _parse_time(value) -> Optional[datetime]:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


# ---------------------------------------------------------------------- what goes in the package
def _first(info: DossierInfo, where) -> Optional[str]:
    for form, fid in where:
        for d in info.documents:
            if (form is None or d.form == form) and d.value(fid):
                return d.value(fid)
    return None


def received_at(info: DossierInfo) -> datetime:
    """Reception time: the folder's creation time, on the date carried by the dossier code when it has one."""
    when = info.created or datetime.fromtimestamp(info.folder.stat().st_mtime)
    m = _CODE_DATE.search(info.code)
    if m:
        try:
            day = datetime(2000 + int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if day.date() != when.date():
                return day
        except ValueError:
            pass  # a loosely fitting code: keep the folder's time
    return when


def portal_dossier(info: DossierInfo, pdf_names: list[str], signed: bool) -> dict:
    """dossier.json with the national public-service portal's names (MaHoSo, ChuHoSo, TaiLieuNop ...)."""
    return {
        "MaHoSo": info.code,
        "ChuHoSo": _first(info, OWNER_NAME),
        "SoGiayToChuHoSo": _first(info, OWNER_ID),
        "NgayTiepNhan": received_at(info).strftime("%Y%m%d%H%M%S"),
        "TrichYeuHoSo": dossier_title(info),
        "TaiLieuNop": [
            {"TepDinhKemId": f"{d.ordinal:02d}", "TenTepDinhKem": name, "IsDeleted": False,
             "MaThanhPhanHoSo": d.form or "", "DuocSoHoa": True, "DuocTaiSuDung": False,
             "DuocLayTuKhoDMQG": False, "MaKetQuaThayThe": ""}
            for d, name in zip(info.documents, pdf_names)
        ],
        # additions: what sohoa knows beyond the portal's fields
        "sohoa": {
            "schema": SCHEMA,
            "exported": datetime.now().astimezone().isoformat(timespec="seconds"),
            "signed": signed,
            "documents": [
                {"ordinal": d.ordinal, "pdf": name, "json": d.json.name if d.json else None, "form": d.form,
                 "pages": d.pages,
                 "fields": {k: (v or {}).get("value") for k, v in (d.result.get("fields") or {}).items()}}
                for d, name in zip(info.documents, pdf_names)
            ],
        },
    }


def _form_names() -> dict[str, str]:
    try:
        from templates import load_templates

        return {t.id: t.name for t in load_templates()}
    except Exception:  # metadata still useful without template names
        log.warning("templates unavailable; form ids used as document type names", exc_info=True)
        return {}


def dossier_title(info: DossierInfo) -> str:
    names = _form_names()
    kinds = list(dict.fromkeys(names.get(d.form, d.form) for d in info.documents if d.form))
    return f"Hồ sơ {info.code}" + (f": {'; '.join(kinds)}" if kinds else "")


def _split_number(so_ky_hieu: Optional[str]) -> tuple[str, str]:
    """'125/QĐ-UBND' -> ('125', 'QĐ-UBND'): Decree 30 keeps number and notation apart."""
    if not so_ky_hieu:
        return "", ""
    num, _, notation = so_ky_hieu.partition("/")
    return num.strip(), notation.strip()


def _ddmmyyyy(value: Optional[str]) -> Optional[datetime]:
    try:
        return datetime.strptime(value or "", "%d/%m/%Y")
    except ValueError:
        return None


def metadata_xml(info: DossierInfo, pdf_names: list[str]) -> bytes:
    """Input data of the file (hồ sơ) and its documents (văn bản), after Decree 30/2020, Appendix VI."""
    names = _form_names()
    received = received_at(info)
    dates = [d for d in (_ddmmyyyy(doc.value("ngay_ban_hanh")) for doc in info.documents) if d] or [received]
    root = ET.Element("HoSo", {"xmlns": ND30_NS})

    def sub(parent, tag, value) -> None:
        ET.SubElement(parent, tag).text = "" if value is None else nfc(str(value))

    sub(root, "MaHoSo", info.code)
    sub(root, "TieuDeHoSo", dossier_title(info))
    sub(root, "NgonNgu", LANGUAGE)
    sub(root, "ThoiGianBatDau", min(dates).strftime("%d/%m/%Y"))
    sub(root, "ThoiGianKetThuc", max(dates).strftime("%d/%m/%Y"))
    sub(root, "TongSoVanBan", len(info.documents))
    sub(root, "TongSoTrang", sum(d.pages for d in info.documents))
    docs = ET.SubElement(root, "DanhSachVanBan")
    for d, name in zip(info.documents, pdf_names):
        v = ET.SubElement(docs, "VanBan")
        number, notation = _split_number(d.value("so_ky_hieu"))
        sub(v, "SoThuTu", d.ordinal)
        sub(v, "TenLoaiVanBan", d.value("loai_van_ban") or names.get(d.form, d.form or ""))
        sub(v, "SoVanBan", number)
        sub(v, "KyHieuVanBan", notation)
        sub(v, "NgayThangNamVanBan", d.value("ngay_ban_hanh") or "")
        sub(v, "CoQuanBanHanh", d.value("co_quan_ban_hanh") or "")
        sub(v, "TrichYeuNoiDung", d.value("trich_yeu") or "")
        sub(v, "NgonNgu", LANGUAGE)
        sub(v, "SoLuongTrang", d.pages)
        sub(v, "TepTin", name)
    ET.indent(root)
    comment = "<!-- Thông tin đầu vào của hồ sơ và văn bản theo Phụ lục VI, Nghị định 30/2020/NĐ-CP -->\n"
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n' + comment.encode("utf-8")
            + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n")


def manifest(files: dict[str, bytes]) -> bytes:
    """`sha256sum` format: '<hex>  <name>' per line, so `sha256sum -c manifest.sha256` checks an unpacked copy."""
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())).encode()


# ---------------------------------------------------------------------- export
@dataclass
class ExportResult:
    path: Path
    code: str
    documents: int
    signed: bool
    files: list[str]


def build_package(dossier_dir, out, *, signer=None, store=None, overwrite: bool = False,
                  user: Optional[str] = None) -> ExportResult:
    """Pack one dossier folder into `out` (a free name unless `overwrite`); sign PDFs when `signer`."""
    from exports.files import free_path

    info = load_dossier(dossier_dir, store)
    files: dict[str, bytes] = {}
    names = []
    for d in info.documents:
        if d.pdf.stat().st_size > MAX_MEMBER_BYTES:
            raise BadInputError(f"Tài liệu quá lớn để đóng gói (tối đa {MAX_MEMBER_BYTES // 2**20} MB)",
                                "document too large to pack", path=str(d.pdf))
        data = d.pdf.read_bytes()
        if signer is not None:
            from exports.signing import sign_pdf

            data = sign_pdf(data, signer)
        files[d.pdf.name] = data
        names.append(d.pdf.name)
        if d.json is not None:
            files[d.json.name] = d.json.read_bytes()
    files[DOSSIER] = (json.dumps(portal_dossier(info, names, signer is not None), ensure_ascii=False, indent=2)
                      + "\n").encode("utf-8")
    files[METADATA] = metadata_xml(info, names)
    files[MANIFEST] = manifest(files)
    if signer is not None:
        from exports.signing import sign_detached

        files[MANIFEST_SIGNATURE] = sign_detached(files[MANIFEST], signer)
    for name in files:
        reason = unsafe_name(name)
        if reason:
            raise BadInputError(f"Tên tệp không đóng gói được ({reason[0]})", f"file name cannot be packed ({reason[1]})",
                                path=name)

    out = Path(out)
    _remove_stale_parts(out)
    target = free_path(out, overwrite)
    with atomic_write(target, "wb") as fh:
        with zipfile.ZipFile(fh, "w") as zf:
            for name, data in files.items():
                kind = zipfile.ZIP_STORED if name.endswith(".pdf") else zipfile.ZIP_DEFLATED
                entry = zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6])
                entry.external_attr = 0o644 << 16  # ordinary readable files when unpacked
                zf.writestr(entry, data, compress_type=kind)
    result = ExportResult(target, info.code, len(info.documents), signer is not None, sorted(files))
    if store is not None:
        _record(store, info, result, signer, user)
    return result


def _record(store, info: DossierInfo, result: ExportResult, signer, user) -> None:
    """Statuses and audit entries; the package is already complete, so a store problem only warns."""
    try:
        with store.write():
            for d in info.documents:
                doc_id = store.document_id(d.pdf)
                if signer is not None:
                    store.log("signed", str(d.pdf), {"signer": signer.name, "package": str(result.path)}, user=user)
                if doc_id is not None:
                    store.set_status(doc_id, "exported", user=user)
            store.log("exported", info.code, {"package": str(result.path), "documents": result.documents,
                                              "signed": result.signed}, user=user)
    except SohoaError as exc:
        log.warning("store: %s", exc.message)
        raise SohoaError(f"Đã tạo gói {result.path} nhưng chưa ghi được vào kho hồ sơ: {exc.vi}",
                         f"package written but not recorded in the store: {exc.en}") from None


def _remove_stale_parts(out: Path) -> None:
    """Temporary files of an export killed half-way (never the final name)."""
    if out.parent.is_dir():
        for part in out.parent.glob(f"{glob.escape(part_prefix(out.name))}*.part"):
            try:
                part.unlink()
            except OSError:
                pass


# ---------------------------------------------------------------------- verify
#: Limits for a package from anyone (an upload, a USB stick): verify streams every entry and
#: refuses, before inflating anything, what no real dossier needs.
MAX_ENTRIES = 10_000
MAX_MEMBER_BYTES = 200 * 1024 * 1024  # one document: a signed PDF takes ~3.5x its size to validate
MAX_TOTAL_BYTES = 8 * 1024 * 1024 * 1024
MAX_TEXT_BYTES = 32 * 1024 * 1024  # manifest, its signature, dossier.json: read whole
MAX_RATIO = 200  # inflated/compressed; text compresses ~10x, zip bombs 1000x and more
_CHUNK = 1024 * 1024


@dataclass
class VerifyReport:
    path: Path
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _hostile(path: Path, vi: str, en: str) -> BadInputError:
    return BadInputError(f"Gói bị từ chối: {vi}", f"package refused: {en}", path=str(path))


def _entries(zf: zipfile.ZipFile, path: Path) -> dict[str, zipfile.ZipInfo]:
    """The package's files by name, after refusing unsafe names, duplicates and zip bombs."""
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise _hostile(path, f"quá nhiều tệp ({len(infos)} > {MAX_ENTRIES})", "too many entries")
    out: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = info.filename
        if name.endswith("/") and info.file_size == 0:
            name = name.rstrip("/")  # a folder entry: its name must still be safe
        reason = unsafe_name(name)
        if reason:
            raise _hostile(path, f"tên tệp không an toàn {name!r} ({reason[0]})", f"unsafe entry name {name!r} "
                           f"({reason[1]})")
        if info.is_dir():
            continue
        if name in out:
            raise _hostile(path, f"tên tệp trùng lặp {name!r} (các chương trình giải nén lấy bản khác nhau)",
                           f"duplicate entry {name!r}")
        if info.file_size > MAX_MEMBER_BYTES:
            raise _hostile(path, f"{name}: tệp quá lớn khi giải nén ({info.file_size // 2**20} MB)",
                           f"{name}: entry too large when inflated")
        if info.file_size > _CHUNK and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _hostile(path, f"{name}: tỉ lệ nén bất thường ({info.file_size // max(info.compress_size, 1)}:1,"
                           " nghi là 'bom ZIP')", f"{name}: suspicious compression ratio (zip bomb)")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise _hostile(path, "tổng dung lượng giải nén quá lớn", "total inflated size too large")
        out[name] = info
    return out


def _check_directory(path: Path) -> None:
    """Refuse a central directory with too many entries before zipfile builds an object for each
    (millions of tiny entries would take gigabytes). Reads only the end record."""
    with open(path, "rb") as fp:
        end = zipfile._EndRecData(fp)  # the stdlib's own reader of the end record
    if end is None:
        raise zipfile.BadZipFile("no end of central directory")
    if end[zipfile._ECD_ENTRIES_TOTAL] > MAX_ENTRIES or end[zipfile._ECD_SIZE] > MAX_ENTRIES * 1024:
        raise _hostile(path, f"quá nhiều tệp ({end[zipfile._ECD_ENTRIES_TOTAL]} > {MAX_ENTRIES})", "too many entries")


def unsafe_name(name: str) -> Optional[tuple[str, str]]:
    """Why `name` is not a plain file name inside a package (Vietnamese, English), or None.

    Packages are flat: a separator, a drive, `..` or a control character could make an
    unzipper write outside the folder it unpacks into.
    """
    if not name or name in (".", ".."):
        return "tên rỗng hoặc '.'/'..'", "empty or dot name"
    if "/" in name or "\\" in name:
        return "có dấu phân cách thư mục", "contains a path separator"
    if ":" in name:
        return "có dấu ':' (ổ đĩa/luồng dữ liệu Windows)", "contains ':' (Windows drive or stream)"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "có ký tự điều khiển", "contains a control character"
    if len(name.encode("utf-8")) > 255:
        return "tên quá dài", "name too long"
    return None


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, report: VerifyReport, keep: bool,
                 ) -> tuple[Optional[str], Optional[bytes]]:
    """SHA-256 of one entry, streamed; its bytes too when `keep`. (None, None) when damaged."""
    digest = hashlib.sha256()
    kept = io.BytesIO()
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
                if keep:
                    kept.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError,
            zlib.error) as exc:  # CRC mismatch, truncation, encryption, unknown compression
        report.problems.append(f"{info.filename}: tệp trong ZIP bị hỏng / damaged inside the ZIP ({exc})")
        return None, None
    return digest.hexdigest(), kept.getvalue() if keep else None


def verify_package(path, trust_roots: Optional[list] = None) -> VerifyReport:
    """Manifest hashes, every file listed, the manifest's and every PDF's signature; problems in Vietnamese / English.

    A package that is signed in any way (manifest signature, a signed PDF, dossier.json saying so)
    must be signed throughout: the manifest and every PDF. With `trust_roots`, it must be signed.
    """
    path = Path(path)
    report = VerifyReport(path)
    if not path.is_file():
        raise BadInputError("Không tìm thấy tệp", "file not found", path=str(path))
    try:
        _check_directory(path)
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise BadInputError(f"Không phải tệp ZIP hoặc tệp đã hỏng ({exc})", "not a ZIP file or corrupt",
                            path=str(path)) from None
    with zf:
        entries = _entries(zf, path)
        if MANIFEST not in entries:
            raise BadInputError("Không phải gói hồ sơ của sohoa (thiếu manifest.sha256)",
                                "not a sohoa dossier package (no manifest.sha256)", path=str(path))
        texts: dict[str, bytes] = {}
        for name in (MANIFEST, MANIFEST_SIGNATURE, DOSSIER):
            if name in entries:
                if entries[name].file_size > MAX_TEXT_BYTES:
                    raise _hostile(path, f"{name} quá lớn", f"{name} too large")
                digest, data = _read_member(zf, entries[name], report, keep=True)
                if data is not None:
                    texts[name] = data
        listed = _parse_manifest(texts.get(MANIFEST, b""), report)
        signed_pdfs, unsigned_pdfs = [], []
        for name, info in entries.items():
            if name in (MANIFEST, MANIFEST_SIGNATURE):
                continue
            if name not in listed:
                report.problems.append(f"{name}: không có trong manifest / not listed in the manifest")
                continue
            is_pdf = name.lower().endswith(".pdf")
            digest, data = (hashlib.sha256(texts[name]).hexdigest(), texts[name]) if name in texts else \
                _read_member(zf, info, report, keep=is_pdf)
            if digest is None:
                continue
            if digest != listed[name]:
                report.problems.append(f"{name}: mã băm không khớp, tệp đã bị sửa / hash mismatch, file changed")
                continue
            report.lines.append(f"OK  {name}")
            if is_pdf:
                lines, signed = _check_signatures(name, data, trust_roots, report)
                report.lines.extend(lines)
                (signed_pdfs if signed else unsigned_pdfs).append(name)
    for name in listed:
        if name not in entries:
            report.problems.append(f"{name}: có trong manifest nhưng thiếu trong gói / listed but missing")
    says_signed = False
    if DOSSIER in texts:
        try:
            says_signed = bool(((json.loads(texts[DOSSIER].decode("utf-8")) or {}).get("sohoa") or {}).get("signed"))
        except (ValueError, AttributeError):
            report.problems.append(f"{DOSSIER}: JSON hỏng / corrupt JSON")
    elif DOSSIER not in entries:
        report.problems.append(f"{DOSSIER}: thiếu / missing")
    if MANIFEST_SIGNATURE in texts:
        _check_manifest_signature(texts.get(MANIFEST, b""), texts[MANIFEST_SIGNATURE], trust_roots, report)
    if MANIFEST_SIGNATURE in entries or says_signed or signed_pdfs or trust_roots:
        if MANIFEST_SIGNATURE not in entries:
            report.problems.append(f"{MANIFEST}: danh mục gói không được ký số (chỉ gói ký số mới tin được các tệp "
                                   "JSON/XML) / the manifest is not signed")
        if not says_signed and DOSSIER in texts:
            report.problems.append(f"{DOSSIER}: gói có chữ ký nhưng dossier.json ghi là không ký / "
                                   "signed package but dossier.json says unsigned")
        for name in unsigned_pdfs:
            report.problems.append(f"{name}: gói ký số nhưng tài liệu này không được ký / "
                                   "signed package, but this document is not signed")
    return report


def _parse_manifest(data: bytes, report: VerifyReport) -> dict[str, str]:
    listed: dict[str, str] = {}
    for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        m = re.fullmatch(r"([0-9a-f]{64}) [ *](.+)", line.strip())
        if not m or unsafe_name(m.group(2)) or m.group(2) in listed:
            report.problems.append(f"{MANIFEST}:{n}: dòng không hợp lệ hoặc trùng / malformed or duplicate line")
            continue
        listed[m.group(2)] = m.group(1)
    return listed


def _check_manifest_signature(data: bytes, signature: bytes, trust_roots, report: VerifyReport) -> None:
    from exports.signing import inspect_detached

    s = inspect_detached(data, signature, trust_roots)
    if not s.ok:
        report.problems.append(f"{MANIFEST_SIGNATURE}: chữ ký danh mục gói không hợp lệ, các tệp đã bị thay / "
                               f"manifest signature invalid ({s.summary})")
        return
    trust = "" if s.trusted is None else (" · tin cậy / trusted" if s.trusted else " · không tin cậy / untrusted")
    report.lines.append(f"    {MANIFEST}: ký bởi / signed by {s.signer}: nguyên vẹn / intact{trust}")
    if s.trusted is False:
        report.problems.append(f"{MANIFEST_SIGNATURE}: chứng thư của {s.signer} không thuộc CA tin cậy / "
                               "untrusted certificate")


def _check_signatures(name: str, data: bytes, trust_roots, report: VerifyReport) -> tuple[list[str], bool]:
    """Report lines of the PDF's signatures, and whether it carries at least one."""
    from exports.signing import inspect_signatures

    try:
        sigs = inspect_signatures(data, trust_roots)
    except Exception as exc:
        report.problems.append(f"{name}: PDF không đọc được / unreadable PDF ({exc})")
        return [], False
    if not sigs:
        return [f"    {name}: không ký số / unsigned"], False
    out = []
    for s in sigs:
        when = s.time.astimezone().strftime("%d/%m/%Y %H:%M:%S") if s.time else "?"
        state = ("nguyên vẹn / intact" if s.ok else
                 "ĐÃ BỊ SỬA SAU KHI KÝ / MODIFIED AFTER SIGNING")
        trust = "" if s.trusted is None else (" · tin cậy / trusted" if s.trusted else
                                              " · không tin cậy / untrusted")
        out.append(f"    {name}: ký bởi / signed by {s.signer}, {when}: {state}{trust}")
        if not s.ok:
            report.problems.append(f"{name}: chữ ký của {s.signer} không còn hợp lệ, PDF đã bị sửa sau khi ký / "
                                   "signature broken, PDF modified after signing")
        elif s.trusted is False:
            report.problems.append(f"{name}: chứng thư của {s.signer} không thuộc CA tin cậy / untrusted certificate")
    return out, True


def read_package_bytes(path) -> dict[str, bytes]:
    """All files of a package (tests, docs)."""
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}

