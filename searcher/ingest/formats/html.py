"""HTML pages -> text: one block (p, h1-h6, li, div, table cell) a paragraph; scripts, styles,
navigation and <head> dropped. A saved web page whose article sits among a site's menus, lists and
footers in plain <div>s is read down to its article, with its title and date (``webpage``)."""

from __future__ import annotations

import contextlib
import re
from html.parser import HTMLParser

from ..decoding import decode_bytes
from .layout import _CJK, Block, layout_blocks
from .webpage import Page, article_blocks

_BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd table caption thead tbody tfoot tr td th section article main "
    "header blockquote pre figure figcaption address center hr form fieldset legend body html".split()
)
_HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# Page furniture, not report text: navigation, site footers, side boxes, scripts, the <head>.
_DROP_TAGS = frozenset(
    "script style nav head noscript template svg iframe object embed canvas select button aside footer".split()
)
_VOID_TAGS = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_SOURCE_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t\r\f]*\n\s*(?=[{_CJK}])")
_SPACES = re.compile(r"[ \t\r\n\f]+")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_-]+)", re.I)
# An element whose class or id names a title: <div class="title">, <h2 id="ArticleTitle">.
_TITLE_CLASS = re.compile(r"title|headline|biaoti", re.I)


class _HTMLBlocks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._buf: list[str] = []
        self._dropping: list[str] = []  # open furniture elements whose text is skipped
        self._heading = 0
        self._pre = 0
        # For webpage.article_blocks: the share of each block's characters inside links, whether it
        # stands in an <h1> or a title element, the <title> and the <meta> names' contents.
        self.links: list[float] = []
        self.in_h1: list[bool] = []
        self.titled: list[bool] = []
        self.title = ""
        self.meta: dict[str, str] = {}
        self._link = 0
        self._link_chars = 0
        self._chars = 0
        self._titles: list[str] = []  # open <h1> and title elements
        self._from_h1 = self._from_title = False  # the open block holds text of one
        self._in_title: bool | None = False  # None once the page's <title> is read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._note_start(tag, attrs)
        if tag == "body":
            # Sloppy pages never close <head>; the body starts what is read.
            self._dropping = [t for t in self._dropping if t != "head"]
        if tag in _DROP_TAGS and tag not in _VOID_TAGS:
            self._dropping.append(tag)
            return
        if tag in _BLOCK_TAGS or tag == "br":
            self._flush()
        if tag in _HEADING_TAGS:
            self._heading += 1
        elif tag == "pre":
            self._pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            self._note_start(tag, attrs)
        if tag in _BLOCK_TAGS or tag == "br":
            self._flush()

    def _note_start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._link += 1
        elif tag == "title" and self._in_title is False:
            self._in_title = True
        elif tag == "meta":
            values = dict(attrs)
            name = values.get("name") or values.get("property") or values.get("itemprop")
            if name and values.get("content"):
                self.meta.setdefault(name.lower(), values["content"] or "")
        if tag not in _VOID_TAGS and (
            tag == "h1" or any(k in ("class", "id") and v and _TITLE_CLASS.search(v) for k, v in attrs)
        ):
            self._titles.append(tag)

    def _note_end(self, tag: str) -> None:
        if tag == "a":
            self._link = max(0, self._link - 1)
        elif tag == "title" and self._in_title:
            self._in_title = None
        if tag in self._titles:
            del self._titles[len(self._titles) - 1 - self._titles[::-1].index(tag)]

    def handle_endtag(self, tag: str) -> None:
        self._note_end(tag)
        if tag in self._dropping:
            while self._dropping and self._dropping.pop() != tag:
                pass
            return
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag in _HEADING_TAGS:
            self._heading = max(0, self._heading - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._dropping:
            return
        if self._pre:
            # Preformatted text keeps its lines; reflow decides what they are.
            lines = data.split("\n")
            for line in lines[:-1]:
                self._add(line)
                self._flush()
            self._add(lines[-1])
            return
        # A line break in the page source between two Chinese characters is no space.
        self._add(_SPACES.sub(" ", _SOURCE_BREAK.sub("", data)))

    def _add(self, text: str) -> None:
        self._buf.append(text)
        chars = len(text) - sum(c.isspace() for c in text)
        self._chars += chars
        if self._link:
            self._link_chars += chars
        if chars and self._titles:
            self._from_title = True
            self._from_h1 = self._from_h1 or "h1" in self._titles

    def _flush(self) -> None:
        text = "".join(self._buf).strip(" \t\u3000")
        self._buf = []
        if text:
            self.blocks.append(Block(text, heading=self._heading > 0))
            self.links.append(self._link_chars / max(1, self._chars))
            self.in_h1.append(self._from_h1)
            self.titled.append(self._from_title)
        self._chars = self._link_chars = 0
        self._from_h1 = self._from_title = False

    def close(self) -> None:
        super().close()
        self._flush()


def decode_html(data: bytes) -> str:
    """HTML bytes -> str: valid UTF-8 wins over a declared charset (pages often declare gb2312 wrongly)."""
    if not data.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        m = _META_CHARSET.search(data[:4096])
        if m:
            declared = m.group(1).decode("ascii").lower().replace("_", "-")
            # GB2312 and GBK pages are full of characters only their superset GB18030 maps.
            encoding = "gb18030" if declared in ("gb2312", "gbk", "gb18030", "x-gbk", "gb-2312-80", "cp936") else declared
            with contextlib.suppress(LookupError, UnicodeDecodeError):
                return data.decode(encoding)
    return decode_bytes(data)[0]


def _parse(html: str) -> Page:
    parser = _HTMLBlocks()
    parser.feed(html)
    parser.close()
    return Page(parser.blocks, parser.links, parser.in_h1, parser.titled, " ".join(parser.title.split()), parser.meta)


def html_blocks(data: bytes) -> list[Block]:
    """Every block of a page (menus and lists in plain <div>s too): the reader before article extraction."""
    return _parse(decode_html(data)).blocks


def html_text(data: bytes) -> str:
    """An HTML page's text, one block a paragraph; scripts, styles, navigation and <head> dropped.

    A page with an article among the site's furniture gives the article: its title, its date line,
    its blocks (``webpage.article_blocks``); where none is found, every block of the page.
    """
    html = decode_html(data)
    page = _parse(html)
    return layout_blocks(article_blocks(page, html) or page.blocks)
