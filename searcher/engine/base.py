"""The engine interface: write passages, delete by file, search a parsed query.

Ingestion never imports an engine and the CLI and web only reach one through
``searcher.api``; a second engine implements this protocol in a module of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from ..fields import FACETS
from ..model import ArticlePair, ArticleRef, Copy, Document, IndexStats, StoredPassage
from ..query import ParsedQuery, Term

FACET_FIELDS = FACETS
# Result order: by score, or newest first.
Sort = Literal["relevance", "date", "date-asc"]
# What a facet value counts: matching passages, or the distinct articles they belong to.
Count = Literal["passages", "articles"]


class NoIndex(Exception):
    """No index exists at the given location yet."""


class IndexMismatch(Exception):
    """The index was built by another analyzer or format version and must be rebuilt."""


class EngineUnavailable(Exception):
    """The engine's servers do not answer (a cluster not started); the message says what to do."""


class IndexBusy(Exception):
    """Another process is writing the index (holds its write lock)."""


@dataclass(frozen=True)
class MergeReport:
    """What a merge did: merges committed, segments and deleted passages before and after."""

    merges: int
    segments_before: int
    segments_after: int
    reclaimed: int  # deleted passages whose space was reclaimed
    bytes_before: int
    bytes_after: int


@dataclass(frozen=True)
class ColumnFilter:
    """Passages whose value in any of ``columns`` is one of ``values`` (full stored values)."""

    columns: tuple[str, ...]
    values: tuple[str, ...]
    # The field it narrows (its facet's alternatives are counted without this filter).
    field: str = ""


@dataclass
class Filters:
    """Filters from options and from ``field:value`` in the query: column filters ANDed, and a date range."""

    columns: list[ColumnFilter] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None

    def __bool__(self) -> bool:
        return bool(self.columns or self.date_from or self.date_to)


@dataclass
class EngineHit:
    passage: StoredPassage
    score: float
    # The other copies (identical or near-identical passages) among the matches.
    duplicates: list[Copy] = field(default_factory=list)
    # How many other copies there are among the matches (``duplicates`` lists at most 50).
    duplicates_total: int = 0
    # The earliest dated copy of the passage in the whole index (maybe itself) when it has copies.
    first_copy: Copy | None = None


@dataclass
class EngineResult:
    total: int
    hits: list[EngineHit]
    # value -> count per facet field, most frequent first, then by value (the first facet_size).
    facets: dict[str, dict[str, int]]
    # How many results there are to page through: ``total`` less the collapsed copies.
    collapsed_total: int | None = None
    # How many distinct values each facet has among all matches (``facets`` may list fewer).
    facet_distinct: dict[str, int] = field(default_factory=dict)
    # Distinct articles among all matches.
    articles: int = 0
    # For each facet whose field is filtered: its counts under the query and the *other* filters,
    # i.e. what each value would match if it were chosen too (values of one filter are ORed).
    alternatives: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class Distribution:
    """Counts per bucket of one or more columns (``by``), over the passages the filters keep: the
    matching passages, the distinct articles among them, and every passage of the bucket (the
    base of a rate). A bucket's values are stored values, "" where a passage has none."""

    by: tuple[str, ...]
    keys: list[tuple[str, ...]]
    matched: list[int]
    articles: list[int]
    passages: list[int]


@dataclass
class WordCounts:
    """Jieba-word frequencies in sub-collections: ``counts[i, j]`` is how often word ``words[i]``
    (its 64-bit id) occurs in sub-collection j; ``tokens[j]`` all words there, ``passages[j]`` its size.
    Words absent from all of them are left out."""

    words: np.ndarray
    counts: np.ndarray
    tokens: list[int]
    passages: list[int]


@dataclass
class Occurrences:
    """Occurrences in result order: ``match`` indexes the matches (as ``docs`` orders them)."""

    match: np.ndarray
    start: np.ndarray
    end: np.ndarray
    # Per occurrence, the ``width`` units left of it (nearest first) and right of it, as bytes
    # that sort in code point order (big-endian UTF-16, shorter first); empty when not asked for.
    left: np.ndarray
    right: np.ndarray
    # Matches with no occurrence (matched by the place they are about).
    without: int


@dataclass
class WindowWords:
    """Words around the occurrences: word ids with the times they stand left / right of one."""

    words: np.ndarray
    left: np.ndarray
    right: np.ndarray
    occurrences: int
    window_words: int


class MatchTexts(Protocol):
    """Every match of one query on one index state, in result order (``sort``) or index order
    (None): folded text (whitespace removed) and columns read from the arrays, the stored passage
    read only for the matches asked for."""

    total: int

    def texts(self) -> list[str]: ...
    def columns(self, names: tuple[str, ...]) -> list[tuple[str | None, ...]]: ...
    def passage(self, i: int) -> StoredPassage: ...
    def occurrences(self, terms: list[Term], width: int) -> Occurrences: ...
    def window_words(self, terms: list[Term], window: int) -> WindowWords: ...


class Writer(Protocol):
    def delete_file(self, path_key: str) -> None: ...
    def add_document(self, doc: Document, path_key: str, content_hash: str) -> None: ...
    def commit(self) -> None: ...
    def cancel(self) -> None: ...


class Engine(Protocol):
    def writer(self) -> Writer: ...
    def writing(self) -> AbstractContextManager[None]: ...
    def search(
        self,
        query: ParsedQuery,
        filters: Filters,
        limit: int,
        offset: int,
        sort: Sort,
        collapse: bool = True,
        facet_size: int | None = None,
        count: Count = "passages",
    ) -> EngineResult: ...
    def iter_hits(self, query: ParsedQuery, filters: Filters, sort: Sort) -> tuple[int, Iterator[EngineHit]]: ...
    def distribution(self, query: ParsedQuery, filters: Filters, by: tuple[str, ...]) -> Distribution: ...
    def word_counts(self, query: ParsedQuery, filter_sets: list[Filters]) -> WordCounts: ...
    def word_totals(self, filters: Filters, words: np.ndarray) -> tuple[np.ndarray, int]: ...
    def match_texts(self, query: ParsedQuery, filters: Filters, sort: Sort | None) -> MatchTexts: ...
    def word_strings(self, words: np.ndarray) -> dict[int, str]: ...
    def document(self, doc_id: str) -> list[StoredPassage]: ...
    def nearest_words(self, term: str, limit: int) -> list[str]: ...
    def duplicate_articles(self, min_share: float = 0.5) -> list[ArticlePair]: ...
    def articles(self, query: ParsedQuery, filters: Filters) -> list[ArticleRef]: ...
    def warm(self) -> None: ...
    def indexed_files(self) -> dict[str, str]: ...
    def files_stored_twice(self) -> list[str]: ...
    def stats(self) -> IndexStats: ...
    def all_passages(self) -> Iterable[StoredPassage]: ...
    def generation(self) -> int: ...
    def merge(self, optimize: bool = False) -> MergeReport: ...
    def close(self) -> None: ...
