"""The analysis pages (/kwic, /trend, /collocates) in real Chromium against ``searcher serve``:
the trend's count / rate toggle and second term, the concordance's sort, paging and links to
paragraphs, the search page's 搭配词 panel, keyboard use, no script needed, screenshots."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from browsing import SCREENSHOTS, Tab
from serving import Server


@pytest.fixture(scope="module")
def server(seed_index: Path) -> Iterator[Server]:
    srv = Server(["--index-dir", str(seed_index), "serve", "--port", "0"])
    yield srv
    srv.stop()


def args_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def bars(page: Any) -> list[dict[str, str]]:
    return page.locator("svg.trend-chart rect.bar").evaluate_all(
        "els => els.map(e => ({bucket: e.dataset.bucket, term: e.dataset.term, count: e.dataset.count,"
        " rate: e.dataset.rate, height: e.getBBox().height, label: e.getAttribute('aria-label')}))"
    )


def test_trend_toggle_between_counts_and_rates_and_overlay_a_second_term(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/trend?q=" + quote("志愿服务"))
    counted = bars(page)
    assert counted and {b["term"] for b in counted} == {"1"}
    assert page.locator("svg.trend-chart g.slot.apart text.x").text_content() == "未注明日期"
    page.get_by_role("link", name="每千段（‰）").click()
    page.wait_for_url(re.compile("mode=rate"))
    rated = bars(page)
    assert [b["bucket"] for b in rated] == [b["bucket"] for b in counted]
    assert [b["height"] for b in rated] != [b["height"] for b in counted]
    assert page.locator("nav.mode a[aria-current]").inner_text() == "每千段（‰）"
    # the table's rate column is what the bars say
    rows = page.locator("table.trend-table tbody tr").evaluate_all(
        "trs => trs.map(tr => [tr.dataset.bucket, tr.cells[tr.cells.length - 1].textContent.trim()])"
    )
    assert {b["bucket"]: b["rate"] or "—" for b in rated} == dict(rows)

    page.fill("#q2", "垃圾分类")
    page.press("#q2", "Enter")
    page.wait_for_url(re.compile("q2="))
    assert args_of(page.url) == {"q": ["志愿服务"], "q2": ["垃圾分类"], "by": ["year"], "mode": ["rate"]}
    both = bars(page)
    assert {b["term"] for b in both} == {"1", "2"} and len(both) == 2 * len(rated)
    assert page.locator(".legend li").all_inner_texts() == ["“志愿服务”", "“垃圾分类”"]
    second = [b for b in both if b["term"] == "2"]
    assert all("垃圾分类" in b["label"] for b in second)
    page.get_by_role("link", name="条数（条）").click()
    page.wait_for_url(lambda url: "mode=" not in url)
    assert "q2=" in page.url


def test_kwic_sort_paging_and_a_line_to_its_paragraph(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/kwic?q=" + quote("志愿服务"))
    assert page.locator("table.kwic tbody tr").count() == 100
    page.get_by_role("link", name="右侧词").click()
    page.wait_for_url(re.compile("sort=right"))
    rights = page.locator("table.kwic td.right").all_inner_texts()
    # sorted by what follows the match, as the engine keeps the text: without whitespace
    unspaced = [re.sub(r"\s", "", r) for r in rights]
    assert unspaced == sorted(unspaced)
    page.get_by_role("link", name="下一页").click()
    page.wait_for_url(re.compile("offset=100"))
    assert "第 101–" in page.text_content("#kwic-count")
    more = page.locator("table.kwic td.right").all_inner_texts()
    more = [re.sub(r"\s", "", r) for r in more]
    assert more == sorted(more) and more[0] >= unspaced[-1]
    page.get_by_role("link", name="上一页").click()
    page.wait_for_url(lambda url: "offset=" not in url)

    page.select_option("#width", "10")
    page.get_by_role("button", name="应用").click()
    page.wait_for_url(re.compile("width=10"))
    assert all(len(t) <= 10 for t in page.locator("table.kwic td.right").all_inner_texts())
    link = page.locator("a.line-link").first
    fragment = urlsplit(link.get_attribute("href")).fragment
    match = page.locator("table.kwic td.match").first.inner_text()
    link.click()
    page.wait_for_url(re.compile(f"#{fragment}$"))
    target = page.locator(".para:target")
    assert target.count() == 1 and target.get_attribute("id") == fragment
    assert match in target.inner_text()


def test_the_search_page_loads_its_collocates_after_the_results(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/?q=" + quote("志愿服务"))
    words = page.locator("#colloc .colloc-words li a")
    words.first.wait_for()
    assert 0 < words.count() <= 10
    first = words.first.inner_text()
    words.first.click()
    page.wait_for_url(re.compile("q="))
    assert args_of(page.url)["q"] == [f"志愿服务 {first}"]
    page.get_by_role("link", name="搭配词", exact=True).click()
    page.wait_for_url(re.compile("/collocates\\?"))
    assert page.locator("table.colloc tbody tr").count() > 0


def test_keyboard_reaches_the_sort_links_and_the_toggle(server: Server, tab: Tab) -> None:
    page = tab.page

    def tab_to(name: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent.trim()") == name:
                return
        raise AssertionError(f"Tab never reached {name}")

    page.goto(server.url + "/kwic?q=" + quote("路长"))
    tab_to("左侧词")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("sort=left"))
    page.goto(server.url + "/trend?q=" + quote("志愿服务"))
    tab_to("每千段（‰）")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("mode=rate"))
    page.goto(server.url + "/collocates?q=" + quote("志愿服务"))
    tab_to("显示虚词")
    assert page.evaluate("document.activeElement.tagName") in ("A", "INPUT", "LABEL")


def test_the_analysis_pages_work_with_javascript_off(server: Server, browser: Any) -> None:
    t = Tab(browser, java_script_enabled=False, viewport={"width": 1024, "height": 800}, locale="zh-CN")
    try:
        page = t.page
        page.goto(server.url + "/?q=" + quote("志愿服务"))
        assert page.locator("#colloc .colloc-words li").count() == 0  # nothing fetched ...
        page.get_by_role("link", name="查看搭配词").click()  # ... but the link to the full page is there
        page.wait_for_url(re.compile("/collocates\\?"))
        assert page.locator("table.colloc tbody tr").count() > 0
        page.get_by_role("link", name="趋势").click()
        page.wait_for_url(re.compile("/trend\\?"))
        assert page.locator("svg.trend-chart rect.bar").count() > 0
        page.get_by_role("link", name="每千段（‰）").click()
        page.wait_for_url(re.compile("mode=rate"))
        page.get_by_role("link", name="语境").click()
        page.wait_for_url(re.compile("/kwic\\?"))
        page.get_by_role("link", name="日期").click()
        page.wait_for_url(re.compile("sort=date"))
        page.fill("#q", "路长")
        page.press("#q", "Enter")
        page.wait_for_url(re.compile(r"/kwic\?q=%E8%B7%AF%E9%95%BF"))
        assert page.locator("table.kwic tbody tr").count() == 5
        assert not t.errors and not t.dialogs
    finally:
        t.context.close()


SHOTS = {
    "kwic": "/kwic?q=" + quote("志愿服务") + "&sort=left",
    "trend": "/trend?q=" + quote("志愿服务") + "&q2=" + quote("垃圾分类"),
    "trend-rate": "/trend?q=" + quote("志愿服务") + "&q2=" + quote("文明") + "&mode=rate",
    "trend-province": "/trend?q=" + quote("志愿服务") + "&by=province",
    "collocates": "/collocates?q=" + quote("志愿服务"),
    "kwic-error": "/kwic?q=" + quote("路长") + "&sort=middle",
}


@pytest.mark.parametrize("width,height,name", [(1280, 900, "desktop"), (375, 812, "phone")])
def test_screenshots_and_no_sideways_scrolling(server: Server, browser: Any, width: int, height: int, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    t = Tab(browser, viewport={"width": width, "height": height}, device_scale_factor=1, locale="zh-CN")
    try:
        page = t.page
        for label, path in SHOTS.items():
            page.goto(server.url + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, label
            page.screenshot(path=str(SCREENSHOTS / f"{label}-{name}.png"), full_page=label.startswith("trend"))
        page.goto(server.url + "/?q=" + quote("志愿服务"))
        page.locator("#colloc .colloc-words li").first.wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.locator("#colloc").screenshot(path=str(SCREENSHOTS / f"search-collocates-{name}.png"))
        assert not t.dialogs and not t.errors
    finally:
        t.context.close()


def test_document_inventory_from_the_tool_row(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/?q=" + quote("志愿服务"))
    page.locator("nav.tools a", has_text="文章").click()
    page.wait_for_url(re.compile(r"/documents\?q="))
    rows = page.locator("table.documents tbody tr")
    assert rows.count() > 0
    assert f"共 {rows.count()} 篇文章" in page.text_content("#documents-count")
    page.get_by_role("link", name="日期（旧→新）").click()
    page.wait_for_url(re.compile("sort=date-asc"))
    dates = page.locator("table.documents time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert dates == sorted(dates)
    title = rows.first.locator("td a").inner_text()
    rows.first.locator("td a").click()
    page.wait_for_url(re.compile("/doc/"))
    assert title in page.text_content("h1")
