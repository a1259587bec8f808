"""The `sohoa` command line: parses arguments and hands each command to its module."""
from __future__ import annotations

import argparse
import importlib
import logging
import multiprocessing
import os
import sys

# Pages run in parallel processes, so NumPy's BLAS threads only fight them for the cores (a small
# matrix product in the handwriting check took 11 ms instead of 0.4 ms while two pages were read).
# Set before NumPy loads its BLAS; the page workers inherit it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from ocr.errors import SohoaError  # noqa: E402

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
    """Vietnamese output must not crash a redirected or frozen CLI on a Windows code page
    (cp1252 raised UnicodeEncodeError): stdout and stderr write UTF-8 whatever the console."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (stream.encoding or "").lower().replace("-", "") != "utf8":
            reconfigure(encoding="utf-8", errors="replace")


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
    except MemoryError:
        print("Lỗi / error: Hết bộ nhớ; hãy xử lý ít tệp hơn mỗi lần / out of memory", file=sys.stderr)
        return 2
    except OSError as exc:  # a disk or folder problem no command foresaw: still one line
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"Lỗi / error: {where}Lỗi tệp/ổ đĩa ({exc.strerror or exc}) / file or disk error", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: one line for the officer, the traceback kept for the developers
        log_file = _crash_log()
        print(f"Lỗi / error: Lỗi nội bộ của sohoa ({type(exc).__name__}); chi tiết trong {log_file} / "
              f"internal error, details in {log_file}", file=sys.stderr)
        return 70


def _crash_log() -> str:
    """Write the current exception's traceback to a file under the sohoa home; its path (or 'stderr')."""
    import time
    import traceback

    text = traceback.format_exc()
    logging.getLogger("sohoa").debug("%s", text)
    try:
        from exports.store import store_path

        folder = store_path().parent / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
        path.write_text(text, encoding="utf-8")
        return str(path)
    except Exception:  # noqa: BLE001 - nowhere to write: the traceback goes to stderr after all
        print(text, file=sys.stderr)
        return "stderr"


if __name__ == "__main__":
    sys.exit(main())
