"""What the analysis views (/kwic, /trend, /collocates) share: the row of tool links carrying the
query and filters (``_tools.html``), the parsing of a view's own URL parameters, the search
options of a view, the error page / JSON of a view, and its CSV / JSON Lines download.

``Params`` (params.py) knows the search page's parameters only; each view parses the ones it adds
(``sort=left``, ``width``, ``window`` ...) with ``choice`` and ``number`` here, so a bad value
is a ``ParamError`` naming the fix in English and Chinese, like the search page's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from flask import Response, current_app, jsonify, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from searcher import api
from searcher.fields import FILTERS

from .blueprint import bp
from .params import ParamError, Params, kept_params, parse_params
from .viewmodels import EXPORT_LABELS, export_filename

# (name, label, path): the pages of the tool row. By path, not endpoint: the compare and map pages
# belong to another module, and the row must work before (and without) their endpoints.
TOOLS: tuple[tuple[str, str, str], ...] = (
    ("search", "检索", "/"),
    ("kwic", "语境", "/kwic"),
    ("trend", "趋势", "/trend"),
    ("collocates", "搭配词", "/collocates"),
    ("compare", "对比", "/compare"),
    ("map", "地图", "/map"),
    ("documents", "文章", "/documents"),
)

# Parameters of the search page that mean something else (or nothing) on an analysis page: they
# are left out before ``parse_params`` so that e.g. ``sort=left`` is not refused as a search sort.
_NOT_SEARCH = ("sort", "page", "limit", "collapse")


@bp.app_template_global()
def filter_args(p: Params) -> list[tuple[str, str]]:
    """(URL parameter, value) of every filter, dates included, in registry order."""
    return [(spec.url_param, v) for spec in FILTERS for v in p.filters.get(spec.name, ())]


def base_args(p: Params) -> list[tuple[str, str]]:
    """The query and the filters: what every page of the tool row keeps."""
    return ([("q", p.q)] if p.q else []) + filter_args(p)


def query_string(p: Params, extra: Iterable[tuple[str, Any]] = ()) -> str:
    """q, the filters, then a view's own parameters (None and "" left out: the defaults)."""
    return urlencode(base_args(p) + [(k, str(v)) for k, v in extra if v is not None and v != ""])


def page_url(endpoint: str, p: Params, extra: Iterable[tuple[str, Any]] = (), **values: Any) -> str:
    """URL of an analysis page (or its download: ``fmt=`` in ``values``)."""
    query = query_string(p, extra)
    return url_for(endpoint, **values) + ("?" + query if query else "")


def filter_chips(endpoint: str, p: Params, extra: Iterable[tuple[str, Any]] = ()) -> list[dict[str, str]]:
    """The active filters, each with the URL of this view without it."""
    extra = list(extra)
    return [
        {
            "label": f"{spec.label}：{value}",
            "url": page_url(endpoint, p.with_filter(spec.name, [v for v in values if v != value]), extra),
        }
        for spec in FILTERS
        for values in [p.filters.get(spec.name, ())]
        for value in values
    ]


@bp.app_template_global()
def tool_links(p: Params | None, current: str = "") -> list[dict[str, Any]]:
    """The tool row: 检索 · 语境 · 趋势 · 搭配词 · 对比 · 地图, each keeping q and the filters."""
    query = urlencode(base_args(p)) if p is not None else ""
    out = []
    for name, label, target in TOOLS:
        url = request.script_root + target + ("?" + query if query else "")
        out.append({"name": name, "label": label, "url": url, "current": name == current})
    return out


def analysis_params(args: Any) -> Params:
    """The q and filters of an analysis page's request (its own parameters are parsed by the view)."""
    kept = MultiDict([(k, v) for k, v in args.items(multi=True) if k not in _NOT_SEARCH])
    return parse_params(kept)


def options(p: Params, limit: int = 10, offset: int = 0) -> api.SearchOptions:
    """The search options of an analysis view: the filters, its own page of lines, no paths."""
    filters = {name: list(values) for name, values in p.filters.items()}
    return api.SearchOptions(filters, limit=limit, offset=offset, relative_sources=True)


def choice(args: Mapping[str, Any], name: str, allowed: Mapping[str, str], default: str) -> str:
    """One of ``allowed`` (value -> Chinese label), or a ParamError listing them."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if raw not in allowed:
        listed_en = ", ".join(allowed)
        listed_zh = "、".join(f"{v}（{label}）" for v, label in allowed.items())
        example = next(v for v in allowed if v != default)
        raise ParamError(
            f"{name} must be one of {listed_en}, for example {name}={example} (got {raw!r}).",
            f"参数 {name} 只能是 {listed_zh}，例如 {name}={example}（现在是 {raw!r}）。",
            field=name,
        )
    return raw


def number(args: Mapping[str, Any], name: str, low: int, high: int, default: int, example: str) -> int:
    """A whole number from ``low`` to ``high``, or a ParamError saying so (as params._int does)."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"\d{1,7}", raw) or not low <= int(raw) <= high:
        raise ParamError(
            f"{name} takes a whole number from {low} to {high}, for example {name}={example} (got {raw!r}).",
            f"参数 {name} 要写 {low} 到 {high} 的整数，例如 {name}={example}（现在是 {raw!r}）。",
            field=name,
        )
    return int(raw)


def has_empty_values(args: Any) -> bool:
    """A submitted form sends its empty fields; the view redirects to the canonical URL without them."""
    return any(not v.strip() for _, v in args.items(multi=True))


def error_json(exc: api.QueryError) -> Response:
    """The JSON of a query or parameter that cannot be used: the /api/search shape (errors.py)."""
    resp = jsonify({"error": str(exc), "error_zh": exc.zh, "field": exc.field, "status": 400})
    resp.status_code = 400
    return resp


def render_view(template: str, current: str, build: Callable[[], dict[str, Any]]) -> Any:
    """An analysis page: ``build()`` gives the template's context (``p`` among it); a query or
    parameter that cannot be used shows the same page with the message, status 400."""
    try:
        ctx = build()
    except api.QueryError as exc:
        try:
            p = analysis_params(request.args)
        except api.QueryError:
            p = kept_params(request.args)
        return render_template(template, p=p, current=current, error=exc, data=None, view={}), 400
    if "redirect" in ctx:
        return current_app.redirect(ctx["redirect"])
    return render_template(template, current=current, error=None, **ctx)


def download(kind: str, fmt: api.ExportFormat, p: Params, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> Response:
    """A view's table as a CSV (Excel/WPS: UTF-8 with BOM) or JSON Lines attachment."""
    ascii_name, name = export_filename(p, fmt)
    ascii_name = ascii_name.replace("searcher-", f"searcher-{kind}-", 1)
    name = name.replace("searcher-", f"searcher-{kind}-", 1)
    resp = Response(api.table_chunks(columns, rows, fmt), content_type=api.EXPORT_MEDIA_TYPES[fmt])
    resp.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return resp


def download_links(endpoint: str, p: Params, extra: Iterable[tuple[str, Any]] = ()) -> list[dict[str, str]]:
    """The CSV and JSON Lines links of a view's table (``endpoint`` takes ``fmt``)."""
    query = urlencode(base_args(p) + [(k, str(v)) for k, v in extra if v is not None and v != ""])
    return [
        {"format": fmt, "label": label, "url": url_for(endpoint, fmt=fmt) + ("?" + query if query else "")}
        for fmt, label in EXPORT_LABELS.items()
    ]
