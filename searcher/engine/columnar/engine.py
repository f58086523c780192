"""The columnar engine: numpy segments answer matching, ranking, filters and facets; Whoosh
stores the passages (store.py)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np

from ...analysis import analyzer_id, fold, term_words
from ...dupes import duplicate_articles
from ...matching import matching_text
from ...model import ArticlePair, ArticleRef, Copy, IndexStats, StoredPassage
from ...query import ParsedQuery, Term
from ..base import (
    FACET_FIELDS,
    Count,
    Distribution,
    EngineHit,
    EngineResult,
    Filters,
    IndexMismatch,
    MatchTexts,
    MergeReport,
    NoIndex,
    Occurrences,
    Sort,
    WindowWords,
    WordCounts,
)
from . import occurrences, store, tallies
from .arrays import distinct
from .collecting import MAX_LISTED_COPIES, copies, first_copy, group_count, ordered
from .locking import WriteLock
from .matching import QueryReads, facet_docs, filter_mask, matches
from .merging import SegmentInfo, TieredPolicy, merged_data, segment_info
from .segments import COLUMNS, Segments, SegmentsMissing, segment_dir, write_segment
from .store import META_FILE, STORED_FIELDS
from .writer import Writer

# Stamped into the index: another value asks for `searcher index --rebuild`.
# 12: word sequences (t_codes, t_start, t_len) for collocates; 13: page, compilation, collection
ENGINE_FORMAT = "columnar-13"
SEGMENTS_DIR = "side"  # the folder name of earlier versions, kept


class ColumnarEngine:
    """The engine: the store for passages, the segments for everything searched and counted."""

    def __init__(self, index_dir: str | os.PathLike[str], create: bool = False) -> None:
        self.dir = Path(index_dir)
        self.side_dir = self.dir / SEGMENTS_DIR
        self.write_lock = WriteLock(self.dir)
        meta_path = self.dir / META_FILE
        if create:
            self._create(meta_path)
            return
        if not (meta_path.exists() and store.exists(self.dir)):
            raise NoIndex(str(self.dir))
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("engine") != ENGINE_FORMAT or meta.get("analyzer") != analyzer_id():
            raise IndexMismatch(
                f"index built with {meta.get('engine')} / analyzer {meta.get('analyzer')}; "
                f"this searcher uses {ENGINE_FORMAT} / analyzer {analyzer_id()}"
            )
        if meta.get("stored") != list(STORED_FIELDS) or meta.get("columns") != list(COLUMNS):
            # A field added to (or dropped from) searcher.fields: old segments lack its column.
            added = sorted(
                {c for c in COLUMNS if c not in meta.get("columns", [])}
                | {f for f in STORED_FIELDS if f not in meta.get("stored", [])}
            )
            raise IndexMismatch("index built with other fields" + (f" (it has no {', '.join(added)})" if added else ""))
        self.ix = store.open_store(self.dir)
        self._state: tuple[int, Any, Segments] | None = None
        # Whoosh searchers read files with seek-then-read: one request at a time per engine.
        self._lock = threading.RLock()

    def _create(self, meta_path: Path) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        # Remove only what an index of ours consists of, never other files a user keeps there.
        if self.side_dir.exists():
            shutil.rmtree(self.side_dir)
        self.ix = store.create_store(self.dir)
        meta = {"engine": ENGINE_FORMAT, "analyzer": analyzer_id(), "stored": list(STORED_FIELDS), "columns": list(COLUMNS)}
        tmp = meta_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(meta_path)
        self._state = None
        self._lock = threading.RLock()

    # --- writing -----------------------------------------------------------------------

    def writer(self) -> Writer:
        """A writer, holding the write lock until it commits or cancels (IndexBusy if another
        process holds it)."""

        def committed() -> Segments:
            with self._lock:
                return self._current()[1]

        self.write_lock.acquire()
        try:
            return Writer(self.ix, self.side_dir, committed, self.write_lock.release)
        except BaseException:
            self.write_lock.release()
            raise

    def writing(self) -> AbstractContextManager[None]:
        """Holds the write lock across several writers (an index run's commits and merges)."""
        return self.write_lock.holding()

    # --- reading state -----------------------------------------------------------------

    def _current(self) -> tuple[Any, Segments]:
        """A store reader and its segments, reopened only when the index changed.

        A reader, not a searcher: all we read from Whoosh is stored passages, and its searcher
        module imports Whoosh's query and English morphology modules (~40 ms per CLI process)."""
        generation = self.ix.latest_generation()
        if self._state is None or self._state[0] != generation:
            # The previous reader is not closed here: an export may still be reading from it.
            # It closes its files when the last reference to it goes.
            for attempt in range(3):
                reader = self.ix.reader()
                try:
                    segs = Segments(self.side_dir, store.layout(reader), store.deleted_docs(reader))
                    break
                except FileNotFoundError:
                    # A merge committed and removed the old segments' files while this reader
                    # opened them: the next reader sees the merged segment.
                    reader.close()
                    if attempt == 2:
                        raise
                except SegmentsMissing as exc:
                    reader.close()
                    raise IndexMismatch(f"{exc}") from exc
            self._state = (reader.generation(), reader, segs)
        return self._state[1], self._state[2]

    def merge(self, optimize: bool = False, policy: TieredPolicy | None = None) -> MergeReport:
        """Merges segments as the tiered policy asks (all of them with ``optimize``), one commit
        per merge. Raises ``IndexBusy`` when another writer holds the index."""
        policy = policy or TieredPolicy()
        before = self._segment_infos()
        size_before = _tree_bytes(self.dir)
        planned = policy.everything(before) if optimize else None
        with self.write_lock.holding():
            merges = self._merge_all(policy, planned)
        after = self._segment_infos()
        return MergeReport(
            merges=merges,
            segments_before=len(before),
            segments_after=len(after),
            reclaimed=sum(i.deleted for i in before) - sum(i.deleted for i in after),
            bytes_before=size_before,
            bytes_after=_tree_bytes(self.dir),
        )

    def _merge_all(self, policy: TieredPolicy, planned: list[list[str]] | None) -> int:
        merges = 0
        while True:
            w = self.ix.writer(limitmb=256, compound=False, _lk=False)
            try:
                # A folder named by its first passage (indexes from before merging) would be
                # misread once a merge moves passages: named by segment id from now on.
                self._name_legacy_folders(w.segments)
                infos = self._segment_infos(w.segments)
                if planned is not None:
                    names = next((p for p in planned if all(n in {i.name for i in infos} for n in p)), [])
                    if names:
                        planned.remove(names)
                else:
                    names = policy.next_merge(infos)
                self._remove_orphans({i.name for i in infos})
                if not names:
                    w.cancel()
                    break
                self._merge_one(w, names)
            except BaseException:
                if not w.is_closed:
                    w.cancel()
                raise
            merges += 1
        return merges

    def _segment_infos(self, segments: Any = None) -> list[SegmentInfo]:
        if segments is None:
            segments = self.ix._read_toc().segments  # the committed list, in document order
        infos = []
        base = 0
        for seg in segments:
            n_all = int(seg.doc_count_all())
            seg_dir = segment_dir(self.side_dir, seg.segid, base, n_all)
            if n_all and seg_dir is not None:
                infos.append(segment_info(seg_dir, seg.segid, n_all, int(seg.deleted_count())))
            base += n_all
        return infos

    def _merge_one(self, w: Any, names: list[str]) -> None:
        """One merge: arrays of the merged segment under the new store segment's id, then the
        store's commit (Whoosh copies the live stored passages), then the old arrays removed."""
        from whoosh.reading import SegmentReader

        chosen = set(names)
        parts: list[tuple[Path, np.ndarray]] = []
        base = 0
        for seg in w.segments:
            n_all = int(seg.doc_count_all())
            if seg.segid in chosen:
                seg_dir = segment_dir(self.side_dir, seg.segid, base, n_all)
                assert seg_dir is not None
                live = np.ones(n_all, dtype=bool)
                live[np.fromiter(seg.deleted_docs(), dtype=np.int64)] = False
                parts.append((seg_dir, live))
            base += n_all
        if sum(int(live.sum()) for _, live in parts):
            write_segment(self.side_dir, w.newsegment.segid, merged_data(parts))
        _test_kill("side")

        def merge_policy(writer: Any, segments: list[Any]) -> list[Any]:
            for seg in segments:
                if seg.segid in chosen:
                    reader = SegmentReader(writer.storage, writer.schema, seg)
                    if reader.doc_count():
                        writer.add_reader(reader)
                    reader.close()
            return [seg for seg in segments if seg.segid not in chosen]

        w.commit(mergetype=merge_policy)
        _test_kill("toc")
        for name in names:
            shutil.rmtree(self.side_dir / name, ignore_errors=True)

    def _name_legacy_folders(self, segments: Any) -> None:
        base = 0
        for seg in segments:
            n_all = int(seg.doc_count_all())
            legacy = self.side_dir / f"{base:012d}"
            found = segment_dir(self.side_dir, seg.segid, base, n_all) if n_all else None
            if found == legacy:
                legacy.rename(self.side_dir / seg.segid)
            base += n_all

    def _remove_orphans(self, names: set[str]) -> None:
        """Removes arrays no committed segment names: a merge's old segments, the arrays of a
        commit or merge that crashed before the store's commit. Called holding the write lock."""
        if not self.side_dir.is_dir():
            return
        for child in self.side_dir.iterdir():
            if child.is_dir() and not child.name.isdigit() and child.name not in names:
                shutil.rmtree(child, ignore_errors=True)

    def generation(self) -> int:
        """The Whoosh generation of the latest commit (what ``_current`` reopens on)."""
        return int(self.ix.latest_generation())

    def warm(self) -> None:
        """Compute what the first search would otherwise pay for (duplicate groups), after a commit."""
        with self._lock:
            _, segs = self._current()
            segs.groups()

    def close(self) -> None:
        if self._state is not None:
            self._state[1].close()
            self._state = None

    # --- searching ---------------------------------------------------------------------

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
    ) -> EngineResult:
        with self._lock:
            return self._search(query, filters, limit, offset, sort, collapse, facet_size, count)

    def _search(
        self,
        query: ParsedQuery,
        filters: Filters,
        limit: int,
        offset: int,
        sort: Sort,
        collapse: bool,
        facet_size: int | None,
        count: Count = "passages",
    ) -> EngineResult:
        reader, segs = self._current()
        reads = QueryReads(segs)
        matched, docs = matches(segs, query, filters, reads)
        articles = count == "articles"
        counted = {name: segs.top_counts(name, docs, facet_size, articles=articles) for name in FACET_FIELDS}
        alternatives = {}
        for name in FACET_FIELDS:
            own = facet_docs(segs, query, filters, reads, name)
            if own is not None:
                alternatives[name] = segs.top_counts(name, own, facet_size, articles=articles)[0]
        facets = {name: values for name, (values, _) in counted.items()}
        hits: list[EngineHit] = []
        groups = segs.groups() if collapse else None
        pages = len(docs) if groups is None else group_count(docs, groups, segs.n)
        if len(docs) and limit > 0:
            k = offset + limit
            first, scores = ordered(segs, docs, matched, query, reads, sort, k, groups)
            for pos in first[offset:k].tolist():
                d = int(docs[pos])
                listed: list[Copy] = []
                others = np.zeros(0, dtype=np.int64)
                if groups is not None and groups[d] >= 0:
                    others = segs.group_members(d)
                    # Oldest first, so that the list starts where the text started.
                    others = segs.by_date(others[matched[others] & (others != d)])
                    # From the columns: listing copies reads nothing from the passage store.
                    listed = copies(segs, others[:MAX_LISTED_COPIES])
                score = 0.0 if scores is None else round(float(scores[pos]), 4)
                hits.append(EngineHit(store.stored(reader, d), score, listed, int(len(others)), first_copy(segs, d)))
        return EngineResult(
            total=int(len(docs)),
            hits=hits,
            facets=facets,
            collapsed_total=int(pages),
            facet_distinct={name: distinct for name, (_, distinct) in counted.items()},
            articles=segs.distinct_count("doc_id", docs),
            alternatives=alternatives,
        )

    def iter_hits(self, query: ParsedQuery, filters: Filters, sort: Sort) -> tuple[int, Iterator[EngineHit]]:
        """Every match, in result order, read lazily (for export: no cap, little memory)."""
        with self._lock:
            reader, segs = self._current()
            reads = QueryReads(segs)
            matched, docs = matches(segs, query, filters, reads)
            order, scores = ordered(segs, docs, matched, query, reads, sort, len(docs), None)
            if scores is None:
                scores = np.zeros(len(docs))
            ranked = [(d, round(sc, 4)) for d, sc in zip(docs[order].tolist(), scores[order].tolist())]

        def generate() -> Iterator[EngineHit]:
            for d, score in ranked:
                with self._lock:
                    fields = store.stored(reader, d)
                    first = first_copy(segs, d)
                yield EngineHit(fields, score, first_copy=first)

        return len(ranked), generate()

    # --- analysis: counts over a match set ------------------------------------------------

    def _sets(self, segs: Segments, query: ParsedQuery, filters: Filters) -> tuple[np.ndarray, np.ndarray]:
        """(matching documents, all documents the filters keep), sorted."""
        _, docs = matches(segs, query, filters, QueryReads(segs))
        mask = filter_mask(segs, filters)
        base = segs.live_docs if mask is None else np.flatnonzero(mask & segs.live)
        return docs, base

    def distribution(self, query: ParsedQuery, filters: Filters, by: tuple[str, ...]) -> Distribution:
        with self._lock:
            _, segs = self._current()
            docs, base = self._sets(segs, query, filters)
            return tallies.distribution(segs, docs, base, by)

    def word_counts(self, query: ParsedQuery, filter_sets: list[Filters]) -> WordCounts:
        with self._lock:
            _, segs = self._current()
            reads = QueryReads(segs)
            masks = [matches(segs, query, f, reads)[0] for f in filter_sets]
            return tallies.word_counts(segs, masks)

    def word_totals(self, filters: Filters, words: np.ndarray) -> tuple[np.ndarray, int]:
        """How often each of ``words`` occurs in the passages the filters keep, and all words there."""
        with self._lock:
            _, segs = self._current()
            if filters:
                counts = tallies.word_counts(segs, [matches(segs, ParsedQuery(text=""), filters, QueryReads(segs))[0]])
            else:
                counts = segs.cached_value("word_totals", lambda: tallies.word_counts(segs, [segs.live]))
            return tallies.totals_of(counts, words), counts.tokens[0]

    def match_texts(self, query: ParsedQuery, filters: Filters, sort: Sort | None) -> MatchTexts:
        with self._lock:
            reader, segs = self._current()
            reads = QueryReads(segs)
            matched, docs = matches(segs, query, filters, reads)
            if sort is not None:
                order, _ = ordered(segs, docs, matched, query, reads, sort, len(docs), None)
                docs = docs[order]
        return _MatchTexts(self._lock, reader, segs, docs)

    def word_strings(self, words: np.ndarray) -> dict[int, str]:
        with self._lock:
            reader, segs = self._current()
            # Segmented as indexed: the stored text folded, whitespace kept (the segments drop it).
            return tallies.word_strings(segs, words, lambda doc: fold(store.stored(reader, doc).text))

    # --- documents and stats -----------------------------------------------------------

    def document(self, doc_id: str) -> list[StoredPassage]:
        """The passages of an article in index order (files with the same bytes share its id)."""
        with self._lock:
            reader, segs = self._current()
            return [store.stored(reader, d) for d in segs.docs_with("doc_id", doc_id).tolist()]

    def indexed_files(self) -> dict[str, str]:
        """path_key -> content hash of every file in the index."""
        with self._lock:
            _, segs = self._current()
        live = segs.live_docs
        paths = segs.column("path_key")[live]
        hashes = segs.column("content_hash")[live]
        pairs = distinct((paths.astype(np.int64) << 32) | hashes.astype(np.int64))
        pv, hv = segs.values[COLUMNS.index("path_key")], segs.values[COLUMNS.index("content_hash")]
        return {pv[p >> 32]: hv[p & 0xFFFFFFFF] for p in pairs.tolist()}

    def files_stored_twice(self) -> list[str]:
        """path_keys of files whose passages are in the index more than once (one file reached by
        two overlapping paths in one run, before runs read each file once); a run re-reads them."""
        with self._lock:
            _, segs = self._current()
        live = segs.live_docs
        ids = (segs.column("doc_id")[live].astype(np.int64) << 32) | segs.column("paragraph")[live].astype(np.int64)
        order = np.argsort(ids, kind="stable")
        repeated = order[1:][ids[order][1:] == ids[order][:-1]]
        names = segs.values[COLUMNS.index("path_key")]
        return sorted({names[c] for c in distinct(segs.column("path_key")[live][repeated]).tolist()})

    def duplicate_articles(self, min_share: float = 0.5) -> list[ArticlePair]:
        """Pairs of articles whose passages are largely copies of each other, most shared first."""
        with self._lock:
            reader, segs = self._current()
            doc_codes = segs.column("doc_id")
            pairs = duplicate_articles(doc_codes, segs.groups(), segs.live, min_share)
            names = segs.values[COLUMNS.index("doc_id")]
            first = {}
            for code in {c for a, b, *_ in pairs for c in (a, b)}:
                d = int(np.flatnonzero((doc_codes == code) & segs.live)[0])
                first[code] = store.stored(reader, d)
            out = []
            for a, b, shared, na, nb in pairs:
                out.append(ArticlePair(_article(first[a], names[a], na), _article(first[b], names[b], nb), shared))
            return out

    def articles(self, query: ParsedQuery, filters: Filters) -> list[ArticleRef]:
        """Every article with a passage that the query (empty: every passage) and filters keep, in
        index order, from the columns alone: its title, kind, place and date are its first
        passage's (the title passage), ``passages`` all its passages, ``matches`` those kept."""
        with self._lock:
            _, segs = self._current()
            _, docs = matches(segs, query, filters, QueryReads(segs))
            j = COLUMNS.index("doc_id")
            codes = segs.codes[:, j]
            kept = np.unique(codes[docs])
            live = segs.live_docs
            all_counts = np.bincount(codes[live], minlength=len(segs.values[j]))
            kept_counts = np.bincount(codes[docs], minlength=len(segs.values[j]))
            # The first live passage of each article (its title passage comes first in its file).
            order = live[np.argsort(codes[live], kind="stable")]
            firsts = order[np.searchsorted(codes[order], kept)]
            names = ("title", "source", "province", "city", "county", "date", "doc_type", "compilation", "collection")
            rows = segs.rows(firsts, names)
            ids = segs.values[j]
            refs = [
                ArticleRef(
                    ids[c],
                    r[0] or "",
                    r[1] or "",
                    r[2],
                    r[3],
                    r[4],
                    r[5],
                    int(all_counts[c]),
                    r[6],
                    int(kept_counts[c]),
                    r[7],
                    r[8],
                )
                for c, r in zip(kept.tolist(), rows)
            ]
            position = dict(zip(kept.tolist(), firsts.tolist()))
            return sorted(refs, key=lambda a: position[segs.lookup[j][a.doc_id]])

    def nearest_words(self, term: str, limit: int) -> list[str]:
        """Indexed words one edit (a character changed, added, dropped or two swapped) from
        ``term``, most frequent first: what a mistyped term probably meant. A candidate must be
        one word of the analyzer's dictionary and occur in the text; a changed or added
        character is one the text has next to its neighbours (from the bigram index)."""
        m = matching_text(fold(term))
        if not 2 <= len(m) <= 8:
            return []
        with self._lock:
            _, segs = self._current()

            def fits(before: str, after: str) -> set[str]:
                """Characters x such that before+x+after can occur: x follows before's last and precedes after's first."""
                sets = []
                if before:
                    sets.append(segs.neighbours(before[-1], after=True))
                if after:
                    sets.append(segs.neighbours(after[0], after=False))
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
            counts = {w: len(segs.loose(w)) for w in words}
        found = [w for w in words if counts[w]]
        return sorted(found, key=lambda w: (-counts[w], w))[:limit]

    def all_passages(self) -> Iterator[StoredPassage]:
        reader, segs = self._current()
        for d in segs.live_docs.tolist():
            yield store.stored(reader, d)

    def stats(self) -> IndexStats:
        with self._lock:
            _, segs = self._current()
        live = segs.live_docs
        years = segs.counts("year", live)
        size = sum(f.stat().st_size for f in self.dir.rglob("*") if f.is_file())
        distinct = lambda name: len(segs.counts(name, live))  # noqa: E731
        return IndexStats(
            documents=distinct("doc_id"),
            files=distinct("path_key"),
            passages=int(len(live)),
            provinces=distinct("province"),
            cities=distinct("city"),
            counties=distinct("county"),
            years=dict(sorted(years.items())),
            index_bytes=size,
            analyzer=analyzer_id(),
            engine=ENGINE_FORMAT,
        )


class _MatchTexts:
    """``Engine.match_texts``: one index state's reader and segments, kept for the caller."""

    def __init__(self, lock: threading.RLock, reader: Any, segs: Segments, docs: np.ndarray) -> None:
        self._lock, self._reader, self._segs, self._docs = lock, reader, segs, docs
        self.total = int(len(docs))

    def texts(self) -> list[str]:
        order = np.argsort(self._docs, kind="stable")
        with self._lock:
            found = list(tallies.passage_texts(self._segs, self._docs[order]))
        out = [""] * len(found)
        for pos, text in zip(order.tolist(), found):
            out[pos] = text
        return out

    def columns(self, names: tuple[str, ...]) -> list[tuple[str | None, ...]]:
        return self._segs.rows(self._docs, names)

    def passage(self, i: int) -> StoredPassage:
        with self._lock:
            return store.stored(self._reader, int(self._docs[i]))

    def occurrences(self, terms: list[Term], width: int) -> Occurrences:
        with self._lock:
            return occurrences.occurrences(self._segs, self._docs, terms, width)

    def window_words(self, terms: list[Term], window: int) -> WindowWords:
        with self._lock:
            return occurrences.words_around(self._segs, self._docs, terms, window)


def _article(p: StoredPassage, doc_id: str, passages: int) -> ArticleRef:
    return ArticleRef(doc_id, p.title, p.source, p.province, p.city, p.county, p.date, passages)


def _tree_bytes(directory: Path) -> int:
    total = 0
    for f in directory.rglob("*"):
        try:
            if f.is_file():
                total += f.stat().st_size
        except OSError:
            pass  # removed by a concurrent commit
    return total


def _test_kill(point: str) -> None:
    """Crash tests: SIGKILL this process at a named point of a merge."""
    if os.environ.get("SEARCHER_TEST_KILL_MERGE") == point:
        os.kill(os.getpid(), signal.SIGKILL)
