"""Raw report text -> paragraphs: undo hard wrapping, find headings, drop artifacts.

Reports arrive as PDF or Word exports. Three layouts occur, often mixed in one file:
lines that are whole paragraphs; lines hard-wrapped every 13-25 characters mid-sentence,
sometimes with a blank line after every line (so blank lines mean nothing); and whole
reports on one line with paragraphs marked only by full-width-space indentation.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..dates import date_line
from ..text import CLOSERS, IDEOGRAPHIC_SPACE, SENTENCE_END, display_width, ends_sentence

__all__ = ["HEADING_MARKER", "Paragraph", "display_width", "ends_sentence", "is_heading_text", "paragraphs", "split_long"]

# Numbered heading markers: 一、 （一） 1. 1、 第一章 ...
_CN_NUM = "一二三四五六七八九十百零〇"
HEADING_MARKER = re.compile(
    rf"^(?:[{_CN_NUM}]+、|[（(][{_CN_NUM}\d]{{1,3}}[)）]|\d{{1,2}}[、.．](?!\d)|"
    rf"第[{_CN_NUM}\d]{{1,3}}[章节部分篇条]|[①②③④⑤⑥⑦⑧⑨⑩])"
)
_ARTIFACT = re.compile(r"##[A-Za-z_]+##")
_PAGE_NUMBER = re.compile(r"^(?:[-—–－\s]*\d{1,4}[-—–－\s]*|第\s*\d{1,4}\s*页(?:\s*共\s*\d+\s*页)?|\d{1,4}\s*/\s*\d{1,4})$")
_TOC_HEADER = re.compile(r"^目\s*录$")
_TOC_ENTRY = re.compile(r"^(?:\d{1,3}[.．、]\s*)?\S.{1,60}?[\s.…·．-]*\d{1,4}$")
_INLINE_HEADING = re.compile(rf"(?<=[。！？])[{_CN_NUM}]{{1,3}}、[^。！？；]{{2,30}}$")
_INDENT = re.compile(r"^(?:\u3000|\s{2,})")
_SPLIT_INDENT = re.compile(r"[ \t]*\u3000{2,}")

HEADING_MAX = 50
# A quotation that does not close within this many paragraphs is taken as a stray mark.
QUOTE_SPAN = 6
# A sentence's last few characters on a line of their own ("幸" / "福。") finish the line above.
TAIL_MAX = 4
LONG_PARAGRAPH = 800
CHUNK_TARGET = 400


@dataclass
class Paragraph:
    text: str
    is_heading: bool = False
    # The page(s) it was printed on, "3" or "3-4", when the text came in pages (PDF); else None.
    page: str | None = None


def is_heading_text(text: str) -> bool:
    """A short line that does not end a sentence reads as a heading or title."""
    text = text.strip()
    return 0 < len(text) <= HEADING_MAX and not ends_sentence(text) and not text.endswith(("，", "、", ",")) and "。" not in text


def _lines(text: str) -> list[str]:
    text = _ARTIFACT.sub("", text)
    # A run of two or more ideographic spaces is paragraph indentation even mid-line.
    text = _SPLIT_INDENT.sub("\n" + IDEOGRAPHIC_SPACE * 2, text)
    return [line.rstrip() for line in text.split("\n")]


def _paged_lines(text: str) -> tuple[list[str], list[int] | None]:
    """The text's lines, and each line's page when the text holds page breaks (form feeds)."""
    if "\f" not in text:
        return _lines(text), None
    lines: list[str] = []
    pages: list[int] = []
    page = 1
    for raw in text.split("\n"):
        if raw.strip(" \t") == "\f":
            page += 1
            continue
        # A form feed inside a line (pdftotext's output, a .txt printed with them) ends a page there.
        for k, piece in enumerate(raw.split("\f")):
            page += k > 0
            if k and not piece.strip():
                continue
            for line in _lines(piece):
                lines.append(line)
                pages.append(page)
    return lines, pages


def _page_span(pages: list[int]) -> str | None:
    if not pages:
        return None
    return str(pages[0]) if pages[0] == pages[-1] else f"{pages[0]}-{pages[-1]}"


def _drop_toc_and_page_numbers(lines: list[str]) -> list[int]:
    """The indices of the lines that are neither a table of contents nor a page number."""
    out: list[int] = []
    in_toc = False
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if _TOC_HEADER.match(stripped):
            in_toc = True
            i += 1
            continue
        if in_toc:
            if not stripped or _TOC_ENTRY.match(stripped):
                i += 1
                continue
            in_toc = False
        if stripped and _PAGE_NUMBER.match(stripped):
            i += 1
            continue
        # A run of three or more numbered entries ending in page numbers is a TOC even without 目录.
        if stripped and _looks_like_toc_entry(stripped):
            run = [j for j in range(i, min(i + 8, len(lines))) if _looks_like_toc_entry(lines[j].strip())]
            if len(run) >= 3:
                while i < len(lines) and (not lines[i].strip() or _looks_like_toc_entry(lines[i].strip())):
                    i += 1
                continue
        out.append(i)
        i += 1
    return out


def _looks_like_toc_entry(line: str) -> bool:
    return bool(re.match(r"^\d{1,3}[.．、]\s*\S", line)) and bool(_TOC_ENTRY.match(line)) and not ends_sentence(line)


def _wrap_width(lines: list[str]) -> tuple[float, float] | None:
    """(commonest, 90th-percentile) line width in CJK cells when lines are hard-wrapped, else None."""
    widths = [display_width(line.strip()) for line in lines if line.strip()]
    if len(widths) < 5:
        return None
    unterminated = sum(1 for line in lines if line.strip() and not ends_sentence(line))
    widths.sort()
    median = widths[len(widths) // 2]
    if median > 40 or unterminated < len(widths) * 0.5:
        return None
    long_enough = [w for w in widths if w >= 8]
    if not long_enough:
        return None
    commonest = float(Counter(round(w) for w in long_enough).most_common(1)[0][0])
    return commonest, max(commonest, long_enough[int(0.9 * (len(long_enough) - 1))])


def _double_spaced(lines: list[str]) -> bool:
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    if len(nonblank) < 6:
        return False
    followed = sum(1 for i in nonblank if i + 1 < len(lines) and not lines[i + 1].strip())
    return followed >= 0.8 * len(nonblank)


def paragraphs(text: str) -> list[Paragraph]:
    """Split report text into paragraphs, joining hard-wrapped lines.

    >>> text = "一、主要做法\\n延吉市坚持高起点谋划，统筹\\n实施，全市上下形成一盘棋思\\n想，把创建工作定位为一把手\\n工程。\\n"
    >>> [p.text for p in paragraphs(text)]
    ['一、主要做法', '延吉市坚持高起点谋划，统筹实施，全市上下形成一盘棋思想，把创建工作定位为一把手工程。']
    """
    all_lines, all_pages = _paged_lines(text)
    keep = _drop_toc_and_page_numbers(all_lines)
    lines = [all_lines[i] for i in keep]
    line_pages = [all_pages[i] for i in keep] if all_pages is not None else [0] * len(lines)
    widths = _wrap_width(lines)
    blanks_mean_nothing = widths is not None and _double_spaced(lines)

    paras: list[list[str]] = []
    para_pages: list[list[int]] = []  # the page of each line of each paragraph
    prev: str | None = None
    blank_before = False
    for raw, page in zip(lines, line_pages):
        if not raw.strip():
            blank_before = True
            continue
        indented = bool(_INDENT.match(raw))
        line = raw.strip()
        if prev is None or _breaks(prev, line, indented, blank_before, widths, blanks_mean_nothing):
            paras.append([line])
            para_pages.append([page])
        else:
            paras[-1].append(line)
            para_pages[-1].append(page)
        prev = line
        blank_before = False

    paged = all_pages is not None
    out: list[Paragraph] = []
    open_quote = 0  # paragraphs since a quotation opened and has not closed yet
    for parts, pages in zip(paras, para_pages):
        joined = _join(parts)
        span = _page_span(pages) if paged else None
        if not joined:
            continue
        quoted = open_quote > 0 and not HEADING_MARKER.match(joined)
        depth = joined.count("“") - joined.count("”")
        if depth > 0 or (open_quote and depth == 0):
            open_quote = open_quote + 1 if open_quote < QUOTE_SPAN else 0
        else:
            open_quote = 0
        # Lines inside a quotation (a letter, a poem, a resident's words) are not headings.
        quoted = quoted or (depth > 0 and joined.startswith("“"))
        tail = _INLINE_HEADING.search(joined)
        if tail and tail.start() > 0:
            # A numbered heading glued to the end of the previous paragraph by the export.
            out.append(Paragraph(joined[: tail.start()], page=span))
            out.append(Paragraph(tail.group(0), True, page=_page_span(pages[-1:]) if paged else None))
            continue
        heading = not quoted and is_heading_text(joined) and (len(parts) == 1 or widths is not None)
        if heading or len(joined) <= LONG_PARAGRAPH:
            out.append(Paragraph(joined, heading, span))
        else:
            chunks = split_long(joined)
            spans = _chunk_spans(parts, pages, chunks) if paged else [None] * len(chunks)
            out.extend(Paragraph(chunk, page=page) for chunk, page in zip(chunks, spans))
    return out


def _chunk_spans(parts: list[str], pages: list[int], chunks: list[str]) -> list[str | None]:
    """The pages of each chunk of a long paragraph, by character offsets into its lines."""
    starts: list[int] = []
    total = 0
    for part in parts:
        starts.append(total)
        total += len(part)

    def page_at(offset: int) -> int:
        k = 0
        while k + 1 < len(starts) and starts[k + 1] <= offset:
            k += 1
        return pages[k]

    spans: list[str | None] = []
    offset = 0
    for chunk in chunks:
        spans.append(_page_span([page_at(offset), page_at(offset + max(0, len(chunk) - 1))]))
        offset += len(chunk)
    return spans


def _breaks(
    prev: str,
    line: str,
    indented: bool,
    blank_before: bool,
    widths: tuple[float, float] | None,
    blanks_mean_nothing: bool,
) -> bool:
    if indented or HEADING_MARKER.match(line) or line.startswith(("——", "□", "■", "●")):
        return True
    if date_line(line) or date_line(prev):
        return True  # an article's date line stands alone
    if display_width(line) <= TAIL_MAX and ends_sentence(line) and not ends_sentence(prev) and not _ends_mid_phrase(prev):
        return False  # the export broke a word across lines: 摸得着的幸 / 福。
    if prev.startswith("——") and is_heading_text(prev):
        return True  # a "——subtitle" line stands alone
    if widths is None:
        # Whole-paragraph lines: a line break ends the paragraph unless the line was cut mid-sentence.
        if is_heading_text(prev):
            return True
        return ends_sentence(prev) or (blank_before and display_width(prev) < 20)
    width, wide = widths
    prev_w = display_width(prev)
    if ends_sentence(prev):
        if blank_before and not blanks_mean_nothing:
            return True
        # A sentence end short of the wrap width ends the paragraph. Robust to a document whose
        # commonest width is a heading's, not the wrap's.
        return prev_w < max(width, wide * 0.9) - 1.5
    # A short unterminated line standing alone (title, heading, caption) ends where it is.
    return prev_w < wide * 0.7 and not _ends_mid_phrase(prev)


def _ends_mid_phrase(text: str) -> bool:
    return text.endswith(("，", "、", ",", "“", "（", "(", "《", "：", ":"))


def _join(parts: list[str]) -> str:
    out = parts[0]
    for part in parts[1:]:
        # Keep a space only between two Latin words; CJK text has none at a wrap.
        if out and part and out[-1].isascii() and out[-1].isalnum() and part[0].isascii() and part[0].isalnum():
            out += " " + part
        else:
            out += part
    return re.sub(r"[ \t\u3000]+", " ", out).strip()


def _clauses(sentence: str, limit: int) -> list[str]:
    if len(sentence) <= limit:
        return [sentence]
    out: list[str] = []
    for clause in re.findall(r"[^，；,;：]*[，；,;：]+|.+$", sentence):
        out.extend(clause[i : i + limit] for i in range(0, len(clause), limit))
    return out


def split_long(text: str, target: int = CHUNK_TARGET) -> list[str]:
    """Cut a very long paragraph at sentence ends into chunks of about ``target`` characters."""
    sentences = re.findall(rf"[^{re.escape(SENTENCE_END)}]*[{re.escape(SENTENCE_END)}]+[{re.escape(CLOSERS)}]*|.+$", text)
    if any(len(s) > 4 * target for s in sentences):
        # No sentence end for pages (a file that is one line of clauses): cut at clause
        # punctuation, and what is still too long every 4 x target characters; a passage of
        # megabytes is no answer to show, and analysing it took gigabytes.
        sentences = [piece for s in sentences for piece in _clauses(s, 4 * target)]
    chunks: list[str] = []
    current = ""
    for sentence in sentences:
        if current and len(current) + len(sentence) > target:
            chunks.append(current)
            current = ""
        current += sentence
    if current:
        chunks.append(current)
    return [c.strip() for c in chunks if c.strip()]
