"""Entry point of the frozen Windows app (PyInstaller): `sohoa.exe <command> ...`.

freeze_support() comes first, before the app's imports: a spawned page worker is this same
exe started with `--multiprocessing-fork`, and must become a worker, not a second CLI.
"""
import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from scanner_app.cli import main

    sys.exit(main())
