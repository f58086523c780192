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

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {k: [{"value": v.value, "count": v.count} for v in vs] for k, vs in self.facets.items()},
            "facet_distinct": self.facet_distinct,
            "notes": [n.en for n in self.notes],
            "suggestions": [{"query": s.query, "total": s.total} for s in self.suggestions],
        }
