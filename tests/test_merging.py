"""Segment merging: index runs that add a little at a time keep few segments and reclaim the
passages of replaced files, with the same answers as a fresh build; merges survive SIGKILL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from searcher import api
from searcher.engine.columnar import ColumnarEngine
from searcher.engine.columnar.merging import TieredPolicy

QUERIES = ["志愿服务", '"文明城市"', "路长", "创城 -垃圾", "巡查 OR 督查", "社区*服务", "延吉", "第7次"]


def _answers(ix: Path) -> dict[str, object]:
    """What a user sees for a set of queries: totals, the hits' ids in order, facet counts."""
    out: dict[str, object] = {}
    for q in QUERIES:
        r = api.search(q, index_dir=ix, options=api.SearchOptions(limit=20)).to_dict()
        out[q] = (r["total"], [h["id"] for h in r["hits"]], r["facets"])
    stats = api.stats(ix)
    out["stats"] = {k: stats[k] for k in ("documents", "files", "passages", "years")}
    return out


def _side_dirs(ix: Path) -> list[str]:
    return sorted(p.name for p in (ix / "side").iterdir() if p.is_dir())


def _store_segments(ix: Path) -> list[tuple[str, int, int]]:
    engine = ColumnarEngine(ix)
    return [(s.segid, s.doc_count_all(), s.deleted_count()) for s in engine.ix._read_toc().segments]


def _small_file(folder: Path, i: int) -> Path:
    path = folder / f"daily_{i:03d}.txt"
    path.write_text(
        f"延吉市文明办第{i}次巡查通报\n\n第{i}次巡查发现路长制落实到位，志愿服务队清理“飞线”充电{i}处。\n\n"
        f"社区志愿服务站第{i}次开展文明城市创建宣传，督查整改问题{i % 5 + 1}个。\n",
        encoding="utf-8",
    )
    return path


def _edit(seed: Path, i: int) -> None:
    """Re-edit a report: its text changes, so the run replaces its passages."""
    text = seed.read_text(encoding="utf-8")
    seed.write_text(text.rstrip("\n").rsplit("\n", 1)[0] + f"\n修订第{i}次。\n", encoding="utf-8")


def test_daily_runs_keep_few_segments_and_answer_as_a_fresh_build(seeds_dir: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(seeds_dir, docs)
    edited = sorted(docs.glob("*.txt"))[0]
    ix = tmp_path / "ix"
    api.index([str(docs)], ix)
    policy = TieredPolicy()
    most = 0
    for i in range(20):
        _small_file(docs, i)
        _edit(edited, i)
        summary = api.index([str(docs)], ix)
        assert summary.files == 2
        segments = _store_segments(ix)
        most = max(most, len(segments))
        # Every store segment has its arrays and nothing else is left in side/.
        assert sorted(s for s, _, _ in segments) == [d for d in _side_dirs(ix) if not d.startswith(".")]
    # 21 commits; without merging there would be 21 segments and 20 generations of deleted passages.
    assert most <= policy.per_tier
    deleted = sum(d for _, _, d in _store_segments(ix))
    live = api.stats(ix)["passages"]
    assert deleted <= policy.reclaim_share * (live + deleted)

    fresh = tmp_path / "fresh"
    api.index([str(docs)], fresh)
    assert _answers(ix) == _answers(fresh)
    # An independent count: the passages holding the string, scanned in the texts indexed.
    total = api.search('"第7次"', index_dir=ix).total
    scanned = sum(p.text.count("第7次") > 0 for p in ColumnarEngine(ix).all_passages())
    assert total == scanned == 3  # daily_007: its title and two paragraphs


def test_optimize_merges_everything_and_reclaims_deletions(seeds_dir: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(seeds_dir, docs)
    ix = tmp_path / "ix"
    api.index([str(docs)], ix)
    for i in range(4):  # four more segments, too few for the policy to merge
        _small_file(docs, i)
        api.index([str(docs)], ix)
    # The smallest report replaced: under a tenth of its segment's passages, so not reclaimed yet.
    seed = min(docs.glob("0*.txt"), key=lambda f: f.stat().st_size)
    _edit(seed, 1)
    api.index([str(docs)], ix)
    before = _answers(ix)
    assert len(_store_segments(ix)) == 6 and sum(d for _, _, d in _store_segments(ix)) > 0
    report = api.optimize(ix)
    assert report.segments_before >= 5 and report.segments_after == 1
    assert report.reclaimed > 0 and report.bytes_after < report.bytes_before
    assert [d for _, _, d in _store_segments(ix)] == [0]
    assert _answers(ix) == before
    # Nothing left to do: a second optimize merges nothing.
    assert api.optimize(ix).merges == 0


def test_optimize_cli_reports_and_json(seeds_dir: Path, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    api.index([str(seeds_dir)], ix, commit_every=2)
    out = subprocess.run(
        [sys.executable, "-m", "searcher.cli", "--index-dir", str(ix), "optimize", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(out.stdout)
    assert report["segments_before"] == 3 and report["segments_after"] == 1 and report["merges"] == 1


def test_a_reader_open_before_a_merge_keeps_answering(seeds_dir: Path, tmp_path: Path) -> None:
    """A server's engine opened on the old segments reads them (its files stay open) until it
    sees the new generation, duplicate groups included."""
    ix = tmp_path / "ix"
    api.index([str(seeds_dir)], ix, commit_every=1)
    engine = api.open_index(ix)
    parsed = api._parse("志愿服务", api.SearchOptions())
    before = engine.search(parsed, api.build_filters(parsed, api.SearchOptions()), 10, 0, "relevance")
    old_segs = engine._current()[1]  # type: ignore[attr-defined]
    api.optimize(ix)
    assert len(_side_dirs(ix)) <= 2  # the old folders are gone (groups.npz may remain)
    assert old_segs.groups() is not None  # MinHash files still readable through open handles
    assert old_segs.substring("志愿服务").size > 0
    after = engine.search(parsed, api.build_filters(parsed, api.SearchOptions()), 10, 0, "relevance")
    assert after.total == before.total
    assert [h.passage.id for h in after.hits] == [h.passage.id for h in before.hits]


@pytest.mark.parametrize("point", ["side", "toc"])
def test_merge_killed_leaves_a_searchable_index(seeds_dir: Path, tmp_path: Path, point: str) -> None:
    ix = tmp_path / "ix"
    api.index([str(seeds_dir)], ix, commit_every=1)
    before = _answers(ix)
    env = {**os.environ, "SEARCHER_TEST_KILL_MERGE": point}
    proc = subprocess.run(
        [sys.executable, "-m", "searcher.cli", "--index-dir", str(ix), "optimize"], env=env, capture_output=True
    )
    assert proc.returncode == -9
    assert _answers(ix) == before
    # The next run tidies what the killed merge left and merges.
    assert api.optimize(ix).segments_after == 1
    assert _answers(ix) == before
    names = {s for s, _, _ in _store_segments(ix)}
    assert {d for d in _side_dirs(ix) if d != "groups.npz"} == names


def test_index_from_before_merging_is_read_and_merged(seeds_dir: Path, tmp_path: Path) -> None:
    """Indexes written before merging name a segment's folder by its first passage."""
    ix = tmp_path / "ix"
    api.index([str(seeds_dir)], ix, commit_every=2)
    before = _answers(ix)
    base = 0
    for segid, n, _ in _store_segments(ix):
        (ix / "side" / segid).rename(ix / "side" / f"{base:012d}")
        base += n
    (ix / "side" / "groups.npz").unlink()
    assert _answers(ix) == before
    api.optimize(ix)
    assert _answers(ix) == before
    assert not any(d.isdigit() for d in _side_dirs(ix))
