"""Paths a user gives -> the report files below them (sorted; hidden folders skipped).

File names arrive as bytes the system decoded as UTF-8; the undecodable ones (a zip unpacked from
Windows leaves GBK names) come as lone surrogates, which no index file can hold. A file's
``source`` (what users see) has such names decoded as GBK where they are GBK, control characters
shown as escapes; its ``path_key`` (how the index knows it) keeps the bytes, escaped, so it is
unique and the same on every run.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .formats import SUPPORTED_SUFFIXES

_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROLS = re.compile("[\x00-\x1f\x7f]")


def readable(path: str) -> str:
    """A path as a person reads it: undecodable names as GBK (or U+FFFD), no raw line breaks."""
    if _SURROGATES.search(path):
        parts = []
        for part in re.split(r"([/\\])", path):
            if _SURROGATES.search(part):
                raw = os.fsencode(part)
                try:
                    part = raw.decode("gb18030")
                except UnicodeDecodeError:
                    part = raw.decode("utf-8", errors="replace")
            parts.append(part)
        path = "".join(parts)
    return _CONTROLS.sub(lambda m: repr(m.group())[1:-1], path)


def path_key(path: Path) -> str:
    """The index's key of a file: its resolved path, with undecodable bytes escaped."""
    key = str(path.resolve())
    return os.fsencode(key).decode("utf-8", errors="backslashreplace") if _SURROGATES.search(key) else key


@dataclass
class SourceFile:
    path: Path
    source: str  # the path as the user gave it (joined with the walk below a folder), readable

    @property
    def path_key(self) -> str:
        return path_key(self.path)


@dataclass
class Missing:
    """A path given to index that is not a file to read (the reason says what it is)."""

    source: str
    reason: str = "no such file or folder"


def iter_files(paths: list[str]) -> Iterator[SourceFile | Missing]:
    """Files below the given paths, sorted; what cannot be read as a file comes back as Missing."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in SUPPORTED_SUFFIXES and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            for p in found:
                shown = readable(str(Path(given) / p.relative_to(path)))
                problem = not_a_file(p)
                if problem is None:
                    yield SourceFile(p, shown)
                elif problem != "a folder":
                    yield Missing(shown, problem)
        else:
            problem = not_a_file(path)
            yield SourceFile(path, readable(given)) if problem is None else Missing(readable(given), problem)


def not_a_file(path: Path) -> str | None:
    """Why ``path`` is not a regular file to read (None when it is one). A FIFO or device is
    never opened: reading one waits for a writer that may never come."""
    try:
        st = path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop"
        if path.is_symlink():
            return f"broken symbolic link (to {readable(os.readlink(path))})"
        return "no such file or folder" if exc.errno == errno.ENOENT else (exc.strerror or str(exc))
    if stat.S_ISREG(st.st_mode):
        return None
    if stat.S_ISDIR(st.st_mode):
        return "a folder"
    if stat.S_ISFIFO(st.st_mode):
        return "a named pipe (FIFO), not a file (never opened: reading one waits for a writer)"
    return "not a regular file (a device or socket)"
