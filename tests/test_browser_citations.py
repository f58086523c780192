"""Citations, match navigation and compilations in real Chromium against ``searcher serve``:
the 引用 box of each hit and its 复制引用 button (the clipboard holds exactly the box's text, the
JSON twin's citation and url), the box without JavaScript, a document's matching paragraphs with
上一处 / 下一处 (the same match rule as the search), an article of a compilation with its position,
上一篇 / 下一篇 and contents, copying by keyboard, screenshots at 1280 and 375 px wide."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from browsing import SCREENSHOTS, Tab
from serving import Server

CLIPBOARD = ["clipboard-read", "clipboard-write"]
COMPILATION = "2023年创建文明城市工作总结、工作汇报、经验材料汇编（34篇）"


@pytest.fixture(scope="module")
def server(seed_index: Path) -> Iterator[Server]:
    srv = Server(["--index-dir", str(seed_index), "serve", "--port", "0"])
    yield srv
    srv.stop()


@pytest.fixture()
def clip_tab(browser: Any) -> Iterator[Tab]:
    """The ``tab`` fixture with the clipboard allowed (http://127.0.0.1 is a secure context)."""
    t = Tab(browser, viewport={"width": 1280, "height": 800}, locale="zh-CN", permissions=CLIPBOARD)
    yield t
    t.context.close()
    assert not t.dialogs and not t.errors


def get_json(server: Server, path: str) -> Any:
    with urllib.request.urlopen(server.url + path, timeout=30) as resp:
        assert resp.status == 200
        return json.load(resp)


def doc_id_of(href: str) -> str:
    return urlsplit(href).path.rsplit("/", 1)[1]


def clipboard(page: Any) -> str:
    return str(page.evaluate("navigator.clipboard.readText()"))


def copied(page: Any, button: str) -> None:
    """Wait until the button says 已复制 (it says 复制引用 again after two seconds)."""
    page.wait_for_function("sel => document.querySelector(sel).textContent === '已复制'", arg=button, timeout=1500)


def whole_text_shown(box: Any) -> bool:
    """The citation box is as tall as its text: no line of it hidden behind the box's scroll bar."""
    return bool(box.evaluate("el => el.scrollHeight <= el.clientHeight + 1"))


def test_copy_a_hits_citation(server: Server, clip_tab: Tab) -> None:
    page = clip_tab.page
    q = "飞线充电"
    hits = get_json(server, "/api/search?q=" + quote(q))["hits"]
    page.goto(server.url + "/?q=" + quote(q))
    items = page.locator("ol.hits > li")
    assert items.count() == len(hits) >= 2
    for i, hit in enumerate(hits):  # each box holds the JSON twin's citation and link of the same hit
        item = items.nth(i)
        assert doc_id_of(item.locator(".hit-title a").get_attribute("href")) == hit["doc_id"]
        assert item.locator("details.cite summary").inner_text() == "引用"
        assert item.locator("textarea.cite-text").input_value() == hit["citation"] + "。" + hit["url"]
        assert item.locator("textarea.cite-text").get_attribute("readonly") is not None
        assert not item.locator("textarea.cite-text").is_visible()  # closed until asked for

    page.evaluate("navigator.clipboard.writeText('nothing yet')")
    item = items.nth(1)
    item.locator("details.cite summary").click()
    box, button = item.locator("textarea.cite-text"), item.locator("button.cite-copy")
    assert box.is_visible() and button.is_visible() and button.inner_text() == "复制引用"
    text = box.input_value()
    link = server.url + f"/doc/{hits[1]['doc_id']}#p{hits[1]['paragraph']}"
    assert text.startswith("《" + hits[1]["title"] + "》") and text.endswith("。" + link)
    button.click()
    copied(page, "li:nth-child(2) button.cite-copy")
    assert clipboard(page) == text
    page.wait_for_function("() => document.querySelectorAll('ol.hits details.cite[open]').length === 1")


def test_citation_box_without_javascript(server: Server, browser: Any) -> None:
    t = Tab(browser, java_script_enabled=False, viewport={"width": 1024, "height": 800}, locale="zh-CN")
    try:
        page = t.page
        hit = get_json(server, "/api/search?q=" + quote("飞线充电"))["hits"][0]
        page.goto(server.url + "/?q=" + quote("飞线充电"))
        item = page.locator("ol.hits > li").first
        box = item.locator("textarea.cite-text")
        assert not box.is_visible()
        item.locator("details.cite summary").click()  # <details> opens without script
        assert box.is_visible() and box.input_value() == hit["citation"] + "。" + hit["url"]
        assert not item.locator("button.cite-copy").is_visible()
        assert page.locator("button.cite-copy:visible").count() == 0
        item.locator(".hit-links a").first.click()
        page.wait_for_url(re.compile(r"/doc/\w+\?q=.*#p\d+$"))
        assert page.locator("#cite-doc").is_visible() and not page.locator(".cite-copy").is_visible()
        assert not t.dialogs and not t.errors
    finally:
        t.context.close()


def test_matches_of_a_document_and_their_navigation(server: Server, tab: Tab) -> None:
    page = tab.page
    q = "文明"
    first = get_json(server, "/api/search?q=" + quote(q))["hits"][0]
    doc_id = first["doc_id"]
    same_rule = get_json(server, f"/api/search?q={quote(q)}&doc={doc_id}&collapse=0&limit=500")
    expected = sorted(h["paragraph"] for h in same_rule["hits"])
    assert same_rule["total"] == len(expected) >= 3

    page.goto(server.url + "/?q=" + quote(q))
    href = page.locator("ol.hits .hit-title a").first.get_attribute("href")
    assert doc_id_of(href.split("#")[0]) == doc_id
    page.goto(server.url + href.split("#")[0])  # the article from the query, not at a paragraph
    assert page.locator("#matches strong").inner_text() == str(len(expected))
    links = page.locator("#matches a").evaluate_all("els => els.map(e => [e.getAttribute('href'), e.textContent])")
    assert links == [[f"#p{n}", f"¶{n}"] for n in expected]
    shown = page.locator(".doc-body .para.match").evaluate_all("els => els.map(e => e.id)")
    assert shown == [f"p{n}" for n in expected]
    for k, n in enumerate(expected):
        nav = page.locator(f"#p{n} .match-nav")
        assert nav.locator(".mn").inner_text() == f"{k + 1}/{len(expected)}"
        assert nav.locator("a[rel=prev]").count() == int(k > 0)
        assert nav.locator("a[rel=next]").count() == int(k + 1 < len(expected))

    for k in range(2):  # 下一处 twice, then 上一处 back
        page.locator(f"#p{expected[k]} .match-nav a[rel=next]").click()
        page.wait_for_function("h => location.hash === h", arg=f"#p{expected[k + 1]}")
        assert page.locator(f"#p{expected[k + 1]}").evaluate("el => el.matches(':target')")
        assert page.locator(f"#p{expected[k + 1]} .match-nav a[rel=next]").inner_text() == "↓ 下一处"
    page.locator(f"#p{expected[2]} .match-nav a[rel=prev]").click()
    page.wait_for_function("h => location.hash === h", arg=f"#p{expected[1]}")
    assert page.locator(".para:target").evaluate("el => el.id") == f"p{expected[1]}"
    page.locator("#matches a").last.click()
    page.wait_for_function("h => location.hash === h", arg=f"#p{expected[-1]}")

    # The quoted phrase, counted independently: the paragraphs whose text (spaces removed) holds it.
    quoted = '"文明"'
    passages = get_json(server, f"/api/doc/{doc_id}")["passages"]
    holding = [p["paragraph"] for p in passages if "文明" in re.sub(r"\s+", "", p["text"])]
    api_hits = get_json(server, f"/api/search?q={quote(quoted)}&doc={doc_id}&collapse=0&limit=500")
    page.goto(server.url + f"/doc/{doc_id}?q=" + quote(quoted))
    assert page.locator("#matches a").count() == page.locator(".para.match").count() == api_hits["total"] == len(holding)
    assert sorted(h["paragraph"] for h in api_hits["hits"]) == holding
    assert get_json(server, f"/api/doc/{doc_id}?q={quote(quoted)}")["matches"] == holding


def test_an_article_of_a_compilation(server: Server, clip_tab: Tab) -> None:
    page = clip_tab.page
    page.goto(server.url + "/?q=" + quote("鹤壁市全国文明城市创建成效综述"))
    page.locator("ol.hits .hit-links a").first.click()
    page.wait_for_url(re.compile(r"/doc/\w+\?q=.*#p\d+$"))
    doc_id = doc_id_of(page.url.split("?")[0])
    doc = get_json(server, f"/api/doc/{doc_id}")
    assert doc["file"].startswith("004_") and doc["compilation"] == COMPILATION
    n, m = doc["position"], len(doc["contents"])
    assert m == 34 and 1 < n < m
    assert page.locator(".compilation").inner_text() == f"收录于《{COMPILATION}》（第 {n} 篇，共 {m} 篇）"
    assert page.locator("h1").inner_text() == doc["title"] == "鹤壁市全国文明城市创建成效综述"

    pager = page.locator("nav.doc-pager")
    prev, nxt = pager.locator("a[rel=prev]"), pager.locator("a[rel=next]")
    assert prev.inner_text() == f"← 上一篇：{doc['previous']['title']}"
    assert nxt.inner_text() == f"下一篇：{doc['next']['title']} →"
    assert doc_id_of(prev.get_attribute("href").split("?")[0]) == doc["previous"]["doc_id"]

    toc = page.locator("details.toc")
    assert toc.locator("summary").inner_text() == f"《{COMPILATION}》目录（{m} 篇）"
    toc.locator("summary").click()
    items = toc.locator("ol > li")
    assert items.count() == m
    assert toc.locator("strong[aria-current=page]").count() == 1
    assert items.nth(n - 1).locator("strong[aria-current=page]").inner_text() == doc["title"]
    assert [a["title"] for a in doc["contents"]] == items.all_inner_texts()

    page.evaluate("navigator.clipboard.writeText('nothing yet')")
    box = page.locator("#cite-doc")
    assert box.input_value() == doc["citation"] + "。" + doc["url"]
    assert f"载《{COMPILATION}》" in doc["citation"]
    page.locator("button.cite-copy[data-target=cite-doc]").click()
    copied(page, "button.cite-copy[data-target=cite-doc]")
    assert clipboard(page) == box.input_value()

    nxt.click()
    page.wait_for_url(re.compile(rf"/doc/{doc['next']['doc_id']}\?q="))
    assert page.locator(".compilation").inner_text() == f"收录于《{COMPILATION}》（第 {n + 1} 篇，共 {m} 篇）"
    assert page.locator("h1").inner_text() == doc["next"]["title"]
    assert doc_id_of(page.locator("nav.doc-pager a[rel=prev]").get_attribute("href").split("?")[0]) == doc_id
    assert page.locator("details.toc ol > li").nth(n).locator("strong[aria-current=page]").count() == 1


def test_copy_the_citation_by_keyboard(server: Server, clip_tab: Tab) -> None:
    page = clip_tab.page
    first = get_json(server, "/api/search?q=" + quote("文明"))["hits"][0]
    page.goto(server.url + f"/doc/{first['doc_id']}?q=" + quote("文明"))
    page.evaluate("navigator.clipboard.writeText('nothing yet')")
    stops = 0
    while stops < 40:
        page.keyboard.press("Tab")
        stops += 1
        if page.evaluate("document.activeElement.classList.contains('cite-copy')"):
            break
    assert page.evaluate("document.activeElement.dataset.target") == "cite-doc", f"not reached in {stops} Tab stops"
    assert stops <= 15, f"the 复制引用 button is {stops} Tab stops into the page"
    page.keyboard.press("Enter")
    copied(page, "button.cite-copy[data-target=cite-doc]")
    doc = get_json(server, f"/api/doc/{first['doc_id']}")
    assert clipboard(page) == page.locator("#cite-doc").input_value() == doc["citation"] + "。" + doc["url"]
    # The focus stays on the button (which says 已复制), not lost to the box or <body>: Enter copies again.
    assert (
        page.evaluate("document.activeElement.classList.contains('cite-copy') && document.activeElement.dataset.target")
        == "cite-doc"
    )


@pytest.mark.parametrize("width,height,name", [(1280, 900, "desktop"), (375, 812, "phone")])
def test_screenshots_and_no_sideways_scrolling(server: Server, browser: Any, width: int, height: int, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    t = Tab(browser, viewport={"width": width, "height": height}, device_scale_factor=1, locale="zh-CN", permissions=CLIPBOARD)
    try:
        page = t.page
        page.goto(server.url + "/?q=" + quote("飞线充电"))
        item = page.locator("ol.hits > li").first
        item.locator("details.cite summary").click()
        item.locator("button.cite-copy").click()
        copied(page, "li:first-child button.cite-copy")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        box = item.locator("textarea.cite-text").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        assert whole_text_shown(item.locator("textarea.cite-text"))
        page.screenshot(path=str(SCREENSHOTS / f"cite-{name}.png"), full_page=True)

        first = get_json(server, "/api/search?q=" + quote("文明"))["hits"][0]
        page.goto(server.url + f"/doc/{first['doc_id']}?q=" + quote("文明"))
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert whole_text_shown(page.locator("#cite-doc"))
        for nav in page.locator(".match-nav").all():
            r = nav.bounding_box()
            assert r["x"] >= 0 and r["x"] + r["width"] <= width
        page.screenshot(path=str(SCREENSHOTS / f"doc-matches-{name}.png"))

        page.goto(server.url + "/?q=" + quote("鹤壁市全国文明城市创建成效综述"))
        page.locator("ol.hits .hit-links a").first.click()
        page.wait_for_url(re.compile(r"#p\d+$"))
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.locator("nav.doc-pager").scroll_into_view_if_needed()
        page.wait_for_timeout(100)
        page.screenshot(path=str(SCREENSHOTS / f"doc-pager-{name}.png"))
        assert not t.errors and not t.dialogs
    finally:
        t.context.close()
