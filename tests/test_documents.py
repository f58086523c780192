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
        assert (a.compilation, a.collection) == (first.compilation, "seeds")
        assert a.citation.startswith(f"《{a.title}》，") and (a.date or "未注明日期") in a.citation
    # the compilation file's 34 articles name it; a file of one report names none
    compiled = [a for a in found if Path(a.source).name.startswith("004_")]
    assert len(compiled) >= 30 and {a.compilation for a in compiled} == {
        "2023年创建文明城市工作总结、工作汇报、经验材料汇编（34篇）"
    }
    assert all(f"载《{a.compilation}》" in a.citation for a in compiled)


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


def test_a_document_shows_its_compilation_contents_and_matches(seed_index: Path, seed_passages: list) -> None:
    from bs4 import BeautifulSoup

    from web import create_app

    inventory = api.documents(index_dir=seed_index)
    title = "鹤壁市全国文明城市创建成效综述"
    article = next(a for a in inventory if a.title == title)  # the compilation prints it twice: the first
    siblings = [a for a in inventory if a.source == article.source]  # the file's articles, in order
    view = api.document(article.doc_id, seed_index, query='"文明"')
    assert view is not None
    assert [a.doc_id for a in view.contents] == [a.doc_id for a in siblings]
    k = [a.doc_id for a in siblings].index(article.doc_id)
    assert view.previous is not None and view.previous.doc_id == siblings[k - 1].doc_id
    assert view.next is not None and view.next.doc_id == siblings[k + 1].doc_id
    # the matching paragraphs, by a plain scan of the article's passages
    expected = sorted(p.paragraph for p in seed_passages if p.doc_id == article.doc_id and "文明" in "".join(p.text.split()))
    assert view.matches == expected and expected
    client = create_app({"TESTING": True, "INDEX_DIR": str(seed_index)}).test_client()
    soup = BeautifulSoup(client.get(f"/doc/{article.doc_id}", query_string={"q": '"文明"'}).get_data(as_text=True), "html.parser")
    assert [a["href"] for a in soup.select("#matches a")] == [f"#p{n}" for n in expected]
    marked = soup.select(".para.match")
    assert [m["id"] for m in marked] == [f"p{n}" for n in expected]
    second = marked[1].select_one(".match-nav")
    assert second.select_one("a[rel=prev]")["href"] == f"#p{expected[0]}"
    assert second.select_one("a[rel=next]")["href"] == f"#p{expected[2]}"
    assert marked[0].select_one(".match-nav a[rel=prev]") is None
    assert (
        soup.select_one(".compilation").get_text() == f"收录于《{article.compilation}》（第 {k + 1} 篇，共 {len(siblings)} 篇）"
    )
    assert [li.get_text() for li in soup.select("details.toc li")] == [a.title for a in siblings]
    assert [s.get_text() for s in soup.select("details.toc strong[aria-current=page]")] == [title]
    assert soup.select_one(".doc-pager a[rel=next]")["href"].startswith(f"/doc/{siblings[k + 1].doc_id}")
    assert soup.select_one("#cite-doc").get_text() == f"{view.citation}。http://localhost/doc/{article.doc_id}"
    # a query that cannot be parsed still shows the article, and says why nothing is marked
    bad = BeautifulSoup(client.get(f"/doc/{article.doc_id}", query_string={"q": "路长 OR"}).get_data(as_text=True), "html.parser")
    assert bad.select_one("h1").get_text() == title and "无法解析" in bad.select_one(".note").get_text()
    assert client.get(f"/api/doc/{article.doc_id}", query_string={"q": "路长 OR"}).status_code == 400
