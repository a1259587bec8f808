"""Scanner drivers against the real SANE `test` backend, file import and the hot folder."""
from __future__ import annotations

import json
import multiprocessing
import sys
import threading
import time

import numpy as np
import pytest
from PIL import Image

from ocr.errors import BadInputError, DeviceError
from scanner_app.devices import ScanProfile, normalize_source, open_device
from scanner_app.devices.files import FilesDevice
from scanner_app.devices.folder import HotFolder

# SANE and its `test` backend exist on Linux; the Windows drivers (TWAIN, WIA) are tested apart
sane_only = pytest.mark.skipif(sys.platform != "linux", reason="SANE test backend: Linux only (not Windows/macOS)")
MM_PER_INCH = 25.4


@sane_only
def test_flatbed_gives_one_page_with_resolution_and_size():
    with open_device("test:0") as dev:
        pages = list(dev.scan(ScanProfile(resolution=200, mode="Gray", source="Flatbed")))
    assert len(pages) == 1
    page = pages[0]
    assert page.dpi == 200
    assert page.pixels.ndim == 2 and page.pixels.dtype == np.uint8
    # A4 width asked; the test device's glass is 200 mm wide at most, and the driver clamps to it
    w_mm = page.pixels.shape[1] / page.dpi * MM_PER_INCH
    assert 195 <= w_mm <= 201
    assert page.source == "test:0#1"


@sane_only
def test_colour_scan_is_bgr():
    with open_device("test:0") as dev:
        [page] = dev.scan(ScanProfile(resolution=100, mode="Color", source="Flatbed",
                                      options={"test_picture": "Color pattern"}))
    assert page.pixels.ndim == 3 and page.pixels.shape[2] == 3
    assert page.dpi == 100
    assert page.pixels.std() > 10  # a pattern, not a blank page


@sane_only
def test_adf_runs_until_feeder_is_empty():
    with open_device("test:0") as dev:
        pages = list(dev.scan(ScanProfile(resolution=50, mode="Gray", source="ADF")))
    assert len(pages) == 10  # the test backend's feeder holds 10 sheets
    assert [p.index for p in pages] == list(range(10))
    assert len({p.pixels.shape for p in pages}) == 1


@sane_only
def test_adf_page_limit_and_pages_arrive_one_by_one():
    with open_device("test:0") as dev:
        it = dev.scan(ScanProfile(resolution=50, source="adf", max_pages=3))
        first = next(it)  # delivered before the rest are scanned
        assert first.index == 0
        rest = list(it)
    assert len(rest) == 2


@sane_only
def test_empty_feeder_is_a_vietnamese_device_error():
    with open_device("test:0") as dev:
        with pytest.raises(DeviceError) as err:
            list(dev.scan(ScanProfile(resolution=50, source="ADF",
                                      options={"read_return_value": "SANE_STATUS_NO_DOCS"})))
    assert "Khay nạp giấy trống" in err.value.message
    assert "feeder empty" in err.value.message


@sane_only
def test_jam_after_some_pages_keeps_them():
    got = []
    with open_device("test:0") as dev:
        with pytest.raises(DeviceError) as err:
            for page in dev.scan(ScanProfile(resolution=50, source="ADF")):
                got.append(page)
                if len(got) == 2:
                    dev.set_options({"read_return_value": "SANE_STATUS_JAMMED"})  # the next sheet jams
    assert len(got) == 2
    assert "Kẹt giấy" in err.value.message


@sane_only
@pytest.mark.parametrize("status,text", [("SANE_STATUS_DEVICE_BUSY", "đang bận"),
                                         ("SANE_STATUS_COVER_OPEN", "Nắp máy quét"),
                                         ("SANE_STATUS_IO_ERROR", "Mất kết nối")])
def test_other_device_errors_have_clear_messages(status, text):
    with open_device("test:0") as dev:
        with pytest.raises(DeviceError) as err:
            list(dev.scan(ScanProfile(resolution=50, options={"read_return_value": status})))
    assert text in err.value.message


#: What an unknown device name gets: SANE (Linux) looks for it; Windows has no driver that claims it.
NO_SUCH_DEVICE = "Không tìm thấy máy quét" if sys.platform == "linux" else "Không có trình điều khiển máy quét"


def test_nonexistent_device():
    with pytest.raises(DeviceError) as err:
        open_device("nonexistent:0")
    assert NO_SUCH_DEVICE in err.value.message and "nonexistent:0" in err.value.message
    with pytest.raises(DeviceError):
        open_device("")


def test_source_names_and_bad_profile():
    assert normalize_source("Automatic Document Feeder") == "ADF"
    assert normalize_source("adf duplex") == "ADF Duplex"
    assert normalize_source("flatbed") == "Flatbed"
    with pytest.raises(DeviceError):
        normalize_source("roll")
    with pytest.raises(DeviceError):
        ScanProfile(mode="Sepia")


@sane_only
def test_cancel_stops_an_adf_run():
    with open_device("test:0") as dev:
        got = []
        for page in dev.scan(ScanProfile(resolution=50, source="ADF")):
            got.append(page)
            if len(got) == 4:
                dev.cancel()
    assert len(got) == 4


def _png(path, value=200, size=(120, 160), dpi=150):
    Image.fromarray(np.full(size, value, np.uint8)).save(path, dpi=(dpi, dpi))
    return path


def test_files_device_pages_in_order_then_error_for_bad_file(tmp_path):
    a = _png(tmp_path / "a.png", 10)
    tif = tmp_path / "b.tif"
    frames = [Image.fromarray(np.full((2339, 1654), v, np.uint8)) for v in (50, 100)]  # A4 at 200 dpi
    frames[0].save(tif, save_all=True, append_images=frames[1:], dpi=(200, 200))
    bad = tmp_path / "c.png"
    bad.write_bytes(b"not an image at all")
    got = []
    with open_device(f"file:{a}") as dev:
        assert len(list(dev.scan(None))) == 1
    with pytest.raises(BadInputError) as err:
        for p in FilesDevice([a, tif, bad]).scan():
            got.append(p)
    assert [int(p.pixels.mean()) for p in got] == [10, 50, 100]
    assert got[1].dpi == 200
    assert "c.png" in err.value.message


def test_hot_folder_takes_a_file_only_once_it_stopped_growing(tmp_path):
    folder = HotFolder(tmp_path, settle=0.4, poll=0.05)
    src = _png(tmp_path.parent / f"{tmp_path.name}-src.png", 77)
    data = src.read_bytes()
    target = tmp_path / "scan001.png"
    with open(target, "wb") as fh:
        fh.write(data[: len(data) // 2])
        fh.flush()
        assert folder.ready_files() == []
        time.sleep(0.5)
        # still the same half: would be 'settled', so keep writing before it is
        fh.write(data[len(data) // 2:])
        fh.flush()
    assert folder.ready_files() == []  # size changed: the clock restarts
    time.sleep(0.5)
    assert folder.ready_files() == [target]
    folder.watch = False
    pages = list(folder.scan())
    assert len(pages) == 1 and int(pages[0].pixels.mean()) == 77
    assert folder.ready_files() == []  # taken once only
    (tmp_path / "notes.txt").write_text("x")
    assert folder.ready_files() == []


def test_hot_folder_watch_stops_on_cancel(tmp_path):
    folder = HotFolder(tmp_path, settle=0.0, poll=0.02)
    _png(tmp_path / "p1.png", 30)
    it = folder.scan()
    first = next(it)
    assert int(first.pixels.mean()) == 30
    folder.cancel()
    assert list(it) == []
    with pytest.raises(DeviceError):
        HotFolder(tmp_path / "missing")


@sane_only
def test_scan_command_writes_pages_then_document(tmp_path):
    from pypdf import PdfReader

    from tests.conftest import run_sohoa

    out = tmp_path / "out"
    proc = run_sohoa("scan", "--device", "test:0", "--source", "ADF", "--pages", "3", "--resolution", "200",
                     "--mode", "Gray", "--out", str(out), "--name", "hs", "--no-store")
    assert proc.returncode == 0, proc.stderr
    pngs = sorted(out.glob("hs-p*.png"))
    assert [p.name for p in pngs] == ["hs-p001.png", "hs-p002.png", "hs-p003.png"]
    with Image.open(pngs[0]) as img:
        assert round(img.info["dpi"][0]) == 200
    assert len(PdfReader(out / "hs.pdf").pages) == 3
    result = json.loads((out / "hs.json").read_text(encoding="utf-8"))
    assert result["schema"] == "sohoa.result/1" and len(result["pages"]) == 3


def test_scan_command_reports_missing_device(tmp_path):
    from tests.conftest import run_sohoa

    proc = run_sohoa("scan", "--device", "nonexistent:0", "--out", str(tmp_path))
    assert proc.returncode == 2
    assert NO_SUCH_DEVICE in proc.stderr


# -- the driver process: a stuck or dying scanner never takes the app with it

# 600 dpi with 0.2 s per 32 KB buffer: minutes a page, a scanner that all but stopped answering
SLOW_READS = {"resolution": 600, "read_delay": True, "read_delay_duration": 200_000}


def _isolated_sane(page_timeout):
    from scanner_app.devices.isolated import IsolatedDriver

    return IsolatedDriver("scanner_app.devices.sane_driver:SaneDriver", page_timeout=page_timeout)


@sane_only
def test_scanner_that_stops_answering_is_stopped_and_pages_are_kept():
    got = []
    started = time.monotonic()
    with _isolated_sane(page_timeout=3.0).open_device("test:0") as dev:
        with pytest.raises(DeviceError) as err:
            for page in dev.scan(ScanProfile(resolution=50, source="ADF")):
                got.append(page)
                if len(got) == 2:
                    dev.set_options(SLOW_READS)
    assert len(got) == 2
    assert "Máy quét không phản hồi (quá 3 giây)" in err.value.message and "test:0" in err.value.message
    assert time.monotonic() - started < 20
    with open_device("test:0") as dev:  # the next scan starts afresh
        assert len(list(dev.scan(ScanProfile(resolution=50)))) == 1


@sane_only
def test_driver_process_that_dies_mid_page_is_a_clear_error():
    with _isolated_sane(page_timeout=60.0).open_device("test:0") as dev:
        dev.set_options(SLOW_READS)
        driver_processes = [p for p in multiprocessing.active_children() if p.name.startswith("sohoa-driver")]
        assert len(driver_processes) == 1
        killer = threading.Timer(1.0, driver_processes[0].kill)  # as a backend segfault would
        killer.start()
        with pytest.raises(DeviceError) as err:
            list(dev.scan(ScanProfile(resolution=50)))
        killer.join()
    assert "bị dừng đột ngột" in err.value.message


@sane_only
def test_cancel_during_a_slow_page_returns_promptly():
    with open_device("test:0") as dev:
        dev.set_options(SLOW_READS)
        threading.Timer(1.0, dev.cancel).start()
        started = time.monotonic()
        pages = list(dev.scan(ScanProfile(resolution=50)))
    assert pages == []
    assert time.monotonic() - started < 10
