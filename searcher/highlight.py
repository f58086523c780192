"""Where query terms occur in a passage, and that passage marked up for HTML or a terminal.

Highlights are computed on the folded text (simplified, lower case) and applied to the
text as written; folding keeps length, so offsets carry over. HTML is built by escaping
every piece of document text first and adding ``<mark>`` second.
"""

from __future__ import annotations

from html import escape

from .analysis import fold
from .matching import term_spans
from .query import Term


def spans(text: str, terms: list[Term]) -> list[tuple[int, int]]:
    """Merged (start, end) character spans of what made each term match ``text``
    (searcher.matching): never a lone character of a term that matched as a whole elsewhere.

    >>> spans("延吉市设立路长，路长巡查，道路长度", [Term("路长")])
    [(5, 7), (8, 10), (14, 16)]
    """
    folded = fold(text)
    if len(folded) != len(text):
        folded = text
    found: list[tuple[int, int]] = []
    for term in terms:
        found.extend(term_spans(folded, term))
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
