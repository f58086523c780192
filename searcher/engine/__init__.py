"""Search engines behind one interface (base.py). Only this package imports Whoosh."""

from collections.abc import Hashable
from contextlib import AbstractContextManager
from pathlib import Path

from .base import ColumnFilter, Engine, EngineHit, EngineResult, Filters, IndexMismatch, NoIndex

__all__ = [
    "ColumnFilter",
    "Engine",
    "EngineHit",
    "EngineResult",
    "Filters",
    "IndexMismatch",
    "NoIndex",
    "engine_generation",
    "has_index",
    "owns",
    "write_lock",
    "open_engine",
]


def open_engine(index_dir: Path, create: bool = False) -> Engine:
    from .columnar import ColumnarEngine

    return ColumnarEngine(index_dir, create=create)


def has_index(index_dir: Path) -> bool:
    """Whether ``index_dir`` holds an index (of any version)."""
    from .columnar import store

    return (index_dir / store.META_FILE).exists() or store.exists(index_dir)


def owns(name: str) -> bool:
    """Whether an entry of an index folder is the engine's (not a file a user keeps there)."""
    from .columnar import store

    return store.owns(name)


def write_lock(index_dir: Path) -> AbstractContextManager[None]:
    """Holds the index's write lock (IndexBusy if another process holds it)."""
    from .columnar.locking import WriteLock

    return WriteLock(index_dir).holding()


def engine_generation(index_dir: Path) -> Hashable:
    """Changes whenever the index in ``index_dir`` is committed, rebuilt or removed (read without opening it)."""
    from .columnar import index_state

    return index_state(index_dir)
