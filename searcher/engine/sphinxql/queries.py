"""The match rule as SphinxQL: a parsed query -> a MATCH() expression, filters -> a WHERE clause.

A term matches (a) by its text: a quoted string as a phrase on ``@qchars`` (the folded text's
characters), an unquoted one as a phrase on ``@mchars`` (the matching text's); (c) by the place
it names, a whole token of ``@place``; (b) its words close together: for two words with NEAR
(``window_expression``). Three or more words and wildcards have no exact SphinxQL form: the
expression holds a superset (``superset_expression``) and the plan lists the rows to check in
the app against ``matching.term_spans``, which are then left out (``Plan.checks``).
OR groups, AND and NOT map to Sphinx's ``|``, space and ``-``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...analysis import fold
from ...dates import date_key
from ...matching import literal_pieces, matching_text, window_limit, window_words
from ...query import Clause, ParsedQuery, QueryError, Term, options
from ..base import ColumnFilter, Filters
from . import schema


class Unsupported(QueryError):
    """A query this engine cannot yet answer exactly (the message says which part)."""


NOTHING = "(@qchars zzzznothing)"


def exact(term: Term) -> bool:
    """Whether SphinxQL alone decides this term's match set (else: a superset, checked in the app)."""
    words = window_words(term.text) if not term.quoted and not term.wildcard else None
    return not term.wildcard and (words is None or len(words) <= 2)


def text_expression(term: Term) -> str:
    """The part of a term's match set SphinxQL decides exactly: (a), (c), and (b) for two words."""
    if term.quoted:
        chars = schema.char_tokens(fold(term.text))
        return f'(@qchars "{chars}")' if chars else NOTHING
    parts = []
    if not term.wildcard:
        text = schema.char_tokens(matching_text(fold(term.text)))
        if text:
            parts.append(f'(@mchars "{text}")')
        words = window_words(term.text)
        if words and len(words) == 2:
            parts.append(window_expression(words, window_limit(term.text)))
        name = fold(term.text).strip()
        if name:
            parts.append(f"(@place {schema.word_token(name, schema.PLACE)})")
    return "(" + " | ".join(parts) + ")" if parts else NOTHING


def superset_expression(term: Term) -> str:
    """What every match of a term's inexact rule holds: a wildcard term's literal pieces; every
    pair of a window term's three or more words within the window (each pair exactly as for two
    words: necessary, not sufficient)."""
    if term.wildcard:
        pieces = [schema.char_tokens(p) for p in literal_pieces(term.text)]
        return "(" + " ".join(f'(@mchars "{p}")' for p in pieces) + ")" if pieces else ""
    words = window_words(term.text) or ()
    limit = window_limit(term.text)
    pairs = [window_expression((a, b), limit) for i, a in enumerate(words) for b in words[i + 1 :]]
    return "(" + " ".join(pairs) + ")"


def term_expression(term: Term) -> str:
    """A term's match set, or a superset of it when ``exact(term)`` is false."""
    if exact(term):
        return text_expression(term)
    superset = superset_expression(term)
    if not superset:
        raise Unsupported(f"the wildcard term {term.text} has no literal characters; add some (门前?包)")
    parts = [text_expression(term), superset]
    return "(" + " | ".join(p for p in parts if p != NOTHING) + ")"


def window_expression(words: tuple[str, ...], limit: int) -> str:
    """Rule (b) for two words: both within a stretch of ``limit`` characters of matching text.

    ``"a" NEAR/N "b"`` matches when at most N - 1 tokens stand between the two phrases, in either
    order (measured here), so N = limit - len(a) - len(b) + 1. Occurrences that overlap (text
    holding a's end as b's start) are the phrases of their merges; a word inside the other matches
    wherever the other does."""
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
    return "(" + " | ".join(alternatives) + ")" if alternatives else NOTHING


def clause_expression(clause: Clause) -> str:
    terms = options(clause)
    if len(terms) == 1:
        return term_expression(terms[0])
    return "(" + " | ".join(term_expression(t) for t in terms) + ")"


@dataclass
class Check:
    """Rows the query's expression keeps through a superset of ``term`` alone: each is a match
    only if ``term`` really matches its text (``matching.term_spans``), checked in the app."""

    term: Term
    expression: str


@dataclass
class Plan:
    expression: str | None  # the MATCH() text; None for filters alone
    checks: list[Check]


def plan(query: ParsedQuery) -> Plan:
    """The query as a MATCH() expression, and the checks its inexact terms need."""
    if not query.must:
        if query.must_not:
            raise Unsupported("a query of exclusions only is not supported on the cluster engine yet")
        return Plan(None, [])
    for clause in query.must_not:
        if not all(exact(t) for t in options(clause)):
            raise Unsupported(
                "excluding a wildcard term or one of three or more words is not supported on the cluster engine yet; quote it"
            )
    positive = [clause_expression(c) for c in query.must]
    negative = " ".join(f"-{clause_expression(c)}" for c in query.must_not)
    checks = []
    for i, clause in enumerate(query.must):
        terms = options(clause)
        for t in terms:
            if exact(t):
                continue
            others = [e for j, e in enumerate(positive) if j != i]
            # Rows kept by t's superset alone: no exact part of t, no other option of its clause.
            excluded = " ".join(f"-{text_expression(t)}" if u == t else f"-{term_expression(u)}" for u in terms)
            expression = " ".join([*others, superset_expression(t), excluded, negative]).strip()
            checks.append(Check(t, expression))
    return Plan(f"{' '.join(positive)} {negative}".strip(), checks)


def match_expression(query: ParsedQuery) -> str | None:
    """The MATCH() text, or None when the query has no terms (filters alone)."""
    return plan(query).expression


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
