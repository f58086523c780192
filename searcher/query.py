"""User query syntax -> a small engine-neutral query tree.

Syntax (what the README documents):

* words separated by spaces are ANDed: ``路长 巡查``
* ``"exact text"`` (or “exact text”) finds every passage containing that exact string
* ``a OR b`` (or ``a | b``) matches either; OR binds tighter than AND: ``路长 街长 OR 巷长``
* ``-word`` or ``NOT word`` excludes passages containing it
* ``province:吉林`` ``city:延吉`` ``county:船营区`` ``year:2023`` (also 省份: 城市: 区县: 年份:) filter
* abbreviations expand from ``data/abbreviations.tsv`` (创城 -> 创建文明城市 OR 文明城市创建)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
MAX_QUERY_CHARS = 500

FIELD_ALIASES = {
    "province": "province",
    "省份": "province",
    "省": "province",
    "city": "city",
    "城市": "city",
    "市": "city",
    "county": "county",
    "区县": "county",
    "县": "county",
    "year": "year",
    "年份": "year",
    "年": "year",
}
_FIELD_RE = re.compile(r"^(" + "|".join(sorted(map(re.escape, FIELD_ALIASES), key=len, reverse=True)) + r")[:：](.*)$")
_QUOTES = {'"': '"', "“": "”", "「": "」"}
# Punctuation around an unquoted word is never what a user means to search for.
_EDGE_PUNCT = "，。、；：？！,.;:?!()（）[]【】《》<>*~`'‘’\"“”…—-_+=/\\|#$%^&@"


class QueryError(ValueError):
    """A query that cannot be run; the message tells the user how to fix it."""


@dataclass(frozen=True)
class Term:
    """A word or phrase. ``quoted``: match the exact string only."""

    text: str
    quoted: bool = False


@dataclass(frozen=True)
class AnyOf:
    options: tuple[Term, ...]


Clause = Term | AnyOf


@dataclass
class ParsedQuery:
    text: str
    must: list[Clause] = field(default_factory=list)
    must_not: list[Term] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)

    def positive_terms(self) -> list[Term]:
        """Every term that can match, for highlighting."""
        out: list[Term] = []
        for clause in self.must:
            out.extend(clause.options if isinstance(clause, AnyOf) else (clause,))
        return out

    @property
    def is_empty(self) -> bool:
        return not self.must and not self.must_not


@cache
def abbreviations() -> dict[str, tuple[str, ...]]:
    text = (DATA_DIR / "abbreviations.tsv").read_text(encoding="utf-8")
    table: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("\t") if p.strip()]
        if len(parts) >= 2 and not parts[0].startswith("#"):
            table[parts[0]] = tuple(parts[1:])
    return table


def _lex(text: str) -> list[tuple[str, str]]:
    """Split into (kind, value) tokens: word, phrase, or, not."""
    tokens: list[tuple[str, str]] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in _QUOTES:
            close = _QUOTES[ch]
            end = text.find(close, i + 1)
            if end < 0:
                raise QueryError(f"Unbalanced quote {ch} in the query: add the closing {close} or remove the quote.")
            tokens.append(("phrase", text[i + 1 : end]))
            i = end + 1
            continue
        if ch in "”」":
            raise QueryError(f"Unbalanced quote {ch} in the query: add the opening quote or remove it.")
        if ch == "|":
            tokens.append(("or", "|"))
            i += 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in _QUOTES and text[j] != "|":
            j += 1
        word = text[i:j]
        # field:"quoted value"
        if word.endswith((":", "：")) and j < n and text[j] in _QUOTES and _FIELD_RE.match(word):
            close = _QUOTES[text[j]]
            end = text.find(close, j + 1)
            if end < 0:
                raise QueryError(f"Unbalanced quote {text[j]} in the query: add the closing {close} or remove it.")
            word += text[j + 1 : end]
            j = end + 1
        if word == "OR":
            tokens.append(("or", word))
        elif word == "NOT":
            tokens.append(("not", word))
        else:
            tokens.append(("word", word))
        i = j
    return tokens


def parse_query(text: str) -> ParsedQuery:
    """Parse user query text, or raise QueryError with a message naming the fix.

    >>> q = parse_query('路长 -街长 "门前四包" city:延吉 创城')
    >>> [type(c).__name__ for c in q.must], q.must_not, q.filters
    (['Term', 'Term', 'AnyOf'], [Term(text='街长', quoted=False)], {'city': ['延吉']})
    """
    text = text.strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"The query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}. "
            "Shorten it to the words that matter, or quote the exact passage text you need."
        )
    parsed = ParsedQuery(text=text)
    tokens = _lex(text)
    groups: list[list[Term]] = []
    pending_or = False
    negate = False
    last_negated = False
    for idx, (kind, value) in enumerate(tokens):
        if kind == "or":
            if last_negated:
                raise QueryError("OR cannot follow an excluded word; to exclude several, write -电动车 -充电桩.")
            if not groups or pending_or or negate or idx == len(tokens) - 1:
                raise QueryError("OR needs a word on each side, for example: 路长 OR 街长.")
            pending_or = True
            continue
        if kind == "not":
            if negate or idx == len(tokens) - 1:
                raise QueryError("NOT needs a word after it, for example: 路长 NOT 街长 (or 路长 -街长).")
            negate = True
            continue
        term: Term | None
        if kind == "phrase":
            phrase = value.strip()
            if not phrase:
                raise QueryError('Empty quotes "" in the query: put the exact text between them, or remove them.')
            term = Term(phrase, quoted=True)
        else:
            if value.startswith("-") and len(value) > 1 and not negate:
                negate = True
                value = value[1:]
            m = _FIELD_RE.match(value)
            if m:
                if pending_or or negate:
                    raise QueryError(f"{m.group(1)}: is a filter and cannot be combined with OR or NOT.")
                _add_filter(parsed, FIELD_ALIASES[m.group(1)], m.group(1), m.group(2))
                continue
            word = value.strip(_EDGE_PUNCT)
            term = Term(word) if word else None
        if term is None:
            if pending_or or negate:
                raise QueryError("OR and NOT need a word to apply to, not only punctuation.")
            continue
        last_negated = negate
        if negate:
            parsed.must_not.append(term)
            negate = False
        elif pending_or:
            groups[-1].append(term)
            pending_or = False
        else:
            groups.append([term])
    if not groups and not parsed.must_not and not parsed.filters:
        raise QueryError(
            "The query has no words to search for. Type words or a quoted phrase, e.g. 路长 or \"门前四包\" "
            "(wildcards such as * are not needed: every query already matches inside words)."
        )
    if not groups and parsed.must_not and not parsed.filters:
        raise QueryError("Add at least one word or filter besides the excluded ones, e.g. 充电 -飞线.")
    parsed.must = [_expand(group) for group in groups]
    return parsed


def _expand(group: list[Term]) -> Clause:
    options: list[Term] = []
    for term in group:
        options.append(term)
        if not term.quoted:
            options.extend(Term(alt) for alt in abbreviations().get(term.text, ()))
    unique = tuple(dict.fromkeys(options))
    return unique[0] if len(unique) == 1 else AnyOf(unique)


def _add_filter(parsed: ParsedQuery, name: str, typed: str, value: str) -> None:
    value = value.strip().strip('"“”')
    if not value:
        examples = {"province": "吉林", "city": "延吉", "county": "船营区", "year": "2023"}
        raise QueryError(f"{typed}: needs a value, for example {typed}:{examples[name]}.")
    if name == "year" and not re.fullmatch(r"\d{4}", value):
        raise QueryError(f"{typed}: takes a four-digit year, for example {typed}:2023 (got {value!r}).")
    parsed.filters.setdefault(name, []).append(value)
