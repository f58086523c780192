"""Per-segment arrays: the index proper, numpy arrays keyed by the store's document numbers.

A segment holds, for the passages of one commit: character unigram, bigram and bridged-bigram
postings and the folded text (exact substrings, scan.py), jieba-word postings with term
frequencies and passage lengths (BM25), per-passage columns as integer codes (filters are
masks, facet counts one ``bincount``), date ranges and MinHash signatures (duplicates).
Building postings with numpy sorts costs a fraction of what Whoosh's Python posting writer
costs per posting.

A segment covers the document numbers ``[base, base + n)`` of the store segment committed with
it. It is written before that store commit, so after a crash a segment past the committed
documents is stale: it is ignored and overwritten by the next run. Document numbers are stable
only while store segments are never merged (the writer commits with ``merge=False``).
"""

from __future__ import annotations

import json
import os
import shutil
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...analysis import fold
from ...dates import date_key
from ...dupes import HASHES, fronts, joined, split_copies
from ...dupes import groups as dupe_groups
from ...fields import COLUMNS as FIELD_COLUMNS
from .arrays import IGNORED_UNITS, distinct, units
from .datafile import DataFile, Segment
from .scan import TextScans

DATA_FILE = "data.bin"
# Stamped into side/groups.npz with the index state: another value recomputes the groups.
# 2: split copies joined (dupes.split_copies).
GROUPING = 2
# The fields' columns (searcher.fields), then what the engine itself looks up and ranks by.
COLUMNS = (
    *FIELD_COLUMNS,
    "path_key",
    "content_hash",
    "doc_id",
    "heading",
    "title",
    "section",
    "place",
    "source",
    "paragraph",
    "compilation",
)
# Substring results are kept for repeated terms (typing, paging, facet clicks), up to this many
# bytes and entries: a no-match result is 0 bytes of array but ~300 bytes of key, array header and
# dict slot, so bytes alone let 200k distinct queries grow the cache without end.
_CACHE_BYTES = 48 * 2**20
_CACHE_ENTRIES = 20_000
_ENTRY_OVERHEAD = 256


def _entry_bytes(key: str, docs: np.ndarray) -> int:
    return docs.nbytes + 2 * len(key) + _ENTRY_OVERHEAD


@dataclass
class SegmentData:
    """What one segment is written from: passages' folded text as UTF-16 units back to back,
    their columns as codes with each column's values, date keys, MinHash signatures and word
    postings (word id, passage, term frequency; sorted by word then passage)."""

    text: np.ndarray  # "<u2"
    lengths: np.ndarray  # units per passage
    codes: np.ndarray  # (n, len(COLUMNS)) int32; 0 is ""
    vocab: list[list[str]]  # per column, the value of each code
    dates: np.ndarray  # (n, 2) int32
    minhash: np.ndarray  # (n, HASHES) uint32
    w_ids: np.ndarray  # uint64
    w_docs: np.ndarray  # uint32
    w_tf: np.ndarray  # uint16
    doclen: np.ndarray  # words per passage, uint32
    # The word sequence of each passage (``doclen`` words each, back to back): word ids, start
    # in the passage's text (UTF-16 units) and length; collocates read words around a match.
    t_ids: np.ndarray  # uint64
    t_start: np.ndarray  # uint32
    t_len: np.ndarray  # uint8

    @property
    def n(self) -> int:
        return len(self.lengths)


class SegmentBuilder:
    """Collects the passages of one Whoosh commit and writes their segment."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []
        self.rows: list[tuple[str, ...]] = []
        self.dates: list[tuple[int, int]] = []
        self.minhashes: list[np.ndarray] = []
        self.word_ids: list[np.ndarray] = []
        self.word_starts: list[np.ndarray] = []
        self.word_lengths: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self.parts)

    def add(
        self,
        folded_text: str,
        columns: dict[str, str | None],
        date: str | None,
        minhash: np.ndarray,
        word_ids: np.ndarray,
        word_starts: np.ndarray,
        word_lengths: np.ndarray,
    ) -> None:
        self.minhashes.append(minhash)
        self.word_ids.append(word_ids)
        self.word_starts.append(word_starts)
        self.word_lengths.append(word_lengths)
        self.parts.append(units(folded_text))
        self.rows.append(tuple(columns.get(c) or "" for c in COLUMNS))
        self.dates.append((date_key(date, end=False), date_key(date, end=True)))

    def data(self) -> SegmentData:
        n = len(self.parts)
        vocab: list[dict[str, int]] = [{"": 0} for _ in COLUMNS]
        codes = np.zeros((n, len(COLUMNS)), dtype=np.int32)
        for i, row in enumerate(self.rows):
            for j, value in enumerate(row):
                codes[i, j] = vocab[j].setdefault(value, len(vocab[j]))
        w_ids, w_docs, w_tf, doclen = _word_postings(self.word_ids)
        return SegmentData(
            text=np.concatenate(self.parts) if self.parts else np.zeros(0, dtype="<u2"),
            lengths=np.array([len(p) for p in self.parts], dtype=np.int64),
            codes=codes,
            vocab=[list(v) for v in vocab],
            dates=np.array(self.dates, dtype=np.int32).reshape(n, 2),
            minhash=np.stack(self.minhashes).astype(np.uint32) if n else np.zeros((0, HASHES), dtype=np.uint32),
            w_ids=w_ids,
            w_docs=w_docs,
            w_tf=w_tf,
            doclen=doclen,
            t_ids=np.concatenate(self.word_ids).astype(np.uint64) if n else np.zeros(0, dtype=np.uint64),
            t_start=np.concatenate(self.word_starts).astype(np.uint32) if n else np.zeros(0, dtype=np.uint32),
            t_len=np.concatenate(self.word_lengths).astype(np.uint8) if n else np.zeros(0, dtype=np.uint8),
        )

    def write(self, side_dir: Path, name: str) -> None:
        write_segment(side_dir, name, self.data())


def write_segment(side_dir: Path, name: str, data: SegmentData) -> None:
    """Writes a segment's folder ``side_dir/name`` (built beside it, renamed into place)."""
    n = data.n
    side_dir.mkdir(parents=True, exist_ok=True)
    final = side_dir / name
    tmp = side_dir / f".tmp-{name}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    lengths = data.lengths
    toff = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=toff[1:])
    text = data.text
    doc_of = np.repeat(np.arange(n, dtype=np.uint64), lengths)
    wide = text.astype(np.uint64)
    # Local document numbers fit 16 bits in all but giant segments: half the posting bytes.
    doc_type = np.uint16 if n <= 0xFFFF else np.uint32
    big: dict[str, np.ndarray] = {}
    # Unigram postings: unique (char, doc) pairs, sorted by char then doc.
    big["uni_docs"] = _postings(tmp, "uni", (wide << 32) | doc_of, doc_type)
    # Bigram postings: pairs of neighbouring characters inside one passage.
    same_doc = doc_of[:-1] == doc_of[1:]
    keys = (wide[:-1] << 16) | wide[1:]
    big["bi_docs"] = _postings(tmp, "bi", (keys[same_doc] << 32) | doc_of[:-1][same_doc], doc_type)
    del keys, same_doc
    # Where the ignorable punctuation is (few: quotation marks and 、), so that a query does
    # not look for it again in every character it reads.
    ignored = IGNORED_UNITS[text]
    big["ign"] = np.flatnonzero(ignored).astype(np.uint32 if len(text) < 2**32 else np.int64)
    # Bridged bigrams: two characters with only ignorable punctuation between them (“飞线”充电
    # holds 线充), so unquoted terms match across it without a second copy of the text.
    kept = np.flatnonzero(~ignored)
    a, b = kept[:-1], kept[1:]
    bridged = (b - a > 1) & (doc_of[a] == doc_of[b])
    br_keys = (wide[a[bridged]] << 16) | wide[b[bridged]]
    big["br_docs"] = _postings(tmp, "br", (br_keys << 32) | doc_of[a[bridged]], doc_type)
    del wide, doc_of, kept, a, b
    ukeys, first = np.unique(data.w_ids, return_index=True)
    np.save(tmp / "w_keys.npy", ukeys)
    np.save(tmp / "w_off.npy", np.append(first, len(data.w_ids)).astype(np.int64))
    np.save(tmp / "doclen.npy", data.doclen.astype(np.uint32))
    big["w_docs"], big["w_tf"] = data.w_docs.astype(doc_type), data.w_tf.astype(np.uint16)
    # The word sequence: codes into w_keys, and starts that fit 16 bits in all but freak passages.
    big["t_codes"] = np.searchsorted(ukeys, data.t_ids).astype(np.uint16 if len(ukeys) <= 0xFFFF else np.uint32)
    big["t_start"] = data.t_start.astype(np.uint16 if not len(data.t_start) or int(data.t_start.max()) <= 0xFFFF else np.uint32)
    big["t_len"] = data.t_len.astype(np.uint8)
    big["text"] = text
    np.save(tmp / "toff.npy", toff)
    np.save(tmp / "codes.npy", data.codes)
    np.save(tmp / "dates.npy", data.dates)
    np.save(tmp / "minhash.npy", data.minhash)
    layout = {}
    with open(tmp / DATA_FILE, "wb") as fh:
        for key, array in big.items():
            layout[key] = [array.dtype.str, fh.tell(), len(array)]
            fh.write(np.ascontiguousarray(array).tobytes())
        fh.flush()
        os.fsync(fh.fileno())
    (tmp / "vocab.json").write_text(
        json.dumps({"n": n, "columns": COLUMNS, "vocab": data.vocab, "data": layout}, ensure_ascii=False),
        encoding="utf-8",
    )
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)


def _word_postings(word_ids: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Word postings of passages given as lists of word ids: (word id, passage, term frequency)
    sorted by word then passage, and each passage's length in words."""
    lengths = np.array([len(w) for w in word_ids], dtype=np.int64)
    ids = np.concatenate(word_ids) if word_ids else np.zeros(0, dtype=np.uint64)
    docs = np.repeat(np.arange(len(word_ids), dtype=np.uint32), lengths)
    order = np.lexsort((docs, ids))
    ids, docs = ids[order], docs[order]
    new_pair = np.r_[True, (ids[1:] != ids[:-1]) | (docs[1:] != docs[:-1])] if len(ids) else np.zeros(0, bool)
    starts = np.flatnonzero(new_pair)
    tf = np.minimum(np.diff(np.r_[starts, len(ids)]), 0xFFFF).astype(np.uint16)
    return ids[starts].astype(np.uint64), docs[starts], tf, lengths.astype(np.uint32)


def _postings(directory: Path, name: str, pairs: np.ndarray, doc_type: type) -> np.ndarray:
    """Saves the keys and offsets of (key << 32 | doc) pairs; returns the docs for the data file."""
    pairs = distinct(pairs)
    keys = (pairs >> 32).astype(np.uint32)
    ukeys, starts = np.unique(keys, return_index=True)
    np.save(directory / f"{name}_keys.npy", ukeys)
    np.save(directory / f"{name}_off.npy", np.append(starts, len(keys)).astype(np.int64))
    return (pairs & 0xFFFFFFFF).astype(doc_type)


def segment_dir(side_dir: Path, name: str, base: int, n_all: int) -> Path | None:
    """The folder of a store segment's arrays: named by the segment's id, or (indexes written
    before segments were merged) by the number of its first passage."""
    named = side_dir / name
    if (named / "vocab.json").exists():
        return named
    legacy = side_dir / f"{base:012d}"
    try:
        if int(json.loads((legacy / "vocab.json").read_text(encoding="utf-8"))["n"]) == n_all:
            return legacy
    except (OSError, ValueError, KeyError):
        pass
    # Renamed by a merge between the two looks.
    return named if (named / "vocab.json").exists() else None


class SegmentsMissing(Exception):
    """The segments do not cover the stored passages: the index must be rebuilt."""


class Segments(TextScans):
    """All segments of one store generation, with deleted documents masked."""

    def __init__(self, side_dir: Path, layout: Sequence[tuple[str, int]], deleted: Iterable[int]) -> None:
        """``layout``: the store's segments in order, each as (segment id, documents incl. deleted)."""
        doc_count_all = sum(n for _, n in layout)
        self.n = doc_count_all
        self.segments: list[Segment] = []
        self.names: list[str] = []
        vocab: list[dict[str, int]] = [{"": 0} for _ in COLUMNS]
        # Filled segment by segment (no list of parts to concatenate: half the peak memory of
        # opening a large index). Codes are column-major: filters and facets read whole columns.
        self.codes = np.zeros((doc_count_all, len(COLUMNS)), dtype=np.int32, order="F")
        self.dates = np.zeros((doc_count_all, 2), dtype=np.int32)
        self.doclen = np.zeros(doc_count_all, dtype=np.float32)
        # Kept open: a merge may remove the folder of a segment this reader still uses.
        self._minhash_files: list[Any] = []
        self.side_dir = side_dir
        base = 0
        for name, n_all in layout:
            if n_all == 0:
                continue
            seg_dir = segment_dir(side_dir, name, base, n_all)
            if seg_dir is None:
                raise SegmentsMissing(f"no segment arrays for store segment {name} (passages {base}-{base + n_all})")
            meta = json.loads((seg_dir / "vocab.json").read_text(encoding="utf-8"))
            load = lambda name, d=seg_dir: np.load(d / f"{name}.npy")  # noqa: E731
            self.segments.append(
                Segment(
                    base,
                    n_all,
                    DataFile(seg_dir / DATA_FILE, meta["data"], open_now=True),
                    load("toff"),
                    (load("uni_keys"), load("uni_off")),
                    (load("bi_keys"), load("bi_off")),
                    (load("br_keys"), load("br_off")),
                    (load("w_keys"), load("w_off")),
                )
            )
            self.names.append(name)
            rows = slice(base, base + n_all)
            doclen = load("doclen")
            self.doclen[rows] = doclen
            self.segments[-1].t_off = np.r_[0, np.cumsum(doclen, dtype=np.int64)]
            codes = load("codes")
            for j, local_vocab in enumerate(meta["vocab"]):
                mapping = np.array([vocab[j].setdefault(v, len(vocab[j])) for v in local_vocab], dtype=np.int32)
                self.codes[rows, j] = mapping[codes[:, j]]
            self.dates[rows] = load("dates")
            self._minhash_files.append(open(seg_dir / "minhash.npy", "rb"))  # noqa: SIM115
            base += n_all
        self.values = [list(v) for v in vocab]
        self.lookup = vocab
        self.live = np.ones(doc_count_all, dtype=bool)
        dead = np.fromiter(deleted, dtype=np.int64)
        self.live[dead] = False
        self.live_docs = np.flatnonzero(self.live)
        self.avgdl = float(self.doclen[self.live].mean(dtype=np.float64)) if len(self.live_docs) else 1.0
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_bytes = 0
        self._norm: tuple[float, float, np.ndarray] | None = None
        self._ranks: dict[int, np.ndarray] = {}
        self._members: tuple[np.ndarray, np.ndarray] | None = None
        self._heading: tuple[float, np.ndarray] | None = None
        self._groups: np.ndarray | None = None
        self._code_cache: dict[tuple[str, str, bool], np.ndarray] = {}
        self._value_arrays: dict[str, np.ndarray] = {}
        self._values: dict[str, Any] = {}

    def close(self) -> None:
        for seg in self.segments:
            seg.data.close()
        for f in self._minhash_files:
            f.close()

    def __del__(self) -> None:
        self.close()

    # --- results cached per index state ---------------------------------------------------

    def _cached(self, key: str, compute: Any) -> np.ndarray:
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        docs = compute()
        self._cache[key] = docs
        self._cache_bytes += _entry_bytes(key, docs)
        while (self._cache_bytes > _CACHE_BYTES or len(self._cache) > _CACHE_ENTRIES) and len(self._cache) > 1:
            old_key, old = self._cache.popitem(last=False)
            self._cache_bytes -= _entry_bytes(old_key, old)
        return docs

    def cached_value(self, key: str, compute: Any) -> Any:
        """Something computed once per index state (this object is one state)."""
        found = self._values.get(key)
        if found is None:
            found = self._values[key] = compute()
        return found

    def _per_segment(self, local: Any) -> np.ndarray:
        """Live global document numbers from ``local(segment)`` (sorted local numbers per segment)."""
        found: list[np.ndarray] = []
        for seg in self.segments:
            docs = local(seg)
            if len(docs):
                found.append(docs.astype(np.int32) + np.int32(seg.base))
        docs = np.concatenate(found) if found else np.zeros(0, dtype=np.int32)
        return docs[self.live[docs]]

    # --- words ---------------------------------------------------------------------------

    def word_postings(self, key: int) -> tuple[np.ndarray, np.ndarray]:
        """(sorted live document numbers, term frequencies) of a word id."""
        docs: list[np.ndarray] = []
        tfs: list[np.ndarray] = []
        for seg in self.segments:
            d, tf = seg.word_postings(key)
            if len(d):
                docs.append(d.astype(np.int32) + np.int32(seg.base))
                tfs.append(tf)
        if docs:
            d, tf = np.concatenate(docs), np.concatenate(tfs)
            keep = self.live[d]
            found = (d[keep], tf[keep])
        else:
            found = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.uint16))
        return found

    def bm25_norm(self, k1: float, b: float) -> np.ndarray:
        """BM25's length normalisation ``k1 * (1 - b + b * len / avglen)`` of every passage."""
        if self._norm is None or self._norm[:2] != (k1, b):
            self._norm = (k1, b, k1 * (1 - b + b * self.doclen.astype(np.float64) / self.avgdl))
        return self._norm[2]

    def codes_containing(self, name: str, needle: str, whole_word: bool = False) -> np.ndarray:
        """Codes of a column's distinct values that contain ``needle`` (as a space-separated word
        with ``whole_word``). A vectorised scan of the distinct values, cached per needle."""
        key = (name, needle, whole_word)
        cached = self._code_cache.get(key)
        if cached is None:
            values = self._value_arrays.get(name)
            if values is None:
                # Spaces around each value let one find() test whole space-separated words too.
                # Titles and headings are kept as written; they are matched folded (simplified, lower case).
                values = self._value_arrays[name] = np.array([f" {fold(v)} " for v in self.values[COLUMNS.index(name)]])
            probe = f" {needle} " if whole_word else needle
            cached = np.flatnonzero(np.char.find(values, probe) >= 0).astype(np.int32)
            cached = cached[cached != 0]
            if len(self._code_cache) > 4096:
                self._code_cache.clear()
            self._code_cache[key] = cached
        return cached

    # --- duplicates --------------------------------------------------------------------

    def groups(self) -> np.ndarray:
        """Duplicate group of every passage (smallest member's document number, or -1).

        Computed once per index state and kept in ``side/groups.npz`` with the state it was
        computed for, so a search process does not redo it.
        """
        if self._groups is None:
            # The state names the segments: a merge can keep the count of passages and deletions
            # while renumbering every passage.
            state = np.array(
                [zlib.crc32(" ".join(self.names).encode()), self.n, int((~self.live).sum()), GROUPING], dtype=np.int64
            )
            cache = self.side_dir / "groups.npz"
            try:
                with np.load(cache) as saved:
                    if np.array_equal(saved["state"], state):
                        self._groups = saved["groups"]
            except (OSError, KeyError, ValueError):
                pass
            if self._groups is None:
                sigs = np.empty((self.n, HASHES), dtype=np.uint32)  # filled in place: no second copy
                start = 0
                for f in self._minhash_files:
                    f.seek(0)
                    part = np.load(f)
                    sigs[start : start + len(part)] = part
                    start += len(part)
                found = dupe_groups(sigs, self.live)
                del sigs
                edges = split_copies(self.column("doc_id"), found, self.live, self.matching_strings)
                self._groups = joined(found, edges)
                try:
                    tmp = self.side_dir / f".groups-{os.getpid()}.npz"
                    np.savez(tmp, state=state, groups=self._groups)
                    tmp.replace(cache)
                except OSError:
                    pass  # a read-only index still works; it just recomputes
        return self._groups

    def group_fronts(self) -> np.ndarray:
        """Per passage: the earliest dated member of its duplicate group (document number), or -1."""
        return self.cached_value("fronts", lambda: fronts(self.groups(), self.dates[:, 0], self.file_rank(np.arange(self.n))))

    def by_date(self, docs: np.ndarray) -> np.ndarray:
        """``docs`` oldest first (undated last; ties by file path, then the file's order)."""
        day = self.dates[docs, 0]
        return docs[np.lexsort((docs, self.file_rank(docs), day, day <= 0))]

    def matching_strings(self, docs: np.ndarray) -> list[str]:
        """The matching text (folded, spaces and ignorable punctuation removed) of passages ``docs`` (sorted)."""
        out: list[str] = []
        for seg in self.segments:
            local = docs[(docs >= seg.base) & (docs < seg.base + seg.n)] - seg.base
            if not len(local):
                continue
            text, off, rows = seg.matching_texts(local)
            for r in rows.tolist():
                out.append(text[off[r] : off[r + 1]].tobytes().decode("utf-16-le", "surrogatepass"))
        return out

    def group_members(self, doc: int) -> np.ndarray:
        """Document numbers of the duplicate group ``doc`` belongs to (itself included), sorted."""
        groups = self.groups()
        if self._members is None:
            # Members by file path, then in the file's order (as ties are ranked, collecting.top).
            everything = np.arange(self.n)
            order = np.lexsort((everything, self.file_rank(everything), groups))
            self._members = (order, groups[order])
        order, sorted_groups = self._members
        g = groups[doc]
        lo, hi = np.searchsorted(sorted_groups, [g, g + 1])
        return order[lo:hi]

    # --- columns, filters, facets ------------------------------------------------------

    def heading_factor(self, factor: float) -> np.ndarray:
        """Per passage: ``factor`` for a bare heading, 1 otherwise (a score multiplier); an
        article's title is not damped: a title match is what a reader looks for first."""
        if self._heading is None or self._heading[0] != factor:
            heading = self.column("heading")
            title = self.lookup[COLUMNS.index("heading")].get("title", -1)
            self._heading = (factor, np.where((heading != 0) & (heading != title), factor, 1.0))
        return self._heading[1]

    def file_rank(self, docs: np.ndarray) -> np.ndarray:
        """Each passage's file's place among the indexed files sorted by path."""
        j = COLUMNS.index("path_key")
        return self._value_rank(j)[self.codes[docs, j]]

    def column(self, name: str) -> np.ndarray:
        return self.codes[:, COLUMNS.index(name)]

    def codes_for(self, name: str, values: Sequence[str]) -> np.ndarray:
        table = self.lookup[COLUMNS.index(name)]
        return np.array([table[v] for v in values if v in table], dtype=np.int32)

    def docs_with(self, name: str, value: str) -> np.ndarray:
        """Live document numbers whose column ``name`` is ``value``."""
        code = self.lookup[COLUMNS.index(name)].get(value)
        if not code:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero((self.column(name) == code) & self.live)

    def mask_in(self, name: str, values: Sequence[str]) -> np.ndarray:
        return np.isin(self.column(name), self.codes_for(name, values))

    def counts(self, name: str, docs: np.ndarray) -> dict[str, int]:
        """Count of each value of a column among ``docs``: most frequent first, then by value."""
        return self.top_counts(name, docs, None)[0]

    def top_counts(self, name: str, docs: np.ndarray, limit: int | None, articles: bool = False) -> tuple[dict[str, int], int]:
        """The ``limit`` most frequent values of a column among ``docs`` with their counts (ties
        by value), and how many distinct values there are in all. With ``articles``, a value
        counts the distinct articles among its passages instead of the passages."""
        j = COLUMNS.index(name)
        values = self.values[j]
        codes = self.column(name)[docs]
        if articles:
            d = COLUMNS.index("doc_id")
            n_docs = len(self.values[d])
            codes = distinct(codes.astype(np.int64) * n_docs + self.codes[docs, d]) // n_docs
        bins = np.bincount(codes, minlength=len(values))
        bins[0] = 0
        present = np.flatnonzero(bins)
        n_distinct = len(present)
        if limit is not None and n_distinct > limit:
            # Everything at least as frequent as the limit-th value (ties included), then sorted.
            kth = np.partition(bins[present], n_distinct - limit)[n_distinct - limit]
            present = present[bins[present] >= kth]
        present = present[np.lexsort((self._value_rank(j)[present], -bins[present]))][:limit]
        return dict(zip([values[i] for i in present.tolist()], bins[present].tolist())), n_distinct

    def distinct_count(self, name: str, docs: np.ndarray) -> int:
        """How many distinct values (other than none) a column has among ``docs``."""
        found = distinct(self.column(name)[docs])
        return int(len(found) - (len(found) > 0 and found[0] == 0))

    def _value_rank(self, j: int) -> np.ndarray:
        """Each code's position when the column's values are sorted as strings."""
        rank = self._ranks.get(j)
        if rank is None:
            values = self.values[j]
            rank = self._ranks[j] = np.empty(len(values), dtype=np.int64)
            rank[sorted(range(len(values)), key=values.__getitem__)] = np.arange(len(values))
        return rank

    def rows(self, docs: np.ndarray, names: Sequence[str]) -> list[tuple[str | None, ...]]:
        """Columns ``names`` of several passages at once ("" codes come back as None)."""
        columns = []
        for name in names:
            j = COLUMNS.index(name)
            table = self.values[j]
            columns.append([table[c] if c else None for c in self.codes[docs, j].tolist()])
        return list(zip(*columns))

    def value(self, name: str, doc: int) -> str | None:
        """One passage's value of a column ("" codes come back as None)."""
        code = int(self.codes[doc, COLUMNS.index(name)])
        return self.values[COLUMNS.index(name)][code] if code else None
