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

