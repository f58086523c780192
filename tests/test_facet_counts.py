"""Several values of one filter (OR within a filter, AND across filters) and facets counted as
articles, checked against plain scans of the seed passages."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from searcher import api
from searcher.analysis import fold
from searcher.cli import main
from searcher.matching import IGNORED

TERM = "志愿服务"  # matched by its text alone (tests/test_research.py checks that)


def has(p: Any, term: str) -> bool:
    text = "".join(fold(p.text).split())
    return term in "".join(ch for ch in text if ch not in IGNORED)


def in_city(p: Any, name: str) -> bool:
    return name in (p.city, p.county)


def test_two_cities_give_the_union_with_each_count_right(seed_index: Path, seed_passages: list) -> None:
    cities = ["鹤壁市", "永州市"]
    found = api.search(TERM, seed_index, api.SearchOptions(city=["鹤壁", "永州"], facet_size=None))
    expected = [p for p in seed_passages if has(p, TERM) and any(in_city(p, c) for c in cities)]
    assert found.total == len(expected) > 0
    per_city = Counter(p.city for p in expected)
    assert {f.value: f.count for f in found.facets["city"]} == dict(per_city)
    assert {f.value: f.count for f in found.facets["province"]} == dict(Counter(p.province for p in expected))
    # The alternatives of the filtered facet: each city under the query alone (what choosing it adds).
    everywhere = Counter(p.city for p in seed_passages if has(p, TERM) and p.city)
    assert {f.value: f.count for f in found.facet_alternatives["city"]} == dict(everywhere)
    assert set(found.facet_alternatives) == {"city"}
    for c in cities:
        alone = api.search(TERM, seed_index, api.SearchOptions(city=[c])).total
        assert alone == per_city[c]


def test_or_within_a_filter_and_across_filters(seed_index: Path, seed_passages: list) -> None:
    found = api.search(TERM, seed_index, api.SearchOptions(province=["河南", "湖南"], year=[2023]))
    expected = [p for p in seed_passages if has(p, TERM) and p.province in ("河南省", "湖南省") and p.year == 2023]
    assert found.total == len(expected) > 0
    both_years = api.search(TERM, seed_index, api.SearchOptions(year=[2021, 2023])).total
    assert both_years == sum(1 for p in seed_passages if has(p, TERM) and p.year in (2021, 2023))
    # The same through query prefixes.
    assert api.search(f"{TERM} 省:河南 省:湖南 year:2023", seed_index).total == found.total


def test_counting_articles_counts_distinct_doc_ids(seed_index: Path, seed_passages: list) -> None:
    found = api.search(TERM, seed_index, api.SearchOptions(count="articles", facet_size=None))
    matched = [p for p in seed_passages if has(p, TERM)]
    assert found.total == len(matched) and found.articles == len({p.doc_id for p in matched}) < found.total
    for name in ("province", "city", "year"):
        docs: dict[str, set[str]] = {}
        for p in matched:
            value = getattr(p, name)
            if value is not None:
                docs.setdefault(str(value), set()).add(p.doc_id)
        assert {f.value: f.count for f in found.facets[name]} == {v: len(d) for v, d in docs.items()}, name
    passages = api.search(TERM, seed_index, api.SearchOptions(facet_size=None))
    assert passages.articles == found.articles and passages.facets != found.facets


def test_cli_count_articles(seed_index: Path) -> None:
    out = CliRunner().invoke(main, ["--index-dir", str(seed_index), "search", TERM, "--count", "articles", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["count"] == "articles"
    assert data == api.search(TERM, seed_index, api.SearchOptions(count="articles")).to_dict()
    bad = CliRunner().invoke(main, ["--index-dir", str(seed_index), "search", TERM, "--count", "words"])
    assert bad.exit_code == 2 and "passages" in bad.output
