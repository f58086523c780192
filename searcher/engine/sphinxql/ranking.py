"""The local engine's ranking (engine/columnar/scoring.py), computed in the application for the
cluster's candidates: BM25 over the jieba words of the positive terms, with the collection's
statistics (passages, average length, each word's document frequency) from the cluster, plus the
bonuses for the whole term (phrase), the title, the section and the place, and bare headings damped.

Sphinx 2.2's own BM25 does not serve: ``bm25a`` scores every passage of an RT index filled by
INSERT alike, and ``bm25`` / ``proximity_bm25`` agree with it on a top 10 only 23-41% of the time
(../shared/notes/sphinxql-facts.md). So the cluster picks candidates (every match when there are
few, else its best ``POOL`` by tf-idf of the words) and this module orders them as the local
engine would.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ...analysis import fold, term_words, words
from ...matching import matching_text, wildcard_regex
from ...query import ParsedQuery, Term
from ..columnar.scoring import BM25_B, BM25_K1, HEADING_FACTOR, PHRASE_BONUS, PLACE_BONUS, SECTION_BONUS, TITLE_BONUS


@dataclass
class Collection:
    """What BM25 needs of the whole collection."""

    passages: int
    average_length: float
    frequency: dict[str, int]  # word -> passages holding it in their text


def query_words(query: ParsedQuery) -> list[str]:
    """The distinct words BM25 scores, in order."""
    return list(dict.fromkeys(w for term in query.positive_terms() for w in term_words(term.text)))


def _text_match(term: Term, folded: str) -> bool:
    """Rule (a) alone, as the local engine's phrase bonus counts it."""
    if term.quoted:
        needle = "".join(fold(term.text).split())
        return bool(needle) and needle in "".join(folded.split())
    text = matching_text(folded)
    if term.wildcard:
        return re.search(wildcard_regex(term.text), text) is not None
    needle = matching_text(fold(term.text))
    return bool(needle) and needle in text


def score(query: ParsedQuery, stored: dict[str, Any], collection: Collection) -> float:
    """One passage's score, as ``columnar.scoring.bm25`` gives it."""
    text = stored["text"]
    folded = fold(text)
    # The words as the indexer found them (stored with the passage), else found again.
    counts = Counter(stored["words"].split(" ") if stored.get("words") else words(text))
    length = sum(counts.values())
    norm = BM25_K1 * (1 - BM25_B + BM25_B * length / collection.average_length) if collection.average_length else BM25_K1
    n = max(1, collection.passages)
    total = 0.0
    for w in query_words(query):
        df = collection.frequency.get(w, 0)
        tf = counts.get(w, 0)
        if df and tf:
            idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
            total += idf * tf * (BM25_K1 + 1) / (tf + norm)
    places = set(stored.get("place_names") or ())
    title = fold(stored.get("title") or "")
    section = fold(stored.get("section") or "")
    for term in query.positive_terms():
        name = fold(term.text).strip()
        if _text_match(term, folded):
            total += PHRASE_BONUS
        if name and not term.quoted and not term.wildcard and name in places:
            total += PLACE_BONUS
    for term in query.positive_terms():
        name = fold(term.text).strip()
        if name and not term.wildcard:
            if name in title:
                total += TITLE_BONUS
            if name in section:
                total += SECTION_BONUS
    if stored.get("is_heading") and not stored.get("is_title"):
        total *= HEADING_FACTOR
    return total
