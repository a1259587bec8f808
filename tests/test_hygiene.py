"""The test suite itself: tests that can fail. No skip on Linux, no importorskip of our own
modules or at module level, no assert that only runs when an `if` happens to be true."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
OWN = {"ocr", "templates", "exports", "scanner_app", "bench", "tests"}


def _modules():
    return [(p.name, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(TESTS.glob("*.py"))]


def _importorskips(tree):
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "importorskip"]


def test_no_importorskip_of_our_modules_nor_at_module_level():
    own = [f"{name}:{c.lineno}" for name, tree in _modules() for c in _importorskips(tree)
           if c.args and isinstance(c.args[0], ast.Constant) and str(c.args[0].value).split(".")[0] in OWN]
    top = [f"{name}:{c.lineno}" for name, tree in _modules() for stmt in tree.body
           if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
           for c in _importorskips(stmt)]
    assert (own, top) == ([], [])


def test_no_assert_behind_an_if_without_else():
    found = [f"{name}:{n.lineno}" for name, tree in _modules() for n in ast.walk(tree)
             if isinstance(n, ast.If) and not n.orelse
             and any(isinstance(a, ast.Assert) for stmt in n.body for a in ast.walk(stmt))]
    assert found == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Windows/macOS: the rule holds on Linux only")
def test_a_skip_on_linux_fails_unless_it_names_another_os(tmp_path):
    """The conftest hook, run on a small suite of its own."""
    shutil.copy(TESTS / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_skips.py").write_text(
        "import sys, pytest\n"
        "def test_missing_dependency():\n    pytest.skip('tesseract vie missing')\n"
        "@pytest.mark.skipif(True, reason='Windows: no SIGKILL')\n"
        "def test_other_os():\n    pass\n"
        "def test_runs():\n    pass\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA", str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    summary = proc.stdout.splitlines()[-1]
    assert proc.returncode == 1 and summary.startswith("1 failed, 1 passed, 1 skipped"), proc.stdout
    assert "FAILED test_skips.py::test_missing_dependency" in proc.stdout
