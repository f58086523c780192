"""Where query terms occur in a passage, and that passage marked up for HTML or a terminal.

Highlights are computed on the folded text (simplified, lower case) and applied to the
text as written; folding keeps length, so offsets carry over. HTML is built by escaping
every piece of document text first and adding ``<mark>`` second.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from .analysis import fold, term_words
from .query import Term


def _patterns(terms: list[Term]) -> list[re.Pattern[str]]:
    return _compiled(tuple((term.text, term.quoted) for term in terms))


@lru_cache(maxsize=1024)
def _compiled(terms: tuple[tuple[str, bool], ...]) -> list[re.Pattern[str]]:
    """Patterns for a query's terms, once per query rather than once per hit."""
    needles: set[str] = set()
    for text, quoted in terms:
        needles.add(fold(text))
        if not quoted:
            needles.update(term_words(text))
    out = []
    for needle in sorted(needles, key=len, reverse=True):
        cs = [c for c in needle if not c.isspace()]
        if cs:
            out.append(re.compile(r"\s*".join(re.escape(c) for c in cs)))
    return out


def spans(text: str, terms: list[Term]) -> list[tuple[int, int]]:
    """Merged (start, end) character spans of every term occurrence in ``text``.

    >>> spans("延吉市设立路长，路长巡查", [Term("路长")])
    [(5, 7), (8, 10)]
    """
    folded = fold(text)
    if len(folded) != len(text):
        folded = text
    found: list[tuple[int, int]] = []
    for pattern in _patterns(terms):
        found.extend((m.start(), m.end()) for m in pattern.finditer(folded) if m.end() > m.start())
    found.sort()
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def markup(text: str, spans_: list[tuple[int, int]], before: str, after: str, esc: bool) -> str:
    out: list[str] = []
    pos = 0
    e = escape if esc else (lambda s: s)
    for start, end in spans_:
        out.append(e(text[pos:start]))
        out.append(before + e(text[start:end]) + after)
        pos = end
    out.append(e(text[pos:]))
    return "".join(out)


def html(text: str, spans_: list[tuple[int, int]]) -> str:
    """Escaped text with ``<mark>`` around matches.

    >>> html("<b>路长</b>", [(3, 5)])
    '&lt;b&gt;<mark>路长</mark>&lt;/b&gt;'
    """
    return markup(text, spans_, "<mark>", "</mark>", esc=True)


def ansi(text: str, spans_: list[tuple[int, int]], colour: bool) -> str:
    if not colour:
        return text
    return markup(text, spans_, "\x1b[1;31m", "\x1b[0m", esc=False)
