"""searcher export: every hit as CSV or JSON Lines, through the CLI (CliRunner and a real process) and searcher.export."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from searcher import api, export
from searcher.cli import main
from searcher.model import Hit

BOM = b"\xef\xbb\xbf"
FIELDS = [
    "id",
    "doc_id",
    "title",
    "source",
    "compilation",
    "paragraph",
    "page",
    "section",
    "province",
    "city",
    "county",
    "doc_type",
    "date",
    "year",
    "collection",
    "score",
    "dup_group",
    "url",
    "citation",
    "text",
]
TRICKY_TEXT = (
    "平凉市崆峒区2023年6月1日讯 文明城市测试报告\n\n"
    '平凉市崆峒区推行"门前三包",商户签订责任书,共计1,200户；他说："干净、整洁"。\n\n'
    '第二段：路长巡查 \'single\' 与 "double" 混排,逗号,引号""连写。\n'
)

# (query, SearchOptions fields): words, OR, NOT, quotes, each filter, filters alone, both sorts
CASES: list[tuple[str, dict[str, Any]]] = [
    ("路长", {}),
    ("文明", {}),
    ("文明", {"sort": "date"}),
    ("文明", {"city": ["延吉"]}),
    ("创建", {"province": "吉林"}),
    ("文明", {"county": "崆峒区"}),
    ("文明", {"year": 2023}),
    ("文明", {"date_from": "2023-04", "date_to": "2023-12-31"}),
    ("路长 OR 街长", {}),
    ("充电 -飞线", {}),
    ('"门前四包"', {}),
    ("city:延吉 志愿", {}),
    ("", {"year": 2023}),
    ("", {"province": "甘肃"}),
    ("不存在的词语组合", {}),
]


def cli_args(query: str, opts: dict[str, Any]) -> list[str]:
    args = [query] if query else []
    for city in opts.get("city", []):
        args += ["--city", city]
    for key, flag in (
        ("province", "--province"),
        ("county", "--county"),
        ("year", "--year"),
        ("date_from", "--from"),
        ("date_to", "--to"),
        ("sort", "--sort"),
    ):
        if key in opts:
            args += [flag, str(opts[key])]
    return args


def run(index_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--index-dir", str(index_dir), "export", *args])


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(BOM)
    reader = csv.DictReader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline=""))
    assert reader.fieldnames == FIELDS
    return list(reader)


def read_jsonl(data: bytes) -> list[dict[str, Any]]:
    text = data.decode("utf-8")
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.split("\n")[:-1]]


def as_csv_row(hit: dict[str, Any]) -> dict[str, str]:
    """What csv makes of a hit's fields: None -> empty, numbers -> str()."""
    return {k: "" if hit[k] is None else str(hit[k]) for k in FIELDS}


@pytest.fixture(scope="module")
def tricky_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    docs = tmp_path_factory.mktemp("tricky-docs")
    (docs / "tricky.txt").write_text(TRICKY_TEXT, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("tricky-index")
    summary = api.index([str(docs)], index_dir)
    assert summary.files == 1 and not summary.skipped
    return index_dir


@pytest.fixture(scope="module")
def big_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """More passages match 路长 than one search call may return (api.MAX_LIMIT)."""
    docs = tmp_path_factory.mktemp("big-docs")
    paragraphs = [f"第{i}段：路长巡查{i}处。" for i in range(api.MAX_LIMIT + 100)]
    (docs / "big.txt").write_text("\n\n".join(["吉林省延吉市2023年5月6日讯 文明城市长效管理报告", *paragraphs]), encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("big-index")
    assert api.index([str(docs)], index_dir).passages == api.MAX_LIMIT + 101
    return index_dir


def every_passage(**opts: Any) -> api.SearchOptions:
    """Search options that show every matching passage, as export writes them: should search learn
    to collapse copies of a passage into one hit, export still writes each copy."""
    options = api.SearchOptions(**opts)
    if hasattr(options, "collapse"):
        options.collapse = False
    return options


def search_all(index_dir: Path, query: str, opts: dict[str, Any]) -> Any:
    result = api.search(query, index_dir, every_passage(**opts, limit=api.MAX_LIMIT))
    assert result.total <= api.MAX_LIMIT  # so the hits below are all of them
    return result


# --- counts and content ---------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "opts"), CASES)
def test_export_has_every_hit_of_search_in_order(seed_index: Path, query: str, opts: dict[str, Any]) -> None:
    expected = [h.to_dict() for h in search_all(seed_index, query, opts).hits]
    jsonl = run(seed_index, *cli_args(query, opts), "--format", "jsonl")
    assert jsonl.exit_code == 0, jsonl.output
    rows = read_jsonl(jsonl.stdout_bytes)
    assert len(rows) == len(expected)
    assert rows == [{k: h[k] for k in FIELDS} for h in expected]  # all fields, same order as search; no highlight
    csv_out = run(seed_index, *cli_args(query, opts), "--format", "csv")
    assert csv_out.exit_code == 0, csv_out.output
    assert read_csv(csv_out.stdout_bytes) == [as_csv_row(h) for h in expected]


def test_api_iter_hits_total_matches_search_beyond_one_page(seed_index: Path) -> None:
    for query in ("文明", "创建", "的"):
        total, hits = api.iter_hits(query, seed_index, api.SearchOptions(limit=3, offset=7))  # limit/offset ignored
        assert total == api.search(query, seed_index, every_passage()).total > 10
        assert sum(1 for _ in hits) == total


def test_export_is_not_capped_at_the_search_limit(big_index: Path, tmp_path: Path) -> None:
    total = api.search("路长", big_index, every_passage(limit=0)).total
    assert total == api.MAX_LIMIT + 100  # more than search can return in one call
    for fmt in ("jsonl", "csv"):
        out = tmp_path / f"all.{fmt}"
        result = run(big_index, "路长", "-o", str(out))
        assert result.exit_code == 0, result.output
        rows = read_jsonl(out.read_bytes()) if fmt == "jsonl" else read_csv(out.read_bytes())
        assert len(rows) == total and len({r["id"] for r in rows}) == total
        assert f"exported {total} passages" in result.stderr


def test_empty_query_with_a_filter_exports_everything_under_it(seed_index: Path, seed_passages: list[dict]) -> None:
    result = run(seed_index, "--province", "甘肃", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    rows = read_jsonl(result.stdout_bytes)
    assert len(rows) == sum(1 for p in seed_passages if p.get("province") == "甘肃省") > 0
    assert {r["province"] for r in rows} == {"甘肃省"}
    dates = [r["date"] or "" for r in rows]
    assert dates == sorted(dates, reverse=True) or dates == sorted(dates)  # filter-only results come by date


def test_csv_starts_with_a_bom_and_keeps_chinese_commas_and_quotes(tricky_index: Path) -> None:
    result = run(tricky_index, "商户 OR 路长", "--format", "csv")
    assert result.exit_code == 0, result.output
    data = result.stdout_bytes
    assert data.startswith(BOM + b"id,doc_id,title,")
    assert "门前三包".encode() in data  # UTF-8 as written, not escaped
    rows = read_csv(data)
    texts = {r["text"] for r in rows}
    assert '平凉市崆峒区推行"门前三包",商户签订责任书,共计1,200户；他说："干净、整洁"。' in texts
    assert '第二段：路长巡查 \'single\' 与 "double" 混排,逗号,引号""连写。' in texts
    assert {r["province"] for r in rows} == {"甘肃省"} and {r["county"] for r in rows} == {"崆峒区"}
    assert {r["date"] for r in rows} == {"2023-06-01"} and {r["year"] for r in rows} == {"2023"}
    # Records end in CRLF, fields with commas or quotes are quoted, quotes doubled.
    assert b'"\xe5\xb9\xb3' in data and b'""\xe9\x97\xa8' in data and data.endswith(b"\r\n")


def test_jsonl_is_one_utf8_object_per_line(tricky_index: Path, seed_index: Path) -> None:
    result = run(seed_index, "路长", "--format", "jsonl")
    assert result.exit_code == 0
    text = result.stdout
    assert "路长" in text and "\\u" not in text  # ensure_ascii=False
    rows = read_jsonl(result.stdout_bytes)
    assert len(rows) == 3 and all(list(r) == FIELDS for r in rows)
    assert all(isinstance(r["paragraph"], int) and isinstance(r["score"], float) for r in rows)
    assert any(r["date"] is None and r["year"] is None for r in rows)
    tricky = read_jsonl(run(tricky_index, "商户", "--format", "jsonl").stdout_bytes)
    assert tricky[0]["text"] == '平凉市崆峒区推行"门前三包",商户签订责任书,共计1,200户；他说："干净、整洁"。'


def hit(text: str, **fields: Any) -> Hit:
    base: dict[str, Any] = dict(
        id="d-1",
        doc_id="d",
        title="标题,带逗号",
        source="a.txt",
        paragraph=1,
        section=None,
        province=None,
        city=None,
        county=None,
        date=None,
        year=None,
        score=0.0,
        text=text,
        highlight="<mark>x</mark>",
    )
    return Hit(**{**base, **fields})


def test_newlines_and_unicode_line_breaks_survive_both_formats() -> None:
    texts = ["一行\n二行", "回车\r\n换行", '引号"与,逗号', "段\u2028落\u2029分隔\x85", "", "=1+1", "\ufeff开头BOM"]
    hits = [hit(t, id=f"d-{i}", paragraph=i) for i, t in enumerate(texts)]
    csv_bytes = b"".join(export.chunks(hits, "csv"))
    assert [r["text"] for r in read_csv(csv_bytes)] == [export.spreadsheet_safe(t) for t in texts]
    assert export.spreadsheet_safe("=1+1") == "'=1+1"  # a spreadsheet shows it, never computes it
    jsonl = b"".join(export.chunks(hits, "jsonl")).decode("utf-8")
    lines = jsonl.splitlines()  # even splitlines() (which splits at U+2028) sees one record per line
    assert len(lines) == len(texts)
    assert [json.loads(line)["text"] for line in lines] == texts
    assert all("highlight" not in json.loads(line) for line in lines)


def test_export_reads_hits_lazily_and_writes_in_chunks() -> None:
    pulled = 0

    def many() -> Iterator[Hit]:
        nonlocal pulled
        for i in range(5_000):
            pulled += 1
            yield hit("文明城市创建" * 20, id=f"d-{i}")

    stream = export.chunks(many(), "jsonl", size=4096)
    first = next(stream)
    assert 4096 <= len(first) < 4096 + 2000 and pulled < 100
    assert all(0 < len(c) for c in stream)
    assert pulled == 5_000
    assert b"".join(export.chunks([], "csv")) == BOM + b",".join(f.encode() for f in FIELDS) + b"\r\n"
    assert b"".join(export.chunks([], "jsonl")) == b""


def test_export_never_calls_search(seed_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = api.search("路长", seed_index, every_passage()).total

    def no_search(*args: object, **kwargs: object) -> None:
        raise AssertionError("export must use api.iter_hits, not api.search")

    monkeypatch.setattr(api, "search", no_search)
    result = run(seed_index, "路长", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert len(read_jsonl(result.stdout_bytes)) == expected


# --- output file -----------------------------------------------------------------------------------


def test_output_file_gets_the_data_and_stdout_stays_empty(seed_index: Path, tmp_path: Path) -> None:
    out = tmp_path / "路长.csv"
    result = run(seed_index, "路长", "-o", str(out))  # format from the suffix
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"exported 3 passages to {out}" in result.stderr
    assert len(read_csv(out.read_bytes())) == 3
    assert os.stat(out).st_mode & 0o777 == 0o666 & ~_umask()  # the usual permissions, not a temp file's 0600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["路长.csv"]
    again = run(seed_index, "红黑榜", "--format", "jsonl", "-o", str(out))  # explicit format wins; file replaced
    assert again.exit_code == 0 and again.stdout == ""
    expected = [h.id for h in api.search("红黑榜", seed_index, every_passage()).hits]
    assert [r["id"] for r in read_jsonl(out.read_bytes())] == expected
    one = run(seed_index, '"38条" 路长', "-o", str(tmp_path / "one.jsonl"))
    assert "exported 1 passage to" in one.stderr


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_dash_means_stdout(seed_index: Path) -> None:
    result = run(seed_index, "路长", "--format", "jsonl", "-o", "-")
    assert result.exit_code == 0 and result.stderr == ""
    assert len(read_jsonl(result.stdout_bytes)) == 3


@pytest.mark.parametrize("failure", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_an_interrupted_export_leaves_no_half_file(
    seed_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    out = tmp_path / "out.csv"
    out.write_text("the previous export\n", encoding="utf-8")
    real_iter_hits = api.iter_hits

    def failing(*args: Any, **kwargs: Any) -> tuple[int, Iterator[Hit]]:
        total, hits = real_iter_hits(*args, **kwargs)

        def broken() -> Iterator[Hit]:
            for i, h in enumerate(hits):
                if i == 300:  # past the first chunk written
                    raise failure
                yield h

        return total, broken()

    monkeypatch.setattr(api, "iter_hits", failing)
    result = run(seed_index, "文明", "-o", str(out))
    assert result.exit_code != 0
    if isinstance(failure, KeyboardInterrupt):
        assert "Aborted" in result.stderr  # click's way of reporting Ctrl-C
    else:
        assert result.exception is failure
    assert out.read_text(encoding="utf-8") == "the previous export\n"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]  # no .part left over
    fresh = tmp_path / "fresh.jsonl"
    assert run(seed_index, "文明", "-o", str(fresh)).exit_code != 0
    assert not fresh.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


# --- errors --------------------------------------------------------------------------------------


def test_a_malformed_query_says_what_to_fix_and_writes_nothing(seed_index: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    result = run(seed_index, '"门前四包', "-o", str(out))
    assert result.exit_code == 1 and result.stdout == ""
    assert "Unbalanced quote" in result.stderr and "closing" in result.stderr
    assert not list(tmp_path.iterdir())
    for args in (["--from", "last week"], ["OR"]):
        bad = run(seed_index, "路长", *args, "--format", "csv") if args[0] != "OR" else run(seed_index, *args, "--format", "csv")
        assert bad.exit_code == 1 and bad.stdout == "" and "Error:" in bad.stderr
    assert "--from takes a date like 2023" in run(seed_index, "路长", "--from", "last week", "--format", "csv").stderr


def test_an_empty_query_without_filters_asks_for_words(seed_index: Path) -> None:
    result = run(seed_index, "--format", "csv")
    assert result.exit_code == 1 and result.stdout == ""
    assert "no words to search for" in result.stderr


def test_no_index_says_how_to_build_one(tmp_path: Path) -> None:
    result = run(tmp_path / "none", "路长", "--format", "csv")
    assert result.exit_code == 1 and result.stdout == ""
    assert "No index in" in result.stderr and "searcher index" in result.stderr
    assert not (tmp_path / "none").exists()


def test_format_is_required_unless_the_file_name_says(seed_index: Path, tmp_path: Path) -> None:
    result = run(seed_index, "路长")
    assert result.exit_code == 1 and "--format csv or --format jsonl" in result.stderr
    result = run(seed_index, "路长", "-o", str(tmp_path / "out.txt"))
    assert result.exit_code == 1 and "out.txt has no .csv or .jsonl suffix" in result.stderr
    assert not list(tmp_path.iterdir())
    assert run(seed_index, "路长", "--format", "xml").exit_code == 2
    ndjson = run(seed_index, "路长", "-o", str(tmp_path / "out.ndjson"))
    assert ndjson.exit_code == 0 and len(read_jsonl((tmp_path / "out.ndjson").read_bytes())) == 3


def test_a_missing_folder_is_named(seed_index: Path, tmp_path: Path) -> None:
    result = run(seed_index, "路长", "-o", str(tmp_path / "no" / "such" / "out.csv"))
    assert result.exit_code == 1 and "does not exist" in result.stderr
    assert not (tmp_path / "no").exists()


# --- as a real process -----------------------------------------------------------------------------


def test_real_process_writes_only_data_to_stdout(seed_index: Path) -> None:
    env = dict(os.environ, SEARCHER_INDEX_DIR=str(seed_index))
    proc = subprocess.run(
        [sys.executable, "-m", "searcher.cli", "export", "路长", "--format", "csv"], capture_output=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    assert len(read_csv(proc.stdout)) == 3


def test_a_reader_that_stops_early_is_not_an_error(seed_index: Path) -> None:
    """searcher export 的 --format jsonl | head -1: no traceback, exit 0."""
    env = dict(os.environ, SEARCHER_INDEX_DIR=str(seed_index))
    proc = subprocess.Popen(
        [sys.executable, "-m", "searcher.cli", "export", "的", "--format", "jsonl"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    json.loads(proc.stdout.readline())
    proc.stdout.close()
    stderr = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 0, stderr
    assert b"Traceback" not in stderr and b"BrokenPipe" not in stderr


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(tmp_path: Path) -> None:
    """OWASP's advice on CSV injection: a cell starting with = + - @ (or tab/CR, or their full-width
    forms) gets a leading quote in CSV; JSONL keeps the text as written."""
    docs = tmp_path / "docs"
    docs.mkdir()
    paragraphs = ["+1+1 路长巡查。", "@SUM(A1:A9) 路长督办。", "-2+3 路长到岗。", "＝１＋１ 路长公示。", "路长制度全面推行。"]
    body = "\n\n".join(['=HYPERLINK("http://x.example","点击") 吉林省延吉市2023年5月6日 路长工作报告', *paragraphs])
    (docs / "=cmd|' calc'!A0.txt").write_text(body, encoding="utf-8")
    index_dir = tmp_path / "index"
    assert api.index([str(docs)], index_dir).files == 1
    rows = read_csv(run(index_dir, "路长", "--format", "csv").stdout_bytes)
    assert len(rows) == 5
    assert {r["title"] for r in rows} == {"'=cmd|' calc'!A0"}  # from the file name
    starts = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
    cells = [v for r in rows for v in r.values() if v]
    assert cells and not [v for v in cells if v.startswith(starts)]
    raw = [json.loads(line) for line in run(index_dir, "路长", "--format", "jsonl").stdout_bytes.decode().splitlines()]
    assert [r["text"] for r in rows] == ["'" + r["text"] if r["text"][0] in "=+-@" else r["text"] for r in raw]
    assert sum(r["text"].startswith("'") for r in rows) == 4  # =1+1 (NFKC of ＝１＋１), @SUM, -2+3, =HYPERLINK
