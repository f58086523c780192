"""The analysis views, over the same match set as a search (one query, the same filters):
concordance lines, distributions over years and places, collocates, distinctive words.

``searcher.api`` parses the query and builds the filters, then calls these with the open
engine; what is counted comes from the engine's arrays (``Engine.distribution``,
``Engine.word_counts``, ``Engine.match_texts``), never from a second search of our own.

The rules, in the README's "Analysing" section too:

* a **concordance line** is one occurrence of the query's text in a matching passage: the spans
  the search page marks (``searcher.highlight.spans``), computed on the passage's folded text
  without whitespace; occurrences that touch merge into one line. A passage that matches only by
  the place it is about has no line (``without_text`` counts them);
* a **collocate** is a jieba word of the passage as indexed (no punctuation) among the ``window``
  words before or after an occurrence; a word overlapping an occurrence is not counted, and a
  word in the windows of several occurrences counts once (as left when it is left of one of them),
  so that no word is seen near the match more often than it occurs. Expected = window words x the
  word's frequency / the collection's words; MI and log-likelihood (Dunning's 2x2 G²) as CQPweb;
* **keyness** compares word frequencies (term frequencies of the index) in two sub-collections,
  with Rayson & Garside's log-likelihood and Hardie's log ratio (``searcher.association``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

from . import association
from .engine.base import Engine, Filters, WordCounts
from .fields import FACETS
from .model import (
    Collocate,
    Collocates,
    Concordance,
    Keyness,
    KeyWord,
    KwicLine,
    Notice,
    TrendRow,
)
from .query import ParsedQuery, QueryError

KWIC_SORTS = ("relevance", "left", "right", "date", "place")
# The facets of searcher.fields, the year first.
TREND_FIELDS = ("year", *(name for name in FACETS if name != "year"))
MEASURES = ("log_likelihood", "mi")
MAX_WIDTH = 200
MAX_WINDOW = 30
_SPACES = re.compile(r"\s+")


@cache
def stop_words() -> frozenset[str]:
    """Function words hidden from collocate and keyword lists (a display filter only)."""
    text = (Path(__file__).parent / "data" / "stopwords.txt").read_text(encoding="utf-8")
    return frozenset(w for line in text.splitlines() for w in line.split() if not line.startswith("#"))


def is_stop(word: str) -> bool:
    return word in stop_words() or word.isdigit() or (len(word) == 1 and not word.isalpha())


# --- concordance ---------------------------------------------------------------------------


def concordance(
    engine: Engine,
    parsed: ParsedQuery,
    filters: Filters,
    sort: str = "relevance",
    width: int = 20,
    offset: int = 0,
    limit: int = 100,
) -> Concordance:
    if sort not in KWIC_SORTS:
        raise QueryError(
            f"sort must be one of {', '.join(KWIC_SORTS)} (got {sort!r}).", f"排序方式只能是 {'、'.join(KWIC_SORTS)}。", "sort"
        )
    if not 1 <= width <= MAX_WIDTH:
        raise QueryError(
            f"width must be between 1 and {MAX_WIDTH} characters (got {width}).",
            f"语境宽度须在 1 到 {MAX_WIDTH} 字之间。",
            "width",
        )
    terms = parsed.positive_terms()
    if not terms:
        raise QueryError(
            "A concordance needs a word to find, e.g. 路长 (filters alone select passages, not occurrences).",
            "语境检索需要一个检索词，例如 路长（只有筛选条件时没有可对齐的词）。",
        )
    found = engine.match_texts(parsed, filters, "date" if sort == "date" else "relevance")
    occ = found.occurrences(terms, width if sort in ("left", "right") else 0)
    if sort == "left":
        order = np.lexsort((occ.right, occ.left))
    elif sort == "right":
        order = np.lexsort((occ.left, occ.right))
    elif sort == "place":
        cols = found.columns(("province", "city", "county"))
        rank = sorted(range(len(cols)), key=lambda i: tuple((v is None, v or "") for v in cols[i]))
        position = np.empty(len(cols), dtype=np.int64)
        position[rank] = np.arange(len(cols))
        order = np.lexsort((occ.start, position[occ.match])) if len(occ.match) else np.zeros(0, dtype=np.int64)
    else:
        order = np.arange(len(occ.match))
    lines: list[KwicLine] = []
    passages: dict[int, tuple[str, list[int]]] = {}
    for k in order[offset : offset + limit].tolist():
        i, s, e = int(occ.match[k]), int(occ.start[k]), int(occ.end[k])
        p = found.passage(i)
        if i not in passages:
            passages[i] = (p.text, _unspaced_index(p.text))
        text, index = passages[i]
        a, b = index[s], index[e - 1] + 1
        lines.append(
            KwicLine(
                left=_one_line(text[:a])[-width:],
                match=text[a:b],
                right=_one_line(text[b:])[:width],
                id=p.id,
                doc_id=p.doc_id,
                title=p.title or "",
                paragraph=int(p.paragraph),
                start=a,
                province=p.province,
                city=p.city,
                county=p.county,
                date=p.date,
            )
        )
    return Concordance(
        query=parsed.text,
        sort=sort,
        width=width,
        offset=offset,
        limit=limit,
        lines=lines,
        total_lines=int(len(occ.match)),
        passages=found.total,
        without_text=occ.without,
    )


def _unspaced_index(text: str) -> list[int]:
    """For each UTF-16 unit of the text without whitespace (the engine's positions), the index
    in ``text`` of its character."""
    out: list[int] = []
    for j, ch in enumerate(text):
        if not ch.isspace():
            out.extend((j, j) if ord(ch) > 0xFFFF else (j,))
    return out


def _one_line(text: str) -> str:
    return _SPACES.sub(" ", text)


# --- distributions ----------------------------------------------------------------------------


def trend_rows(
    engine: Engine, queries: Sequence[ParsedQuery], filters: Filters, by: tuple[str, ...]
) -> tuple[list[TrendRow], TrendRow]:
    """Rows per bucket of ``by`` (every bucket of the filtered collection, matched or not) and the totals."""
    for name in by:
        if name not in TREND_FIELDS:
            raise QueryError(
                f"--by takes {', '.join(TREND_FIELDS)} (one, or two joined by a comma; got {name!r}).",
                f"分组只能是 {'、'.join(TREND_FIELDS)}（一个，或用逗号连接两个）。",
                "by",
            )
    if not 1 <= len(by) <= 2:
        raise QueryError(
            "--by takes one field or two joined by a comma, e.g. year or year,province.",
            "分组为一个字段或用逗号连接的两个字段，例如 year 或 year,province。",
            "by",
        )
    dists = [engine.distribution(q, filters, by) for q in queries]
    whole = [engine.distribution(q, filters, ()) for q in queries]
    base = dists[0]
    per_key = [dict(zip(d.keys, zip(d.matched, d.articles))) for d in dists]
    rows = [
        TrendRow(
            key=tuple(v or None for v in key),
            passages=passages,
            matched=tuple(counts.get(key, (0, 0))[0] for counts in per_key),
            articles=tuple(counts.get(key, (0, 0))[1] for counts in per_key),
        )
        for key, passages in zip(base.keys, base.passages)
    ]
    if by[0] == "year":
        rows.sort(
            key=lambda r: (
                tuple((v is None, v or "") for v in r.key)
                if len(by) == 1
                else ((r.key[0] is None, r.key[0] or ""), -r.matched[0], -r.passages, r.key[1] or "")
            )
        )
    else:
        rows.sort(key=lambda r: (r.key[0] is None, -r.matched[0], -r.passages, tuple(v or "" for v in r.key)))
    totals = TrendRow(
        key=(),
        passages=sum(whole[0].passages) if whole[0].passages else 0,
        matched=tuple(sum(w.matched) for w in whole),
        articles=tuple(sum(w.articles) for w in whole),
    )
    return rows, totals


# --- collocates -------------------------------------------------------------------------------


def collocates(
    engine: Engine,
    parsed: ParsedQuery,
    filters: Filters,
    window: int = 10,
    by: str = "log_likelihood",
    min_count: int = 3,
    limit: int = 50,
    show_stop: bool = False,
) -> Collocates:
    if not 1 <= window <= MAX_WINDOW:
        raise QueryError(
            f"window must be between 1 and {MAX_WINDOW} words (got {window}).", f"窗口须在 1 到 {MAX_WINDOW} 个词之间。", "window"
        )
    if by not in MEASURES:
        raise QueryError(
            f"sort collocates by {' or '.join(MEASURES)} (got {by!r}).", "搭配词按 log_likelihood 或 mi 排序。", "by"
        )
    terms = parsed.positive_terms()
    if not terms:
        raise QueryError("Collocates need a word to look around, e.g. 路长.", "搭配词需要一个检索词，例如 路长。")
    found = engine.match_texts(parsed, filters, None)
    around = found.window_words(terms, window)
    observed = around.left + around.right
    freq, collection_words = engine.word_totals(filters, around.words)
    expected, mi, ll = association.collocation(observed, freq, around.window_words, collection_words)
    score = ll if by == "log_likelihood" else mi
    listed = np.flatnonzero(observed >= min_count)
    hidden = int(len(observed) - len(listed))
    listed = listed[np.lexsort((around.words[listed], -observed[listed], -score[listed]))]
    shown: list[Collocate] = []
    start = 0
    while len(shown) < limit and start < len(listed):
        batch = listed[start : start + 4 * limit]
        start += len(batch)
        names = engine.word_strings(around.words[batch])
        for i in batch.tolist():
            w = names[int(around.words[i])]
            if not show_stop and is_stop(w):
                hidden += 1
                continue
            if len(shown) < limit:
                shown.append(
                    Collocate(
                        word=w,
                        observed=int(observed[i]),
                        expected=round(float(expected[i]), 3),
                        frequency=int(freq[i]),
                        mi=round(float(mi[i]), 3),
                        log_likelihood=round(float(ll[i]), 2),
                        left=int(around.left[i]),
                        right=int(around.right[i]),
                    )
                )
    return Collocates(
        query=parsed.text,
        window=window,
        by=by,
        occurrences=around.occurrences,
        window_words=around.window_words,
        collection_words=collection_words,
        passages=found.total,
        collocates=shown,
        hidden=hidden,
    )


# --- keyness ----------------------------------------------------------------------------------


def key_words(
    engine: Engine, counts: WordCounts, a: int, b_columns: Sequence[int], limit: int, min_count: int, show_stop: bool
) -> tuple[list[KeyWord], list[KeyWord], int]:
    """Words distinctive of column ``a`` of ``counts`` against the sum of ``b_columns``, and of
    that sum against ``a`` (each strongest first), and how many candidates the display filters hid."""
    ca = counts.counts[:, a]
    cb = counts.counts[:, list(b_columns)].sum(axis=1) if len(counts.words) else np.zeros(0, dtype=np.int64)
    ta = counts.tokens[a]
    tb = sum(counts.tokens[j] for j in b_columns)
    ll = association.keyness_ll(ca, cb, ta, tb)
    lr = association.log_ratio(ca, cb, ta, tb)
    more_in_a = ca * max(tb, 1) > cb * max(ta, 1)
    hidden = 0
    sides: list[list[KeyWord]] = []
    for side in (more_in_a, ~more_in_a & (ca * max(tb, 1) != cb * max(ta, 1))):
        idx = np.flatnonzero(side & (ca + cb >= min_count))
        idx = idx[np.lexsort((counts.words[idx], -(ca[idx] + cb[idx]), -ll[idx]))]
        chosen: list[KeyWord] = []
        start = 0
        while len(chosen) < limit and start < len(idx):
            batch = idx[start : start + 4 * limit]
            start += len(batch)
            names = engine.word_strings(counts.words[batch])
            for i in batch.tolist():
                w = names[int(counts.words[i])]
                if not show_stop and is_stop(w):
                    hidden += 1
                    continue
                if len(chosen) < limit:
                    chosen.append(
                        KeyWord(
                            word=w,
                            a=int(ca[i]),
                            b=int(cb[i]),
                            per_million_a=round(1e6 * int(ca[i]) / max(ta, 1), 1),
                            per_million_b=round(1e6 * int(cb[i]) / max(tb, 1), 1),
                            log_likelihood=round(float(ll[i]), 2),
                            log_ratio=round(float(lr[i]), 3),
                        )
                    )
        sides.append(chosen)
    return sides[0], sides[1], hidden


def keyness(
    engine: Engine,
    parsed: ParsedQuery,
    filters_a: Filters,
    filters_b: Filters,
    a: str,
    b: str,
    limit: int = 50,
    min_count: int = 5,
    show_stop: bool = False,
) -> Keyness:
    counts = engine.word_counts(parsed, [filters_a, filters_b])
    key_a, key_b, hidden = key_words(engine, counts, 0, [1], limit, min_count, show_stop)
    notes = []
    if not counts.passages[0] or not counts.passages[1]:
        empty = a if not counts.passages[0] else b
        notes.append(Notice(f"{empty!r} holds no passages: nothing to compare.", f"“{empty}”没有任何段落，无从比较。"))
    return Keyness(
        a=a,
        b=b,
        query=parsed.text,
        words_a=counts.tokens[0],
        words_b=counts.tokens[1],
        passages_a=counts.passages[0],
        passages_b=counts.passages[1],
        key_a=key_a,
        key_b=key_b,
        hidden=hidden,
        notes=notes,
    )
