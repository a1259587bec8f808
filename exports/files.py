"""Crash-safe file writing: a temporary name in the target folder, then an atomic rename."""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
from pathlib import Path
from typing import IO, Iterator

from ocr.errors import OutputError, SohoaError


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Yield a file object; the target appears only complete, never half-written."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_part(target.parent, part_prefix(target.name), ".part")
    except OSError as exc:
        raise OutputError(f"Không ghi được vào thư mục {target.parent} ({exc.strerror})",
                          f"cannot write to folder {target.parent}", path=str(target)) from exc
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, SohoaError):
            if exc.errno == errno.ENOSPC:
                raise OutputError(f"Hết dung lượng đĩa khi ghi {target.name}; tệp cũ (nếu có) vẫn nguyên vẹn",
                                  "disk full", path=str(target)) from exc
            raise OutputError(f"Không ghi được tệp ({exc.strerror or exc})", "cannot write file",
                              path=str(target)) from exc
        raise


def _create_part(folder: Path, prefix: str, suffix: str) -> tuple[int, str]:
    """A new, unique temporary file in `folder`, opened for writing. Created with mode 0666 so the
    kernel applies the process umask, as for any ordinary output file (mkstemp gives 0600; reading
    the umask means setting it, which races with other threads)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        path = os.path.join(folder, f"{prefix}{secrets.token_hex(4)}{suffix}")
        try:
            return os.open(path, flags, 0o666), path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(folder))


#: Bytes a file name may have on Linux/Windows file systems (NAME_MAX).
NAME_MAX = 255
_PART_ROOM = 1 + 1 + 8 + 5  # '.' + '.' + mkstemp's random part + '.part'


def _cut_utf8(text: str, limit: int) -> str:
    """The longest prefix of `text` that is at most `limit` bytes in UTF-8 (never half a letter)."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


#: Characters no Windows file name may hold (NTFS, FAT, SMB shares), control characters included.
_NOT_ON_WINDOWS = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
#: Device names Windows reserves in every folder, whatever the extension ("CON.pdf", "com1 .json").
WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                              *(f"{dev}{n}" for dev in ("COM", "LPT") for n in "123456789\u00b9\u00b2\u00b3")})


def portable_name(name: str, limit: int = NAME_MAX) -> str:
    """`name` as a file or folder name that is legal on Windows and POSIX alike, so an output
    folder can live on (or be copied to) NTFS, a FAT stick or an SMB share: each character
    Windows forbids becomes '_', trailing dots and spaces go (Windows drops them silently), a
    reserved device name gets a '_' in front, and the name fits `limit` bytes of UTF-8 (never
    half a letter). 255 UTF-8 bytes are at most 255 UTF-16 code units, NTFS's own limit.
    A name that is portable already comes back unchanged."""
    name = _cut_utf8(_NOT_ON_WINDOWS.sub("_", name), limit).rstrip(". ")
    if not name:
        return "_"
    if name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED:
        name = _cut_utf8("_" + name, limit).rstrip(". ")
    return name


def part_prefix(name: str) -> str:
    """Prefix of the temporary name of `name`: fits NAME_MAX whatever the final name's length
    (a 250-byte output name failed with 'File name too long' once the suffix was added)."""
    return f".{_cut_utf8(name, NAME_MAX - _PART_ROOM)}."


def short_stem(stem: str, room: int) -> str:
    """`stem` itself when `room` more bytes still fit NAME_MAX; else cut, with a hash of the
    whole stem so that two long names sharing a beginning stay apart."""
    limit = NAME_MAX - room
    if len(stem.encode("utf-8")) <= limit:
        return stem
    digest = hashlib.sha256(stem.encode("utf-8")).hexdigest()[:10]
    return f"{_cut_utf8(stem, limit - 11).rstrip()}~{digest}"


def free_stem(folder: str | os.PathLike, stem: str, suffixes: tuple[str, ...],
              overwrite: bool = False) -> str:
    """`stem`, or the first of `stem-2`, `stem-3` ... for which no `stem+suffix` exists yet.
    The stem is made portable first (`portable_name`: legal on Windows too), and an over-long
    one is shortened (`short_stem`) so every name fits, `-NNN` included."""
    folder = Path(folder)
    stem = short_stem(portable_name(stem), max((len(sfx.encode("utf-8")) for sfx in suffixes), default=0) + 5)
    candidate, n = stem, 2
    while not overwrite and any((folder / f"{candidate}{sfx}").exists() for sfx in suffixes):
        candidate, n = f"{stem}-{n}", n + 1
    return candidate


def free_path(path: str | os.PathLike, overwrite: bool = False) -> Path:
    """`path` itself when free (or `overwrite`), else the first free `stem-2.ext`, `stem-3.ext` ..."""
    target = Path(path)
    return target.with_name(free_stem(target.parent, target.stem, (target.suffix,), overwrite) + target.suffix)
