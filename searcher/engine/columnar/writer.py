"""Writing: passages go to the store and to the segment committed with them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...fields import COLUMNS as FIELD_COLUMNS
from ...model import Document
from .segments import SegmentBuilder, Segments
from .store import STORED_FIELDS


class Writer:
    """Adds passages to the store and to the segment committed with them."""

    def __init__(self, ix: Any, side_dir: Path, committed: Callable[[], Segments], done: Callable[[], None]) -> None:
        self._side_dir = side_dir
        self._committed = committed  # the segments as last committed, read on first delete
        self._done = done  # releases the engine's write lock, which the caller holds
        self._w = ix.writer(limitmb=256, compound=False, _lk=False)
        self._side = SegmentBuilder()

    def delete_file(self, path_key: str) -> None:
        for d in self._committed().docs_with("path_key", path_key).tolist():
            self._w.delete_document(d)

    def add_document(self, doc: Document, path_key: str, content_hash: str) -> None:
        for p in doc.passages:
            a = p.analyzed
            if a is None:  # analysis is the indexer's work (in its worker processes), not the writer's
                raise ValueError(f"passage {p.id} was not analysed; call analysis.analyze_document first")
            given = {"path_key": path_key, "content_hash": content_hash}
            self._w.add_document(passage=tuple(given[k] if k in given else getattr(p, k) for k in STORED_FIELDS))
            self._side.add(
                a.folded,
                {
                    **{name: _column_value(getattr(p, name)) for name in FIELD_COLUMNS},
                    "path_key": path_key,
                    "content_hash": content_hash,
                    "doc_id": p.doc_id,
                    "heading": ("title" if p.is_title else "1") if p.is_heading else None,
                    "title": p.title,
                    "section": p.section,
                    "source": p.source,
                    "paragraph": str(p.paragraph),
                    "place": " ".join(a.place_names),
                },
                p.date,
                a.minhash,
                a.text_hashes,
            )

    def commit(self) -> None:
        # The arrays first, named by the store segment they belong to: until the store's commit
        # names that segment they are ignored (and removed by the next merge).
        if len(self._side):
            self._side.write(self._side_dir, self._w.newsegment.segid)
        # No merge here: merging is the engine's (merge()), with the arrays rebuilt alongside.
        try:
            self._w.commit(merge=False)
        finally:
            self._done()

    def cancel(self) -> None:
        try:
            if not self._w.is_closed:
                self._w.cancel()
        finally:
            self._done()


def _column_value(value: Any) -> str | None:
    return None if value is None else str(value)
