"""The one core API. The CLI and the web app call these functions and nothing deeper.

index(paths, index_dir)            -> IndexSummary
search(query, index_dir, ...)      -> Result
document(doc_id, index_dir)        -> DocumentView | None
stats(index_dir)                   -> dict
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, BinaryIO

from . import citations, diskspace, export, highlight, indexing, rebuilding, research
from .dates import date_key, typed_date
from .diskspace import DiskFull
from .engine import ColumnFilter, Engine, EngineHit, Filters, IndexMismatch, NoIndex, engine_generation, open_engine
from .engine.base import Count, EngineUnavailable, IndexBusy, MergeReport, Sort
from .fields import FILTER_BY_NAME, Filter
from .indexing import COMMIT_EVERY_FILES, IndexSummary, Progress
from .model import (
    ArticlePair,
    ArticleRef,
    Collocates,
    Comparison,
    Concordance,
    FacetValue,
    Hit,
    Keyness,
    Notice,
    PlaceColumn,
    Result,
    StoredPassage,
    Suggestion,
    Trend,
)
from .places import resolve_name, resolve_province
from .query import ParsedQuery, QueryError, Term, options, parse_query
from .sources import RelativeSources

if TYPE_CHECKING:
    from .corrections import KeptFile
    from .ingest.metadata import Metadata

__all__ = [
    "ClusterProblem",
    "EngineUnavailable",
    "DEFAULT_INDEX_DIR",
    "DiskFull",
    "IndexBusy",
    "IndexMismatch",
    "MergeReport",
    "IndexSummary",
    "NoIndex",
    "QueryError",
    "SearchOptions",
    "Progress",
    "collocates",
    "compare",
    "corrections",
    "document",
    "documents",
    "ArticleRef",
    "duplicate_articles",
    "forget_corrections",
    "highlight_html",
    "index",
    "iter_hits",
    "keyness",
    "kwic",
    "remove",
    "search",
    "stats",
    "trend",
]

DEFAULT_INDEX_DIR = "index"
MAX_LIMIT = 1000
SORTS: tuple[Sort, ...] = ("relevance", "date", "date-asc")
COUNTS: tuple[Count, ...] = ("passages", "articles")


DEFAULT_FACET_SIZE = 100
# Lines one concordance call returns at most (an export takes them all at once).
MAX_KWIC_LINES = 1_000_000


FilterValue = str | int | None


class SearchOptions:
    """How to search besides the query: filters by name (``searcher.fields.FILTERS``), paging,
    order, copies, facet size.

        SearchOptions(city=["延吉", "吉林"], year=2023, limit=20)
        SearchOptions(filters={"province": ["吉林"]}, sort="date")
    """

    def __init__(
        self,
        filters: Mapping[str, Iterable[FilterValue] | FilterValue] | None = None,
        *,
        limit: int = 10,
        offset: int = 0,
        sort: Sort = "relevance",
        collapse: bool = True,
        facet_size: int | None = DEFAULT_FACET_SIZE,
        relative_sources: bool = False,
        count: Count = "passages",
        base_url: str = "",
        **by_name: Iterable[FilterValue] | FilterValue,
    ) -> None:
        given = {**(filters or {}), **by_name}
        unknown = sorted(set(given) - set(FILTER_BY_NAME))
        if unknown:
            raise TypeError(f"unknown filter {', '.join(unknown)}; filters are {', '.join(FILTER_BY_NAME)}")
        self.filters: dict[str, list[str]] = {}
        for name, value in given.items():
            values = [value] if value is None or isinstance(value, (str, int)) else list(value)
            kept = [str(v).strip() for v in values if v is not None and str(v).strip()]
            if kept:
                self.filters[name] = kept if FILTER_BY_NAME[name].multi else kept[-1:]
        self.limit = limit
        self.offset = offset
        self.sort = sort
        # Show one copy of identical / near-identical passages, the others listed under it.
        self.collapse = collapse
        # Values listed per facet, most frequent first (None: all). Counts are exact either way, and
        # ``Result.facet_distinct`` says how many values there are; a county facet can have thousands.
        self.facet_size = facet_size
        # Sources relative to the indexed folder (searcher.sources), as a shared server shows them.
        self.relative_sources = relative_sources
        # What facet values count: matching passages, or the distinct articles holding them
        # (copies of an article in several files are one article: the id is the content's).
        self.count = count
        # Where hits' links point: the server's root (http://host:port); "" gives paths (/doc/...).
        self.base_url = base_url

    def value(self, name: str) -> str | None:
        """The one value of a single-valued filter, or None."""
        values = self.filters.get(name)
        return values[-1] if values else None

    def __repr__(self) -> str:
        return (
            f"SearchOptions({self.filters!r}, limit={self.limit}, offset={self.offset}, sort={self.sort!r}, "
            f"collapse={self.collapse}, facet_size={self.facet_size})"
        )


def place_within(name: str, level: str) -> str | None:
    """The unit that holds a stored city or county name, as a facet shows beside it: a city's
    province, a county's city (or its province when it has none); None when the gazetteer does
    not know it. 延边朝鲜族自治州 -> 吉林省, 延吉市 -> 延边朝鲜族自治州."""
    found = [
        p
        for p in resolve_name(name)
        if (p.county if level == "county" else p.city) == name and not (level == "city" and p.county)
    ]
    parents = list(dict.fromkeys((p.city or p.province) if level == "county" else p.province for p in found))
    return "、".join(x for x in parents if x) or None


def open_index(index_dir: str | os.PathLike[str]) -> Engine:
    return open_engine(Path(index_dir))


class ClusterProblem(Exception):
    """The cluster file is wrong or the cluster does not answer; the message says what to do."""


def use_cluster(index_dir: str | os.PathLike[str], cluster_file: str | os.PathLike[str]) -> None:
    """Keep ``index_dir``'s passages in the SphinxQL cluster that ``cluster_file`` describes."""
    from .engine import use_cluster as mark
    from .engine.sphinxql.cluster import ClusterConfig, ClusterError

    try:
        ClusterConfig.load(cluster_file)
    except ClusterError as exc:
        raise ClusterProblem(str(exc)) from exc
    mark(Path(index_dir), Path(cluster_file))


def start_cluster(cluster_file: str | os.PathLike[str]) -> list[str]:
    """Start every node of a cluster (searchd, detached from this process); the nodes' names."""
    from .engine.sphinxql.cluster import Cluster, ClusterConfig, ClusterError
    from .engine.sphinxql.journal import start_caught_up

    try:
        config = ClusterConfig.load(cluster_file)
        start_caught_up(Cluster(config), detach=True)
    except ClusterError as exc:
        raise ClusterProblem(str(exc)) from exc
    return [n.name for n in config.nodes]


def stop_cluster(cluster_file: str | os.PathLike[str]) -> list[str]:
    """Stop the nodes ``start_cluster`` started; the names of those stopped."""
    from .engine.sphinxql.cluster import ClusterConfig, ClusterError, stop_by_pid_files

    try:
        return stop_by_pid_files(ClusterConfig.load(cluster_file))
    except ClusterError as exc:
        raise ClusterProblem(str(exc)) from exc


def index(
    paths: list[str],
    index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR,
    rebuild: bool = False,
    progress: Callable[[Progress], None] | None = None,
    jobs: int = 1,
    commit_every: int | None = None,
    metadata: str | os.PathLike[str] | None = None,
    collection: str | None = None,
) -> IndexSummary:
    """Index files and folders: new and changed files are read, unchanged ones skipped, and
    files gone from an indexed folder removed. ``jobs`` worker processes prepare files.

    A file that cannot be read is recorded in ``skipped`` and the run goes on. Work is
    committed every ``commit_every`` files (or 30 s), so an interrupted run keeps what it committed.

    Corrections come from ``metadata`` (a CSV or JSONL file) and from ``metadata.csv`` /
    ``metadata.jsonl`` inside indexed folders; a malformed one raises ``MetadataError``
    before anything is written.

    Files go to the sub-collection ``collection``, else to their indexed folder's name.
    """
    index_dir = Path(index_dir)
    with diskspace.reported(index_dir, lambda: _input_bytes(paths)):
        return _index(paths, index_dir, rebuild, progress, jobs, commit_every, metadata, collection)


def _input_bytes(paths: list[str]) -> int:
    from .ingest.files import SourceFile, iter_files

    return sum(f.path.stat().st_size for f in iter_files(paths) if isinstance(f, SourceFile))


def _index(
    paths: list[str],
    index_dir: Path,
    rebuild: bool,
    progress: Callable[[Progress], None] | None,
    jobs: int,
    commit_every: int | None,
    metadata: str | os.PathLike[str] | None,
    collection: str | None = None,
) -> IndexSummary:
    # SEARCHER_COMMIT_EVERY exists for the crash tests, which need commits every few files.
    every = commit_every or int(os.environ.get("SEARCHER_COMMIT_EVERY", COMMIT_EVERY_FILES))

    def run(engine: Engine, directory: Path, corrections: Any) -> IndexSummary:
        return indexing.run(
            engine,
            directory,
            paths,
            jobs=jobs,
            progress=progress,
            commit_every=every,
            metadata=corrections,
            collection=collection,
        )

    if rebuild and rebuilding.has_index(index_dir):
        # Built beside the index and swapped in at the end: readers keep the old one until then,
        # and a rebuild that fails leaves it as it was. The old index's lock is held throughout.
        with rebuilding.rebuild_beside(index_dir) as new_dir:
            corrections, gone = _corrections(index_dir, paths, metadata)
            rebuilding.carry_corrections(index_dir, new_dir)
            engine = open_engine(new_dir, create=True)
            summary = run(engine, new_dir, corrections)
            summary.notes.extend(_unmatched_corrections(corrections, engine))
            engine.close()
    else:
        corrections, gone = _corrections(index_dir, paths, metadata)
        try:
            engine = open_engine(index_dir, create=rebuild)
        except NoIndex:
            engine = open_engine(index_dir, create=True)
        if rebuild:
            (index_dir / indexing.FOLDERS_FILE).unlink(missing_ok=True)
        summary = run(engine, index_dir, corrections)
        summary.notes.extend(_unmatched_corrections(corrections, engine))
    summary.notes.extend(
        f"the corrections of {f.path} are kept in the index although that file is gone; "
        f"`searcher corrections --forget {f.path}` drops them"
        for f in gone
    )
    return summary


def __getattr__(name: str) -> Any:
    # MetadataError lives with the metadata reader, imported only when indexing needs it.
    if name == "MetadataError":
        from .ingest.metadata import MetadataError

        return MetadataError
    raise AttributeError(name)


def _unmatched_corrections(corrections: Metadata | None, engine: Engine) -> list[str]:
    """Correction rows that name no file in the index (a typo, a Windows path): said, never dropped silently."""
    if corrections is None:
        return []
    return [
        f"correction {row} names no indexed file, so it applies to nothing; check the file name "
        "(a path is relative to the metadata file's folder)"
        for row in corrections.unmatched(engine.indexed_files())
    ]


def _corrections(
    index_dir: Path, paths: list[str], metadata: str | os.PathLike[str] | None
) -> tuple[Metadata | None, list[KeptFile]]:
    """Every correction to apply: those given now (``metadata``, folders' metadata.csv), which
    are kept in the index, and those kept from earlier runs."""
    from .corrections import keep
    from .ingest.metadata import find_folder_metadata

    given = [Path(metadata)] if metadata else []
    given += [found for p in paths if Path(p).is_dir() and (found := find_folder_metadata(Path(p)))]
    return keep(index_dir, given)


def corrections(index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR) -> list[dict[str, Any]]:
    """The metadata files whose corrections the index keeps: path, kept_at, rows, and whether
    the file still exists."""
    from .corrections import kept

    out = []
    for f in kept(Path(index_dir)):
        rows = sum(len(by_title) for by_title in f.parse().rows.values())
        out.append({"path": f.path, "kept_at": f.kept_at, "rows": rows, "exists": Path(f.path).exists()})
    return out


def forget_corrections(path: str, index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR) -> str | None:
    """Stop applying a kept metadata file; its resolved path, or None if none was kept under ``path``."""
    from .corrections import forget

    found = forget(Path(index_dir), path)
    return found.path if found else None


def remove(paths: list[str], index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR) -> tuple[int, list[str]]:
    """Remove indexed files at or below ``paths``: (files removed, paths that matched nothing)."""
    with diskspace.reported(Path(index_dir), lambda: 0):
        return indexing.remove(open_index(index_dir), Path(index_dir), paths)


def optimize(index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR) -> MergeReport:
    """Merge the index's segments into as few as the merge size allows, reclaiming the space of
    deleted passages. Raises IndexBusy while another process writes the index, DiskFull when
    the disk cannot hold the merged segment beside the old ones (the index stays as it was)."""
    engine = open_index(index_dir)
    with diskspace.reported(Path(index_dir), lambda: engine.stats().index_bytes // diskspace.INDEX_TO_TEXT):
        return engine.merge(optimize=True)


def _full_date(value: str | None, name: str) -> str | None:
    if not value:
        return None
    parsed = typed_date(value)
    if not parsed:
        spec = FILTER_BY_NAME["date_" + name]
        label = {"from": "起始日期", "to": "截止日期"}[name]
        raise QueryError(
            f"{spec.cli_option} takes a date like 2023, 2023-04 or 2023-04-12 (got {value.strip()!r}).",
            f"{label}要写成 2023、2023-04 或 2023-04-12 这样的日期（现在是 {value.strip()!r}）。",
            field=name,
        )
    return parsed


def _date_range(opts: SearchOptions) -> tuple[str | None, str | None]:
    start, end = _full_date(opts.value("date_from"), "from"), _full_date(opts.value("date_to"), "to")
    if start and end and date_key(start, end=False) > date_key(end, end=True):
        raise QueryError(
            f"The range runs backwards: --from {start} is after --to {end}. Swap them: --from {end} --to {start}.",
            f"起始日期 {start} 晚于截止日期 {end}，请对调：起 {end}，止 {start}。",
            field="from",
        )
    return start, end


def _place_names(name: str) -> list[str]:
    """Full names a city/county filter value stands for (延吉 -> 延吉市)."""
    names = []
    for place in resolve_name(name):
        full = place.county or place.city
        if full:
            names.append(full)
    return list(dict.fromkeys(names)) or [name]


def _resolved(spec: Filter, value: str) -> list[str]:
    """The stored values a filter value stands for."""
    if spec.resolve == "province":
        return [resolve_province(value) or value]
    if spec.resolve == "place":
        return _place_names(value)
    if spec.resolve == "year":
        if not re.fullmatch(spec.pattern or r"\d{4}", value):
            raise QueryError(
                f"{spec.cli_option} takes {spec.form[0]}, for example {spec.example} (got {value!r}).",
                f"{spec.label}要写{spec.form[1]}，例如 {spec.example}（现在是 {value!r}）。",
                field=spec.name,
            )
        return [str(int(value))]
    return [value]


def _filter_values(parsed: ParsedQuery, opts: SearchOptions) -> dict[str, list[str]]:
    """Filter values by filter name, from the options first, then from ``field:value`` in the query."""
    out: dict[str, list[str]] = {}
    for name, values in [*opts.filters.items(), *parsed.filters.items()]:
        out.setdefault(name, []).extend(values)
    return out


_UNKNOWN = {
    "place": (
        "No city or county called {name!r} is known; check the name (e.g. 延吉, 吉林市, 船营区).",
        "没有叫“{name}”的城市或区县，请检查名称（例如 延吉、吉林市、船营区）。",
    ),
    "province": (
        "No province called {name!r} is known; check the name (e.g. 吉林, 广西, 内蒙古).",
        "没有叫“{name}”的省份，请检查名称（例如 吉林、广西、内蒙古）。",
    ),
}


def filter_notes(parsed: ParsedQuery, opts: SearchOptions) -> list[Notice]:
    """Warnings about filter values the gazetteer does not know (they match nothing or little)."""
    notes = []
    for kind, known in (("place", resolve_name), ("province", resolve_province)):
        for name, values in _filter_values(parsed, opts).items():
            if FILTER_BY_NAME[name].resolve != kind:
                continue
            for value in values:
                if not known(value):
                    en, zh = _UNKNOWN[kind]
                    notes.append(Notice(en.format(name=value), zh.format(name=value)))
    return notes


def build_filters(parsed: ParsedQuery, opts: SearchOptions) -> Filters:
    """The engine's filters: each filter's values resolved to stored values (ORed), filters ANDed."""
    filters = Filters()
    for name, values in _filter_values(parsed, opts).items():
        spec = FILTER_BY_NAME[name]
        if spec.resolve == "date":
            continue
        stored = list(dict.fromkeys(v for value in values for v in _resolved(spec, value)))
        filters.columns.append(ColumnFilter(spec.in_columns, tuple(stored), spec.field))
    filters.date_from, filters.date_to = _date_range(opts)
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
    if opts.count not in COUNTS:
        raise QueryError(
            f"count must be one of {', '.join(COUNTS)} (got {opts.count!r}).", "计数方式只能是 passages 或 articles。", "count"
        )
    if opts.facet_size is not None and opts.facet_size < 1:
        raise QueryError(f"facet size must be 1 or more, or all values (got {opts.facet_size}).")
    parsed = _parse(query, opts)
    filters = build_filters(parsed, opts)
    engine = engine or open_index(index_dir)
    sort = "date" if parsed.is_empty and opts.sort == "relevance" else opts.sort
    found = engine.search(
        parsed,
        filters,
        limit=opts.limit,
        offset=opts.offset,
        sort=sort,
        collapse=opts.collapse,
        facet_size=opts.facet_size,
        count=opts.count,
    )
    terms = parsed.positive_terms()
    shown = _shown_sources(index_dir, opts.relative_sources)
    hits = [_hit(h, terms, shown, opts.base_url) for h in found.hits]
    facets = {
        name: [FacetValue(value, count) for value, count in counts.items()]  # the engine orders them
        for name, counts in found.facets.items()
    }
    facets["year"] = sorted(facets.get("year", []), key=lambda f: f.value, reverse=True)
    return Result(
        query=query,
        total=found.total,
        hits=hits,
        facets=facets,
        limit=opts.limit,
        offset=opts.offset,
        collapsed_total=found.collapsed_total if found.collapsed_total is not None else found.total,
        notes=parsed.notes + filter_notes(parsed, opts),
        facet_distinct=found.facet_distinct,
        articles=found.articles,
        count=opts.count,
        facet_alternatives={name: [FacetValue(v, c) for v, c in counts.items()] for name, counts in found.alternatives.items()},
        suggestions=_suggestions(parsed, filters, engine) if found.total == 0 else [],
    )


MAX_SUGGESTIONS = 3


def _suggestions(parsed: ParsedQuery, filters: Filters, engine: Engine) -> list[Suggestion]:
    """For a query that found nothing: the query with one unmatched term replaced by a nearby
    indexed word ("did you mean"), with the total each would really give."""
    out: list[Suggestion] = []
    for term in parsed.positive_terms():
        if term.quoted or term.wildcard or engine.search(_only(term), filters, 0, 0, "relevance").total:
            continue
        for word in engine.nearest_words(term.text, MAX_SUGGESTIONS * 2):
            text = parsed.text.replace(term.text, word, 1)
            try:
                total = engine.search(parse_query(text), filters, 0, 0, "relevance").total
            except QueryError:
                continue
            if total and all(s.query != text for s in out):
                out.append(Suggestion(text, total))
        if out:
            break
    return sorted(out, key=lambda s: -s.total)[:MAX_SUGGESTIONS]


def _only(term: Term) -> ParsedQuery:
    return ParsedQuery(text=term.text, must=[term])


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
    sort = "date" if parsed.is_empty and opts.sort == "relevance" else opts.sort
    total, found = engine.iter_hits(parsed, filters, sort=sort)
    terms = parsed.positive_terms()
    shown = _shown_sources(index_dir, opts.relative_sources)
    return total, (_hit(h, terms, shown, opts.base_url) for h in found)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _shown_bytes(text: str) -> str:
    try:
        raw = text.encode("utf-8", "surrogateescape")  # the bytes a terminal sent
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
    return raw.decode("utf-8", "backslashreplace")


def _parse(query: str, opts: SearchOptions) -> ParsedQuery:
    for what, text in [("the query", query), *((f"the {n} filter", v) for n, vs in opts.filters.items() for v in vs)]:
        if _LONE_SURROGATE.search(text):
            # What a terminal in another encoding (or bytes in a URL that are not UTF-8) gives.
            raise QueryError(
                f"{what} holds bytes that are not UTF-8 text ({_shown_bytes(text)}); "
                "type it again, or set the terminal to UTF-8 (LANG=zh_CN.UTF-8)"
            )
    if not query.strip() and opts.filters:
        return ParsedQuery(text="")
    return parse_query(query)


_SHOWN_SOURCES: dict[tuple[str, int, int], RelativeSources] = {}


def _shown_sources(index_dir: str | os.PathLike[str], relative: bool) -> Callable[[str], str] | None:
    """Sources relative to the indexed folders (read once per change of folders.json: reading it
    on every request was 4% of a server's time)."""
    if not relative:
        return None
    record = Path(index_dir) / indexing.FOLDERS_FILE
    try:
        st = record.stat()
        key = (str(record), st.st_mtime_ns, st.st_size)
    except OSError:
        key = (str(record), 0, 0)
    shown = _SHOWN_SOURCES.get(key)
    if shown is None:
        if len(_SHOWN_SOURCES) > 64:
            _SHOWN_SOURCES.clear()
        shown = _SHOWN_SOURCES[key] = RelativeSources(f["path"] for f in indexing.folders(Path(index_dir)).values())
    return shown


def _hit(h: EngineHit, terms: list[Term], shown: Callable[[str], str] | None = None, base_url: str = "") -> Hit:
    p = h.passage
    marks = highlight.spans(p.text, terms)
    duplicates = h.duplicates
    first = h.first_copy
    if shown is not None:
        duplicates = [dataclasses.replace(d, source=shown(d.source)) for d in duplicates]
        first = first and dataclasses.replace(first, source=shown(first.source))
    paragraph = int(p.paragraph)
    return Hit(
        id=p.id,
        doc_id=p.doc_id,
        title=p.title or "",
        source=shown(p.source or "") if shown is not None else p.source or "",
        paragraph=paragraph,
        section=p.section,
        province=p.province,
        city=p.city,
        county=p.county,
        date=p.date,
        year=p.year,
        score=round(h.score, 4),
        text=p.text,
        highlight=highlight.html(p.text, marks),
        doc_type=p.doc_type,
        compilation=p.compilation,
        collection=p.collection,
        page=p.page,
        dup_group=first.id if first else p.id,
        url=citations.passage_url(base_url, p.doc_id, paragraph),
        citation=citations.passage_citation(
            citations.article_citation(p.title or "", p.province, p.city, p.county, p.date, p.compilation), p.page, paragraph
        ),
        first_copy=first,
        duplicates=duplicates,
        duplicates_total=h.duplicates_total,
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
    passages: list[StoredPassage]
    # Other files holding the same bytes (the same article, so the same id), as given when indexed.
    also_in: list[str] = field(default_factory=list)
    doc_type: str | None = None
    compilation: str | None = None
    collection: str | None = None
    citation: str = ""
    url: str = ""
    # The articles of its file in order (a compilation's table of contents), itself among them.
    contents: list[ArticleRef] = field(default_factory=list)
    # Paragraphs matching ``query`` (the search's match rule), in order; None without a query.
    query: str = ""
    matches: list[int] | None = None

    @property
    def position(self) -> int:
        """Its place in ``contents``."""
        return next((i for i, a in enumerate(self.contents) if a.doc_id == self.doc_id), 0)

    @property
    def previous(self) -> ArticleRef | None:
        return self.contents[self.position - 1] if self.position > 0 else None

    @property
    def next(self) -> ArticleRef | None:
        return self.contents[self.position + 1] if self.position + 1 < len(self.contents) else None


def document(
    doc_id: str,
    index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR,
    engine: Engine | None = None,
    relative_sources: bool = False,
    query: str = "",
    base_url: str = "",
) -> DocumentView | None:
    """An article's passages in order, with the other files holding it, its citation, its file's
    articles (the compilation's contents) and, for ``query``, the paragraphs that match it.

    Sources are relative to the indexed folder with ``relative_sources`` (as the web shows
    them). Raises QueryError for a malformed ``query``."""
    engine = engine or open_index(index_dir)
    found = engine.document(doc_id)
    if not found:
        return None
    by_file: dict[str, list[StoredPassage]] = {}
    for row in found:
        by_file.setdefault(row.path_key, []).append(row)
    rows, *copies = by_file.values()  # the file indexed first is shown
    rows = sorted(rows, key=lambda r: r.paragraph)
    first = rows[0]
    shown = _shown_sources(index_dir, relative_sources) or str
    in_file = Filters(columns=[ColumnFilter(("path_key",), (first.path_key,), "path_key")])
    contents = [dataclasses.replace(a, source=shown(a.source)) for a in engine.articles(ParsedQuery(text=""), in_file)]
    matches = None
    if query.strip():
        opts = SearchOptions(doc_id=[doc_id], limit=MAX_LIMIT, collapse=False, facet_size=1)
        hits = search(query, index_dir, opts, engine=engine).hits
        matches = sorted({h.paragraph for h in hits})
    return DocumentView(
        doc_id=doc_id,
        title=first.title or "",
        source=shown(first.source or ""),
        province=first.province,
        city=first.city,
        county=first.county,
        date=first.date,
        passages=rows,
        also_in=[shown(copy[0].source or "") for copy in copies],
        doc_type=first.doc_type,
        compilation=first.compilation,
        collection=first.collection,
        citation=citations.article_citation(
            first.title or "", first.province, first.city, first.county, first.date, first.compilation
        ),
        url=citations.document_url(base_url, doc_id),
        contents=contents,
        query=query,
        matches=matches,
    )


def duplicate_articles(index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR) -> list[ArticlePair]:
    """Pairs of articles sharing identical or near-identical passages, most shared first."""
    return open_index(index_dir).duplicate_articles()


def highlight_html(text: str, query: str) -> str:
    """``text`` escaped, with the matches of ``query`` marked; a malformed query marks nothing."""
    try:
        terms = parse_query(query).positive_terms() if query.strip() else []
    except QueryError:
        terms = []
    return highlight.html(text, highlight.spans(text, terms))


# --- rendering the result object: the CLI and the web call these, never the modules behind them

EXPORT_FORMATS = export.FORMATS
EXPORT_MEDIA_TYPES = export.MEDIA_TYPES
ExportFormat = export.Format


def export_format_for_path(path: str) -> ExportFormat | None:
    """The export format a file name asks for by its suffix (.csv, .jsonl, .ndjson), or None."""
    return export.format_for_path(path)


def export_chunks(hits: Iterable[Hit], fmt: ExportFormat) -> Iterator[bytes]:
    """Hits as a CSV (UTF-8 with BOM) or JSON Lines download, in chunks; one row per passage."""
    return export.chunks(hits, fmt)


def table_chunks(columns: Sequence[str], rows: Iterable[Mapping[str, Any]], fmt: ExportFormat) -> Iterator[bytes]:
    """An analysis view's table (``Trend.table()``, ``KWIC_COLUMNS`` rows ...) as CSV / JSON Lines bytes."""
    return export.table_chunks(columns, rows, fmt)


def write_export(hits: Iterable[Hit], fmt: ExportFormat, out: BinaryIO) -> int:
    """Write hits as CSV or JSON Lines to a binary stream; the number of rows written."""
    return export.write(hits, fmt, out)


def passage_url(base_url: str, doc_id: str, paragraph: int) -> str:
    """The link to a passage on its article's page (``citations.passage_url``)."""
    return citations.passage_url(base_url, doc_id, paragraph)


def highlight_ansi(text: str, spans: list[tuple[int, int]], colour: bool) -> str:
    """``text`` with the ``spans`` (a hit's matches) in bold for a terminal (unmarked without colour)."""
    return highlight.ansi(text, spans, colour)


def single_clause_queries(query: str) -> list[str]:
    """For a query of several required terms (or with exclusions): each required term alone, as
    a query (quoted if it was), for "search only X" suggestions; [] otherwise or if malformed."""
    try:
        parsed = parse_query(query) if query.strip() else None
    except QueryError:
        return []
    if parsed is None or not (len(parsed.must) > 1 or parsed.must_not):
        return []
    out = []
    for clause in parsed.must[:5]:
        option = options(clause)[0]
        out.append(f'"{option.text}"' if option.quoted else option.text)
    return out


def index_generation(index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR) -> Hashable:
    """A value that changes whenever the index at ``index_dir`` is committed, rebuilt or removed,
    read without opening it: a long-running reader reopens when it changes."""
    return engine_generation(Path(index_dir))


def stats(index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR, relative_sources: bool = False) -> dict[str, Any]:
    """What the index holds, and the folders it was built from (by name only with ``relative_sources``)."""
    info = open_index(index_dir).stats().to_dict()
    folders = sorted(indexing.folders(Path(index_dir)).values(), key=lambda f: f["path"])
    if relative_sources:
        folders = [{**f, "path": PurePath(f["path"]).name or f["path"]} for f in folders]
    info["folders"] = folders
    return info


# --- analysis views: the same match set as ``search`` (searcher.research) ---------------------


def _prepared(
    query: str, opts: SearchOptions, index_dir: str | os.PathLike[str], engine: Engine | None
) -> tuple[ParsedQuery, Filters, Engine, list[Notice]]:
    parsed = _parse(query, opts)
    return parsed, build_filters(parsed, opts), engine or open_index(index_dir), parsed.notes + filter_notes(parsed, opts)


def kwic(
    query: str,
    index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR,
    options: SearchOptions | None = None,
    engine: Engine | None = None,
    sort: str = "relevance",
    width: int = 20,
) -> Concordance:
    """Keyword in context: every occurrence of the query's text in its matching passages, sorted
    (``research.KWIC_SORTS``); ``options.offset`` / ``options.limit`` page through the lines."""
    opts = options or SearchOptions(limit=100)
    if not 0 <= opts.limit <= MAX_KWIC_LINES or opts.offset < 0:
        raise QueryError(f"limit must be between 0 and {MAX_KWIC_LINES} and offset 0 or more (got {opts.limit}, {opts.offset}).")
    parsed, filters, engine, notes = _prepared(query, opts, index_dir, engine)
    found = research.concordance(engine, parsed, filters, sort=sort, width=width, offset=opts.offset, limit=opts.limit)
    found.query = query
    found.notes = notes
    return found


def trend(
    queries: list[str],
    by: str | tuple[str, ...] = "year",
    index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR,
    options: SearchOptions | None = None,
    engine: Engine | None = None,
) -> Trend:
    """Matching passages, matching articles, all passages and the rate per 1,000 passages for each
    bucket of ``by`` (``year``, ``province``, ... or two of them: ``"year,province"``), one column
    set per query. The filters narrow the collection the rates are taken over."""
    opts = options or SearchOptions()
    fields = tuple(f.strip() for f in by.split(",")) if isinstance(by, str) else tuple(by)
    if not queries:
        raise QueryError(
            "Give at least one query, e.g. searcher trend 志愿服务 --by year.", "请至少给出一个检索词，例如 志愿服务。"
        )
    engine = engine or open_index(index_dir)
    parsed_all = []
    notes: list[Notice] = []
    filters: Filters | None = None
    for q in queries:
        parsed, f, _, n = _prepared(q, opts, index_dir, engine)
        parsed_all.append(parsed)
        notes.extend(n)
        filters = filters or f
        if parsed.filters:
            raise QueryError(
                f"Put filters in the options, not in a query of a trend ({q!r}): "
                "each query's rate is taken over the same passages.",
                f"趋势比较时请把筛选条件写成选项，不要写在检索词里（{q}）：每个词的比率基于同一批段落。",
            )
    assert filters is not None
    rows, totals = research.trend_rows(engine, parsed_all, filters, fields)
    return Trend(queries=list(queries), by=fields, rows=rows, totals=totals, notes=list(dict.fromkeys(notes)))


def collocates(
    query: str,
    index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR,
    options: SearchOptions | None = None,
    engine: Engine | None = None,
    window: int = 10,
    by: str = "log_likelihood",
    min_count: int = 3,
    limit: int = 50,
    show_stop: bool = False,
) -> Collocates:
    """Words near the query's occurrences beyond chance (log-likelihood, MI), with observed and
    expected counts. Stop words and rare words are hidden from the list, never from the counts."""
    parsed, filters, engine, notes = _prepared(query, options or SearchOptions(), index_dir, engine)
    found = research.collocates(
        engine, parsed, filters, window=window, by=by, min_count=min_count, limit=limit, show_stop=show_stop
    )
    found.query = query
    found.notes = notes
    return found


def _subcollection(spec: str, parsed: ParsedQuery, opts: SearchOptions, which: str) -> tuple[Filters, list[Notice]]:
    """The filters of sub-collection A or B: the options and the query's filters, with those
    ``spec`` names replaced by its values (``year:2021 省:吉林``), and notes on unknown places."""
    try:
        sub = parse_query(spec) if spec.strip() else ParsedQuery(text="")
    except QueryError as exc:
        raise QueryError(str(exc), exc.zh, field=which) from exc
    if sub.must or sub.must_not:
        raise QueryError(
            f"--{which} takes filters only, e.g. year:2021 or 省:吉林 (got {spec!r}); put words in the query.",
            f"{which.upper()} 组只能写筛选条件，例如 year:2021 或 省:吉林（现在是 {spec}）；检索词请写在查询里。",
            field=which,
        )
    if not sub.filters:
        raise QueryError(
            f"--{which} needs at least one filter, e.g. year:2021, 省:吉林 or city:延吉.",
            f"{which.upper()} 组至少要有一个筛选条件，例如 year:2021、省:吉林 或 city:延吉。",
            field=which,
        )
    merged = ParsedQuery(text="", filters={**opts.filters, **parsed.filters, **sub.filters})
    try:
        filters = build_filters(merged, SearchOptions())
    except QueryError as exc:
        raise QueryError(str(exc), exc.zh, field=which) from exc
    return filters, filter_notes(merged, SearchOptions())


def keyness(
    a: str,
    b: str,
    query: str = "",
    index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR,
    options: SearchOptions | None = None,
    engine: Engine | None = None,
    limit: int = 50,
    min_count: int = 5,
    show_stop: bool = False,
) -> Keyness:
    """Words distinctive of sub-collection A against B (log-likelihood, log ratio, counts); A and
    B are filter queries (``year:2021``); with ``query``, of the passages matching it in each."""
    opts = options or SearchOptions()
    parsed = _parse(query, opts) if query.strip() else ParsedQuery(text="")
    engine = engine or open_index(index_dir)
    (fa, notes_a), (fb, notes_b) = _subcollection(a, parsed, opts, "a"), _subcollection(b, parsed, opts, "b")
    found = research.keyness(engine, parsed, fa, fb, a, b, limit=limit, min_count=min_count, show_stop=show_stop)
    found.notes = list(dict.fromkeys(parsed.notes + notes_a + notes_b + found.notes))
    return found


COMPARE_FIELDS = ("province", "city", "county")
KWIC_SORTS = research.KWIC_SORTS
TREND_FIELDS = research.TREND_FIELDS
COLLOCATE_MEASURES = research.MEASURES
MAX_KWIC_WIDTH = research.MAX_WIDTH
MAX_WINDOW = research.MAX_WINDOW


def compare(
    query: str,
    field_name: str,
    values: list[str],
    index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR,
    options: SearchOptions | None = None,
    engine: Engine | None = None,
    hits: int = 3,
    words: int = 10,
) -> Comparison:
    """Two to four places side by side for one query: each place's filtered search total, its
    articles, all its passages and the rate, its best passages and its distinctive words (its
    matches against the other places' matches)."""
    if field_name not in COMPARE_FIELDS:
        raise QueryError(
            f"compare places by {', '.join(COMPARE_FIELDS)} (got {field_name!r}).", "只能按省份、城市或区县对比。", field="field"
        )
    values = [v.strip() for v in values if v.strip()]
    if not 2 <= len(values) <= 4:
        raise QueryError(
            f"Compare two to four places, e.g. --city 延吉 --city 吉林 (got {len(values)}).",
            f"请选择两到四个地方进行对比（现在是 {len(values)} 个）。",
            field=field_name,
        )
    opts = options or SearchOptions()
    engine = engine or open_index(index_dir)
    parsed = _parse(query, opts)
    columns: list[PlaceColumn] = []
    place_filters: list[Filters] = []
    notes: list[Notice] = list(parsed.notes)
    for value in values:
        place_opts = SearchOptions({**opts.filters, field_name: [value]}, limit=hits, relative_sources=opts.relative_sources)
        result = search(query, index_dir, place_opts, engine=engine)
        place_parsed = _parse(query, place_opts)
        f = build_filters(place_parsed, place_opts)
        place_filters.append(f)
        whole = engine.distribution(place_parsed, f, ())
        notes.extend(n for n in result.notes if n not in notes)
        columns.append(
            PlaceColumn(
                field=field_name,
                value=value,
                total=result.total,
                articles=sum(whole.articles),
                passages=sum(whole.passages),
                hits=result.hits,
                words=[],
            )
        )
    if words and not parsed.is_empty:
        counts = engine.word_counts(parsed, place_filters)
        for j, column in enumerate(columns):
            others = [k for k in range(len(columns)) if k != j]
            column.words = research.key_words(engine, counts, j, others, words, 3, False)[0]
    return Comparison(query=query, places=columns, notes=notes)


DOCUMENT_SORTS = ("index", "date", "date-asc", "place", "title")
ARTICLE_COLUMNS = (
    "doc_id",
    "title",
    "doc_type",
    "province",
    "city",
    "county",
    "date",
    "passages",
    "matches",
    "source",
    "compilation",
    "collection",
    "citation",
)


def documents(
    query: str = "",
    index_dir: str | os.PathLike[str] = DEFAULT_INDEX_DIR,
    options: SearchOptions | None = None,
    engine: Engine | None = None,
    sort: str = "index",
) -> list[ArticleRef]:
    """The inventory: every indexed article (with a query or filters, those with a passage they
    keep), with its title, kind, place, date, passages and source file. Sorted by ``sort``:
    index order (files by path, articles in file order), date (newest first; ``date-asc`` oldest
    first; undated last), place, or title."""
    if sort not in DOCUMENT_SORTS:
        raise QueryError(
            f"sort must be one of {', '.join(DOCUMENT_SORTS)} (got {sort!r}).",
            "排序方式只能是 index、date、date-asc、place 或 title。",
            "sort",
        )
    opts = options or SearchOptions()
    parsed = _parse(query, opts) if query.strip() else ParsedQuery(text="")
    filters = build_filters(parsed, opts)
    found = (engine or open_index(index_dir)).articles(parsed, filters)
    shown = _shown_sources(index_dir, opts.relative_sources) or str
    found = [
        dataclasses.replace(
            a,
            source=shown(a.source),
            citation=citations.article_citation(a.title, a.province, a.city, a.county, a.date, a.compilation),
        )
        for a in found
    ]
    if sort in ("date", "date-asc"):
        dated = sorted((a for a in found if a.date), key=lambda a: a.date or "", reverse=sort == "date")
        found = dated + [a for a in found if not a.date]
    elif sort == "place":
        found = sorted(found, key=lambda a: tuple((v is None, v or "") for v in (a.province, a.city, a.county)))
    elif sort == "title":
        found = sorted(found, key=lambda a: a.title)
    return found
