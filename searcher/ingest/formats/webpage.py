"""Saved web pages: the article among a site's furniture, with its title and date.

Reports saved from 文明网 and government sites hold their article among menus, breadcrumbs,
related-article lists (相关文章), share buttons and footers (版权所有, ICP numbers) in plain <div>s,
which the block reader (``html``) cannot tell from the article. trafilatura (loaded only when an
HTML file turns up) says which text is the article; the blocks stay the reader's own (its
headings, list items, table cells and lines), so that reflow sees an article in the shape the
reader gives every page:

- the article runs from the first block trafilatura keeps to the last; the blocks between that it
  dropped stay (a heading 一、, a short line, a table: it drops those even favouring recall),
  except lines mostly of links (menus, related articles, share buttons);
- its title (the <h1> or title element the page's <title> names, else the first <h1>, else the
  <title> without the site's name: "xxx_中国文明网" -> "xxx") comes first and its date line right
  after it: ingestion (``articles``) takes a heading followed by a date line for a report's title
  and date;
- no article (trafilatura fails or finds nothing, the page holds no running text, or what it
  finds holds less than half of the page's running text) is None: the caller reads every block.
"""

from __future__ import annotations

import configparser
import functools
import re
from dataclasses import dataclass, field

from ...dates import date_in, date_line
from ...text import ends_sentence
from .layout import Block

__all__ = ["Page", "article_blocks", "main_text"]

# What trafilatura takes for the article holds at least this share of the page's running text
# (blocks of 10 characters or more ending a sentence; menus, link lists, footers have next to
# none): below it, it has taken a side box or dropped paragraphs, and the whole page loses less.
MIN_PROSE_SHARE = 0.5
_PROSE_MIN = 10
# A block with this share of its characters inside links is a menu entry, a related article, a
# share button: dropped inside the article unless trafilatura kept it.
LINK_SHARE = 0.5
# The heading of a list of links is no longer.
_LIST_HEADING = 10
# A block this long found in trafilatura's text is the same text; a shorter one ("首页", "一、")
# must be one of its paragraphs.
_MIN_MATCH = 8
# trafilatura's shortest article, in characters (see _config).
_MIN_EXTRACTED = 30
# No date line is longer (a label, the date, a time, a source).
_DATE_LINE_MAX = 80
# Between a title and its site's name in <title>: 标题_中国文明网, 标题 - 文明网, 标题|文明网, 标题-文明网.
_SITE_SEPARATOR = re.compile(r"\s*(?:[_|｜]|\s[-–—]\s|(?<=[^\d\s])-(?=[^\d\s]))\s*")
_SPACE = re.compile(r"\s+")
_META_DATES = ("pubdate", "publishdate", "article:published_time", "og:release_date", "datepublished", "dc.date")


@dataclass
class Page:
    """A page as the HTML reader parsed it: its blocks and, per block, what tells furniture apart."""

    blocks: list[Block]
    links: list[float]  # the share of the block's characters inside <a>
    in_h1: list[bool]  # the block holds text of an <h1>
    titled: list[bool]  # ... of an <h1> or an element whose class or id names a title
    title: str = ""  # the <title>
    meta: dict[str, str] = field(default_factory=dict)  # <meta> name (lower case) -> content


def article_blocks(page: Page, html: str) -> list[Block] | None:
    """The article's blocks, its title first and its date line after it; None when there is none."""
    texts = [_squash(b.text) for b in page.blocks]
    prose = [len(t) if len(t) >= _PROSE_MIN and ends_sentence(b.text) else 0 for b, t in zip(page.blocks, texts)]
    if not any(prose):
        return None  # no running text to tell from furniture
    found = main_text(html)
    if not found:
        return None
    # Lines mostly of links, and the short line over two or more of them (相关文章, 热点推荐), are
    # furniture even where trafilatura keeps them (it keeps lists).
    links = [link >= LINK_SHARE for link in page.links]
    furniture = [
        links[i] or (len(t) <= _LIST_HEADING and not prose[i] and links[i + 1 : i + 3] == [True, True])
        for i, t in enumerate(texts)
    ]
    matched = [m and not f for m, f in zip(_matched(texts, found), furniture)]
    if True not in matched:
        return None
    first, last = matched.index(True), len(matched) - 1 - matched[::-1].index(True)
    keep = [i for i in range(first, last + 1) if not furniture[i]]
    if sum(prose[i] for i in keep) < MIN_PROSE_SHARE * sum(prose):
        return None
    title_at, title = _title(page, texts)
    date_at, date = _date(page, prose, title_at, first)
    head = [Block(title, heading=True)] if title else []
    if date:
        head.append(Block(date))
    drop = {title_at, date_at}  # the byline (发布时间：... 来源：...) has given its date
    title_text = _squash(title or "")
    return head + [page.blocks[i] for i in keep if i not in drop and texts[i] != title_text]


def main_text(html: str) -> list[str] | None:
    """The paragraphs (whitespace removed) trafilatura takes for a page's main text; None when it fails."""
    try:
        import trafilatura

        # Recall over precision: favouring precision it drops headings, lists and whole paragraphs
        # of Chinese pages. No comments; tables are text.
        doc = trafilatura.bare_extraction(
            html,
            favor_recall=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            with_metadata=False,
            config=_config(),
        )
        text = getattr(doc, "text", None)
    except Exception:  # whatever goes wrong in the extractor leaves the page to the block reader
        return None
    if not isinstance(text, str):
        return None
    # One paragraph a line; table cells between "|", list items after "- ".
    pieces = (_squash(p).removeprefix("-") for p in re.split(r"[\n|]", text))
    return [p for p in pieces if p] or None


@functools.cache
def _config() -> configparser.ConfigParser:
    from trafilatura.settings import use_config

    config = use_config()
    # Below MIN_EXTRACTED_SIZE characters trafilatura replaces what it found by a dump of the whole
    # page. Its 250 are a few English sentences but a whole short news item in Chinese (a character
    # carries about what an English word does); a page where it finds too little falls back to
    # every block anyway (MIN_PROSE_SHARE).
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", str(_MIN_EXTRACTED))
    return config


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def _matched(texts: list[str], found: list[str]) -> list[bool]:
    """For each block: is it text trafilatura took (one of its paragraphs, inside one, or holding one)?"""
    paragraphs = set(found)
    joined = "".join(found)
    long = [p for p in found if len(p) >= _MIN_MATCH]
    return [t in paragraphs or (len(t) >= _MIN_MATCH and (t in joined or any(p in t for p in long))) for t in texts]


def _title(page: Page, texts: list[str]) -> tuple[int | None, str | None]:
    """The article's title and the block it stands in (None when only the <head> gives it)."""
    parts = [p for p in _SITE_SEPARATOR.split(page.title) if p.strip()]
    main = max(parts, key=len, default="").strip()
    named, sites = _squash(main), {_squash(p) for p in parts if p.strip() != main}
    if meta := " ".join(page.meta.get("articletitle", "").split()):  # government sites' CMS (TRS)
        return next((i for i, t in enumerate(texts) if t == _squash(meta)), None), meta
    candidates = [
        i for i, t in enumerate(texts) if page.titled[i] and 4 <= len(t) <= 120 and page.links[i] < LINK_SHARE and t not in sites
    ]
    for i in candidates:  # the title element the <title> names
        t = texts[i]
        if named and (t == named or (len(t) >= 6 and (t in named or named in t))):
            return i, page.blocks[i].text
    for i in candidates:
        if page.in_h1[i]:
            return i, page.blocks[i].text
    if len(named) >= 4:
        return next((i for i, t in enumerate(texts) if t == named), None), main
    return None, None


def _date(page: Page, prose: list[int], title_at: int | None, first: int) -> tuple[int | None, str | None]:
    """The page's date line and the block it stands in.

    A date line under the title is given as it is written; a day in a byline under the title
    (发布时间：2023-03-07 来源：...) or in the <meta> of a government site's page as that day.
    """
    if title_at is not None and title_at <= first:
        zone = range(title_at + 1, min(len(page.blocks), title_at + 7))
    else:
        zone = range(max(0, first - 4), min(len(page.blocks), first + 3))
    for i in zone:
        text = page.blocks[i].text
        if len(text) > _DATE_LINE_MAX or prose[i] or page.links[i] >= LINK_SHARE:
            continue
        if date_line(text):
            return i, text
        day = date_in(text)
        if day and len(day) == 10:  # a day: not a year in a heading
            return i, day
    for name in _META_DATES:
        day = date_in(page.meta.get(name, ""))
        if day and len(day) == 10:
            return None, day
    return None, None
