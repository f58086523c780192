"""Corrections given once are kept in the index: plain re-runs, serve, rebuilds and moves keep them."""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from serving import Server

from searcher import api
from searcher.cli import main
from searcher.model import Hit

REPORT = "000_012fe31ce3351ebb.txt"
FIX = f"file,title,city,date\n{REPORT},延吉市路长制工作总结（更正）,延吉,2022-05-06\n"


CORRECTED = ("延吉市路长制工作总结（更正）", "2022-05-06")


def _hit(ix: Path) -> Hit:
    return api.search('"38条"', ix).hits[0]


def _corrected(hit: Hit) -> bool:
    return (hit.title, hit.date) == CORRECTED


@pytest.fixture()
def reports(seeds_dir: Path, tmp_path: Path) -> Path:
    docs = tmp_path / "reports"
    shutil.copytree(seeds_dir, docs)
    return docs


def test_a_plain_rerun_and_a_rebuild_keep_the_corrections(reports: Path, tmp_path: Path) -> None:
    fixes = tmp_path / "fixes.csv"
    fixes.write_text(FIX, encoding="utf-8")
    ix = tmp_path / "ix"
    api.index([str(reports)], ix, metadata=fixes)
    assert _corrected(_hit(ix))
    again = api.index([str(reports)], ix)  # no --metadata: nothing to re-read, nothing reverted
    assert again.files == 0 and again.unchanged == 5 and _corrected(_hit(ix))
    fixes.unlink()  # the file the user gave is gone: the index still has what it said
    moved = api.index([str(reports)], ix)
    assert _corrected(_hit(ix)) and any("kept in the index although that file is gone" in n for n in moved.notes)
    api.index([str(reports)], ix, rebuild=True)
    assert _corrected(_hit(ix))
    assert [(Path(c["path"]).name, c["rows"], c["exists"]) for c in api.corrections(ix)] == [("fixes.csv", 1, False)]


def test_giving_the_file_again_replaces_and_forget_removes(reports: Path, tmp_path: Path) -> None:
    fixes = tmp_path / "fixes.csv"
    fixes.write_text(FIX, encoding="utf-8")
    ix = tmp_path / "ix"
    api.index([str(reports)], ix, metadata=fixes)
    fixes.write_text(FIX.replace("2022-05-06", "2022-07-08"), encoding="utf-8")
    api.index([str(reports)], ix, metadata=fixes)
    assert _hit(ix).date == "2022-07-08" and len(api.corrections(ix)) == 1
    runner = CliRunner()
    out = runner.invoke(main, ["corrections", "--index-dir", str(ix)])
    assert out.exit_code == 0 and "fixes.csv: 1 correction(s)" in out.stdout
    out = runner.invoke(main, ["corrections", "--index-dir", str(ix), "--forget", "fixes.csv"])
    assert out.exit_code == 0 and "forgot the corrections of" in out.output
    assert api.corrections(ix) == []
    rerun = api.index([str(reports)], ix)
    assert rerun.files == 1 and _hit(ix).date is None  # re-read without the correction
    out = runner.invoke(main, ["corrections", "--index-dir", str(ix), "--forget", "fixes.csv"])
    assert out.exit_code == 1 and "no corrections are kept from fixes.csv" in out.output


def test_a_folder_metadata_file_is_kept_too(reports: Path, tmp_path: Path) -> None:
    (reports / "metadata.csv").write_text(FIX, encoding="utf-8")
    ix = tmp_path / "ix"
    api.index([str(reports)], ix)
    (reports / "metadata.csv").unlink()
    api.index([str(reports / REPORT)], ix)  # one file of the folder, indexed on its own
    assert _corrected(_hit(ix))


def test_a_bad_corrections_file_changes_nothing(reports: Path, tmp_path: Path) -> None:
    fixes = tmp_path / "fixes.csv"
    fixes.write_text(FIX, encoding="utf-8")
    ix = tmp_path / "ix"
    api.index([str(reports)], ix, metadata=fixes)
    bad = tmp_path / "bad.csv"
    bad.write_text(f"file,city\n{REPORT},火星\n", encoding="utf-8")
    with pytest.raises(api.MetadataError, match="unknown city '火星'"):
        api.index([str(reports)], ix, metadata=bad)
    contradicting = tmp_path / "other.csv"
    contradicting.write_text(f"file,date\n{REPORT},2020\n", encoding="utf-8")
    with pytest.raises(api.MetadataError, match="contradicts .*corrections kept in the index come from .*fixes.csv"):
        api.index([str(reports)], ix, metadata=contradicting)
    assert [Path(c["path"]).name for c in api.corrections(ix)] == ["fixes.csv"] and _corrected(_hit(ix))


def test_serve_indexes_first_and_keeps_the_corrections(reports: Path, tmp_path: Path) -> None:
    fixes = tmp_path / "fixes.csv"
    fixes.write_text(FIX, encoding="utf-8")
    ix = tmp_path / "ix"
    api.index([str(reports)], ix, metadata=fixes)
    (reports / "new.txt").write_text("某县创建工作\n\n某县推进口袋公园建设。\n", encoding="utf-8")
    srv = Server(["serve", "--index-dir", str(ix), "--port", "0", str(reports)])
    try:
        with urllib.request.urlopen(f"{srv.url}/api/search?q={quote(chr(34) + '38条' + chr(34))}", timeout=30) as resp:
            data = json.load(resp)
    finally:
        srv.stop()
    assert (data["hits"][0]["title"], data["hits"][0]["date"]) == CORRECTED
    assert "indexed 1 files" in "".join(srv.stderr)  # the new file, and only it
