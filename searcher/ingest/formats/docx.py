"""Word .docx -> text: each paragraph (and table cell) a block; python-docx imported on first use."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from ..decoding import UnreadableFile
from .layout import Block, _short, layout_blocks

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
                    yield Block(line, heading=i == 0 and _is_heading(child, headings))
            elif child.tag in (f"{_W}tbl", f"{_W}tr", f"{_W}tc", f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"):
                # Cells as paragraphs, in reading order; walking the XML itself (not python-docx's
                # row.cells) reads a merged cell once.
                yield from walk(child, parent)

    try:
        document = docx.Document(io.BytesIO(data))
        headings = heading_styles(document)
        return list(walk(document.element.body, document))
    except (zipfile.BadZipFile, KeyError, ValueError, PackageNotFoundError, LxmlError, EOFError, OSError) as exc:
        raise UnreadableFile(f"corrupt Word .docx file ({_short(exc)})") from exc


def heading_styles(document: object) -> dict[str | None, bool]:
    """Paragraph style id -> whether it is a heading (heading and title styles, English or
    localised names, or an outline level), decided once per style; None is the default style.
    python-docx's ``paragraph.style`` looks the style up anew for every paragraph (~1 ms each:
    minutes for a document of 100k paragraphs), so the body walk reads style ids instead."""
    out: dict[str | None, bool] = {}
    for style in document.styles:  # type: ignore[attr-defined]
        if getattr(style, "type", None) != 1:  # WD_STYLE_TYPE.PARAGRAPH
            continue
        out[style.style_id] = _style_is_heading(style)
        if style.element.get(f"{_W}default") in ("1", "true"):
            out[None] = out[style.style_id]
    return out


def _style_is_heading(style: object) -> bool:
    seen = 0
    while style is not None and seen < 32:  # a based-on loop in a damaged file ends here
        name = (style.name or "").lower()  # type: ignore[attr-defined]
        if name.startswith(("heading", "标题", "title")) or name == "subtitle":
            return True
        spPr = style.element.pPr  # type: ignore[attr-defined]
        if spPr is not None and spPr.find(f"{_W}outlineLvl") is not None:
            lvl = spPr.find(f"{_W}outlineLvl").get(f"{_W}val")
            return lvl is not None and lvl != "9"  # 9 means body text
        style = style.base_style  # type: ignore[attr-defined]
        seen += 1
    return False


def _is_heading(p: object, headings: dict[str | None, bool]) -> bool:
    """A paragraph element with an outline level, or in a heading style."""
    pPr = p.pPr  # type: ignore[attr-defined]
    if pPr is None:
        return headings.get(None, False)
    if pPr.find(f"{_W}outlineLvl") is not None:
        return True
    style = pPr.find(f"{_W}pStyle")
    if style is None:
        return headings.get(None, False)
    return headings.get(style.get(f"{_W}val"), headings.get(None, False))


def docx_text(data: bytes) -> str:
    """A .docx body as paragraphs (tables' cells included); page headers and footers are not read."""
    return layout_blocks(docx_blocks(data))
