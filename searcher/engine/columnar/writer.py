"""Writing: passages go to the store and to the segment committed with them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...fields import COLUMNS as FIELD_COLUMNS
from ...model import Document
from .segments import SegmentBuilder, Segments
from .store import INDEX_NAME, STORED_FIELDS


class Writer:
    """Adds passages to the store and to the segment committed with them."""

    def __init__(self, ix: Any, side_dir: Path, committed: Callable[[], Segments], done: Callable[[], None]) -> None:
        self._side_dir = side_dir
        self._committed = committed  # the segments as last committed, read on first delete
        self._release = done  # releases the engine's write lock, which the caller holds
        self._released = False
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
                    "compilation": p.compilation,
                    "place": " ".join(a.place_names),
                },
                p.date,
                a.minhash,
                a.text_hashes,
                a.word_starts,
                a.word_lengths,
            )

    def commit(self) -> None:
        # The arrays first, named by the store segment they belong to: until the store's commit
        # names that segment they are ignored (and removed by the next merge).
        # No merge here: merging is the engine's (merge()), with the arrays rebuilt alongside.
        try:
            if len(self._side):
                self._side.write(self._side_dir, self._w.newsegment.segid)
            self._w.commit(merge=False)
        except BaseException:
            self.cancel()
            raise
        self._done()

    def cancel(self) -> None:
        """Drops what was added since the last commit, and the files written for it: a run that
        failed (a full disk) leaves the index as last committed and no partial files behind."""
        try:
            if not self._w.is_closed:
                self._w.cancel()
        except Exception:  # noqa: BLE001 - a writer whose commit failed half-way has nothing left to cancel
            pass
        finally:
            self._discard_files()
            self._done()

    def _discard_files(self) -> None:
        segid = self._w.newsegment.segid
        index_dir = self._side_dir.parent
        for junk in [index_dir / f"{INDEX_NAME}.tmp", self._side_dir / segid, *self._side_dir.glob(f".tmp-{segid}-*")]:
            shutil.rmtree(junk, ignore_errors=True)
        for f in index_dir.glob(f"{INDEX_NAME}_{segid}.*"):
            f.unlink(missing_ok=True)

    def _done(self) -> None:
        if not self._released:
            self._released = True
            self._release()


def _column_value(value: Any) -> str | None:
    return None if value is None else str(value)
