"""SANE driver (Linux/macOS): USB scanners, eSCL/AirScan network scanners (sane-airscan, escl)
and the `test` backend. `sane` is imported lazily so Windows runs without it.

The app never loads this module's native side itself: `scanner_app.devices` runs it through
`isolated.IsolatedDriver` in a child process, because a backend blocked inside `snap` can
hold the GIL and would freeze the window.
"""
from __future__ import annotations

import logging
import threading
from typing import Iterator

import numpy as np

from ocr.errors import DeviceError
from ocr.model import PageImage
from ocr.textnorm import fold
from scanner_app.devices.base import FAULTS, Device, DeviceInfo, Driver, ScanProfile

log = logging.getLogger(__name__)

_init_lock = threading.Lock()
_initialised = False

# SANE status strings (sane_strstatus) -> Vietnamese / English messages the officer can act on.
FEEDER_EMPTY = "Document feeder out of documents"
_MESSAGES = {
    FEEDER_EMPTY: FAULTS["feeder_empty"],
    "Document feeder jammed": FAULTS["jam"],
    "Device busy": FAULTS["busy"],
    "Scanner cover is open": FAULTS["cover_open"],
    "Error during device I/O": ("Mất kết nối với máy quét (lỗi vào/ra): kiểm tra cáp USB/mạng và nguồn điện",
                                "device I/O error, unplugged?"),
    "Invalid argument": ("Không tìm thấy máy quét hoặc máy đã bị rút ra: kiểm tra kết nối rồi chọn lại máy",
                         "invalid or unplugged device"),
    "Access to resource has been denied": ("Không có quyền dùng máy quét (kiểm tra quyền người dùng/nhóm scanner)",
                                           "access denied"),
    "Out of memory": ("Hết bộ nhớ khi quét: giảm độ phân giải", "out of memory"),
    "Operation was cancelled": ("Đã hủy quét", "scan cancelled"),
    "Operation not supported": ("Máy quét không hỗ trợ thao tác này", "operation not supported"),
}


def device_error(exc: BaseException, device: str = "") -> DeviceError:
    """A SANE error (python-sane raises `_sane.error(strstatus)`) as a Vietnamese DeviceError."""
    text = str(exc.args[0] if getattr(exc, "args", None) else exc)
    vi, en = _MESSAGES.get(text, (f"Lỗi máy quét: {text}", f"scanner error: {text}"))
    return DeviceError(vi, en, path=device or None)


def _sane():
    global _initialised
    try:
        import sane
    except ImportError as exc:
        raise DeviceError("Chưa cài SANE/python-sane trên máy này", "python-sane is not installed") from exc
    with _init_lock:
        if not _initialised:
            sane.init()
            _initialised = True
    return sane


def _pick(choices, wanted: list[str]):
    """The first constraint value whose folded text equals (then contains) one of `wanted`."""
    if not isinstance(choices, (list, tuple)):
        return None
    folded = [(c, fold(str(c))) for c in choices]
    for w in wanted:
        for c, f in folded:
            if f == fold(w):
                return c
    for w in wanted:
        for c, f in folded:
            if fold(w) in f:
                return c
    return None


class SaneDevice(Device):
    def __init__(self, name: str, dev) -> None:
        super().__init__()
        self.name = name
        self._dev = dev
        self._lock = threading.Lock()

    # -- option helpers
    def _option(self, key: str):
        opt = self._dev.opt.get(key)
        if opt is None or not opt.is_active() or not opt.is_settable():
            return None
        return opt

    def _set(self, key: str, value) -> bool:
        if self._option(key) is None:
            return False
        try:
            setattr(self._dev, key, value)
            return True
        except Exception as exc:  # a backend refusing one value must not stop the scan
            log.info("%s: option %s=%r refused (%s)", self.name, key, value, exc)
            return False

    def _apply(self, profile: ScanProfile) -> float:
        """Map the profile onto this backend's options; return the resolution actually set."""
        src = self._option("source")
        if src is not None:
            wanted = {"Flatbed": ["Flatbed", "Platen", "Glass"],
                      "ADF": ["ADF", "ADF Front", "Automatic Document Feeder", "Feeder", "ADF Simplex"],
                      "ADF Duplex": ["ADF Duplex", "Duplex", "Automatic Document Feeder"]}[profile.source]
            choice = _pick(src.constraint, wanted)
            if choice is not None:
                self._set("source", choice)
            elif profile.is_feeder:
                raise DeviceError("Máy quét này không có khay nạp giấy tự động (ADF)", "device has no ADF")
        elif profile.is_feeder:
            raise DeviceError("Máy quét này không có khay nạp giấy tự động (ADF)", "device has no ADF")
        mode = self._option("mode")
        if mode is not None:
            wanted = ["Color", "Colour", "RGB"] if profile.mode == "Color" else ["Gray", "Grayscale", "Grey"]
            choice = _pick(mode.constraint, wanted)
            if choice is not None:
                self._set("mode", choice)
        depth = self._option("depth")
        if depth is not None and isinstance(depth.constraint, list) and 8 in depth.constraint:
            self._set("depth", 8)
        res_opt = self._option("resolution")
        dpi = float(profile.resolution)
        if res_opt is not None:
            c = res_opt.constraint
            if isinstance(c, list) and c:  # word list
                dpi = float(min(c, key=lambda v: abs(float(v) - profile.resolution)))
            elif isinstance(c, tuple) and len(c) == 3:  # (min, max, step)
                dpi = float(min(max(profile.resolution, c[0]), c[1]))
            self._set("resolution", int(dpi) if isinstance(self._dev.resolution, int) else dpi)
            dpi = float(self._dev.resolution)
        width, height = profile.size_mm
        for key, value in (("tl_x", 0.0), ("tl_y", 0.0), ("br_x", width), ("br_y", height),
                           ("page_width", width), ("page_height", height)):
            opt = self._option(key)
            if opt is None:
                continue
            c = opt.constraint
            if isinstance(c, tuple) and len(c) == 3:
                value = min(max(value, c[0]), c[1])
            self._set(key, value)
        for key, value in profile.options.items():
            if not self._set(key.replace("-", "_"), value):
                log.info("%s: option %s not available", self.name, key)
        return dpi

    def set_options(self, options: dict) -> None:
        with self._lock:
            for key, value in options.items():
                if not self._set(key.replace("-", "_"), value):
                    raise DeviceError(f"Máy quét không nhận tùy chọn {key}={value!r}", "option refused",
                                      path=self.name)

    # -- scanning
    def scan(self, profile: ScanProfile) -> Iterator[PageImage]:
        """Pages one by one; ADF runs until the feeder is empty (or max_pages), flatbed gives one."""
        self._cancel.clear()
        with self._lock:
            try:
                dpi = self._apply(profile)
            except DeviceError:
                raise
            except Exception as exc:
                raise device_error(exc, self.name) from exc
        limit = profile.page_limit
        count = 0
        try:
            while limit is None or count < limit:
                if self.cancelled:
                    return
                try:
                    with self._lock:
                        self._dev.start()
                        image = self._dev.snap(True)
                except Exception as exc:
                    if str(exc) == FEEDER_EMPTY and count > 0:
                        return  # the feeder ran out after the last page: a normal end
                    if self.cancelled:
                        return
                    raise device_error(exc, self.name) from exc
                if self.cancelled:
                    return  # python-sane hands back the part scanned before the cancel: not a page
                yield PageImage(pixels=_to_array(image), dpi=dpi, source=f"{self.name}#{count + 1}", index=count)
                count += 1
        finally:
            try:
                self._dev.cancel()
            except Exception:
                pass

    def cancel(self) -> None:
        super().cancel()
        try:
            self._dev.cancel()  # SANE allows sane_cancel() at any time, from any thread
        except Exception:
            pass

    def close(self) -> None:
        try:
            self._dev.close()
        except Exception:
            pass


def _to_array(image) -> np.ndarray:
    """PIL image from python-sane -> BGR (colour) or grey uint8 array."""
    if image.mode in ("1", "I;16", "I"):
        image = image.convert("L")
    arr = np.asarray(image)
    if arr.ndim == 3:
        arr = np.ascontiguousarray(arr[:, :, ::-1])
    return arr


class SaneDriver(Driver):
    name = "sane"
    prefixes = ()

    def available(self) -> bool:
        try:
            import sane  # noqa: F401
        except ImportError:
            return False
        return True

    def list_devices(self) -> list[DeviceInfo]:
        sane = _sane()
        try:
            found = sane.get_devices()
        except Exception as exc:
            raise device_error(exc) from exc
        return [DeviceInfo(name=n, vendor=v, model=m, kind=t, driver="sane") for n, v, m, t in found]

    def open_device(self, name: str) -> Device:
        sane = _sane()
        try:
            dev = sane.open(name)
        except Exception as exc:
            if str(exc) in ("Device busy", "Access to resource has been denied"):
                raise device_error(exc, name) from exc
            # SANE answers an unknown name with "Invalid argument" first, then (cached by the
            # dll backend) "Operation not supported"; a vanished USB device gives an I/O error.
            raise DeviceError(f"Không tìm thấy máy quét '{name}' (chưa cắm, đã tắt hoặc sai tên)",
                              f"scanner not found ({exc})") from exc
        return SaneDevice(name, dev)
