"""The CLI on a Windows code page: a redirected or frozen sohoa must not crash on Vietnamese."""
from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO


def _sohoa_cp1252(*args: str) -> subprocess.CompletedProcess:
    # cp1252 is what Windows gives a redirected stream; it has no "ố", "ệ", "→".
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUTF8", "PYTHONIOENCODING")}
    env["PYTHONIOENCODING"] = "cp1252"
    return subprocess.run([sys.executable, "-m", "scanner_app.cli", *args], cwd=REPO, env=env,
                          capture_output=True, timeout=120)


def test_help_is_utf8_on_a_windows_code_page():
    proc = _sohoa_cp1252("--help")
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert "Số hóa hồ sơ" in proc.stdout.decode("utf-8")

