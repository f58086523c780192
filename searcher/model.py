"""Plain data that flows through searcher: documents, passages, places, hits, results.

Data flows one way: file -> Document (articles) -> Passage -> engine; query -> Hit -> Result.
Everything here is engine-agnostic and serialises with ``to_dict`` for JSON output.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any, NamedTuple

from .fields import COPY, EXPORTED


@dataclass(frozen=True)
class Place:
    """A place at three levels, each a full official name or None when unknown."""

    province: str | None = None
    city: str | None = None
    county: str | None = None

    def __bool__(self) -> bool:
        return bool(self.province or self.city or self.county)

    def label(self, sep: str = " › ") -> str:
        return sep.join(p for p in (self.province, self.city, self.county) if p)


@dataclass
class Analyzed:
    """What the analyzer made of a passage: what engines index."""

    text_hashes: Any  # numpy uint64 word ids (analysis.word_hash) of the text's words, for word postings
    folded: str
    minhash: Any = None  # numpy uint32 signature for near-duplicate detection (dupes.py)
    # Every name a user may type for the passage's place (吉林省 吉林 ... 延吉市 延吉): query term
    # 延吉 matches passages about 延吉市.
    place_names: tuple[str, ...] = ()
    # Per word of ``text_hashes``: where it starts in the folded text without whitespace (UTF-16
    # units) and its length (at most 255): the word sequence collocates read.
    word_starts: Any = None
    word_lengths: Any = None


@dataclass
class Passage:
    """One paragraph of an article: the unit that is indexed and returned."""

    id: str
    doc_id: str
    title: str
    source: str
    paragraph: int
    text: str
    section: str | None = None
    place: Place = field(default_factory=Place)
    date: str | None = None
    is_heading: bool = False
    # A heading that is (part of) the article's title: ranked as a title, not damped as a heading.
    is_title: bool = False
    # What kind of report the article is (工作总结, 经验材料, ...), from its title; None when unknown.
    doc_type: str | None = None
    # The page(s) of a paged source (PDF) it was printed on: "12" or "12-13"; None otherwise.
    page: str | None = None
    # The title of the compilation (汇编) the article is one of; None for a file that is one report.
    compilation: str | None = None
    # The sub-collection it was indexed into: ``--collection NAME``, else the indexed folder's name.
    collection: str | None = None
    # Filled by analysis.analyze_document (in an indexing worker process, so the writer
    # process does no jieba work): words of text/title/section and the folded text.
    analyzed: Analyzed | None = None

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None

    @property
    def province(self) -> str | None:
        return self.place.province

    @property
    def city(self) -> str | None:
        return self.place.city

    @property
    def county(self) -> str | None:
        return self.place.county


@dataclass
class Document:
    """One article: a whole report, or one article of a compilation."""

    doc_id: str
    title: str
    source: str
    place: Place
    date: str | None
    passages: list[Passage]
    doc_type: str | None = None
    compilation: str | None = None


class _Record(Mapping[str, Any]):
    """A typed record that also reads as a read-only mapping of its fields (``row["city"]``,
    ``dict(row)``), for scripts and templates; ``to_dict`` gives the JSON form."""

    __slots__ = ()

    def __getitem__(self, name: str) -> Any:
        if name not in _field_names(type(self)):
            raise KeyError(name)
        return getattr(self, name)

    def __iter__(self) -> Iterator[str]:
        return iter(_field_names(type(self)))

    def __len__(self) -> int:
        return len(_field_names(type(self)))

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


# Not frozen: one is built per hit and per listed copy on every query, and a frozen
# dataclass's __init__ costs four times as much (treat it as read-only all the same).
@dataclass(slots=True)
class StoredPassage(_Record):
    """A passage as the engine stores and returns it: unknown values are None."""

    id: str
    doc_id: str
    path_key: str  # the file it came from, as the index keys it (resolved path)
    content_hash: str
    source: str
    title: str
    section: str | None
    text: str
    paragraph: int
    province: str | None
    city: str | None
    county: str | None
    doc_type: str | None
    date: str | None
    is_heading: bool
    page: str | None
    compilation: str | None
    collection: str | None

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None


# Not frozen: one is built per hit and per listed copy on every query, and a frozen
# dataclass's __init__ costs four times as much (treat it as read-only all the same).
@dataclass(slots=True)
class Copy(_Record):
    """Another copy (identical or near-identical passage) of a hit, among the matches."""

    id: str
    doc_id: str
    title: str
    source: str
    province: str | None
    city: str | None
    county: str | None
    date: str | None
    collection: str | None = None


@dataclass(frozen=True)
class ArticleRef(_Record):
    """An article as a list of articles shows it."""

    doc_id: str
    title: str
    source: str
    province: str | None
    city: str | None
    county: str | None
    date: str | None
    passages: int
    doc_type: str | None = None
    # Matching passages when listed for a query (the inventory of a search), else None.
    matches: int | None = None
    compilation: str | None = None
    collection: str | None = None
    # How a paper cites it (searcher.citations); filled by the API.
    citation: str = ""


@dataclass(frozen=True)
class ArticlePair(_Record):
    """Two articles sharing ``shared`` identical or near-identical passages."""

    a: ArticleRef
    b: ArticleRef
    shared: int

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a.to_dict(), "b": self.b.to_dict(), "shared": self.shared}


@dataclass(frozen=True)
class IndexStats(_Record):
    """What an index holds."""

    documents: int
    files: int
    passages: int
    provinces: int
    cities: int
    counties: int
    years: dict[str, int]  # passages per year, oldest first
    index_bytes: int
    analyzer: str
    engine: str


class Notice(NamedTuple):
    """Something the user should know about a query, in English (CLI, JSON) and Chinese (web)."""

    en: str
    zh: str


class Suggestion(NamedTuple):
    """A query that would find something where the one typed found nothing, and its total."""

    query: str
    total: int


@dataclass(frozen=True, slots=True)
class FacetValue:
    # Slots: a county facet can list thousands of values per query.
    value: str
    count: int


@dataclass
class Hit:
    id: str
    doc_id: str
    title: str
    source: str
    paragraph: int
    section: str | None
    province: str | None
    city: str | None
    county: str | None
    date: str | None
    year: int | None
    score: float
    text: str
    highlight: str
    doc_type: str | None = None
    compilation: str | None = None
    collection: str | None = None
    page: str | None = None
    dup_group: str | None = None
    url: str = ""
    citation: str = ""
    # The earliest dated copy of this passage in the index (itself when it is the first), when it
    # has copies: "最早见于 2015-03 恩平市".
    first_copy: Copy | None = None
    # Other copies of this passage (identical or near-identical) among the matches; empty when
    # none or not collapsed.
    duplicates: list[Copy] = field(default_factory=list)
    # How many copies there are in all (``duplicates`` lists the first 50).
    duplicates_total: int = 0
    # Character spans of the matches in ``text``, for renderers other than HTML.
    spans: list[tuple[int, int]] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        # By hand, not dataclasses.asdict: its recursive deep copy was half the time of a web request.
        out = {name: getattr(self, name) for name in _HIT_FIELDS}
        out["duplicates"] = [{name: getattr(d, name) for name in COPY} for d in self.duplicates]
        out["duplicates_total"] = self.duplicates_total
        out["first_copy"] = None if self.first_copy is None else {name: getattr(self.first_copy, name) for name in COPY}
        return out


_HIT_FIELDS = (*EXPORTED, "highlight")


@dataclass
class Result:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    limit: int = 10
    offset: int = 0
    # Results to page through when copies are collapsed (``total`` counts every passage).
    collapsed_total: int | None = None
    # Things the user should know about the query, e.g. an unknown place name.
    notes: list[Notice] = field(default_factory=list)
    # With no match: the nearest indexed words, as queries with their totals ("did you mean").
    suggestions: list[Suggestion] = field(default_factory=list)
    # Distinct values per facet among all matches; more than ``facets`` lists when it was cut.
    facet_distinct: dict[str, int] = field(default_factory=dict)
    # Distinct articles among all matches, and what facet values count ("passages" / "articles").
    articles: int = 0
    count: str = "passages"
    # For a facet whose field is filtered: value -> what it matches under the query and the other
    # filters (choosing it too adds its passages: values of one filter are ORed).
    facet_alternatives: dict[str, list[FacetValue]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "articles": self.articles,
            "count": self.count,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {k: [{"value": v.value, "count": v.count} for v in vs] for k, vs in self.facets.items()},
            "facet_distinct": self.facet_distinct,
            "facet_alternatives": {
                k: [{"value": v.value, "count": v.count} for v in vs] for k, vs in self.facet_alternatives.items()
            },
            "notes": [n.en for n in self.notes],
            "suggestions": [{"query": s.query, "total": s.total} for s in self.suggestions],
        }


# --- analysis views (concordance, trends, collocates, keyness, comparisons) -------------------


def passage_url(doc_id: str, paragraph: int) -> str:
    """The link to a passage on the document page (web), by its stable article id and paragraph."""
    return f"/doc/{doc_id}#p{paragraph}"


@dataclass
class KwicLine:
    """One occurrence of the match: its left and right context in the passage as written."""

    left: str
    match: str
    right: str
    id: str
    doc_id: str
    title: str
    paragraph: int
    start: int  # where the match starts in the passage's text
    province: str | None
    city: str | None
    county: str | None
    date: str | None

    @property
    def url(self) -> str:
        return passage_url(self.doc_id, self.paragraph)

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in KWIC_COLUMNS}


KWIC_COLUMNS = (
    "left",
    "match",
    "right",
    "id",
    "doc_id",
    "title",
    "paragraph",
    "start",
    "province",
    "city",
    "county",
    "date",
    "url",
)


@dataclass
class Concordance:
    query: str
    sort: str
    width: int
    offset: int
    limit: int
    lines: list[KwicLine]
    total_lines: int  # occurrences in all matching passages
    passages: int  # matching passages (the search's total)
    # Matching passages with no occurrence of the text (matched by the place they are about).
    without_text: int
    notes: list[Notice] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "sort": self.sort,
            "width": self.width,
            "offset": self.offset,
            "limit": self.limit,
            "total_lines": self.total_lines,
            "passages": self.passages,
            "without_text": self.without_text,
            "lines": [line.to_dict() for line in self.lines],
            "notes": [n.en for n in self.notes],
        }


@dataclass(frozen=True)
class TrendRow:
    """One bucket of a distribution (a year, a province, a (year, province) pair ...)."""

    key: tuple[str | None, ...]  # None: no value (undated, place unknown)
    passages: int  # all passages of the bucket (under the filters): the rate's base
    matched: tuple[int, ...]  # matching passages, one count per query
    articles: tuple[int, ...]  # distinct matching articles, one per query

    def rates(self) -> tuple[float | None, ...]:
        """Matching passages per 1,000 passages of the bucket, per query."""
        return tuple(round(1000 * m / self.passages, 1) if self.passages else None for m in self.matched)


@dataclass
class Trend:
    queries: list[str]
    by: tuple[str, ...]
    rows: list[TrendRow]
    totals: TrendRow  # over every bucket
    notes: list[Notice] = field(default_factory=list)

    def columns(self) -> list[str]:
        cols = list(self.by) + ["passages"]
        for i, _ in enumerate(self.queries):
            suffix = "" if len(self.queries) == 1 else f"_{i + 1}"
            cols += [f"matched{suffix}", f"articles{suffix}", f"per_1000{suffix}"]
        return cols

    def table(self) -> list[dict[str, Any]]:
        """One flat row per bucket (CSV / JSON Lines), in ``columns()`` order."""
        out = []
        for row in self.rows:
            cells: list[Any] = [*row.key, row.passages]
            for m, a, r in zip(row.matched, row.articles, row.rates()):
                cells += [m, a, r]
            out.append(dict(zip(self.columns(), cells)))
        return out

    def to_dict(self) -> dict[str, Any]:
        def one(row: TrendRow) -> dict[str, Any]:
            return {
                "key": dict(zip(self.by, row.key)),
                "passages": row.passages,
                "matched": list(row.matched),
                "articles": list(row.articles),
                "per_1000": list(row.rates()),
            }

        return {
            "queries": self.queries,
            "by": list(self.by),
            "rows": [one(r) for r in self.rows],
            "totals": one(self.totals),
            "notes": [n.en for n in self.notes],
        }


@dataclass(frozen=True)
class Collocate:
    word: str
    observed: int  # occurrences within the window of a match
    expected: float  # what chance would give: window words x the word's share of the collection
    frequency: int  # occurrences in the whole (filtered) collection
    mi: float
    log_likelihood: float
    left: int  # of ``observed``, how many before the match
    right: int

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in COLLOCATE_COLUMNS}


COLLOCATE_COLUMNS = ("word", "observed", "expected", "frequency", "mi", "log_likelihood", "left", "right")


@dataclass
class Collocates:
    query: str
    window: int
    by: str  # the measure sorted by: "log_likelihood" or "mi"
    occurrences: int  # matches in the text (windows counted)
    window_words: int  # words in all windows
    collection_words: int  # words in the (filtered) collection
    passages: int
    collocates: list[Collocate]
    hidden: int  # candidates left out by the display filters (stop words, minimum count)
    notes: list[Notice] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "window": self.window,
            "by": self.by,
            "occurrences": self.occurrences,
            "window_words": self.window_words,
            "collection_words": self.collection_words,
            "passages": self.passages,
            "hidden": self.hidden,
            "collocates": [c.to_dict() for c in self.collocates],
            "notes": [n.en for n in self.notes],
        }


@dataclass(frozen=True)
class KeyWord:
    word: str
    a: int  # occurrences in sub-collection A
    b: int
    per_million_a: float
    per_million_b: float
    log_likelihood: float
    log_ratio: float  # effect size: log2 of the ratio of relative frequencies (A over B)

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in KEYWORD_COLUMNS}


KEYWORD_COLUMNS = ("word", "a", "b", "per_million_a", "per_million_b", "log_likelihood", "log_ratio")


@dataclass
class Keyness:
    a: str  # how A and B were given (filter queries)
    b: str
    query: str
    words_a: int  # words in all of A
    words_b: int
    passages_a: int
    passages_b: int
    key_a: list[KeyWord]  # distinctive of A, strongest first
    key_b: list[KeyWord]
    hidden: int
    notes: list[Notice] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "query": self.query,
            "words_a": self.words_a,
            "words_b": self.words_b,
            "passages_a": self.passages_a,
            "passages_b": self.passages_b,
            "hidden": self.hidden,
            "key_a": [k.to_dict() for k in self.key_a],
            "key_b": [k.to_dict() for k in self.key_b],
            "notes": [n.en for n in self.notes],
        }


@dataclass
class PlaceColumn:
    """One place of a comparison: its counts for the query, its best passages, its distinctive words."""

    field: str  # province, city or county
    value: str
    total: int  # matching passages (the filtered search's total)
    articles: int
    passages: int  # all passages of the place
    hits: list[Hit]
    words: list[KeyWord]  # distinctive of the place's matches against the other places' matches

    @property
    def per_1000(self) -> float | None:
        return round(1000 * self.total / self.passages, 1) if self.passages else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "value": self.value,
            "total": self.total,
            "articles": self.articles,
            "passages": self.passages,
            "per_1000": self.per_1000,
            "hits": [h.to_dict() for h in self.hits],
            "words": [w.to_dict() for w in self.words],
        }


@dataclass
class Comparison:
    query: str
    places: list[PlaceColumn]
    notes: list[Notice] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "places": [p.to_dict() for p in self.places], "notes": [n.en for n in self.notes]}
