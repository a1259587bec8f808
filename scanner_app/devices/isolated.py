"""Run a native scanner driver in a child process, as NAPS2 runs its TWAIN worker.

Native scanner stacks (SANE backends, TWAIN data sources, WIA) are C code that can block
forever inside one call, or crash, while holding Python's GIL: in-process, a stuck scanner
freezes the whole window. Here the driver lives in its own process and the app talks to it
through a pipe with a deadline on every answer. A stuck or crashed driver becomes a
DeviceError ("the scanner is not answering") and the child is killed; the pages already
received stay with the app. Each opened device gets a fresh process, so no backend state
leaks from one scan into the next.

Pages are pulled one at a time ("next"), so they still arrive one by one as the feeder
delivers them, and a page limit or a cancel never scans a sheet nobody asked for.
"""
from __future__ import annotations

import importlib
import logging
import multiprocessing
import queue
import threading
import time
from typing import Any, Iterator

from ocr.errors import DeviceError, SohoaError
from ocr.model import PageImage
from scanner_app.devices.base import Device, DeviceInfo, Driver, ScanProfile

log = logging.getLogger(__name__)

#: Longest wait for one page: a 600-dpi colour flatbed pass with lamp warm-up can take a minute.
PAGE_TIMEOUT = 180.0
#: Longest wait for anything else (opening, network discovery of eSCL scanners).
CALL_TIMEOUT = 60.0
#: After a cancel, how long the driver may take to stop before it is killed.
CANCEL_GRACE = 5.0

_NOT_ANSWERING = ("Máy quét không phản hồi (quá {secs:.0f} giây): đã dừng trình điều khiển; "
                  "kiểm tra máy quét rồi quét lại. Các trang đã quét vẫn được giữ",
                  "scanner not answering after {secs:.0f} s; driver stopped")
_DRIVER_DIED = ("Trình điều khiển máy quét bị dừng đột ngột; các trang đã quét vẫn được giữ. "
                "Hãy thử quét lại", "scanner driver process died")


def _load(ref: str) -> Driver:
    module, _, cls = ref.partition(":")
    return getattr(importlib.import_module(module), cls)()


# ---------------------------------------------------------------- child side

def serve(conn, driver_ref: str) -> None:
    """Child process main loop: one driver, at most one open device, one scan at a time."""
    inbox: "queue.Queue[tuple]" = queue.Queue()
    state: dict[str, Any] = {"device": None}

    def read() -> None:  # a cancel must reach the device while the main thread is inside a scan
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                inbox.put(("close",))
                return
            if msg[0] == "cancel":
                if state["device"] is not None:
                    state["device"].cancel()
                continue
            inbox.put(msg)
            if msg[0] == "close":
                return

    threading.Thread(target=read, daemon=True).start()
    driver = _load(driver_ref)
    pages: Iterator[PageImage] | None = None
    while True:
        op, *args = inbox.get()
        if op == "close":
            break
        try:
            if op == "list":
                reply: tuple = ("ok", driver.list_devices())
            elif op == "open":
                state["device"] = driver.open_device(args[0])
                reply = ("ok", None)
            elif op == "scan":
                pages = state["device"].scan(args[0])
                reply = ("ok", None)
            elif op == "next":
                page = next(pages, None) if pages is not None else None
                reply = ("page", page) if page is not None else ("end",)
            elif op == "stop":
                if pages is not None:
                    pages.close()  # runs the driver's own clean-up (sane_cancel)
                pages = None
                reply = ("ok", None)
            elif op == "options":
                state["device"].set_options(args[0])
                reply = ("ok", None)
            else:
                reply = ("error", f"Lệnh không hợp lệ: {op}", "bad request", None)
        except SohoaError as exc:
            pages = None
            reply = ("error", exc.vi, exc.en, exc.path)
        except Exception as exc:  # an unexpected driver bug still answers the app
            log.exception("scanner driver failed")
            pages = None
            reply = ("error", f"Lỗi trình điều khiển máy quét: {exc}", f"driver error: {exc!r}", None)
        conn.send(reply)
    if state["device"] is not None:
        state["device"].close()


# ---------------------------------------------------------------- app side

class _Child:
    """The app's end of one driver process: requests with deadlines, kill on silence."""

    def __init__(self, driver_ref: str, device: str = "") -> None:
        ctx = multiprocessing.get_context("spawn")  # no fork of a threaded Qt app
        self._conn, child_conn = ctx.Pipe()
        self._proc = ctx.Process(target=serve, args=(child_conn, driver_ref), daemon=True,
                                 name=f"sohoa-driver-{driver_ref.rsplit(':', 1)[-1]}")
        self._proc.start()
        child_conn.close()
        self._send_lock = threading.Lock()
        self.device = device

    @property
    def alive(self) -> bool:
        return self._proc.is_alive()

    def send(self, *msg) -> None:
        with self._send_lock:
            try:
                self._conn.send(msg)
            except (OSError, ValueError):  # already gone: the next receive reports it
                pass

    def poll(self, timeout: float) -> tuple | None:
        """The next answer, or None when none came within `timeout` seconds."""
        try:
            if not self._conn.poll(timeout):
                return None
            reply = self._conn.recv()
        except (EOFError, OSError):
            self.kill()
            raise DeviceError(*_DRIVER_DIED, path=self.device or None) from None
        if reply[0] == "error":
            raise DeviceError(reply[1], reply[2], path=reply[3])
        return reply

    def receive(self, timeout: float) -> tuple:
        reply = self.poll(timeout)
        if reply is None:
            raise self.not_answering(timeout)
        return reply

    def not_answering(self, waited: float) -> DeviceError:
        """Kill the silent driver; the error to raise."""
        self.kill()
        return DeviceError(_NOT_ANSWERING[0].format(secs=waited), _NOT_ANSWERING[1].format(secs=waited),
                           path=self.device or None)

    def call(self, *msg, timeout: float = CALL_TIMEOUT):
        self.send(*msg)
        return self.receive(timeout)

    def close(self, grace: float = 2.0) -> None:
        if self._proc.is_alive():
            self.send("close")
            self._proc.join(grace)
        self.kill()

    def kill(self) -> None:
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(5)
        self._conn.close()


class IsolatedDevice(Device):
    def __init__(self, name: str, child: _Child, page_timeout: float) -> None:
        super().__init__()
        self.name = name
        self._child = child
        self._page_timeout = page_timeout
        self._cancelled_at = 0.0

    def scan(self, profile: ScanProfile) -> Iterator[PageImage]:
        self._cancel.clear()
        self._child.call("scan", profile)
        finished = False
        try:
            while not self.cancelled:
                reply = self._next_page()
                if reply[0] == "end":
                    finished = True
                    return
                yield reply[1]
        finally:
            if not finished and self._child.alive:
                try:  # stop the driver's scan; a driver deaf to it is killed
                    self._child.call("stop", timeout=CANCEL_GRACE)
                except DeviceError:
                    pass

    def _next_page(self) -> tuple:
        """Wait for the next page; after a cancel, at most CANCEL_GRACE more, then kill the driver."""
        self._child.send("next")
        deadline = time.monotonic() + self._page_timeout
        while True:
            if self.cancelled:
                deadline = min(deadline, self._cancelled_at + CANCEL_GRACE)
            left = deadline - time.monotonic()
            if left <= 0:
                if self.cancelled:
                    self._child.kill()
                    return ("end",)
                raise self._child.not_answering(self._page_timeout)
            reply = self._child.poll(min(left, 0.25))
            if reply is not None:
                return reply

    def set_options(self, options: dict) -> None:
        self._child.call("options", options)

    def cancel(self) -> None:
        self._cancelled_at = time.monotonic()
        super().cancel()
        self._child.send("cancel")

    def close(self) -> None:
        self._child.close()


class IsolatedDriver(Driver):
    """`driver_ref` ("module:Class") run in a child process; the parent never loads its native code."""

    def __init__(self, driver_ref: str, page_timeout: float = PAGE_TIMEOUT) -> None:
        self.driver_ref = driver_ref
        self.page_timeout = page_timeout
        self._local = _load(driver_ref)  # asked only what it is and whether it can run here
        self.name = self._local.name
        self.prefixes = self._local.prefixes

    def available(self) -> bool:
        return self._local.available()

    def list_devices(self) -> list[DeviceInfo]:
        child = _Child(self.driver_ref)
        try:
            return child.call("list")[1]
        finally:
            child.close()

    def open_device(self, name: str) -> Device:
        child = _Child(self.driver_ref, name)
        try:
            child.call("open", name)
        except DeviceError:
            child.close()
            raise
        return IsolatedDevice(name, child, self.page_timeout)
