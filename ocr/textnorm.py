"""The one place for Unicode normalisation and diacritics folding of Vietnamese text."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")
# đ/Đ are letters of their own, not a base letter plus a combining mark.
_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})


def nfc(text: str) -> str:
    """NFC form: Vietnamese stored, compared and written only in composed form."""
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower case without diacritics: 'Nguyễn Văn Ân' -> 'nguyen van an'.

    Used for matching and search so that OCR which lost marks, upper-case print and
    typed queries without Vietnamese keyboard all meet.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_EXTRA))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.casefold()


def collapse_spaces(text: str) -> str:
    """Whitespace runs to one space, trimmed."""
    return _SPACES.sub(" ", text).strip()
