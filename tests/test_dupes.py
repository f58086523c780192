"""Identical and near-identical passages: grouping, collapsed results, the dupes report."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from searcher import api
from searcher.analysis import fold
from searcher.cli import main
from searcher.dates import date_key
from searcher.dupes import duplicate_articles, groups, signature
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
    assert set(copy) == {"id", "doc_id", "title", "source", "province", "city", "county", "date", "collection"}
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


# --- copies traced to the first ------------------------------------------------------------------

COPIED = PARA + "小区居民纷纷点赞。"
# (file, its place and date line, or none): one paragraph copied into four reports
COPIES = [
    ("2019_a.txt", "江门市恩平市文明城市创建经验", "2019年4月2日"),
    ("2015_b.txt", "江门市恩平市创建文明城市工作汇报", "2015年3月"),
    ("nodate_c.txt", "江门市台山市创建文明城市工作材料", None),
    ("2021_d.txt", "江门市开平市文明城市创建总结", "2021年9月1日"),
]


def copies_index(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, title, date in COPIES:
        lines = [title, *([date] if date else []), f"{title[:5]}加强组织领导，压实工作责任，推动创建工作落地见效。", COPIED]
        (docs / name).write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    api.index([str(docs)], tmp_path / "index")
    return tmp_path / "index"


def test_a_group_is_fronted_by_its_earliest_dated_copy_and_lists_the_rest_by_date(tmp_path: Path) -> None:
    index_dir = copies_index(tmp_path)
    (hit,) = api.search("小区居民纷纷点赞", index_dir).hits
    assert hit.duplicates_total == 3
    first = hit.first_copy
    assert first is not None and (first.date, first.title) == ("2015-03", "江门市恩平市创建文明城市工作汇报")
    # the shown hit and its copies: every member once; copies oldest first, the undated last
    members = [hit.id, *(c.id for c in hit.duplicates)]
    assert len(set(members)) == 4 and first.id in members
    dates = [c.date for c in hit.duplicates]
    dated = [d for d in dates if d]
    assert dated == sorted(dated) and dates[-1] is None
    # every copy, in an export, names the same group: the first copy's id
    total, rows = api.iter_hits("小区居民纷纷点赞", index_dir)
    assert total == 4 and {r.dup_group for r in rows} == {first.id}
    # a passage without copies is its own group and has no first copy
    alone = api.search('"开平市文明城市创建总结"', index_dir, api.SearchOptions(collapse=False)).hits[0]
    assert alone.dup_group == alone.id and alone.first_copy is None


def test_the_result_page_says_where_a_text_was_first_seen(tmp_path: Path) -> None:
    client = create_app({"TESTING": True, "INDEX_DIR": str(copies_index(tmp_path))}).test_client()
    html = client.get("/", query_string={"q": "小区居民纷纷点赞"}).get_data(as_text=True)
    assert "最早见于 2015-03 广东省 › 江门市 › 恩平市" in html


def test_sort_date_asc_lists_oldest_first_and_undated_last(seed_index: Path, seed_passages: list[dict]) -> None:
    opts = api.SearchOptions(sort="date-asc", collapse=False, limit=api.MAX_LIMIT)
    hits = api.search('"志愿服务"', seed_index, opts).hits
    expected = [p for p in seed_passages if "志愿服务" in "".join(p["text"].split())]
    assert len(hits) == len(expected)
    keys = [(h.date is None, date_key(h.date, end=False) if h.date else 0) for h in hits]
    assert keys == sorted(keys)
    assert hits[0].date and hits[0].date[:4] == min(p["date"] for p in expected if p["date"])[:4]
    assert any(h.date is None for h in hits) == any(p["date"] is None for p in expected)
    # the same order from the CLI, and in the export
    out = CliRunner().invoke(
        main,
        [
            "--index-dir",
            str(seed_index),
            "search",
            '"志愿服务"',
            "--sort",
            "date-asc",
            "--no-collapse",
            "--json",
            "--limit",
            "500",
        ],
    )
    assert [h["id"] for h in json.loads(out.stdout)["hits"]] == [h.id for h in hits]
    _, exported = api.iter_hits('"志愿服务"', seed_index, api.SearchOptions(sort="date-asc"))
    assert [h.id for h in exported] == [h.id for h in hits]


def test_copies_split_into_paragraphs_differently_show_as_one_hit(seed_index: Path, seed_passages: list[dict]) -> None:
    """On the seeds, one 衡水高新区 article prints as one paragraph what its copy prints as two."""
    title = "衡水高新区推进全国文明城市创建工作综述"
    articles = [a for a in api.documents("", seed_index) if a.title == title]
    assert len(articles) == 2
    letters = lambda t: "".join(ch for ch in t if ch.isalnum())  # noqa: E731
    by_doc = {
        a.doc_id: sorted((p for p in seed_passages if p["doc_id"] == a.doc_id), key=lambda p: p["paragraph"]) for a in articles
    }
    found = []  # (whole passage, its two pieces in the other copy), found by plain scans
    for whole_doc, pieces_doc in (list(by_doc), list(by_doc)[::-1]):
        pieces = by_doc[pieces_doc]
        for p in by_doc[whole_doc]:
            for a, b in zip(pieces, pieces[1:]):
                if len(letters(a["text"])) >= 8 and letters(a["text"]) + letters(b["text"]) == letters(p["text"]):
                    found.append((p, a, b))
    assert found, "the seeds hold a passage split in two in its copy"
    whole, first, second = max(found, key=lambda t: len(t[0]["text"]))
    assert len(whole["text"]) >= 300
    # a phrase of the second piece: two passages match, shown as one hit listing its copy
    phrase = second["text"][10:22]
    result = api.search(f'"{phrase}"', seed_index)
    assert result.total == 2 and result.collapsed_total == 1
    (hit,) = result.hits
    assert {hit.id, *(c.id for c in hit.duplicates)} == {whole["id"], second["id"]}
    # and the three passages are one group: an export gives them one dup_group
    groups_of = {}
    for query in (f'"{first["text"][5:17]}"', f'"{phrase}"'):
        _, rows = api.iter_hits(query, seed_index)
        groups_of.update({r.id: r.dup_group for r in rows})
    assert groups_of[whole["id"]] == groups_of[first["id"]] == groups_of[second["id"]]


def test_duplicate_articles_counts_the_groups_each_pair_shares() -> None:
    """The vectorised pair count against a plain loop over every group's members."""
    rng = np.random.default_rng(7)
    n = 3000
    doc_ids = np.sort(rng.integers(0, 120, n))
    group_of = np.where(rng.random(n) < 0.6, rng.integers(0, 400, n), -1)
    live = rng.random(n) < 0.95
    members: dict[int, set[int]] = {}
    for d, g in zip(doc_ids[live].tolist(), group_of[live].tolist()):
        if g >= 0:
            members.setdefault(g, set()).add(d)
    shared: Counter[tuple[int, int]] = Counter()
    for docs in members.values():
        ordered = sorted(docs)
        shared.update((a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :])
    counts = np.bincount(doc_ids[live], minlength=120)
    for min_share in (0.0, 0.05):
        expected = sorted(
            (
                (a, b, k, int(counts[a]), int(counts[b]))
                for (a, b), k in shared.items()
                if k >= min_share * min(counts[a], counts[b])
            ),
            key=lambda t: (-t[2], t[0], t[1]),
        )
        assert duplicate_articles(doc_ids, group_of, live, min_share) == expected
    # groups spread over more articles than max_group are left out of the count
    small = {g: docs for g, docs in members.items() if len(docs) <= 3}
    capped: Counter[tuple[int, int]] = Counter()
    for docs in small.values():
        ordered = sorted(docs)
        capped.update((a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :])
    got = duplicate_articles(doc_ids, group_of, live, 0.0, max_group=3)
    assert {(a, b): k for a, b, k, _, _ in got} == dict(capped)
