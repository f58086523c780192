"""Query syntax: what parses into what, and which malformed queries get which fix."""

from __future__ import annotations

import pytest

from searcher.query import AnyOf, QueryError, Term, parse_query


def test_words_phrases_or_not_and_filters() -> None:
    q = parse_query('路长 巡查 OR 督查 -街长 "门前四包" city:延吉 year:2023')
    assert q.must == [Term("路长"), AnyOf((Term("巡查"), Term("督查"))), Term("门前四包", quoted=True)]
    assert q.must_not == [Term("街长")]
    assert q.filters == {"city": ["延吉"], "year": ["2023"]}


def test_chinese_quotes_and_aliases() -> None:
    q = parse_query("“飞线充电” 城市:延吉 NOT 电动车")
    assert q.must[0] == Term("飞线充电", quoted=True)
    assert q.filters == {"city": ["延吉"]}
    assert q.must_not == [Term("电动车")]


def test_abbreviations_expand_but_quoted_text_does_not() -> None:
    q = parse_query("创城")
    assert isinstance(q.must[0], AnyOf)
    assert Term("创建文明城市") in q.must[0].options and Term("文明城市创建") in q.must[0].options
    assert parse_query('"创城"').must == [Term("创城", quoted=True)]


def test_no_stop_words_are_dropped() -> None:
    q = parse_query("的 和 市")
    assert q.must == [Term("的"), Term("和"), Term("市")]


@pytest.mark.parametrize(
    "query, fix",
    [
        ('"门前四包', "closing"),
        ("“门前四包", "closing"),
        ("OR", "OR needs a word"),
        ("路长 OR", "OR needs a word"),
        ("OR 路长", "OR needs a word"),
        ("路长 OR OR 街长", "OR needs a word"),
        ("city:", "needs a value"),
        ("路长 year:", "needs a value"),
        ("year:二〇二三", "four-digit year"),
        ("*", "no words"),
        ("？？？", "no words"),
        ('""', "Empty quotes"),
        ("-路长", "besides the excluded"),
        ("路长 NOT", "NOT needs a word"),
        ("路长 -电动车 OR 充电桩", "cannot follow an excluded word"),
        ("文" * 10_000, "limit is 500"),
    ],
)
def test_malformed_queries_name_the_fix(query: str, fix: str) -> None:
    with pytest.raises(QueryError, match=fix):
        parse_query(query)


def test_filters_alone_are_a_valid_query() -> None:
    q = parse_query("city:延吉")
    assert q.is_empty and q.filters == {"city": ["延吉"]}
