"""The web app through Flask's test client: every route and error path, the HTML parsed with BeautifulSoup."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from searcher import api
from searcher.cli import main
from web import create_app

EVIL = "<script>alert(1)</script>"
EVIL_IMG = "<img src=x onerror=alert(1)>"
EVIL_TEXT = (
    f"{EVIL}延吉市文明城市测试报告\n\n"
    f"吉林省延吉市2023年5月6日讯 文明城市创建工作中出现了{EVIL_IMG}的字样，路长巡查发现问题。\n\n"
    f"第二段：{EVIL} 志愿服务 \"引号\" & 符号 '单引号' </p><b>粗体</b>\n"
)


@pytest.fixture(scope="module")
def app(seed_index: Path) -> Flask:
    return create_app({"INDEX_DIR": str(seed_index), "TESTING": True})


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def evil_client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    docs = tmp_path_factory.mktemp("evil-docs")
    (docs / "evil.txt").write_text(EVIL_TEXT, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("evil-index")
    summary = api.index([str(docs)], index_dir)
    assert summary.files == 1 and not summary.skipped
    return create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()


def as_web(cli_output: bytes, index_dir: Path) -> bytes:
    """The CLI's output as the web gives it: sources relative to the indexed folder (the seeds,
    indexed by absolute path, show as seeds/NAME)."""
    (given,) = [f["path"] for f in api.stats(index_dir)["folders"]]
    assert given.startswith("/")
    # Links are the server's (the test client's is http://localhost); the CLI's are paths.
    linked = cli_output.replace(b'"/doc/', b'"http://localhost/doc/').replace(b",/doc/", b",http://localhost/doc/")
    return linked.replace((str(Path(given).parent) + "/").encode(), b"")


def page(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    resp = client.get(url)
    assert resp.status_code == status, resp.get_data(as_text=True)[:2000]
    assert resp.mimetype == "text/html"
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def args_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def hits_of(soup: BeautifulSoup) -> list:
    return soup.select("ol.hits > li.hit")


def facet(soup: BeautifulSoup, name: str) -> dict[str, dict]:
    """value -> {count, url, selected} of one facet in the sidebar (the '更多' ones included)."""
    out = {}
    for a in soup.select(f"#facet-{name} a.fv"):
        out[a.select_one(".name").contents[0].strip()] = {
            "count": int(a.select_one(".n").get_text().replace(",", "")),
            "url": a["href"],
            "selected": "selected" in a["class"],
        }
    return out


# --- the empty page ---------------------------------------------------------------------------


def test_empty_page_offers_examples_and_syntax(client: FlaskClient) -> None:
    soup = page(client, "/")
    assert soup.html["lang"] == "zh-CN"
    assert soup.select_one("meta[name=viewport]")
    examples = soup.select(".examples a")
    assert len(examples) >= 5
    for a in examples:  # every example query finds something
        q = args_of(a["href"])["q"][0]
        assert client.get("/api/search", query_string={"q": q}).get_json()["total"] > 0, q
    guide = soup.select_one(".syntax").get_text()
    for needle in ('"门前四包"', "OR", "-疫情", "城市:", "年份:"):
        assert needle in guide
    passages = client.get("/api/stats").get_json()["passages"]
    assert passages > 1000 and f"{passages:,} 个段落" in soup.select_one(".lead").get_text()
    assert not hits_of(soup) and not soup.select(".sidebar")


def test_form_fields_are_labelled_and_the_form_is_get(client: FlaskClient) -> None:
    soup = page(client, "/?q=路长")
    form = soup.select_one("form.search")
    assert form["method"] == "get" and form["action"] == "/"
    for field in form.select("input:not([type=hidden])"):
        assert soup.select_one(f"label[for={field['id']}]"), field
    assert form.select_one("button[type=submit]").get_text() == "搜索"
    assert soup.select_one("#q")["value"] == "路长"  # the box keeps the query


# --- results ----------------------------------------------------------------------------------


def test_results_show_passages_titles_places_dates_and_links(client: FlaskClient) -> None:
    soup = page(client, "/?q=路长")
    assert soup.select_one("#result-count").get_text(strip=True).startswith("共 3 条结果")
    hits = hits_of(soup)
    assert len(hits) == 3
    first = hits[0]
    assert first.select_one(".hit-title a").get_text() == "吉林省延吉市：持续深入推进文明城市创建 让群众充分共享创建成果"
    assert first.select_one(".place").get_text() == "吉林省 › 延边朝鲜族自治州 › 延吉市"
    assert [m.get_text() for m in first.select(".passage mark")] == ["路长", "路长"]
    link = first.select_one(".hit-links a")
    assert link.get_text().startswith("原文")
    assert re.fullmatch(r"/doc/[0-9a-f]{16}\?q=%E8%B7%AF%E9%95%BF#p6", link["href"])
    dated = [h.select_one("time") for h in hits if h.select_one("time")]
    assert dated and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", t["datetime"]) for t in dated)
    assert soup.select_one("title").get_text().startswith("路长")


def test_html_page_links_its_json_twin_which_matches_the_cli(client: FlaskClient, seed_index: Path) -> None:
    soup = page(client, "/?q=文明&city=延吉&sort=date&limit=5&page=2")
    twin = soup.select_one("link[rel=alternate][type='application/json']")["href"]
    assert twin == soup.select_one("footer a[href^='/api/search']")["href"]
    assert twin.startswith("/api/search?") and args_of(twin)["page"] == ["2"]
    data = client.get(twin).get_json()
    cli = CliRunner().invoke(
        main,
        [
            "--index-dir",
            str(seed_index),
            "search",
            "文明",
            "--city",
            "延吉",
            "--sort",
            "date",
            "--limit",
            "5",
            "--offset",
            "5",
            "--json",
        ],
    )
    assert cli.exit_code == 0, cli.output
    from_cli = json.loads(as_web(cli.stdout_bytes, seed_index))
    assert data == from_cli
    assert list(data) == [
        "query",
        "total",
        "articles",
        "count",
        "hits",
        "facets",
        "facet_distinct",
        "facet_alternatives",
        "notes",
        "suggestions",
    ]
    assert [h.select_one(".hit-title a").get_text() for h in hits_of(soup)] == [h["title"] for h in data["hits"]]


def test_api_search_is_the_cli_json_shape(client: FlaskClient, seed_index: Path) -> None:
    resp = client.get("/api/search", query_string={"q": "路长"})
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert "路长" in resp.get_data(as_text=True)  # UTF-8, not \u escapes
    cli = CliRunner().invoke(main, ["--index-dir", str(seed_index), "search", "路长", "--json"])
    assert resp.get_json() == json.loads(as_web(cli.stdout_bytes, seed_index))
    assert json.loads(cli.stdout)["hits"][0]["source"].startswith("/")  # the CLI shows the path as given
    hit = resp.get_json()["hits"][0]
    assert set(hit) == {
        "id",
        "doc_id",
        "title",
        "source",
        "paragraph",
        "section",
        "province",
        "city",
        "county",
        "date",
        "doc_type",
        "year",
        "score",
        "text",
        "highlight",
        "duplicates",
        "duplicates_total",
        "compilation",
        "collection",
        "page",
        "dup_group",
        "url",
        "citation",
        "first_copy",
    }


def test_pagination_pages_through_all_results(client: FlaskClient) -> None:
    soup = page(client, "/?q=创建&collapse=0")
    total = int(re.search(r"共 ([\d,]+) 条", soup.select_one("#result-count").get_text()).group(1).replace(",", ""))
    assert total > 20
    nav = soup.select_one("nav.pages")
    assert nav.select_one(".disabled").get_text() == "上一页"
    assert nav.select_one("[aria-current=page]").get_text() == "1"
    next_url = nav.select_one("a[rel=next]")["href"]
    assert args_of(next_url) == {"q": ["创建"], "collapse": ["0"], "page": ["2"]}
    seen = [h.select_one(".hit-links a")["href"] for h in hits_of(soup)]
    soup2 = page(client, next_url)
    assert soup2.select_one("ol.hits")["start"] == "11"
    assert "第 11–20 条" in soup2.select_one("#result-count").get_text()
    assert args_of(soup2.select_one("nav.pages a[rel=prev]")["href"]) == {"q": ["创建"], "collapse": ["0"]}
    assert not set(seen) & {h.select_one(".hit-links a")["href"] for h in hits_of(soup2)}
    last = -(-total // 10)
    soup_last = page(client, f"/?q=创建&collapse=0&page={last}")
    assert soup_last.select_one("nav.pages .disabled").get_text() == "下一页"
    assert len(hits_of(soup_last)) == total - (last - 1) * 10
    beyond = page(client, f"/?q=创建&collapse=0&page={last + 1}")
    assert "这一页没有结果了" in beyond.select_one(".empty").get_text() and not hits_of(beyond)


def test_sort_by_date(client: FlaskClient) -> None:
    soup = page(client, "/?q=文明&sort=date")
    current = soup.select_one(".sort a[aria-current]")
    assert current.get_text() == "按日期"
    dates = [t["datetime"] for t in soup.select("ol.hits time")]
    assert dates == sorted(dates, reverse=True) and len(dates) == 10
    relevance = soup.select_one(".sort a:not([aria-current])")
    assert relevance.get_text() == "按相关度" and "sort" not in args_of(relevance["href"])
    assert soup.select_one("form.search input[name=sort]")["value"] == "date"  # a new query keeps the sort


def test_filters_without_query_browse_by_date(client: FlaskClient) -> None:
    soup = page(client, "/?city=延吉")
    hits = hits_of(soup)
    assert hits and all("延吉市" in h.select_one(".place").get_text() for h in hits)
    note = soup.select_one(".sort-note")
    assert note.get_text() == "按日期排列改为旧→新"
    assert [c.get_text(strip=True) for c in soup.select(".chips .chip")] == ["城市：延吉×（去掉）"]
    newest = page(client, "/?province=吉林")
    dates = [h.select_one("time")["datetime"] for h in hits_of(newest) if h.select_one("time")]
    assert dates and dates == sorted(dates, reverse=True)
    oldest = page(client, newest.select_one(".sort-note a")["href"])
    assert oldest.select_one(".sort-note").get_text() == "按日期排列（旧→新）改为新→旧"
    old_dates = [h.select_one("time")["datetime"] for h in hits_of(oldest) if h.select_one("time")]
    assert old_dates and old_dates == sorted(old_dates) and old_dates[0] <= dates[-1]


# --- facets and charts ------------------------------------------------------------------------


def test_facets_show_exact_counts_and_drill_down(client: FlaskClient) -> None:
    soup = page(client, "/?q=文明")
    data = client.get("/api/search?q=文明").get_json()
    provinces = facet(soup, "province")
    assert {v: f["count"] for v, f in provinces.items()} == {f["value"]: f["count"] for f in data["facets"]["province"]}
    # "Which cities ...": the city facet from the first page, each city with its province; counties on drilling down.
    cities = facet(soup, "city")
    assert {v: f["count"] for v, f in cities.items()} == {f["value"]: f["count"] for f in data["facets"]["city"]}
    within = {a.select_one(".name").contents[0].strip(): a.select_one(".within") for a in soup.select("#facet-city a.fv")}
    assert within["延边朝鲜族自治州"].get_text() == " · 吉林省" and within["鹤壁市"].get_text() == " · 河南省"
    assert not soup.select("#facet-county")
    assert soup.select_one("#facet-province details.more summary").get_text().startswith("更多")
    assert len(soup.select("#facet-province > ul.bars > li")) == 10

    soup = page(client, provinces["吉林省"]["url"])
    assert args_of(provinces["吉林省"]["url"]) == {"q": ["文明"], "province": ["吉林省"]}
    assert facet(soup, "province")["吉林省"]["selected"]
    assert int(re.search(r"共 ([\d,]+)", soup.select_one("#result-count").get_text()).group(1)) == provinces["吉林省"]["count"]
    cities = facet(soup, "city")
    assert cities and sum(c["count"] for c in cities.values()) <= provinces["吉林省"]["count"]
    chip = soup.select_one(".chips .chip")
    assert chip.get_text(strip=True).startswith("省份：吉林省") and args_of(chip["href"]) == {"q": ["文明"]}

    city, info = max(cities.items(), key=lambda kv: kv[1]["count"])
    soup = page(client, info["url"])
    assert args_of(info["url"])["city"] == [city]
    assert facet(soup, "city")[city]["selected"]
    counties = facet(soup, "county")
    assert counties
    county, cinfo = next(iter(counties.items()))
    soup = page(client, cinfo["url"])
    assert facet(soup, "county")[county]["selected"]
    assert all(county in h.select_one(".place").get_text() for h in hits_of(soup))
    # every selected value is a removable chip; removing the city keeps the province
    chips = {c.get_text(strip=True).split("×")[0]: c["href"] for c in soup.select(".chips .chip")}
    assert set(chips) == {"省份：吉林省", f"城市：{city}", f"区县：{county}"}
    assert args_of(chips[f"城市：{city}"]) == {"q": ["文明"], "province": ["吉林省"], "county": [county]}
    assert args_of(soup.select_one(".chip-clear")["href"]) == {"q": ["文明"]}
    # clicking a selected value removes it
    assert "county" not in args_of(facet(soup, "county")[county]["url"])


def test_several_cities_can_be_selected(client: FlaskClient) -> None:
    one = client.get("/api/search?q=文明&city=延吉").get_json()["total"]
    two = client.get("/api/search?q=文明&city=鹤壁").get_json()["total"]
    soup = page(client, "/?q=文明&city=延吉&city=鹤壁")
    assert f"共 {one + two:,} 条结果" in soup.select_one("#result-count").get_text()
    assert len(soup.select(".chips .chip")) == 2
    assert soup.select("form.search input[name=city]")[1]["value"] == "鹤壁"


def test_year_chart_bars_are_links_that_filter_by_year(client: FlaskClient) -> None:
    soup = page(client, "/?q=文明")
    data = client.get("/api/search?q=文明").get_json()
    years = {int(f["value"]): f["count"] for f in data["facets"]["year"]}
    bars = soup.select("svg.years a")
    assert {int(a["href"].split("year=")[1]): int(a.select_one("text.n").get_text()) for a in bars} == years
    heights = {a["href"]: float(a.select_one("rect.bar")["height"]) for a in bars}
    assert max(heights.values()) == 80 and min(heights.values()) < 80  # the largest year has the tallest bar
    url = next(a["href"] for a in bars if a["href"].endswith("year=2021"))
    soup = page(client, url)
    assert all(t["datetime"].startswith("2021") for t in soup.select("ol.hits time"))
    assert soup.select_one("svg.years a.selected")
    assert f"共 {years[2021]} 条结果" in soup.select_one("#result-count").get_text()
    assert facet(soup, "year")["2021"]["selected"]


def test_province_bar_list(client: FlaskClient) -> None:
    soup = page(client, "/?q=文明")
    rows = soup.select("#facet-province a.fv")
    widths = [float(a.select("svg.bar rect")[1]["width"]) for a in rows]
    assert widths[0] == 100 and widths == sorted(widths, reverse=True)


# --- nothing found, malformed input -----------------------------------------------------------


def test_no_results_offers_the_search_without_filters(client: FlaskClient) -> None:
    soup = page(client, "/?q=路长&year=2021")
    assert "没有找到结果" in soup.select_one("#result-count").get_text()
    suggestion = soup.select_one(".suggest li")
    assert "去掉「年份：2021」" in suggestion.get_text() and "3 条" in suggestion.get_text()
    assert args_of(suggestion.select_one("a")["href"]) == {"q": ["路长"]}


def test_no_results_offers_each_word_alone(client: FlaskClient) -> None:
    soup = page(client, "/?q=路长 口袋公园")
    texts = [li.get_text() for li in soup.select(".suggest li")]
    assert any("只搜「路长」" in t and "3 条" in t for t in texts)
    assert any("只搜「口袋公园」" in t for t in texts)


@pytest.mark.parametrize("query", ['"门前四包', "OR", "city:", "x" * 600, "年份:abc", "-路长"])
def test_malformed_query_is_shown_on_the_page(client: FlaskClient, query: str) -> None:
    soup = page(client, "/?" + f"q={query}", status=400)
    alert = soup.select_one(".alert[role=alert]")
    assert "查询有误：" in alert.get_text() and alert.select_one(".error-text").get_text()
    assert soup.select_one("#q")["value"] == query
    assert soup.select(".syntax")  # the guide is right there
    resp = client.get("/api/search", query_string={"q": query})
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["status"] == 400 and body["error_zh"] == alert.select_one(".error-text").get_text()
    assert body["field"] == "q" and body["error"].isascii() is False or body["error"]


@pytest.mark.parametrize(
    "qs",
    [
        "q=路长&year=20x3",
        "q=路长&page=0",
        "q=路长&page=abc",
        "q=路长&sort=random",
        "q=路长&limit=5000",
        "q=路长&from=yesterday",
        "q=路长&page=99999999",
    ],
)
def test_bad_parameters_are_a_400_with_a_message(client: FlaskClient, qs: str) -> None:
    soup = page(client, "/?" + qs, status=400)
    assert "查询有误：" in soup.select_one(".alert").get_text()
    resp = client.get("/api/search?" + qs)
    assert resp.status_code == 400 and resp.get_json()["status"] == 400 and resp.get_json()["error"]


def test_empty_form_fields_redirect_to_the_canonical_url(client: FlaskClient) -> None:
    resp = client.get("/?q=路长&from=&to=&page=2")
    assert resp.status_code == 302 and resp.headers["Location"] == "/?q=%E8%B7%AF%E9%95%BF&page=2"


# --- documents ----------------------------------------------------------------------------------


def doc_url(client: FlaskClient, q: str) -> str:
    return client.get("/api/search", query_string={"q": q}).get_json()["hits"][0]


def test_document_view_has_anchors_marks_and_metadata(client: FlaskClient) -> None:
    hit = doc_url(client, "路长")
    soup = page(client, f"/doc/{hit['doc_id']}?q=路长")
    assert soup.select_one("h1").get_text() == hit["title"]
    meta = soup.select_one(".doc-meta").get_text()
    assert "吉林省 › 延边朝鲜族自治州 › 延吉市" in meta
    assert Path(hit["source"]).name in meta and "../" not in meta  # the file name, not a server path
    paras = soup.select(".doc-body .para")
    assert [p["id"] for p in paras] == [f"p{i}" for i in range(1, len(paras) + 1)]
    target = soup.select_one(f"#p{hit['paragraph']}")
    assert [m.get_text() for m in target.select("mark")] == ["路长", "路长"]
    assert target.select_one("a.pn")["href"] == f"#p{hit['paragraph']}"
    assert args_of(soup.select_one(".crumbs a")["href"]) == {"q": ["路长"]}
    twin = soup.select_one("link[rel=alternate]")["href"]
    assert twin.split("?")[0] == f"/api/doc/{hit['doc_id']}" and args_of(twin) == {"q": ["路长"]}
    data = client.get(twin).get_json()
    assert data["doc_id"] == hit["doc_id"] and data["title"] == hit["title"]
    assert hit["paragraph"] in data["matches"]
    assert len(data["passages"]) == len(paras)
    assert data["passages"][hit["paragraph"] - 1]["text"] == hit["text"]
    assert "path_key" not in json.dumps(data)


def test_document_without_query_has_no_marks(client: FlaskClient) -> None:
    hit = doc_url(client, "路长")
    soup = page(client, f"/doc/{hit['doc_id']}")
    assert not soup.select(".doc-body mark")
    page(client, f"/doc/{hit['doc_id']}?q=%22unbalanced")  # a bad query only means no marks


@pytest.mark.parametrize("doc_id", ["ffffffffffffffff", "..%2F..%2Fetc%2Fpasswd", "%00", "a" * 200, "<script>"])
def test_unknown_document_is_a_404_page(client: FlaskClient, doc_id: str) -> None:
    soup = page(client, f"/doc/{doc_id}", status=404)
    assert "找不到" in soup.select_one("h1").get_text()
    resp = client.get(f"/api/doc/{doc_id}")
    assert resp.status_code == 404 and resp.get_json()["status"] == 404


# --- JSON errors, health, static, headers ------------------------------------------------------


def test_healthz(client: FlaskClient, tmp_path: Path) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok", "index": "ok"}
    missing = create_app({"INDEX_DIR": str(tmp_path / "none")}).test_client().get("/healthz")
    assert missing.status_code == 503 and missing.get_json()["index"] == "missing"


def test_json_errors_for_unknown_routes_and_methods(client: FlaskClient) -> None:
    resp = client.get("/api/nothing")
    assert resp.status_code == 404 and resp.get_json()["status"] == 404
    resp = client.post("/api/search?q=路长")
    assert resp.status_code == 405 and resp.get_json() == {"error": resp.get_json()["error"], "status": 405}
    soup = page(client, "/no/such/page", status=404)
    assert soup.select_one("h1").get_text() == "页面不存在"
    assert client.get("/api/search").status_code == 400  # nothing to search for


def test_static_files_come_from_a_fixed_table(client: FlaskClient) -> None:
    soup = page(client, "/")
    css = soup.select_one("link[rel=stylesheet]")["href"]
    resp = client.get(css)
    assert resp.status_code == 200 and resp.mimetype == "text/css" and b"--accent" in resp.data
    assert "max-age=31536000" in resp.headers["Cache-Control"]
    assert client.get(css, headers={"If-None-Match": resp.headers["ETag"]}).status_code == 304
    js = soup.select_one("script[src]")["src"]
    assert client.get(js).mimetype in ("text/javascript", "application/javascript")
    for url in (css, js):
        assert client.get(url).headers["Content-Type"].count("charset") == 1, url
    for bad in ("/static/..%2F__init__.py", "/static/../views.py", "/static/nope.css", "/static/%2Fetc%2Fpasswd"):
        assert client.get(bad).status_code == 404, bad


def test_security_headers_everywhere(client: FlaskClient) -> None:
    hit = doc_url(client, "路长")
    for url in ("/", "/?q=路长", "/?q=%22", f"/doc/{hit['doc_id']}", "/doc/nope", "/api/search?q=路长", "/healthz"):
        resp = client.get(url)
        csp = resp.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp, url
        assert resp.headers["X-Content-Type-Options"] == "nosniff"


# --- safety ------------------------------------------------------------------------------------


def assert_no_injected_markup(soup: BeautifulSoup) -> None:
    scripts = soup.select("script")
    assert [s.get("src", "").split("?")[0] for s in scripts] == ["/static/app.js"] and not any(s.string for s in scripts)
    assert not soup.select("img")
    assert not soup.select("b")
    assert not [t for t in soup.find_all(True) if any(a.startswith("on") for a in t.attrs)]


def test_query_is_escaped_everywhere(client: FlaskClient) -> None:
    query = f"{EVIL} {EVIL_IMG}"
    resp = client.get("/", query_string={"q": query})
    soup = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
    assert_no_injected_markup(soup)
    assert soup.select_one("#q")["value"] == query
    assert "&lt;script&gt;" in resp.get_data(as_text=True)


def test_document_text_is_escaped_in_results_and_document(evil_client: FlaskClient) -> None:
    resp = evil_client.get("/", query_string={"q": "文明"})
    html = resp.get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    assert hits_of(soup)
    assert_no_injected_markup(soup)
    assert EVIL in soup.select_one(".hit-title").get_text()  # shown as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert soup.select(".passage mark")
    doc_id = evil_client.get("/api/search?q=文明").get_json()["hits"][0]["doc_id"]
    for q in ("路长", "script", "onerror", EVIL):
        doc = evil_client.get(f"/doc/{doc_id}", query_string={"q": q})
        soup = BeautifulSoup(doc.get_data(as_text=True), "html.parser")
        assert doc.status_code == 200
        assert_no_injected_markup(soup)
        assert EVIL_IMG in soup.select_one(".doc-body").get_text()
    soup = BeautifulSoup(evil_client.get("/", query_string={"q": "onerror"}).get_data(as_text=True), "html.parser")
    assert_no_injected_markup(soup)
    assert [m.get_text() for m in soup.select(".passage mark")] == ["onerror"]


# --- index states ------------------------------------------------------------------------------


def test_no_index_page_says_how_to_build_one(tmp_path: Path) -> None:
    client = create_app({"INDEX_DIR": str(tmp_path / "none")}).test_client()
    for url in ("/", "/?q=路长", "/doc/0123456789abcdef"):
        soup = page(client, url, status=503)
        assert soup.select_one("h1").get_text() == "尚未建立索引"
        assert "searcher serve" in soup.select_one("pre").get_text()
    for url in ("/api/search?q=路长", "/api/doc/0123456789abcdef"):
        resp = client.get(url)
        assert resp.status_code == 503 and "searcher" in resp.get_json()["error"]


def test_outdated_index_asks_for_a_rebuild(tmp_path: Path, seeds_dir: Path) -> None:
    ix = tmp_path / "ix"
    api.index([str(seeds_dir / "000_012fe31ce3351ebb.txt")], ix)
    meta = json.loads((ix / "searcher.json").read_text(encoding="utf-8"))
    (ix / "searcher.json").write_text(json.dumps(dict(meta, analyzer="0/old")), encoding="utf-8")
    client = create_app({"INDEX_DIR": str(ix)}).test_client()
    soup = page(client, "/?q=路长", status=503)
    assert "--rebuild" in soup.select_one("pre").get_text()
    assert client.get("/api/search?q=路长").status_code == 503


def test_the_app_sees_new_documents_without_a_restart(tmp_path: Path, seed_index: Path) -> None:
    ix = tmp_path / "ix"
    shutil.copytree(seed_index, ix)
    client = create_app({"INDEX_DIR": str(ix)}).test_client()
    assert client.get("/api/search?q=粗体").get_json()["total"] == 0
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "new.txt").write_text(EVIL_TEXT, encoding="utf-8")
    api.index([str(docs)], ix)
    assert client.get("/api/search?q=粗体").get_json()["total"] == 1


def test_an_unexpected_error_is_a_friendly_500(seed_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something broke")

    client = create_app({"INDEX_DIR": str(seed_index)}).test_client()  # not TESTING: errors are handled
    monkeypatch.setattr(api, "search", boom)
    soup = page(client, "/?q=路长", status=500)
    assert soup.select_one("h1").get_text() == "服务器内部错误" and "something broke" not in str(soup)
    resp = client.get("/api/search?q=路长")
    assert resp.status_code == 500 and resp.get_json()["status"] == 500


def test_serve_command_options() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--index-dir", "PATHS"):
        assert option in result.output


# --- export downloads ------------------------------------------------------------------------


def export_links(soup: BeautifulSoup) -> dict[str, str]:
    return {a.get_text(): a["href"] for a in soup.select("p.export a")}


def test_results_page_links_downloads_of_the_whole_search(client: FlaskClient) -> None:
    soup = page(client, "/?q=文明&city=延吉&sort=date&page=2")
    links = export_links(soup)
    assert set(links) == {"CSV（Excel/WPS）", "JSONL"}
    assert soup.select_one("p.export").get_text().startswith("下载全部结果")
    for href in links.values():
        assert urlsplit(href).path in ("/export.csv", "/export.jsonl")
        assert args_of(href) == {"q": ["文明"], "city": ["延吉"], "sort": ["date"]}  # no page: an export has none
        assert soup.select_one(f"a[href='{href}']").has_attr("download")
    assert_no_injected_markup(soup)  # no inline script came with the links


def test_download_links_show_only_with_results(client: FlaskClient) -> None:
    assert not page(client, "/").select("p.export")
    assert not page(client, "/?q=不存在的词语组合").select("p.export")
    assert not page(client, "/?q=%22门前四包", status=400).select("p.export")
    assert export_links(page(client, "/?year=2023"))  # filters alone: everything under them


def test_csv_download_headers_and_body(client: FlaskClient, seed_index: Path) -> None:
    resp = client.get("/export.csv?q=路长")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.headers["Content-Disposition"] == (
        "attachment; filename=\"searcher-export.csv\"; filename*=UTF-8''searcher-%E8%B7%AF%E9%95%BF.csv"
    )
    assert resp.headers["X-Total-Count"] == "3"
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.is_streamed
    body = resp.get_data()
    assert body.startswith(b"\xef\xbb\xbfid,doc_id,title,source,compilation,paragraph,page,")
    rows = list(csv.DictReader(io.StringIO(body[3:].decode("utf-8"), newline="")))
    _, hits = api.iter_hits("路长", seed_index)
    assert [(r["id"], r["text"]) for r in rows] == [(h.id, h.text) for h in hits]
    assert "38名（副县以上）一级路长" in rows[0]["text"]
    cli = CliRunner().invoke(main, ["--index-dir", str(seed_index), "export", "路长", "--format", "csv"])
    assert body == as_web(cli.stdout_bytes, seed_index)  # the same bytes as the command line, but for server paths


def test_jsonl_download_has_every_passage_of_the_search(client: FlaskClient, seed_index: Path) -> None:
    qs = "q=文明&province=吉林&sort=date&page=3&limit=5"  # paging parameters do not limit an export
    resp = client.get(f"/export.jsonl?{qs}")
    assert resp.status_code == 200
    assert resp.mimetype == "application/x-ndjson"
    assert "filename*=UTF-8''searcher-%E6%96%87%E6%98%8E-%E5%90%89%E6%9E%97.jsonl" in resp.headers["Content-Disposition"]
    rows = [json.loads(line) for line in resp.get_data(as_text=True).splitlines()]
    total, _ = api.iter_hits("文明", seed_index, api.SearchOptions(province="吉林", sort="date"))
    assert len(rows) == total == int(resp.headers["X-Total-Count"]) > 10
    assert {r["province"] for r in rows} == {"吉林省"}
    assert "highlight" not in rows[0] and list(rows[0])[-1] == "text"
    cli = CliRunner().invoke(
        main, ["--index-dir", str(seed_index), "export", "文明", "--province", "吉林", "--sort", "date", "--format", "jsonl"]
    )
    assert resp.get_data() == as_web(cli.stdout_bytes, seed_index)


def test_filter_only_download_and_ascii_file_name(client: FlaskClient, seed_index: Path) -> None:
    resp = client.get("/export.csv?year=2021")
    assert resp.status_code == 200
    assert 'filename="searcher-2021.csv"' in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data()[3:].decode("utf-8"), newline="")))
    assert len(rows) == api.iter_hits("", seed_index, api.SearchOptions(year=2021))[0] > 0
    assert {r["year"] for r in rows} == {"2021"}


@pytest.mark.parametrize("qs", ["q=%22门前四包", "q=OR", "", "q=路长&year=20x3", "q=路长&sort=random", "q=路长&from=昨天"])
def test_download_of_a_malformed_search_is_a_400_like_the_api(client: FlaskClient, qs: str) -> None:
    for fmt in ("csv", "jsonl"):
        resp = client.get(f"/export.{fmt}?{qs}")
        api_resp = client.get(f"/api/search?{qs}")
        assert resp.status_code == 400 == api_resp.status_code
        assert resp.get_json() == api_resp.get_json()
        assert "Content-Disposition" not in resp.headers


def test_download_errors_for_a_missing_index_and_unknown_formats(tmp_path: Path, client: FlaskClient) -> None:
    missing = create_app({"INDEX_DIR": str(tmp_path / "none")}).test_client().get("/export.csv?q=路长")
    assert missing.status_code == 503 and "searcher" in missing.get_json()["error"]
    assert client.get("/export.xml?q=路长").status_code == 404
    assert client.post("/export.csv?q=路长").status_code == 405


def test_a_download_survives_the_index_changing_underneath(tmp_path: Path, seed_index: Path) -> None:
    ix = tmp_path / "ix"
    shutil.copytree(seed_index, ix)
    app = create_app({"INDEX_DIR": str(ix)})
    client = app.test_client()
    shared = app.extensions["searcher.index"].engine(str(ix))
    resp = client.get("/export.jsonl?q=文明", buffered=False)
    stream = iter(resp.response)
    first = next(stream)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "new.txt").write_text(EVIL_TEXT, encoding="utf-8")
    api.index([str(docs)], ix)
    # A request that took the shared engine just before the commit reopens its reader ...
    assert api.search("粗体", ix, engine=shared).total == 1
    assert client.get("/api/search?q=粗体").get_json()["total"] == 1  # ... and the app moves on to the new index
    rest = b"".join(stream)
    resp.close()
    rows = (first + rest).decode("utf-8").splitlines()
    assert len(rows) == int(resp.headers["X-Total-Count"])  # the download finished on the index it began with


def test_copies_are_collapsed_with_a_toggle_and_pages_count_groups(client: FlaskClient) -> None:
    soup = page(client, "/?q=核心提示")
    hits = hits_of(soup)
    assert len(hits) == 1
    copies = hits[0].select_one("details.copies")
    assert "另有 1 处相同或相近的段落" in copies.select_one("summary").get_text()
    link = copies.select_one("a")
    assert link.get_text() == "衡水高新区推进全国文明城市创建工作综述" and "#p" in link["href"]
    toggle = soup.select_one("a.collapse-toggle")
    assert toggle.get_text() == "显示全部重复段落" and args_of(toggle["href"]) == {"q": ["核心提示"], "collapse": ["0"]}
    full = page(client, toggle["href"])
    assert len(hits_of(full)) == 2 and not full.select("details.copies")
    assert full.select_one("a.collapse-toggle").get_text() == "合并重复段落"
    # collapsed pages: the last page is full up to the number of groups, never empty
    soup = page(client, "/?q=衡水高新区")
    nav = soup.select_one("nav.pages")
    last = max(int(a.get_text()) for a in nav.select("a[aria-label], [aria-current=page]"))
    assert hits_of(page(client, f"/?q=衡水高新区&page={last}"))
    assert client.get("/?q=x&collapse=2").status_code == 400


def test_home_page_links_its_json_twin_the_index_stats(client: FlaskClient, seed_passages: list[dict]) -> None:
    soup = page(client, "/")
    link = soup.select_one("link[rel=alternate][type='application/json']")["href"]
    assert link == "/api/stats"
    info = client.get(link).get_json()
    documents = len({p["doc_id"] for p in seed_passages})  # the articles, counted from the passages
    assert info["passages"] > 900 and info["documents"] == documents and "2023" in info["years"]


def test_unknown_place_filter_is_explained_on_the_page(client: FlaskClient) -> None:
    soup = page(client, "/?q=路长&city=火星市")
    assert "没有叫“火星市”的城市或区县" in soup.select_one("p.note[role=status]").get_text()
    data = client.get("/api/search?q=路长&city=火星市").get_json()
    assert "_notes" not in data and data["notes"] == [
        "No city or county called '火星市' is known; check the name (e.g. 延吉, 吉林市, 船营区)."
    ]


def test_bare_years_in_the_date_fields(client: FlaskClient) -> None:
    soup = page(client, "/?q=志愿服务&from=2021&to=2021")
    assert soup.select_one("#from")["value"] == "2021" and hits_of(soup)
    assert facet(soup, "year") == {"2021": facet(soup, "year")["2021"]}


@pytest.mark.parametrize(
    "qs, says",
    [
        ("q=志愿服务&from=2023&to=2021", "起始日期 2023 晚于截止日期 2021，请对调"),
        ("q=志愿服务&from=昨天", "起始日期要写成 2023、2023-04 或 2023-04-12"),
    ],
)
def test_date_errors_are_in_chinese_and_point_at_the_dates(client: FlaskClient, qs: str, says: str) -> None:
    soup = page(client, "/?" + qs, status=400)
    alert = soup.select_one(".alert").get_text()
    assert says in alert and "日期范围" in alert and "检索词" not in alert and "--from" not in alert
    assert soup.select_one("#from")["value"]  # what was typed stays in the box to be fixed
    body = client.get("/api/search?" + qs).get_json()
    assert body["field"] == "from" and says in body["error_zh"] and "--from" in body["error"]


def test_no_match_offers_the_nearest_words_with_their_counts(client: FlaskClient) -> None:
    soup = page(client, "/?q=志原服务")
    note = soup.select_one(".did-you-mean")
    assert note.get_text().startswith("您是不是要找：志愿服务（71）")
    link = note.select_one("a")["href"]
    assert args_of(link)["q"] == ["志愿服务"]
    assert client.get("/api/search", query_string={"q": "志愿服务"}).get_json()["total"] == 71
    assert client.get("/api/search?q=志原服务").get_json()["suggestions"] == [{"query": "志愿服务", "total": 71}]


def test_marks_are_what_matched(client: FlaskClient) -> None:
    soup = page(client, "/?q=飞线充电&limit=20")
    marks = [m.get_text() for m in soup.select(".passage mark")]
    assert sorted(set(marks)) == ["飞线”充电", "飞线充电"]
    soup = page(client, "/?q=" + quote('志愿服务 -"志愿服务队"') + "&limit=100")
    assert hits_of(soup) and "志愿服务队" not in soup.select_one(".hits").get_text()


def test_no_server_path_on_the_web_the_cli_shows_it_whole(tmp_path: Path, seeds_dir: Path) -> None:
    """The web, its JSON and its exports show a source relative to the indexed folder; the CLI the path as given."""
    reports = tmp_path / "srv" / "data" / "reports"
    (reports / "2021").mkdir(parents=True)
    seed = sorted(seeds_dir.glob("*.txt"))[0]
    (reports / "2021" / "a.txt").write_bytes(seed.read_bytes())
    (reports / "b.txt").write_bytes(seed.read_bytes())  # the same article in a second file
    single = tmp_path / "srv" / "single.txt"
    single.write_text("吉林省延吉市2023年5月6日讯\n\n延吉市推行路长制，路长每日巡查。", encoding="utf-8")
    index_dir = tmp_path / "index"
    api.index([str(reports), str(single)], index_dir)
    c = create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()
    secret = str(tmp_path)
    data = c.get("/api/search?q=路长&collapse=0&limit=100").get_json()
    assert {h["source"] for h in data["hits"]} == {"reports/2021/a.txt", "reports/b.txt", "single.txt"}
    bodies = [json.dumps(data, ensure_ascii=False)]
    doc = c.get(f"/api/doc/{data['hits'][0]['doc_id']}").get_json()
    assert doc["source"] in {"reports/2021/a.txt", "reports/b.txt", "single.txt"}
    bodies += [json.dumps(doc, ensure_ascii=False), c.get("/api/stats").get_data(as_text=True)]
    bodies += [c.get(f"/export.{fmt}?q=路长").get_data(as_text=True) for fmt in ("csv", "jsonl")]
    bodies += [c.get(url).get_data(as_text=True) for url in ("/", "/?q=路长", f"/doc/{data['hits'][0]['doc_id']}")]
    for body in bodies:
        assert secret not in body and secret.replace("/", "\\/") not in body
    full = api.search("路长", index_dir, api.SearchOptions(collapse=False, limit=100))
    assert {h.source for h in full.hits} == {str(reports / "2021" / "a.txt"), str(reports / "b.txt"), str(single)}
