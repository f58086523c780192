"""The passage store: Whoosh keeps one stored tuple per passage, with segments, deletions and
atomic commits, keyed by document number. Nothing is indexed in it; words, substrings and
every column a lookup needs are in the segments (segments.py).
"""

from __future__ import annotations

import importlib
import sys
import types
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any

from ...model import StoredPassage


class _Deferred(types.ModuleType):
    """Stands in for a module while Whoosh is imported; the real module is imported on first
    attribute use (by then the stand-in is out of ``sys.modules``)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # the import system probing (__path__, __spec__, ...)
            raise AttributeError(name)
        return getattr(importlib.import_module(self.__name__), name)


def _import_whoosh() -> None:
    """Import Whoosh without two imports it makes for things searcher never uses: whoosh.compat
    imports urllib.request for ``urlretrieve`` (~40 ms), and the cached_property package that
    whoosh.reading uses imports asyncio (~60 ms) for coroutine properties. Together that was a
    fifth of a one-query CLI process. Stand-ins take their place during the import."""
    stand_ins: dict[str, types.ModuleType] = {}
    if "urllib.request" not in sys.modules:
        stand_ins["urllib.request"] = request = _Deferred("urllib.request")

        def urlretrieve(*args: Any, **kwargs: Any) -> Any:
            return importlib.import_module("urllib.request").urlretrieve(*args, **kwargs)

        request.urlretrieve = urlretrieve  # type: ignore[attr-defined]  # bound by "from ... import"
    if "asyncio" not in sys.modules:
        stand_ins["asyncio"] = _Deferred("asyncio")
    sys.modules.update(stand_ins)
    try:
        import whoosh.compat  # noqa: F401
        import whoosh.reading  # noqa: F401
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


_import_whoosh()
from whoosh import index as whoosh_index  # noqa: E402
from whoosh.fields import STORED, Schema  # noqa: E402

META_FILE = "searcher.json"
INDEX_NAME = "passages"
# The stored passage: one tuple per Whoosh document, in the order of StoredPassage's fields.
STORED_FIELDS = tuple(f.name for f in dataclass_fields(StoredPassage))


def make_schema() -> Schema:
    # One stored tuple costs a third of separate stored fields.
    return Schema(passage=STORED)


def exists(index_dir: Path) -> bool:
    return bool(whoosh_index.exists_in(str(index_dir), INDEX_NAME))


def open_store(index_dir: Path) -> Any:
    return whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)


# Entries of an index folder that are the engine's; anything else is a user's, kept.
OWN_NAMES = frozenset({META_FILE, "side", "passages_WRITELOCK", "writer.json"})


def owns(name: str) -> bool:
    return (
        name in OWN_NAMES
        or name.startswith(("_passages", "passages_", f"{INDEX_NAME}_", ".writer.json"))
        or name.endswith((".toc", ".seg"))
    )


def create_store(index_dir: Path) -> Any:
    """A new, empty store; files of an earlier one (only those) are removed first."""
    for child in index_dir.iterdir():
        if child.is_file() and (
            child.name.startswith(("_passages", "passages_", f"{INDEX_NAME}_"))
            or child.suffix in (".seg", ".toc")
            or child.name == META_FILE
        ):
            child.unlink()
    return whoosh_index.create_in(str(index_dir), make_schema(), indexname=INDEX_NAME)


def layout(reader: Any) -> list[tuple[str, int]]:
    """The store's segments in document order: (segment id, documents including deleted)."""
    # An empty index's reader has no segment (and no documents).
    return [(leaf.segment().segid, int(leaf.doc_count_all())) for leaf, _ in reader.leaf_readers() if leaf.doc_count_all()]


def deleted_docs(reader: Any) -> list[int]:
    """Document numbers deleted but not yet reclaimed by a merge."""
    deleted: list[int] = []
    for leaf, offset in reader.leaf_readers():
        if leaf.has_deletions():
            deleted.extend(offset + d for d in leaf.deleted_docs_set)
    return deleted


def doc_count_all(ix: Any) -> int:
    with ix.reader() as r:
        return int(r.doc_count_all())


def index_state(index_dir: Path) -> tuple[Any, ...]:
    """Names, times and sizes of the files a commit or rebuild replaces (Whoosh's tables of
    contents and our meta file): equal values mean the same index state."""
    try:
        files = [p for p in index_dir.iterdir() if p.suffix == ".toc" or p.name == META_FILE]
        return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files))
    except OSError:
        return ()


def stored(reader: Any, doc: int) -> StoredPassage:
    """A stored passage: unknown values are None."""
    row = reader.stored_fields(doc)["passage"]
    values: list[Any] = [None if v == "" else v for v in row]
    return StoredPassage(*values)
