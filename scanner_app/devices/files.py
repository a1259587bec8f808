"""Import of image and PDF files as if they came from a scanner (same interface, same pages)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from ocr import imageio
from ocr.errors import DeviceError, SohoaError
from ocr.model import PageImage
from scanner_app.devices.base import Device, DeviceInfo, Driver, ScanProfile

#: File name endings offered in the import dialog and accepted by drag and drop.
FILE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".pdf", ".webp")
PREFIX = "file:"


class FilesDevice(Device):
    """Yields every page of each file in order; a bad file raises BadInputError after the pages before it."""

    def __init__(self, paths: list[str | os.PathLike], skip_bad: bool = False) -> None:
        super().__init__()
        self.skip_bad = skip_bad  # True: a bad file is kept in `skipped` and the next one read
        self.skipped: list[SohoaError] = []
        self.paths = [Path(p) for p in paths]
        self.name = PREFIX + os.pathsep.join(str(p) for p in self.paths)

    def scan(self, profile: ScanProfile | None = None) -> Iterator[PageImage]:
        self._cancel.clear()
        for path in self.paths:
            try:
                for page in imageio.load_pages(path):
                    if self.cancelled:
                        return
                    yield page
            except SohoaError as exc:
                if not self.skip_bad:
                    raise
                self.skipped.append(exc)  # the officer is told; the other files still come in


class FilesDriver(Driver):
    name = "files"
    prefixes = (PREFIX,)

    def open_device(self, name: str) -> Device:
        paths = [p for p in name[len(PREFIX):].split(os.pathsep) if p]
        if not paths:
            raise DeviceError("Chưa chọn tệp nào để nhập", "no files given")
        return FilesDevice(paths)

    def list_devices(self) -> list[DeviceInfo]:
        return []
