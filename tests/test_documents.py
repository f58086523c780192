"""The document inventory (`searcher documents`, api.documents): every article of the seeds with
its place, date and passages, checked against the stored passages themselves."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from searcher import api
from searcher.cli import main


def test_the_inventory_lists_every_article_with_its_place_and_date(seed_index: Path, seed_passages: list) -> None:
    found = api.documents(index_dir=seed_index)
    by_doc: dict[str, list] = {}
    for p in seed_passages:
        by_doc.setdefault(p.doc_id, []).append(p)
    assert len(found) == len(by_doc) == api.stats(seed_index)["documents"]  # derived, not pinned (38 today)
    for a in found:
        passages = sorted(by_doc[a.doc_id], key=lambda p: p.paragraph)
        first = passages[0]
        assert a.passages == a.matches == len(passages)
        assert (a.title, a.province, a.city, a.county, a.date) == (
            first.title,
            first.province,
            first.city,
            first.county,
            first.date,
        )


def test_a_query_lists_the_articles_holding_its_matches(seed_index: Path, seed_passages: list) -> None:
    result = api.search("志愿服务", seed_index, api.SearchOptions(limit=0))
    found = api.documents("志愿服务", seed_index)
    assert len(found) == result.articles and sum(a.matches or 0 for a in found) == result.total
    henan = api.documents("", seed_index, api.SearchOptions(province=["河南"]))
    assert henan and all(a.province == "河南省" for a in henan)


@pytest.mark.parametrize("sort", ["date", "date-asc", "place", "title"])
def test_sorted_as_asked(seed_index: Path, sort: str) -> None:
    found = api.documents(index_dir=seed_index, sort=sort)
    if sort.startswith("date"):
        dates = [a.date for a in found if a.date]
        assert dates == sorted(dates, reverse=sort == "date") and all(not a.date for a in found[len(dates) :])
    elif sort == "title":
        assert [a.title for a in found] == sorted(a.title for a in found)
    else:
        provinces = [a.province for a in found if a.province]
        assert provinces == sorted(provinces)
    with pytest.raises(api.QueryError):
        api.documents(index_dir=seed_index, sort="colour")


def test_cli_documents_csv_and_json(seed_index: Path) -> None:
    run = lambda *a: CliRunner().invoke(main, ["--index-dir", str(seed_index), "documents", *a])  # noqa: E731
    out = run("--format", "csv")
    assert out.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.stdout.lstrip("\ufeff"))))
    assert [r["doc_id"] for r in rows] == [a.doc_id for a in api.documents(index_dir=seed_index)]
    data = json.loads(run("--json", "--sort", "date-asc").stdout)
    assert data["total"] == len(rows) and data["articles"][0]["date"] == min(r["date"] for r in rows if r["date"])
