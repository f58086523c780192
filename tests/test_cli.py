"""The searcher command, run through click's CliRunner and as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from searcher.cli import main


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def test_search_json_writes_only_json_to_stdout(runner: CliRunner, seed_index: Path) -> None:
    result = runner.invoke(main, ["--index-dir", str(seed_index), "search", "路长", "--city", "延吉", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["query"] == "路长" and data["total"] == 1
    hit = data["hits"][0]
    assert (hit["province"], hit["city"], hit["county"]) == ("吉林省", "延边朝鲜族自治州", "延吉市")
    assert "38名（副县以上）一级路长" in hit["text"]
    assert "路长" in json.dumps(data, ensure_ascii=False)  # not \\u escapes


def test_terminal_output_has_rank_place_date_title_and_text(runner: CliRunner, seed_index: Path) -> None:
    result = runner.invoke(main, ["--index-dir", str(seed_index), "search", "红黑榜", "--limit", "2"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "passages match" in out and "1." in out and "2." in out and "3." not in out
    assert "甘肃省 › 平凉市 › 崆峒区 · 2023-10-12 · 崆峒区创建全国文明城市综述" in out
    assert "\x1b[" not in out  # no colour when stdout is not a terminal
    assert "province: " in out


def test_env_var_sets_the_index_dir(runner: CliRunner, seed_index: Path) -> None:
    result = runner.invoke(main, ["search", "飞线充电", "--json"], env={"SEARCHER_INDEX_DIR": str(seed_index)})
    assert result.exit_code == 0
    assert json.loads(result.stdout)["total"] == 3  # 龙潭区, 运城市 and 船营区's “飞线”充电


def test_search_without_index_says_how_to_build_one(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["--index-dir", str(tmp_path / "none"), "search", "路长"])
    assert result.exit_code == 1
    assert "searcher index" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("query", ['"门前四包', "OR", "city:", "x" * 10_000, "*"])
def test_malformed_query_is_a_message_not_a_traceback(runner: CliRunner, seed_index: Path, query: str) -> None:
    result = runner.invoke(main, ["--index-dir", str(seed_index), "search", query])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


def test_bad_date_option_is_a_message(runner: CliRunner, seed_index: Path) -> None:
    result = runner.invoke(main, ["--index-dir", str(seed_index), "search", "路长", "--from", "yesterday"])
    assert result.exit_code == 1 and "2023-04" in result.output


def test_index_twice_gives_the_same_index(runner: CliRunner, seeds_dir: Path, tmp_path: Path) -> None:
    ix = str(tmp_path / "ix")
    first = runner.invoke(main, ["--index-dir", ix, "index", str(seeds_dir)])
    assert first.exit_code == 0, first.output
    stats1 = json.loads(runner.invoke(main, ["--index-dir", ix, "stats", "--json"]).stdout)
    second = runner.invoke(main, ["--index-dir", ix, "index", str(seeds_dir)])
    assert "5 unchanged" in second.output
    stats2 = json.loads(runner.invoke(main, ["--index-dir", ix, "stats", "--json"]).stdout)
    assert stats1["passages"] == stats2["passages"] > 900
    # a changed file replaces its passages instead of adding more
    copy = tmp_path / "copy"
    copy.mkdir()
    f = copy / "000.txt"
    f.write_bytes((seeds_dir / "000_012fe31ce3351ebb.txt").read_bytes())
    runner.invoke(main, ["--index-dir", ix, "index", str(copy)])
    n1 = json.loads(runner.invoke(main, ["--index-dir", ix, "stats", "--json"]).stdout)["passages"]
    f.write_text(f.read_text(encoding="utf-8") + "\n\n补充一段新的内容。\n", encoding="utf-8")
    runner.invoke(main, ["--index-dir", ix, "index", str(copy)])
    n2 = json.loads(runner.invoke(main, ["--index-dir", ix, "stats", "--json"]).stdout)["passages"]
    assert n2 == n1 + 1


def test_unreadable_file_is_reported_and_the_rest_indexed(runner: CliRunner, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "gbk.txt").write_bytes("吉林省延吉市创建工作总结\n\n延吉市设立一级路长38名。\n".encode("gbk"))
    (docs / "utf16.txt").write_bytes("浙江省台州市创建工作总结\n\n台州推进垃圾分类。\n".encode("utf-16"))
    (docs / "broken.txt").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    result = runner.invoke(main, ["--index-dir", str(tmp_path / "ix"), "index", str(docs)])
    assert result.exit_code == 1  # partial run
    assert "broken.txt" in result.output and "binary" in result.output
    assert "indexed 2 files" in result.output
    found = runner.invoke(main, ["--index-dir", str(tmp_path / "ix"), "search", "路长", "--json"])
    hit = json.loads(found.stdout)["hits"][0]
    assert hit["county"] == "延吉市" and hit["text"] == "延吉市设立一级路长38名。"
    found = runner.invoke(main, ["--index-dir", str(tmp_path / "ix"), "search", "垃圾分类", "--json"])
    assert json.loads(found.stdout)["hits"][0]["city"] == "台州市"


def test_missing_path_is_reported(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["--index-dir", str(tmp_path / "ix"), "index", str(tmp_path / "nope")])
    assert result.exit_code == 1 and "no such file or folder" in result.output


def test_index_from_another_analyzer_asks_for_rebuild(runner: CliRunner, seeds_dir: Path, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    runner.invoke(main, ["--index-dir", str(ix), "index", str(seeds_dir / "000_012fe31ce3351ebb.txt")])
    meta = json.loads((ix / "searcher.json").read_text(encoding="utf-8"))
    meta["analyzer"] = "0/old"
    (ix / "searcher.json").write_text(json.dumps(meta), encoding="utf-8")
    result = runner.invoke(main, ["--index-dir", str(ix), "search", "路长"])
    assert result.exit_code == 1 and "searcher index --rebuild" in result.output
    rebuilt = runner.invoke(main, ["--index-dir", str(ix), "index", "--rebuild", str(seeds_dir / "000_012fe31ce3351ebb.txt")])
    assert rebuilt.exit_code == 0
    assert runner.invoke(main, ["--index-dir", str(ix), "search", "路长"]).exit_code == 0


def test_stats(runner: CliRunner, seed_index: Path, seed_passages: list[dict]) -> None:
    result = runner.invoke(main, ["--index-dir", str(seed_index), "stats"])
    assert result.exit_code == 0
    documents = len({p["doc_id"] for p in seed_passages})  # the articles, counted from the passages
    for word in ("files:      5", f"documents:  {documents}", "passages:", "provinces", "2021", "2023", "analyzer:", "MB"):
        assert word in result.stdout


def test_real_process_json_and_quiet_stderr(seed_index: Path) -> None:
    """As a user runs it: stdout is pure JSON, nothing on stderr when all is well."""
    env = dict(os.environ, SEARCHER_INDEX_DIR=str(seed_index))
    proc = subprocess.run(
        [sys.executable, "-m", "searcher.cli", "search", "口袋公园", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["total"] > 0
    assert proc.stderr == ""


def test_unknown_place_filter_gets_a_note_on_stderr(seed_index: Path) -> None:
    result = CliRunner().invoke(main, ["--index-dir", str(seed_index), "search", "路长", "--city", "火星市", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["total"] == 0
    assert "No city or county called '火星市' is known" in result.stderr


def test_index_dir_also_works_after_the_subcommand(seeds_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    ix = str(tmp_path / "ix")
    assert runner.invoke(main, ["index", str(seeds_dir / "000_012fe31ce3351ebb.txt"), "--index-dir", ix, "-q"]).exit_code == 0
    found = runner.invoke(main, ["search", "路长", "--index-dir", ix, "--json"])
    assert json.loads(found.stdout)["total"] == 1
    assert "passages:" in runner.invoke(main, ["stats", "--index-dir", ix]).stdout


def test_facet_size_option(seed_index: Path) -> None:
    out = CliRunner().invoke(main, ["--index-dir", str(seed_index), "search", "文明", "--facet-size", "1", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert all(len(v) == 1 for v in data["facets"].values())
    assert data["facet_distinct"]["county"] > 1
    bad = CliRunner().invoke(main, ["--index-dir", str(seed_index), "search", "文明", "--facet-size", "some"])
    assert bad.exit_code == 2 and "give 1 or more, or 'all'" in bad.output


def test_search_process_keeps_heavy_unused_modules_out(seed_index: Path) -> None:
    """Start-up budget of a one-query process: Whoosh's searcher/query modules, asyncio (via
    cached_property) and urllib.request are not imported; the stand-ins still work when used."""
    code = (
        "import sys, json; from searcher import api; "
        f"r = api.search('路长', {str(seed_index)!r}); "
        "heavy = [m for m in ('asyncio', 'urllib.request', 'whoosh.searching', 'whoosh.lang.morph_en', "
        "'jieba', 'concurrent.futures.process', 'pypdf', 'docx') if m in sys.modules]; "
        "import cached_property, whoosh.compat; "
        "ok = cached_property.asyncio.iscoroutinefunction(lambda: 1) is False and callable(whoosh.compat.urlretrieve); "
        "print(json.dumps([r.total, heavy, ok]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    total, heavy, ok = json.loads(out.stdout)
    assert total > 0 and heavy == [] and ok


def test_exclusions_need_no_double_dash(runner: CliRunner, seed_index: Path) -> None:
    plain = runner.invoke(main, ["--index-dir", str(seed_index), "search", "充电", "-飞线", "--json"])
    assert plain.exit_code == 0, plain.output
    spelled = runner.invoke(main, ["--index-dir", str(seed_index), "search", "--json", "--", "充电 -飞线"])
    assert json.loads(plain.stdout)["total"] == json.loads(spelled.stdout)["total"] > 0
    assert json.loads(plain.stdout)["query"] == "充电 -飞线"
    export = runner.invoke(main, ["--index-dir", str(seed_index), "export", "充电", "-飞线", "--format", "jsonl"])
    assert export.exit_code == 0 and len(export.stdout.splitlines()) == json.loads(plain.stdout)["total"]
    typo = runner.invoke(main, ["--index-dir", str(seed_index), "search", "充电", "--limt", "3"])
    assert typo.exit_code == 2 and "No such option: --limt" in typo.output


def test_text_facets_follow_facet_size_and_count_the_rest(runner: CliRunner, seed_index: Path) -> None:
    data = json.loads(runner.invoke(main, ["--index-dir", str(seed_index), "search", "文明", "--json"]).stdout)
    distinct = data["facet_distinct"]["county"]
    assert distinct > 12
    for size, shown in ((None, 10), ("3", 3), ("all", distinct)):
        args = ["--index-dir", str(seed_index), "search", "文明", "--limit", "0"] + (["--facet-size", size] if size else [])
        line = next(ln for ln in runner.invoke(main, args).stdout.splitlines() if ln.startswith("county: "))
        assert line.count(" (") - ("more (" in line) == shown, line
        assert (f"… {distinct - shown} more" in line) == (shown < distinct), line


def test_did_you_mean_in_the_terminal(runner: CliRunner, seed_index: Path) -> None:
    out = runner.invoke(main, ["--index-dir", str(seed_index), "search", "志原服务"])
    assert out.exit_code == 0 and "No passages match '志原服务'.\nDid you mean: 志愿服务 (71)" in out.stdout


def test_bare_years_in_date_options(runner: CliRunner, seed_index: Path) -> None:
    out = runner.invoke(
        main, ["--index-dir", str(seed_index), "search", "志愿服务", "--from", "2021", "--to", "2021", "--json", "--limit", "0"]
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["facets"]["year"] == [{"value": "2021", "count": json.loads(out.stdout)["total"]}]
    reversed_ = runner.invoke(main, ["--index-dir", str(seed_index), "search", "志愿服务", "--from", "2023", "--to", "2021"])
    assert reversed_.exit_code == 1 and "--from 2023 is after --to 2021. Swap them" in reversed_.output


def test_serve_on_a_busy_port_names_a_free_one(seed_index: Path) -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "searcher.cli", "serve", "--index-dir", str(seed_index), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"port {port} is in use" in proc.stderr and "try --port " in proc.stderr
