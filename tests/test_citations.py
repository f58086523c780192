"""Citations a paper can use: title, place, date, compilation, PDF page and paragraph, and a link
to the paragraph by its stable id; in search results, exports, the CLI (--cite) and the web."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from test_formats import make_pdf

from searcher import api
from searcher.cli import main
from web import create_app

TITLE = "某某市文明城市创建工作报告"
# (text, the pages of the 3-page PDF it is printed on); 5 printed lines a page
PARAGRAPHS = [
    ("第一段在第一页：某某市设立路长一百名，负责主干道巡查和问题整改，效果明显，群众满意。", "1"),
    (
        "第二段跨越两页：网格员每天走访小区，收集群众诉求，发现问题及时上报，处理结果及时反馈，"
        "形成闭环管理机制，持续改善人居环境，提升群众的获得感和幸福感。",
        "1-2",
    ),
    ("第三段在第三页：志愿服务队伍不断壮大，全市注册志愿者达到十万人，开展各类志愿服务活动三千余场。", "3"),
]


def printed(text: str) -> list[str]:
    lines = textwrap.wrap(text, 24)
    return ["\u3000\u3000" + lines[0], *lines[1:]]


@pytest.fixture(scope="module")
def pdf_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lines = [TITLE, "2023年6月1日", *printed(PARAGRAPHS[0][0]), *printed(PARAGRAPHS[1][0])]
    # The third paragraph starts page 3: fill page 2 up to its 5 lines.
    lines += [""] * (-len(lines) % 5)
    lines += printed(PARAGRAPHS[2][0])
    assert len(lines) > 10  # three pages
    docs = tmp_path_factory.mktemp("pdf-docs")
    (docs / "report.pdf").write_bytes(make_pdf(lines, lines_per_page=5, header=None))
    index_dir = tmp_path_factory.mktemp("pdf-index")
    summary = api.index([str(docs)], index_dir)
    assert summary.files == 1 and not summary.skipped
    return index_dir


def test_a_pdf_passage_keeps_its_page_in_the_citation(pdf_index: Path) -> None:
    for text, pages in PARAGRAPHS:
        (hit,) = api.search(f'"{text[:12]}"', pdf_index).hits
        assert hit.text == text
        assert hit.page == pages
        assert hit.citation == f"《{TITLE}》，2023-06-01，第{pages}页，第{hit.paragraph}段"
        assert hit.url == f"/doc/{hit.doc_id}#p{hit.paragraph}"
    # The page is on the document page too.
    (hit,) = api.search('"第三段在第三页"', pdf_index).hits
    rows = api.document(hit.doc_id, pdf_index).passages
    assert [r.page for r in rows if not r.is_heading and r.text.startswith("第")] == [p for _, p in PARAGRAPHS]


def test_a_text_file_has_no_pages_and_says_when_the_date_is_unknown(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.txt").write_text(
        "延吉市文明城市创建情况\n\n延吉市设立一级路长38名，二级路长70名，负责主干街路的巡查工作。\n", encoding="utf-8"
    )
    api.index([str(docs)], tmp_path / "index")
    (hit,) = api.search("路长", tmp_path / "index").hits
    assert hit.page is None
    assert hit.citation == f"《延吉市文明城市创建情况》，吉林省延边朝鲜族自治州延吉市，未注明日期，第{hit.paragraph}段"


def compilation_title(seeds_dir: Path) -> str:
    """The compilation's title as its file prints it: the first line and the （34篇） under it."""
    raw = (seeds_dir / "004_85142685c79bb824.txt").read_text(encoding="utf-8")
    first, second = [line.strip() for line in raw.splitlines() if line.strip()][:2]
    return first + second


def test_a_seed_hit_is_cited_with_its_compilation(seed_index: Path, seeds_dir: Path) -> None:
    title = "鹤壁市全国文明城市创建成效综述"
    hit = next(h for h in api.search(f'"{title}"', seed_index, api.SearchOptions(limit=50)).hits if h.title == title)
    compilation = compilation_title(seeds_dir)
    assert compilation == "2023年创建文明城市工作总结、工作汇报、经验材料汇编（34篇）"
    assert hit.compilation == compilation
    place = f"{hit.province}{hit.city}"
    assert place == "河南省鹤壁市"
    assert hit.citation == f"《{title}》，{place}，{hit.date}，载《{compilation}》，第{hit.paragraph}段"
    view = api.document(hit.doc_id, seed_index)
    assert view is not None and view.citation == f"《{title}》，{place}，{hit.date}，载《{compilation}》"


def test_search_json_export_and_cite_carry_url_and_citation(seed_index: Path) -> None:
    runner = CliRunner()
    base = ["--index-dir", str(seed_index)]
    hits = json.loads(
        runner.invoke(main, [*base, "search", "路长", "--json", "--base-url", "http://reports.example:8000/"]).stdout
    )["hits"]
    assert hits
    for h in hits:
        assert h["url"] == f"http://reports.example:8000/doc/{h['doc_id']}#p{h['paragraph']}"
        assert h["citation"].startswith(f"《{h['title']}》，") and h["citation"].endswith(f"第{h['paragraph']}段")
    exported = runner.invoke(
        main, [*base, "export", "路长", "--format", "csv"], env={"SEARCHER_BASE_URL": "http://reports.example:8000"}
    )
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(exported.stdout.lstrip("\ufeff"))))
    by_id = {r["id"]: r for r in rows}
    for h in hits:
        assert by_id[h["id"]]["url"] == h["url"] and by_id[h["id"]]["citation"] == h["citation"]
    cited = runner.invoke(main, [*base, "search", "路长", "--cite"])
    assert cited.exit_code == 0, cited.output
    shown = [line.strip() for line in cited.stdout.splitlines()]
    for h in hits[:3]:
        assert f"引用: {h['citation']}" in shown
        assert f"/doc/{h['doc_id']}#p{h['paragraph']}" in shown
    plain = runner.invoke(main, [*base, "search", "路长"]).stdout
    assert "引用:" not in plain


def test_the_link_of_a_hit_opens_its_paragraph(seed_index: Path) -> None:
    app = create_app({"TESTING": True, "INDEX_DIR": str(seed_index)})
    client = app.test_client()
    result = client.get("/api/search", query_string={"q": "飞线充电"}).get_json()
    hit = result["hits"][0]
    assert hit["url"].startswith("http://localhost/doc/")
    path, anchor = hit["url"].removeprefix("http://localhost").split("#")
    soup = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
    assert soup.find(id=anchor).get_text().endswith(hit["text"])
    # The result page shows the same citation in a box a reader can copy from, with or without script.
    page = BeautifulSoup(client.get("/", query_string={"q": "飞线充电"}).get_data(as_text=True), "html.parser")
    box = page.select_one("li.hit details.cite textarea")
    assert box.get_text() == f"{hit['citation']}。{hit['url']}"
    assert page.select_one("li.hit button.cite-copy").get_text() == "复制引用"
