"""Incremental indexing, removal, folder records, parallel workers and crash safety."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from searcher import api
from searcher.cli import main


def _copy_seeds(seeds_dir: Path, dest: Path) -> Path:
    dest.mkdir(parents=True)
    for f in seeds_dir.glob("*.txt"):
        shutil.copy(f, dest / f.name)
    return dest


def _segments(ix: Path) -> int:
    """Commits so far: each commit adds one side segment."""
    side = ix / "side"
    return sum(1 for p in side.iterdir() if p.is_dir() and not p.name.startswith(".")) if side.is_dir() else 0


def _passages(ix: Path) -> int:
    return api.stats(ix)["passages"]


def test_rerun_reads_only_new_and_changed_files_and_drops_gone_ones(seeds_dir: Path, tmp_path: Path) -> None:
    docs = _copy_seeds(seeds_dir, tmp_path / "docs")
    ix = tmp_path / "ix"
    first = api.index([str(docs)], ix)
    assert first.files == 5
    total = _passages(ix)

    again = api.index([str(docs)], ix)
    assert (again.files, again.unchanged, again.removed) == (0, 5, 0)
    assert _passages(ix) == total

    (docs / "new.txt").write_text("某县创建工作\n\n某县推进口袋公园建设。\n", encoding="utf-8")
    changed = docs / "000_012fe31ce3351ebb.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\n补充一段新的内容。\n", encoding="utf-8")
    (docs / "002_fec484e4b4c2a69d.txt").unlink()
    third = api.index([str(docs)], ix)
    assert (third.files, third.unchanged, third.removed) == (2, 3, 1)
    assert api.search('"通化县"', ix).total == 0  # 002 is gone
    assert api.search('"补充一段新的内容"', ix).total == 1
    assert api.search("口袋公园 某县", ix).total >= 1


def test_remove_command(seeds_dir: Path, tmp_path: Path) -> None:
    docs = _copy_seeds(seeds_dir, tmp_path / "docs")
    ix = tmp_path / "ix"
    runner = CliRunner()
    assert runner.invoke(main, ["--index-dir", str(ix), "index", "-q", str(docs)]).exit_code == 0
    assert api.search('"飞线充电"', ix).total == 2
    result = runner.invoke(main, ["--index-dir", str(ix), "remove", str(docs / "001_ca32e554f464536a.txt")])
    assert result.exit_code == 0 and "removed 1 file" in result.output
    assert api.search('"飞线充电"', ix).total == 1
    result = runner.invoke(main, ["--index-dir", str(ix), "remove", str(docs)])
    assert "removed 4 file" in result.output
    assert _passages(ix) == 0
    result = runner.invoke(main, ["--index-dir", str(ix), "remove", str(tmp_path / "never")])
    assert result.exit_code == 1 and "nothing indexed at" in result.output


def test_stats_shows_when_each_folder_was_last_indexed(seeds_dir: Path, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    api.index([str(seeds_dir)], ix)
    folders = api.stats(ix)["folders"]
    assert [(f["path"], f["files"]) for f in folders] == [(str(seeds_dir), 5)]
    assert folders[0]["last_indexed"].startswith(time.strftime("%Y-"))
    out = CliRunner().invoke(main, ["--index-dir", str(ix), "stats"]).stdout
    assert f"indexed:    {seeds_dir} (5 files) at " in out


def test_parallel_workers_build_the_same_index(seeds_dir: Path, tmp_path: Path) -> None:
    one = api.index([str(seeds_dir)], tmp_path / "one", jobs=1)
    two = api.index([str(seeds_dir)], tmp_path / "two", jobs=2)
    assert (one.files, one.documents, one.passages) == (two.files, two.documents, two.passages)
    a = sorted((p["id"], p["text"], p.get("city")) for p in api.open_index(tmp_path / "one").all_passages())
    b = sorted((p["id"], p["text"], p.get("city")) for p in api.open_index(tmp_path / "two").all_passages())
    assert a == b


def test_progress_reports_files_bytes_and_rate(seeds_dir: Path, tmp_path: Path) -> None:
    seen: list[api.Progress] = []
    api.index([str(seeds_dir)], tmp_path / "ix", progress=seen.append)
    assert [p.files_done for p in seen] == [1, 2, 3, 4, 5]
    assert seen[-1].bytes_done == seen[-1].bytes_total == sum(f.stat().st_size for f in seeds_dir.glob("*.txt"))
    assert seen[-1].mb_per_s > 0 and seen[-1].eta_seconds == 0


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    subprocess.run(
        [
            sys.executable,
            str(shared_dir / "tools" / "make_corpus.py"),
            "--reports",
            "50",
            "--seed",
            "3",
            "--out",
            str(out),
            "--seeds",
            str(shared_dir / "corpus" / "seeds"),
            "-q",
        ],
        check=True,
    )
    (out / "manifest.jsonl").unlink()
    return out


def test_sigkill_at_any_moment_keeps_the_last_commit_and_the_next_run_completes(synthetic: Path, tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    api.index([str(synthetic)], reference)
    expected = sorted(p["id"] for p in api.open_index(reference).all_passages())

    ix = tmp_path / "ix"
    env = dict(os.environ, SEARCHER_INDEX_DIR=str(ix), SEARCHER_COMMIT_EVERY="7")
    committed = []
    # Kill points: before anything is committed, then just after the 1st, 2nd and 3rd commit of
    # a run (each run resumes where the last one stopped), mid-batch each time.
    for commits_before_kill, extra in ((0, 0.3), (1, 0.2), (1, 0.5), (2, 0.1)):
        start = _segments(ix)
        proc = subprocess.Popen(
            [sys.executable, "-m", "searcher.cli", "index", "-q", "-j", "1", str(synthetic)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while _segments(ix) < start + commits_before_kill and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(extra)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if (ix / "searcher.json").exists():
            # whatever the moment, the index opens, searches, and holds whole files only
            stats = api.stats(ix)
            result = api.search("文明", ix, api.SearchOptions(limit=3))
            assert result.total <= stats["passages"]
            ids = [p["id"] for p in api.open_index(ix).all_passages()]
            assert len(ids) == len(set(ids))
            committed.append(stats["files"])
    assert committed and committed == sorted(committed) and max(committed) > 0
    final = api.index([str(synthetic)], ix)
    assert not final.skipped
    assert sorted(p["id"] for p in api.open_index(ix).all_passages()) == expected


def test_metadata_corrections_from_folder_and_option_reindex_what_they_change(seeds_dir: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(seeds_dir / "002_fec484e4b4c2a69d.txt", docs / "002.txt")
    shutil.copy(seeds_dir / "000_012fe31ce3351ebb.txt", docs / "000.txt")
    ix = tmp_path / "ix"
    runner = CliRunner()
    assert runner.invoke(main, ["--index-dir", str(ix), "index", "-q", str(docs)]).exit_code == 0
    assert api.search('"通化县"', ix).hits[0].date is None
    (docs / "metadata.csv").write_text("file,date,title\n002.txt,2020-11-20,通化县创城纪实\n", encoding="utf-8")
    out = runner.invoke(main, ["--index-dir", str(ix), "index", str(docs)])
    assert "indexed 1 files" in out.output and "1 unchanged" in out.output  # only the corrected file
    hit = api.search('"通化县"', ix).hits[0]
    assert (hit.date, hit.title) == ("2020-11-20", "通化县创城纪实")
    extra = tmp_path / "fix.jsonl"
    extra.write_text('{"file": "000.txt", "city": "延吉"}\n', encoding="utf-8")
    runner.invoke(main, ["--index-dir", str(ix), "index", "--metadata", str(extra), str(docs)])
    hit = api.search('"路长"', ix).hits[0]
    assert (hit.province, hit.city, hit.county) == ("吉林省", "延边朝鲜族自治州", "延吉市")
    (docs / "metadata.csv").write_text("file,date\n002.txt,2020-13-01\n", encoding="utf-8")
    bad = runner.invoke(main, ["--index-dir", str(ix), "index", str(docs)])
    assert bad.exit_code == 1 and "metadata.csv line 2" in bad.output and "nothing was indexed" in bad.output


def _ids(ix: Path) -> list[str]:
    return [p["id"] for p in api.open_index(ix).all_passages()]


def test_overlapping_paths_index_each_file_once(seeds_dir: Path, tmp_path: Path) -> None:
    docs = _copy_seeds(seeds_dir, tmp_path / "ovl" / "seeds")
    one = sorted(docs.glob("*.txt"))[0]
    ix = tmp_path / "ix"
    summary = api.index([str(tmp_path / "ovl"), str(docs), str(one), str(docs / ".." / "seeds" / one.name)], ix)
    clean = tmp_path / "clean"
    api.index([str(docs)], clean)
    assert summary.files == 5
    ids = _ids(ix)
    assert len(ids) == len(set(ids)) == api.stats(clean)["passages"]
    assert sorted(ids) == sorted(_ids(clean))


def test_rerun_repairs_a_file_stored_twice(seeds_dir: Path, tmp_path: Path) -> None:
    """Indexes written before runs read each file once hold some files twice; the next run over them mends it."""
    from searcher.indexing import prepare

    docs = _copy_seeds(seeds_dir, tmp_path / "docs")
    ix = tmp_path / "ix"
    api.index([str(docs)], ix)
    one = sorted(docs.glob("*.txt"))[0]
    prep = prepare((str(one), str(one), None, "docs"))
    engine = api.open_index(ix)
    with engine.writing():
        writer = engine.writer()
        for doc in prep.docs:
            writer.add_document(doc, prep.path_key, prep.digest)
        writer.commit()
    ids = _ids(ix)
    assert len(ids) > len(set(ids))
    assert engine.files_stored_twice() == [prep.path_key]
    engine.close()
    again = api.index([str(docs)], ix)
    assert again.files == 1 and again.unchanged == 4
    ids = _ids(ix)
    assert len(ids) == len(set(ids))
    assert api.open_index(ix).files_stored_twice() == []
