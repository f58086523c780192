"""Where a query's text occurs in its matching passages, and the words around each occurrence,
vectorised over the segments: concordance lines and collocates without a Python loop per passage.

Positions are UTF-16 units in a passage's folded text without whitespace (the segments' text).
An occurrence is what ``searcher.matching.term_spans`` marks for one of the query's positive
terms; occurrences that overlap or touch merge into one (as ``searcher.highlight.spans`` merges
them). Literal terms (quoted, or unquoted without rule (b)) are found with numpy over the text;
wildcards and terms with rule (b) windows go through ``term_spans`` passage by passage.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...analysis import fold
from ...matching import matching_text, term_spans, window_words
from ...query import Term
from ..base import Occurrences, WindowWords
from .arrays import IGNORED_UNITS, positions
from .datafile import Segment
from .segments import Segments

_KEY = np.int64(1) << 32  # passage * _KEY + position: one sorted key over a segment's passages


def _needle(term: Term) -> tuple[np.ndarray, bool] | None:
    """(units, across ignorable punctuation?) of a literal term, or None when it needs term_spans."""
    if term.wildcard:
        return None
    if term.quoted:
        text = "".join(fold(term.text).split())
        loose = False
    else:
        if window_words(term.text):
            return None
        text = matching_text(fold(term.text))
        loose = True
    if not text:
        return None
    return np.frombuffer(text.encode("utf-16-le"), dtype="<u2"), loose


def _texts(seg: Segment, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The text of passages ``cand`` (sorted local numbers) back to back and where each starts."""
    starts, stops = seg.toff[cand], seg.toff[cand + 1]
    lengths = stops - starts
    off = np.zeros(len(cand) + 1, dtype=np.int64)
    np.cumsum(lengths, out=off[1:])
    lo, hi = int(starts[0]), int(stops[-1])
    if 4 * int(off[-1]) >= hi - lo or len(cand) > 512:
        span = seg.data.read("text", lo, hi)
        if int(off[-1]) == hi - lo:
            return span, off
        index = np.arange(int(off[-1])) + np.repeat(starts - lo - off[:-1], lengths)
        return span[index], off
    return np.concatenate([seg.data.read("text", int(a), int(b)) for a, b in zip(starts, stops)]), off


def _literal(text: np.ndarray, off: np.ndarray, units: np.ndarray, loose: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(owner, start, end) of a literal's occurrences, positions relative to each passage."""
    if not loose:
        pos, owner = positions(text, off, units)
        return owner, pos - off[owner], pos - off[owner] + len(units)
    keep = ~IGNORED_UNITS[text]
    kept_at = np.flatnonzero(keep)
    moff = np.r_[0, np.cumsum(keep, dtype=np.int64)][off]
    mpos, owner = positions(text[kept_at], moff, units)
    start = kept_at[mpos]
    end = kept_at[mpos + len(units) - 1] + 1
    return owner, start - off[owner], end - off[owner]


def _spans_one_by_one(text: np.ndarray, off: np.ndarray, term: Term) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    owners: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    for i in range(len(off) - 1):
        units = text[off[i] : off[i + 1]]
        passage = units.tobytes().decode("utf-16-le", "surrogatepass")
        spans = term_spans(passage, term)
        if not spans:
            continue
        unit_at = _unit_offsets(passage) if len(passage) != len(units) else None
        for s, e in spans:
            owners.append(i)
            starts.append(s if unit_at is None else unit_at[s])
            ends.append(e if unit_at is None else unit_at[e])
    return np.array(owners, dtype=np.int64), np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)


def _unit_offsets(text: str) -> list[int]:
    """For each character index (and the end), its offset in UTF-16 units."""
    out = [0]
    for ch in text:
        out.append(out[-1] + (2 if ord(ch) > 0xFFFF else 1))
    return out


def _merged(owner: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overlapping or touching spans of one passage merged, sorted by passage and start."""
    if not len(owner):
        return owner, start, end
    order = np.lexsort((end, start, owner))
    owner, start, end = owner[order], start[order], end[order]
    ks, ke = owner * _KEY + start, owner * _KEY + end
    reach = np.maximum.accumulate(ke)
    new = np.r_[True, ks[1:] > reach[:-1]]
    group = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    merged_end = np.zeros(len(first), dtype=np.int64)
    np.maximum.at(merged_end, group, end)
    return owner[first], start[first], merged_end


def _segment_spans(
    seg: Segment, cand: np.ndarray, terms: Sequence[Term]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(owner, start, end) of the merged occurrences in passages ``cand``, with the text read."""
    text, off = _texts(seg, cand)
    parts = []
    for term in terms:
        literal = _needle(term)
        parts.append(_literal(text, off, *literal) if literal is not None else _spans_one_by_one(text, off, term))
    owner = np.concatenate([p[0] for p in parts]).astype(np.int64)
    start = np.concatenate([p[1] for p in parts]).astype(np.int64)
    end = np.concatenate([p[2] for p in parts]).astype(np.int64)
    owner, start, end = _merged(owner, start, end)
    return owner, start, end, text, off


def _context(text: np.ndarray, off: np.ndarray, owner: np.ndarray, at: np.ndarray, width: int, before: bool) -> np.ndarray:
    """``width`` units before (nearest first) or after each position, inside its passage, as sortable bytes."""
    steps = np.arange(width, dtype=np.int64)
    base = off[owner] + at
    idx = (base[:, None] - 1 - steps) if before else (base[:, None] + steps)
    inside = (idx >= off[owner][:, None]) & (idx < off[owner + 1][:, None])
    units = np.where(inside, text[np.clip(idx, 0, max(len(text) - 1, 0))], 0).astype(">u2")
    return np.ascontiguousarray(units).view(f"S{2 * width}").ravel()


def _per_segment(segs: Segments, docs: np.ndarray) -> list[tuple[Segment, np.ndarray, slice]]:
    """(segment, its sorted local candidates, their slice of the sorted docs) for segments with some."""
    out = []
    for seg in segs.segments:
        lo, hi = np.searchsorted(docs, [seg.base, seg.base + seg.n])
        if lo < hi:
            out.append((seg, docs[lo:hi].astype(np.int64) - seg.base, slice(int(lo), int(hi))))
    return out


def occurrences(segs: Segments, docs: np.ndarray, terms: Sequence[Term], width: int = 0) -> Occurrences:
    """Every occurrence of ``terms`` in the passages ``docs`` (in result order), with sort keys
    of ``width`` units of context each side when ``width`` > 0."""
    order = np.argsort(docs, kind="stable")
    by_doc = docs[order]
    matches, starts, ends, lefts, rights = [], [], [], [], []
    for seg, cand, rows in _per_segment(segs, by_doc):
        owner, start, end, text, off = _segment_spans(seg, cand, terms)
        matches.append(order[rows][owner])
        starts.append(start)
        ends.append(end)
        if width:
            lefts.append(_context(text, off, owner, start, width, before=True))
            rights.append(_context(text, off, owner, end, width, before=False))
    empty = np.zeros(0, dtype=np.int64)
    match = np.concatenate(matches) if matches else empty
    start = np.concatenate(starts) if starts else empty
    end = np.concatenate(ends) if ends else empty
    key = np.lexsort((start, match))
    keys = f"S{2 * max(width, 1)}"
    left = np.concatenate(lefts)[key] if lefts else np.zeros(0, dtype=keys)
    right = np.concatenate(rights)[key] if rights else np.zeros(0, dtype=keys)
    without = int(len(docs) - len(np.unique(match)))
    return Occurrences(match[key], start[key], end[key], left, right, without)


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """All integers of the ranges [lo, hi) back to back."""
    lengths = np.maximum(hi - lo, 0)
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    return np.arange(total, dtype=np.int64) + np.repeat(lo - np.r_[0, np.cumsum(lengths)[:-1]], lengths)


def words_around(segs: Segments, docs: np.ndarray, terms: Sequence[Term], window: int) -> WindowWords:
    """The words among the ``window`` words before and after each occurrence in the passages
    ``docs``. A word position counts once however many windows hold it (as left if it is left
    of some occurrence, else right), and never when it overlaps an occurrence itself."""
    by_doc = np.sort(docs)
    ids: list[np.ndarray] = []
    lefts: list[np.ndarray] = []
    rights: list[np.ndarray] = []
    count = 0
    in_windows = 0
    for seg, cand, _ in _per_segment(segs, by_doc):
        owner, start, end, _, _ = _segment_spans(seg, cand, terms)
        count += len(owner)
        if not len(owner) or seg.t_off is None:
            continue
        t_off = seg.t_off
        passages, k = np.unique(owner, return_inverse=True)  # the passages with an occurrence
        doc = cand[passages]
        first_t, last_t = int(t_off[doc[0]]), int(t_off[doc[-1] + 1])
        # The words of those passages only, compacted: passage k's words are [base[k], base[k + 1]).
        counts = t_off[doc + 1] - t_off[doc]
        base = np.r_[0, np.cumsum(counts)]
        sel = _ranges(t_off[doc] - first_t, t_off[doc + 1] - first_t)
        t_start = seg.data.read("t_start", first_t, last_t)[sel].astype(np.int64)
        t_len = seg.data.read("t_len", first_t, last_t)[sel].astype(np.int64)
        t_codes = seg.data.read("t_codes", first_t, last_t)[sel].astype(np.int64)
        start_key = np.repeat(np.arange(len(doc), dtype=np.int64), counts) * _KEY + t_start
        end_key = start_key + t_len
        first = np.searchsorted(end_key, k * _KEY + start, side="right")  # first word ending after the start
        last = np.searchsorted(start_key, k * _KEY + end, side="left")  # first word from the end on
        lo, hi = base[k], base[k + 1]
        node = np.zeros(len(t_codes), dtype=bool)
        node[_ranges(first, last)] = True
        left = np.zeros(len(t_codes), dtype=bool)
        left[_ranges(np.maximum(lo, first - window), first)] = True
        right = np.zeros(len(t_codes), dtype=bool)
        right[_ranges(last, np.minimum(hi, last + window))] = True
        left &= ~node
        right &= ~node & ~left
        keys = seg.words[0]
        n_keys = len(keys)
        lc = np.bincount(t_codes[left], minlength=n_keys)
        rc = np.bincount(t_codes[right], minlength=n_keys)
        seen = np.flatnonzero(lc + rc)
        ids.append(keys[seen])
        lefts.append(lc[seen])
        rights.append(rc[seen])
        in_windows += int(left.sum() + right.sum())
    if not ids:
        empty = np.zeros(0, dtype=np.int64)
        return WindowWords(np.zeros(0, dtype=np.uint64), empty, empty, count, in_windows)
    all_ids = np.concatenate(ids)
    words, inverse = np.unique(all_ids, return_inverse=True)
    left_total = np.bincount(inverse, weights=np.concatenate(lefts), minlength=len(words)).astype(np.int64)
    right_total = np.bincount(inverse, weights=np.concatenate(rights), minlength=len(words)).astype(np.int64)
    return WindowWords(words, left_total, right_total, count, in_windows)
