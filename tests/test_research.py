"""The analysis views (api.kwic, trend, collocates, keyness, compare) against an independent oracle.

The oracle is plain Python over every stored passage of the seed index (``seed_passages``):
substring scans of the folded text for which passages match and where, and plain jieba (with
searcher's added words, as tests/test_analysis.py builds it) for words. It never calls
searcher.research, the engine's tallies, searcher.highlight or searcher.matching's span code;
it borrows only ``analysis.fold`` (a leaf) and the list of added words.

The queries are chosen so that only rule (a) of the match rule applies (no window rule, not a
place name): a passage matches iff its matching text contains the term. That assumption is
checked against ``api.search`` first, so the oracle stands on it knowingly.
"""

from __future__ import annotations

import logging
import math
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from searcher import analysis, api
from searcher.analysis import fold
from searcher.api import SearchOptions
from searcher.matching import window_words

# Written out again, as the README states them: quotation marks and 、 (and whitespace) are skipped.
IGNORED_RE = re.compile(r"[\s“”‘’\"'「」『』〝〞、]")
SPACES_RE = re.compile(r"\s+")

TERM = "志愿服务"
SECOND = "垃圾分类"
PLACE_TERM = "延吉"
UNNAMED = "?"  # what the engine lists for a word it cannot name


# --- the oracle -------------------------------------------------------------------------------


def loose(text: str) -> str:
    """Matching text: folded, without whitespace, quotation marks and 、."""
    return IGNORED_RE.sub("", fold(text))


def folded_same_length(text: str) -> str:
    f = fold(text)
    return f if len(f) == len(text) else text


def unspaced(text: str) -> str:
    """The folded text without whitespace, as the engine keeps it."""
    return "".join(fold(text).split())


def matches(p: Any, term: str) -> bool:
    return loose(term) in loose(p.text)


def merged_occurrences(text: str, term: str) -> list[tuple[int, int]]:
    """Occurrences of ``term`` in ``text`` (every start, overlapping too), touching ones merged."""
    spans = [(m.start(), m.start() + len(term)) for m in re.finditer(f"(?={re.escape(term)})", text)]
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def occurrences_in_passage(text: str, term: str) -> list[tuple[int, str]]:
    """(start in ``text``, the text as written from the first to the last character) of each
    merged occurrence of ``term`` in the passage's matching text."""
    folded = folded_same_length(text)
    keep = [j for j, ch in enumerate(folded) if not IGNORED_RE.match(ch)]
    matching = "".join(folded[j] for j in keep)
    assert matching == loose(text) or len(fold(text)) != len(text)
    out = []
    for s, e in merged_occurrences(matching, loose(term)):
        a, b = keep[s], keep[e - 1] + 1
        out.append((a, text[a:b]))
    return out


def is_word(w: str) -> bool:
    return w.isalnum() or any(ch.isalnum() for ch in w)


@pytest.fixture(scope="module")
def jieba_tok():  # type: ignore[no-untyped-def]
    """Plain jieba with searcher's added words (as tests/test_analysis.py builds it)."""
    hidden = "pkg_resources" not in sys.modules
    if hidden:  # jieba imports it only to find its dictionary; importing it warns (deprecated)
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import jieba
    finally:
        if hidden:
            del sys.modules["pkg_resources"]
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer(str(analysis.jieba_dictionary()))
    tok.initialize()
    for word, freq in analysis.user_words():
        tok.add_word(word, freq)
    return tok


@pytest.fixture(scope="module")
def indexed_words(seed_passages: list, jieba_tok) -> dict[str, Counter]:  # type: ignore[no-untyped-def]
    """passage id -> its word counts as indexed (jieba over the folded text, whitespace kept)."""
    return {p.id: Counter(w for w in jieba_tok.lcut(fold(p.text), HMM=False) if is_word(w)) for p in seed_passages}


def check_rule_a_only(term: str, seed_index: Path, seed_passages: list) -> list:
    """The matching passages by rule (a), after checking that (b) and (c) play no part."""
    assert window_words(term) is None
    oracle = [p for p in seed_passages if matches(p, term)]
    result = api.search(term, seed_index, SearchOptions(limit=1000, collapse=False))
    assert result.total == len(oracle), f"{term}: search total {result.total}, plain scan {len(oracle)}"
    return oracle


# --- checking the oracle's assumption ---------------------------------------------------------


@pytest.mark.parametrize("term", [TERM, SECOND, "路长"])
def test_terms_match_by_text_alone(term: str, seed_index: Path, seed_passages: list) -> None:
    assert check_rule_a_only(term, seed_index, seed_passages)


def test_place_term_is_not_rule_a_alone(seed_index: Path, seed_passages: list) -> None:
    """The check above has teeth: a place name matches more passages than its text is in (rule c)."""
    with pytest.raises(AssertionError):
        check_rule_a_only(PLACE_TERM, seed_index, seed_passages)


# --- trend ------------------------------------------------------------------------------------


def expected_trend(passages: list, terms: list[str], key) -> dict[tuple, tuple[int, tuple[int, ...], tuple[int, ...]]]:  # type: ignore[no-untyped-def]
    """bucket -> (passages, matched per term, articles per term)."""
    base: Counter = Counter()
    matched: dict[tuple, list[Counter]] = defaultdict(lambda: [Counter() for _ in terms])
    docs: dict[tuple, list[set]] = defaultdict(lambda: [set() for _ in terms])
    for p in passages:
        k = key(p)
        base[k] += 1
        for i, t in enumerate(terms):
            if matches(p, t):
                matched[k][i][None] += 1
                docs[k][i].add(p.doc_id)
    return {
        k: (n, tuple(matched[k][i][None] for i in range(len(terms))), tuple(len(docs[k][i]) for i in range(len(terms))))
        for k, n in base.items()
    }


def year_key(p: Any) -> tuple:
    return (str(p.year) if p.year is not None else None,)


def province_key(p: Any) -> tuple:
    return (p.province,)


def trend_as_dict(trend: Any) -> dict[tuple, tuple[int, tuple[int, ...], tuple[int, ...]]]:
    out = {}
    for row in trend.rows:
        assert row.key not in out, f"bucket {row.key} listed twice"
        out[row.key] = (row.passages, tuple(row.matched), tuple(row.articles))
    return out


def check_trend(trend: Any, passages: list, terms: list[str], key) -> None:  # type: ignore[no-untyped-def]
    want = expected_trend(passages, terms, key)
    assert trend_as_dict(trend) == want
    for row in trend.rows:
        assert row.rates() == tuple(round(1000 * m / row.passages, 1) for m in row.matched)
    assert trend.totals.passages == len(passages)
    assert tuple(trend.totals.matched) == tuple(sum(1 for p in passages if matches(p, t)) for t in terms)
    assert tuple(trend.totals.articles) == tuple(len({p.doc_id for p in passages if matches(p, t)}) for t in terms)


def test_trend_by_year(seed_index: Path, seed_passages: list) -> None:
    trend = api.trend([TERM], "year", seed_index)
    check_trend(trend, seed_passages, [TERM], year_key)
    got = trend_as_dict(trend)
    # The figures seen on the seeds (1,050 passages: 45 of 2021, 908 of 2023, 97 undated).
    assert got[("2021",)][0] == 45 and got[("2023",)][0] == 908 and got[(None,)][0] == 97
    assert (None,) in got, "the undated bucket is a row"
    assert [r.key for r in trend.rows] == [("2021",), ("2023",), (None,)], "years in order, undated last"
    assert sum(m[0] for _, m, _ in got.values()) == api.search(TERM, seed_index).total
    assert trend.totals.matched[0] == api.search(TERM, seed_index).total


def test_trend_by_province(seed_index: Path, seed_passages: list) -> None:
    trend = api.trend([TERM], "province", seed_index)
    check_trend(trend, seed_passages, [TERM], province_key)
    assert len(trend.rows) == len({p.province for p in seed_passages})
    assert sum(r.matched[0] for r in trend.rows) == api.search(TERM, seed_index).total


def test_trend_by_year_and_province(seed_index: Path, seed_passages: list) -> None:
    trend = api.trend([TERM], "year,province", seed_index)
    check_trend(trend, seed_passages, [TERM], lambda p: year_key(p) + province_key(p))
    assert trend.by == ("year", "province")
    assert sum(r.matched[0] for r in trend.rows) == api.search(TERM, seed_index).total


def test_trend_two_queries_side_by_side(seed_index: Path, seed_passages: list) -> None:
    trend = api.trend([TERM, SECOND], "year", seed_index)
    check_trend(trend, seed_passages, [TERM, SECOND], year_key)
    for i, q in enumerate((TERM, SECOND)):
        assert sum(r.matched[i] for r in trend.rows) == api.search(q, seed_index).total
    assert "matched_2" in trend.columns()


def test_trend_filter_narrows_the_base(seed_index: Path, seed_passages: list) -> None:
    province = "河南省"
    inside = [p for p in seed_passages if p.province == province]
    assert inside and len(inside) < len(seed_passages)
    trend = api.trend([TERM], "year", seed_index, SearchOptions(province=["河南"]))
    check_trend(trend, inside, [TERM], year_key)
    assert trend.totals.matched[0] == api.search(TERM, seed_index, SearchOptions(province=["河南"])).total


def test_trend_by_unknown_field_is_refused(seed_index: Path) -> None:
    with pytest.raises(api.QueryError) as err:
        api.trend([TERM], "colour", seed_index)
    assert "year" in str(err.value) and err.value.field == "by"
    with pytest.raises(api.QueryError):
        api.trend([TERM], "year,province,city", seed_index)
    with pytest.raises(api.QueryError):
        api.trend([], "year", seed_index)


# --- kwic -------------------------------------------------------------------------------------


def oracle_lines(passages: list, term: str) -> Counter:
    return Counter(
        (p.id, start, match) for p in passages if matches(p, term) for start, match in occurrences_in_passage(p.text, term)
    )


def test_kwic_lines_are_the_occurrences(seed_index: Path, seed_passages: list) -> None:
    matching = check_rule_a_only(TERM, seed_index, seed_passages)
    by_id = {p.id: p for p in seed_passages}
    width = 20
    kw = api.kwic(TERM, seed_index, SearchOptions(limit=1000), sort="relevance", width=width)
    want = oracle_lines(seed_passages, TERM)
    assert kw.total_lines == sum(want.values())
    assert len(kw.lines) == kw.total_lines  # all on one page
    assert Counter((ln.id, ln.start, ln.match) for ln in kw.lines) == want
    assert kw.passages == len(matching) and kw.without_text == 0
    for ln in kw.lines:
        p = by_id[ln.id]
        assert IGNORED_RE.sub("", fold(ln.match)) == TERM
        assert p.text[ln.start : ln.start + len(ln.match)] == ln.match
        assert len(ln.left) <= width and len(ln.right) <= width
        assert SPACES_RE.sub(" ", ln.left + ln.match + ln.right) in SPACES_RE.sub(" ", p.text)
        assert (ln.doc_id, ln.paragraph, ln.province, ln.city, ln.county, ln.date) == (
            p.doc_id,
            p.paragraph,
            p.province,
            p.city,
            p.county,
            p.date,
        )


def test_kwic_touching_occurrences_make_one_line(seed_index: Path, seed_passages: list) -> None:
    """Non-overlapping occurrences only: on the seeds no two occurrences of the term touch, so
    the count of str.find occurrences is the count of lines (the merge rule plays no part)."""
    total = 0
    for p in seed_passages:
        text = loose(p.text)
        pos = text.find(TERM)
        while pos >= 0:
            total += 1
            assert text.find(TERM, pos + len(TERM)) != pos + len(TERM), p.id
            pos = text.find(TERM, pos + len(TERM))
    assert total == api.kwic(TERM, seed_index, SearchOptions(limit=0)).total_lines


def context_keys(p: Any, start: int, match: str, width: int) -> tuple[str, str]:
    """(reversed left, right): up to ``width`` characters of folded text without whitespace."""
    folded = folded_same_length(p.text)
    end = start + len(match)
    left = "".join(folded[:start].split())[-width:][::-1]
    right = "".join(folded[end:].split())[:width]
    return left, right


def non_decreasing(keys: list[str]) -> list[tuple[int, str, str]]:
    """Consecutive pairs out of order (empty when sorted, ties tolerated)."""
    return [(i, a, b) for i, (a, b) in enumerate(zip(keys, keys[1:])) if a > b]


@pytest.mark.parametrize("side", ["left", "right"])
def test_kwic_sorted_by_context(side: str, seed_index: Path, seed_passages: list) -> None:
    by_id = {p.id: p for p in seed_passages}
    width = 12
    kw = api.kwic(TERM, seed_index, SearchOptions(limit=1000), sort=side, width=width)
    assert kw.total_lines == sum(oracle_lines(seed_passages, TERM).values()) == len(kw.lines)
    keys = [context_keys(by_id[ln.id], ln.start, ln.match, width)[0 if side == "left" else 1] for ln in kw.lines]
    assert non_decreasing(keys) == []
    assert len(set(keys)) > len(keys) // 2  # a real order, not all ties


def test_kwic_sorted_by_date_newest_first(seed_index: Path, seed_passages: list) -> None:
    kw = api.kwic(TERM, seed_index, SearchOptions(limit=1000), sort="date")
    assert len(kw.lines) == kw.total_lines == sum(oracle_lines(seed_passages, TERM).values())
    dates = [ln.date for ln in kw.lines]
    dated = [d for d in dates if d]
    assert dates == dated + [None] * (len(dates) - len(dated)), "undated lines last"
    assert dated == sorted(dated, reverse=True)
    assert len(set(dated)) > 3


@pytest.mark.parametrize("sort", ["relevance", "right", "date", "place"])
def test_kwic_pages_concatenate(sort: str, seed_index: Path) -> None:
    whole = api.kwic(TERM, seed_index, SearchOptions(limit=1000), sort=sort)
    full = [(ln.id, ln.start) for ln in whole.lines]
    assert len(full) == whole.total_lines > 20
    paged = []
    for offset in range(0, whole.total_lines + 7, 7):
        page = api.kwic(TERM, seed_index, SearchOptions(limit=7, offset=offset), sort=sort)
        assert page.total_lines == whole.total_lines and page.offset == offset
        paged.extend((ln.id, ln.start) for ln in page.lines)
    assert paged == full


def test_kwic_place_query_counts_passages_without_text(seed_index: Path, seed_passages: list) -> None:
    term = PLACE_TERM
    total = api.search(term, seed_index).total
    with_text = [p for p in seed_passages if matches(p, term)]
    kw = api.kwic(term, seed_index, SearchOptions(limit=1000))
    assert kw.passages == total
    assert kw.without_text == total - len(with_text) > 0
    assert kw.total_lines == sum(oracle_lines(seed_passages, term).values())
    text_ids = {p.id for p in with_text}
    assert {ln.id for ln in kw.lines} <= text_ids
    assert Counter((ln.id, ln.start, ln.match) for ln in kw.lines) == oracle_lines(seed_passages, term)


def test_kwic_and_collocates_need_a_word(seed_index: Path) -> None:
    with pytest.raises(api.QueryError) as err:
        api.kwic("city:延吉", seed_index)
    assert "e.g." in str(err.value) and "word" in str(err.value)
    with pytest.raises(api.QueryError) as err:
        api.collocates("year:2023", seed_index)
    assert "e.g." in str(err.value) and "word" in str(err.value)
    with pytest.raises(api.QueryError):
        api.kwic(TERM, seed_index, sort="colour")
    with pytest.raises(api.QueryError):
        api.kwic(TERM, seed_index, width=0)


# --- collocates -------------------------------------------------------------------------------


def oracle_collocates(passages: list, term: str, window: int, tok) -> tuple[Counter, Counter, int]:  # type: ignore[no-untyped-def]
    """(left counts, right counts, occurrences): the words of each passage as indexed (jieba over
    the folded text, whitespace kept), placed in the text without whitespace; the words of
    ``window`` before and after each occurrence, each word position once (left if it is left of
    some occurrence), never a word overlapping an occurrence."""
    left: Counter = Counter()
    right: Counter = Counter()
    occurrences = 0
    for p in passages:
        text = unspaced(p.text)
        if term not in text:
            continue
        words = []
        pos = 0
        for w in tok.lcut(fold(p.text), HMM=False):
            if is_word(w):
                words.append((w, pos, pos + len(w)))
            pos += len("".join(w.split()))
        assert pos == len(text)
        node: set[int] = set()
        lefts: set[int] = set()
        rights: set[int] = set()
        s = text.find(term)
        while s >= 0:
            e = s + len(term)
            occurrences += 1
            inside = [i for i, (_, ws, we) in enumerate(words) if we > s and ws < e]
            first, last = inside[0], inside[-1]
            node.update(inside)
            lefts.update(range(max(0, first - window), first))
            rights.update(range(last + 1, min(len(words), last + 1 + window)))
            s = text.find(term, e)
        lefts -= node
        rights -= node | lefts
        left.update(words[i][0] for i in lefts)
        right.update(words[i][0] for i in rights)
    return left, right, occurrences


def test_collocates_against_jieba(seed_index: Path, seed_passages: list, jieba_tok, indexed_words) -> None:  # type: ignore[no-untyped-def]
    window = 5
    got = api.collocates(TERM, seed_index, window=window, min_count=1, limit=10000, show_stop=True)
    left, right, occurrences = oracle_collocates(seed_passages, TERM, window, jieba_tok)
    observed = left + right
    assert got.occurrences == occurrences == api.kwic(TERM, seed_index, SearchOptions(limit=0)).total_lines
    assert got.window_words == sum(observed.values())
    assert got.passages == api.search(TERM, seed_index).total
    assert got.hidden == 0
    table = {c.word: c for c in got.collocates}
    assert {w: (c.observed, c.left, c.right) for w, c in table.items()} == {w: (observed[w], left[w], right[w]) for w in observed}

    frequency: Counter = Counter()
    for counts in indexed_words.values():
        frequency.update(counts)
    n = sum(frequency.values())
    assert got.collection_words == n
    for c in got.collocates:
        f = frequency[c.word]
        assert c.frequency == f >= c.observed, c.word
        e = got.window_words * f / n
        assert c.expected == pytest.approx(e, abs=0.0006), c.word
        assert c.mi == pytest.approx(math.log2(c.observed / e), abs=0.0006), c.word
        w = got.window_words
        assert c.log_likelihood == pytest.approx(full_g2(c.observed, f - c.observed, w, n - w), abs=0.006), c.word
    # A few named words, by the plain count (志愿者 is near 志愿服务 often).
    for word in ("志愿者", "活动", "开展"):
        if word in table:
            assert table[word].frequency == frequency[word]
    assert len(table) > 50


def test_collocate_frequency_is_the_collection_count(seed_index: Path, indexed_words) -> None:  # type: ignore[no-untyped-def]
    frequency: Counter = Counter()
    for counts in indexed_words.values():
        frequency.update(counts)
    got = api.collocates(TERM, seed_index, window=5, min_count=1, limit=10000, show_stop=True)
    wrong = [(c.word, c.observed, c.frequency, frequency[c.word]) for c in got.collocates if c.frequency != frequency[c.word]]
    assert wrong == []


def test_collocates_are_indexed_words(seed_index: Path, seed_passages: list, indexed_words) -> None:  # type: ignore[no-untyped-def]
    check_rule_a_only("公众号", seed_index, seed_passages)
    frequency: Counter = Counter()
    for counts in indexed_words.values():
        frequency.update(counts)
    got = api.collocates("公众号", seed_index, window=5, min_count=1, limit=10000, show_stop=True)
    assert got.collocates
    assert [(c.word, c.observed) for c in got.collocates if not frequency[c.word]] == []


def test_collocates_order_and_filters(seed_index: Path) -> None:
    got = api.collocates(TERM, seed_index, window=5, min_count=1, limit=10000, show_stop=True)
    ll = [c.log_likelihood for c in got.collocates]
    assert ll == sorted(ll, reverse=True)
    by_mi = api.collocates(TERM, seed_index, window=5, by="mi", min_count=1, limit=10000, show_stop=True)
    mi = [c.mi for c in by_mi.collocates]
    assert mi == sorted(mi, reverse=True)
    some = api.collocates(TERM, seed_index, window=5, min_count=3, limit=10000, show_stop=True)
    assert {c.word for c in some.collocates} == {c.word for c in got.collocates if c.observed >= 3}
    assert some.hidden == len(got.collocates) - len(some.collocates)
    assert some.window_words == got.window_words  # a display filter only
    with pytest.raises(api.QueryError):
        api.collocates(TERM, seed_index, window=0)
    with pytest.raises(api.QueryError):
        api.collocates(TERM, seed_index, by="colour")


# --- keyness ----------------------------------------------------------------------------------


def rayson_ll(a: int, b: int, ta: int, tb: int) -> float:
    """Rayson & Garside (2000): E1 = c*(a+b)/(c+d), LL = 2*(a ln(a/E1) + b ln(b/E2))."""
    e1 = ta * (a + b) / (ta + tb)
    e2 = tb * (a + b) / (ta + tb)
    return 2 * ((a * math.log(a / e1) if a else 0.0) + (b * math.log(b / e2) if b else 0.0))


def full_g2(a: int, b: int, ta: int, tb: int) -> float:
    """G² over the whole 2x2 table [[a, b], [ta - a, tb - b]] (what association.py says it computes)."""
    cells = [[a, b], [ta - a, tb - b]]
    n = ta + tb
    rows = [a + b, n - a - b]
    cols = [ta, tb]
    g = 0.0
    for i in range(2):
        for j in range(2):
            o = cells[i][j]
            if o:
                g += o * math.log(o / (rows[i] * cols[j] / n))
    return 2 * g


def side_counts(passages: list, indexed_words: dict[str, Counter]) -> Counter:
    out: Counter = Counter()
    for p in passages:
        out.update(indexed_words[p.id])
    return out


def test_keyness_2021_against_2023(seed_index: Path, seed_passages: list, indexed_words) -> None:  # type: ignore[no-untyped-def]
    got = api.keyness("year:2021", "year:2023", "", seed_index, min_count=1, limit=10000, show_stop=True)
    pa = [p for p in seed_passages if p.year == 2021]
    pb = [p for p in seed_passages if p.year == 2023]
    ca, cb = side_counts(pa, indexed_words), side_counts(pb, indexed_words)
    ta, tb = sum(ca.values()), sum(cb.values())
    assert (got.passages_a, got.passages_b) == (len(pa), len(pb)) == (45, 908)
    assert (got.words_a, got.words_b) == (ta, tb)
    listed = [k for k in got.key_a + got.key_b if k.word != UNNAMED]  # see test_keyness_names_every_word
    assert listed
    for k in listed:
        assert (k.a, k.b) == (ca[k.word], cb[k.word]), k.word
        assert k.per_million_a == round(1e6 * ca[k.word] / ta, 1)
        assert k.per_million_b == round(1e6 * cb[k.word] / tb, 1)
        assert k.log_likelihood == pytest.approx(rayson_ll(k.a, k.b, ta, tb), abs=0.006), k.word
    for k in got.key_a:
        assert k.a / ta > k.b / tb
    for k in got.key_b:
        assert k.b / tb > k.a / ta
    # Every listed word differs in relative frequency, and all but the unnamed ones are listed.
    differing = {w for w in ca.keys() | cb.keys() if ca[w] * tb != cb[w] * ta}
    assert {k.word for k in listed} <= differing
    assert len(got.key_a) + len(got.key_b) == len(differing)
    only_2021 = sorted((w for w in ca if not cb[w]), key=lambda w: (-ca[w], w))
    assert only_2021
    assert {only_2021[0], only_2021[-1]} <= {k.word for k in got.key_a}
    ll = [k.log_likelihood for k in got.key_a]
    assert ll == sorted(ll, reverse=True)


def test_keyness_names_every_word(seed_index: Path, seed_passages: list, indexed_words) -> None:  # type: ignore[no-untyped-def]
    got = api.keyness("year:2021", "year:2023", "", seed_index, min_count=1, limit=10000, show_stop=True)
    ca = side_counts([p for p in seed_passages if p.year == 2021], indexed_words)
    cb = side_counts([p for p in seed_passages if p.year == 2023], indexed_words)
    ta, tb = sum(ca.values()), sum(cb.values())
    unnamed = [(k.a, k.b) for k in got.key_a + got.key_b if k.word == UNNAMED]
    assert unnamed == []
    differing = {w for w in ca.keys() | cb.keys() if ca[w] * tb != cb[w] * ta}
    assert {k.word for k in got.key_a + got.key_b} == differing
    assert {"编", "论文"} <= {k.word for k in got.key_a + got.key_b}


def test_keyness_log_likelihood_is_rayson_garside(seed_index: Path, seed_passages: list, indexed_words) -> None:  # type: ignore[no-untyped-def]
    """The brief's hand formula: Rayson & Garside's two-term LL, within 0.01, for every listed word."""
    got = api.keyness("year:2021", "year:2023", "", seed_index, min_count=1, limit=10000, show_stop=True)
    ta, tb = got.words_a, got.words_b
    off = [(k.word, k.a, k.b, k.log_likelihood, round(rayson_ll(k.a, k.b, ta, tb), 3)) for k in got.key_a + got.key_b]
    off = [row for row in off if abs(row[3] - row[4]) > 0.01]
    assert off == [], f"{len(off)} words differ from Rayson & Garside by more than 0.01, e.g. {off[:5]}"


def test_keyness_with_a_query(seed_index: Path, seed_passages: list, indexed_words) -> None:  # type: ignore[no-untyped-def]
    got = api.keyness("year:2021", "year:2023", TERM, seed_index, min_count=1, limit=10000, show_stop=True)
    pa = [p for p in seed_passages if p.year == 2021 and matches(p, TERM)]
    pb = [p for p in seed_passages if p.year == 2023 and matches(p, TERM)]
    ca, cb = side_counts(pa, indexed_words), side_counts(pb, indexed_words)
    assert (got.passages_a, got.passages_b) == (len(pa), len(pb))
    assert (got.words_a, got.words_b) == (sum(ca.values()), sum(cb.values()))
    for k in got.key_a + got.key_b:
        assert (k.a, k.b) == (ca[k.word], cb[k.word]), k.word
    assert TERM in ca and TERM in cb


def test_keyness_sides_need_filters(seed_index: Path) -> None:
    with pytest.raises(api.QueryError):
        api.keyness("志愿服务", "year:2023", "", seed_index)
    with pytest.raises(api.QueryError):
        api.keyness("", "year:2023", "", seed_index)


# --- compare ----------------------------------------------------------------------------------


def test_compare_two_cities(seed_index: Path, seed_passages: list) -> None:
    places = ["临江市", "邵阳市"]  # 临江市 is a county (of 白山市): the city filter matches a city or a county
    got = api.compare(TERM, "city", places, seed_index)
    assert [c.value for c in got.places] == places
    for column, place in zip(got.places, places):
        of_place = [p for p in seed_passages if place in (p.city, p.county)]
        matching = [p for p in of_place if matches(p, TERM)]
        assert column.total == api.search(TERM, seed_index, SearchOptions(city=[place])).total == len(matching), place
        assert column.passages == len(of_place), place
        assert column.articles == len({p.doc_id for p in matching}), place
        assert column.per_1000 == round(1000 * len(matching) / len(of_place), 1)
        assert all(h.city == place or h.county == place for h in column.hits)
    assert all(c.total > 0 for c in got.places)


def test_compare_refuses_bad_input(seed_index: Path) -> None:
    with pytest.raises(api.QueryError):
        api.compare(TERM, "city", ["大同市"], seed_index)
    with pytest.raises(api.QueryError):
        api.compare(TERM, "city", ["大同市", "邵阳市", "吉林市", "巴中市", "襄阳市"], seed_index)
    with pytest.raises(api.QueryError):
        api.compare(TERM, "colour", ["大同市", "邵阳市"], seed_index)


def test_keyness_sides_name_the_field_at_fault_and_unknown_places(seed_index: Path) -> None:
    with pytest.raises(api.QueryError) as exc:
        api.keyness("year:2021", "year:20x", "", seed_index)
    assert exc.value.field == "b" and "four-digit year" in str(exc.value)
    found = api.keyness("省:火星", "year:2023", "", seed_index)
    assert found.passages_a == 0 and any("火星" in n.en and "No province" in n.en for n in found.notes)
