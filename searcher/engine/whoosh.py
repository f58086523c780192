"""The Whoosh engine: Whoosh stores passages (and finds a file's or an article's passages);
the side index (sidecar.py) holds jieba-word postings, character n-grams and per-passage
columns, all numpy, and answers matching, ranking, filters and facets.

Matching is set algebra on sorted numpy arrays of Whoosh document numbers:

* an unquoted term matches passages that contain it as a string, or contain all its jieba
  words, or whose place it names (延吉 matches passages about 延吉市);
* a quoted term matches passages that contain it as a string, exactly;
* AND intersects, OR unites, NOT subtracts, filters are column masks.

Ranking is BM25 over the jieba words of the positive terms, computed with numpy over the
whole match set, plus bonuses for the whole term as written (a phrase), a title or section
heading containing it, and the place it names; bare headings are damped.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys
import threading
import types
from collections.abc import Callable, Iterator
from dataclasses import fields as dataclass_fields
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis import analyze_document, analyzer_id, fold, term_words, word_hash
from ..dates import date_key
from ..dupes import duplicate_articles
from ..fields import COLUMNS as FIELD_COLUMNS
from ..matching import literal_pieces, matching_text, wildcard_regex, window_limit, window_words
from ..model import ArticlePair, ArticleRef, Copy, Document, Place, StoredPassage
from ..places import place_names
from ..query import Clause, ParsedQuery, Term, options
from .base import FACET_FIELDS, EngineHit, EngineResult, Filters, IndexMismatch, NoIndex
from .sidecar import COLUMNS, SIDE_DIR, SegmentBuilder, Sidecar, SideIndexMissing, distinct


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

ENGINE_FORMAT = "whoosh-11"
META_FILE = "searcher.json"
INDEX_NAME = "passages"

BM25_K1 = 1.2
BM25_B = 0.75
TITLE_BONUS = 1.5
SECTION_BONUS = 1.2
PHRASE_BONUS = 3.0
PLACE_BONUS = 0.5
MAX_LISTED_COPIES = 50
HEADING_FACTOR = 0.5


# The stored passage: one tuple per Whoosh document, in this order.
STORED_FIELDS = tuple(f.name for f in dataclass_fields(StoredPassage))


def make_schema() -> Schema:
    # Whoosh is the passage store: segments, deletions and atomic commits, keyed by document
    # number. Nothing is indexed in it: words, substrings and every column a lookup needs
    # (file, article) are in the side index, which numpy builds far faster than Whoosh's
    # pure-Python posting writer could. One stored tuple costs a third of separate fields.
    return Schema(passage=STORED)


class WhooshWriter:
    """Adds passages to Whoosh and to the side segment that is committed with them."""

    def __init__(self, ix: Any, side_dir: Path, committed: Callable[[], Sidecar]) -> None:
        self._ix = ix
        self._side_dir = side_dir
        self._committed = committed  # the side index as last committed, read on first delete
        self._w = ix.writer(limitmb=256, compound=False)
        # With merge=False, new documents are numbered after every existing one, deleted or not.
        self._base = _doc_count_all(ix)
        self._side = SegmentBuilder()

    def delete_file(self, path_key: str) -> None:
        for d in self._committed().docs_with("path_key", path_key).tolist():
            self._w.delete_document(d)

    def add_document(self, doc: Document, path_key: str, content_hash: str) -> None:
        if any(p.analyzed is None for p in doc.passages):
            analyze_document(doc)
        for p in doc.passages:
            a = p.analyzed
            assert a is not None
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
                    "place": " ".join(_place_names(p.place)),
                },
                p.date,
                a.minhash,
                a.text_hashes,
            )

    def commit(self) -> None:
        if len(self._side):
            self._side.write(self._side_dir, self._base)
        self._w.commit(merge=False)

    def cancel(self) -> None:
        self._w.cancel()


def _column_value(value: Any) -> str | None:
    return None if value is None else str(value)


def _doc_count_all(ix: Any) -> int:
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


class WhooshEngine:
    def __init__(self, index_dir: str | os.PathLike[str], create: bool = False) -> None:
        self.dir = Path(index_dir)
        self.side_dir = self.dir / SIDE_DIR
        meta_path = self.dir / META_FILE
        if create:
            self._create(meta_path)
            return
        if not (meta_path.exists() and whoosh_index.exists_in(str(self.dir), INDEX_NAME)):
            raise NoIndex(str(self.dir))
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("engine") != ENGINE_FORMAT or meta.get("analyzer") != analyzer_id():
            raise IndexMismatch(
                f"index built with {meta.get('engine')} / analyzer {meta.get('analyzer')}; "
                f"this searcher uses {ENGINE_FORMAT} / analyzer {analyzer_id()}"
            )
        self.ix = whoosh_index.open_dir(str(self.dir), indexname=INDEX_NAME)
        self._state: tuple[int, Any, Sidecar] | None = None
        # Whoosh searchers read files with seek-then-read: one request at a time per engine.
        self._lock = threading.RLock()

    def _create(self, meta_path: Path) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        # Remove only what an index of ours consists of, never other files a user keeps there.
        for child in self.dir.iterdir():
            if child.is_file() and (child.name.startswith(("_passages", "passages_", f"{INDEX_NAME}_"))
                                    or child.suffix in (".seg", ".toc") or child.name == META_FILE):
                child.unlink()
        if self.side_dir.exists():
            shutil.rmtree(self.side_dir)
        self.ix = whoosh_index.create_in(str(self.dir), make_schema(), indexname=INDEX_NAME)
        meta = {"engine": ENGINE_FORMAT, "analyzer": analyzer_id()}
        tmp = meta_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(meta_path)
        self._state = None
        self._lock = threading.RLock()

    # --- writing -----------------------------------------------------------------------

    def writer(self) -> WhooshWriter:
        def committed() -> Sidecar:
            with self._lock:
                return self._current()[1]

        return WhooshWriter(self.ix, self.side_dir, committed)

    # --- reading state -----------------------------------------------------------------

    def _current(self) -> tuple[Any, Sidecar]:
        """A Whoosh reader and its side index, reopened only when the index changed.

        A reader, not a searcher: all we read from Whoosh is stored passages, and its searcher
        module imports Whoosh's query and English morphology modules (~40 ms per CLI process)."""
        generation = self.ix.latest_generation()
        if self._state is None or self._state[0] != generation:
            # The previous reader is not closed here: an export may still be reading from it.
            # It closes its files when the last reference to it goes.
            reader = self.ix.reader()
            deleted: list[int] = []
            for leaf, offset in reader.leaf_readers():
                if leaf.has_deletions():
                    deleted.extend(offset + d for d in leaf.deleted_docs_set)
            try:
                side = Sidecar(self.side_dir, reader.doc_count_all(), deleted)
            except SideIndexMissing as exc:
                reader.close()
                raise IndexMismatch(f"{exc}") from exc
            self._state = (generation, reader, side)
        return self._state[1], self._state[2]

    def generation(self) -> int:
        """The Whoosh generation of the latest commit (what ``_current`` reopens on)."""
        return int(self.ix.latest_generation())

    def warm(self) -> None:
        """Compute what the first search would otherwise pay for (duplicate groups), after a commit."""
        with self._lock:
            _, side = self._current()
            side.groups()

    def close(self) -> None:
        if self._state is not None:
            self._state[1].close()
            self._state = None

    # --- searching ---------------------------------------------------------------------

    def search(
        self, query: ParsedQuery, filters: Filters, limit: int, offset: int, sort: str, collapse: bool = True,
        facet_size: int | None = None,
    ) -> EngineResult:
        with self._lock:
            return self._search(query, filters, limit, offset, sort, collapse, facet_size)

    def _search(
        self, query: ParsedQuery, filters: Filters, limit: int, offset: int, sort: str, collapse: bool,
        facet_size: int | None,
    ) -> EngineResult:
        s, side = self._current()
        reads = _QueryReads(side)
        matched, docs = self._matches(side, query, filters, reads)
        counted = {name: side.top_counts(name, docs, facet_size) for name in FACET_FIELDS}
        facets = {name: values for name, (values, _) in counted.items()}
        hits: list[EngineHit] = []
        groups = side.groups() if collapse else None
        pages = len(docs) if groups is None else _group_count(docs, groups, side.n)
        if len(docs) and limit > 0:
            k = offset + limit
            top, scores = _ordered(side, docs, matched, query, reads, sort, k, groups)
            for pos in top[offset:k].tolist():
                d = int(docs[pos])
                copies: list[Copy] = []
                others = np.zeros(0, dtype=np.int64)
                if groups is not None and groups[d] >= 0:
                    others = side.group_members(d)
                    others = others[matched[others] & (others != d)]
                    # From the side columns: listing copies reads nothing from the passage store.
                    copies = _copy_fields(side, others[:MAX_LISTED_COPIES])
                score = 0.0 if scores is None else round(float(scores[pos]), 4)
                hits.append(EngineHit(_stored(s, d), score, copies, int(len(others))))
        return EngineResult(total=int(len(docs)), hits=hits, facets=facets, collapsed_total=int(pages),
                            facet_distinct={name: distinct for name, (_, distinct) in counted.items()})

    def iter_hits(self, query: ParsedQuery, filters: Filters, sort: str) -> tuple[int, Iterator[EngineHit]]:
        """Every match, in result order, read lazily (for export: no cap, little memory)."""
        with self._lock:
            s, side = self._current()
            reads = _QueryReads(side)
            matched, docs = self._matches(side, query, filters, reads)
            order, scores = _ordered(side, docs, matched, query, reads, sort, len(docs), None)
            if scores is None:
                scores = np.zeros(len(docs))
            ranked = [(d, round(sc, 4)) for d, sc in zip(docs[order].tolist(), scores[order].tolist())]

        def generate() -> Iterator[EngineHit]:
            for d, score in ranked:
                with self._lock:
                    fields = _stored(s, d)
                yield EngineHit(fields, score)

        return len(ranked), generate()

    def _matches(
        self, side: Sidecar, query: ParsedQuery, filters: Filters, reads: _QueryReads
    ) -> tuple[np.ndarray, np.ndarray]:
        """(mask, sorted document numbers) of the live passages matching the query and filters."""
        matched = self._match(side, query, reads)
        mask = _filter_mask(side, filters)
        if mask is not None:
            matched &= mask
        return matched, np.flatnonzero(matched)

    def _match(self, side: Sidecar, query: ParsedQuery, reads: _QueryReads) -> np.ndarray:
        """Boolean mask over document numbers of the live passages the query matches.

        Sets are masks, not sorted lists: AND, OR and NOT are one pass over ``n`` bytes,
        where sorted-array set operations sort their inputs again and again."""
        matched: np.ndarray | None = None
        for clause in query.must:
            found = self._clause(side, clause, reads)
            if matched is None:
                matched = found.copy()
            else:
                matched &= found
        if matched is None:
            matched = side.live.copy()
        for clause in query.must_not:
            matched &= ~self._clause(side, clause, reads)  # what the clause would match, removed
        return matched

    def _clause(self, side: Sidecar, clause: Clause, reads: _QueryReads) -> np.ndarray:
        terms = options(clause)
        if len(terms) == 1:
            return reads.matches(terms[0])
        found = np.zeros(side.n, dtype=bool)
        for term in terms:
            found |= reads.matches(term)
        return found

    # --- documents and stats -----------------------------------------------------------

    def document(self, doc_id: str) -> list[StoredPassage]:
        """The passages of an article in index order (files with the same bytes share its id)."""
        with self._lock:
            s, side = self._current()
            return [_stored(s, d) for d in side.docs_with("doc_id", doc_id).tolist()]

    def indexed_files(self) -> dict[str, str]:
        """path_key -> content hash of every file in the index."""
        with self._lock:
            _, side = self._current()
        live = side.live_docs
        paths = side.column("path_key")[live]
        hashes = side.column("content_hash")[live]
        pairs = distinct((paths.astype(np.int64) << 32) | hashes.astype(np.int64))
        pv, hv = side.values[COLUMNS.index("path_key")], side.values[COLUMNS.index("content_hash")]
        return {pv[p >> 32]: hv[p & 0xFFFFFFFF] for p in pairs.tolist()}

    def duplicate_articles(self, min_share: float = 0.5) -> list[ArticlePair]:
        """Pairs of articles whose passages are largely copies of each other, most shared first."""
        with self._lock:
            s, side = self._current()
            doc_codes = side.column("doc_id")
            pairs = duplicate_articles(doc_codes, side.groups(), side.live, min_share)
            names = side.values[COLUMNS.index("doc_id")]
            first = {}
            for code in {c for a, b, *_ in pairs for c in (a, b)}:
                d = int(np.flatnonzero((doc_codes == code) & side.live)[0])
                first[code] = _stored(s, d)
            out = []
            for a, b, shared, na, nb in pairs:
                out.append(ArticlePair(_article(first[a], names[a], na), _article(first[b], names[b], nb), shared))
            return out

    def nearest_words(self, term: str, limit: int) -> list[str]:
        """Indexed words one edit (a character changed, added, dropped or two swapped) from
        ``term``, most frequent first: what a mistyped term probably meant. A candidate must be
        one word of the analyzer's dictionary and occur in the text; a changed or added
        character is one the text has next to its neighbours (from the bigram index)."""
        m = matching_text(fold(term))
        if not 2 <= len(m) <= 8:
            return []
        with self._lock:
            _, side = self._current()

            def fits(before: str, after: str) -> set[str]:
                """Characters x such that before+x+after can occur: x follows before's last and precedes after's first."""
                sets = []
                if before:
                    sets.append(side.neighbours(before[-1], after=True))
                if after:
                    sets.append(side.neighbours(after[0], after=False))
                return set.intersection(*sets) if sets else set()

            candidates: set[str] = set()
            for i in range(len(m)):  # one character changed
                candidates.update(m[:i] + x + m[i + 1 :] for x in fits(m[:i], m[i + 1 :]))
            for i in range(1, len(m)):  # one added
                candidates.update(m[:i] + x + m[i:] for x in fits(m[:i], m[i:]))
            if len(m) >= 3:  # one dropped
                candidates.update(m[:i] + m[i + 1 :] for i in range(len(m)))
            candidates.update(m[:i] + m[i + 1] + m[i] + m[i + 2 :] for i in range(len(m) - 1))  # two swapped
            candidates.discard(m)
            words = [w for w in candidates if w.isalnum() and term_words(w) == (w,)]
            counts = {w: len(side.loose(w)) for w in words}
        found = [w for w in words if counts[w]]
        return sorted(found, key=lambda w: (-counts[w], w))[:limit]

    def all_passages(self) -> Iterator[StoredPassage]:
        s, side = self._current()
        for d in side.live_docs.tolist():
            yield _stored(s, d)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            _, side = self._current()
        live = side.live_docs
        years = side.counts("year", live)
        size = sum(f.stat().st_size for f in self.dir.rglob("*") if f.is_file())
        distinct = lambda name: len(side.counts(name, live))  # noqa: E731
        return {
            "documents": distinct("doc_id"),
            "files": distinct("path_key"),
            "passages": int(len(live)),
            "provinces": distinct("province"),
            "cities": distinct("city"),
            "counties": distinct("county"),
            "years": dict(sorted(years.items())),
            "index_bytes": size,
            "analyzer": analyzer_id(),
            "engine": ENGINE_FORMAT,
        }


class _QueryReads:
    """What one query reads from the side index, read once: matching and ranking both need a
    term's match set, its text matches, word postings and the passages about the place it names."""

    def __init__(self, side: Sidecar) -> None:
        self._side = side
        self._postings: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._places: dict[str, np.ndarray] = {}
        self._matches: dict[Term, np.ndarray] = {}
        self._text: dict[Term, np.ndarray] = {}

    def postings(self, key: int) -> tuple[np.ndarray, np.ndarray]:
        found = self._postings.get(key)
        if found is None:
            found = self._postings[key] = self._side.word_postings(key)
        return found

    def places(self, name: str) -> np.ndarray:
        found = self._places.get(name)
        if found is None:
            found = self._places[name] = _place_docs(self._side, name)
        return found

    def text_matches(self, term: Term) -> np.ndarray:
        """Documents where the term occurs in the text: a quoted string exactly, an unquoted term
        by rule (a) of searcher.matching (punctuation allowance, wildcards)."""
        found = self._text.get(term)
        if found is None:
            side = self._side
            if term.quoted:
                found = side.substring(fold(term.text))
            elif term.wildcard:
                found = side.wildcard(wildcard_regex(term.text), literal_pieces(term.text))
            else:
                found = side.loose(matching_text(fold(term.text)))
            self._text[term] = found
        return found

    def matches(self, term: Term) -> np.ndarray:
        """The term's match set as a mask: (a) its text, (b) its words close together, (c) its place."""
        found = self._matches.get(term)
        if found is None:
            side = self._side
            found = np.zeros(side.n, dtype=bool)
            found[self.text_matches(term)] = True
            if not term.quoted and not term.wildcard:
                found[self.places(fold(term.text).strip())] = True
                words = window_words(term.text)
                if words:
                    found[side.window(words, window_limit(term.text))] = True
            self._matches[term] = found
        return found


def _ordered(
    side: Sidecar, docs: np.ndarray, matched: np.ndarray, query: ParsedQuery, reads: _QueryReads, sort: str, k: int,
    groups: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """(positions in ``docs`` of the first k results, BM25 scores or None when sorted by date)."""
    if sort == "date" or not query.must:
        return _top(docs, side.dates[docs, 0], k, groups), None
    scores = _bm25(side, docs, matched, query, reads)
    return _top(docs, scores, k, groups), scores


def _top(docs: np.ndarray, key: np.ndarray, k: int, groups: np.ndarray | None) -> np.ndarray:
    """Positions in ``docs`` of the ``k`` best by ``key`` (higher first, ties in document order),
    with ``groups`` only the first copy of each duplicate group.

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
        order = cand[np.lexsort((docs[cand], -key[cand].astype(np.float64)))]
        if groups is not None:
            g = groups[docs[order]]
            keep = g < 0
            _, first = np.unique(g, return_index=True)
            keep[first] = True
            order = order[keep]
        if len(order) >= k or len(cand) >= n:
            return order[:k]
        m *= 4


def _group_count(docs: np.ndarray, groups: np.ndarray, n: int) -> int:
    """How many results ``docs`` make when each duplicate group counts once."""
    g = groups[docs]
    seen = np.zeros(n, dtype=bool)
    seen[g[g >= 0]] = True
    return int((g < 0).sum() + seen.sum())


def _bm25(side: Sidecar, docs: np.ndarray, matched: np.ndarray, query: ParsedQuery, reads: _QueryReads) -> np.ndarray:
    """BM25 of each of ``docs`` (the positions set in ``matched``) over the words of the positive
    terms, plus bonuses for the whole term as written (phrase), the title, the section heading
    and the place.

    Scores accumulate in an array over all document numbers: adding a word's postings is one
    scatter, with no search for where each posting falls among the matches."""
    if not len(docs):
        return np.zeros(0, dtype=np.float64)
    full = np.zeros(side.n, dtype=np.float64)
    n = max(1, len(side.live_docs))
    norm = side.bm25_norm(BM25_K1, BM25_B)
    seen: set[str] = set()
    for term in query.positive_terms():
        for w in term_words(term.text):
            if w in seen:
                continue
            seen.add(w)
            d, tf = reads.postings(word_hash(w))
            if not len(d):
                continue
            idf = np.log(1.0 + (n - len(d) + 0.5) / (len(d) + 0.5))
            keep = matched[d]
            d = d[keep]
            tf_hit = tf[keep].astype(np.float64)
            full[d] += idf * tf_hit * (BM25_K1 + 1) / (tf_hit + norm[d])
        folded = fold(term.text).strip()
        # The term as written (a phrase, or a word that jieba split differently around
        # punctuation, as in “飞线”充电): never a zero score for a passage that holds it.
        full[reads.text_matches(term)] += PHRASE_BONUS
        if folded and not term.quoted and not term.wildcard:
            full[reads.places(folded)] += PLACE_BONUS
    scores = full[docs]
    for column, bonus in (("title", TITLE_BONUS), ("section", SECTION_BONUS)):
        # Summed per distinct value over the terms, then gathered once: a common word is in most titles.
        table = np.zeros(len(side.values[COLUMNS.index(column)]), dtype=np.float64)
        for term in query.positive_terms():
            folded = fold(term.text).strip()
            if folded and not term.wildcard:
                table[side.codes_containing(column, folded)] += bonus
        if table.any():
            scores += table[side.column(column)[docs]]
    # BM25 loves short fields: a bare heading would outrank the paragraphs under it.
    scores *= side.heading_factor(HEADING_FACTOR)[docs]
    return scores


def _place_docs(side: Sidecar, name: str) -> np.ndarray:
    """Live passages whose place (any level, full or short name) is ``name``: 延吉 -> 延吉市's."""
    if not name:
        return np.zeros(0, dtype=np.int64)
    codes = side.codes_containing("place", name, whole_word=True)
    if not len(codes):
        return np.zeros(0, dtype=np.int64)
    found = np.flatnonzero(np.isin(side.column("place"), codes))
    return found[side.live[found]]


def _filter_mask(side: Sidecar, filters: Filters) -> np.ndarray | None:
    if not filters:
        return None
    mask = np.ones(side.n, dtype=bool)
    for f in filters.columns:
        found = np.zeros(side.n, dtype=bool)
        for column in f.columns:
            found |= side.mask_in(column, f.values)
        mask &= found
    if filters.date_from:
        mask &= side.dates[:, 1] >= date_key(filters.date_from, end=False)
    if filters.date_to:
        mask &= (side.dates[:, 0] <= date_key(filters.date_to, end=True)) & (side.dates[:, 0] > 0)
    return mask


def _article(p: StoredPassage, doc_id: str, passages: int) -> ArticleRef:
    return ArticleRef(doc_id, p.title, p.source, p.province, p.city, p.county, p.date, passages)


_COPY_COLUMNS = tuple(f.name for f in dataclass_fields(Copy) if f.name != "id")


def _copy_fields(side: Sidecar, docs: np.ndarray) -> list[Copy]:
    """The copies a hit lists, from side columns (listing them reads nothing from the passage store)."""
    out = []
    for row in side.rows(docs, (*_COPY_COLUMNS, "paragraph")):
        values = dict(zip(_COPY_COLUMNS, row))
        out.append(Copy(id=f"{values['doc_id']}-{row[-1]}", **values))  # type: ignore[arg-type]
    return out


def _stored(reader: Any, doc: int) -> StoredPassage:
    """A stored passage: unknown values are None."""
    row = reader.stored_fields(doc)["passage"]
    return StoredPassage(*(None if v == "" else v for v in row))


@cache
def _place_names(place: Place) -> tuple[str, ...]:
    return tuple(place_names(place))
