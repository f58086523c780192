"""User query syntax -> a small engine-neutral query tree.

Syntax (what the README documents; what each term *matches* is ``searcher.matching``):

* words separated by spaces are ANDed: ``路长 巡查`` (``AND``, ``&&`` and, between Chinese terms,
  ``and`` may be written too)
* ``"exact text"`` (or “exact text”) finds every passage containing that exact string
* ``a OR b`` (or ``a | b``; ``or`` between Chinese terms) matches either; OR binds tighter than AND
* ``-word``, ``-"exact text"`` or ``NOT word`` excludes what that term would match
* ``门前?包`` / ``门前*包``: ``?`` is one character, ``*`` one to four (letters, digits or Chinese)
* ``province:吉林`` ``city:延吉`` ``county:船营区`` ``year:2023`` (also 省份: 城市: 区县: 年份:) filter
* abbreviations expand from ``data/abbreviations.tsv`` (创城 -> 创建文明城市 OR 文明城市创建), in
  either script (創城 too)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .fields import FILTER_BY_NAME, PREFIXES
from .model import Notice
from .text import normalize_text

DATA_DIR = Path(__file__).parent / "data"
MAX_QUERY_CHARS = 500

FIELD_ALIASES = PREFIXES  # city / 城市 / 市 ... -> filter name (searcher.fields)
_FIELD_RE = re.compile(r"^(" + "|".join(sorted(map(re.escape, FIELD_ALIASES), key=len, reverse=True)) + r")[:：](.*)$")
_QUOTES = {'"': '"', "“": "”", "「": "」"}
WILDCARDS = "*?？"
# Punctuation around an unquoted word is never what a user means to search for (a wildcard at
# an edge adds nothing either: every term already matches inside longer words).
_EDGE_PUNCT = "，。、；：？！,.;:?!()（）[]【】《》<>*~`'‘’\"“”…—-_+=/\\|#$%^&@"
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class QueryError(ValueError):
    """A query that cannot be run. ``str()`` is the English message (CLI, JSON); ``zh`` says
    the same in Chinese for the web page; ``field`` names what to change ("q", "from", "to", ...)."""

    def __init__(self, message: str, zh: str | None = None, field: str = "q") -> None:
        super().__init__(message)
        self.zh = zh or message
        self.field = field


@dataclass(frozen=True)
class Term:
    """A word or phrase. ``quoted``: match the exact string only."""

    text: str
    quoted: bool = False

    @property
    def wildcard(self) -> bool:
        return not self.quoted and any(ch in WILDCARDS for ch in self.text)


@dataclass(frozen=True)
class AnyOf:
    options: tuple[Term, ...]


Clause = Term | AnyOf


def options(clause: Clause) -> tuple[Term, ...]:
    """The terms of a clause: one, or the alternatives of an OR group."""
    return clause.options if isinstance(clause, AnyOf) else (clause,)


@dataclass
class ParsedQuery:
    text: str
    must: list[Clause] = field(default_factory=list)
    # Each removes what it would match as a positive clause (abbreviations expanded too).
    must_not: list[Clause] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    # Things the user should know about how the query was read (shown, never an error).
    notes: list[Notice] = field(default_factory=list)

    def positive_terms(self) -> list[Term]:
        """Every term that can match, for highlighting and ranking."""
        return [term for clause in self.must for term in options(clause)]

    @property
    def is_empty(self) -> bool:
        return not self.must and not self.must_not


@cache
def abbreviations() -> dict[str, tuple[str, ...]]:
    """Folded abbreviation -> its expansions, so 創城 finds what 创城 finds."""
    from .analysis import fold

    text = (DATA_DIR / "abbreviations.tsv").read_text(encoding="utf-8")
    table: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("\t") if p.strip()]
        if len(parts) >= 2 and not parts[0].startswith("#"):
            table[fold(parts[0])] = tuple(parts[1:])
    return table


def _lex(text: str) -> list[tuple[str, str]]:
    """Split into (kind, value) tokens: word, phrase, or, and, not."""
    tokens: list[tuple[str, str]] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "-" and i + 1 < n and text[i + 1] in _QUOTES:
            tokens.append(("not", "-"))  # -"exact text"
            i += 1
            continue
        if ch in _QUOTES:
            close = _QUOTES[ch]
            end = text.find(close, i + 1)
            if end < 0:
                raise QueryError(
                    f"Unbalanced quote {ch} in the query: add the closing {close} or remove the quote.",
                    f"引号 {ch} 没有配对：请补上 {close}，或删去这个引号。",
                )
            tokens.append(("phrase", text[i + 1 : end]))
            i = end + 1
            continue
        if ch in "”」":
            raise QueryError(
                f"Unbalanced quote {ch} in the query: add the opening quote or remove it.",
                f"引号 {ch} 没有配对：请补上前引号，或删去它。",
            )
        if ch == "|":
            j = i + 1 + (i + 1 < n and text[i + 1] == "|")
            tokens.append(("or", text[i:j]))
            i = j
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
                raise QueryError(
                    f"Unbalanced quote {text[j]} in the query: add the closing {close} or remove it.",
                    f"引号 {text[j]} 没有配对：请补上 {close}，或删去这个引号。",
                )
            word += text[j + 1 : end]
            j = end + 1
        if word == "OR":
            tokens.append(("or", word))
        elif word in ("AND", "&&", "&"):
            tokens.append(("and", word))
        elif word == "NOT":
            tokens.append(("not", word))
        else:
            tokens.append(("word", word))
        i = j
    return _lower_case_operators(tokens)


def _lower_case_operators(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``and`` / ``or`` / ``not`` as operators only where nothing else makes sense: between
    Chinese terms (``not``: before one, after another). Elsewhere they are words (``wifi or``)."""

    def chinese(k: int) -> bool:
        return 0 <= k < len(tokens) and tokens[k][0] in ("word", "phrase") and bool(_CJK.search(tokens[k][1]))

    out = list(tokens)
    for k, (kind, value) in enumerate(tokens):
        low = value.lower()
        if kind != "word" or low not in ("and", "or", "not"):
            continue
        if chinese(k - 1) and chinese(k + 1):
            out[k] = (low, value)
    return out


_OR_EXAMPLE = "OR needs a word on each side, for example: 路长 OR 街长."
_OR_EXAMPLE_ZH = "OR 两边都要有词，例如：路长 OR 街长。"


def parse_query(text: str) -> ParsedQuery:
    """Parse user query text, or raise QueryError with a message naming the fix.

    >>> q = parse_query('路长 -街长 "门前四包" city:延吉 创城')
    >>> [type(c).__name__ for c in q.must], q.must_not, q.filters
    (['Term', 'Term', 'AnyOf'], [Term(text='街长', quoted=False)], {'city': ['延吉']})
    """
    text = normalize_text(text).strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"The query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}. "
            "Shorten it to the words that matter, or quote the exact passage text you need.",
            f"查询有 {len(text)} 个字符，上限是 {MAX_QUERY_CHARS}。请只保留关键的词，或用引号括住需要的原文片段。",
        )
    parsed = ParsedQuery(text=text)
    tokens = _lex(text)
    groups: list[list[Term]] = []
    excluded: list[list[Term]] = []
    pending_or = False
    pending_and = False
    negate = False
    last_negated = False
    for idx, (kind, value) in enumerate(tokens):
        last = idx == len(tokens) - 1
        if kind == "or":
            if last_negated:
                raise QueryError(
                    "OR cannot follow an excluded word; to exclude several, write -电动车 -充电桩.",
                    "OR 不能跟在排除的词后面；要排除几个词，请写 -电动车 -充电桩。",
                )
            if not groups or pending_or or pending_and or negate or last:
                raise QueryError(_OR_EXAMPLE, _OR_EXAMPLE_ZH)
            pending_or = True
            continue
        if kind == "and":
            if not (groups or excluded) or pending_or or pending_and or negate or last:
                raise QueryError(
                    f"{value} needs a word on each side, for example: 志愿服务 {value} 疫情.",
                    f"{value} 两边都要有词，例如：志愿服务 {value} 疫情。",
                )
            pending_and = True
            continue
        if kind == "not":
            if negate or last:
                raise QueryError(
                    "NOT needs a word after it, for example: 路长 NOT 街长 (or 路长 -街长).",
                    "NOT 后面要有词，例如：路长 NOT 街长（或 路长 -街长）。",
                )
            if pending_or:
                raise QueryError(
                    "OR cannot be followed by NOT; write 路长 -街长 OR 巷长 as 路长 -街长 -巷长.",
                    "OR 后面不能接 NOT；要排除几个词，请写 路长 -街长 -巷长。",
                )
            negate = True
            continue
        term: Term | None
        if kind == "phrase":
            phrase = value.strip()
            if not phrase:
                raise QueryError(
                    'Empty quotes "" in the query: put the exact text between them, or remove them.',
                    '查询里有空引号 ""：请在引号中写上要精确查找的文字，或删去引号。',
                )
            term = Term(phrase, quoted=True)
        else:
            if value.startswith("-") and len(value) > 1 and not negate:
                negate = True
                value = value[1:]
            m = _FIELD_RE.match(value)
            if m:
                if pending_or or negate:
                    raise QueryError(
                        f"{m.group(1)}: is a filter and cannot be combined with OR or NOT.",
                        f"{m.group(1)}: 是筛选条件，不能和 OR 或 NOT 连用。",
                    )
                pending_and = False
                _add_filter(parsed, FIELD_ALIASES[m.group(1)], m.group(1), m.group(2))
                continue
            term = _unquoted(value, parsed)
        if term is None:
            if pending_or or negate or pending_and:
                raise QueryError(
                    "OR, AND and NOT need a word to apply to, not only punctuation.",
                    "OR、AND、NOT 需要作用于一个词，不能只有标点。",
                )
            continue
        last_negated = negate
        pending_and = False
        if negate:
            excluded.append([term])
            negate = False
        elif pending_or:
            groups[-1].append(term)
            pending_or = False
        else:
            groups.append([term])
    if not groups and not excluded and not parsed.filters:
        raise QueryError(
            'The query has no words to search for. Type words or a quoted phrase, e.g. 路长 or "门前四包".',
            '查询里没有可检索的词。请输入词语或带引号的短语，例如 路长 或 "门前四包"。',
        )
    if not groups and excluded and not parsed.filters:
        raise QueryError(
            "Add at least one word or filter besides the excluded ones, e.g. 充电 -飞线.",
            "除了要排除的词，至少还要有一个检索词或筛选条件，例如：充电 -飞线。",
        )
    parsed.must = [_expand(group) for group in groups]
    parsed.must_not = [_expand(group) for group in excluded]
    return parsed


def _unquoted(value: str, parsed: ParsedQuery) -> Term | None:
    word = value.strip(_EDGE_PUNCT)
    edges = value[: len(value) - len(value.lstrip(_EDGE_PUNCT))] + value[len(value.rstrip(_EDGE_PUNCT)) :]
    if word and any(ch in WILDCARDS for ch in edges):
        parsed.notes.append(
            Notice(
                f"The * or ? at the edge of {value!r} was left out: every term already matches inside longer words.",
                f"“{value}”两端的 * 或 ? 已忽略：检索词本来就能匹配更长的词。",
            )
        )
    if not word or all(ch in WILDCARDS for ch in word):
        return None
    return Term(re.sub(r"\*+", "*", word))


def _expand(group: list[Term]) -> Clause:
    found: list[Term] = []
    for term in group:
        found.append(term)
        if not term.quoted and not term.wildcard:
            from .analysis import fold

            found.extend(Term(alt) for alt in abbreviations().get(fold(term.text), ()))
    unique = tuple(dict.fromkeys(found))
    return unique[0] if len(unique) == 1 else AnyOf(unique)


def _add_filter(parsed: ParsedQuery, name: str, typed: str, value: str) -> None:
    value = value.strip().strip('"“”')
    spec = FILTER_BY_NAME[name]
    if not value:
        raise QueryError(
            f"{typed}: needs a value, for example {typed}:{spec.example}.", f"{typed}: 后面要写值，例如 {typed}:{spec.example}。"
        )
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        en, zh = spec.form
        raise QueryError(
            f"{typed}: takes {en}, for example {typed}:{spec.example} (got {value!r}).",
            f"{typed}: 后面要写{zh}，例如 {typed}:{spec.example}（现在是 {value!r}）。",
        )
    parsed.filters.setdefault(name, []).append(value)
