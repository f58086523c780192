"""Substring scans over the segments' text: the match rule of searcher.matching, vectorised.

A quoted string (``substring``), an unquoted term's matching text (``loose``, rule a), its words
close together (``window``, rule b) and wildcard patterns: candidates from the character
postings, verified against the text read from the data files. A mixin of ``Segments``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .arrays import distinct, positions, units
from .datafile import Segment


def _contained(text: np.ndarray, off: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Which passages ``rows`` of ``text`` contain ``u`` (a mask over ``rows``)."""
    found = np.zeros(len(off) - 1, dtype=bool)
    found[positions(text, off, u)[1]] = True
    return found[rows]


def _in_window(text: np.ndarray, off: np.ndarray, rows: np.ndarray, words: Sequence[np.ndarray], limit: int) -> np.ndarray:
    """Which passages ``rows`` hold every one of ``words`` inside some stretch of ``limit`` units (a mask).

    A shortest such stretch starts where one of the words does, so each occurrence start is
    tried as the stretch's start: every word needs an occurrence beginning at or after it
    that ends within ``limit`` units and inside the same passage."""
    occurrences = [positions(text, off, u)[0] for u in words]
    found = np.zeros(len(off) - 1, dtype=bool)
    if any(not len(p) for p in occurrences):
        return found[rows]
    starts = distinct(np.concatenate(occurrences))
    owner = np.searchsorted(off, starts, side="right") - 1
    bound = np.minimum(starts + limit, off[owner + 1])
    ok = np.ones(len(starts), dtype=bool)
    for u, pos in zip(words, occurrences):
        i = np.searchsorted(pos, starts)
        has = i < len(pos)
        ok &= has & (pos[np.minimum(i, len(pos) - 1)] + len(u) <= bound)
    found[owner[ok]] = True
    return found[rows]


def _matches_pattern(text: np.ndarray, off: np.ndarray, rows: np.ndarray, pattern: re.Pattern[str]) -> np.ndarray:
    """Which passages ``rows`` of ``text`` ``pattern`` finds something in (a mask over ``rows``)."""
    return np.array(
        [
            pattern.search(text[off[i] : off[i + 1]].tobytes().decode("utf-16-le", "surrogatepass")) is not None
            for i in rows.tolist()
        ],
        dtype=bool,
    )


class TextScans:
    """What ``Segments`` answers about text. Results are cached per index state."""

    n: int
    live: np.ndarray
    segments: list[Segment]

    def _cached(self, key: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def _per_segment(self, local: Callable[[Segment], np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def substring(self, needle: str) -> np.ndarray:
        """Sorted document numbers of live passages whose folded text contains ``needle`` (spaces
        ignored on both sides): a quoted string."""
        needle = "".join(needle.split())
        if not needle:
            return np.zeros(0, dtype=np.int64)
        u = units(needle)
        return self._cached(needle, lambda: self._per_segment(lambda seg: self._segment_matches(seg, needle, u)))

    @staticmethod
    def _segment_matches(seg: Segment, needle: str, u: np.ndarray) -> np.ndarray:
        if len(u) == 1:
            return seg.postings("uni", int(u[0]))
        keys = sorted({(int(a) << 16) | int(b) for a, b in zip(u[:-1], u[1:])})
        lists = [seg.postings("bi", k) for k in keys]
        if any(len(x) == 0 for x in lists):
            return np.zeros(0, dtype=np.uint32)
        lists.sort(key=len)
        cand = lists[0]
        for other in lists[1:]:
            # Intersect through a mask over the segment: no sorting, and the candidates shrink.
            present = np.zeros(seg.n, dtype=bool)
            present[other] = True
            cand = cand[present[cand]]
            if not len(cand):
                return cand
        if len(u) == 2:
            return cand
        return seg.containing(cand, u)

    def loose(self, needle: str) -> np.ndarray:
        """Sorted live document numbers whose matching text (matching.matching_text: no spaces,
        no ignorable punctuation) contains ``needle``, itself matching text: rule (a)."""
        if not needle:
            return np.zeros(0, dtype=np.int64)
        u = units(needle)
        return self._cached("\x00a" + needle, lambda: self._per_segment(lambda seg: self._loose_in(seg, u)))

    @staticmethod
    def _loose_in(seg: Segment, u: np.ndarray) -> np.ndarray:
        if len(u) == 1:
            return seg.postings("uni", int(u[0]))
        keys = sorted({(int(a) << 16) | int(b) for a, b in zip(u[:-1], u[1:])})
        cand: np.ndarray | None = None
        bridged = np.zeros(seg.n, dtype=bool)
        for key in keys:
            across = seg.postings("br", key)
            bridged[across] = True
            present = np.zeros(seg.n, dtype=bool)
            present[seg.postings("bi", key)] = True
            present[across] = True
            cand = np.flatnonzero(present) if cand is None else cand[present[cand]]
            if not len(cand):
                return cand
        assert cand is not None
        if len(u) == 2:
            return cand.astype(np.uint32)
        direct = seg.containing(cand, u) if len(cand) else cand
        # A passage can hold the needle only across punctuation if one of its bigrams is bridged there.
        rest = cand[bridged[cand]]
        rest = rest[~np.isin(rest, direct)]
        if not len(rest):
            return direct.astype(np.uint32)
        text, off, rows = seg.matching_texts(rest)
        return distinct(np.concatenate([direct.astype(np.int64), rest[_contained(text, off, rows, u)]])).astype(np.uint32)

    def _candidates(self, needles: Sequence[str]) -> np.ndarray:
        """Live documents whose matching text holds every one of ``needles`` (rule (a) each)."""
        mask = np.zeros(self.n, dtype=bool)
        mask[self.loose(needles[0])] = True
        for needle in needles[1:]:
            also = np.zeros(self.n, dtype=bool)
            also[self.loose(needle)] = True
            mask &= also
        return np.flatnonzero(mask)

    def _verified(self, cand: np.ndarray, test: Any) -> np.ndarray:
        """Those of ``cand`` (sorted global numbers) whose matching texts pass ``test(text, off, rows)``
        (a mask over the rows that are the candidates)."""
        out: list[np.ndarray] = []
        for seg in self.segments:
            lo, hi = np.searchsorted(cand, [seg.base, seg.base + seg.n])
            local = cand[lo:hi] - seg.base
            if len(local):
                out.append(local[test(*seg.matching_texts(local))] + seg.base)
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)

    def window(self, words: Sequence[str], limit: int) -> np.ndarray:
        """Rule (b): live documents whose matching text holds every one of ``words`` inside a
        stretch of ``limit`` characters. The same for any order of the words (创建文明城市 and
        文明城市创建 share one result)."""
        words = sorted(words)

        def compute() -> np.ndarray:
            cand = self._candidates(words)
            if not len(cand):
                return cand
            us = [units(w) for w in words]
            return self._verified(cand, lambda text, off, rows: _in_window(text, off, rows, us, limit))

        return self._cached("\x00b" + "\x00".join(words) + f"\x00{limit}", compute)

    def wildcard(self, pattern: str, pieces: Sequence[str]) -> np.ndarray:
        """Live documents whose matching text matches the regular expression ``pattern``
        (every match contains all of ``pieces``)."""
        compiled = re.compile(pattern)

        def compute() -> np.ndarray:
            cand = self._candidates(pieces)
            if not len(cand):
                return cand
            return self._verified(cand, lambda text, off, rows: _matches_pattern(text, off, rows, compiled))

        return self._cached("\x00w" + pattern, compute)

    def neighbours(self, char: str, after: bool) -> set[str]:
        """The characters that follow ``char`` somewhere in the text (or precede it, ``after=False``)."""
        c = ord(char)
        found: set[int] = set()
        for seg in self.segments:
            keys = seg.bi[0]
            if after:
                lo, hi = np.searchsorted(keys, [c << 16, (c + 1) << 16])
                found.update((keys[lo:hi] & 0xFFFF).tolist())
            else:
                found.update((keys[(keys & 0xFFFF) == c] >> 16).tolist())
        return {chr(x) for x in found if not 0xD800 <= x < 0xE000}
