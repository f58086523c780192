"""Everything Whoosh-specific: schema, writing passages, translating query trees, facets."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.scoring import BM25F
from whoosh.sorting import FieldFacet, MultiFacet

from ..analysis import BigramTokenizer, CharTokenizer, WordTokenizer, analyzer_id, bigrams, chars, fold, words
from ..model import Document, Place
from ..places import place_names
from ..query import AnyOf, ParsedQuery, Term
from .base import FACET_FIELDS, EngineHit, EngineResult, Filters, IndexMismatch, NoIndex

ENGINE_FORMAT = "whoosh-2"
META_FILE = "searcher.json"
INDEX_NAME = "passages"

TITLE_BOOST = 1.5
SECTION_BOOST = 1.2
PHRASE_BOOST = 2.0
SUBSTRING_WEIGHT = 0.5
TITLE_MATCH_WEIGHT = 0.5
PLACE_MATCH_WEIGHT = 0.5


def make_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        doc_id=ID(stored=True),
        path_key=ID(stored=True),
        content_hash=STORED,
        source=STORED,
        title=TEXT(analyzer=WordTokenizer(), stored=True, phrase=False),
        section=TEXT(analyzer=WordTokenizer(), stored=True, phrase=False),
        text=TEXT(analyzer=WordTokenizer(), stored=True, phrase=True),
        grams=TEXT(analyzer=BigramTokenizer(), phrase=True),
        chars=TEXT(analyzer=CharTokenizer(), phrase=False),
        # Names and short forms of the passage's place, so 延吉 in a query finds passages about 延吉市.
        place=KEYWORD(scorable=True),
        paragraph=NUMERIC(stored=True, sortable=True),
        province=ID(stored=True, sortable=True),
        city=ID(stored=True, sortable=True),
        county=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        date=ID(stored=True, sortable=True),
        date_start=ID,
        date_end=ID,
        is_heading=BOOLEAN(stored=True),
    )


def date_bounds(date: str | None) -> tuple[str | None, str | None]:
    """First and last day a date of any precision covers, as sortable strings."""
    if not date:
        return None, None
    parts = date.split("-")
    start = "-".join(parts + ["01"] * (3 - len(parts)))
    end = "-".join(parts + (["12", "31"] if len(parts) == 1 else ["31"] if len(parts) == 2 else []))
    return start, end


class WhooshWriter:
    def __init__(self, ix: Any) -> None:
        self._w = ix.writer(limitmb=256, compound=False)

    def delete_file(self, path_key: str) -> None:
        self._w.delete_by_term("path_key", path_key)

    def add_document(self, doc: Document, path_key: str, content_hash: str) -> None:
        for p in doc.passages:
            start, end = date_bounds(p.date)
            fields: dict[str, Any] = {
                "id": p.id,
                "doc_id": p.doc_id,
                "path_key": path_key,
                "content_hash": content_hash,
                "source": p.source,
                "title": p.title,
                "text": p.text,
                "grams": p.text,
                "chars": p.text,
                "paragraph": p.paragraph,
                "is_heading": p.is_heading,
                "place": " ".join(_place_names(p.place)),
            }
            # Sortable (column) fields always get a value, "" for unknown: Whoosh writes a
            # column too short when a segment's last documents lack a value, and reading or
            # sorting those documents then fails with IndexError.
            fields.update({
                "province": p.place.province or "",
                "city": p.place.city or "",
                "county": p.place.county or "",
                "year": str(p.year) if p.year else "",
                "date": p.date or "",
            })
            optional = {"section": p.section, "date_start": start, "date_end": end}
            fields.update({k: v for k, v in optional.items() if v})
            self._w.add_document(**fields)

    def commit(self) -> None:
        self._w.commit()

    def cancel(self) -> None:
        self._w.cancel()


class WhooshEngine:
    def __init__(self, index_dir: str | os.PathLike[str], create: bool = False) -> None:
        self.dir = Path(index_dir)
        meta_path = self.dir / META_FILE
        exists = meta_path.exists() and whoosh_index.exists_in(str(self.dir), INDEX_NAME)
        if create:
            self.dir.mkdir(parents=True, exist_ok=True)
            for child in self.dir.iterdir():
                if child.is_file() and (child.suffix in (".seg", ".toc", ".pst", ".trm", ".dci", ".dcz", ".fvz")
                                        or child.name.startswith(("_passages", "passages")) or child.name == META_FILE):
                    child.unlink()
            self.ix = whoosh_index.create_in(str(self.dir), make_schema(), indexname=INDEX_NAME)
            meta = {"engine": ENGINE_FORMAT, "analyzer": analyzer_id()}
            tmp = meta_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
            tmp.replace(meta_path)
            return
        if not exists:
            raise NoIndex(str(self.dir))
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("engine") != ENGINE_FORMAT or meta.get("analyzer") != analyzer_id():
            raise IndexMismatch(
                f"index built with {meta.get('engine')} / analyzer {meta.get('analyzer')}; "
                f"this searcher uses {ENGINE_FORMAT} / analyzer {analyzer_id()}"
            )
        self.ix = whoosh_index.open_dir(str(self.dir), indexname=INDEX_NAME)

    # --- writing -----------------------------------------------------------------------

    def writer(self) -> WhooshWriter:
        return WhooshWriter(self.ix)

    # --- searching ---------------------------------------------------------------------

    def search(self, query: ParsedQuery, filters: Filters, limit: int, offset: int, sort: str) -> EngineResult:
        match = self._match_query(query)
        filter_q = _filter_query(filters)
        with self.ix.searcher(weighting=BM25F()) as s:
            full = wq.And([match, filter_q]) if filter_q is not None else match
            docnums = set(s.docs_for_query(full))
            facets = self._facet_counts(s, docnums)
            hits: list[EngineHit] = []
            if docnums and limit > 0:
                ranked = wq.AndMaybe(match, self._boost_query(query)) if query.must else match
                if sort == "date":
                    # Sorted by a key, Whoosh reports the key, not a relevance score.
                    sortedby = MultiFacet([FieldFacet("date", reverse=True), FieldFacet("paragraph")])
                    results = s.search(ranked, filter=docnums, limit=offset + limit, sortedby=sortedby, terms=False)
                    page = [(hit, 0.0) for hit in results[offset : offset + limit]]
                else:
                    results = s.search(ranked, filter=docnums, limit=offset + limit, terms=False)
                    page = [(hit, float(hit.score or 0.0)) for hit in results[offset : offset + limit]]
                hits = [EngineHit(_public(hit.fields()), score) for hit, score in page]
            return EngineResult(total=len(docnums), hits=hits, facets=facets)

    def _match_query(self, query: ParsedQuery) -> wq.Query:
        clauses = [_clause(c) for c in query.must]
        match: wq.Query = wq.And(clauses) if len(clauses) > 1 else clauses[0] if clauses else wq.Every()
        if query.must_not:
            match = wq.AndNot(match, wq.Or([_substring(t.text) for t in query.must_not]))
        return match

    def _boost_query(self, query: ParsedQuery) -> wq.Query:
        parts: list[wq.Query] = []
        for term in query.positive_terms():
            ws = words(term.text)
            for w in ws:
                parts.append(wq.Term("title", w, boost=TITLE_BOOST))
                parts.append(wq.Term("section", w, boost=SECTION_BOOST))
            if len(ws) > 1:
                parts.append(wq.Phrase("text", ws, boost=PHRASE_BOOST))
        return wq.Or(parts) if parts else wq.NullQuery

    def _facet_counts(self, s: Any, docnums: set[int]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        reader = s.reader()
        for name in FACET_FIELDS:
            if not docnums or not reader.has_column(name):
                out[name] = {}
                continue
            col = reader.column_reader(name)
            counts = Counter(col[d] for d in docnums)
            counts.pop("", None)
            counts.pop(None, None)
            out[name] = dict(counts)
        return out

    # --- documents and stats -----------------------------------------------------------

    def document(self, doc_id: str) -> list[dict[str, Any]]:
        with self.ix.searcher() as s:
            docs = [_public(f) for f in s.documents(doc_id=doc_id)]
        return sorted(docs, key=lambda f: f["paragraph"])

    def indexed_files(self) -> dict[str, str]:
        """path_key -> content hash of every file in the index."""
        out: dict[str, str] = {}
        with self.ix.searcher() as s:
            for fields in s.reader().all_stored_fields():
                out.setdefault(fields["path_key"], fields.get("content_hash", ""))
        return out

    def all_passages(self) -> Iterator[dict[str, Any]]:
        with self.ix.searcher() as s:
            for fields in s.reader().all_stored_fields():
                yield _public(fields)

    def stats(self) -> dict[str, Any]:
        with self.ix.searcher() as s:
            r = s.reader()
            years = Counter()  # type: Counter[str]
            if r.has_column("year"):
                col = r.column_reader("year")
                years = Counter(col[d] for d in r.all_doc_ids())
                years.pop("", None)
            size = sum(f.stat().st_size for f in self.dir.iterdir() if f.is_file())
            return {
                "documents": sum(1 for _ in r.lexicon("doc_id")),
                "files": sum(1 for _ in r.lexicon("path_key")),
                "passages": r.doc_count(),
                "provinces": _count_terms(r, "province"),
                "cities": _count_terms(r, "city"),
                "counties": _count_terms(r, "county"),
                "years": dict(sorted(years.items())),
                "index_bytes": size,
                "analyzer": analyzer_id(),
                "engine": ENGINE_FORMAT,
            }


def _public(fields: dict[str, Any]) -> dict[str, Any]:
    """Stored fields as callers expect them: unknown values are None, not the "" columns need."""
    return {k: (None if v == "" else v) for k, v in fields.items()}


def _count_terms(reader: Any, field: str) -> int:
    return sum(1 for term in reader.lexicon(field) if term)


@cache
def _place_names(place: Place) -> tuple[str, ...]:
    return tuple(place_names(place))


def _substring(text: str) -> wq.Query:
    """Passages containing ``text`` exactly (ignoring whitespace): a phrase of its bigrams."""
    grams = bigrams(text)
    if not grams:
        cs = chars(text)
        return wq.Term("chars", cs[0]) if cs else wq.NullQuery
    if len(grams) == 1:
        return wq.Term("grams", grams[0])
    return wq.Phrase("grams", grams)


def _clause(clause: Term | AnyOf) -> wq.Query:
    if isinstance(clause, AnyOf):
        return wq.Or([_clause(t) for t in clause.options])
    sub = _substring(clause.text)
    if clause.quoted:
        return sub
    ws = words(clause.text)
    if not ws:
        return sub
    sub.boost = SUBSTRING_WEIGHT
    # A word may also match the article's title or the passage's place (延吉 -> 延吉市): what a
    # passage is about counts, not only what it says.
    return wq.Or([_all_words("text", ws), sub, _all_words("title", ws, TITLE_MATCH_WEIGHT),
                  wq.Term("place", fold(clause.text).strip(), boost=PLACE_MATCH_WEIGHT)])


def _all_words(field: str, ws: list[str], boost: float = 1.0) -> wq.Query:
    if len(ws) == 1:
        return wq.Term(field, ws[0], boost=boost)
    return wq.And([wq.Term(field, w) for w in ws], boost=boost)


def _filter_query(filters: Filters) -> wq.Query | None:
    parts: list[wq.Query] = []
    if filters.provinces:
        parts.append(wq.Or([wq.Term("province", p) for p in filters.provinces]))
    if filters.places:
        parts.append(wq.Or([wq.Term(f, p) for p in filters.places for f in ("city", "county")]))
    if filters.counties:
        parts.append(wq.Or([wq.Term("county", c) for c in filters.counties]))
    if filters.years:
        parts.append(wq.Or([wq.Term("year", str(y)) for y in filters.years]))
    if filters.date_from:
        parts.append(wq.TermRange("date_end", date_bounds(filters.date_from)[0], None))
    if filters.date_to:
        parts.append(wq.TermRange("date_start", None, date_bounds(filters.date_to)[1]))
    if not parts:
        return None
    return wq.And(parts) if len(parts) > 1 else parts[0]
