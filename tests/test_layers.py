"""Layers go one way: ocr <- templates <- exports <- scanner_app, and no package takes another's private helper."""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FORBIDDEN = {"ocr": {"templates", "exports", "scanner_app"}, "templates": {"exports", "scanner_app"},
             "exports": {"scanner_app"}}


def imports(folder: Path):
    """(file, line, imported module, imported names) of every import under a folder, however nested."""
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, node.lineno, alias.name, []
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield path, node.lineno, node.module, [a.name for a in node.names]


def owner(module: str) -> str:
    """The package a module belongs to: `scanner_app.batch` and `scanner_app.gui` are two."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "scanner_app" and len(parts) > 1 and (REPO / parts[0] / parts[1]).is_dir() else parts[0]


def test_no_package_imports_upward():
    upward = [f"{path.relative_to(REPO)}:{line} imports {module}"
              for package, above in FORBIDDEN.items() for path, line, module, _ in imports(REPO / package)
              if module.split(".")[0] in above]
    assert upward == []


def test_no_package_takes_another_packages_private_helper():
    taken = [f"{path.relative_to(REPO)}:{line} takes {module}.{name}"
             for package in ("ocr", "templates", "exports", "scanner_app")
             for path, line, module, names in imports(REPO / package)
             if module.split(".")[0] in {"ocr", "templates", "exports", "scanner_app"}
             and owner(module) != owner(".".join(path.relative_to(REPO).with_suffix("").parts))
             for name in names if name.startswith("_") and not name.startswith("__")]
    assert taken == []


def test_the_check_sees_a_nested_upward_import(tmp_path):
    (tmp_path / "ocr").mkdir()
    (tmp_path / "ocr" / "x.py").write_text("def f():\n    from templates import understand\n", encoding="utf-8")
    assert [(m, n) for _p, _l, m, n in imports(tmp_path)] == [("templates", ["understand"])]
