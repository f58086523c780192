"""Rebuilding an index beside the one in use and swapping it in at the end.

``searcher index --rebuild`` used to empty the index folder first: a server answered nothing
for the whole rebuild, and a writer running at the time lost its work. Now the new index is
built in a hidden sibling folder while the old one stays searchable and locked against other
writers, and the two folders are exchanged in one step (``renameat2(RENAME_EXCHANGE)`` on
Linux; two renames elsewhere). Files a user keeps in the index folder (``.gitkeep``) and the
index's own records of corrections move to the new index.
"""

from __future__ import annotations

import ctypes
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .corrections import STORE_FILE
from .engine import has_index, owns, write_lock

__all__ = ["carry_corrections", "has_index", "rebuild_beside", "swap"]

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@contextmanager
def rebuild_beside(index_dir: Path) -> Iterator[Path]:
    """Yields an empty folder to build the new index in; swaps it with ``index_dir`` when the
    block ends without an error, else removes it. Holds ``index_dir``'s write lock throughout."""
    index_dir = index_dir.resolve()
    with write_lock(index_dir):
        _remove_abandoned(index_dir)
        new_dir = index_dir.with_name(f".{index_dir.name}.rebuild-{os.getpid()}")
        shutil.rmtree(new_dir, ignore_errors=True)
        new_dir.mkdir()
        try:
            yield new_dir
            for entry in index_dir.iterdir():
                if not owns(entry.name) and entry.name != STORE_FILE and not (new_dir / entry.name).exists():
                    entry.rename(new_dir / entry.name)  # a user's files stay in the index folder
            swap(new_dir, index_dir)
        finally:
            # After the swap this is the old index; readers that have it open keep their files.
            shutil.rmtree(new_dir, ignore_errors=True)


def carry_corrections(index_dir: Path, new_dir: Path) -> None:
    """The corrections kept in the old index go on applying in the new one."""
    kept = index_dir / STORE_FILE
    if kept.exists():
        shutil.copy2(kept, new_dir / STORE_FILE)


def swap(a: Path, b: Path) -> None:
    """Exchanges two folders, atomically where the system can."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
            return
    aside = b.with_name(f"{b.name}.old-{os.getpid()}")
    b.rename(aside)
    a.rename(b)
    aside.rename(a)


def _remove_abandoned(index_dir: Path) -> None:
    """Folders of rebuilds whose process is gone (killed before its swap)."""
    for sibling in index_dir.parent.glob(f".{index_dir.name}.rebuild-*"):
        try:
            pid = int(sibling.name.rsplit("-", 1)[1])
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError):
            shutil.rmtree(sibling, ignore_errors=True)
        except PermissionError:
            pass  # someone else's live process
