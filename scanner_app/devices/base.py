"""The one small acquisition interface every scanner driver sits behind (NAPS2-style).

A driver lists devices and opens one; a device scans with a profile and yields pages as
the feeder delivers them, so the app can show and process page 1 while page 2 is still
in the scanner. Pages already delivered are kept when a later page fails: the error is
raised only after them.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Iterator

from ocr.errors import DeviceError
from ocr.model import PageImage

SOURCES = ("Flatbed", "ADF", "ADF Duplex")
MODES = ("Color", "Gray")
RESOLUTIONS = (200, 300)
#: Page sizes in millimetres (width, height).
PAGE_SIZES: dict[str, tuple[float, float]] = {
    "A4": (210.0, 297.0),
    "A5": (148.0, 210.0),
    "Letter": (215.9, 279.4),
    "Legal": (215.9, 355.6),
}

#: Paper-path faults every driver reports the same way (Vietnamese, English): SANE statuses,
#: TWAIN condition codes and WIA HRESULTs all map onto these keys.
FAULTS: dict[str, tuple[str, str]] = {
    "feeder_empty": ("Khay nạp giấy trống: hãy đặt giấy vào khay rồi quét lại", "feeder empty"),
    "jam": ("Kẹt giấy trong khay nạp: gỡ tờ bị kẹt rồi quét tiếp", "paper jam"),
    "double_feed": ("Hai tờ bị kéo cùng lúc (nạp chồng giấy): lấy các tờ chưa quét ra, xếp lại rồi quét tiếp",
                    "double feed"),
    "cover_open": ("Nắp máy quét đang mở: hãy đóng nắp rồi quét lại", "cover open"),
    "busy": ("Máy quét đang bận (chương trình khác đang dùng): chờ một lát rồi thử lại", "device busy"),
    "offline": ("Mất kết nối với máy quét: kiểm tra cáp USB/mạng và nguồn điện rồi chọn lại máy",
                "scanner offline or unplugged"),
}


def fault(key: str, device: str = "", detail: str = "") -> DeviceError:
    """The DeviceError for a FAULTS key; pages scanned before it stay with the caller."""
    vi, en = FAULTS[key]
    return DeviceError(vi, f"{en} ({detail})" if detail else en, path=device or None)


def require_windows(what: str) -> None:
    """TWAIN and WIA exist on Windows only; elsewhere their devices are a clear error."""
    import sys
    if sys.platform != "win32":
        raise DeviceError(f"{what} chỉ có trên Windows", f"{what} is available on Windows only")


@dataclass
class DeviceInfo:
    name: str  # what open_device() takes, e.g. "test:0", "airscan:e0:Canon ...", "folder:/path"
    vendor: str = ""
    model: str = ""
    kind: str = ""  # "flatbed scanner", "sheetfed scanner", "virtual device", "folder" ...
    driver: str = ""  # "sane", "twain", "wia", "files", "folder"

    @property
    def label(self) -> str:
        desc = " ".join(s for s in (self.vendor, self.model) if s)
        return f"{desc} ({self.name})" if desc else self.name


@dataclass
class ScanProfile:
    """What the officer chooses per scan; drivers map it onto their own option names."""

    resolution: int = 300
    mode: str = "Color"  # Color | Gray
    source: str = "Flatbed"  # Flatbed | ADF | ADF Duplex
    page_size: str = "A4"
    max_pages: int | None = None  # stop after this many pages (None: until the feeder is empty)
    # Raw backend options set as given (e.g. {"test_picture": "Color pattern"}); unknown ones ignored.
    options: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.source = normalize_source(self.source)
        if self.mode not in MODES:
            raise DeviceError(f"Chế độ màu không hợp lệ: {self.mode} (Color|Gray)", "invalid scan mode")
        if int(self.resolution) <= 0:
            raise DeviceError(f"Độ phân giải không hợp lệ: {self.resolution}", "invalid resolution")
        if self.page_size not in PAGE_SIZES:
            raise DeviceError(f"Khổ giấy không hỗ trợ: {self.page_size}", "unsupported page size")

    @property
    def is_feeder(self) -> bool:
        return self.source.startswith("ADF")

    @property
    def page_limit(self) -> int | None:
        """Pages to take: max_pages, else until the feeder is empty (None), flatbed one."""
        return self.max_pages if self.max_pages is not None else (None if self.is_feeder else 1)

    @property
    def size_mm(self) -> tuple[float, float]:
        return PAGE_SIZES[self.page_size]


def normalize_source(source: str) -> str:
    """Accept the usual spellings (adf, feeder, duplex, 'Automatic Document Feeder')."""
    s = source.strip().lower()
    if "duplex" in s:
        return "ADF Duplex"
    if s in ("adf", "feeder") or "feeder" in s or s.startswith("adf"):
        return "ADF"
    if s in ("flatbed", "glass", "platen", ""):
        return "Flatbed"
    raise DeviceError(f"Nguồn giấy không hợp lệ: {source} (Flatbed|ADF|ADF Duplex)", "invalid paper source")


class Device:
    """An opened device. Use as a context manager; `cancel()` may be called from another thread."""

    name: str = ""

    def __init__(self) -> None:
        self._cancel = threading.Event()

    def scan(self, profile: ScanProfile) -> Iterator[PageImage]:
        raise NotImplementedError

    def set_options(self, options: dict) -> None:
        """Set raw backend options now, even between two pages of a running scan."""
        raise DeviceError("Máy quét này không có tùy chọn riêng", "device has no raw options")

    def cancel(self) -> None:
        """Ask a running scan to stop after (or, where the driver can, during) the current page."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def close(self) -> None:
        pass

    def __enter__(self) -> "Device":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Driver:
    """A family of devices (SANE, TWAIN, WIA, files, folder)."""

    name: str = ""
    prefixes: tuple[str, ...] = ()  # device names this driver claims by prefix

    def available(self) -> bool:
        return True

    def list_devices(self) -> list[DeviceInfo]:
        return []

    def open_device(self, name: str) -> Device:
        raise NotImplementedError
