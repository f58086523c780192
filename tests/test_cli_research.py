"""The analysis commands (kwic, trend, collocates, keyness, compare) through click's CliRunner:
their JSON is the API's result, tables are aligned and CSV/JSONL are the API's rows, bad input
gets one line that says what to do. The figures themselves are checked against an oracle in
tests/test_research.py."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from searcher import api
from searcher.cli import main
from searcher.model import KWIC_COLUMNS


def run(index: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--index-dir", str(index), *args])
    return result.exit_code, result.stdout, result.stderr


def cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def test_trend_json_is_the_api_result(seed_index: Path) -> None:
    code, out, _ = run(seed_index, "trend", "志愿服务", "垃圾分类", "--by", "year", "--json")
    assert code == 0
    assert json.loads(out) == api.trend(["志愿服务", "垃圾分类"], "year", seed_index).to_dict()


def test_trend_table_lists_every_bucket_with_its_rate(seed_index: Path) -> None:
    code, out, _ = run(seed_index, "trend", "志愿服务")
    assert code == 0
    found = api.trend(["志愿服务"], "year", seed_index)
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["year", "passages"]
    for row in found.rows:
        label = row.key[0] or "(none)"
        line = next(line for line in lines if line.startswith(label))
        assert line.split()[1:] == [str(row.passages), str(row.matched[0]), str(row.articles[0]), f"{row.rates()[0]:.1f}"]
    assert lines[-1].split()[:3] == ["all", str(found.totals.passages), str(found.totals.matched[0])]


def test_trend_csv_is_the_table(seed_index: Path) -> None:
    code, out, _ = run(seed_index, "trend", "志愿服务", "--by", "year,province", "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))
    found = api.trend(["志愿服务"], "year,province", seed_index)
    assert rows[0] == found.columns()
    assert len(rows) - 1 == len(found.table())
    assert [r[:2] for r in rows[1:]] == [[t["year"] or "", t["province"] or ""] for t in found.table()]


def test_kwic_lines_are_aligned_on_the_match(seed_index: Path) -> None:
    code, out, _ = run(seed_index, "kwic", "路长", "--width", "8", "--sort", "right")
    assert code == 0
    found = api.kwic("路长", seed_index, api.SearchOptions(limit=100), sort="right", width=8)
    lines = out.splitlines()
    assert lines[0].startswith(f"{found.total_lines} occurrences of '路长' in {found.passages} passages")
    body = lines[1:]
    assert len(body) == len(found.lines)
    # The match starts in the same terminal column on every line (left context padded to 2 x width cells).
    assert {cells(line[: line.index("  路长  ")]) for line in body} == {16}
    for line, k in zip(body, found.lines):
        assert k.id in line and f"{k.left}  {k.match}  {k.right}" in line


def test_kwic_jsonl_and_paging(seed_index: Path) -> None:
    code, out, _ = run(seed_index, "kwic", "志愿服务", "--limit", "7", "--offset", "3", "--format", "jsonl")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    found = api.kwic("志愿服务", seed_index, api.SearchOptions(limit=7, offset=3))
    assert rows == [line.to_dict() for line in found.lines] and len(rows) == 7
    assert list(rows[0]) == list(KWIC_COLUMNS)


def test_collocates_and_keyness_json(seed_index: Path) -> None:
    code, out, _ = run(seed_index, "collocates", "志愿服务", "--window", "5", "--json")
    assert code == 0
    assert json.loads(out) == api.collocates("志愿服务", seed_index, window=5, limit=30).to_dict()
    code, out, _ = run(seed_index, "keyness", "--a", "year:2021", "--b", "year:2023", "--json")
    assert code == 0
    data = json.loads(out)
    assert data == api.keyness("year:2021", "year:2023", "", seed_index, limit=30).to_dict()
    assert data["passages_a"] == 45 and data["key_a"] and data["key_b"]


def test_compare_prints_each_place_with_its_filtered_total(seed_index: Path) -> None:
    code, out, _ = run(seed_index, "compare", "志愿服务", "--city", "鹤壁", "--city", "永州", "--hits", "1")
    assert code == 0
    for city in ("鹤壁", "永州"):
        total = api.search("志愿服务", seed_index, api.SearchOptions(city=[city])).total
        assert f"{city}: {total} passages" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["kwic", "--province", "河南", "x"], None),
        (["kwic", "province:河南"], "needs a word"),
        (["trend", "志愿服务", "--by", "colour"], "--by takes"),
        (["trend", "志愿服务 year:2023"], "Put filters in the options"),
        (["collocates", "志愿服务", "--window", "99"], "window"),
        (["keyness", "--a", "路长", "--b", "year:2023"], "filters only"),
        (["keyness", "--a", "year:2021"], "--b"),
        (["compare", "志愿服务", "--city", "鹤壁"], "two to four"),
        (["compare", "志愿服务", "--city", "鹤壁", "--province", "河南"], "one kind"),
    ],
)
def test_bad_input_gets_a_message_not_a_traceback(seed_index: Path, args: list[str], message: str | None) -> None:
    code, out, err = run(seed_index, *args)
    if message is None:  # a query word that matches nothing is not an error
        assert code == 0 and "0 occurrences" in out
        return
    assert code != 0
    assert message in err and "Traceback" not in err


def test_no_index_says_how_to_build_one(tmp_path: Path) -> None:
    code, _, err = run(tmp_path / "none", "trend", "志愿服务")
    assert code == 1 and "searcher index" in err


def test_json_alone_on_stdout_in_a_real_process(seed_index: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "searcher.cli", "--index-dir", str(seed_index), "kwic", "延吉", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(proc.stdout)
    assert data["without_text"] > 0 and data["total_lines"] == len(data["lines"])
