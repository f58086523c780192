"""The match rule over the segments: a parsed query and filters -> a mask of live passages.

A term's match set is (a) its text (searcher.matching's rule: quoted exactly, unquoted across
ignorable punctuation, wildcards), (b) its words close together, (c) the passages about the
place it names; AND / OR / NOT are boolean masks, filters are column masks.
"""

from __future__ import annotations

import numpy as np

from ...analysis import fold
from ...dates import date_key
from ...matching import literal_pieces, matching_text, wildcard_regex, window_limit, window_words
from ...query import Clause, ParsedQuery, Term, options
from ..base import Filters
from .segments import Segments


class QueryReads:
    """What one query reads from the segments, read once: matching and ranking both need a
    term's match set, its text matches, word postings and the passages about the place it names."""

    def __init__(self, segs: Segments) -> None:
        self._side = segs
        self._postings: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._places: dict[str, np.ndarray] = {}
        self._matches: dict[Term, np.ndarray] = {}
        self._text: dict[Term, np.ndarray] = {}
        self._query: tuple[ParsedQuery, np.ndarray] | None = None

    def postings(self, key: int) -> tuple[np.ndarray, np.ndarray]:
        found = self._postings.get(key)
        if found is None:
            found = self._postings[key] = self._side.word_postings(key)
        return found

    def places(self, name: str) -> np.ndarray:
        found = self._places.get(name)
        if found is None:
            found = self._places[name] = place_docs(self._side, name)
        return found

    def text_matches(self, term: Term) -> np.ndarray:
        """Documents where the term occurs in the text: a quoted string exactly, an unquoted term
        by rule (a) of searcher.matching (punctuation allowance, wildcards)."""
        found = self._text.get(term)
        if found is None:
            segs = self._side
            if term.quoted:
                found = segs.substring(fold(term.text))
            elif term.wildcard:
                found = segs.wildcard(wildcard_regex(term.text), literal_pieces(term.text))
            else:
                found = segs.loose(matching_text(fold(term.text)))
            self._text[term] = found
        return found

    def query_mask(self, query: ParsedQuery) -> np.ndarray:
        """The query's match set before filters, computed once (facets counted without their own filter reuse it)."""
        if self._query is None or self._query[0] is not query:
            self._query = (query, match_mask(self._side, query, self))
        return self._query[1]

    def matches(self, term: Term) -> np.ndarray:
        """The term's match set as a mask: (a) its text, (b) its words close together, (c) its place."""
        found = self._matches.get(term)
        if found is None:
            segs = self._side
            found = np.zeros(segs.n, dtype=bool)
            found[self.text_matches(term)] = True
            if not term.quoted and not term.wildcard:
                found[self.places(fold(term.text).strip())] = True
                words = window_words(term.text)
                if words:
                    found[segs.window(words, window_limit(term.text))] = True
            self._matches[term] = found
        return found


def matches(segs: Segments, query: ParsedQuery, filters: Filters, reads: QueryReads) -> tuple[np.ndarray, np.ndarray]:
    """(mask, sorted document numbers) of the live passages matching the query and filters."""
    matched = reads.query_mask(query).copy()
    mask = filter_mask(segs, filters)
    if mask is not None:
        matched &= mask
    return matched, np.flatnonzero(matched)


def match_mask(segs: Segments, query: ParsedQuery, reads: QueryReads) -> np.ndarray:
    """Boolean mask over document numbers of the live passages the query matches.

    Sets are masks, not sorted lists: AND, OR and NOT are one pass over ``n`` bytes,
    where sorted-array set operations sort their inputs again and again."""
    matched: np.ndarray | None = None
    for clause in query.must:
        found = clause_mask(segs, clause, reads)
        if matched is None:
            matched = found.copy()
        else:
            matched &= found
    if matched is None:
        matched = segs.live.copy()
    for clause in query.must_not:
        matched &= ~clause_mask(segs, clause, reads)  # what the clause would match, removed
    return matched


def clause_mask(segs: Segments, clause: Clause, reads: QueryReads) -> np.ndarray:
    terms = options(clause)
    if len(terms) == 1:
        return reads.matches(terms[0])
    found = np.zeros(segs.n, dtype=bool)
    for term in terms:
        found |= reads.matches(term)
    return found


def place_docs(segs: Segments, name: str) -> np.ndarray:
    """Live passages whose place (any level, full or short name) is ``name``: 延吉 -> 延吉市's."""
    if not name:
        return np.zeros(0, dtype=np.int64)
    codes = segs.codes_containing("place", name, whole_word=True)
    if not len(codes):
        return np.zeros(0, dtype=np.int64)
    found = np.flatnonzero(np.isin(segs.column("place"), codes))
    return found[segs.live[found]]


def facet_docs(segs: Segments, query: ParsedQuery, filters: Filters, reads: QueryReads, field: str) -> np.ndarray | None:
    """The matches counted in ``field``'s facet when a filter on that field is set: the query
    and every other filter (None when no filter is on ``field``: the facet counts the matches)."""
    if not any(f.field == field for f in filters.columns):
        return None
    others = Filters([f for f in filters.columns if f.field != field], filters.date_from, filters.date_to)
    matched = reads.query_mask(query)
    mask = filter_mask(segs, others)
    return np.flatnonzero(matched if mask is None else matched & mask)


def filter_mask(segs: Segments, filters: Filters) -> np.ndarray | None:
    if not filters:
        return None
    mask = np.ones(segs.n, dtype=bool)
    for f in filters.columns:
        found = np.zeros(segs.n, dtype=bool)
        for column in f.columns:
            found |= segs.mask_in(column, f.values)
        mask &= found
    if filters.date_from:
        mask &= segs.dates[:, 1] >= date_key(filters.date_from, end=False)
    if filters.date_to:
        mask &= (segs.dates[:, 0] <= date_key(filters.date_to, end=True)) & (segs.dates[:, 0] > 0)
    return mask
