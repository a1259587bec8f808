"""The TWAIN driver's paper path, driven through the Device interface on Linux.

pytwain needs Windows and a vendor data source; `_ScriptedTwain` is test data shaped like
pytwain (SourceManager, Source, exception classes named as pytwain's) that feeds N pages and
then raises a given fault. The driver code under test is the product's.
"""
import io
import sys

import numpy as np
import pytest
from PIL import Image

from ocr.errors import DeviceError
from scanner_app.devices import ScanProfile, open_device
from scanner_app.devices.twain_driver import (CAP_DUPLEXENABLED, CAP_FEEDERENABLED, ICAP_PIXELTYPE,
                                              ICAP_XRESOLUTION, TWPT_GRAY, TwainDriver)


class PaperJam(Exception):
    pass


class PaperDoubleFeed(Exception):
    pass


class DSTransferCancelled(Exception):
    pass


class _Source:
    def __init__(self, pages, fault=None, loaded=True):
        self.pages, self.fault, self.loaded = pages, fault, loaded
        self.caps, self.fed, self.acquired = {}, 0, False

    def set_capability(self, cap, kind, value):
        self.caps[cap] = value

    def get_capability_current(self, cap):
        if cap == 0x1003:
            return self.loaded
        return self.caps[cap]

    def request_acquire(self, show_ui, modal_ui):
        self.acquired = True

    def xfer_image_natively(self):
        if self.fed == self.pages:
            raise self.fault()
        self.fed += 1
        value = 40 * self.fed
        img = Image.new("L" if self.caps.get(ICAP_PIXELTYPE) == TWPT_GRAY else "RGB", (60, 80),
                        value if self.caps.get(ICAP_PIXELTYPE) == TWPT_GRAY else (value, 0, 255))
        buf = io.BytesIO()
        img.save(buf, "BMP")
        remaining = -1 if self.fault else self.pages - self.fed
        return buf.getvalue(), remaining

    def close(self):
        pass


class _ScriptedTwain:
    def __init__(self, source):
        self.source, self.freed = source, 0

    def SourceManager(self, parent):
        lib = self

        class _SM:
            source_list = ["Fujitsu fi-7160"]

            def open_source(self, name):
                return lib.source if name == "Fujitsu fi-7160" else None

            def close(self):
                pass
        return _SM()

    def dib_to_bm_file(self, handle):
        return handle

    def global_handle_free(self, handle):
        self.freed += 1


def _open(source):
    lib = _ScriptedTwain(source)
    return TwainDriver(library=lib).open_device("twain:Fujitsu fi-7160"), lib


def test_adf_duplex_pages_stream_until_the_feeder_is_empty():
    dev, lib = _open(_Source(pages=3))
    pages = dev.scan(ScanProfile(source="ADF Duplex", resolution=200, mode="Color"))
    first = next(pages)
    assert lib.source.fed == 1  # page 1 handed over before page 2 is transferred
    rest = list(pages)
    assert [p.index for p in [first, *rest]] == [0, 1, 2]
    assert first.pixels.shape == (80, 60, 3) and tuple(first.pixels[0, 0]) == (255, 0, 40)  # BGR
    assert first.dpi == 200 and first.source == "twain:Fujitsu fi-7160#1"
    assert lib.source.caps[CAP_FEEDERENABLED] is True and lib.source.caps[CAP_DUPLEXENABLED] is True
    assert lib.source.caps[ICAP_XRESOLUTION] == 200.0 and lib.freed == 3


@pytest.mark.parametrize("exc, words", [(PaperJam, "Kẹt giấy"), (PaperDoubleFeed, "Hai tờ")])
def test_jam_and_double_feed_keep_earlier_pages(exc, words):
    dev, _ = _open(_Source(pages=2, fault=exc))
    got = []
    with pytest.raises(DeviceError) as err:
        for page in dev.scan(ScanProfile(source="ADF", mode="Gray")):
            got.append(page)
    assert [p.index for p in got] == [0, 1] and got[1].pixels.ndim == 2 and got[1].pixels[0, 0] == 80
    assert words in err.value.vi and err.value.path == "twain:Fujitsu fi-7160"


def test_empty_feeder_is_a_vietnamese_error_before_any_transfer():
    dev, lib = _open(_Source(pages=0, loaded=False))
    with pytest.raises(DeviceError, match="Khay nạp giấy trống"):
        list(dev.scan(ScanProfile(source="ADF")))
    assert not lib.source.acquired


def test_user_cancel_in_the_vendor_dialog_ends_quietly_and_flatbed_gives_one_page():
    dev, _ = _open(_Source(pages=1, fault=DSTransferCancelled))
    assert len(list(dev.scan(ScanProfile(source="ADF", options={"show_ui": True})))) == 1
    dev, lib = _open(_Source(pages=5))
    assert len(list(dev.scan(ScanProfile(source="Flatbed")))) == 1
    assert lib.source.caps[CAP_FEEDERENABLED] is False


def test_unknown_source_is_a_clear_error():
    with pytest.raises(DeviceError, match="Không tìm thấy máy quét TWAIN"):
        TwainDriver(library=_ScriptedTwain(_Source(1))).open_device("twain:Canon DR")


@pytest.mark.skipif(sys.platform == "win32", reason="Windows: TWAIN is the platform's own there")
def test_twain_off_windows_is_a_clear_error():
    assert not TwainDriver().available()
    with pytest.raises(DeviceError, match="TWAIN chỉ có trên Windows"):
        open_device("twain:Fujitsu fi-7160")
