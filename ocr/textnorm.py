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


def nfc_all(value):
    """Every string of a JSON-like value (keys too) in NFC: what any JSON we write must hold."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, dict):
        return {nfc(k) if isinstance(k, str) else k: nfc_all(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [nfc_all(v) for v in value]
    return value


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
