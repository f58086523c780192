"""Search engines behind one small interface (see base.py). Only this package imports Whoosh."""

from .base import ColumnFilter, Engine, EngineHit, EngineResult, Filters, IndexMismatch, NoIndex

__all__ = ["ColumnFilter", "Engine", "EngineHit", "EngineResult", "Filters", "IndexMismatch", "NoIndex", "open_engine"]


def open_engine(index_dir, create: bool = False) -> Engine:  # type: ignore[no-untyped-def]
    from .whoosh import WhooshEngine

    return WhooshEngine(index_dir, create=create)
