"""The kind of report (doc_type) from titles: real seed titles and the usual genres, unknown stays None."""

from __future__ import annotations

from pathlib import Path

import pytest

from searcher import api
from searcher.ingest.doctype import doc_type


@pytest.mark.parametrize(
    "title, kind",
    [
        # titles of the seed reports
        ("鹤壁市全国文明城市创建成效综述", "综述"),
        ("攀枝花市创建全国文明城市工作综述", "综述"),
        ("建设百姓满意的新江城——吉林市深化全国文明城市创建工作和国家卫生城市复审工作走笔", "新闻报道"),
        ("创城，为了增进人民的福祉——通化县成功创建全国文明城市纪实", "新闻报道"),
        ("2021年全国文明城市创建工作培训班交流发言材料摘编（三）（建设更高水平文明城市）", "发言材料"),
        ("吉林省延吉市：持续深入推进文明城市创建 让群众充分共享创建成果", None),
        # the other genres of the field
        ("宁波市2023年创建全国文明城市工作总结", "工作总结"),
        ("关于创建全国文明城市工作情况的汇报", "工作汇报"),
        ("武侯区“路长制”推进城市精细化管理经验材料", "经验材料"),
        ("在全市创建全国文明城市推进大会上的讲话", "发言材料"),
        ("延吉市创建全国文明城市实施方案", "实施方案"),
        ("关于老旧小区飞线充电问题的调研报告", "调研报告"),
        # a genre word early in the title does not decide; the last one does
        ("总结经验再出发——鹤壁市创建工作综述", "综述"),
        ("文明城市创建", None),
        ("", None),
    ],
)
def test_doc_type_from_title(title: str, kind: str | None) -> None:
    assert doc_type(title) == kind


def test_doc_type_is_a_facet_and_a_filter(seed_index: Path, seed_passages: list) -> None:
    """Every passage carries its article's kind; the facet counts and the filter agree with a plain count."""
    by_kind: dict[str | None, int] = {}
    for p in seed_passages:
        by_kind[p["doc_type"]] = by_kind.get(p["doc_type"], 0) + 1
        assert p["doc_type"] == doc_type(p["title"])
    result = api.search("", seed_index, api.SearchOptions(doc_type="综述", limit=0))
    assert result.total == by_kind["综述"] > 0
    everything = api.search("文明", seed_index, api.SearchOptions(facet_size=None, collapse=False, limit=0))
    counted = {f.value: f.count for f in everything.facets["doc_type"]}
    matching = [p for p in seed_passages if "文明" in "".join(p["text"].split())]
    assert set(counted) == {p["doc_type"] for p in matching if p["doc_type"]}


def test_a_corrected_title_gives_its_kind(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    report = "延吉市创建文明城市\n\n2023年4月12日\n\n延吉市设立一级路长38名，开展日常巡查。\n"
    (docs / "a.txt").write_text(report, encoding="utf-8")
    (docs / "metadata.csv").write_text("file,title\na.txt,延吉市创建文明城市工作总结\n", encoding="utf-8")
    ix = tmp_path / "ix"
    api.index([str(docs)], ix)
    hit = api.search("路长", ix).hits[0]
    assert (hit.title, hit.doc_type) == ("延吉市创建文明城市工作总结", "工作总结")
    assert api.search("路长", ix, api.SearchOptions(doc_type="工作总结")).total == 1
