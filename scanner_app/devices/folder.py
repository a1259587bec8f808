"""A watched hot folder: a network scanner or a phone app drops files, the app takes each once.

A file is taken only after its size and modification time stopped changing for `settle`
seconds, so a file still being written over SMB/FTP is never read half-way. Polling
(not inotify) keeps it portable to Windows shares.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

from ocr import imageio
from ocr.errors import DeviceError
from ocr.model import PageImage
from scanner_app.devices.base import Device, DeviceInfo, Driver, ScanProfile
from scanner_app.devices.files import FILE_SUFFIXES

PREFIX = "folder:"


class HotFolder(Device):
    def __init__(self, path: str | Path, settle: float = 1.0, poll: float = 0.25,
                 watch: bool = True) -> None:
        super().__init__()
        self.path = Path(path)
        self.name = PREFIX + str(self.path)
        self.settle = settle
        self.poll_interval = poll
        self.watch = watch  # False: take what is there (once settled) and stop
        self.taken: set[Path] = set()
        self._seen: dict[Path, tuple[int, int, float]] = {}  # path -> (size, mtime_ns, stable since)
        if not self.path.is_dir():
            raise DeviceError(f"Không có thư mục theo dõi {self.path}", "watched folder does not exist")

    def ready_files(self, now: float | None = None) -> list[Path]:
        """Files that stopped growing for `settle` seconds and were not taken yet, in name order."""
        now = time.monotonic() if now is None else now
        ready = []
        try:
            entries = sorted(p for p in self.path.iterdir()
                             if p.is_file() and p.suffix.lower() in FILE_SUFFIXES and not p.name.startswith("."))
        except OSError as exc:
            raise DeviceError(f"Không đọc được thư mục theo dõi {self.path} ({exc.strerror})",
                              "cannot read watched folder") from exc
        for p in entries:
            if p in self.taken:
                continue
            try:
                st = p.stat()
            except OSError:
                continue  # vanished between listing and stat
            sig = (st.st_size, st.st_mtime_ns)
            old = self._seen.get(p)
            if old is None or old[:2] != sig:
                self._seen[p] = (*sig, now)
                if self.settle > 0:
                    continue
            if st.st_size > 0 and now - self._seen[p][2] >= self.settle:
                ready.append(p)
        return ready

    def scan(self, profile: ScanProfile | None = None) -> Iterator[PageImage]:
        """Pages of each settled file as it appears; runs until cancelled (or once, if not watching)."""
        self._cancel.clear()
        while not self.cancelled:
            files = self.ready_files()
            for p in files:
                self.taken.add(p)
                for page in imageio.load_pages(p):
                    yield page
                    if self.cancelled:
                        return
            if not self.watch and not files and not self._pending():
                return
            self._cancel.wait(self.poll_interval)

    def _pending(self) -> bool:
        return any(p not in self.taken and p.exists() for p in self._seen)


class FolderDriver(Driver):
    name = "folder"
    prefixes = (PREFIX,)

    def open_device(self, name: str) -> Device:
        return HotFolder(name[len(PREFIX):])

    def list_devices(self) -> list[DeviceInfo]:
        return []
