"""The one core API. The CLI and the web app call these functions and nothing deeper.

    index(paths, index_dir)            -> IndexSummary
    search(query, index_dir, ...)      -> Result
    document(doc_id, index_dir)        -> DocumentView | None
    stats(index_dir)                   -> dict
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import highlight
from .dates import date_in
from .engine import Engine, EngineHit, Filters, IndexMismatch, NoIndex, open_engine
from .ingest import SourceFile, content_hash, iter_files, read_documents
from .model import FacetValue, Hit, Result
from .places import resolve_name, resolve_province
from .query import ParsedQuery, QueryError, parse_query
from .readers import UnreadableFile

__all__ = [
    "DEFAULT_INDEX_DIR", "IndexMismatch", "IndexSummary", "NoIndex", "QueryError", "SearchOptions",
    "document", "highlight_html", "index", "iter_hits", "search", "stats",
]

DEFAULT_INDEX_DIR = "index"
COMMIT_EVERY_FILES = 200
MAX_LIMIT = 1000
SORTS = ("relevance", "date")


@dataclass
class IndexSummary:
    files: int = 0
    unchanged: int = 0
    documents: int = 0
    passages: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def partial(self) -> bool:
        return bool(self.skipped)


@dataclass
class SearchOptions:
    cities: list[str] = field(default_factory=list)
    province: str | None = None
    county: str | None = None
    year: int | None = None
    date_from: str | None = None
    date_to: str | None = None
    limit: int = 10
    offset: int = 0
    sort: str = "relevance"


def open_index(index_dir: str | os.PathLike[str]) -> Engine:
    return open_engine(Path(index_dir))


def index(
    paths: list[str],
    index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR,
    rebuild: bool = False,
    progress: Callable[[str], None] | None = None,
) -> IndexSummary:
    """Index files and folders; files already indexed with the same content are skipped.

    A file that cannot be read is recorded in ``skipped`` and the run goes on. Work is
    committed every few hundred files, so an interrupted run keeps what it committed.
    """
    started = time.monotonic()
    summary = IndexSummary()
    try:
        engine = open_engine(Path(index_dir), create=rebuild)
    except NoIndex:
        engine = open_engine(Path(index_dir), create=True)
    known = {} if rebuild else engine.indexed_files()
    writer = engine.writer()
    pending = 0
    try:
        for item in iter_files(paths):
            if isinstance(item, UnreadableFile):
                summary.skipped.append((str(item).split(":")[0], str(item).split(": ", 1)[-1]))
                continue
            if progress:
                progress(item.source)
            outcome = _index_file(item, writer, known, summary)
            if outcome:
                pending += 1
            if pending >= COMMIT_EVERY_FILES:
                writer.commit()
                writer = engine.writer()
                pending = 0
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    summary.seconds = time.monotonic() - started
    return summary


def _index_file(f: SourceFile, writer: Any, known: dict[str, str], summary: IndexSummary) -> bool:
    try:
        data = f.path.read_bytes()
    except OSError as exc:
        summary.skipped.append((f.source, exc.strerror or str(exc)))
        return False
    digest = content_hash(data)
    if known.get(f.path_key) == digest:
        summary.unchanged += 1
        return False
    try:
        docs = read_documents(f, data)
    except UnreadableFile as exc:
        summary.skipped.append((f.source, str(exc)))
        return False
    except Exception as exc:  # noqa: BLE001 - one odd file must never stop a run of thousands
        summary.skipped.append((f.source, f"could not be processed ({type(exc).__name__}: {exc}); please report this file"))
        return False
    if f.path_key in known:
        writer.delete_file(f.path_key)
    for doc in docs:
        writer.add_document(doc, f.path_key, digest)
        summary.documents += 1
        summary.passages += len(doc.passages)
    summary.files += 1
    return True


def _full_date(value: str | None, name: str) -> str | None:
    if not value:
        return None
    value = value.strip()
    parsed = date_in(value) if re.fullmatch(r"\d{4}(?:[-./]\d{1,2}){0,2}|\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?", value) else None
    if not parsed:
        raise QueryError(f"--{name} takes a date like 2023, 2023-04 or 2023-04-12 (got {value!r}).")
    return parsed


def _place_names(name: str) -> list[str]:
    """Full names a city/county filter value stands for (延吉 -> 延吉市)."""
    names = []
    for place in resolve_name(name):
        full = place.county or place.city
        if full:
            names.append(full)
    return list(dict.fromkeys(names)) or [name]


def build_filters(parsed: ParsedQuery, opts: SearchOptions) -> Filters:
    filters = Filters()
    provinces = ([opts.province] if opts.province else []) + parsed.filters.get("province", [])
    filters.provinces = [resolve_province(p) or p for p in provinces]
    for name in opts.cities + parsed.filters.get("city", []):
        filters.places.extend(_place_names(name))
    counties = ([opts.county] if opts.county else []) + parsed.filters.get("county", [])
    for name in counties:
        filters.counties.extend(_place_names(name))
    years = ([opts.year] if opts.year else []) + [int(y) for y in parsed.filters.get("year", [])]
    filters.years = list(dict.fromkeys(years))
    filters.date_from = _full_date(opts.date_from, "from")
    filters.date_to = _full_date(opts.date_to, "to")
    return filters


def search(
    query: str,
    index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR,
    options: SearchOptions | None = None,
    engine: Engine | None = None,
) -> Result:
    """Run a user query. Raises QueryError (bad query or options), NoIndex, IndexMismatch."""
    opts = options or SearchOptions()
    if opts.sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)} (got {opts.sort!r}).")
    if not 0 <= opts.limit <= MAX_LIMIT:
        raise QueryError(f"limit must be between 0 and {MAX_LIMIT} (got {opts.limit}).")
    if opts.offset < 0:
        raise QueryError(f"offset must be 0 or more (got {opts.offset}).")
    parsed = _parse(query, opts)
    filters = build_filters(parsed, opts)
    engine = engine or open_index(index_dir)
    sort = "date" if parsed.is_empty else opts.sort
    found = engine.search(parsed, filters, limit=opts.limit, offset=opts.offset, sort=sort)
    terms = parsed.positive_terms()
    hits = [_hit(h, terms) for h in found.hits]
    facets = {
        name: [FacetValue(v, c) for v, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        for name, counts in found.facets.items()
    }
    facets["year"] = sorted(facets.get("year", []), key=lambda f: f.value, reverse=True)
    return Result(query=query, total=found.total, hits=hits, facets=facets, limit=opts.limit, offset=opts.offset)


def iter_hits(
    query: str,
    index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR,
    options: SearchOptions | None = None,
    engine: Engine | None = None,
) -> tuple[int, Iterator[Hit]]:
    """(total, every matching hit in result order), for export: no limit, read lazily.

    ``options.limit`` and ``options.offset`` are ignored. Raises like ``search``.
    """
    opts = options or SearchOptions()
    if opts.sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)} (got {opts.sort!r}).")
    parsed = _parse(query, opts)
    filters = build_filters(parsed, opts)
    engine = engine or open_index(index_dir)
    sort = "date" if parsed.is_empty else opts.sort
    total, found = engine.iter_hits(parsed, filters, sort=sort)
    terms = parsed.positive_terms()
    return total, (_hit(h, terms) for h in found)


def _parse(query: str, opts: SearchOptions) -> ParsedQuery:
    has_option_filter = bool(opts.cities or opts.province or opts.county or opts.year or opts.date_from or opts.date_to)
    if not query.strip() and has_option_filter:
        return ParsedQuery(text="")
    return parse_query(query)


def _hit(h: EngineHit, terms: list[Any]) -> Hit:
    f = h.fields
    text = f["text"]
    marks = highlight.spans(text, terms)
    date = f.get("date")
    return Hit(
        id=f["id"],
        doc_id=f["doc_id"],
        title=f.get("title", ""),
        source=f.get("source", ""),
        paragraph=int(f["paragraph"]),
        section=f.get("section"),
        province=f.get("province"),
        city=f.get("city"),
        county=f.get("county"),
        date=date,
        year=int(date[:4]) if date else None,
        score=round(h.score, 4),
        text=text,
        highlight=highlight.html(text, marks),
        spans=marks,
    )


@dataclass
class DocumentView:
    doc_id: str
    title: str
    source: str
    province: str | None
    city: str | None
    county: str | None
    date: str | None
    passages: list[dict[str, Any]]


def document(
    doc_id: str, index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR, engine: Engine | None = None
) -> DocumentView | None:
    rows = (engine or open_index(index_dir)).document(doc_id)
    if not rows:
        return None
    first = rows[0]
    return DocumentView(
        doc_id=doc_id,
        title=first.get("title", ""),
        source=first.get("source", ""),
        province=first.get("province"),
        city=first.get("city"),
        county=first.get("county"),
        date=first.get("date"),
        passages=rows,
    )


def highlight_html(text: str, query: str) -> str:
    """``text`` escaped, with the matches of ``query`` marked; a malformed query marks nothing."""
    try:
        terms = parse_query(query).positive_terms() if query.strip() else []
    except QueryError:
        terms = []
    return highlight.html(text, highlight.spans(text, terms))


def stats(index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR) -> dict[str, Any]:
    return open_index(index_dir).stats()
