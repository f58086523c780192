"""The compare page and the map in real Chromium against ``searcher serve`` (a real process):
clicks land on the filtered search with the same number, the keyboard reaches every tile in
order, the pages work without JavaScript, and screenshots at 1280 and 375 px wide."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from browsing import SCREENSHOTS, Tab
from serving import Server

PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def server(seed_index: Path) -> Iterator[Server]:
    srv = Server(["--index-dir", str(seed_index), "serve", "--port", "0"])
    yield srv
    srv.stop()


@pytest.fixture()
def phone(browser: Any) -> Iterator[Tab]:
    t = Tab(browser, viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, device_scale_factor=2)
    yield t
    t.context.close()
    assert not t.dialogs and not t.errors


def args_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def search_total(page: Any) -> int:
    return int(re.search(r"共 ([\d,]+) 条结果", page.text_content("#result-count")).group(1).replace(",", ""))


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def fits(page: Any) -> None:
    """Nothing wider than the viewport: no sideways scrolling of the page."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


COMPARE = "/compare?q=" + quote("志愿服务") + "&field=city&place=" + quote("延吉") + "&place=" + quote("吉林")


def test_compare_two_cities_and_click_a_count(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/compare")
    page.fill("#cmp-q", "志愿服务")
    page.fill("#cmp-place-1", "延吉")
    page.fill("#cmp-place-2", "吉林")
    page.click(".cmp-form button[type=submit]")
    page.wait_for_url(re.compile(r"place=.*place="))
    assert args_of(page.url) == {"q": ["志愿服务"], "field": ["city"], "place": ["延吉", "吉林"]}  # empty boxes left out
    assert page.locator(".cmp-col").count() == 2
    tops = page.locator(".cmp-col").evaluate_all("els => els.map(e => Math.round(e.getBoundingClientRect().top))")
    assert tops[0] == tops[1]  # side by side on a desktop
    shot(page, "compare-desktop.png")
    count = page.locator(".cmp-col").nth(1).locator("a.cmp-count")
    shown = int(count.inner_text().replace(",", ""))
    count.click()
    page.wait_for_url(re.compile(r"/\?q="))
    assert args_of(page.url) == {"q": ["志愿服务"], "city": ["吉林"]}
    assert search_total(page) == shown


def test_compare_on_a_phone_stacks_the_columns(server: Server, phone: Tab) -> None:
    page = phone.page
    page.goto(server.url + COMPARE)
    boxes = page.locator(".cmp-col").evaluate_all("els => els.map(e => e.getBoundingClientRect().toJSON())")
    assert boxes[1]["top"] >= boxes[0]["bottom"] and boxes[0]["left"] == boxes[1]["left"]
    fits(page)
    shot(page, "compare-phone.png")


def test_keyness_page_desktop_and_phone(server: Server, tab: Tab, phone: Tab) -> None:
    url = server.url + "/compare?a=year%3A2021&b=year%3A2023"
    tab.page.goto(url)
    assert tab.page.locator("#key-a tbody tr").count() > 0 and tab.page.locator("#key-b tbody tr").count() > 0
    shot(tab.page, "keyness-desktop.png")
    phone.page.goto(url)
    fits(phone.page)
    shot(phone.page, "keyness-phone.png")
    word = phone.page.locator("#key-b tbody th a").first
    text = word.inner_text()
    word.click()
    phone.page.wait_for_url(re.compile(r"/\?q="))
    assert args_of(phone.page.url)["q"] == [f'"{text}" year:2023']
    assert search_total(phone.page) > 0


def test_map_tile_click_filters_the_search_by_province(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/map")
    page.fill("#map-q", "志愿服务")
    page.press("#map-q", "Enter")
    page.wait_for_url(re.compile(r"/map\?q="))
    assert page.locator("svg.tile-map [data-province]").count() == 34
    shot(page, "map-desktop.png")
    tile = page.locator("svg.tile-map a[data-province='吉林省']")
    label = tile.get_attribute("aria-label")
    matched = int(re.match(r"吉林省：(\d+) 条，占 \d+ 段的 [\d.]+‰$", label).group(1))
    tile.click()
    page.wait_for_url(re.compile("province="))
    assert args_of(page.url) == {"q": ["志愿服务"], "province": ["吉林省"]}
    assert search_total(page) == matched
    assert page.locator(".chips .chip").first.inner_text().startswith("省份：吉林省")


def test_map_keyboard_reaches_the_tiles_in_order(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/map?q=" + quote("志愿服务"))
    order = page.locator("svg.tile-map a").evaluate_all("els => els.map(e => e.dataset.province)")
    assert len(order) > 10
    page.focus("#map-q")
    reached: list[str] = []
    for _ in range(80):
        page.keyboard.press("Tab")
        province = page.evaluate(
            "document.activeElement.closest('svg.tile-map') ? document.activeElement.dataset.province : null"
        )
        if province:
            reached.append(province)
        elif reached:
            break
    assert reached == order
    # The focused tile is marked (a visible outline stroke).
    page.focus("svg.tile-map a >> nth=0")
    stroke = page.evaluate("getComputedStyle(document.activeElement.querySelector('rect')).strokeWidth")
    assert stroke == "3px"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("province="))
    assert args_of(page.url)["province"] == [order[0]]


def test_map_on_a_phone(server: Server, phone: Tab) -> None:
    page = phone.page
    page.goto(server.url + "/map?q=" + quote("志愿服务"))
    fits(page)
    svg = page.locator("svg.tile-map").bounding_box()
    assert svg["width"] >= 300  # the grid takes the phone's width
    # Tile labels stay legible: at least 10 CSS pixels high.
    size = page.evaluate("document.querySelector('svg.tile-map text.name').getBoundingClientRect().height")
    assert size >= 10
    shot(page, "map-phone.png")


def test_pages_work_without_javascript(server: Server, browser: Any) -> None:
    t = Tab(browser, viewport={"width": 1280, "height": 800}, locale="zh-CN", java_script_enabled=False)
    try:
        page = t.page
        page.goto(server.url + "/compare")
        page.fill("#cmp-q", "文明")
        page.select_option("#cmp-field", "province")
        page.fill("#cmp-place-1", "吉林")
        page.fill("#cmp-place-2", "湖南")
        page.fill("#cmp-place-3", "湖北")
        page.click(".cmp-form button[type=submit]")
        page.wait_for_url(re.compile("field=province"))
        assert page.locator(".cmp-col").count() == 3
        page.get_by_role("link", name="两组特有词").click()
        page.fill("#cmp-a", "省:吉林")
        page.fill("#cmp-b", "省:湖南")
        page.click(".cmp-form button[type=submit]")
        page.wait_for_url(re.compile("a=.*b="))
        assert page.locator("#key-a tbody tr").count() > 0
        page.goto(server.url + "/map?q=" + quote("文明"))
        page.locator("svg.tile-map a[data-province='湖南省']").click()
        page.wait_for_url(re.compile("province="))
        assert args_of(page.url)["province"] == ["湖南省"]
    finally:
        t.context.close()
    assert not t.dialogs and not t.errors


def test_bad_parameters_show_the_fix(server: Server, tab: Tab) -> None:
    page = tab.page
    resp = page.goto(server.url + "/compare?q=" + quote("志愿服务") + "&place=" + quote("延吉"))
    assert resp.status == 400
    assert "place=延吉&place=吉林" in page.inner_text(".alert")
    page.fill("#cmp-place-2", "吉林")
    page.click(".cmp-form button[type=submit]")
    page.wait_for_url(re.compile(r"place=.*place="))
    assert page.locator(".cmp-col").count() == 2
