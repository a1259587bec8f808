"""The `sohoa` command line: parses arguments and hands each command to its module."""
from __future__ import annotations

import argparse
import importlib
import logging
import multiprocessing
import sys

from ocr.errors import SohoaError

# command name -> module under scanner_app.commands
COMMANDS = {
    "process": "process",
    "batch": "batch",
    "scan": "scan",
    "export": "export",
    "verify": "verify",
    "coversheet": "coversheet",
    "search": "search",
    "audit": "audit",
    "gui": "gui",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sohoa",
        description="Số hóa hồ sơ: quét, làm sạch, nhận dạng, trích xuất trường, PDF/A có thể tìm kiếm. "
        "/ Digitise dossiers: scan, clean, OCR, fields, searchable PDF/A.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="ghi nhật ký chi tiết / verbose log")
    sub = parser.add_subparsers(dest="command", required=True, metavar="LỆNH/COMMAND")
    for name, module in COMMANDS.items():
        try:
            mod = importlib.import_module(f"scanner_app.commands.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"scanner_app.commands.{module}":
                raise
            continue
        mod.add_parser(sub)
    return parser


def utf8_streams() -> None:
    """Write stdout/stderr as UTF-8 whatever the console code page.

    On Windows a redirected or frozen CLI gets the ANSI code page (cp1252), in which the
    Vietnamese messages raise UnicodeEncodeError; a windowed exe has no streams at all.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (stream.encoding or "").lower().replace("-", "") != "utf8":
            stream.flush()
            reconfigure(encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    # A frozen (PyInstaller) exe re-runs itself for each spawned worker: let the worker run, not the CLI.
    multiprocessing.freeze_support()
    utf8_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.run(args) or 0)
    except SohoaError as exc:
        print(f"Lỗi / error: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Đã dừng / interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
