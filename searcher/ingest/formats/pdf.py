"""PDF -> printed lines: running headers, footers and page numbers removed while page boundaries
are known; a line indented from the page's margin (a paragraph's first line) marked; pages
separated by a form feed, so that each passage keeps its page. pypdf is imported on first use."""

from __future__ import annotations

import contextlib
import io
import logging
import re
from collections import Counter
from collections.abc import Iterator

from ..decoding import UnreadableFile
from .layout import _CJK, PAGE_BREAK, PARAGRAPH_MARK, RADICALS, _short

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
    # A form feed between pages (as pdftotext writes): reflow keeps each paragraph's page.
    text = "\n".join(line for n, lines in enumerate(pages) for line in ([PAGE_BREAK] if n else []) + lines)
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
    indented = [start is not None and start[1] > 0 and start[0] - margin >= 1.5 * start[1] for start in starts]
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
