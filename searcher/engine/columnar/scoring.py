"""Ranking: BM25 over the jieba words of the positive terms for every match, plus bonuses."""

from __future__ import annotations

import numpy as np

from ...analysis import fold, term_words, word_hash
from ...query import ParsedQuery
from .matching import QueryReads
from .segments import COLUMNS, Segments

BM25_K1 = 1.2
BM25_B = 0.75
TITLE_BONUS = 1.5
SECTION_BONUS = 1.2
PHRASE_BONUS = 3.0
PLACE_BONUS = 0.5
HEADING_FACTOR = 0.5


def bm25(segs: Segments, docs: np.ndarray, matched: np.ndarray, query: ParsedQuery, reads: QueryReads) -> np.ndarray:
    """BM25 of each of ``docs`` (the positions set in ``matched``) over the words of the positive
    terms, plus bonuses for the whole term as written (phrase), the title, the section heading
    and the place.

    Scores accumulate in an array over all document numbers: adding a word's postings is one
    scatter, with no search for where each posting falls among the matches."""
    if not len(docs):
        return np.zeros(0, dtype=np.float64)
    full = np.zeros(segs.n, dtype=np.float64)
    n = max(1, len(segs.live_docs))
    norm = segs.bm25_norm(BM25_K1, BM25_B)
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
        table = np.zeros(len(segs.values[COLUMNS.index(column)]), dtype=np.float64)
        for term in query.positive_terms():
            folded = fold(term.text).strip()
            if folded and not term.wildcard:
                table[segs.codes_containing(column, folded)] += bonus
        if table.any():
            scores += table[segs.column(column)[docs]]
    # BM25 loves short fields: a bare heading would outrank the paragraphs under it.
    scores *= segs.heading_factor(HEADING_FACTOR)[docs]
    return scores
