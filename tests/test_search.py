"""Search behaviour on a real Whoosh index of the seed reports."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from searcher import api
from searcher.analysis import fold

# (query, file prefix, passage text prefix): that passage must be among the top 3.
TOP3 = [
    ("飞线充电", "001", "3月开始,该区陆续实施清理“飞线充电”"),
    ('"38条"', "000", "（一）坚持高位推动"),
    ("路长 city:延吉", "000", "（一）坚持高位推动"),
    ("口袋公园 船营区", "001", "建设“一街一品”的口袋公园"),
    ('"11.2万"', "000", "（一）坚持高位推动"),
    ("BRT快速公交", "000", "（二）坚持创建惠民"),
    ("大陈岛 垦荒精神", "003", "65年前，467名青年志愿者"),
    ("屋场贴心会", "003", "坚持把学习贯彻习近平新时代中国特色社会主义思想作为首要政治任务"),
    ("七边 环境卫生 治理", "001", "此外,船营区还同步推进城乡“七边”"),
    ("五代广场 公园", "001", "今年,丰满区投资590万元改造五代广场公园"),
    ("红黑榜 崆峒区", "004", "发布创城“红黑榜”85期"),
    ('"“五化”闭环工作法"', "001", "吉林市创城办、创卫办按照“五化”闭环工作法"),
    ("老旧小区改造 龙潭区", "001", "龙潭区聚焦老旧小区改造等民生工程。"),
    ("学雷锋志愿服务站", "004", "日喀则市大力弘扬志愿服务精神"),
    ("共享物业社", "001", "龙潭区现有150多个小区"),
    ("斑马线 礼让行人 铜仁", "004", "斑马线前，汽车礼让行人井然有序"),
    ("新时代文明实践中心 邵东", "004", "邵东市已建立新时代文明实践中心1个"),
    ("和合文化", "003", "台州的和合文化千年传承"),
    ("测评体系 萍乡", "003", "以全国文明城市测评体系为标准"),
    ("蓝马甲", "000", "（三）坚持志愿先行"),
    ("长吉北线示范带", "001", "此外,昌邑区还同步推进“七边”环境卫生治理工作"),
    ("智能充电桩", "001", "目前,仿古小区、乐园二区等破损严重的小区道路"),
    ('"全国文明城市" 延安', "003", "创建全国文明城市是老区人民的共同期盼"),
    ("垃圾分类 province:河南", "004", "我市以城市创建为契机"),
    ("公交站台 文明礼仪", "004", "公交站台上，随处可见的文明礼仪公益广告"),
    ("厕所革命 船营区", "001", "此外,船营区还同步推进城乡“七边”"),
]


@pytest.mark.parametrize("query, prefix, start", TOP3, ids=[t[0] for t in TOP3])
def test_expected_passage_in_top_3(seed_index: Path, query: str, prefix: str, start: str) -> None:
    result = api.search(query, seed_index, api.SearchOptions(limit=3))
    tops = [(h.source.split("/")[-1][:3], h.text) for h in result.hits]
    assert any(f == prefix and t.startswith(start) for f, t in tops), tops


QUOTED = [
    "市",
    "路",
    "的",
    "38条",
    "11.2万",
    "BRT快速公交",
    "门前四包",
    "飞线充电",
    "志愿服务",
    "全国文明城市",
    "2023",
    "“七边”",
    "（一）",
    "创城",
    "一盘棋",
    "新时代文明实践",
    "15",
    "万余",
    "老旧小区",
]


def _scan(passages: list[dict], needle: str) -> set[str]:
    folded = re.sub(r"\s", "", fold(needle))
    return {p["id"] for p in passages if folded in re.sub(r"\s", "", fold(p["text"]))}


def _ids(index: Path, query: str) -> tuple[int, set[str]]:
    result = api.search(query, index, api.SearchOptions(limit=api.MAX_LIMIT, collapse=False))
    return result.total, {h.id for h in result.hits}


@pytest.mark.parametrize("needle", QUOTED)
def test_quoted_query_finds_every_passage_containing_it(seed_index: Path, seed_passages: list[dict], needle: str) -> None:
    expected = _scan(seed_passages, needle)
    total, ids = _ids(seed_index, f'"{needle}"')
    assert total == len(expected)
    if total <= api.MAX_LIMIT:
        assert ids == expected


def test_random_substrings_have_full_recall(seed_index: Path, seed_passages: list[dict]) -> None:
    rng = random.Random(7)
    for _ in range(40):
        text = rng.choice(seed_passages)["text"]
        length = rng.randint(1, 6)
        start = rng.randrange(0, max(1, len(text) - length))
        needle = text[start : start + length].replace('"', "").strip()
        if not needle:
            continue
        expected = _scan(seed_passages, needle)
        total, ids = _ids(seed_index, f'"{needle}"')
        assert total == len(expected), needle
        assert ids == expected or total > api.MAX_LIMIT, needle


def test_unquoted_word_finds_longer_words_jieba_kept_whole(seed_index: Path, seed_passages: list[dict]) -> None:
    # jieba keeps 志愿服务队 as one word: a word-only index would miss those passages.
    total, _ = _ids(seed_index, "志愿服务")
    assert total == len(_scan(seed_passages, "志愿服务"))


def test_traditional_query_finds_simplified_text_shown_as_written(seed_index: Path) -> None:
    trad = api.search("志願服務", seed_index)
    simp = api.search("志愿服务", seed_index)
    assert trad.total == simp.total > 0
    assert "<mark>志愿服务</mark>" in trad.hits[0].highlight


def test_abbreviation_expands(seed_index: Path, seed_passages: list[dict]) -> None:
    total, _ = _ids(seed_index, "创城")
    union = _scan(seed_passages, "创城") | _scan(seed_passages, "创建文明城市") | _scan(seed_passages, "文明城市创建")
    assert total >= len(union)


def test_and_or_not(seed_index: Path, seed_passages: list[dict]) -> None:
    both = _scan(seed_passages, "路长") & _scan(seed_passages, "巡查")
    assert _ids(seed_index, "路长 巡查")[0] == len(both)
    either = _scan(seed_passages, "飞线充电") | _scan(seed_passages, "口袋公园")
    assert _ids(seed_index, '"飞线充电" OR "口袋公园"')[0] == len(either)
    minus = _scan(seed_passages, "口袋公园") - _scan(seed_passages, "船营区")
    assert _ids(seed_index, '"口袋公园" -船营区')[1] == minus


def test_facets_are_exact_over_all_matches(seed_index: Path, seed_passages: list[dict]) -> None:
    result = api.search("文明", seed_index, api.SearchOptions(limit=5))
    ids = _scan(seed_passages, "文明")
    matching = [p for p in seed_passages if p["id"] in ids]
    assert result.total == len(matching) > 5
    for facet in ("province", "city", "county"):
        counts: dict[str, int] = {}
        for p in matching:
            if p.get(facet):
                counts[p[facet]] = counts.get(p[facet], 0) + 1
        assert {f.value: f.count for f in result.facets[facet]} == counts
    years = {f.value: f.count for f in result.facets["year"]}
    assert years == {
        "2021": sum(1 for p in matching if (p.get("date") or "").startswith("2021")),
        "2023": sum(1 for p in matching if (p.get("date") or "").startswith("2023")),
    }


def test_city_filter_matches_city_or_county_and_short_forms(seed_index: Path) -> None:
    yanji = api.search("文明", seed_index, api.SearchOptions(city=["延吉"], limit=50))
    assert yanji.total > 0 and all(h.county == "延吉市" for h in yanji.hits)
    jilin = api.search("文明", seed_index, api.SearchOptions(city=["吉林市"], limit=200))
    assert {h.city for h in jilin.hits} == {"吉林市"}
    assert {"船营区", None} <= {h.county for h in jilin.hits}
    chuanying = api.search("文明", seed_index, api.SearchOptions(city=["船营区"], limit=50))
    assert chuanying.total > 0 and {h.county for h in chuanying.hits} == {"船营区"}
    both = api.search("文明", seed_index, api.SearchOptions(city=["延吉", "台州"], limit=0))
    assert {f.value for f in both.facets["city"]} == {"延边朝鲜族自治州", "台州市"}


def test_province_year_and_date_range_filters(seed_index: Path) -> None:
    r = api.search("文明", seed_index, api.SearchOptions(province="吉林", limit=0))
    assert {f.value for f in r.facets["province"]} == {"吉林省"}
    r = api.search("文明 year:2021", seed_index, api.SearchOptions(limit=0))
    assert {f.value for f in r.facets["year"]} == {"2021"}
    r = api.search("文明", seed_index, api.SearchOptions(date_from="2023-04", date_to="2023-04-30", limit=100))
    assert r.total > 0 and all(h.date and "2023-04-01" <= h.date <= "2023-04-30" for h in r.hits)
    # a year-only date covers its whole year
    r = api.search("文明", seed_index, api.SearchOptions(date_from="2021-06", date_to="2021-07", limit=100))
    assert r.total > 0 and all(h.date == "2021" for h in r.hits)


def test_sort_by_date_and_paging(seed_index: Path) -> None:
    r = api.search("文明", seed_index, api.SearchOptions(sort="date", limit=50))
    dates = [h.date or "" for h in r.hits]
    assert dates == sorted(dates, reverse=True)
    page1 = api.search("文明", seed_index, api.SearchOptions(limit=10))
    page2 = api.search("文明", seed_index, api.SearchOptions(limit=10, offset=10))
    assert not {h.id for h in page1.hits} & {h.id for h in page2.hits}
    assert page1.total == page2.total


def test_title_match_ranks_higher(seed_index: Path) -> None:
    r = api.search("攀枝花", seed_index, api.SearchOptions(limit=3))
    assert all(h.city == "攀枝花市" for h in r.hits)


def test_highlight_escapes_document_text(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("测试<script>alert(1)</script>路长制度。\n", encoding="utf-8")
    api.index([str(tmp_path / "x.txt")], tmp_path / "ix")
    r = api.search("路长", tmp_path / "ix")
    assert "<script>" not in r.hits[0].highlight
    assert "&lt;script&gt;" in r.hits[0].highlight and "<mark>路长</mark>" in r.hits[0].highlight
    assert r.hits[0].text.startswith("测试<script>")


@pytest.mark.parametrize("query", ['"门前四包', "OR", "city:", "x" * 10_000, "*", "路长 OR", '""', "-路长"])
def test_malformed_queries_raise_query_error_not_crash(seed_index: Path, query: str) -> None:
    with pytest.raises(api.QueryError):
        api.search(query, seed_index)


def test_json_shape(seed_index: Path) -> None:
    d = api.search("路长", seed_index).to_dict()
    assert set(d) == {
        "query",
        "total",
        "articles",
        "count",
        "hits",
        "facets",
        "facet_distinct",
        "facet_alternatives",
        "notes",
        "suggestions",
    }
    assert set(d["facets"]) == set(d["facet_distinct"]) == {"province", "city", "county", "doc_type", "year", "collection"}
    hit = d["hits"][0]
    assert set(hit) == {
        "id",
        "doc_id",
        "title",
        "source",
        "paragraph",
        "section",
        "province",
        "city",
        "county",
        "doc_type",
        "date",
        "year",
        "score",
        "text",
        "highlight",
        "duplicates",
        "duplicates_total",
        "compilation",
        "collection",
        "page",
        "dup_group",
        "url",
        "citation",
        "first_copy",
    }
    assert isinstance(hit["paragraph"], int) and isinstance(hit["score"], float)


def test_facet_size_lists_the_most_frequent_values_with_exact_counts(seed_index: Path) -> None:
    full = api.search("文明", seed_index, api.SearchOptions(facet_size=None))
    cut = api.search("文明", seed_index, api.SearchOptions(facet_size=2))
    for name in ("province", "city", "county", "year"):
        every = full.facets[name]
        assert cut.facet_distinct[name] == full.facet_distinct[name] == len(every)
        assert len(cut.facets[name]) == min(2, len(every))
        if name != "year":  # years are listed newest first; the rest most frequent first
            assert cut.facets[name] == every[:2]
        else:
            assert set(cut.facets[name]) <= set(every)
    assert full.facet_distinct["county"] > 2
    with pytest.raises(api.QueryError, match="facet size"):
        api.search("文明", seed_index, api.SearchOptions(facet_size=0))


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_pages_are_slices_of_one_order(seed_index: Path, sort: str) -> None:
    """Only the top of the ranking is sorted (widened until it holds enough duplicate groups):
    every page must still be exactly the matching slice of the one full order."""
    for collapse in (True, False):
        whole = api.search("文明", seed_index, api.SearchOptions(limit=300, sort=sort, collapse=collapse))
        pages = [
            h.id
            for offset in range(0, 120, 7)
            for h in api.search("文明", seed_index, api.SearchOptions(limit=7, offset=offset, sort=sort, collapse=collapse)).hits
        ]
        assert pages == [h.id for h in whole.hits][: len(pages)]
        assert len(pages) == min(18 * 7, len(whole.hits))
    total, every = api.iter_hits("文明", seed_index, api.SearchOptions(sort=sort))
    assert [h.id for h in every][:300] == [
        h.id for h in api.search("文明", seed_index, api.SearchOptions(limit=300, sort=sort, collapse=False)).hits
    ]


def test_substring_cache_is_bounded_by_entries_for_queries_that_match_nothing(
    seed_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A no-match result holds 0 bytes of array, so a cap in bytes alone never applied: 60k
    distinct queries once kept 300k entries. Entries are capped too (and counted with their keys)."""
    from searcher.engine.columnar import segments as segments_module

    monkeypatch.setattr(segments_module, "_CACHE_ENTRIES", 50)
    engine = api.open_index(seed_index)
    for n in range(300):
        api.search(f"无此词{n}号", seed_index, engine=engine)
    _, segs = engine._current()  # type: ignore[attr-defined]
    assert 0 < len(segs._cache) <= 50
    assert segs._cache_bytes >= 50 * segments_module._ENTRY_OVERHEAD * 0.9
    assert api.search("路长", seed_index, engine=engine).total == api.search("路长", seed_index).total
    engine.close()
