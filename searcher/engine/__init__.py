"""Search engines behind one interface (base.py). Only this package imports Whoosh."""

from collections.abc import Hashable
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
    "open_engine",
]


def open_engine(index_dir: Path, create: bool = False) -> Engine:
    from .columnar import ColumnarEngine

    return ColumnarEngine(index_dir, create=create)


def engine_generation(index_dir: Path) -> Hashable:
    """Changes whenever the index in ``index_dir`` is committed, rebuilt or removed (read without opening it)."""
    from .columnar import index_state

    return index_state(index_dir)
