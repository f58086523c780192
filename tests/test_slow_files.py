"""A file that takes long to read: the rest of the run is committed on time meanwhile, and a
file over the time budget is skipped with the reason."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from searcher import api

PARAGRAPH = "<w:p><w:r><w:t>延吉市推行路长制，第{i}段，路长每日巡查背街小巷。</w:t></w:r></w:p>"


def big_docx(path: Path, paragraphs: int) -> None:
    """A small file (~300 KB) holding many paragraphs: seconds of reading and analysis."""
    import docx

    d = docx.Document()
    d.add_paragraph("慢文件")
    buf = io.BytesIO()
    d.save(buf)
    zin = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    body = "".join(PARAGRAPH.format(i=i) for i in range(paragraphs))
    xml = zin.read("word/document.xml").decode().replace("<w:body>", "<w:body>" + body, 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in zin.infolist():
            out.writestr(item, xml if item.filename == "word/document.xml" else zin.read(item.filename))


def small_reports(folder: Path, n: int) -> None:
    for i in range(n):
        text = f"吉林省延吉市2023年5月{i % 28 + 1}日讯\n\n第{i}号报告：街长制第{i}次巡查。"
        (folder / f"r{i:03}.txt").write_text(text, encoding="utf-8")


def index_cmd(index_dir: Path, folder: Path) -> list[str]:
    return [sys.executable, "-m", "searcher.cli", "--index-dir", str(index_dir), "index", str(folder), "--jobs", "2"]


@pytest.fixture(scope="module")
def slow_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("slow")
    big_docx(folder / "000_slow.docx", 100_000)
    small_reports(folder, 30)
    return folder


def test_files_read_meanwhile_are_committed_while_a_slow_file_is_in_flight(slow_folder: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    env = dict(os.environ, SEARCHER_COMMIT_SECONDS="0.5")
    run = subprocess.Popen(index_cmd(index_dir, slow_folder), env=env, stderr=subprocess.PIPE, text=True)
    try:
        committed = 0
        end = time.monotonic() + 60
        while run.poll() is None and time.monotonic() < end:
            try:
                committed = api.search("街长", index_dir, api.SearchOptions(limit=0)).total
            except (api.NoIndex, api.IndexMismatch):
                committed = 0
            if committed == 30:
                break
            time.sleep(0.1)
        still_reading = run.poll() is None
        slow_in = api.search("背街小巷", index_dir, api.SearchOptions(limit=0)).total if committed else 0
        run.send_signal(signal.SIGKILL)  # the slow file is lost, not what was read before it
        run.wait()
    finally:
        if run.poll() is None:
            run.kill()
        assert run.stderr is not None
        run.stderr.close()
    assert still_reading and committed == 30 and slow_in == 0, (still_reading, committed, slow_in)
    again = subprocess.run(index_cmd(index_dir, slow_folder), env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "30 unchanged" in again.stderr and "indexed 1 files" in again.stderr
    assert api.search("背街小巷", index_dir, api.SearchOptions(limit=0)).total == 100_000


def test_a_file_over_the_time_budget_is_skipped_with_the_reason(slow_folder: Path, tmp_path: Path) -> None:
    env = dict(os.environ, SEARCHER_FILE_SECONDS="1")
    index_dir = tmp_path / "index"
    got = subprocess.run(index_cmd(index_dir, slow_folder), env=env, capture_output=True, text=True, timeout=300)
    assert got.returncode == 1 and "Traceback" not in got.stderr
    assert f"skipped {slow_folder / '000_slow.docx'}: took over 1 s to read, the limit for one file" in got.stderr
    assert "indexed 30 files" in got.stderr
    assert api.search("街长", index_dir, api.SearchOptions(limit=0)).total == 30


def test_one_line_without_sentence_ends_becomes_passages_of_readable_size(tmp_path: Path) -> None:
    """A file that is one line of clauses (a 50 MB one once made one passage and took 1.1 GB to
    analyse): cut at clause punctuation, and blindly where there is none."""
    from searcher.ingest.reflow import paragraphs

    line = "延吉市推行路长制，路长每日巡查背街小巷，发现问题及时整改" * 2000 + "无标点" * 3000
    paras = paragraphs(line)
    assert len(paras) > 100 and max(len(p.text) for p in paras) <= 1600
    assert "".join(p.text for p in paras) == line


def test_a_file_over_the_text_limit_is_skipped_with_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from searcher import indexing

    monkeypatch.setattr(indexing, "FILE_TEXT_LIMIT", 10_000)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "big.txt").write_text("路长巡查。" * 5000, encoding="utf-8")
    (docs / "small.txt").write_text("路长巡查。", encoding="utf-8")
    summary = api.index([str(docs)], tmp_path / "index")
    assert summary.files == 1
    ((source, reason),) = summary.skipped
    assert source == str(docs / "big.txt") and reason.startswith("holds ") and reason.endswith("limit for one file; split it")
