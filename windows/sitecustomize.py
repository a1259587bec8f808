"""Wine 8 workaround for the TEST Python only (build/wine/py, never the product or the installer).

Wine 8.0 has no CopyFile2, which Python 3.12's shutil.copy/copy2 call through _winapi when the
attribute exists: without it shutil falls back to its portable copy, as on older Windows.
"""
import _winapi

if hasattr(_winapi, "CopyFile2"):
    del _winapi.CopyFile2
