"""The one place that turns what can go wrong into a page or JSON: no index or an outdated one
(503), a query or parameter that cannot be used (400, the fix in English and Chinese), HTTP
errors. Views raise; these handlers answer."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from searcher import api

from .params import ParamError, kept_params, parse_params
from .resources import index_dir
from .viewmodels import blank


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/export.")) or request.path == "/healthz"


def json_error(message: str, status: int) -> Response:
    resp = jsonify({"error": message, "status": status})
    resp.status_code = status
    return resp


def index_problem(exc: Exception) -> tuple[str, int]:
    if isinstance(exc, api.NoIndex):
        return f"No index in {index_dir()}/ yet. Build one: searcher serve PATH... (or searcher index PATH...)", 503
    return f"The index in {index_dir()}/ is out of date ({exc}). Rebuild it: searcher index --rebuild PATH...", 503


def _index_error(exc: Exception) -> Response | tuple[str, int]:
    message, status = index_problem(exc)
    if wants_json():
        return json_error(message, status)
    return render_template(
        "noindex.html", status=status, missing=isinstance(exc, api.NoIndex), index_dir=index_dir(), detail=str(exc)
    ), status


def _query_error(exc: api.QueryError) -> Response | tuple[str, int]:
    """A query or parameter that cannot be used: the message in English and Chinese, and what to change."""
    if wants_json():
        resp = jsonify({"error": str(exc), "error_zh": exc.zh, "field": exc.field, "status": 400})
        resp.status_code = 400
        return resp
    if isinstance(exc, ParamError):
        return render_template("search.html", p=kept_params(request.args), error=exc, **blank()), 400
    p = parse_params(request.args)
    json_url = p.url("web.api_search", page=p.page)
    return render_template("search.html", p=p, error=exc, json_url=json_url, **blank()), 400


def _http_error(exc: HTTPException) -> Response | tuple[str, int]:
    status = exc.code or 500
    if wants_json():
        return json_error(exc.description or exc.name, status)
    titles = {404: "页面不存在", 405: "不支持的请求方法", 500: "服务器内部错误"}
    return render_template("error.html", status=status, title=titles.get(status, exc.name), message=None), status


def register(app: Flask) -> None:
    app.register_error_handler(api.NoIndex, _index_error)
    app.register_error_handler(api.IndexMismatch, _index_error)
    app.register_error_handler(api.QueryError, _query_error)
    app.register_error_handler(HTTPException, _http_error)


__all__ = ["index_problem", "json_error", "register", "wants_json"]
