"""TWAIN driver (Windows) through pytwain: the vendor drivers of most document scanners.

Runs in the driver process (`isolated.IsolatedDriver`), like SANE. `twain` is imported only
when a device is listed or opened, so Linux never needs it. TWAIN must be driven from one
thread: the source manager is created in the thread that serves the driver process.

The library is passed in (`TwainDriver(library=...)`) so the paper-path logic can be tested
on Linux with a scripted source that behaves like pytwain; the product always uses `twain`.
"""
from __future__ import annotations

import io
import logging
import sys
from typing import Iterator

from PIL import Image

from ocr.errors import DeviceError
from ocr.imageio import to_bgr_or_grey
from ocr.model import PageImage
from scanner_app.devices.base import Device, DeviceInfo, Driver, ScanProfile, fault, require_windows

log = logging.getLogger(__name__)

PREFIX = "twain:"

# TWAIN 2.x constants (twain.h); the same numbers pytwain exports.
CAP_XFERCOUNT = 0x0001
ICAP_PIXELTYPE = 0x0101
ICAP_XRESOLUTION = 0x1118
ICAP_YRESOLUTION = 0x1119
ICAP_SUPPORTEDSIZES = 0x1122
CAP_FEEDERENABLED = 0x1002
CAP_FEEDERLOADED = 0x1003
CAP_INDICATORS = 0x100B
CAP_DUPLEXENABLED = 0x1013
TWTY_INT16, TWTY_UINT16, TWTY_BOOL, TWTY_FIX32 = 0x0001, 0x0004, 0x0006, 0x0007
TWPT_GRAY, TWPT_RGB = 1, 2
TWSS = {"A4": 1, "Letter": 3, "Legal": 4, "A5": 5}

# pytwain raises one exception class per TWAIN condition code; the class names (lower case,
# without "exc"/"twcc_" prefixes and underscores) that mean a paper-path fault.
_FAULT_NAMES = {
    "paperjam": "jam", "paperdoublefeed": "double_feed", "doublefeed": "double_feed",
    "coveropen": "cover_open", "nomedia": "feeder_empty", "checkdeviceonline": "offline",
    "deviceoffline": "offline", "seqerror": "busy", "denied": "busy",
}


def _fault_key(exc: BaseException) -> str | None:
    for cls in type(exc).__mro__:
        key = cls.__name__.lower().removeprefix("exc").removeprefix("twcc_").replace("_", "")
        if key in _FAULT_NAMES:
            return _FAULT_NAMES[key]
    return None


def _cancelled(exc: BaseException) -> bool:
    return any("transfercancelled" in c.__name__.lower() for c in type(exc).__mro__)


def twain_error(exc: BaseException, device: str = "") -> DeviceError:
    key = _fault_key(exc)
    if key is not None:
        return fault(key, device, type(exc).__name__)
    return DeviceError(f"Lỗi máy quét (TWAIN): {type(exc).__name__} {exc}".strip(),
                       f"TWAIN error: {exc!r}", path=device or None)


def _import_twain():
    require_windows("TWAIN")
    try:
        import twain
    except ImportError as exc:
        raise DeviceError("Chưa cài pytwain trên máy này", "pytwain is not installed") from exc
    return twain


class TwainDevice(Device):
    def __init__(self, name: str, manager, source, library) -> None:
        super().__init__()
        self.name = name
        self._sm = manager
        self._src = source
        self._tw = library

    def _cap(self, cap: int, kind: int, value, required: str = "") -> None:
        try:
            self._src.set_capability(cap, kind, value)
        except Exception as exc:  # a source refusing one value must not stop the scan
            if required:
                raise DeviceError(required, f"capability 0x{cap:04x} refused", path=self.name) from exc
            log.info("%s: capability 0x%04x=%r refused (%s)", self.name, cap, value, exc)

    def _apply(self, profile: ScanProfile) -> None:
        no_adf = "Máy quét này không có khay nạp giấy tự động (ADF)"
        self._cap(CAP_INDICATORS, TWTY_BOOL, False)
        self._cap(CAP_FEEDERENABLED, TWTY_BOOL, profile.is_feeder, required=no_adf if profile.is_feeder else "")
        if profile.is_feeder:
            self._cap(CAP_DUPLEXENABLED, TWTY_BOOL, profile.source == "ADF Duplex",
                      required="Máy quét này không quét được hai mặt" if profile.source == "ADF Duplex" else "")
        self._cap(ICAP_PIXELTYPE, TWTY_UINT16, TWPT_RGB if profile.mode == "Color" else TWPT_GRAY)
        self._cap(ICAP_XRESOLUTION, TWTY_FIX32, float(profile.resolution))
        self._cap(ICAP_YRESOLUTION, TWTY_FIX32, float(profile.resolution))
        self._cap(ICAP_SUPPORTEDSIZES, TWTY_UINT16, TWSS[profile.page_size])
        self._cap(CAP_XFERCOUNT, TWTY_INT16, profile.max_pages or -1)

    def _feeder_loaded(self) -> bool:
        try:
            return bool(self._src.get_capability_current(CAP_FEEDERLOADED))
        except Exception:  # not reported: let the transfer tell
            return True

    def _dpi(self, profile: ScanProfile) -> float:
        try:
            return float(self._src.get_capability_current(ICAP_XRESOLUTION))
        except Exception:
            return float(profile.resolution)

    def scan(self, profile: ScanProfile) -> Iterator[PageImage]:
        """Pages as the source transfers them; ADF until the feeder is empty (or max_pages)."""
        self._cancel.clear()
        try:
            self._apply(profile)
            if profile.is_feeder and not self._feeder_loaded():
                raise fault("feeder_empty", self.name)
            dpi = self._dpi(profile)
            show_ui = bool(profile.options.get("show_ui", False))  # the vendor's own dialog
            self._src.request_acquire(show_ui=show_ui, modal_ui=show_ui)
        except DeviceError:
            raise
        except Exception as exc:
            raise twain_error(exc, self.name) from exc
        limit = profile.page_limit
        count = 0
        try:
            while limit is None or count < limit:
                if self.cancelled:
                    return
                try:
                    handle, remaining = self._src.xfer_image_natively()
                    try:
                        data = self._tw.dib_to_bm_file(handle)
                    finally:
                        self._tw.global_handle_free(handle)
                except Exception as exc:
                    if _cancelled(exc) or self.cancelled:
                        return
                    raise twain_error(exc, self.name) from exc
                pixels = to_bgr_or_grey(Image.open(io.BytesIO(data)))
                yield PageImage(pixels=pixels, dpi=dpi, source=f"{self.name}#{count + 1}", index=count)
                count += 1
                if remaining == 0:
                    return
        finally:
            self._stop()

    def _stop(self) -> None:
        """End the transfer session so the source is ready for the next scan."""
        for method in ("cancel_all_transfers", "reset"):
            fn = getattr(self._src, method, None)
            if fn is not None:
                try:
                    fn()
                except Exception:
                    pass
                return

    def close(self) -> None:
        for obj in (self._src, self._sm):
            try:
                obj.close()
            except Exception:
                pass


class TwainDriver(Driver):
    name = "twain"
    prefixes = (PREFIX,)

    def __init__(self, library=None) -> None:
        self._library = library

    def _lib(self):
        return self._library if self._library is not None else _import_twain()

    def available(self) -> bool:
        if self._library is not None:
            return True
        if sys.platform != "win32":
            return False
        import importlib.util
        return importlib.util.find_spec("twain") is not None

    def list_devices(self) -> list[DeviceInfo]:
        tw = self._lib()
        try:
            sm = tw.SourceManager(0)
            try:
                names = list(sm.source_list)
            finally:
                sm.close()
        except Exception as exc:
            raise twain_error(exc) from exc
        return [DeviceInfo(name=f"{PREFIX}{n}", model=n, kind="TWAIN", driver="twain") for n in names]

    def open_device(self, name: str) -> Device:
        tw = self._lib()
        product = name.removeprefix(PREFIX)
        try:
            sm = tw.SourceManager(0)
        except Exception as exc:
            raise twain_error(exc, name) from exc
        try:
            src = sm.open_source(product)
        except Exception as exc:
            sm.close()
            key = _fault_key(exc)
            if key is not None:
                raise fault(key, name) from exc
            raise DeviceError(f"Không mở được máy quét TWAIN '{product}' (chưa cắm, đã tắt hoặc chưa cài "
                              "trình điều khiển TWAIN của hãng)", f"TWAIN source not opened ({exc})",
                              path=name) from exc
        if src is None:
            sm.close()
            raise DeviceError(f"Không tìm thấy máy quét TWAIN '{product}'", "TWAIN source not found", path=name)
        return TwainDevice(name, sm, src, tw)
