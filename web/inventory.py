"""The document inventory ``/documents`` (every indexed article, or those holding a query's
matches, under the search filters), its JSON twin ``/api/documents`` and downloads."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from searcher import api
from searcher.fields import BY_NAME

from .blueprint import bp
from .params import Params
from .tools import (
    analysis_params,
    choice,
    download,
    download_links,
    error_json,
    filter_chips,
    has_empty_values,
    page_url,
    render_view,
)

# Columns of the table besides title, place, date, counts and source (the kind of report): from the registry.
# Not extra columns of the table: shown in the title cell and the place / date / count columns, or
# too long for a table (the citation: in the CSV and JSON twins).
SHOWN_ELSEWHERE = ("doc_id", "title", "province", "city", "county", "date", "passages", "matches", "source", "citation")
SORTS = {"index": "文件顺序", "date": "日期（新→旧）", "date-asc": "日期（旧→新）", "place": "地点", "title": "标题"}


def parse_documents(args: Any) -> tuple[Params, str]:
    return analysis_params(args), choice(args, "sort", SORTS, "index")


def run_documents(p: Params, sort: str) -> list[api.ArticleRef]:
    from .resources import get_engine, index_dir

    filters = {name: list(values) for name, values in p.filters.items()}
    return api.documents(p.q, index_dir(), api.SearchOptions(filters, relative_sources=True), engine=get_engine(), sort=sort)


def _extra(sort: str) -> list[tuple[str, Any]]:
    return [("sort", None if sort == "index" else sort)]


def _rows(found: list[api.ArticleRef]) -> list[dict[str, Any]]:
    return [{name: getattr(a, name) for name in api.ARTICLE_COLUMNS} for a in found]


@bp.route("/documents")
def documents() -> Any:
    def build() -> dict[str, Any]:
        p, sort = parse_documents(request.args)
        if has_empty_values(request.args):
            return {"redirect": page_url("web.documents", p, _extra(sort))}
        found = run_documents(p, sort)
        view = {
            "articles": found,
            "extra_columns": [
                {"name": n, "label": BY_NAME[n].label} for n in api.ARTICLE_COLUMNS if n not in SHOWN_ELSEWHERE and n in BY_NAME
            ],
            "sorts": [
                {"label": label, "url": page_url("web.documents", p, _extra(s)), "current": s == sort}
                for s, label in SORTS.items()
            ],
            "chips": filter_chips("web.documents", p, _extra(sort)),
            "downloads": download_links("web.documents_download", p, _extra(sort)) if found else [],
            "hidden": [("sort", sort)] if sort != "index" else [],
        }
        return {
            "p": p,
            "data": {"notes": [], "total": len(found)},
            "view": view,
            "json_url": page_url("web.api_documents", p, _extra(sort)),
        }

    return render_view("documents.html", "documents", build)


@bp.route("/api/documents")
def api_documents() -> Response:
    p, sort = parse_documents(request.args)
    rows = _rows(run_documents(p, sort))
    return jsonify({"articles": rows, "total": len(rows)})


@bp.route("/documents.<any(csv, jsonl):fmt>")
def documents_download(fmt: api.ExportFormat) -> Response:
    try:
        p, sort = parse_documents(request.args)
        found = run_documents(p, sort)
    except api.QueryError as exc:
        return error_json(exc)
    return download("documents", fmt, p, api.ARTICLE_COLUMNS, _rows(found))
