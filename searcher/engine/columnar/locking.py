"""The index's write lock: one writer at a time, held for a whole index run or rebuild.

The lock is Whoosh's own lock file (``passages_WRITELOCK``, an ``flock``), so the kernel
releases it when its holder dies: a killed run never leaves a stale lock. ``writer.json``
beside it says who holds it, for the message a second writer gets. Whoosh writers are opened
without their own locking while this lock is held (the same file, locked twice by one process,
would refuse itself).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh.util.filelock import FileLock

from ..base import IndexBusy
from .store import INDEX_NAME

LOCK_FILE = f"{INDEX_NAME}_WRITELOCK"
HOLDER_FILE = "writer.json"


class WriteLock:
    """Reentrant within a process: an index run holds it across its commits and merges."""

    def __init__(self, index_dir: Path) -> None:
        self.dir = index_dir
        self._lock: FileLock | None = None
        self._depth = 0
        self._mutex = threading.Lock()

    @property
    def held(self) -> bool:
        return self._depth > 0

    def acquire(self) -> None:
        with self._mutex:
            if self._depth == 0:
                self.dir.mkdir(parents=True, exist_ok=True)
                lock = FileLock(str(self.dir / LOCK_FILE))
                if not lock.acquire(blocking=False):
                    raise IndexBusy(busy_message(self.dir))
                self._lock = lock
                _write_holder(self.dir)
            self._depth += 1

    def release(self) -> None:
        with self._mutex:
            if self._depth == 0:
                return
            self._depth -= 1
            if self._depth == 0 and self._lock is not None:
                try:
                    (self.dir / HOLDER_FILE).unlink(missing_ok=True)
                except OSError:
                    pass
                self._lock.release()
                self._lock = None

    @contextmanager
    def holding(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()


def busy_message(index_dir: Path) -> str:
    """ "another searcher index is writing DIR (pid N); ...", from what the holder wrote."""
    try:
        holder = json.loads((index_dir / HOLDER_FILE).read_text(encoding="utf-8"))
        pid = int(holder["pid"])
        what = f"pid {pid}, {holder.get('command', 'searcher')}, since {holder.get('started', '?')}"
    except (OSError, ValueError, KeyError, TypeError):
        what = "pid unknown"
    return f"another searcher index is writing {index_dir} ({what}); wait for it to finish or stop it, then run this again"


def _write_holder(index_dir: Path) -> None:
    holder = {
        "pid": os.getpid(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:200] if sys.argv else "searcher",
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    tmp = index_dir / f".{HOLDER_FILE}.{os.getpid()}"
    try:
        tmp.write_text(json.dumps(holder, ensure_ascii=False), encoding="utf-8")
        tmp.replace(index_dir / HOLDER_FILE)
    except OSError:
        pass  # only the message of a second writer is less precise
