"""The analysis pages /kwic, /trend and /collocates through Flask's test client: the HTML, its
JSON twin and the downloads against ``api.kwic`` / ``api.trend`` / ``api.collocates`` called
directly on the same index; bad parameters; hostile document text."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from searcher import api
from searcher.model import COLLOCATE_COLUMNS, KWIC_COLUMNS, Trend
from web import create_app

EVIL = "<script>alert(1)</script>"
EVIL_IMG = "<img src=x onerror=alert(1)>"
EVIL_TEXT = (
    f"{EVIL}延吉市文明城市测试报告\n\n"
    f"吉林省延吉市2023年5月6日讯 文明城市创建工作中出现了{EVIL_IMG}的字样，路长巡查发现问题。\n\n"
    f'第二段：{EVIL} 文明城市 志愿服务 "引号" & 符号 </p><b>粗体</b> 文明城市\n\n'
    f"第三段：文明城市 {EVIL_IMG} 文明城市 {EVIL} 文明城市。\n"
)


@pytest.fixture(scope="module")
def app(seed_index: Path) -> Flask:
    return create_app({"INDEX_DIR": str(seed_index), "TESTING": True})


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def evil_client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    docs = tmp_path_factory.mktemp("evil-research-docs")
    (docs / "evil.txt").write_text(EVIL_TEXT, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("evil-research-index")
    assert api.index([str(docs)], index_dir).files == 1
    return create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()


def page(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    resp = client.get(url)
    assert resp.status_code == status, resp.get_data(as_text=True)[:2000]
    assert resp.mimetype == "text/html"
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def args_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def num(text: str) -> int:
    return int(text.strip().replace(",", ""))


def opts(**filters: Any) -> api.SearchOptions:
    return api.SearchOptions(filters, limit=100, relative_sources=True)


def twin(soup: BeautifulSoup) -> str:
    href = soup.select_one("link[rel=alternate][type='application/json']")["href"]
    assert href == soup.select_one("footer a[href^='/api/']")["href"]
    return str(href)


def assert_no_injected_markup(soup: BeautifulSoup) -> None:
    assert len(soup.select("script")) == 1 and soup.select_one("script")["src"].startswith("/static/app.js")
    assert not soup.select("img") and not soup.select("b")
    assert not [t for t in soup.find_all(True) if any(a.startswith("on") for a in t.attrs)]


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # Excel and WPS read UTF-8 with the BOM
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8"))))


# --- /kwic ------------------------------------------------------------------------------------


def test_kwic_lines_are_those_of_api_kwic_and_link_their_paragraph(client: FlaskClient, seed_index: Path) -> None:
    found = api.kwic("志愿服务", seed_index, opts(), sort="left", width=20)
    soup = page(client, "/kwic?q=志愿服务&sort=left")
    rows = soup.select("table.kwic tbody tr")
    assert len(rows) == len(found.lines) == 100 < found.total_lines
    for row, line in zip(rows, found.lines):
        assert row.select_one("td.left").get_text() == line.left
        assert row.select_one("td.match mark").get_text() == line.match
        assert row.select_one("td.right").get_text() == line.right
        link = row.select_one("a.line-link")
        assert link.get_text() == line.title
        assert urlsplit(link["href"]).path + "#" + urlsplit(link["href"]).fragment == line.url
        assert args_of(link["href"])["q"] == ["志愿服务"]
    count = soup.select_one("#kwic-count").get_text()
    assert f"共 {found.total_lines:,} 处" in count and "第 1–100 处" in count
    assert f"来自 {found.passages:,} 个匹配段落" in soup.select_one(".counts-note").get_text()
    assert soup.select_one(".sort a.current").get_text() == "左侧词"
    assert soup.select_one("title").get_text().startswith("志愿服务 · 语境")
    # the paragraph a line links to exists on the document page with that id, and holds the match
    href = rows[0].select_one("a.line-link")["href"]
    doc = page(client, href.split("#")[0])
    para = doc.select_one("#" + urlsplit(href).fragment)
    assert para is not None and found.lines[0].match in para.get_text()


def test_kwic_json_twin_and_paging(client: FlaskClient, seed_index: Path) -> None:
    soup = page(client, "/kwic?q=志愿服务&sort=left")
    assert twin(soup) == "/api/kwic?q=%E5%BF%97%E6%84%BF%E6%9C%8D%E5%8A%A1&sort=left"
    assert client.get(twin(soup)).get_json() == api.kwic("志愿服务", seed_index, opts(), sort="left").to_dict()
    assert soup.select_one("nav.pages .disabled").get_text() == "上一页"
    nxt = soup.select_one("nav.pages a[rel=next]")["href"]
    assert args_of(nxt) == {"q": ["志愿服务"], "sort": ["left"], "offset": ["100"]}
    second = page(client, nxt)
    expected = api.kwic("志愿服务", seed_index, api.SearchOptions(limit=100, offset=100), sort="left")
    assert [r.select_one("td.match").get_text() for r in second.select("table.kwic tbody tr")] == [
        line.match for line in expected.lines
    ]
    assert second.select_one("nav.pages a[rel=prev]")["href"] == "/kwic?q=%E5%BF%97%E6%84%BF%E6%9C%8D%E5%8A%A1&sort=left"
    assert "第 101–" in second.select_one("#kwic-count").get_text()
    assert client.get("/api/kwic?q=志愿服务&sort=left&offset=100").get_json() == expected.to_dict()


def test_kwic_sort_links_keep_filters_and_width(client: FlaskClient, seed_index: Path) -> None:
    soup = page(client, "/kwic?q=文明&province=吉林&width=30&offset=100")
    links = {a.get_text(): a["href"] for a in soup.select("nav.sort a")}
    assert list(links) == ["按相关度", "左侧词", "右侧词", "日期", "地点"]
    assert args_of(links["日期"]) == {"q": ["文明"], "province": ["吉林"], "sort": ["date"], "width": ["30"]}  # back to line 1
    soup = page(client, links["地点"])
    found = api.kwic("文明", seed_index, opts(province=["吉林"]), sort="place", width=30)
    assert [r.select_one("td.left").get_text() for r in soup.select("table.kwic tbody tr")] == [x.left for x in found.lines]
    assert soup.select_one("select#width option[selected]")["value"] == "30"
    assert [c.get_text(strip=True) for c in soup.select(".chips .chip")] == ["省份：吉林×（去掉）"]


def test_kwic_counts_passages_matched_without_the_text(client: FlaskClient, seed_index: Path) -> None:
    found = api.kwic("延吉", seed_index, opts())
    soup = page(client, "/kwic?q=延吉")
    note = soup.select_one(".counts-note").get_text()
    assert f"来自 {found.passages:,} 个匹配段落" in note
    if found.without_text:
        assert f"其中 {found.without_text:,} 个段落按所写的地点匹配" in note


def test_kwic_downloads_have_every_line(client: FlaskClient, seed_index: Path) -> None:
    soup = page(client, "/kwic?q=志愿服务&sort=right&offset=100")
    links = {a.get_text(): a["href"] for a in soup.select(".export a")}
    assert args_of(links["CSV（Excel/WPS）"]) == {"q": ["志愿服务"], "sort": ["right"]}
    resp = client.get(links["CSV（Excel/WPS）"])
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = read_csv(resp.data)
    found = api.kwic("志愿服务", seed_index, api.SearchOptions(limit=1000), sort="right")
    assert rows[0][:3] == ["left", "match", "right"] and tuple(rows[0]) == tuple(api_columns("kwic"))
    assert len(rows) - 1 == found.total_lines == len(found.lines)
    assert [r[:3] for r in rows[1:]] == [[x.left, x.match, x.right] for x in found.lines]
    lines = client.get(links["JSONL"]).get_data(as_text=True).splitlines()
    assert [json.loads(x) for x in lines] == [x.to_dict() for x in found.lines]


def api_columns(kind: str) -> tuple[str, ...]:
    return {"kwic": KWIC_COLUMNS, "collocates": COLLOCATE_COLUMNS}[kind]


def test_kwic_without_a_query_explains_itself(client: FlaskClient) -> None:
    soup = page(client, "/kwic")
    assert "请在上方输入检索词" in soup.select_one(".lead").get_text()
    assert soup.select_one("form.search")["action"] == "/kwic"
    assert not soup.select("table.kwic")


# --- /trend -----------------------------------------------------------------------------------


def table_rows(soup: BeautifulSoup) -> list[list[str]]:
    return [[c.get_text(strip=True) for c in tr.select("th, td")] for tr in soup.select("table.trend-table tbody tr")]


def expected_rows(found: Trend, unknown: str) -> list[list[str]]:
    out = []
    for row in found.rows:
        cells = [row.key[0] if row.key[0] is not None else unknown, f"{row.passages:,}"]
        for m, a, r in zip(row.matched, row.articles, row.rates()):
            cells += [f"{m:,}", f"{a:,}", "—" if r is None else f"{r:.1f}"]
        out.append(cells)
    return out


def test_trend_table_and_chart_are_the_figures_of_api_trend(client: FlaskClient, seed_index: Path) -> None:
    found = api.trend(["志愿服务", "垃圾分类"], "year", seed_index, api.SearchOptions())
    soup = page(client, "/trend?q=志愿服务&q2=垃圾分类")
    assert table_rows(soup) == expected_rows(found, "未注明日期")
    totals = [c.get_text(strip=True) for c in soup.select("table.trend-table tfoot tr.totals > *")]
    t = found.totals
    assert totals[:2] == ["合计", f"{t.passages:,}"]
    assert totals[2:] == [x for m, a, r in zip(t.matched, t.articles, t.rates()) for x in (f"{m:,}", f"{a:,}", f"{r:.1f}")]
    # every bucket has one bar per term carrying the table's numbers
    bars = soup.select("svg.trend-chart rect.bar")
    by_bucket = {(b["data-bucket"], int(b["data-term"])): b for b in bars}
    assert len(by_bucket) == len(bars) == 2 * len(found.rows)
    for row in found.rows:
        for i in range(2):
            bar = by_bucket[(row.key[0] or "", i + 1)]
            assert int(bar["data-count"]) == row.matched[i]
            rate = row.rates()[i]
            assert bar["data-rate"] == ("" if rate is None else f"{rate:.1f}")
            assert f"{row.matched[i]:,} 条" in bar["aria-label"] and bar.select_one("title").get_text() == bar["aria-label"]
    # the undated bar stands apart, labelled, not on the year axis
    apart = soup.select("svg.trend-chart g.slot.apart")
    assert len(apart) == 1 and apart[0].select_one("text.x").get_text() == "未注明日期"
    assert {b["data-bucket"] for b in apart[0].select("rect.bar")} == {""}
    years = [
        g.select_one("text.x").get_text() for g in soup.select("svg.trend-chart g.slot:not(.apart)") if g.select_one("text.x")
    ]
    assert years == sorted(years) and all(y.isdigit() for y in years)
    assert [li.get_text(strip=True) for li in soup.select(".legend li")] == ["“志愿服务”", "“垃圾分类”"]


def test_trend_count_and_rate_are_links_and_bar_heights_follow(client: FlaskClient) -> None:
    soup = page(client, "/trend?q=志愿服务")
    modes = {a.get_text(): a for a in soup.select("nav.mode a")}
    assert set(modes) == {"条数（条）", "每千段（‰）"} and "current" in modes["条数（条）"]["class"]
    rate = page(client, modes["每千段（‰）"]["href"])
    assert args_of(modes["每千段（‰）"]["href"]) == {"q": ["志愿服务"], "mode": ["rate"]}
    assert rate.select_one("nav.mode a.current").get_text() == "每千段（‰）"

    def heights(s: BeautifulSoup, key: str) -> dict[str, tuple[float, float]]:
        return {b["data-bucket"]: (float(b["height"]), float(b[key] or 0)) for b in s.select("rect.bar")}

    for s, key in ((soup, "data-count"), (rate, "data-rate")):
        h = heights(s, key)
        tallest = max(h.values(), key=lambda x: x[1])
        for height, value in h.values():  # heights in proportion to the values drawn
            assert height == pytest.approx(tallest[0] * value / tallest[1], abs=0.2)
    assert heights(soup, "data-count") != heights(rate, "data-rate")


def test_trend_by_province_with_a_filter_json_twin_and_downloads(client: FlaskClient, seed_index: Path) -> None:
    found = api.trend(["志愿服务"], "city", seed_index, api.SearchOptions(province=["吉林"]))
    soup = page(client, "/trend?q=志愿服务&by=city&province=吉林")
    assert table_rows(soup) == expected_rows(found, "城市不详")
    assert client.get(twin(soup)).get_json() == found.to_dict()
    bars = {b["data-bucket"]: int(b["data-count"]) for b in soup.select("rect.bar")}
    assert bars == {r.key[0] or "": r.matched[0] for r in found.rows}
    links = {a.get_text(): a["href"] for a in soup.select(".export a")}
    rows = read_csv(client.get(links["CSV（Excel/WPS）"]).data)
    assert rows[0] == found.columns()
    assert rows[1:] == [["" if v is None else str(v) for v in r.values()] for r in found.table()]
    jsonl = client.get(links["JSONL"]).get_data(as_text=True).splitlines()
    assert [json.loads(x) for x in jsonl] == found.table()


def test_trend_province_chart_lists_unknown_apart(client: FlaskClient, seed_index: Path) -> None:
    found = api.trend(["志愿服务"], "province", seed_index, api.SearchOptions())
    soup = page(client, "/trend?q=志愿服务&by=province&mode=rate")
    labels = [t.contents[-1].strip() for t in soup.select("svg.trend-chart text.x")]  # the last: after its <title>
    assert [t.select_one("title").get_text() for t in soup.select("svg.trend-chart text.x")] == [
        r.key[0] or "省份不详" for r in found.rows
    ]
    assert all(len(x) <= 8 for x in labels)  # long names are shortened in the chart, whole in the title
    if any(r.key[0] is None for r in found.rows):
        assert soup.select_one("g.slot.apart text.x title").get_text() == "省份不详"


# --- /collocates ------------------------------------------------------------------------------


def test_collocates_table_is_api_collocates(client: FlaskClient, seed_index: Path) -> None:
    found = api.collocates("志愿服务", seed_index, api.SearchOptions(), window=5, by="mi", min_count=2)
    soup = page(client, "/collocates?q=志愿服务&window=5&by=mi&min_count=2")
    rows = soup.select("table.colloc tbody tr")
    assert [r["data-word"] for r in rows] == [c.word for c in found.collocates] and rows
    for r, c in zip(rows, found.collocates):
        cells = [x.get_text(strip=True) for x in r.select("td")]
        assert cells[:7] == [
            f"{c.observed:,}",
            f"{c.expected:.3f}",
            f"{c.frequency:,}",
            f"{c.left:,}",
            f"{c.right:,}",
            f"{c.mi:.3f}",
            f"{c.log_likelihood:.2f}",
        ]
        word = r.select_one("th a")
        assert args_of(word["href"]) == {"q": [f"志愿服务 {c.word}"]} and urlsplit(word["href"]).path == "/"
        assert urlsplit(r.select_one("a.to-kwic")["href"]).path == "/kwic"
    assert client.get(twin(soup)).get_json() == found.to_dict()
    assert soup.select_one("select#window option[selected]")["value"] == "5"
    assert soup.select_one("th.sorted").get_text() == "MI"


def test_collocates_stop_words_toggle_and_downloads(client: FlaskClient, seed_index: Path) -> None:
    soup = page(client, "/collocates?q=文明")
    toggle = soup.select_one("a.stop-toggle")
    assert toggle.get_text() == "显示虚词" and args_of(toggle["href"])["stop"] == ["1"]
    shown = page(client, toggle["href"])
    with_stop = api.collocates("文明", seed_index, api.SearchOptions(), show_stop=True)
    assert [r["data-word"] for r in shown.select("table.colloc tbody tr")] == [c.word for c in with_stop.collocates]
    assert shown.select_one("input#stop")["checked"] is not None
    links = {a.get_text(): a["href"] for a in soup.select(".export a")}
    rows = read_csv(client.get(links["CSV（Excel/WPS）"]).data)
    found = api.collocates("文明", seed_index, api.SearchOptions())
    assert tuple(rows[0]) == api_columns("collocates")
    assert [r[0] for r in rows[1:]] == [c.word for c in found.collocates]
    jsonl = client.get(links["JSONL"]).get_data(as_text=True).splitlines()
    assert [json.loads(x) for x in jsonl] == [c.to_dict() for c in found.collocates]


def test_search_page_has_the_tool_row_and_a_collocates_panel_it_does_not_compute(client: FlaskClient, seed_index: Path) -> None:
    soup = page(client, "/?q=志愿服务&province=吉林")
    panel = soup.select_one("#colloc")
    # The words come from /api/collocates after the page loads (app.js), never with the page itself.
    words = [c.word for c in api.collocates("志愿服务", seed_index, api.SearchOptions(province="吉林")).collocates]
    assert words and not any(w in panel.get_text() for w in words)
    soup = page(client, "/?q=路长&province=吉林")
    panel = soup.select_one("#colloc")
    src = panel["data-src"]
    assert urlsplit(src).path == "/api/collocates" and args_of(src) == {"q": ["路长"], "province": ["吉林"], "limit": ["10"]}
    fallback = panel.select_one(".colloc-more a")
    assert fallback.get_text() == "查看搭配词" and args_of(fallback["href"]) == {"q": ["路长"], "province": ["吉林"]}
    tools = {a.get_text(): a["href"] for a in soup.select("nav.tools a")}
    assert list(tools) == ["检索", "语境", "趋势", "搭配词", "对比", "地图", "文章"]
    for label, path in zip(tools, ["/", "/kwic", "/trend", "/collocates", "/compare", "/map", "/documents"]):
        assert urlsplit(tools[label]).path == path and args_of(tools[label]) == {"q": ["路长"], "province": ["吉林"]}
    assert soup.select_one("nav.tools a.current").get_text() == "检索"


@pytest.mark.parametrize("path,current", [("/kwic", "语境"), ("/trend", "趋势"), ("/collocates", "搭配词")])
def test_every_analysis_page_has_the_tool_row(client: FlaskClient, path: str, current: str) -> None:
    soup = page(client, f"{path}?q=志愿服务&year=2023")
    assert soup.select_one("nav.tools a[aria-current=page]").get_text() == current
    for a in soup.select("nav.tools a"):
        assert args_of(a["href"]) == {"q": ["志愿服务"], "year": ["2023"]}
    form = soup.select_one("form.search")
    assert form["action"] == path and form.select_one("input[type=hidden][name=year]")["value"] == "2023"


# --- errors and escaping ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url,field,says",
    [
        ("/kwic?q=路长&sort=middle", "sort", "sort=left"),
        ("/kwic?q=路长&width=0", "width", "1 到 200"),
        ("/kwic?q=路长&offset=-1", "offset", "offset=100"),
        ("/kwic?q=省份:吉林", "q", "需要一个检索词"),
        ("/trend?q=路长&by=street", "by", "by=province"),
        ("/trend?q=路长&mode=percent", "mode", "mode=rate"),
        ("/trend?q=路长 省份:吉林", "q", "筛选条件写成选项"),
        ("/collocates?q=路长&window=99", "window", "1 到 30"),
        ("/collocates?q=路长&by=t", "by", "by=mi"),
        ("/collocates?q=路长&stop=yes", "stop", "stop=1"),
        ("/kwic?q=路长&year=23", "year", "四位数"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_fix(client: FlaskClient, url: str, field: str, says: str) -> None:
    soup = page(client, url, 400)
    alert = soup.select_one(".alert").get_text()
    assert says in alert
    assert ("请修改检索词" if field == "q" else f"参数 {field}") in alert
    path, _, query = url.partition("?")
    for twin_path in (f"/api{path}", f"{path}.csv", f"{path}.jsonl"):
        resp = client.get(f"{twin_path}?{query}")
        assert resp.status_code == 400 and resp.is_json, twin_path
        body = resp.get_json()
        assert says in body["error_zh"] and body["field"] == field


def test_empty_form_fields_redirect_to_the_canonical_url(client: FlaskClient) -> None:
    # by=year is the default, so it is left out too
    resp = client.get("/trend?q=志愿服务&q2=&by=year&mode=")
    assert resp.status_code == 302 and resp.headers["Location"] == "/trend?q=%E5%BF%97%E6%84%BF%E6%9C%8D%E5%8A%A1"


@pytest.mark.parametrize("q", ["文明城市", "script", "onerror", EVIL, EVIL_IMG])
def test_document_text_and_queries_are_escaped(evil_client: FlaskClient, q: str) -> None:
    for path in ("/kwic", "/trend", "/collocates"):
        for extra in ({}, {"q2": EVIL}):
            resp = evil_client.get(path, query_string={"q": q, "min_count": "1", **extra})
            assert resp.status_code in (200, 400), (path, q)
            soup = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
            assert_no_injected_markup(soup)
            assert soup.select_one("#q")["value"] == q
    soup = BeautifulSoup(evil_client.get("/kwic", query_string={"q": "文明城市"}).get_data(as_text=True), "html.parser")
    contexts = " ".join(td.get_text() for td in soup.select("table.kwic td"))
    assert EVIL in contexts or EVIL_IMG in contexts  # shown as text, never as markup


def test_document_inventory_page_lists_every_article(client: FlaskClient, seed_index: Path) -> None:
    soup = page(client, "/documents")
    rows = soup.select("table.documents tbody tr")
    found = api.documents(index_dir=seed_index)
    assert len(rows) == len(found) == api.stats(seed_index)["documents"]
    assert [r.select_one("td a")["href"].split("/doc/")[1] for r in rows] == [a.doc_id for a in found]
    assert soup.select_one("nav.tools a[aria-current=page]").get_text() == "文章"
    # Filtered and sorted: the same list as the API, the JSON twin and the CSV agree.
    soup = page(client, "/documents?q=志愿服务&province=吉林&sort=date-asc")
    want = api.documents("志愿服务", seed_index, api.SearchOptions(province=["吉林"]), sort="date-asc")
    assert [r.select_one("td a").get_text() for r in soup.select("table.documents tbody tr")] == [
        a.title or "（无标题）" for a in want
    ]
    data = client.get("/api/documents?q=志愿服务&province=吉林&sort=date-asc").get_json()
    assert [a["doc_id"] for a in data["articles"]] == [a.doc_id for a in want]
    csv_rows = read_csv(client.get("/documents.csv?q=志愿服务&province=吉林&sort=date-asc").data)
    assert tuple(csv_rows[0]) == api.ARTICLE_COLUMNS and len(csv_rows) - 1 == len(want)
    assert client.get("/documents?sort=colour").status_code == 400
