"""``/kwic`` (语境 / KWIC: every occurrence of the query in its matching passages, aligned on the
match), its JSON twin ``/api/kwic`` and the downloads ``/kwic.csv`` / ``/kwic.jsonl``.

Parameters besides q and the filters: ``sort`` (relevance, left, right, date, place), ``width``
(characters of context on each side) and ``offset`` (first line of the page; 100 lines a page).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask import Response, jsonify, request, url_for

from searcher import api
from searcher.model import KWIC_COLUMNS, Concordance

from .blueprint import bp
from .params import Params
from .resources import get_engine, index_dir
from .tools import (
    analysis_params,
    choice,
    download,
    download_links,
    error_json,
    filter_chips,
    has_empty_values,
    number,
    options,
    page_url,
    render_view,
)

SORTS = {"relevance": "按相关度", "left": "左侧词", "right": "右侧词", "date": "日期", "place": "地点"}
WIDTHS = (10, 20, 30, 50)
DEFAULT_WIDTH = 20
MAX_WIDTH = api.MAX_KWIC_WIDTH
PAGE_LINES = 100
MAX_OFFSET = 10_000_000


@dataclass(frozen=True)
class KwicArgs:
    sort: str = "relevance"
    width: int = DEFAULT_WIDTH
    offset: int = 0

    def extra(self) -> list[tuple[str, Any]]:
        """The view's parameters in its URLs, defaults left out."""
        return [
            ("sort", None if self.sort == "relevance" else self.sort),
            ("width", None if self.width == DEFAULT_WIDTH else self.width),
            ("offset", self.offset or None),
        ]


def parse_kwic(args: Any) -> tuple[Params, KwicArgs]:
    p = analysis_params(args)
    k = KwicArgs(
        sort=choice(args, "sort", SORTS, "relevance"),
        width=number(args, "width", 1, MAX_WIDTH, DEFAULT_WIDTH, "30"),
        offset=number(args, "offset", 0, MAX_OFFSET, 0, "100"),
    )
    return p, k


def run_kwic(p: Params, k: KwicArgs, limit: int = PAGE_LINES) -> Concordance:
    return api.kwic(p.q, index_dir(), options(p, limit, k.offset), engine=get_engine(), sort=k.sort, width=k.width)


def kwic_url(p: Params, k: KwicArgs, endpoint: str = "web.kwic", **values: Any) -> str:
    return page_url(endpoint, p, k.extra(), **values)


def view_model(p: Params, k: KwicArgs, found: Concordance) -> dict[str, Any]:
    """Sort links, width choices, pages and downloads of a concordance page."""
    first = replace(k, offset=0)
    widths = sorted({*WIDTHS, k.width})
    return {
        "sorts": [
            {"label": label, "url": kwic_url(p, replace(first, sort=s)), "current": s == k.sort} for s, label in SORTS.items()
        ],
        "widths": [{"value": w, "current": w == k.width} for w in widths],
        "hidden": [(name, value) for name, value in k.extra() if name != "offset" and value is not None],
        "prev": kwic_url(p, replace(k, offset=max(0, k.offset - PAGE_LINES))) if k.offset > 0 else None,
        "next": kwic_url(p, replace(k, offset=k.offset + PAGE_LINES)) if k.offset + PAGE_LINES < found.total_lines else None,
        "first_line": k.offset + 1,
        "last_line": k.offset + len(found.lines),
        "beyond": found.total_lines > 0 and not found.lines,
        "restart": kwic_url(p, first),
        "downloads": download_links("web.kwic_download", p, first.extra()) if found.total_lines else [],
        "chips": filter_chips("web.kwic", p, first.extra()),
        "sort": k.sort,
        "width": k.width,
    }


def line_link(p: Params, doc_id: str, paragraph: int) -> str:
    """The paragraph on the document page, with the query marked (as the search page links it)."""
    return url_for("web.document", doc_id=doc_id, q=p.q or None, _anchor=f"p{paragraph}")


@bp.route("/kwic")
def kwic() -> Any:
    def build() -> dict[str, Any]:
        p, k = parse_kwic(request.args)
        if has_empty_values(request.args):
            return {"redirect": kwic_url(p, k)}
        base = {"p": p, "json_url": kwic_url(p, k, "web.api_kwic"), "line_link": line_link}
        if not p.q.strip():
            return {**base, "data": None, "view": {"hidden": [], "chips": filter_chips("web.kwic", p), "sort": k.sort}}
        found = run_kwic(p, k)
        return {**base, "data": found, "view": view_model(p, k, found)}

    return render_view("kwic.html", "kwic", build)


@bp.route("/api/kwic")
def api_kwic() -> Response:
    p, k = parse_kwic(request.args)
    return jsonify(run_kwic(p, k).to_dict())


@bp.route("/kwic.<any(csv, jsonl):fmt>")
def kwic_download(fmt: api.ExportFormat) -> Response:
    """Every line (no paging), in the page's order, the columns of ``KWIC_COLUMNS``."""
    try:
        p, k = parse_kwic(request.args)
        k = replace(k, offset=0)
        lines = run_kwic(p, k, limit=api.MAX_KWIC_LINES).lines
    except api.QueryError as exc:
        return error_json(exc)
    return download("kwic", fmt, p, KWIC_COLUMNS, (line.to_dict() for line in lines))
