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


# An index folder whose passages live in a SphinxQL cluster holds this file naming the cluster's
# TOML file (written by `searcher --engine sphinxql --cluster F index`); the folder keeps the rest
# (indexed folders, corrections). SEARCHER_CLUSTER names a cluster file for a folder without one.
CLUSTER_MARKER = "cluster.json"
CLUSTER_ENV = "SEARCHER_CLUSTER"


def cluster_file(index_dir: Path) -> Path | None:
    """The cluster file an index folder uses, or None for the local engine."""
    import json
    import os

    try:
        return Path(json.loads((index_dir / CLUSTER_MARKER).read_text(encoding="utf-8"))["cluster"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    given = os.environ.get(CLUSTER_ENV)
    return Path(given) if given else None


def use_cluster(index_dir: Path, cluster: Path) -> None:
    """Make ``index_dir`` an index whose passages live in the cluster ``cluster`` describes."""
    import json

    index_dir.mkdir(parents=True, exist_ok=True)
    (index_dir / CLUSTER_MARKER).write_text(
        json.dumps({"engine": "sphinxql", "cluster": str(cluster.resolve())}), encoding="utf-8"
    )


def open_engine(index_dir: Path, create: bool = False) -> Engine:
    cluster = cluster_file(index_dir)
    if cluster is not None:
        from .sphinxql.cluster import ClusterConfig
        from .sphinxql.engine import ClusterEngine

        return ClusterEngine(ClusterConfig.load(cluster))
    from .columnar import ColumnarEngine

    return ColumnarEngine(index_dir, create=create)


def has_index(index_dir: Path) -> bool:
    """Whether ``index_dir`` holds an index (of any version)."""
    from .columnar import store

    if cluster_file(index_dir) is not None:
        return True
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
    cluster = cluster_file(index_dir)
    if cluster is not None:
        from .sphinxql import schema
        from .sphinxql.cluster import ClusterConfig

        return ("cluster", schema.generation(ClusterConfig.load(cluster).data_dir))
    from .columnar import index_state

    return index_state(index_dir)
