"""Scanner drivers behind one interface: `list_devices()`, `open_device(name)`, `Device.scan(profile)`.

Device names route to drivers: `file:PATH[;PATH...]` imports files, `folder:PATH` watches a hot
folder, anything else goes to the platform scanner driver (SANE on Linux/macOS); `twain:` and
`wia:` names go to the Windows drivers (docs/windows.md). Driver modules import their native
libraries lazily so a machine without them still starts.
"""
from __future__ import annotations

import logging

from ocr.errors import DeviceError
from scanner_app.devices.base import (MODES, PAGE_SIZES, RESOLUTIONS, SOURCES, Device, DeviceInfo,
                                      Driver, ScanProfile, normalize_source)

log = logging.getLogger(__name__)

__all__ = ["Device", "DeviceInfo", "Driver", "ScanProfile", "list_devices", "open_device", "drivers",
           "MODES", "PAGE_SIZES", "RESOLUTIONS", "SOURCES", "normalize_source"]


def drivers() -> list[Driver]:
    """Drivers in routing order: explicit prefixes first, the platform scanner driver last."""
    from scanner_app.devices.files import FilesDriver
    from scanner_app.devices.folder import FolderDriver
    from scanner_app.devices.isolated import IsolatedDriver

    return [FilesDriver(), FolderDriver(), IsolatedDriver("scanner_app.devices.twain_driver:TwainDriver"),
            IsolatedDriver("scanner_app.devices.wia_driver:WiaDriver"),
            IsolatedDriver("scanner_app.devices.sane_driver:SaneDriver")]


def list_devices() -> list[DeviceInfo]:
    """Every scanner the available drivers can see (may take seconds: network discovery)."""
    out: list[DeviceInfo] = []
    for drv in drivers():
        if not drv.available():
            continue
        try:
            out.extend(drv.list_devices())
        except DeviceError as exc:
            log.warning("%s: %s", drv.name, exc.message)
    return out


def open_device(name: str) -> Device:
    """Open a device by name; DeviceError (Vietnamese message) when it cannot be opened."""
    name = (name or "").strip()
    if not name:
        raise DeviceError("Chưa chọn máy quét", "no scanner selected")
    candidates = drivers()
    for drv in candidates:
        if drv.prefixes and name.startswith(drv.prefixes):
            return drv.open_device(name)
    for drv in candidates:
        if not drv.prefixes and drv.available():
            return drv.open_device(name)
    raise DeviceError(f"Không có trình điều khiển máy quét nào cho '{name}' trên máy này "
                      "(cần SANE trên Linux, TWAIN/WIA trên Windows)", "no scanner driver available")
