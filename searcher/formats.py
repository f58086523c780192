"""HTML, Word .docx and PDF -> text in the shape ``reflow.paragraphs()`` reads, plus type sniffing.

Everything after text is shared with ``.txt``: these readers only decide where the lines break.

* HTML and DOCX know their paragraphs. Each block (p, h1-h6, li, div, table cell, Word
  paragraph) becomes one line that starts with two ideographic spaces, the indentation that
  reflow always takes as a paragraph start, so a paragraph that does not end in 。 is still not
  glued to the next one. Exception: when the blocks are themselves the printed lines of a
  hard-wrapped page (one Word paragraph or one <div> per line, as PDF converters write them),
  they are passed on as plain lines and reflow joins them like the lines of a .txt export.
* PDF gives printed lines. Running headers and footers (lines at the top or bottom of the pages
  that repeat across pages, page numbers counted as the same line) are removed here, where the
  page boundaries are still known; the remaining lines go to reflow unjoined, except that a
  line printed indented from the page's left margin (a paragraph's first line) gets the mark.

The heavy libraries (pypdf, python-docx) are imported on first use, so ``import searcher`` stays
fast for the search side.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

from .readers import UnreadableFile, decode_bytes
from .reflow import display_width, ends_sentence

__all__ = [
    "RADICALS", "Block", "docx_text", "html_text", "layout_blocks", "ole2_reason", "pdf_text", "sniff",
    "strip_running_lines", "zip_reason",
]

PARAGRAPH_MARK = "\u3000\u3000"

_OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_HTML_START = re.compile(rb"^(?:\s|<!--.*?-->|<\?xml[^>]*>)*<(?:!doctype\s+html|html|head|body|meta)[\s>/]", re.I | re.S)

# Word's auto-numbering text is not in the paragraph, and neither are text boxes: both are lost.


def sniff(data: bytes) -> str | None:
    """The file type the bytes really are, whatever the suffix says; None for plain text.

    "pdf", "docx", "zip" (any other zip), "ole2" (old .doc/.xls or an encrypted .docx),
    "rtf" or "html".

    >>> sniff(b"%PDF-1.7\\n..."), sniff(b"<!DOCTYPE html><html>"), sniff("创建".encode())
    ('pdf', 'html', None)
    """
    head = data[:1024]
    # The spec lets junk precede the header within the first KB; a text that merely mentions
    # %PDF- has no end-of-file marker.
    if data.startswith(b"%PDF-") or (b"%PDF-" in head and b"%%EOF" in data[-2048:]):
        return "pdf"
    if data.startswith(_ZIP_MAGICS):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                return "docx" if "word/document.xml" in zf.namelist() else "zip"
        except (zipfile.BadZipFile, OSError, ValueError):
            return "zip"  # a corrupt or truncated zip: most likely a damaged .docx
    if data.startswith(_OLE2_MAGIC):
        return "ole2"
    if head.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    text_head = _head_text(head)
    if text_head is not None and _HTML_START.match(text_head):
        return "html"
    return None


def _head_text(head: bytes) -> bytes | None:
    """The first bytes as ASCII-compatible bytes, so UTF-16 HTML is recognised too."""
    for bom, enc in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[2:].decode(enc, errors="ignore").encode("utf-8", errors="ignore")
    return head.removeprefix(b"\xef\xbb\xbf")


def ole2_reason(data: bytes) -> str:
    """Why an OLE2 compound file cannot be read: an encrypted .docx, an old .xls/.ppt, or an old .doc."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "password-protected Word file; remove the password in Word and save again"
    if "WordDocument".encode("utf-16-le") not in data and any(
        name.encode("utf-16-le") in data for name in ("Workbook", "PowerPoint Document")
    ):
        return "old Excel or PowerPoint file, not a report; save the text as .docx"
    return "old Word .doc format; convert to .docx"


def zip_reason(data: bytes) -> str:
    """Why a zip file named .docx is not read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "corrupt Word .docx file (damaged zip archive)"
    if "xl/workbook.xml" in names or "ppt/presentation.xml" in names:
        return "Excel or PowerPoint file named .docx, not a Word document"
    return "not a Word .docx file (zip archive without word/document.xml)"


# --------------------------------------------------------------------------- blocks -> text


@dataclass
class Block:
    """One paragraph-level unit of a structured document."""

    text: str
    heading: bool = False


def layout_blocks(blocks: list[Block]) -> str:
    """Blocks -> text for reflow: marked paragraphs, or plain lines when the blocks are printed lines."""
    blocks = [b for b in blocks if b.text.strip()]
    if _printed_lines([b.text for b in blocks]):
        # A heading still starts (and the line after it still ends) a paragraph.
        out, after_heading = [], False
        for b in blocks:
            # Leading spaces stay: the indentation of a paragraph's first line tells reflow where it starts.
            text = b.text.rstrip()
            out.append(PARAGRAPH_MARK + text.lstrip() if b.heading or after_heading else text)
            after_heading = b.heading
        return "\n".join(out) + "\n"
    return "".join(f"{PARAGRAPH_MARK}{b.text.strip()}\n" for b in blocks)


def _printed_lines(lines: list[str]) -> bool:
    """True when the blocks look like a hard-wrapped page: mostly cut mid-sentence at one width."""
    widths = [display_width(t.strip()) for t in lines]
    if len(widths) < 5:
        return False
    unterminated = sum(1 for t in lines if not ends_sentence(t))
    median = sorted(widths)[len(widths) // 2]
    if median > 40 or unterminated < 0.5 * len(lines):
        return False
    # Headings and list items are short too; only lines cut at one printed width are a wrap.
    common = Counter(round(w) for w in widths if w >= 8).most_common(1)
    return bool(common) and common[0][1] >= 0.3 * len(lines)


# --------------------------------------------------------------------------- HTML

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
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
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


# --------------------------------------------------------------------------- DOCX

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_blocks(data: bytes) -> list[Block]:
    """Paragraphs of a .docx body in order, table cells included, headings flagged."""
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.text.paragraph import Paragraph
    from lxml.etree import LxmlError

    def walk(element: object, parent: object) -> Iterator[Block]:
        for child in element.iterchildren():  # type: ignore[attr-defined]
            if child.tag == f"{_W}p":
                para = Paragraph(child, parent)  # type: ignore[arg-type]
                for i, line in enumerate(para.text.split("\n")):
                    yield Block(line, heading=i == 0 and _is_heading(para))
            elif child.tag in (f"{_W}tbl", f"{_W}tr", f"{_W}tc", f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"):
                # Cells as paragraphs, in reading order; walking the XML itself (not python-docx's
                # row.cells) reads a merged cell once.
                yield from walk(child, parent)

    try:
        document = docx.Document(io.BytesIO(data))
        return list(walk(document.element.body, document))
    except (zipfile.BadZipFile, KeyError, ValueError, PackageNotFoundError, LxmlError, EOFError, OSError) as exc:
        raise UnreadableFile(f"corrupt Word .docx file ({_short(exc)})") from exc


def _is_heading(para: object) -> bool:
    """Heading and title styles (English or localised names) or an outline level."""
    pPr = para._p.pPr  # type: ignore[attr-defined]
    if pPr is not None and pPr.find(f"{_W}outlineLvl") is not None:
        return True
    style = getattr(para, "style", None)
    while style is not None:
        name = (style.name or "").lower()
        if name.startswith(("heading", "标题", "title")) or name == "subtitle":
            return True
        spPr = style.element.pPr
        if spPr is not None and spPr.find(f"{_W}outlineLvl") is not None:
            lvl = spPr.find(f"{_W}outlineLvl").get(f"{_W}val")
            return lvl is not None and lvl != "9"  # 9 means body text
        style = style.base_style
    return False


def docx_text(data: bytes) -> str:
    """A .docx body as paragraphs (tables' cells included); page headers and footers are not read."""
    return layout_blocks(docx_blocks(data))


# --------------------------------------------------------------------------- PDF

# Fonts shared by a radical and an ideograph (Noto/Source Han among them) often map the glyph to
# the radical in the PDF's ToUnicode table: 文 comes out as ⽂ (U+2F42), 民 as ⺠. Kangxi radicals
# fold by NFKC, except where NFKC picks a traditional variant; the supplement needs a table.
RADICALS: dict[int, str] = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2F00, 0x2FD6)}
RADICALS[0x2F3E] = "户"  # ⼾: NFKC gives 戶
RADICALS[0x2FAD] = "青"  # ⾭: NFKC gives 靑
RADICALS.update(
    {
        ord(r): u
        for r, u in zip(
            # Unicode's EquivalentUnifiedIdeograph, for the radicals that are whole characters.
            "⺒⺓⺟⺠⺩⺬⻁⻄⻅⻆⻉⻋⻑⻓⻔⻘⻙⻚⻛⻜⻝⻡⻢⻣⻤⻥⻦⻧⻨⻩⻪⻬⻮⻰⻳",
            "巳幺母民王示虎西见角贝车長长门青韦页风飞食首马骨鬼鱼鸟卤麦黄黾齐齿龙龟",
        )
    }
)
RADICALS.update({cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0xFB00, 0xFB07)})  # ﬁ ligatures
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}“”‘’]) +(?=[{_CJK}“”‘’])")
_DIGITS = re.compile(r"\d+")
_EDGE = 3  # lines at the top and at the bottom of a page that may be running headers or footers
_MEANINGFUL = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_GARBAGE = re.compile(r"[\ue000-\uf8ff\ufffd\u0080-\u00ff]")
_MIN_PAGE_TEXT = 20  # meaningful characters on a page that has text (a scanner's stamp has fewer)


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF as hard-wrapped lines, running headers, footers and page numbers removed."""
    if b"%%EOF" not in data[-4096:] and b"%%EOF" not in data:
        raise UnreadableFile("truncated PDF (no end-of-file marker); copy or download it again")
    pages = _pdf_pages(data)
    pages = strip_running_lines(pages)
    counts = [len(_MEANINGFUL.findall("".join(lines))) for lines in pages]
    if not pages or max(counts) < _MIN_PAGE_TEXT:
        raise UnreadableFile("PDF has no text layer (scanned?); run OCR first")
    text = "\n".join(line for lines in pages for line in lines)
    visible = re.sub(r"\s", "", text)
    if len(_GARBAGE.findall(visible)) > 0.3 * len(visible):
        raise UnreadableFile("PDF text layer is garbled (fonts without a Unicode map); run OCR first")
    return text + "\n"


@contextlib.contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs every repaired cross-reference as a warning; the user gets one reason or none."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _pdf_pages(data: bytes) -> list[list[str]]:
    """Lines of each page, cleaned; raises UnreadableFile for encrypted and corrupt files."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PyPdfError

    with _quiet_pypdf():
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                _decrypt(reader)
            pages = list(reader.pages)
        except UnreadableFile:
            raise
        except DependencyError as exc:
            raise UnreadableFile(f"encrypted PDF needs the cryptography package ({_short(exc)})") from exc
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
            raise UnreadableFile(f"corrupt PDF ({_short(exc)})") from exc
        out: list[list[str]] = []
        failed: Exception | None = None
        for page in pages:
            try:
                out.append(_page_lines(page))
            except Exception as exc:  # noqa: BLE001 - one broken page must not lose the others
                failed = failed or exc
                out.append([])
    if failed is not None and not any(out):
        raise UnreadableFile(f"corrupt PDF ({_short(failed)})")
    return out


def _decrypt(reader: object) -> None:
    from pypdf import PasswordType

    try:
        # Most "protected" reports only restrict copying and printing: the empty password opens them.
        opened = reader.decrypt("")  # type: ignore[attr-defined]
    except NotImplementedError as exc:
        raise UnreadableFile(f"encrypted PDF with an unsupported method ({_short(exc)})") from exc
    if opened == PasswordType.NOT_DECRYPTED:
        raise UnreadableFile("encrypted PDF (needs a password); save an unprotected copy first")


def _page_lines(page: object) -> list[str]:
    """A page's lines, a paragraph's indented first line marked with two ideographic spaces.

    Word and WPS print the first-line indentation of a paragraph as a position, not as
    characters; marked, it tells reflow where paragraphs start even when the previous one ends
    with a full line. Centred and right-aligned lines (titles, dates, signatures) get the mark
    too, which is right: they stand alone.
    """
    chunks: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text:
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            scale = (abs(tm[0] * cm[0]) + abs(tm[3] * cm[3])) / 2 or 1.0
            chunks.append((text, x, abs(size) * scale))

    text = page.extract_text(visitor_text=visit) or ""  # type: ignore[attr-defined]
    lines = text.split("\n")
    starts = _line_starts(chunks) if "".join(c[0] for c in chunks) == text else None
    if starts is None or len(starts) != len(lines):
        return _clean_lines(lines, [False] * len(lines))  # positions unknown: lines as they are
    xs = Counter(round(start[0]) for start in starts if start)
    if not xs:
        return _clean_lines(lines, [False] * len(lines))
    margin = xs.most_common(1)[0][0]
    indented = [bool(start) and start[1] > 0 and start[0] - margin >= 1.5 * start[1] for start in starts]
    return _clean_lines(lines, indented)


def _line_starts(chunks: list[tuple[str, float, float]]) -> list[tuple[float, float] | None]:
    """(x, font size) where each output line's text starts; None where the chunks do not say."""
    starts: list[tuple[float, float] | None] = []
    current: tuple[float, float] | None = None
    started = False
    for text, x, size in chunks:
        for k, part in enumerate(text.split("\n")):
            if k > 0:
                starts.append(current)
                current, started = None, False
            if not started and part.strip():
                started = True
                # Text after a newline inside one chunk has no position of its own.
                current = (x, size) if k == 0 else None
    starts.append(current)
    return starts


def _clean_lines(lines: list[str], indented: list[bool]) -> list[str]:
    out = []
    for line, indent in zip(lines, indented):
        line = _CJK_SPACE.sub("", line.translate(RADICALS).rstrip())
        if line.strip():
            out.append(PARAGRAPH_MARK + line.strip() if indent else line)
    return out


def _line_key(line: str) -> str:
    return _DIGITS.sub("#", re.sub(r"\s+", "", line))


def strip_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Remove running headers and footers: lines near a page's top or bottom that repeat across pages.

    Digits count as equal ("第3页", "- 3 -", "3/12"), but a line whose numbers differ from page to
    page is only a page header when they step with the page (a page number), so date lines that
    open the articles of a compilation, one per page, stay.
    """
    n = len(pages)
    if n < 2:
        return pages
    need = max(2, round(0.4 * n))  # odd and even pages may carry different headers
    seen: dict[str, list[tuple[int, str]]] = {}
    for i, lines in enumerate(pages):
        edge = set(range(min(_EDGE, len(lines)))) | set(range(max(0, len(lines) - _EDGE), len(lines)))
        keys_here: set[str] = set()
        for j in sorted(edge):
            key = _line_key(lines[j])
            if key and key not in keys_here:
                keys_here.add(key)
                seen.setdefault(key, []).append((i, lines[j]))
    running = {key for key, hits in seen.items() if len(hits) >= need and _repeats(hits)}
    out = []
    for lines in pages:
        edge = set(range(min(_EDGE, len(lines)))) | set(range(max(0, len(lines) - _EDGE), len(lines)))
        out.append([line for j, line in enumerate(lines) if not (j in edge and _line_key(line) in running)])
    return out


def _repeats(hits: list[tuple[int, str]]) -> bool:
    """Every number in the line is the same on each page, or steps with the page index."""
    numbers = [[int(d) for d in _DIGITS.findall(line)] for _, line in hits]
    for pos in range(len(numbers[0])):
        values = [(page, nums[pos]) for (page, _), nums in zip(hits, numbers)]
        constant = len({v for _, v in values}) == 1
        offsets = {v - page for page, v in values}
        if not constant and len(offsets) != 1:
            return False
    return True


def _short(exc: BaseException) -> str:
    """An exception as a short single line for the skipped-files list."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 80 else text[:77] + "..."
