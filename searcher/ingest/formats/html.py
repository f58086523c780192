"""HTML pages -> text: one block (p, h1-h6, li, div, table cell) a paragraph; scripts, styles,
navigation and <head> dropped."""

from __future__ import annotations

import contextlib
import re
from html.parser import HTMLParser

from ..decoding import decode_bytes
from .layout import _CJK, Block, layout_blocks

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


class _HTMLBlocks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._buf: list[str] = []
        self._dropping: list[str] = []  # open furniture elements whose text is skipped
        self._heading = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
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
        if tag in _BLOCK_TAGS or tag == "br":
            self._flush()

    def handle_endtag(self, tag: str) -> None:
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
        if self._dropping:
            return
        if self._pre:
            # Preformatted text keeps its lines; reflow decides what they are.
            lines = data.split("\n")
            for line in lines[:-1]:
                self._buf.append(line)
                self._flush()
            self._buf.append(lines[-1])
            return
        # A line break in the page source between two Chinese characters is no space.
        self._buf.append(_SPACES.sub(" ", _SOURCE_BREAK.sub("", data)))

    def _flush(self) -> None:
        text = "".join(self._buf).strip(" \t\u3000")
        self._buf = []
        if text:
            self.blocks.append(Block(text, heading=self._heading > 0))

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


def html_blocks(data: bytes) -> list[Block]:
    parser = _HTMLBlocks()
    parser.feed(decode_html(data))
    parser.close()
    return parser.blocks


def html_text(data: bytes) -> str:
    """An HTML page's text, one block a paragraph; scripts, styles, navigation and <head> dropped."""
    return layout_blocks(html_blocks(data))
