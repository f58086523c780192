"""What a full disk means for an index run, in words a user can act on."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# An index takes about four times the text it holds (store, n-gram postings, columns).
INDEX_TO_TEXT = 4


class DiskFull(Exception):
    """The index's disk filled up during a write; the message says where and how much is needed."""


@contextmanager
def reported(index_dir: Path, input_bytes: Callable[[], int]) -> Iterator[None]:
    """A full disk inside the block becomes DiskFull with the message (``input_bytes`` is only
    computed then: the bytes the run was to index)."""
    try:
        yield
    except OSError as exc:
        if not is_disk_full(exc):
            raise
        raise DiskFull(disk_full_message(index_dir, input_bytes())) from exc


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def disk_full_message(index_dir: Path, input_bytes: int) -> str:
    where = mount_of(index_dir)
    need = max(1, round(INDEX_TO_TEXT * input_bytes / 1e6))
    size = shutil.disk_usage(where).total / 1e6
    return (
        f"no space left on {device_of(where)} (mounted at {where}, {size:.0f} MB in all; the run needs about "
        f"{need} MB for its index); free some space or index into a folder on another disk (--index-dir), then run this again. "
        "The index keeps its last commit and what this run wrote is removed"
    )


def mount_of(path: Path) -> Path:
    path = path.resolve()
    while not path.exists():
        path = path.parent
    while not os.path.ismount(path):
        path = path.parent
    return path


def device_of(mount: Path) -> str:
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            dev, point, *_ = line.split()
            if Path(point) == mount:
                found = dev
        return found
    except (OSError, UnboundLocalError, ValueError):
        return str(mount)
