"""WIA 2.0 driver (Windows) through comtypes and the WIA automation layer (wiaaut.dll).

Covers flatbeds, multifunction printers and Windows' own eSCL class driver where no TWAIN
driver is installed. Runs in the driver process like SANE and TWAIN; `comtypes` is imported
only when a device is listed or opened. The COM factory is passed in (`WiaDriver(create=...)`)
so the paper path can be tested on Linux with a scripted device shaped like WIA.
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

PREFIX = "wia:"
FORMAT_PNG = "{B96B3CAF-0728-11D3-9D7B-0000F81EF32E}"
# Property ids (wiadef.h).
DOCUMENT_HANDLING_SELECT, PAGES = 3088, 3096
CUR_INTENT, XRES, YRES, XEXTENT, YEXTENT = 6146, 6147, 6148, 6151, 6152
FEEDER, FLATBED, DUPLEX = 1, 2, 4
INTENT_COLOR, INTENT_GRAY = 1, 2
# HRESULTs (wia.h) -> FAULTS keys.
_HRESULTS = {
    0x80210002: "jam", 0x80210003: "feeder_empty", 0x80210020: "double_feed", 0x80210016: "cover_open",
    0x80210006: "busy", 0x8021000D: "busy", 0x80210005: "offline", 0x8021000A: "offline",
    0x80210015: "offline",
}


def _hresult(exc: BaseException) -> int | None:
    code = getattr(exc, "hresult", None)
    if code is None and getattr(exc, "args", None) and isinstance(exc.args[0], int):
        code = exc.args[0]
    return code & 0xFFFFFFFF if isinstance(code, int) else None


def wia_error(exc: BaseException, device: str = "") -> DeviceError:
    code = _hresult(exc)
    if code in _HRESULTS:
        return fault(_HRESULTS[code], device, f"0x{code:08X}")
    return DeviceError(f"Lỗi máy quét (WIA): {exc}", f"WIA error: {exc!r}", path=device or None)


def _com_create():
    require_windows("WIA")
    try:
        import comtypes
        from comtypes.client import CreateObject
    except ImportError as exc:
        raise DeviceError("Chưa cài comtypes trên máy này", "comtypes is not installed") from exc
    comtypes.CoInitialize()  # the driver process's serving thread
    return CreateObject


def _set(props, pid: int, value, device: str) -> None:
    try:
        props.Item(str(pid)).Value = value
    except Exception as exc:  # a device refusing one value must not stop the scan
        log.info("%s: WIA property %d=%r refused (%s)", device, pid, value, exc)


class WiaDevice(Device):
    def __init__(self, name: str, device) -> None:
        super().__init__()
        self.name = name
        self._dev = device

    def scan(self, profile: ScanProfile) -> Iterator[PageImage]:
        self._cancel.clear()
        try:
            handling = {"Flatbed": FLATBED, "ADF": FEEDER, "ADF Duplex": FEEDER | DUPLEX}[profile.source]
            _set(self._dev.Properties, DOCUMENT_HANDLING_SELECT, handling, self.name)
            _set(self._dev.Properties, PAGES, profile.max_pages or 0 if profile.is_feeder else 1, self.name)
            item = self._dev.Items.Item(1)
            _set(item.Properties, CUR_INTENT, INTENT_COLOR if profile.mode == "Color" else INTENT_GRAY, self.name)
            for pid in (XRES, YRES):
                _set(item.Properties, pid, int(profile.resolution), self.name)
            width, height = profile.size_mm
            _set(item.Properties, XEXTENT, round(width / 25.4 * profile.resolution), self.name)
            _set(item.Properties, YEXTENT, round(height / 25.4 * profile.resolution), self.name)
        except Exception as exc:
            raise wia_error(exc, self.name) from exc
        limit = profile.page_limit
        count = 0
        while limit is None or count < limit:
            if self.cancelled:
                return
            try:
                image = item.Transfer(FORMAT_PNG)
                data = bytes(image.FileData.BinaryData)
            except Exception as exc:
                if _hresult(exc) == 0x80210003 and count > 0:
                    return  # the feeder ran out after the last page: a normal end
                raise wia_error(exc, self.name) from exc
            yield PageImage(pixels=to_bgr_or_grey(Image.open(io.BytesIO(data))), dpi=float(profile.resolution),
                            source=f"{self.name}#{count + 1}", index=count)
            count += 1


class WiaDriver(Driver):
    name = "wia"
    prefixes = (PREFIX,)

    def __init__(self, create=None) -> None:
        self._create = create

    def available(self) -> bool:
        if self._create is not None:
            return True
        if sys.platform != "win32":
            return False
        import importlib.util
        return importlib.util.find_spec("comtypes") is not None

    def _manager(self):
        create = self._create if self._create is not None else _com_create()
        return create("WIA.DeviceManager")

    def list_devices(self) -> list[DeviceInfo]:
        try:
            infos = [i for i in self._manager().DeviceInfos if i.Type == 1]  # 1: scanner
            return [DeviceInfo(name=f"{PREFIX}{i.DeviceID}", model=i.Properties.Item("Name").Value,
                               kind="WIA", driver="wia") for i in infos]
        except DeviceError:
            raise
        except Exception as exc:
            raise wia_error(exc) from exc

    def open_device(self, name: str) -> Device:
        wanted = name.removeprefix(PREFIX)
        try:
            for info in self._manager().DeviceInfos:
                if info.DeviceID == wanted:
                    return WiaDevice(name, info.Connect())
        except DeviceError:
            raise
        except Exception as exc:
            raise wia_error(exc, name) from exc
        raise DeviceError("Không tìm thấy máy quét WIA (chưa cắm, đã tắt hoặc sai tên)", "WIA device not found",
                          path=name)
