"""The compare page (/compare: places side by side, two sub-collections' keywords) and the map
(/map) through Flask's test client on the seed index: every figure checked against the filtered
search it links to, against ``api`` directly, and against a plain scan of the seed passages."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from searcher import api
from searcher.model import KEYWORD_COLUMNS
from web import create_app
from web.maps import TILES

EVIL = "<script>alert(1)</script>"
EVIL_IMG = "<img src=x onerror=alert(1)>"
EVIL_TEXT = (
    f"{EVIL}延吉市文明城市测试报告\n\n"
    f"吉林省延吉市2023年5月6日讯 文明城市创建工作中出现了{EVIL_IMG}的字样，路长巡查发现问题。\n\n"
    f"第二段：{EVIL} 志愿服务 文明 \"引号\" & 符号 '单引号' </p><b>粗体</b>\n"
)
# The stored names of the cities the tests compare (延吉 is a county-level city of 延边州).
FULL = {"延吉": "延吉市", "吉林": "吉林市"}


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


def page(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    resp = client.get(url)
    assert resp.status_code == status, resp.get_data(as_text=True)[:2000]
    assert resp.mimetype == "text/html"
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def args_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def number(text: str) -> int:
    return int(text.strip().replace(",", ""))


def search_total(client: FlaskClient, url: str) -> int:
    """The total the search page at ``url`` shows in its heading."""
    heading = page(client, url).select_one("#result-count").get_text()
    found = re.search(r"共 ([\d,]+) 条结果", heading)
    return number(found.group(1)) if found else 0


def columns(soup: BeautifulSoup) -> list[dict[str, Any]]:
    """The place columns of a compare page as figures."""
    out = []
    for col in soup.select(".cmp-col"):
        rate = col.select_one(".cmp-rate").get_text(strip=True)
        out.append(
            {
                "value": col.select_one("h2").get_text(strip=True),
                "total": number(col.select_one("a.cmp-count").get_text()),
                "url": col.select_one("a.cmp-count")["href"],
                "per_1000": None if rate == "无数据" else float(rate.rstrip("‰")),
                "articles": number(col.select_one(".cmp-articles").get_text().replace("篇", "")),
                "passages": number(col.select_one(".cmp-passages").get_text().replace("段", "")),
                "words": [a.get_text() for a in col.select(".cmp-words a")],
                "hits": [a for a in col.select(".cmp-hits li")],
            }
        )
    return out


# --- places side by side ----------------------------------------------------------------------


def test_place_counts_equal_the_filtered_searches_they_link_to(
    client: FlaskClient, seed_index: Path, seed_passages: list
) -> None:
    soup = page(client, "/compare?q=志愿服务&field=city&place=延吉&place=吉林")
    cols = columns(soup)
    assert [c["value"] for c in cols] == ["延吉", "吉林"]
    assert soup.select_one(".cmp-columns")["class"] == ["cmp-columns", "cols-2"]
    for c in cols:
        expected = api.search("志愿服务", seed_index, api.SearchOptions(city=[c["value"]])).total
        assert c["total"] == expected > 0
        assert args_of(c["url"]) == {"q": ["志愿服务"], "city": [c["value"]]}
        assert search_total(client, c["url"]) == c["total"]  # the number equals what the link shows
        # All the place's passages, by a plain scan (a city filter finds a city or a county-level city).
        passages = sum(1 for row in seed_passages if FULL[c["value"]] in (row.city, row.county))
        assert c["passages"] == passages
        assert c["per_1000"] == round(1000 * c["total"] / passages, 1)
        assert 1 <= c["articles"] <= c["total"]
        assert len(c["hits"]) == min(3, c["total"])
        assert c["words"]


def test_place_columns_show_top_passages_linked_to_their_paragraph(client: FlaskClient) -> None:
    soup = page(client, "/compare?q=志愿服务&field=city&place=延吉&place=吉林")
    data = client.get("/api/compare?q=志愿服务&field=city&place=延吉&place=吉林").get_json()
    for col, place in zip(columns(soup), data["places"]):
        for li, hit in zip(col["hits"], place["hits"]):
            link = li.select_one("a.cmp-hit-title")
            assert link["href"] == f"/doc/{hit['doc_id']}?q=%E5%BF%97%E6%84%BF%E6%9C%8D%E5%8A%A1#p{hit['paragraph']}"
            assert link.get_text().startswith(hit["title"])
            assert [m.get_text() for m in li.select(".passage mark")] and all(
                m.get_text() == "志愿服务" for m in li.select(".passage mark")
            )
            assert page(client, link["href"]).select_one(f"#p{hit['paragraph']}")
        # A distinctive word links to the place's search for the query and that word.
        first = soup.select(".cmp-col")[data["places"].index(place)].select_one(".cmp-words a")
        assert args_of(first["href"]) == {"q": [f'志愿服务 "{place["words"][0]["word"]}"'], "city": [place["value"]]}
        assert search_total(client, first["href"]) > 0


def test_compare_json_twin_equals_the_html_figures(client: FlaskClient, seed_index: Path) -> None:
    url = "/compare?q=文明&field=province&place=吉林&place=湖南&place=湖北"
    soup = page(client, url)
    twin = soup.select_one("link[rel=alternate][type='application/json']")["href"]
    assert twin.startswith("/api/compare?")
    data = client.get(twin).get_json()
    assert data["mode"] == "places" and data["field"] == "province" and data["query"] == "文明"
    html = columns(soup)
    assert len(html) == 3 and soup.select_one(".cmp-columns.cols-3")
    for col, place in zip(html, data["places"]):
        for key in ("value", "total", "per_1000", "articles", "passages"):
            assert col[key] == place[key], key
        assert col["words"] == [w["word"] for w in place["words"]]
        assert len(col["hits"]) == len(place["hits"])
        expected = api.search("文明", seed_index, api.SearchOptions(province=[place["value"]])).total
        assert place["total"] == expected == search_total(client, col["url"])
    core = api.compare("文明", "province", ["吉林", "湖南", "湖北"], seed_index, api.SearchOptions(relative_sources=True))
    assert {k: v for k, v in data.items() if k not in ("mode", "field")} == core.to_dict()


def test_compare_filters_narrow_every_place(client: FlaskClient, seed_index: Path) -> None:
    soup = page(client, "/compare?q=文明&field=city&place=延吉&place=吉林&doc_type=新闻报道")
    for c in columns(soup):
        opts = api.SearchOptions(city=[c["value"]], doc_type=["新闻报道"])
        assert c["total"] == api.search("文明", seed_index, opts).total == search_total(client, c["url"])
        assert args_of(c["url"])["doc_type"] == ["新闻报道"]
    assert "文种：新闻报道" in soup.select_one(".cmp-filters").get_text()
    assert soup.select_one(".cmp-form input[type=hidden][name=doc_type]")["value"] == "新闻报道"


def test_compare_downloads_one_row_per_place(client: FlaskClient) -> None:
    query = "q=志愿服务&field=city&place=延吉&place=吉林"
    data = client.get(f"/api/compare?{query}").get_json()
    soup = page(client, f"/compare?{query}")
    links = [a["href"] for a in soup.select(".export a")]
    assert [urlsplit(u).path for u in links] == ["/compare.csv", "/compare.jsonl"]
    resp = client.get(links[0])
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "filename*=UTF-8''searcher-compare-" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert list(rows[0]) == ["field", "value", "total", "articles", "passages", "per_1000", "words"]
    for row, place in zip(rows, data["places"], strict=True):
        assert (row["field"], row["value"], int(row["total"]), float(row["per_1000"])) == (
            "city",
            place["value"],
            place["total"],
            place["per_1000"],
        )
        assert row["words"] == "、".join(w["word"] for w in place["words"])
    lines = client.get(links[1]).get_data(as_text=True).splitlines()
    assert [json.loads(line)["total"] for line in lines] == [p["total"] for p in data["places"]]


def test_empty_form_boxes_redirect_to_the_short_url(client: FlaskClient) -> None:
    resp = client.get("/compare?q=志愿服务&field=city&place=延吉&place=吉林&place=&place=")
    assert resp.status_code == 302
    assert args_of(resp.headers["Location"]) == {"q": ["志愿服务"], "field": ["city"], "place": ["延吉", "吉林"]}
    resp = client.get("/compare?mode=words&q=&a=&b=")
    assert resp.status_code == 302 and args_of(resp.headers["Location"]) == {"mode": ["words"]}


def test_blank_compare_page_shows_the_forms_and_examples(client: FlaskClient) -> None:
    soup = page(client, "/compare")
    form = soup.select_one("form.cmp-form")
    assert form["method"] == "get" and form["action"] == "/compare"
    assert len(form.select("input[name=place]")) == 4
    assert [o["value"] for o in form.select("select[name=field] option")] == ["province", "city", "county"]
    for field in form.select("input:not([type=hidden]), select"):
        assert soup.select_one(f"label[for={field['id']}]"), field
    example = soup.select_one(".cmp-intro a")["href"]
    assert len(columns(page(client, example))) == 2
    words = page(client, "/compare?mode=words")
    assert words.select_one("input[name=a]")["placeholder"] == "year:2021"
    for a in words.select(".cmp-examples a"):  # every example compares two non-empty groups
        data = client.get("/api/compare?" + urlsplit(a["href"]).query).get_json()
        assert data["passages_a"] > 0 and data["passages_b"] > 0, a["href"]


# --- two sub-collections ----------------------------------------------------------------------


def key_rows(soup: BeautifulSoup, side: str) -> list[dict[str, Any]]:
    out = []
    for tr in soup.select(f"#key-{side} tbody tr"):
        cells = [td.get_text(strip=True).replace("（不显著）", "") for td in tr.select("td")]
        out.append(
            {
                "word": tr.select_one("th").get_text(strip=True),
                "a": number(cells[0]),
                "b": number(cells[1]),
                "per_million_a": float(cells[2]),
                "per_million_b": float(cells[3]),
                "log_likelihood": float(cells[4]),
                "log_ratio": round(float(cells[5]), 2),
            }
        )
    return out


@pytest.mark.parametrize("query", ["", "文明"])
def test_keyness_page_lists_what_api_keyness_returns(client: FlaskClient, seed_index: Path, query: str) -> None:
    url = "/compare?a=year:2021&b=year:2023" + (f"&q={query}" if query else "")
    soup = page(client, url)
    found = api.keyness("year:2021", "year:2023", query, seed_index, limit=50)
    assert found.key_a and found.key_b
    for side, words in (("a", found.key_a), ("b", found.key_b)):
        expected = [{**w.to_dict(), "log_ratio": round(w.log_ratio, 2)} for w in words]
        assert key_rows(soup, side) == expected
    summary = soup.select_one(".cmp-summary").get_text()
    assert f"{found.passages_a:,} 段" in summary and f"{found.words_b:,} 词" in summary
    note = soup.select_one(".cmp-explain").get_text()
    assert "对数似然比" in note and "LL ≥ 3.84 即 p < 0.05" in note and "对数比" in note
    weak = soup.select("#key-a tr.weak, #key-b tr.weak")
    assert len(weak) == sum(1 for w in found.key_a + found.key_b if w.log_likelihood < 3.84)
    data = client.get(soup.select_one("link[rel=alternate]")["href"]).get_json()
    assert data == {"mode": "words", **found.to_dict()}
    # A word links to the search for it within its own group.
    link = soup.select_one("#key-a tbody a")["href"]
    assert args_of(link)["q"] == [f'{query} "{found.key_a[0].word}" year:2021'.strip()]
    assert search_total(client, link) > 0


def test_keyness_downloads_the_keyword_table(client: FlaskClient, seed_index: Path) -> None:
    found = api.keyness("省:吉林", "省:湖南", "", seed_index, limit=50)
    resp = client.get("/compare.csv?a=省:吉林&b=省:湖南")
    assert resp.status_code == 200
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert tuple(rows[0]) == (*KEYWORD_COLUMNS, "side")
    assert [(r["word"], r["side"]) for r in rows] == [(w.word, "A") for w in found.key_a] + [(w.word, "B") for w in found.key_b]
    lines = client.get("/compare.jsonl?a=省:吉林&b=省:湖南").get_data(as_text=True).splitlines()
    assert [json.loads(line) for line in lines] == [
        {**w.to_dict(), "side": s} for s, ws in (("A", found.key_a), ("B", found.key_b)) for w in ws
    ]


# --- bad parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "needle"),
    [
        ("q=志愿服务&field=city&place=延吉", "place", "place=延吉&place=吉林"),
        ("q=志愿服务&field=city&place=延吉&place=延吉", "place", "两到四个不同的城市"),
        ("q=志愿服务&place=a&place=b&place=c&place=d&place=e", "place", "现在是 5 个"),
        ("q=志愿服务&field=town&place=延吉&place=吉林", "field", "field=city"),
        ("field=city&place=延吉&place=吉林", "q", "请输入词语"),
        ("a=志愿服务 year:2021&b=year:2023", "a", "检索词请写在查询里"),
        ("a=year:2021", "b", "B 组至少要有一个筛选条件"),
        ("mode=map", "mode", "places（地方对比）或 words（两组特有词）"),
        ("q=志愿服务&field=city&place=" + "长" * 61 + "&place=吉林", "place", "最多 60 个"),
    ],
)
def test_bad_parameters_give_400_naming_the_fix(client: FlaskClient, query: str, field: str, needle: str) -> None:
    soup = page(client, "/compare?" + query, status=400)
    alert = soup.select_one(".alert[role=alert]").get_text()
    assert needle in alert
    assert soup.select_one("form.cmp-form")  # the form is there to fix it
    resp = client.get("/api/compare?" + query)
    assert resp.status_code == 400 and resp.mimetype == "application/json"
    body = resp.get_json()
    assert needle in body["error_zh"] and body["field"] == field and body["error"]
    download = client.get("/compare.csv?" + query)
    assert download.status_code == 400 and download.get_json()["error_zh"] == body["error_zh"]


def test_bad_page_keeps_what_was_typed(client: FlaskClient) -> None:
    soup = page(client, "/compare?q=志愿服务&field=city&place=延吉", status=400)
    assert soup.select_one("#cmp-q")["value"] == "志愿服务"
    assert soup.select_one("#cmp-place-1")["value"] == "延吉"
    soup = page(client, "/compare?a=志愿服务 year:2021&b=year:2023", status=400)
    assert soup.select_one("#cmp-a")["value"] == "志愿服务 year:2021"


def test_an_unknown_place_is_zero_with_a_notice(client: FlaskClient) -> None:
    soup = page(client, "/compare?q=志愿服务&field=city&place=火星&place=吉林")
    cols = columns(soup)
    assert cols[0]["total"] == 0 and cols[0]["per_1000"] is None and cols[1]["total"] > 0
    assert "没有叫“火星”的城市或区县" in soup.select_one(".note[role=status]").get_text()


# --- the map ----------------------------------------------------------------------------------


def tiles(soup: BeautifulSoup) -> dict[str, dict[str, Any]]:
    out = {}
    for el in soup.select("svg.tile-map [data-province]"):
        out[el["data-province"]] = {
            "label": el["aria-label"],
            "title": el.select_one("title").get_text(),
            "url": el.get("href"),
            "name": el.select_one("text.name").get_text(),
            "text": el.select_one("text.rate").get_text(),
            "fill": el.select_one("rect")["fill"],
        }
    return out


def test_map_tiles_carry_the_facet_counts_and_independent_rates(
    client: FlaskClient, seed_index: Path, seed_passages: list
) -> None:
    soup = page(client, "/map?q=志愿服务")
    shown = tiles(soup)
    assert len(shown) == 34 == len(TILES) and len(set(shown)) == 34
    facets = {f.value: f.count for f in api.search("志愿服务", seed_index, api.SearchOptions(limit=0)).facets["province"]}
    passages = Counter(row.province for row in seed_passages)  # a plain scan of every passage
    assert facets and set(facets) <= set(shown)
    for name, tile in shown.items():
        if not passages.get(name):
            assert tile["label"] == tile["title"] == f"{name}：索引中没有该省的段落（无数据）"
            assert tile["url"] is None and tile["text"] == "无数据"
            continue
        matched = facets.get(name, 0)
        rate = round(1000 * matched / passages[name], 1)
        assert tile["label"] == tile["title"] == f"{name}：{matched} 条，占 {passages[name]} 段的 {rate:.1f}‰"
        assert tile["text"] == ("0" if not matched else f"{rate:.1f}‰")
        assert args_of(tile["url"]) == {"q": ["志愿服务"], "province": [name]}
        assert search_total(client, tile["url"]) == matched
    assert shown["吉林省"]["name"] == "吉林" and shown["黑龙江省"]["name"] == "黑龙江"
    assert passages[None] == 3
    assert "另有 3 段未能确定所属省份" in soup.select_one(".map-unknown").get_text()


def test_map_search_page_facet_agrees_with_the_tile(client: FlaskClient) -> None:
    shown = tiles(page(client, "/map?q=文明"))
    search = page(client, "/?q=文明")
    facet = {
        a.select_one(".name").contents[0].strip(): number(a.select_one(".n").get_text())
        for a in search.select("#facet-province a.fv")
    }
    for name, count in facet.items():
        assert shown[name]["label"].startswith(f"{name}：{count} 条，"), name


def test_map_colours_follow_the_legend(client: FlaskClient) -> None:
    soup = page(client, "/map?q=志愿服务")
    data = client.get(soup.select_one("link[rel=alternate]")["href"]).get_json()
    bins = data["bins"]
    assert bins and bins[0]["low"] == 0 and bins[-1]["high"] >= max(p["per_1000"] or 0 for p in data["provinces"])
    legend = [li.get_text(strip=True) for li in soup.select(".map-legend li")]
    assert legend[-1].startswith("无数据") and len(legend) == len(bins) + 2  # 0 (浙江: passages, no match) and 无数据
    shown = tiles(soup)
    for pv in data["provinces"]:
        fill = shown[pv["province"]]["fill"]
        if pv["bin"] is None:
            assert fill == "#eceef0"
        elif pv["bin"] == 0:
            assert fill == "#ffffff"
        else:
            b = bins[pv["bin"] - 1]
            assert fill == b["colour"] and b["low"] < pv["per_1000"] <= b["high"]


def test_map_json_twin_and_table_equal_the_tiles(client: FlaskClient) -> None:
    soup = page(client, "/map?q=志愿服务")
    data = client.get("/api/map?q=志愿服务").get_json()
    assert data["query"] == "志愿服务" and data["unknown"]["passages"] == 3
    shown = tiles(soup)
    rows = {tr["data-province"]: tr for tr in soup.select(".map-table tbody tr")}
    assert set(rows) == set(shown)
    for pv in data["provinces"]:
        tr = rows[pv["province"]]
        if pv["per_1000"] is None:
            assert tr.select_one(".rate").get_text() == "无数据" and "none" in tr["class"]
            continue
        assert number(tr.select_one(".matched").get_text()) == pv["matched"]
        assert number(tr.select_one(".passages").get_text()) == pv["passages"]
        assert tr.select_one(".rate").get_text() == f"{pv['per_1000']:.1f}‰"
        assert (
            shown[pv["province"]]["label"]
            == f"{pv['province']}：{pv['matched']} 条，占 {pv['passages']} 段的 {pv['per_1000']:.1f}‰"
        )
        assert tr.select_one("th a")["href"] == shown[pv["province"]]["url"]
    assert data["totals"]["matched"] == sum(p["matched"] for p in data["provinces"]) + data["unknown"]["matched"]
    csv_rows = list(csv.DictReader(io.StringIO(client.get("/map.csv?q=志愿服务").get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["province"] for r in csv_rows] == [p["province"] for p in data["provinces"]]
    assert [int(r["matched"]) for r in csv_rows] == [p["matched"] for p in data["provinces"]]


def test_map_filters_narrow_the_collection(client: FlaskClient, seed_index: Path) -> None:
    soup = page(client, "/map?q=文明&doc_type=新闻报道")
    facets = {
        f.value: f.count
        for f in api.search("文明", seed_index, api.SearchOptions(doc_type=["新闻报道"], limit=0)).facets["province"]
    }
    shown = tiles(soup)
    for name, count in facets.items():
        assert shown[name]["label"].startswith(f"{name}：{count} 条，")
        assert args_of(shown[name]["url"]) == {"q": ["文明"], "province": [name], "doc_type": ["新闻报道"]}


def test_map_without_query_and_with_bad_query(client: FlaskClient) -> None:
    soup = page(client, "/map")
    assert not soup.select("svg.tile-map") and soup.select(".cmp-intro a")
    for a in soup.select(".cmp-intro a"):  # every example draws a map with matches
        assert client.get("/api/map?" + urlsplit(a["href"]).query).get_json()["totals"]["matched"] > 0
    soup = page(client, "/map?q=文明 省份:吉林", status=400)
    assert "把筛选条件写成选项" in soup.select_one(".alert").get_text()
    resp = client.get("/api/map?q=文明&year=20x")
    assert resp.status_code == 400 and "四位数" in resp.get_json()["error_zh"]
    assert client.get("/map?q=志愿服务&from=").status_code == 302


# --- hostile text -----------------------------------------------------------------------------


def no_injection(html: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    assert EVIL not in html and EVIL_IMG not in html
    assert [s.get("src", "") for s in soup.select("script")] == [s.get("src", "") for s in soup.select("script[src^='/static/']")]
    assert not soup.select("img") and not soup.select("main b")


def test_hostile_text_is_escaped_on_compare_and_map(evil_client: FlaskClient) -> None:
    urls = [
        "/compare?q=文明&field=city&place=延吉&place=" + EVIL,
        "/compare?q=" + EVIL_IMG + "&field=city&place=延吉&place=吉林",
        "/compare?a=city:延吉&b=" + EVIL,
        "/compare?a=city:延吉&b=year:2023&q=" + EVIL,
        "/compare?a=" + EVIL + "&b=year:2023",
        "/map?q=文明",
        "/map?q=" + EVIL,
        "/map?q=" + EVIL_IMG,
    ]
    for url in urls:
        resp = evil_client.get(url)
        assert resp.status_code in (200, 400), url
        no_injection(resp.get_data(as_text=True))
    html = evil_client.get("/compare?q=文明&field=city&place=延吉&place=吉林").get_data(as_text=True)
    no_injection(html)
    assert "&lt;script&gt;" in html or "&lt;img" in html  # the document's text is there, escaped


@pytest.mark.parametrize("top", [0.1, 0.3, 0.6, 7.0, 83.3, 101.0, 200.0, 1000.0])
def test_map_bins_cover_the_highest_rate_with_the_darkest_colour(top: float) -> None:
    from web.maps import COLOURS, bin_of, bins_for

    bins = bins_for([top, top / 3])
    assert bins[0]["low"] == 0 and bins[-1]["high"] >= top > bins[-1]["low"]
    assert all(a["high"] == b["low"] < b["high"] for a, b in zip(bins, bins[1:]))
    assert bins[-1]["colour"] == COLOURS[-1] and bin_of(top, bins) == len(bins) - 1
    assert len({b["colour"] for b in bins}) == len(bins) >= 1
