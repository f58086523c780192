"""Collecting results: the top k in order (only candidates at or above the k-th key are
sorted), one per duplicate group, and the copies a hit lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields as dataclass_fields

import numpy as np

from ...model import Copy
from ...query import ParsedQuery
from ..base import Sort
from .matching import QueryReads
from .scoring import bm25
from .segments import Segments

MAX_LISTED_COPIES = 50


def ordered(
    segs: Segments,
    docs: np.ndarray,
    matched: np.ndarray,
    query: ParsedQuery,
    reads: QueryReads,
    sort: Sort,
    k: int,
    groups: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """(positions in ``docs`` of the first k results, BM25 scores or None when sorted by date)."""
    if sort == "date-asc":
        day = segs.dates[docs, 0].astype(np.int64)
        # Oldest first; undated (0) after every dated passage.
        return top(docs, np.where(day > 0, -day, -(1 << 40)), k, groups, segs.file_rank), None
    if sort == "date" or not query.must:
        return top(docs, segs.dates[docs, 0], k, groups, segs.file_rank), None
    scores = bm25(segs, docs, matched, query, reads)
    return top(docs, scores, k, groups, segs.file_rank), scores


def top(
    docs: np.ndarray, key: np.ndarray, k: int, groups: np.ndarray | None, file_rank: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """Positions in ``docs`` of the ``k`` best by ``key`` (higher first; ties by file path, then
    in the file's order), with ``groups`` only the first copy of each duplicate group.

    Ties never follow document numbers alone: those depend on the order files were indexed
    in and on merges, and a fresh build must list what an index built day by day lists.

    Sorts only the candidates scoring at least the m-th best key (ties included, so they are
    exactly a prefix of the full order), widening m until it holds k groups."""
    n = len(docs)
    m = min(n, max(256, 8 * k))
    while True:
        if m >= n:
            cand = np.arange(n)
        else:
            kth = np.partition(key, n - m)[n - m]
            cand = np.flatnonzero(key >= kth)
        # A file's passages are consecutive and in order in one segment, and merges keep that.
        order = cand[np.lexsort((docs[cand], file_rank(docs[cand]), -key[cand].astype(np.float64)))]
        if groups is not None:
            g = groups[docs[order]]
            keep = g < 0
            _, first = np.unique(g, return_index=True)
            keep[first] = True
            order = order[keep]
        if len(order) >= k or len(cand) >= n:
            return order[:k]
        m *= 4


def group_count(docs: np.ndarray, groups: np.ndarray, n: int) -> int:
    """How many results ``docs`` make when each duplicate group counts once."""
    g = groups[docs]
    seen = np.zeros(n, dtype=bool)
    seen[g[g >= 0]] = True
    return int((g < 0).sum() + seen.sum())


_COPY_COLUMNS = tuple(f.name for f in dataclass_fields(Copy) if f.name != "id")


def first_copy(segs: Segments, doc: int) -> Copy | None:
    """The earliest dated copy of passage ``doc`` in the index (maybe itself), or None without copies."""
    front = int(segs.group_fronts()[doc])
    return copies(segs, np.array([front]))[0] if front >= 0 else None


def copies(segs: Segments, docs: np.ndarray) -> list[Copy]:
    """The copies a hit lists, from the columns (listing them reads nothing from the passage store)."""
    # Positional: Copy's fields after id are _COPY_COLUMNS, in order; a row ends with the paragraph.
    return [Copy(f"{row[0]}-{row[-1]}", *row[:-1]) for row in segs.rows(docs, (*_COPY_COLUMNS, "paragraph"))]  # type: ignore[arg-type]
