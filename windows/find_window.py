"""Print the title of a visible top-level window whose title contains argv[1] (exit 1 when none).

Runs with the test Python under Wine, in the same Wine session as the app it looks for."""
import ctypes
import sys
from ctypes import wintypes

user32 = ctypes.WinDLL("user32", use_last_error=True)
WNDENUMPROC = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.HWND, wintypes.LPARAM)
want = sys.argv[1].casefold()
found = []


def visit(hwnd, _lparam):
    if user32.IsWindowVisible(hwnd):
        length = user32.GetWindowTextLengthW(hwnd)
        buf = ctypes.create_unicode_buffer(length + 1)
        user32.GetWindowTextW(hwnd, buf, length + 1)
        if want in buf.value.casefold():
            rect = wintypes.RECT()
            user32.GetWindowRect(hwnd, ctypes.byref(rect))
            found.append(f"{buf.value!r} {rect.right - rect.left}x{rect.bottom - rect.top}")
    return True


user32.EnumWindows(WNDENUMPROC(visit), 0)
print("\n".join(found))
sys.exit(0 if found else 1)
