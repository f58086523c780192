"""Search engines behind one small interface (see base.py). Only this package imports Whoosh."""

from collections.abc import Hashable
from pathlib import Path

from .base import ColumnFilter, Engine, EngineHit, EngineResult, Filters, IndexMismatch, NoIndex

__all__ = ["ColumnFilter", "Engine", "EngineHit", "EngineResult", "Filters", "IndexMismatch", "NoIndex", "engine_generation",
           "open_engine"]


def open_engine(index_dir: Path, create: bool = False) -> Engine:
    from .whoosh import WhooshEngine

    return WhooshEngine(index_dir, create=create)


def engine_generation(index_dir: Path) -> Hashable:
    """Changes whenever the index in ``index_dir`` is committed, rebuilt or removed (read without opening it)."""
    from .whoosh import index_state

    return index_state(index_dir)
