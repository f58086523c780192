"""The match rule: which passages a query term matches, and where in the text.

This is the one definition (the README's "Searching" section says the same in prose). The
engine implements it vectorised over its segments; this module implements it for one
passage at a time, for highlights, so that what is marked is exactly what made a passage match.

Texts are compared *folded* (``analysis.fold``: width, traditional -> simplified, lower case),
always without whitespace (PDF exports scatter spaces). Then:

* a **quoted** string matches where it occurs in that text;
* an **unquoted** term matches where (a) it occurs in the *matching text*: the same text with
  the in-phrase punctuation of ``IGNORED`` (quotation marks and 、) also removed, so 飞线充电
  finds “飞线”充电; or (b), only when the term has two or more distinct words (jieba, as the
  index segments) and every one of them has two or more characters, where all its words occur
  in the matching text within a stretch no longer than the term plus ``WINDOW`` characters
  (老旧小区改造 finds 改造老旧小区); a term with a one-character word (路长 -> 路/长) matches by
  (a) only; or (c) the passage is about the place the term names (the engine's side: no span);
* a term with **wildcards** matches (a) with ``?`` as one character and ``*`` as one to
  ``STAR_MAX`` (4) characters, each a letter, digit or Chinese character (not punctuation).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .analysis import fold, term_words
from .query import Term

# Punctuation that may stand between the characters of an unquoted term: quotation marks and 、.
IGNORED = "“”‘’\"'「」『』〝〞、"
WINDOW = 8
STAR_MAX = 4
_DROP = re.compile(rf"[\s{re.escape(IGNORED)}]")
_SPACES = re.compile(r"\s")


def matching_text(folded: str) -> str:
    """What unquoted terms are matched against: folded text without spaces and ``IGNORED``.

    >>> matching_text("破解了“飞线”充电、 问题")
    '破解了飞线充电问题'
    """
    return _DROP.sub("", folded)


def window_words(term: str) -> tuple[str, ...] | None:
    """The words rule (b) looks for, or None when (b) does not apply to ``term``.

    >>> window_words("老旧小区改造"), window_words("路长"), window_words("网格长")
    (('老旧小区', '改造'), None, None)
    """
    ws = tuple(dict.fromkeys(matching_text(w) for w in term_words(term)))
    if len(ws) < 2 or any(len(w) < 2 for w in ws):
        return None
    return ws


def window_limit(term: str) -> int:
    """The longest stretch of matching text in which rule (b) finds all of ``term``'s words."""
    return len(matching_text(fold(term))) + WINDOW


def wildcard_regex(term: str) -> str:
    """The (a) pattern of a wildcard term over matching text: ``?`` one, ``*`` one to four characters."""
    out = []
    for ch in matching_text(fold(term.replace("？", "?"))):
        if ch == "?":
            out.append(r"[^\W_]")
        elif ch == "*":
            out.append(rf"[^\W_]{{1,{STAR_MAX}}}?")  # lazy: a highlight marks the shortest match
        else:
            out.append(re.escape(ch))
    return "".join(out)


def literal_pieces(term: str) -> list[str]:
    """The literal parts of a wildcard term's matching text (every match contains all of them)."""
    return [p for p in re.split(r"[*?？]+", matching_text(fold(term))) if p]


def _kept(folded: str, drop: re.Pattern[str]) -> tuple[str, list[int]]:
    """``folded`` without what ``drop`` matches, and for each kept character its index in ``folded``."""
    index = [i for i, ch in enumerate(folded) if not drop.fullmatch(ch)]
    return "".join(folded[i] for i in index), index


def _find_all(text: str, needle: str) -> list[int]:
    out, start = [], text.find(needle)
    while start >= 0:
        out.append(start)
        start = text.find(needle, start + 1)
    return out


def term_spans(folded: str, term: Term) -> list[tuple[int, int]]:
    """(start, end) spans in ``folded`` of what makes ``term`` match it (empty: no text match)."""
    if term.quoted:
        kept, index = _kept(folded, _SPACES)
        needle = _SPACES.sub("", fold(term.text))
        return [(index[s], index[s + len(needle) - 1] + 1) for s in _find_all(kept, needle)] if needle else []
    kept, index = _kept(folded, _DROP)
    if term.wildcard:
        pattern = _compiled(wildcard_regex(term.text))
        return [(index[m.start()], index[m.end() - 1] + 1) for m in pattern.finditer(kept) if m.end() > m.start()]
    needle = matching_text(fold(term.text))
    found = [(s, s + len(needle)) for s in _find_all(kept, needle)] if needle else []
    words = window_words(term.text)
    if words:
        found.extend(_window_spans(kept, words, window_limit(term.text)))
    return [(index[s], index[e - 1] + 1) for s, e in found]


def _window_spans(kept: str, words: tuple[str, ...], limit: int) -> list[tuple[int, int]]:
    """Spans of the word occurrences that lie in some stretch of ``limit`` characters holding every word."""
    occurrences = {w: _find_all(kept, w) for w in words}
    if any(not found for found in occurrences.values()):
        return []
    marked: set[tuple[int, int]] = set()
    starts = sorted({s for found in occurrences.values() for s in found})
    for start in starts:
        inside = [
            [(s, s + len(w)) for s in found if start <= s and s + len(w) <= start + limit] for w, found in occurrences.items()
        ]
        if all(inside):
            marked.update(span for spans in inside for span in spans)
    return sorted(marked)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
