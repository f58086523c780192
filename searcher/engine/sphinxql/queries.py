"""The match rule as SphinxQL: a parsed query -> a MATCH() expression, filters -> a WHERE clause.

A term matches (a) by its text: a quoted string as a phrase on ``@qchars`` (the folded text's
characters), an unquoted one as a phrase on ``@mchars`` (the matching text's); (c) by the place
it names, a whole token of ``@place``; (b) its words close together: for two words with NEAR
(``window_expression``); three or more words and wildcards are refused with ``Unsupported``.
OR groups, AND and NOT map to Sphinx's ``|``, space and ``-``.
"""

from __future__ import annotations

from ...analysis import fold
from ...dates import date_key
from ...matching import matching_text, window_limit, window_words
from ...query import Clause, ParsedQuery, Term, options
from ..base import ColumnFilter, Filters
from . import schema


class Unsupported(ValueError):
    """A query this engine cannot yet answer exactly (the message says which part)."""


def term_expression(term: Term) -> str:
    if term.wildcard:
        raise Unsupported(f"wildcards ({term.text}) are not supported on the cluster engine yet")
    if term.quoted:
        chars = schema.char_tokens(fold(term.text))
        return f'(@qchars "{chars}")' if chars else "(@qchars zzzznothing)"
    text = schema.char_tokens(matching_text(fold(term.text)))
    parts = [f'(@mchars "{text}")'] if text else []
    words = window_words(term.text)
    if words:
        parts.append(window_expression(words, window_limit(term.text), term.text))
    place = schema.word_token(fold(term.text).strip())
    if place:
        parts.append(f"(@place {place})")
    return "(" + " | ".join(parts) + ")" if parts else "(@qchars zzzznothing)"


def window_expression(words: tuple[str, ...], limit: int, term: str) -> str:
    """Rule (b) for two words: both within a stretch of ``limit`` characters of matching text.

    ``"a" NEAR/N "b"`` matches when at most N - 1 tokens stand between the two phrases, in either
    order (measured here), so N = limit - len(a) - len(b) + 1. Occurrences that overlap (text
    holding a's end as b's start) are the phrases of their merges; a word inside the other matches
    wherever the other does."""
    if len(words) != 2:
        raise Unsupported(
            f"{term} is matched by its {len(words)} words close together (rule b), which the cluster engine does "
            f'only for two words yet; quote it ("{term}") for the exact text'
        )
    a, b = words
    phrases = [f'"{schema.char_tokens(a)}"', f'"{schema.char_tokens(b)}"']
    alternatives = []
    gap = limit - len(a) - len(b) + 1
    if gap >= 1:
        alternatives.append(f"(@mchars {phrases[0]} NEAR/{gap} {phrases[1]})")
    merged = {w for w in (a, b) if (b if w == a else a) in w}
    for first, second in ((a, b), (b, a)):
        for o in range(1, min(len(first), len(second))):
            if first[-o:] == second[:o]:
                merged.add(first + second[o:])
    alternatives += [f'(@mchars "{schema.char_tokens(m)}")' for m in sorted(merged) if len(m) <= limit]
    return "(" + " | ".join(alternatives) + ")" if alternatives else "(@qchars zzzznothing)"


def clause_expression(clause: Clause) -> str:
    terms = options(clause)
    if len(terms) == 1:
        return term_expression(terms[0])
    return "(" + " | ".join(term_expression(t) for t in terms) + ")"


def match_expression(query: ParsedQuery) -> str | None:
    """The MATCH() text, or None when the query has no terms (filters alone)."""
    if not query.must:
        if query.must_not:
            raise Unsupported("a query of exclusions only is not supported on the cluster engine yet")
        return None
    positive = " ".join(clause_expression(c) for c in query.must)
    negative = " ".join(f"-{clause_expression(c)}" for c in query.must_not)
    return f"{positive} {negative}".strip()


def _codes(column: str, values: tuple[str, ...]) -> list[int]:
    if column == "year":
        return [int(v) for v in values if v.isdigit()]
    if column == "doc_id":
        return [schema.row_id(v, "") for v in values]
    if column == "path_key":
        return [schema.file_id(v) for v in values]
    return [schema.value_code(v) for v in values]


_ATTRIBUTE = {"doc_id": "doc", "path_key": "file_id"}


def filter_condition(f: ColumnFilter) -> str:
    if not f.values:
        return "id = 0"  # a filter whose values resolved to nothing keeps nothing
    if set(f.columns) == {"city", "county"}:
        codes = sorted(set(_codes("city", f.values)))
        return f"places IN ({','.join(map(str, codes))})"
    parts = []
    for column in f.columns:
        codes = sorted(set(_codes(column, f.values))) or [0]
        parts.append(f"{_ATTRIBUTE.get(column, column)} IN ({','.join(map(str, codes))})")
    if len(parts) > 1:
        raise Unsupported(f"a filter over the columns {', '.join(f.columns)} is not supported on the cluster engine yet")
    return parts[0]


def where(filters: Filters) -> list[str]:
    """The conditions of a WHERE clause (ANDed) for the filters."""
    out = [filter_condition(f) for f in filters.columns]
    if filters.date_from:
        out.append(f"date_end >= {date_key(filters.date_from, end=False)}")
    if filters.date_to:
        out.append(f"date_start <= {date_key(filters.date_to, end=True)}")
        out.append("date_start > 0")
    return out
