"""Sub-collections: several folders in one index, each a collection (its name, or --collection
NAME), a facet and a filter like any other, counted as the passages say."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from searcher import api
from searcher.cli import main
from web import create_app

REPORTS = {
    "延吉2023": [
        (
            "yanji.txt",
            "延吉市文明城市创建工作总结",
            "2023年5月6日",
            "延吉市设立一级路长38名，二级路长70名，志愿服务队伍不断壮大，群众满意度持续提升。",
        ),
        (
            "hunchun.txt",
            "珲春市文明城市创建情况汇报",
            "2023年6月1日",
            "珲春市开展志愿服务活动三百余场，治理飞线充电问题一千余处，城市面貌明显改善。",
        ),
    ],
    "鹤壁2021": [
        (
            "hebi.txt",
            "鹤壁市创建全国文明城市工作综述",
            "2021年3月7日",
            "鹤壁市推行门前四包责任制，志愿服务站点覆盖全部社区，文明新风吹遍城乡。",
        ),
    ],
}


def write_folder(root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    for file, title, date, body in REPORTS[name]:
        (folder / file).write_text(f"{title}\n\n{date}\n\n{body}\n", encoding="utf-8")
    return folder


@pytest.fixture()
def two_collections(tmp_path: Path) -> Path:
    index_dir = tmp_path / "index"
    api.index([str(write_folder(tmp_path / "docs", "延吉2023"))], index_dir)
    api.index([str(write_folder(tmp_path / "docs", "鹤壁2021"))], index_dir, collection="汇编B")
    return index_dir


def every_passage(index_dir: Path) -> list[dict]:
    return list(api.open_index(index_dir).all_passages())


def test_each_folder_is_a_collection_counted_as_its_passages(two_collections: Path) -> None:
    passages = every_passage(two_collections)
    # the oracle: the folder a passage's file is in, and the name the second run gave
    expected_names = {"延吉2023": "延吉2023", "鹤壁2021": "汇编B"}
    assert {p["collection"] for p in passages} == {"延吉2023", "汇编B"}
    for p in passages:
        assert p["collection"] == expected_names[Path(p["source"]).parent.name]
    result = api.search('"志愿服务"', two_collections, api.SearchOptions(collapse=False))
    matching = [p for p in passages if "志愿服务" in p["text"]]
    assert result.total == len(matching) == 3
    assert {f.value: f.count for f in result.facets["collection"]} == dict(Counter(p["collection"] for p in matching))
    only = api.search('"志愿服务"', two_collections, api.SearchOptions(collection=["汇编B"], collapse=False))
    assert [h.source for h in only.hits] == [p["source"] for p in matching if p["collection"] == "汇编B"]
    assert all(h.collection == "汇编B" for h in only.hits)
    both = api.search('"志愿服务"', two_collections, api.SearchOptions(collection=["汇编B", "延吉2023"]))
    assert both.total == 3
    # the query prefix says the same
    assert api.search('"志愿服务" 资料集:延吉2023', two_collections).total == 2


def test_indexing_a_folder_again_under_another_name_refiles_it(two_collections: Path, tmp_path: Path) -> None:
    summary = api.index([str(tmp_path / "docs" / "延吉2023")], two_collections, collection="延边")
    assert summary.files == 2  # re-read: the collection is part of what a file is indexed as
    for p in every_passage(two_collections):
        assert p["collection"] == ("延边" if Path(p["source"]).parent.name == "延吉2023" else "汇编B")
    assert api.search("志愿服务", two_collections, api.SearchOptions(collection=["延吉2023"])).total == 0
    assert api.search("志愿服务", two_collections, api.SearchOptions(collection=["延边"])).total == 2


def test_the_cli_and_the_web_filter_and_facet_by_collection(two_collections: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--index-dir", str(two_collections)]
    out = runner.invoke(main, [*base, "search", "志愿服务", "--collection", "汇编B", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["total"] == 1 and data["hits"][0]["collection"] == "汇编B"
    text = runner.invoke(main, [*base, "search", "志愿服务"]).stdout
    assert "collection: 延吉2023 (2), 汇编B (1)" in text
    client = create_app({"TESTING": True, "INDEX_DIR": str(two_collections)}).test_client()
    page = client.get("/", query_string={"q": "志愿服务"}).get_data(as_text=True)
    assert "资料集" in page and "汇编B" in page
    web = client.get("/api/search", query_string={"q": "志愿服务", "collection": "延吉2023"}).get_json()
    assert web["total"] == 2 and {h["collection"] for h in web["hits"]} == {"延吉2023"}
    # an empty name is refused with a message that says what to give
    bad = runner.invoke(main, [*base, "index", str(tmp_path / "docs" / "延吉2023"), "--collection", " "])
    assert bad.exit_code != 0 and "--collection needs a name" in bad.output
