"""Paragraphs of one file -> articles with title, date, place, sections and passages.

A file is either one report or a compilation of many. Compilations are recognised by
their date lines: every article in one starts with a title line followed by a line that
holds only its date, e.g. "（2023年4月12日）".
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ..dates import date_in, date_line, year_in_title
from ..model import Document, Passage, Place
from ..places import place_in
from .doctype import doc_type
from .reflow import HEADING_MARKER, Paragraph

# Column names and labels that stand above a report but are not its title.
_LABELS = {"写在前面", "文明创建", "创城一线", "编者按", "编者", "导语", "前言", "目录"}
_SUBTITLE = re.compile(r"^[—–-]{1,2}")
_INLINE_SECTION = re.compile(rf"^{HEADING_MARKER.pattern[1:]}[^。！？]{{2,40}}[。！？]")


@dataclass
class _Article:
    title: str
    date: str | None
    body: list[Paragraph]


def doc_id_for(file_digest: str, index: int) -> str:
    """Id of the index-th article of a file, from the file's content hash: the same bytes give
    the same ids wherever they lie, on every machine and after a rebuild."""
    return hashlib.sha1(f"{file_digest}\0{index}".encode()).hexdigest()[:16]


def documents(paras: list[Paragraph], source: str, file_digest: str, fallback_title: str) -> list[Document]:
    """Split a file's paragraphs into articles and build their passages (``file_digest``: the
    content hash of the file's bytes, which the ids derive from)."""
    header_year: str | None = None
    for p in paras[:5]:
        if p.is_heading and (header_year := year_in_title(p.text)):
            break
    articles = _compilation_articles(paras, header_year)
    compilation = _compilation_title(paras, fallback_title) if articles is not None else None
    if articles is None:
        title = _report_title(paras) or fallback_title
        date = date_in(title) if _title_has_date(title) else None
        # A date line near the top, e.g. （2023年4月12日） under the title, is the report's date.
        at = next((i for i, p in enumerate(paras[:8]) if date_line(p.text)), None)
        if at is not None:
            date = date_line(paras[at].text)
            paras = paras[:at] + paras[at + 1 :]
        articles = [_Article(title, date or header_year, paras)]
    docs = []
    for i, art in enumerate(articles):
        doc_id = doc_id_for(file_digest, i)
        docs.append(_document(art, doc_id, source, compilation))
    return [d for d in docs if d.passages]


def _compilation_title(paras: list[Paragraph], fallback: str) -> str:
    """A compilation's own title: its first heading (with a "（34篇）" line under it), else the file's name."""
    for k, p in enumerate(paras[:6]):
        text = p.text.strip("□■ :：")
        if not p.is_heading or text in _LABELS or HEADING_MARKER.match(text) or len(text) < 6 or date_line(text):
            continue
        after = paras[k + 1].text if k + 1 < len(paras) and paras[k + 1].is_heading else ""
        if re.fullmatch(r"[（(][^）)]{1,12}[）)]", after):
            return p.text + after
        return p.text
    return fallback


def _title_has_date(title: str) -> bool:
    return bool(re.search(r"\d{4}\s*年\s*\d{1,2}\s*月|\d{4}[-./]\d{1,2}", title))


def _compilation_articles(paras: list[Paragraph], header_year: str | None) -> list[_Article] | None:
    date_idx = [i for i, p in enumerate(paras) if date_line(p.text)]
    # A title line right before a date line, twice or more, makes a compilation.
    starts = [i for i in date_idx if i > 0 and paras[i - 1].is_heading]
    if len(starts) < 2:
        return None
    articles: list[_Article] = []
    first_title = starts[0] - 1
    front = paras[: _kicker_start(paras, first_title)]
    if any(not p.is_heading for p in front):
        title = next((p.text for p in front if p.is_heading), "")
        articles.append(_Article(title, header_year, front))
    for n, i in enumerate(starts):
        title_at = i - 1
        end = _kicker_start(paras, starts[n + 1] - 1) if n + 1 < len(starts) else len(paras)
        kicker_at = _kicker_start(paras, title_at)
        # The title line stays a passage (a heading): an article is found by the words of its title.
        body = paras[kicker_at:i] + paras[i + 1 : end]
        articles.append(_Article(paras[title_at].text, date_line(paras[i].text) or header_year, body))
    return articles


def _kicker_start(paras: list[Paragraph], title_at: int) -> int:
    """Index where an article starts: its title, or the headline printed just above it."""
    if title_at > 0 and paras[title_at - 1].is_heading and not HEADING_MARKER.match(paras[title_at - 1].text):
        return title_at - 1
    return title_at


def _report_title(paras: list[Paragraph]) -> str | None:
    # A headline followed by a "——subtitle" line is the title wherever it stands (some
    # exports put it at the end).
    for a, b in zip(paras, paras[1:]):
        if a.is_heading and b.is_heading and _SUBTITLE.match(b.text) and not _SUBTITLE.match(a.text):
            return f"{a.text}{b.text}"
    for p in paras[:8]:
        if not p.is_heading:
            continue
        text = p.text.strip("□■ :：")
        if text in _LABELS or HEADING_MARKER.match(text) or len(text) < 6:
            continue
        return p.text
    return None


def _document(art: _Article, doc_id: str, source: str, compilation: str | None) -> Document:
    doc_place = place_in(art.title) or _opening_place(art.body) or Place()
    kind = doc_type(art.title)
    section: str | None = None
    section_place = doc_place
    passages: list[Passage] = []
    # The leading headings up to the title (a kicker above it, headline and subtitle) are not a section.
    title_block = 0
    for k, p in enumerate(art.body):
        if not p.is_heading:
            break
        if p.text in art.title:
            title_block = k + 1
    for k, p in enumerate(art.body):
        text = p.text
        in_title = k < title_block
        if p.is_heading:
            heading_place = _heading_place(text, doc_place)
            if heading_place:
                section_place = heading_place
        passage = Passage(
            id=f"{doc_id}-{len(passages) + 1}",
            doc_id=doc_id,
            title=art.title,
            source=source,
            paragraph=len(passages) + 1,
            text=text,
            section=section,
            place=section_place,
            date=art.date,
            is_heading=p.is_heading,
            is_title=in_title and p.text in art.title,
            doc_type=kind,
            page=p.page,
            compilation=compilation,
        )
        passages.append(passage)
        if p.is_heading and not in_title:
            section = text
        elif m := _INLINE_SECTION.match(text):
            passage.section = m.group(0)[:-1]
            section = passage.section
    return Document(doc_id, art.title, source, doc_place, art.date, passages, doc_type=kind, compilation=compilation)


def _opening_place(body: list[Paragraph]) -> Place | None:
    """The place named in the leading headings, else the first sentence of the first paragraph."""
    for p in body[:4]:
        if p.is_heading:
            if place := _heading_place(p.text, None):
                return place
            continue
        first_sentence = re.split(r"[。！？]", p.text, maxsplit=1)[0]
        return place_in(first_sentence)
    return None


def _heading_place(heading: str, context: Place | None) -> Place | None:
    """A heading names a section's place only when it starts with that place (船营区：一街一品)."""
    text = HEADING_MARKER.sub("", heading).lstrip("□■—- ")
    place = place_in(text, context)
    if not place:
        return None
    head = text[:2]
    if any(name and name.startswith(head) for name in (place.province, place.city, place.county)):
        return place
    return None
