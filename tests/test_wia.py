"""The WIA driver's paper path through the Device interface, on Linux.

comtypes/wiaaut.dll need Windows; `_ScriptedWia` is test data shaped like the WIA automation
objects (DeviceManager, DeviceInfos, Items, Properties, Transfer raising COMError-like
HRESULTs) that feeds N pages and then raises a given fault.
"""
import io
import sys

import pytest
from PIL import Image

from ocr.errors import DeviceError
from scanner_app.devices import ScanProfile
from scanner_app.devices.wia_driver import DOCUMENT_HANDLING_SELECT, DUPLEX, FEEDER, XRES, WiaDriver


class COMError(Exception):
    def __init__(self, hresult):
        super().__init__(hresult, "scripted")
        self.hresult = hresult - (1 << 32)  # comtypes gives signed HRESULTs


class _Props:
    def __init__(self):
        self.values = {}

    def Item(self, key):
        props = self

        class _P:
            @property
            def Value(self):
                return props.values.get(key)

            @Value.setter
            def Value(self, v):
                props.values[key] = v
        return _P()


class _Item:
    def __init__(self, pages, hresult):
        self.Properties, self.pages, self.hresult, self.fed = _Props(), pages, hresult, 0

    def Transfer(self, fmt):
        if self.fed == self.pages:
            raise COMError(self.hresult)
        self.fed += 1
        buf = io.BytesIO()
        Image.new("RGB", (50, 70), (10 * self.fed, 0, 200)).save(buf, "PNG")
        data = buf.getvalue()
        return type("ImageFile", (), {"FileData": type("V", (), {"BinaryData": data})})()


class _Device:
    def __init__(self, item):
        self.Properties, self.item = _Props(), item

    @property
    def Items(self):
        return type("Items", (), {"Item": lambda _, i: self.item})()


def _scripted(pages, hresult):
    item = _Item(pages, hresult)
    device = _Device(item)
    info = type("Info", (), {"DeviceID": "{6BDD1FC6}\\0001", "Type": 1, "Properties": _Props(),
                             "Connect": lambda self: device})()
    info.Properties.values["Name"] = "Canon DR-C225"
    manager = type("Mgr", (), {"DeviceInfos": [info]})()
    return (lambda progid: manager), device


def test_duplex_feeder_streams_then_ends_when_empty():
    create, device = _scripted(3, 0x80210003)
    drv = WiaDriver(create=create)
    [info] = drv.list_devices()
    assert info.model == "Canon DR-C225" and info.driver == "wia"
    pages = list(drv.open_device(info.name).scan(ScanProfile(source="ADF Duplex", resolution=200)))
    assert [p.index for p in pages] == [0, 1, 2] and tuple(pages[2].pixels[0, 0]) == (200, 0, 30)
    assert device.Properties.values[str(DOCUMENT_HANDLING_SELECT)] == FEEDER | DUPLEX
    assert device.item.Properties.values[str(XRES)] == 200


@pytest.mark.parametrize("hresult, words", [(0x80210002, "Kẹt giấy"), (0x80210020, "Hai tờ"),
                                             (0x80210016, "Nắp máy quét")])
def test_faults_keep_earlier_pages(hresult, words):
    create, _ = _scripted(2, hresult)
    got = []
    with pytest.raises(DeviceError) as err:
        for page in WiaDriver(create=create).open_device("wia:{6BDD1FC6}\\0001").scan(ScanProfile(source="ADF")):
            got.append(page)
    assert len(got) == 2 and words in err.value.vi


def test_empty_feeder_before_the_first_page_is_an_error():
    create, _ = _scripted(0, 0x80210003)
    with pytest.raises(DeviceError, match="Khay nạp giấy trống"):
        list(WiaDriver(create=create).open_device("wia:{6BDD1FC6}\\0001").scan(ScanProfile(source="ADF")))


@pytest.mark.skipif(sys.platform == "win32", reason="Windows: WIA is the platform's own there")
def test_wia_is_not_offered_off_windows():
    assert not WiaDriver().available()
