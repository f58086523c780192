"""A disk that fills up during an index run: one clear line, nothing left behind, the last commit kept."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from searcher import api


@pytest.fixture()
def small_disk(tmp_path: Path, in_ci: bool) -> Iterator[Path]:
    """A 4 MB tmpfs (mounting needs root, which CI has)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    got = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True, text=True)
    if got.returncode != 0:
        if in_ci:
            pytest.fail(f"cannot mount a tmpfs for the disk-full test: {got.stderr.strip()}")
        pytest.skip(f"needs root to mount a small tmpfs ({got.stderr.strip()})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_says_where_and_keeps_the_last_commit(
    small_disk: Path, tmp_path: Path, seeds_dir: Path, shared_dir: Path
) -> None:
    corpus = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, str(shared_dir / "tools" / "make_corpus.py"), "--size-mb", "3", "--out", str(corpus), "-q"],
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    index_dir = small_disk / "index"
    api.index([str(seeds_dir)], index_dir)
    before = api.search("志愿服务", index_dir).total
    listing = sorted(os.listdir(index_dir))
    got = subprocess.run(
        [sys.executable, "-m", "searcher.cli", "--index-dir", str(index_dir), "index", str(corpus)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )
    assert got.returncode == 1 and "Traceback" not in got.stderr
    (line,) = got.stderr.strip().splitlines()[-1:]
    assert line.startswith(f"Error: no space left on tmpfs (mounted at {small_disk}") and "needs about" in line, got.stderr
    assert api.search("志愿服务", index_dir).total == before  # the last commit answers
    left = sorted(os.listdir(index_dir))
    assert not [n for n in left if n.endswith(".tmp") or n not in listing and n.endswith((".seg", ".pst", ".trm"))], left
    side = index_dir / "side"
    assert not [p.name for p in side.iterdir() if p.name.startswith(".tmp-")]
    # What the failed run wrote is gone: the disk has room again for the same small index.
    again = api.index([str(seeds_dir)], index_dir)
    assert again.unchanged == 5 and api.search("志愿服务", index_dir).total == before
