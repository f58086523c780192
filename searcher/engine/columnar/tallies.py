"""Counts over match sets for the analysis views (trends, distinctive words, collocates).

Everything here is read from the segments' arrays: bucket counts are ``bincount``s over the
column codes, word frequencies are the word postings' term frequencies summed per word for the
passages of a mask. No passage text is read, except to name a word: postings know words only by
their 64-bit ids, so a word's text is found again by segmenting one passage that holds it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from ...analysis import word_hash
from ...analysis import words as analyzer_words
from ..base import Distribution, WordCounts
from .arrays import distinct
from .segments import COLUMNS, Segments

# word id -> word, for every word named so far (ids are the same in every index).
_NAMES: dict[int, str] = {}


def distribution(segs: Segments, matched: np.ndarray, base: np.ndarray, by: Sequence[str]) -> Distribution:
    """Per bucket of the columns ``by`` (every bucket among ``base``, matched or not): matching
    passages, distinct articles among them, and all passages of ``base``. ``matched`` must be a
    subset of ``base`` (both sorted document numbers)."""
    js = [COLUMNS.index(name) for name in by]
    sizes = [len(segs.values[j]) for j in js]

    def keys(docs: np.ndarray) -> np.ndarray:
        k = np.zeros(len(docs), dtype=np.int64)
        for j, size in zip(js, sizes):
            k = k * size + segs.codes[docs, j]
        return k

    present, inverse = np.unique(keys(base), return_inverse=True)
    passages = np.bincount(inverse, minlength=len(present))
    bucket = np.searchsorted(present, keys(matched))
    counted = np.bincount(bucket, minlength=len(present))
    doc_j = COLUMNS.index("doc_id")
    n_docs = len(segs.values[doc_j])
    pairs = distinct(bucket.astype(np.int64) * n_docs + segs.codes[matched, doc_j])
    articles = np.bincount(pairs // n_docs, minlength=len(present))
    out_keys: list[tuple[str, ...]] = []
    for k in present.tolist():
        values: list[str] = []
        for j, size in zip(reversed(js), reversed(sizes)):
            k, code = divmod(k, size)
            values.append(segs.values[j][code])
        out_keys.append(tuple(reversed(values)))
    return Distribution(tuple(by), out_keys, counted.tolist(), articles.tolist(), passages.tolist())


def word_counts(segs: Segments, masks: Sequence[np.ndarray]) -> WordCounts:
    """How often each word occurs in the passages of each mask (term frequencies summed)."""
    ids: list[np.ndarray] = []
    parts: list[np.ndarray] = []
    for seg in segs.segments:
        local = [m[seg.base : seg.base + seg.n] for m in masks]
        if not any(loc.any() for loc in local):
            continue
        keys, off = seg.words
        if not len(keys):
            continue
        w_docs = seg.data.read("w_docs")
        w_tf = seg.data.read("w_tf")
        counts = np.zeros((len(keys), len(masks)), dtype=np.int64)
        for j, loc in enumerate(local):
            if loc.any():
                counts[:, j] = np.add.reduceat(np.where(loc[w_docs], w_tf, 0), off[:-1], dtype=np.int64)
        kept = counts.any(axis=1)
        ids.append(keys[kept])
        parts.append(counts[kept])
    tokens = [int(segs.doclen[m].sum(dtype=np.float64)) for m in masks]
    passages = [int(m.sum()) for m in masks]
    if not ids:
        return WordCounts(np.zeros(0, dtype=np.uint64), np.zeros((0, len(masks)), dtype=np.int64), tokens, passages)
    all_ids = np.concatenate(ids)
    all_counts = np.concatenate(parts)
    if len(ids) == 1:
        return WordCounts(all_ids, all_counts, tokens, passages)
    words, inverse = np.unique(all_ids, return_inverse=True)
    summed = np.zeros((len(words), len(masks)), dtype=np.int64)
    np.add.at(summed, inverse, all_counts)
    return WordCounts(words, summed, tokens, passages)


def totals_of(counts: WordCounts, words: np.ndarray) -> np.ndarray:
    """The first column of ``counts`` for each of ``words`` (0 for words it lacks)."""
    pos = np.searchsorted(counts.words, words)
    pos = np.minimum(pos, max(len(counts.words) - 1, 0))
    if not len(counts.words):
        return np.zeros(len(words), dtype=np.int64)
    found = counts.words[pos] == words
    return np.where(found, counts.counts[pos, 0], 0)


def passage_texts(segs: Segments, docs: np.ndarray) -> Iterator[str]:
    """Folded text (whitespace removed, as the segments keep it) of each of ``docs`` (sorted)."""
    for seg in segs.segments:
        lo = int(np.searchsorted(docs, seg.base))
        hi = int(np.searchsorted(docs, seg.base + seg.n))
        if lo == hi:
            continue
        local = docs[lo:hi].astype(np.int64) - seg.base
        starts, stops = seg.toff[local], seg.toff[local + 1]
        first, last = int(starts[0]), int(stops[-1])
        if int((stops - starts).sum()) * 4 >= last - first:  # dense: one read
            text = seg.data.read("text", first, last)
            for a, b in zip((starts - first).tolist(), (stops - first).tolist()):
                yield text[a:b].tobytes().decode("utf-16-le", "surrogatepass")
        else:
            for a, b in zip(starts.tolist(), stops.tolist()):
                yield seg.data.read("text", a, b).tobytes().decode("utf-16-le", "surrogatepass")


def word_strings(segs: Segments, words: np.ndarray, text_of: Callable[[int], str]) -> dict[int, str]:
    """The text of each word id: from this process's names, else by segmenting a passage that
    holds it (``text_of(document number)``: its folded text as indexed)."""
    out: dict[int, str] = {}
    for w in words.tolist():
        name = _NAMES.get(w)
        if name is None:
            name = _name(segs, w, text_of)
            if name is not None:
                _NAMES[w] = name
        out[w] = name if name is not None else "?"
    return out


def _name(segs: Segments, word: int, text_of: Callable[[int], str]) -> str | None:
    tried = 0
    for seg in segs.segments:
        docs, _ = seg.word_postings(word)
        for local in docs[:3].tolist():
            text = text_of(seg.base + local)
            for w in analyzer_words(text):
                h = word_hash(w)
                _NAMES.setdefault(h, w)
            if word in _NAMES:
                return _NAMES[word]
            tried += 1
        if tried >= 6:
            break
    return None
