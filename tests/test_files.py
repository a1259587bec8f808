"""Crash-safe output files: the mode an ordinary file gets, set per file, the process umask untouched."""
from __future__ import annotations

import os
import stat
import sys

import pytest

from exports.files import atomic_write


@pytest.mark.skipif(sys.platform == "win32", reason="Windows: no POSIX file modes or umask")
def test_output_mode_follows_the_umask_which_is_never_changed(tmp_path, monkeypatch):
    old = os.umask(0o027)
    try:
        # another thread creating files meanwhile must never see a changed umask
        monkeypatch.setattr(os, "umask", lambda *a: pytest.fail("atomic_write changed the process umask"))
        with atomic_write(tmp_path / "a.json", "w") as fh:
            fh.write('{"a": 1}\n')
        monkeypatch.undo()
        (tmp_path / "old.txt").write_text("x")
        os.chmod(tmp_path / "old.txt", 0o600)
        with atomic_write(tmp_path / "old.txt") as fh:  # replaced: a new file, the mode it gets now
            fh.write(b"y")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "old.txt").stat().st_mode) == 0o640
    assert (tmp_path / "a.json").read_bytes() == b'{"a": 1}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "old.txt"]



# ------------------------------------------------------------------ names legal on Windows too
# Output folders end up on NTFS disks, FAT sticks and SMB shares: the Windows rules apply on every OS.

WINDOWS_FORBIDDEN = set('<>:"/\\|?*') | {chr(c) for c in range(32)}


def legal_on_windows(name: str) -> bool:
    """Windows' own rules, written out independently of the product's code."""
    base = name.split(".")[0].rstrip(" ").upper()
    reserved = base in {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} or (
        len(base) == 4 and base[:3] in ("COM", "LPT") and base[3] in "123456789¹²³")
    return (bool(name) and not (set(name) & WINDOWS_FORBIDDEN) and name[-1] not in ". " and not reserved
            and len(name.encode("utf-16-le")) // 2 <= 255 and len(name.encode("utf-8")) <= 255)


@pytest.mark.parametrize("name, expected", [
    ("000.00.25.H49-240315-0012", "000.00.25.H49-240315-0012"),  # a dossier code: unchanged
    ("Tờ khai CT01 - Nguyễn Văn An", "Tờ khai CT01 - Nguyễn Văn An"),
    ('A<B>:"x/y\\z|?*', "A_B___x_y_z___"),
    ("tab\there\x01", "tab_here_"),
    ("CON", "_CON"), ("con.pdf", "_con.pdf"), ("Nul.tar.gz", "_Nul.tar.gz"), ("COM1", "_COM1"),
    ("lpt9.json", "_lpt9.json"), ("COM¹", "_COM¹"), ("CON .txt", "_CON .txt"), ("CONIN$", "_CONIN$"),
    ("CONSOLE", "CONSOLE"), ("COM10", "COM10"), ("LPT0", "LPT0"), ("xCON", "xCON"),
    ("abc. ", "abc"), ("abc...", "abc"), ("...", "_"), ("", "_"), ("  ", "_"),
])
def test_portable_name_follows_windows_rules(name, expected):
    from exports.files import portable_name

    assert portable_name(name) == expected
    assert legal_on_windows(portable_name(name))
    assert portable_name(portable_name(name)) == portable_name(name)  # stable


def test_portable_name_fits_255_utf16_units_and_bytes_without_half_letters():
    from exports.files import free_stem, portable_name

    for text in ("ệ" * 300, "𝔸" * 300, "a" * 300, "Nguyễn 𝔸 " * 60):
        name = portable_name(text)
        assert legal_on_windows(name) and text.startswith(name.rstrip())
        stem = free_stem("/nonexistent-folder", text, (".json", ".pdf"))
        assert legal_on_windows(f"{stem}-999.json")


@pytest.mark.skipif(sys.platform == "win32", reason="Windows: such input names cannot exist on Windows itself")
def test_output_names_from_stems_are_legal_on_windows(tmp_path, page_png):
    """`sohoa process` names its documents after the input files; inputs named as Linux allows
    (a colon, a question mark, a device name, a trailing dot) still give names Windows accepts."""
    from conftest import run_sohoa

    src = tmp_path / "in"
    src.mkdir()
    names = ["con.png", "Đơn: xin cấp?.png", "bản sao..png"]
    for name in names:
        page_png("p.png", ["GIẤY HẸN TRẢ KẾT QUẢ", "Ông Lê Văn Tám"]).rename(src / name)
    out = tmp_path / "out"
    proc = run_sohoa("process", *(str(src / n) for n in names), "--out", str(out), "--jobs", "1", "--no-store")
    assert proc.returncode == 0, proc.stderr
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(["_con.pdf", "_con.json", "Đơn_ xin cấp_.pdf", "Đơn_ xin cấp_.json",
                              "bản sao.pdf", "bản sao.json"])
    assert all(legal_on_windows(n) for n in written)
