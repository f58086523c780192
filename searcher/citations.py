"""Citations and links a paper can use: for a passage and for an article.

A citation names the article as a reader would cite it in Chinese (GB/T 7714 puts the title,
the issuing place and the date first; the compilation it was printed in follows as 载《…》), then
where in it the passage stands: the PDF page when the source had pages, and the paragraph
number, which is the anchor of the link (``/doc/<doc_id>#p<paragraph>``) on the document page.
Ids are the stable ones (the article's content hash and its paragraph), so a link keeps
pointing at the same text after re-indexing.

    《鹤壁市全国文明城市创建成效综述》，河南省鹤壁市，2023-03-20，
    载《2023年创建文明城市工作总结、工作汇报、经验材料汇编（34篇）》，第24段
"""

from __future__ import annotations

from urllib.parse import quote

UNDATED = "未注明日期"


def place_of(province: str | None, city: str | None, county: str | None) -> str:
    """Province, city and county as one name (河南省鹤壁市淇县), each named once."""
    parts: list[str] = []
    for part in (province, city, county):
        if part and part not in parts:
            parts.append(part)
    return "".join(parts)


def article_citation(
    title: str,
    province: str | None,
    city: str | None,
    county: str | None,
    date: str | None,
    compilation: str | None,
) -> str:
    """《title》，place，date，载《compilation》 (a missing place is left out; a missing date is said)."""
    parts = [f"《{title or '无题'}》"]
    if place := place_of(province, city, county):
        parts.append(place)
    parts.append(date or UNDATED)
    if compilation and compilation != title:
        parts.append(f"载《{compilation}》")
    return "，".join(parts)


def passage_citation(article: str, page: str | None, paragraph: int) -> str:
    """An article's citation (``article_citation``), then 第N页 (PDF sources) and 第M段."""
    parts = [article]
    if page:
        parts.append(f"第{page}页")
    parts.append(f"第{paragraph}段")
    return "，".join(parts)


def document_url(base_url: str, doc_id: str) -> str:
    """The article's page: ``base_url`` (the server's root, e.g. http://127.0.0.1:8000) + /doc/<id>;
    a path from the root without one."""
    return f"{base_url.rstrip('/')}/doc/{quote(doc_id, safe='')}"


def passage_url(base_url: str, doc_id: str, paragraph: int) -> str:
    """The passage on its article's page: /doc/<id>#p<paragraph>."""
    return f"{document_url(base_url, doc_id)}#p{paragraph}"
