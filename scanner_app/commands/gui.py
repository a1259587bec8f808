"""`sohoa gui`: the desktop app for the counter (scan, review, correct, save)."""
from __future__ import annotations

from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("gui", help="mở ứng dụng quét và kiểm tra hồ sơ / open the desktop app")
    p.add_argument("--workspace", type=Path, default=None,
                   help="thư mục phiên làm việc (mặc định trong thư mục dữ liệu) / workspace folder")
    p.set_defaults(run=run)


def run(args) -> int:
    from scanner_app.gui.app import run_app
    from scanner_app.workspace import Workspace

    workspace = Workspace.open(args.workspace) if args.workspace else None
    return run_app(workspace=workspace)
