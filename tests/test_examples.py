"""The demo corpus in examples/: every clone has it, so these tests need nothing outside the repository.

The expected table is written by hand from reading the files, not from searcher's output.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from searcher import api

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# (file, title, province, city, county, date): one row per article, in file order.
EXPECTED = [
    ("01_yanji_summary.txt", "吉林省延吉市2022年创建全国文明城市工作总结", "吉林省", "延边朝鲜族自治州", "延吉市", "2023-01-16"),
    ("02_hebi_experience_gbk.txt", "河南省鹤壁市创建全国文明城市经验材料", "河南省", "鹤壁市", None, "2023-03-07"),
    ("03_wuhou_news_wrapped.txt", "四川省成都市武侯区：小区里的“飞线”不见了", "四川省", "成都市", "武侯区", "2023-05-18"),
    ("04_compilation.txt", "宜昌市创建全国文明城市工作综述", "湖北省", "宜昌市", None, "2023-04-12"),
    ("04_compilation.txt", "姑苏区推进全国文明城市创建工作综述", "江苏省", "苏州市", "姑苏区", "2023-06-02"),
    ("04_compilation.txt", "威海市巩固全国文明城市创建成果综述", "山东省", "威海市", None, "2023-08-21"),
    (
        "05_ningbo_speech.docx",
        "浙江省宁波市：以“街长制”绣出城市文明新面貌——在全省文明城市创建工作推进会上的交流发言",
        "浙江省",
        "宁波市",
        None,
        "2023-09-14",
    ),
    ("06_siming_summary.pdf", "福建省厦门市思明区2022年创建全国文明城市工作总结", "福建省", "厦门市", "思明区", "2022-12-28"),
    ("07_baohe_news.html", "安徽省合肥市包河区：“门前三包”小切口撬动城市大治理", "安徽省", "合肥市", "包河区", "2023-10-20"),
]

# A phrase from each file (for the compilation, from each article), searched quoted.
PHRASES = [
    "海兰江畔红",  # 01
    "桶边督导",  # 02 (GBK)
    "并对充电点实行统一管理",  # 03, across a hard line break ("并对充" | "电点实行")
    "小街小巷大整治",  # 04 宜昌
    "街长履职评价办法",  # 04 姑苏
    "接诉即办",  # 04 威海
    "徒步巡街",  # 05 docx
    "轮流值守",  # 06 pdf
    "城市管家",  # 07 html
    "门前三包",  # 02, 04, 05, 07
    "网格长",  # everywhere but 01
    "志愿服务",
    "垃圾分类",
]

# Text that is in a file but is not its article: the table of contents, page furniture, page chrome.
NOT_PASSAGES = ["目录", "目 录", "（3篇）", "思明区创建全国文明城市工作材料", "版权所有", "包河要闻", "- 1 -"]


@pytest.fixture(scope="module")
def example_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ix = tmp_path_factory.mktemp("examples") / "ix"
    summary = api.index([str(EXAMPLES)], ix)
    assert summary.skipped == []
    assert summary.files == len({row[0] for row in EXPECTED})
    return ix


@pytest.fixture(scope="module")
def passages(example_index: Path) -> list[dict]:
    return list(api.open_index(example_index).all_passages())


def _file(source: str) -> str:
    return source.replace("\\", "/").split("/")[-1]


def _plain(text: str) -> str:
    return re.sub(r"\s", "", text)


def test_the_folder_holds_exactly_the_files_of_the_table() -> None:
    indexed = {p.name for p in EXAMPLES.iterdir() if p.suffix in (".txt", ".md", ".html", ".docx", ".pdf")}
    assert indexed == {row[0] for row in EXPECTED}
    assert sum(p.stat().st_size for p in EXAMPLES.iterdir()) < 200_000


def test_the_gbk_file_is_gbk() -> None:
    data = (EXAMPLES / "02_hebi_experience_gbk.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "鹤壁市" in data.decode("gbk")


def test_every_article_has_its_title_place_and_date(passages: list[dict]) -> None:
    by_doc: dict[str, list[dict]] = {}
    for p in passages:
        by_doc.setdefault(p["doc_id"], []).append(p)
    got = []
    for ps in by_doc.values():
        # Every passage of an article carries the article's title, place and date.
        rows = {(_file(p["source"]), p["title"], p["province"], p["city"], p["county"], p["date"]) for p in ps}
        assert len(rows) == 1, rows
        got.append(rows.pop())
    assert sorted(got, key=str) == sorted(EXPECTED, key=str)


def test_stats_count_the_articles(example_index: Path) -> None:
    stats = api.stats(example_index)
    assert stats["documents"] == len(EXPECTED)


def test_hard_wrapped_lines_are_joined_into_paragraphs(passages: list[dict]) -> None:
    wrapped = [p for p in passages if _file(p["source"]) == "03_wuhou_news_wrapped.txt"]
    source = (EXAMPLES / "03_wuhou_news_wrapped.txt").read_text(encoding="utf-8")
    indented = [line for line in source.splitlines() if line.startswith("\u3000\u3000")]
    # the title, then one passage per indented paragraph
    assert len(wrapped) == 1 + len(indented)
    body = sorted(wrapped, key=lambda p: p["paragraph"])[1:]
    assert all(re.search(r"[。！？”]$", p["text"]) for p in body)


def test_furniture_never_becomes_a_passage(passages: list[dict]) -> None:
    texts = {_plain(p["text"]) for p in passages}
    for furniture in NOT_PASSAGES:
        assert _plain(furniture) not in texts
    assert not any(re.match(r"^\d+\.", p["text"]) for p in passages)  # table-of-contents entries
    assert not any("脚本" in p["text"] or "var nav" in p["text"] for p in passages)


@pytest.mark.parametrize("phrase", PHRASES)
def test_quoted_search_finds_exactly_the_passages_containing_it(example_index: Path, passages: list[dict], phrase: str) -> None:
    expected = {p["id"] for p in passages if phrase in _plain(p["text"])}
    assert expected, f"{phrase} is in no passage"
    result = api.search(f'"{phrase}"', example_index, api.SearchOptions(collapse=False, limit=1000))
    assert {h.id for h in result.hits} == expected
    assert result.total == len(expected)
    # Facets count the same passages.
    containing = [p for p in passages if p["id"] in expected]
    for field in ("province", "city", "county"):
        want = Counter(p[field] for p in containing if p[field])
        assert {f.value: f.count for f in result.facets[field]} == want, field


def test_every_file_is_found_by_its_own_phrase(example_index: Path) -> None:
    # The phrases picked for single files (and compilation articles) are found there only.
    for phrase, (file, title, *_) in zip(PHRASES, EXPECTED):
        hits = api.search(f'"{phrase}"', example_index, api.SearchOptions(collapse=False, limit=1000)).hits
        assert {(_file(h.source), h.title) for h in hits} == {(file, title)}, phrase
