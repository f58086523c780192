"""Odd and hostile input: names no index can hold, damaged text, pipes and link loops, empty
files, corrections that match nothing, and queries with bytes that are not text. Nothing hangs,
nothing crashes, everything is said in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searcher import api
from web import create_app

GOOD = "吉林省延吉市2023年5月6日讯\n\n延吉市推行路长制，路长每日巡查背街小巷。"


def cli(*args: str | bytes, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "searcher.cli", *args], capture_output=True, text=True, encoding="utf-8", timeout=timeout
    )


@pytest.fixture()
def bad_folder(tmp_path: Path) -> Path:
    """Every kind of odd file a real collection holds, beside one good report."""
    d = tmp_path / "bad"
    d.mkdir()
    raw = os.fsencode(d)
    (d / "good.txt").write_text(GOOD, encoding="utf-8")
    with open(raw + b"/" + "文明城市测评".encode("gbk") + b".txt", "wb") as f:  # unzipped from Windows
        f.write("河南省鹤壁市2023年3月7日 路长制推进会召开，路长名单公布。".encode())
    with open(raw + b"/line\nbreak.txt", "wb") as f:
        f.write("延吉市路长到岗率百分之百。".encode())
    damaged = ("延吉市路长巡查，第一段落文字。\n\n" * 3).encode() + b"\xff\xfe\x80" + "城市管理路长。".encode()
    damaged += b"\xc3\x28\xed\xa0\x80\xe4\xb8"  # 8 invalid sequences in all
    (d / "damaged.txt").write_bytes(damaged)
    (d / "empty.txt").write_bytes(b"")
    (d / "blank.txt").write_bytes(b"  \n\n \t\n")
    os.mkfifo(d / "pipe.txt")
    os.symlink(d / "loop1.txt", d / "loop2.txt")
    os.symlink(d / "loop2.txt", d / "loop1.txt")
    os.symlink(d / "nowhere.txt", d / "dangling.txt")
    return d


def test_bad_folder_is_indexed_with_one_line_per_problem_and_nothing_hangs(bad_folder: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    first = cli("--index-dir", str(index_dir), "index", str(bad_folder))
    lines = first.stderr.strip().splitlines()
    assert "Traceback" not in first.stderr
    assert first.returncode == 1  # some files could not be read: said, and the rest indexed
    assert all(line.startswith(("skipped ", "note: ", "indexed ", "Error: ")) for line in lines), lines
    by_file = {
        line.removeprefix("note: ").removeprefix("skipped ").split(": ", 1)[0].rsplit("/", 1)[-1]: line
        for line in lines
        if line.startswith(("skipped", "note"))
    }
    assert "named pipe (FIFO)" in by_file["pipe.txt"]
    assert "symbolic link loop" in by_file["loop1.txt"] and "symbolic link loop" in by_file["loop2.txt"]
    assert "broken symbolic link" in by_file["dangling.txt"]
    assert "8 invalid byte sequence(s) replaced" in by_file["damaged.txt"]
    assert "no text in it" in by_file["empty.txt"] and "no text in it" in by_file["blank.txt"]
    assert "please report" not in first.stderr
    assert "indexed 4 files" in first.stderr and "2 empty" in first.stderr and "4 skipped" in first.stderr
    hits = api.search("路长", index_dir, api.SearchOptions(limit=100, collapse=False)).hits
    sources = {h.source.rsplit("/", 1)[-1] for h in hits}
    assert sources == {"good.txt", "文明城市测评.txt", "line\\nbreak.txt", "damaged.txt"}
    damaged = api.search("城市管理路长", index_dir).hits
    assert damaged and "\ufffd" in api.document(damaged[0].doc_id, index_dir).passages[-1].text
    gbk = api.search("路长名单公布", index_dir).hits
    assert gbk[0].title and gbk[0].city == "鹤壁市"
    again = cli("--index-dir", str(index_dir), "index", str(bad_folder))
    assert "indexed 0 files" in again.stderr and "6 unchanged" in again.stderr, again.stderr
    assert "no text in it" not in again.stderr  # empty files are remembered, not read again
    (bad_folder / "empty.txt").write_text(GOOD.replace("路长", "街长"), encoding="utf-8")
    third = cli("--index-dir", str(index_dir), "index", str(bad_folder))
    assert "indexed 1 files" in third.stderr and api.search("街长", index_dir).total > 0


def test_a_fifo_given_by_name_is_refused_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    got = cli("--index-dir", str(tmp_path / "index"), "index", str(tmp_path / "pipe.txt"), timeout=30)
    assert got.returncode == 1 and "named pipe (FIFO)" in got.stderr and "Traceback" not in got.stderr


def test_corrections_that_name_no_indexed_file_are_reported(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text(GOOD, encoding="utf-8")
    meta = tmp_path / "fixes.csv"
    meta.write_text("file,city\nC:\\Users\\x\\报告.txt,延吉\ngood.txtt,延吉\ngood.txt,延吉\n", encoding="utf-8")
    summary = api.index([str(docs)], tmp_path / "index", metadata=meta)
    unmatched = [n for n in summary.notes if "names no indexed file" in n]
    assert len(unmatched) == 2 and "line 2" in unmatched[0] and "good.txtt" in unmatched[1]


def test_query_bytes_that_are_not_text_get_a_message(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text(GOOD, encoding="utf-8")
    index_dir = tmp_path / "index"
    api.index([str(docs)], index_dir)
    for query, opts in (("\ud800", {}), ("路长\udcff", {}), ("路长", {"city": "\udcd1\udcd3"})):
        with pytest.raises(api.QueryError, match="not UTF-8"):
            api.search(query, index_dir, api.SearchOptions(**opts))
    got = subprocess.run(
        [sys.executable, "-m", "searcher.cli", "--index-dir", str(index_dir), "search", b"\xe8\xb7\xaf\xff"],
        capture_output=True,
        timeout=60,
    )
    assert got.returncode == 1 and b"Traceback" not in got.stderr and b"not UTF-8" in got.stderr
    client = create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()
    for url in ("/?q=%ED%A0%80", "/api/search?q=%ED%A0%80", "/api/search?q=a&city=%ED%A0%80", "/export.csv?q=%FF%FE"):
        assert client.get(url).status_code < 500, url


def test_year_0000_is_the_same_on_the_web_and_in_a_query(seed_index: Path) -> None:
    client = create_app({"INDEX_DIR": str(seed_index), "TESTING": True}).test_client()
    by_param = client.get("/api/search?q=文明&year=0000").get_json()
    by_query = client.get("/api/search?q=文明+year:0000").get_json()
    assert by_param["total"] == by_query["total"] == 0


ALL_TEXT = st.text(st.characters(codec=None, categories=None), max_size=12)  # includes lone surrogates
QUERY_PIECES = st.sampled_from(['"', "(", ")", "-", "OR", "AND", "NOT", "*", "year:", "city:", "路长", "文明", " ", "\ud800"])


@pytest.fixture(scope="module")
def fuzz_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    docs = tmp_path_factory.mktemp("fuzz-docs")
    (docs / "good.txt").write_text(GOOD, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("fuzz-index")
    api.index([str(docs)], index_dir)
    return index_dir


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.one_of(ALL_TEXT, st.lists(st.one_of(QUERY_PIECES, ALL_TEXT), max_size=6).map("".join)), city=ALL_TEXT)
def test_any_query_gives_a_result_or_a_query_error(fuzz_index: Path, query: str, city: str) -> None:
    try:
        api.search(query, fuzz_index, api.SearchOptions(city=city))
    except api.QueryError as exc:
        assert str(exc)


PARAMS = ("q", "province", "city", "county", "doc_type", "year", "from", "to", "sort", "page", "limit", "collapse")
URL_TEXT = st.text(st.characters(codec="utf-8"), max_size=10) | st.sampled_from(["%ED%A0%80", "%FF", "0000", "-1", "99999999999"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(st.sampled_from(PARAMS), URL_TEXT, max_size=5),
    path=st.sampled_from(["/", "/api/search", "/export.jsonl"]),
)
def test_any_web_parameters_give_a_page_never_a_server_error(fuzz_index: Path, params: dict[str, str], path: str) -> None:
    client = create_app({"INDEX_DIR": str(fuzz_index), "TESTING": True}).test_client()
    resp = client.get(path, query_string=params)
    assert resp.status_code < 500, (path, params, resp.get_data(as_text=True)[:300])
    if path.startswith("/api") and resp.status_code >= 400:
        assert resp.is_json
