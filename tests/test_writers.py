"""Writers of one index: one at a time with a clear message for the second, a rebuild that a
running server never notices until it is done, and a killed run that leaves nothing running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from serving import Server

from searcher import api
from searcher.engine import write_lock


def cli(*args: str, index_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "searcher.cli", "--index-dir", str(index_dir), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )


def start_index(index_dir: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "searcher.cli", "--index-dir", str(index_dir), "index", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def wait_for(condition, timeout: float = 60, what: str = "condition") -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Path:
    """Large enough (~12 MB) that an index run takes seconds, so a second writer meets it."""
    out = tmp_path_factory.mktemp("corpus")
    subprocess.run(
        [sys.executable, str(shared_dir / "tools" / "make_corpus.py"), "--size-mb", "12", "--out", str(out), "-q"],
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    (out / "manifest.jsonl").unlink()
    return out


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    """A clean build of the corpus, what every run that was interrupted or raced must equal."""
    index_dir = tmp_path_factory.mktemp("clean")
    api.index([str(corpus)], index_dir)
    return index_dir


def passage_ids(index_dir: Path) -> list[str]:
    return sorted(p["id"] for p in api.open_index(index_dir).all_passages())


def test_second_writer_is_told_who_writes_and_first_loses_nothing(
    tmp_path: Path, corpus: Path, corpus_index: Path, seeds_dir: Path
) -> None:
    index_dir = tmp_path / "index"
    first = start_index(index_dir, str(corpus), "--jobs", "1")
    wait_for(lambda: (index_dir / "writer.json").exists() or first.poll() is not None, what="the first writer")
    assert first.poll() is None, first.stderr.read() if first.stderr else ""
    for args in (["index", str(seeds_dir)], ["index", "--rebuild", str(seeds_dir)], ["optimize"]):
        second = cli(*args, index_dir=index_dir)
        assert second.returncode == 1, (args, second.stderr)
        assert "Traceback" not in second.stderr
        assert f"another searcher index is writing {index_dir.resolve()} (pid {first.pid}" in second.stderr, second.stderr
        assert "wait for it to finish or stop it" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert "Traceback" not in err
    assert passage_ids(index_dir) == passage_ids(corpus_index)
    assert not (index_dir / "writer.json").exists()


def test_lock_held_in_this_process_blocks_the_cli(tmp_path: Path, seeds_dir: Path) -> None:
    index_dir = tmp_path / "index"
    api.index([str(seeds_dir)], index_dir)
    with write_lock(index_dir.resolve()):
        got = cli("index", str(seeds_dir), index_dir=index_dir)
        assert got.returncode == 1 and f"(pid {os.getpid()}" in got.stderr and "Traceback" not in got.stderr
    # Released: the next writer goes ahead.
    assert cli("index", str(seeds_dir), index_dir=index_dir).returncode == 0


def test_killed_run_leaves_no_workers_and_no_lock(tmp_path: Path, corpus: Path, corpus_index: Path) -> None:
    index_dir = tmp_path / "index"
    run = start_index(index_dir, str(corpus), "--jobs", "2")
    wait_for(lambda: len(children(run.pid)) >= 2 or run.poll() is not None, what="two index workers")
    workers = children(run.pid)
    assert run.poll() is None and len(workers) >= 2
    time.sleep(0.5)  # the workers are busy preparing files
    run.send_signal(signal.SIGKILL)
    run.wait()
    start = time.monotonic()
    wait_for(lambda: not any(alive(w) for w in workers), timeout=5, what="the workers to exit")
    assert time.monotonic() - start < 3
    # The lock went with the process: the next run takes it and repairs the index.
    again = cli("index", str(corpus), index_dir=index_dir)
    assert again.returncode == 0, again.stderr
    assert passage_ids(index_dir) == passage_ids(corpus_index)


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def test_rebuild_while_a_server_answers(tmp_path: Path, seeds_dir: Path, corpus: Path, corpus_index: Path) -> None:
    """Every answer during a rebuild is the old index's or the new one's, never an empty or failed one."""
    index_dir = tmp_path / "index"
    small = tmp_path / "small"
    small.mkdir()
    for f in sorted(seeds_dir.iterdir())[:2]:
        (small / f.name).write_bytes(f.read_bytes())
    api.index([str(seeds_dir)], index_dir)
    (index_dir / ".gitkeep").write_text("")
    query = quote("志愿服务")
    server = Server(["--index-dir", str(index_dir), "serve", "--port", "0"])
    try:
        status, data = get_json(f"{server.url}/api/search?q={query}")
        assert status == 200
        before = data["total"]
        assert before > 0
        answers: list[tuple[int, int | None]] = []
        stop = threading.Event()

        def ask() -> None:
            while not stop.is_set():
                status, data = get_json(f"{server.url}/api/search?q={query}&limit=1")
                answers.append((status, data.get("total")))

        asker = threading.Thread(target=ask)
        asker.start()
        try:
            # A big rebuild (seconds), then back to the small set: both swaps happen under load.
            first = cli("index", "--rebuild", str(corpus), index_dir=index_dir)
            assert first.returncode == 0, first.stderr
            second = cli("index", "--rebuild", str(small), index_dir=index_dir)
            assert second.returncode == 0, second.stderr
            time.sleep(1.5)
        finally:
            stop.set()
            asker.join()
        served_after = get_json(f"{server.url}/api/search?q={query}")[1]["total"]
    finally:
        server.stop()
    big = api.search("志愿服务", tmp_path / "index", api.SearchOptions(limit=1)).total
    assert served_after == big  # the server follows the swaps
    small_only = tmp_path / "small-index"
    api.index([str(small)], small_only)
    expected = {before, api.search("志愿服务", corpus_index, api.SearchOptions(limit=1)).total, big}
    assert big == api.search("志愿服务", small_only, api.SearchOptions(limit=1)).total
    assert len(answers) > 20
    assert all(status == 200 for status, _ in answers), sorted({s for s, _ in answers})
    assert {total for _, total in answers} <= expected, ({t for _, t in answers}, expected)
    assert (index_dir / ".gitkeep").exists()
    assert not list(tmp_path.glob(".index.rebuild-*"))
