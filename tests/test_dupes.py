"""Identical and near-identical passages: grouping, collapsed results, the dupes report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from searcher import api
from searcher.analysis import fold
from searcher.cli import main
from searcher.dupes import groups, signature
from web import create_app

PARA = (
    "衡水高新区坚持从解决群众最关心的问题入手，坚持创建为民、创建惠民，持续推进老旧小区改造，"
    "硬化路面10000余平方米，粉刷楼体外墙，规范停车秩序，让群众在创建中有实实在在的获得感。"
)


def test_near_identical_passages_group_and_different_ones_do_not() -> None:
    variants = [
        PARA,
        PARA.replace("10000余", "一万余"),
        PARA + "一次次紧盯死守，推动着创城工作大步向前。",
        "台州坚持从地方人文禀赋出发，拿出十年磨一剑的韧劲，以垦荒精神点亮城市文明，以幸福之城标注城市文明。",
        "一、主要做法",
        "一、主要做法",
    ]
    sigs = np.stack([signature(fold(v)) for v in variants])
    g = groups(sigs, np.ones(len(variants), dtype=bool))
    assert g[0] == g[1] == g[2] == 0
    assert g[3] == -1
    assert g[4] == g[5] == -1  # short headings are never copies of anything
    dead = np.ones(len(variants), dtype=bool)
    dead[1:3] = False
    assert groups(sigs, dead)[0] == -1  # deleted copies do not count


def test_compilation_copies_collapse_in_results(seed_index: Path) -> None:
    collapsed = api.search("核心提示", seed_index)
    full = api.search("核心提示", seed_index, api.SearchOptions(collapse=False))
    assert collapsed.total == full.total == 2  # totals count every passage
    assert len(collapsed.hits) == 1 and len(full.hits) == 2
    hit = collapsed.hits[0]
    assert [d["id"] for d in hit.duplicates] == [h.id for h in full.hits if h.id != hit.id]
    copy = hit.duplicates[0]
    assert set(copy) == {"id", "doc_id", "title", "source", "province", "city", "county", "date"}
    assert copy["title"] == "衡水高新区推进全国文明城市创建工作综述" and copy["doc_id"] != hit.doc_id
    assert all(not h.duplicates for h in full.hits)
    assert collapsed.facets == full.facets


def test_collapsed_pages_do_not_repeat_a_group(seed_index: Path) -> None:
    seen_groups: set[str] = set()
    ids: set[str] = set()
    for page in range(0, 60, 10):
        r = api.search("衡水高新区", seed_index, api.SearchOptions(limit=10, offset=page))
        for h in r.hits:
            members = {h.id, *(d["id"] for d in h.duplicates)}
            assert not members & ids, "a copy shown twice across pages"
            ids |= members
            seen_groups.add(h.id)
    assert len(ids) == api.search("衡水高新区", seed_index).total


def test_dupes_command_lists_the_copied_article(seed_index: Path) -> None:
    result = CliRunner().invoke(main, ["--index-dir", str(seed_index), "dupes", "--json"])
    assert result.exit_code == 0
    pairs = json.loads(result.stdout)
    titles = {(p["a"]["title"], p["b"]["title"]) for p in pairs}
    assert ("衡水高新区推进全国文明城市创建工作综述", "衡水高新区推进全国文明城市创建工作综述") in titles
    # same title, different articles: not duplicates
    assert ("临江市全力推进全国文明城市创建工作综述", "临江市全力推进全国文明城市创建工作综述") not in titles
    text = CliRunner().invoke(main, ["--index-dir", str(seed_index), "dupes"]).stdout
    assert "shared passages" in text


def test_no_collapse_flag(seed_index: Path) -> None:
    runner = CliRunner()
    one = json.loads(runner.invoke(main, ["--index-dir", str(seed_index), "search", "核心提示", "--json"]).stdout)
    two = json.loads(
        runner.invoke(main, ["--index-dir", str(seed_index), "search", "核心提示", "--json", "--no-collapse"]).stdout
    )
    assert len(one["hits"]) == 1 and len(one["hits"][0]["duplicates"]) == 1 == one["hits"][0]["duplicates_total"]
    assert len(two["hits"]) == 2 and all(h["duplicates"] == [] for h in two["hits"])
    out = runner.invoke(main, ["--index-dir", str(seed_index), "search", "核心提示"]).stdout
    assert "= also in 衡水高新区推进全国文明城市创建工作综述" in out


def test_a_hit_counts_all_its_copies_and_lists_fifty(tmp_path: Path) -> None:
    para = "全市设立一级路长三十八名，二级路长二百零六名，实行每日巡查、每周调度、每月考评的工作机制。"
    for i in range(60):
        (tmp_path / f"report_{i:02d}.txt").write_text(f"第{i}号报告\n\n{para}\n", encoding="utf-8")
    index = tmp_path / "index"
    api.index([str(tmp_path)], index)
    hit = api.search("每日巡查", index).hits[0]
    assert hit.duplicates_total == 59 and len(hit.duplicates) == 50
    out = CliRunner().invoke(main, ["--index-dir", str(index), "search", "每日巡查"]).stdout
    assert "and 54 more copies" in out
    page = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client().get("/?q=每日巡查")
    assert "另有 59 处相同或相近的段落（列出前 50 处）" in page.get_data(as_text=True)
