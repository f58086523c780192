"""Passage and document ids are a function of the file's content and the position in it."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask.testing import FlaskClient

from searcher import api
from web import create_app


def _ids(ix: Path) -> dict[str, str]:
    return {p["id"]: p["text"] for p in api.open_index(ix).all_passages()}


def test_the_same_files_get_the_same_ids_from_any_folder_and_after_a_rebuild(seeds_dir: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "seeds", tmp_path / "elsewhere" / "deeper" / "reports"
    shutil.copytree(seeds_dir, a)
    shutil.copytree(seeds_dir, b)
    api.index([str(a)], tmp_path / "ix-a")
    api.index([str(b)], tmp_path / "ix-b")
    first = _ids(tmp_path / "ix-a")
    assert len(first) > 1000 and len({*first}) == len(first)
    assert _ids(tmp_path / "ix-b") == first
    api.index([str(b)], tmp_path / "ix-a", rebuild=True)  # the other folder, from scratch, into the first index
    assert _ids(tmp_path / "ix-a") == first
    # and the ids a search returns are those
    hit = api.search('"38条"', tmp_path / "ix-b").hits[0]
    assert first[hit.id] == hit.text


def test_editing_a_file_changes_only_its_own_ids(seeds_dir: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(seeds_dir, docs)
    ix = tmp_path / "ix"
    api.index([str(docs)], ix)
    before = {p["id"]: p["source"] for p in api.open_index(ix).all_passages()}
    edited = docs / "000_012fe31ce3351ebb.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\n补充一段。\n", encoding="utf-8")
    api.index([str(docs)], ix)
    after = {p["id"]: p["source"] for p in api.open_index(ix).all_passages()}
    unchanged = {i for i, s in before.items() if not s.endswith("000_012fe31ce3351ebb.txt")}
    assert unchanged <= set(after)
    assert not {i for i, s in before.items() if s.endswith("000_012fe31ce3351ebb.txt")} & set(after)


def test_two_paths_with_the_same_bytes_are_one_article_with_two_files(seeds_dir: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    report = seeds_dir / "000_012fe31ce3351ebb.txt"
    shutil.copy(report, docs / "延吉.txt")
    shutil.copy(report, docs / "延吉（副本）.txt")
    ix = tmp_path / "ix"
    api.index([str(docs)], ix)
    r = api.search('"38条"', ix, api.SearchOptions(collapse=False))
    assert r.total == 2 and r.hits[0].id == r.hits[1].id  # both files are indexed and counted ...
    collapsed = api.search('"38条"', ix)
    assert len(collapsed.hits) == 1 and collapsed.hits[0].duplicates_total == 1  # ... and shown once
    view = api.document(r.hits[0].doc_id, ix)
    assert view is not None
    paragraphs = [p["paragraph"] for p in view.passages]
    assert paragraphs == sorted(set(paragraphs))  # the article once, not interleaved with its copy
    assert [Path(s).name for s in view.also_in] == ["延吉（副本）.txt"]
    client: FlaskClient = create_app({"INDEX_DIR": str(ix), "TESTING": True}).test_client()
    data = client.get(f"/api/doc/{view.doc_id}").get_json()
    assert data["file"] == "延吉.txt" and data["also_in"] == ["延吉（副本）.txt"]
    assert "内容相同的文件" in client.get(f"/doc/{view.doc_id}").get_data(as_text=True)
