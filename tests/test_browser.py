"""The web UI in real Chromium (Playwright) against ``searcher serve`` running as a real process.

Debian's chromium is used (/usr/bin/chromium); Playwright cannot download its own browsers here.
Without it these tests skip on a laptop, but fail in CI (env CI set).
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from browsing import SCREENSHOTS, Tab
from serving import Server

EVIL = "<script>alert(1)</script>"
EVIL_IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def server(seed_index: Path) -> Iterator[Server]:
    srv = Server(["--index-dir", str(seed_index), "serve", "--port", "0"])
    yield srv
    srv.stop()


def args_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_type_a_query_click_a_facet_and_a_year_bar(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.fill("#q", "文明")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"\?q=%E6%96%87%E6%98%8E$"))  # empty date fields left out of the URL
    assert page.text_content("#result-count").strip().startswith("共")
    assert page.locator("ol.hits > li").count() == 10
    assert page.locator("#facet-city a.fv .within").first.inner_text().startswith(" · ")  # cities at once, with their province
    assert page.locator("#facet-county").count() == 0

    province = page.locator("#facet-province a.fv").first
    name = province.locator(".name").inner_text().strip()
    count = int(province.locator(".n").inner_text().replace(",", ""))
    province.click()
    page.wait_for_url(re.compile("province="))
    assert args_of(page.url)["province"] == [name]
    assert page.locator(".chips .chip").first.inner_text().startswith(f"省份：{name}")
    assert f"共 {count:,} 条结果" in page.text_content("#result-count")
    assert page.locator("#facet-city a.fv").count() > 0  # drill down: the province's cities

    bar = page.locator("svg.years a").last
    label = bar.get_attribute("aria-label")
    year = label[:4]
    bar.click()
    page.wait_for_url(re.compile(f"year={year}"))
    dates = page.locator("ol.hits time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert dates and all(d.startswith(year) for d in dates)
    assert page.locator("svg.years a.selected").count() == 1
    page.locator(".chips .chip", has_text="年份").click()  # remove the year chip again
    page.wait_for_url(lambda url: "year=" not in url)


def test_choose_two_cities_then_count_articles(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/?q=" + quote("志愿服务"))
    cities = page.locator("#facet-city a.fv")
    names, counts = [], []
    for i in range(2):
        link = page.locator("#facet-city a.fv:not(.selected)").first
        names.append(link.locator(".name").evaluate("e => e.firstChild.textContent.trim()"))
        counts.append(int(link.locator(".n").inner_text().replace(",", "")))
        link.click()
        page.wait_for_url(lambda url, n=i: len(args_of(url).get("city", [])) == n + 1)
    assert args_of(page.url)["city"] == names
    # OR within the facet: the total is both cities' counts, both stay selected and removable.
    assert f"共 {sum(counts):,} 条结果" in page.text_content("#result-count")
    assert page.locator("#facet-city a.fv.selected").count() == 2 and cities.count() >= 2
    assert [c.inner_text().split("×")[0].strip() for c in page.locator(".chips .chip").all()] == [f"城市：{n}" for n in names]
    page.get_by_role("link", name="按文章").click()
    page.wait_for_url(re.compile("count=articles"))
    articles = int(re.search(r"（([\d,]+) 篇文章）", page.text_content("#result-count")).group(1).replace(",", ""))
    assert sum(int(n.inner_text()) for n in page.locator("#facet-city a.fv.selected .n").all()) == articles
    page.locator(".chips .chip", has_text=names[0]).click()
    page.wait_for_url(lambda url: args_of(url).get("city") == [names[1]])


def test_page_through_results(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/?q=" + quote("创建"))
    first = page.locator("ol.hits .hit-title").first.inner_text()
    page.get_by_role("link", name="下一页").click()
    page.wait_for_url(re.compile("page=2"))
    assert page.get_attribute("ol.hits", "start") == "11"
    assert page.locator("nav.pages [aria-current=page]").inner_text() == "2"
    page.get_by_role("link", name="第 3 页").click()
    page.wait_for_url(re.compile("page=3"))
    page.get_by_role("link", name="上一页").click()
    page.wait_for_url(re.compile("page=2"))
    page.get_by_role("link", name="上一页").click()
    page.wait_for_url(lambda url: "page=" not in url)
    assert page.locator("ol.hits .hit-title").first.inner_text() == first


def test_open_a_document_and_land_on_the_paragraph(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/?q=" + quote("路长"))
    links = page.locator(".hit-links a")
    hrefs = links.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    deepest = max(range(len(hrefs)), key=lambda i: int(hrefs[i].rsplit("#p", 1)[1]))
    n = int(hrefs[deepest].rsplit("#p", 1)[1])
    assert n > 10  # far enough down the article to need scrolling
    links.nth(deepest).click()
    page.wait_for_url(re.compile(rf"/doc/\w+\?q=.*#p{n}$"))
    page.wait_for_load_state("load")
    target = page.locator(f"#p{n}")
    assert target.evaluate("el => el.matches(':target')")
    page.wait_for_function(
        "id => { const r = document.getElementById(id).getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }",
        arg=f"p{n}",
    )
    assert page.evaluate("scrollY") > 0
    assert target.evaluate("el => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"  # marked
    assert page.locator(".doc-body mark").count() > 0  # and so are the query terms
    page.locator(".crumbs a").click()
    page.wait_for_url(re.compile(r"/\?q="))


def test_dates_typed_wrongly_are_explained_and_a_typo_gets_a_suggestion(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/")
    page.fill("#q", "志愿服务")
    page.locator("details.dates summary").click()
    page.fill("#from", "2023")
    page.fill("#to", "2021")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile("from=2023"))
    alert = page.locator(".alert[role=alert]").inner_text()
    assert "起始日期 2023 晚于截止日期 2021" in alert and "日期范围" in alert
    assert page.input_value("#from") == "2023" and page.input_value("#to") == "2021"
    page.fill("#from", "2021")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile("from=2021"))
    assert page.locator(".alert").count() == 0 and page.locator("ol.hits > li").count() > 0

    page.goto(server.url + "/?q=" + quote("志原服务"))
    hint = page.locator(".did-you-mean")
    assert hint.inner_text().startswith("您是不是要找：志愿服务（")
    hint.locator("a").first.click()
    page.wait_for_url(re.compile(r"\?q=%E5%BF%97%E6%84%BF%E6%9C%8D%E5%8A%A1$"))
    assert page.text_content("#result-count").strip().startswith("共 71 条结果")


def test_keyboard_use(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/?q=" + quote("路长"))
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "搜索"
    page.focus("#facet-province a.fv >> nth=0")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("province="))
    # After choosing a facet the focus is on the results heading, not on <body>.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'result-count'")
    page.goto(server.url + "/?q=" + quote("路长"))
    page.keyboard.press("Tab")  # the first stop is the skip link
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    # The second skip link leads to the filters: the next Tab is the first filter link.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#filters"
    assert page.evaluate("document.activeElement.textContent") == "跳到筛选"
    page.keyboard.press("Enter")
    stops = 0
    while stops < 40:
        page.keyboard.press("Tab")
        stops += 1
        if page.evaluate("!!document.activeElement.closest('.facet a.fv')"):
            break
    assert stops <= 6, f"the first facet value is {stops} Tab stops after the skip link"


def test_works_with_javascript_off(server: Server, browser: Any) -> None:
    t = Tab(browser, java_script_enabled=False, viewport={"width": 1024, "height": 800})
    try:
        page = t.page
        page.goto(server.url + "/")
        page.fill("#q", "路长")
        page.press("#q", "Enter")
        page.wait_for_url(re.compile(r"\?q=%E8%B7%AF%E9%95%BF$"))  # the server drops the empty date fields
        assert page.locator("ol.hits > li").count() == 3
        page.locator("#facet-province a.fv").first.click()
        page.wait_for_url(re.compile("province="))
        page.locator(".hit-links a").first.click()
        page.wait_for_url(re.compile(r"#p\d+$"))
        assert page.locator(".para:target").count() == 1
    finally:
        t.context.close()


def test_no_script_from_a_document_or_a_query_ever_runs(browser: Any, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "evil.txt").write_text(
        f"{EVIL}延吉市文明城市测试报告\n\n吉林省延吉市2023年5月6日讯 文明城市创建中出现了{EVIL_IMG}字样，路长巡查。\n\n"
        f"第二段：{EVIL} 志愿服务 {EVIL_IMG}\n",
        encoding="utf-8",
    )
    (docs / "binary.txt").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    srv = Server(["serve", "--index-dir", str(tmp_path / "ix"), "--port", "0", str(docs), str(tmp_path / "missing")])
    t = Tab(browser, viewport={"width": 1280, "height": 800})
    try:
        log = "".join(srv.stderr)
        assert "indexed 1 files" in log and "skipped" in log and "binary.txt" in log and "missing" in log
        page = t.page
        page.goto(srv.url + "/")
        page.fill("#q", f"{EVIL} {EVIL_IMG}")
        page.press("#q", "Enter")
        page.wait_for_load_state("load")
        assert page.input_value("#q") == f"{EVIL} {EVIL_IMG}"
        for q in ("文明", "script", "onerror", "alert", EVIL, EVIL_IMG):
            page.goto(srv.url + "/?q=" + quote(q))
            assert page.locator("img").count() == 0
        page.goto(srv.url + "/?q=" + quote("文明"))
        assert EVIL in page.locator(".hit-title").first.inner_text()
        page.locator(".hit-links a").first.click()
        page.wait_for_load_state("load")
        assert EVIL_IMG in page.locator(".doc-body").inner_text()
        page.goto(page.url.split("?")[0] + "?q=" + quote(EVIL))
        page.wait_for_timeout(300)
        assert page.locator("img").count() == 0 and page.locator("script").count() == 1
        assert t.dialogs == [] and t.errors == []
    finally:
        t.context.close()
        srv.stop()


def test_served_by_waitress_with_headers(server: Server) -> None:
    with urllib.request.urlopen(server.url + "/healthz", timeout=10) as resp:
        assert resp.status == 200 and resp.headers["Server"] == "searcher"  # waitress ident, not Werkzeug
        assert "default-src 'none'" in resp.headers["Content-Security-Policy"]


@pytest.mark.parametrize("width,height,name", [(1280, 900, "desktop"), (375, 812, "phone")])
def test_screenshots_and_no_sideways_scrolling(server: Server, browser: Any, width: int, height: int, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    t = Tab(browser, viewport={"width": width, "height": height}, device_scale_factor=1, locale="zh-CN")
    try:
        page = t.page
        shots = {
            "search": "/?q=" + quote("文明城市") + "&province=" + quote("吉林省"),
            "home": "/",
            "noresults": "/?q=" + quote("路长") + "&year=2021",
            "error": "/?q=" + quote('"门前四包'),
        }
        for label, path in shots.items():
            page.goto(server.url + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, label
            page.screenshot(path=str(SCREENSHOTS / f"{label}-{name}.png"), full_page=label == "search")
        page.goto(server.url + "/?q=" + quote("路长"))
        page.locator(".hit-links a").first.click()
        page.wait_for_load_state("load")
        page.wait_for_timeout(100)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SCREENSHOTS / f"doc-{name}.png"))
        assert not t.errors and not t.dialogs
    finally:
        t.context.close()
