"""Routes. Each view builds one dict of data and renders it as HTML (a template) or as JSON.

    /                   search page (query, facets, year chart, pagination)   -> JSON twin /api/search
    /doc/<doc_id>       one article with paragraph anchors #p12                -> JSON twin /api/doc/<doc_id>
    /export.csv         every passage the search finds, as a download (also /export.jsonl); same parameters
    /healthz            liveness and index state (JSON)
    /static/<name>      the few static files, from a fixed in-memory table

Search, facets, highlighting and formatting all come from ``searcher.api``; this module only
turns request parameters into ``api.SearchOptions`` and results into pages.
"""

from __future__ import annotations

import hashlib
import math
import mimetypes
import re
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, Flask, Response, current_app, g, jsonify, render_template, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, NotFound

from searcher import api, export
from searcher.fields import DOCUMENT
from searcher.query import QueryError, options, parse_query

bp = Blueprint("web", __name__)

STATIC_DIR = Path(__file__).parent / "static"
MAX_PAGE = 10_000
DOC_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
FACET_LABELS = {"province": "省份", "city": "城市", "county": "区县", "year": "年份"}
EXAMPLES = [
    ("路长", "单个词：出现即命中"),
    ('"门前四包"', "引号：精确短语"),
    ("路长 OR 街长", "OR：任一词即可"),
    ("志愿服务 -疫情", "减号：排除含该词的段落"),
    ("垃圾分类 省份:河南", "省份/城市/区县：按地点"),
    ("文明城市 年份:2023", "年份：按年份"),
]


def init_app(app: Flask) -> None:
    app.extensions["searcher.index"] = IndexCache()
    app.extensions["searcher.static"] = StaticFiles(STATIC_DIR)
    app.register_blueprint(bp)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.jinja_env.globals.update(static_url=static_url)
    app.jinja_env.filters["num"] = lambda n: f"{n:,}"
    app.jinja_env.filters["place"] = place_label


# --- resources -------------------------------------------------------------------------


class IndexCache:
    """One open engine per index directory, reopened when its table of contents changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._engines: dict[str, tuple[tuple[Any, ...], Any, dict[str, Any] | None]] = {}

    @staticmethod
    def signature(index_dir: Path) -> tuple[Any, ...]:
        try:
            files = [p for p in index_dir.iterdir() if p.suffix == ".toc" or p.name == "searcher.json"]
            return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files))
        except OSError:
            return ()

    def engine(self, index_dir: str) -> Any:
        sig = self.signature(Path(index_dir))
        with self._lock:
            cached = self._engines.get(index_dir)
            if cached and cached[0] == sig:
                return cached[1]
            engine = api.open_index(index_dir)  # NoIndex / IndexMismatch propagate, nothing is cached
            self._engines[index_dir] = (sig, engine, None)
            return engine

    def stats(self, index_dir: str) -> dict[str, Any]:
        engine = self.engine(index_dir)
        with self._lock:
            sig, cached_engine, info = self._engines[index_dir]
        if info is None or cached_engine is not engine:
            info = api.stats(index_dir)
            with self._lock:
                self._engines[index_dir] = (sig, engine, info)
        return info


def get_engine() -> Any:
    if "engine" not in g:
        g.engine = current_app.extensions["searcher.index"].engine(current_app.config["INDEX_DIR"])
    return g.engine


def index_dir() -> str:
    return str(current_app.config["INDEX_DIR"])


class StaticFiles:
    """The files of web/static, read once; served by name from this table only."""

    def __init__(self, folder: Path) -> None:
        self.files: dict[str, tuple[bytes, str, str]] = {}
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                data = path.read_bytes()
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                if mime.startswith("text/") or mime in ("application/javascript", "image/svg+xml"):
                    mime += "; charset=utf-8"
                self.files[path.name] = (data, mime, hashlib.sha256(data).hexdigest()[:12])


def static_url(name: str) -> str:
    entry = current_app.extensions["searcher.static"].files[name]
    return url_for("web.static", name=name, v=entry[2])


@bp.route("/static/<name>")
def static(name: str) -> Response:
    entry = current_app.extensions["searcher.static"].files.get(name)
    if entry is None:
        raise NotFound()
    data, mime, etag = entry
    resp = Response(data, mimetype=mime)
    resp.set_etag(etag)
    resp.cache_control.public = True
    resp.cache_control.max_age = 31536000 if request.args.get("v") == etag else 300
    return resp.make_conditional(request)


def _security_headers(resp: Response) -> Response:
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "same-origin"
    resp.headers["X-Frame-Options"] = "DENY"
    return resp


# --- parameters --------------------------------------------------------------------------


class ParamError(QueryError):
    """A URL parameter that cannot be used; the message (English and Chinese) says how to fix it."""


@dataclass
class Params:
    """Everything a search page shows is in these URL parameters (GET), so it can be bookmarked."""

    q: str = ""
    cities: list[str] = field(default_factory=list)
    province: str | None = None
    county: str | None = None
    year: int | None = None
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "relevance"
    page: int = 1
    limit: int = 10
    collapse: bool = True

    @property
    def has_filters(self) -> bool:
        return bool(self.cities or self.province or self.county or self.year or self.date_from or self.date_to)

    @property
    def is_blank(self) -> bool:
        return not self.q.strip() and not self.has_filters

    def options(self) -> api.SearchOptions:
        return api.SearchOptions(
            city=list(self.cities), province=self.province, county=self.county, year=self.year,
            date_from=self.date_from, date_to=self.date_to, limit=self.limit,
            offset=(self.page - 1) * self.limit, sort=self.sort, collapse=self.collapse,
        )

    def args(self) -> list[tuple[str, str]]:
        """The canonical query string: defaults and empty values left out."""
        out: list[tuple[str, str]] = []
        if self.q:
            out.append(("q", self.q))
        if self.province:
            out.append(("province", self.province))
        out.extend(("city", c) for c in self.cities)
        if self.county:
            out.append(("county", self.county))
        if self.year:
            out.append(("year", str(self.year)))
        if self.date_from:
            out.append(("from", self.date_from))
        if self.date_to:
            out.append(("to", self.date_to))
        if self.sort != "relevance":
            out.append(("sort", self.sort))
        if not self.collapse:
            out.append(("collapse", "0"))
        if self.page != 1:
            out.append(("page", str(self.page)))
        if self.limit != current_app.config["PAGE_SIZE"]:
            out.append(("limit", str(self.limit)))
        return out

    def url(self, endpoint: str = "web.search", **changes: Any) -> str:
        """URL of this search with some parameters changed; any change but ``page`` restarts at page 1."""
        if changes and "page" not in changes:
            changes["page"] = 1
        p = replace(self, **changes) if changes else self
        query = urlencode(p.args())
        return url_for(endpoint) + ("?" + query if query else "")


def _one(args: Any, name: str) -> str | None:
    value = args.get(name, "").strip()
    return value or None


def _int(args: Any, name: str, low: int, high: int, default: int, example: str) -> int:
    raw = _one(args, name)
    if raw is None:
        return default
    if not re.fullmatch(r"\d{1,7}", raw) or not low <= int(raw) <= high:
        raise ParamError(f"{name} takes a whole number from {low} to {high}, for example {name}={example} (got {raw!r}).",
                         f"参数 {name} 要写 {low} 到 {high} 的整数，例如 {name}={example}（现在是 {raw!r}）。", field=name)
    return int(raw)


def parse_params(args: Any) -> Params:
    """Request arguments -> Params, or ParamError naming the fix. Values are validated, never used as paths."""
    year = _one(args, "year")
    if year is not None and not re.fullmatch(r"\d{4}", year):
        raise ParamError(f"year takes a four-digit year, for example year=2023 (got {year!r}).",
                         f"年份要写四位数，例如 year=2023（现在是 {year!r}）。", field="year")
    sort = _one(args, "sort") or "relevance"
    if sort not in api.SORTS:
        raise ParamError(f"sort must be one of {', '.join(api.SORTS)} (got {sort!r}).",
                         f"排序方式只能是 relevance（相关度）或 date（日期）（现在是 {sort!r}）。", field="sort")
    cities = list(dict.fromkeys(c.strip() for c in args.getlist("city") if c.strip()))
    collapse = _one(args, "collapse") or "1"
    if collapse not in ("0", "1"):
        raise ParamError(f"collapse takes 0 (show every copy) or 1 (default) (got {collapse!r}).",
                         f"collapse 只能是 0（显示全部重复段落）或 1（默认，合并）（现在是 {collapse!r}）。", field="collapse")
    return Params(
        collapse=collapse == "1",
        q=args.get("q", "").strip(),
        cities=cities,
        province=_one(args, "province"),
        county=_one(args, "county"),
        year=int(year) if year else None,
        date_from=_one(args, "from"),
        date_to=_one(args, "to"),
        sort=sort,
        page=_int(args, "page", 1, MAX_PAGE, 1, "2"),
        limit=_int(args, "limit", 0, api.MAX_LIMIT, current_app.config["PAGE_SIZE"], "20"),
    )


# --- errors --------------------------------------------------------------------------------


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def json_error(message: str, status: int) -> Response:
    resp = jsonify({"error": message, "status": status})
    resp.status_code = status
    return resp


def query_error(exc: QueryError) -> Response:
    """A query or parameter that cannot be used, as JSON: the message in English and Chinese, and what to change."""
    resp = jsonify({"error": str(exc), "error_zh": exc.zh, "field": exc.field, "status": 400})
    resp.status_code = 400
    return resp


def _http_error(exc: HTTPException) -> Response | tuple[str, int]:
    status = exc.code or 500
    if _wants_json():
        return json_error(exc.description or exc.name, status)
    titles = {404: "页面不存在", 405: "不支持的请求方法", 500: "服务器内部错误"}
    return render_template("error.html", status=status, title=titles.get(status, exc.name), message=None), status


def _index_problem(exc: Exception) -> tuple[str, int]:
    if isinstance(exc, api.NoIndex):
        return f"No index in {index_dir()}/ yet. Build one: searcher serve PATH... (or searcher index PATH...)", 503
    return f"The index in {index_dir()}/ is out of date ({exc}). Rebuild it: searcher index --rebuild PATH...", 503


def _no_index_page(exc: Exception) -> tuple[str, int]:
    _, status = _index_problem(exc)
    return render_template(
        "noindex.html", status=status, missing=isinstance(exc, api.NoIndex), index_dir=index_dir(), detail=str(exc)
    ), status


# --- search ----------------------------------------------------------------------------------


def run_search(p: Params) -> tuple[dict[str, Any], float]:
    """The JSON data of a search (exactly the CLI's --json shape) and how long it took.

    The HTML page also needs how many results there are to page through once copies are
    collapsed; it rides along under a key that starts with "_" and is never sent as JSON.
    """
    started = time.perf_counter()
    result = api.search(p.q, index_dir(), p.options(), engine=get_engine())
    data = result.to_dict()
    data["_pages_total"] = result.collapsed_total if result.collapsed_total is not None else result.total
    data["_notes"] = result.notes  # Notice(en, zh): the page shows them in Chinese
    return data, time.perf_counter() - started


def count_for(p: Params) -> int | None:
    """How many passages a variant of the search would find (None if that variant is not a valid query)."""
    try:
        return api.search(p.q, index_dir(), replace(p, page=1, limit=0).options(), engine=get_engine()).total
    except QueryError:
        return None


@bp.route("/")
def search() -> Any:
    try:
        p = parse_params(request.args)
    except ParamError as exc:
        kept = Params(q=request.args.get("q", ""), date_from=_one(request.args, "from"), date_to=_one(request.args, "to"))
        return render_template("search.html", p=kept, error=exc, **_blank()), 400
    if any(not v.strip() for _, v in request.args.items(multi=True)):
        # A submitted form sends empty fields; keep bookmarked URLs short and canonical.
        return current_app.redirect(p.url(page=p.page))
    json_url = p.url("web.api_search", page=p.page)
    if p.is_blank:
        ctx = _blank()
        try:
            ctx["stats"] = current_app.extensions["searcher.index"].stats(index_dir())
        except (api.NoIndex, api.IndexMismatch) as exc:
            return _no_index_page(exc)
        return render_template("search.html", p=p, autofocus=True, json_url=url_for("web.api_stats"), **ctx)
    try:
        data, seconds = run_search(p)
    except QueryError as exc:
        return render_template("search.html", p=p, error=exc, json_url=json_url, **_blank()), 400
    except (api.NoIndex, api.IndexMismatch) as exc:
        return _no_index_page(exc)
    return render_template("search.html", p=p, data=data, seconds=seconds, json_url=json_url, **page_context(p, data))


@bp.route("/api/search")
def api_search() -> Response:
    try:
        p = parse_params(request.args)
        data, _ = run_search(p)
    except QueryError as exc:
        return query_error(exc)
    except (api.NoIndex, api.IndexMismatch) as exc:
        return json_error(*_index_problem(exc))
    data.pop("_pages_total", None)
    data.pop("_notes", None)
    return jsonify(data)


# --- export ------------------------------------------------------------------------------------

EXPORT_LABELS = {"csv": "CSV（Excel/WPS）", "jsonl": "JSONL"}


def export_links(p: Params) -> list[dict[str, str]]:
    """Download links for every passage of this search (paging left out: an export has no pages)."""
    query = urlencode(replace(p, page=1, limit=current_app.config["PAGE_SIZE"]).args())
    return [{"format": fmt, "label": EXPORT_LABELS[fmt], "url": url_for("web.export_search", fmt=fmt) + "?" + query}
            for fmt in export.FORMATS]


def export_filename(p: Params, fmt: str) -> tuple[str, str]:
    """(ASCII fallback, UTF-8 name) of the download: searcher-路长-延吉-2023.csv / searcher-export.csv."""
    parts = [p.q, p.province or "", *p.cities, p.county or "", str(p.year or ""), p.date_from or "", p.date_to or ""]
    words = ["".join(ch if ch.isalnum() or ch in "-." else "_" for ch in part).strip("_.") for part in parts]
    stem = re.sub(r"_+", "_", "-".join(w for w in words if w))[:80] or "export"
    name = f"searcher-{stem}.{fmt}"
    return (name if name.isascii() else f"searcher-export.{fmt}"), name


@bp.route("/export.<any(csv, jsonl):fmt>")
def export_search(fmt: str) -> Response:
    """Every passage the search finds (no limit), streamed as CSV or JSON Lines; errors as /api/search gives them."""
    try:
        p = parse_params(request.args)
        # An engine of its own, closed when the download ends: the shared one may reopen (and
        # close the reader this stream still reads) when the index changes meanwhile.
        engine = api.open_index(index_dir())
    except ParamError as exc:
        return query_error(exc)
    except (api.NoIndex, api.IndexMismatch) as exc:
        return json_error(*_index_problem(exc))
    close = getattr(engine, "close", lambda: None)
    try:
        total, hits = api.iter_hits(p.q, index_dir(), p.options(), engine=engine)
    except QueryError as exc:
        close()
        return query_error(exc)
    except (api.NoIndex, api.IndexMismatch) as exc:
        close()
        return json_error(*_index_problem(exc))
    ascii_name, name = export_filename(p, fmt)
    resp = Response(export.chunks(hits, fmt), content_type=export.MEDIA_TYPES[fmt])
    resp.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    resp.headers["X-Total-Count"] = str(total)
    resp.call_on_close(close)
    return resp


def _blank() -> dict[str, Any]:
    examples = [{"query": q, "note": note, "url": url_for("web.search", q=q)} for q, note in EXAMPLES]
    return {"examples": examples, "data": None, "facets": [], "chips": [], "stats": None}


def page_context(p: Params, data: dict[str, Any]) -> dict[str, Any]:
    """Everything the search template shows besides the data itself: facets, chips, chart, pages."""
    facets = facet_views(data["facets"], p, data.get("facet_distinct", {}))
    pages = math.ceil(data["_pages_total"] / p.limit) if p.limit else 1
    return {
        "facets": facets,
        "year_chart": year_chart(data["facets"].get("year", []), p, data["total"]),
        "chips": chips(p),
        "pagination": pagination(p, pages),
        "first": (p.page - 1) * p.limit + 1,
        "last": (p.page - 1) * p.limit + len(data["hits"]),
        "sorts": [
            {"label": "按相关度", "url": p.url(sort="relevance"), "current": p.sort == "relevance"},
            {"label": "按日期", "url": p.url(sort="date"), "current": p.sort == "date"},
        ],
        "suggestions": suggestions(p) if data["total"] == 0 else [],
        "did_you_mean": [{**s, "url": p.url(q=s["query"])} for s in data.get("suggestions", [])],
        "beyond_last_page": data["total"] > 0 and not data["hits"],
        "exports": export_links(p) if data["total"] else [],
        "collapse_toggle": {
            "url": p.url(collapse=not p.collapse),
            "label": "显示全部重复段落" if p.collapse else "合并重复段落",
            "copies": data["total"] - data["_pages_total"],
        },
    }


def _selected(name: str, value: str, p: Params) -> bool:
    if name == "province":
        return p.province == value
    if name == "city":
        return value in p.cities
    if name == "county":
        return p.county == value
    return str(p.year) == value


def toggle_url(name: str, value: str, p: Params) -> str:
    """The one place that says what clicking a facet value (or removing a chip) does."""
    on = _selected(name, value, p)
    if name == "province":
        return p.url(province=None if on else value)
    if name == "city":
        return p.url(cities=[c for c in p.cities if c != value] if on else [*p.cities, value])
    if name == "county":
        return p.url(county=None if on else value)
    return p.url(year=None if on else int(value))


def facet_views(facets: dict[str, list[dict[str, Any]]], p: Params, distinct: dict[str, int]) -> list[dict[str, Any]]:
    """Facet data as the template shows it: ``{value, count, selected, url}`` per value.

    Places drill down: cities appear once a province is chosen (or all matches are in one),
    counties once a city is.
    """
    shown_max = current_app.config["FACET_SHOWN"]
    values = {
        name: [{**v, "value": str(v["value"]), "selected": _selected(name, str(v["value"]), p),
                "url": toggle_url(name, str(v["value"]), p)} for v in facets.get(name, [])]
        for name in FACET_LABELS
    }
    show = {
        "province": True,
        "city": bool(p.province or p.cities or p.county or len(values["province"]) == 1),
        "county": bool(p.cities or p.county or len(values["city"]) == 1),
        "year": True,
    }
    out = []
    for name, label in FACET_LABELS.items():
        vals = values[name]
        if not show[name] or not vals:
            continue
        top = max(v["count"] for v in vals)
        for v in vals:
            v["bar"] = round(100 * v["count"] / top, 1) if top else 0
        visible = vals[:shown_max] + [v for v in vals[shown_max:] if v["selected"]]
        more = [v for v in vals[shown_max:] if not v["selected"]]
        unlisted = max(0, distinct.get(name, len(vals)) - len(vals))
        out.append({"name": name, "label": label, "values": visible, "more": more, "unlisted": unlisted})
    return out


CHART_WIDTH = 240  # SVG units; about the sidebar's width in CSS pixels, so 11-unit text stays readable


def year_chart(years: list[dict[str, Any]], p: Params, total: int) -> dict[str, Any] | None:
    """Bars for matches per year, oldest first, gaps as empty slots; geometry for an inline SVG.

    The chart is always CHART_WIDTH wide: slots narrow as years are added, labels thin out
    (every year keeps its count in the bar's title and its link).
    """
    counts = {int(v["value"]): v["count"] for v in years}
    if not counts:
        return None
    low, high = min(counts), max(counts)
    span = list(range(low, high + 1)) if high - low < 40 else sorted(counts)
    slot = min(CHART_WIDTH / len(span), 48)
    left = (CHART_WIDTH - slot * len(span)) / 2
    bar_w = slot * 0.72
    top_pad, plot_h, label_h = 16, 80, 18
    year_step = math.ceil(34 / slot)  # a four-digit year label needs about 34 units
    peak = max(counts.values())
    bars = []
    for i, year in enumerate(span):
        n = counts.get(year, 0)
        h = max(round(plot_h * n / peak, 1), 2) if n else 0
        cx = round(left + i * slot + slot / 2, 1)
        bars.append({
            "year": year, "count": n, "x": round(cx - bar_w / 2, 1), "w": round(bar_w, 1), "h": h,
            "y": top_pad + plot_h - h, "cx": cx, "slot": round(slot, 1), "slot_x": round(cx - slot / 2, 1),
            "label": (len(span) - 1 - i) % year_step == 0, "show_count": slot >= 7 * len(str(n)) + 4,
            "selected": p.year == year, "url": toggle_url("year", str(year), p) if n else None,
        })
    return {"bars": bars, "width": CHART_WIDTH, "height": top_pad + plot_h + label_h, "base": top_pad + plot_h,
            "label_y": top_pad + plot_h + 13, "undated": total - sum(counts.values())}


def chips(p: Params) -> list[dict[str, Any]]:
    """The active filters, each with the URL that removes it (and, for suggestions, the search without it)."""
    variants: list[tuple[str, Params]] = []
    if p.province:
        variants.append((f"省份：{p.province}", replace(p, province=None)))
    for c in p.cities:
        variants.append((f"城市：{c}", replace(p, cities=[x for x in p.cities if x != c])))
    if p.county:
        variants.append((f"区县：{p.county}", replace(p, county=None)))
    if p.year:
        variants.append((f"年份：{p.year}", replace(p, year=None)))
    if p.date_from:
        variants.append((f"起：{p.date_from}", replace(p, date_from=None)))
    if p.date_to:
        variants.append((f"止：{p.date_to}", replace(p, date_to=None)))
    return [{"label": label, "url": v.url(page=1), "without": v} for label, v in variants]


def pagination(p: Params, pages: int) -> dict[str, Any] | None:
    if pages <= 1 and p.page == 1:
        return None
    window = sorted({1, pages, *range(max(1, p.page - 2), min(pages, p.page + 2) + 1)} - {0})
    items: list[dict[str, Any]] = []
    for n in window:
        if items and n - items[-1]["page"] > 1:
            items.append({"page": n - 1, "gap": True})
        items.append({"page": n, "url": p.url(page=n), "current": n == p.page, "gap": False})
    return {
        "prev": p.url(page=p.page - 1) if p.page > 1 else None,
        "next": p.url(page=p.page + 1) if p.page < pages else None,
        "items": items, "pages": pages, "page": p.page,
    }


def suggestions(p: Params) -> list[dict[str, Any]]:
    """For a search without results: variants that would find something, with their counts."""
    out: list[dict[str, Any]] = []
    if p.has_filters:
        variants = [(f"去掉「{c['label']}」", c["without"]) for c in chips(p)]
        if len(variants) > 1 and p.q:
            variants.append(("去掉全部筛选条件", replace(p, cities=[], province=None, county=None, year=None,
                                                       date_from=None, date_to=None)))
        for label, variant in variants[:7]:
            if not variant.is_blank and (n := count_for(variant)):
                out.append({"label": label, "count": n, "url": variant.url(page=1)})
    elif p.q:
        try:
            parsed = parse_query(p.q)
        except QueryError:
            return out
        if len(parsed.must) > 1 or parsed.must_not:
            for clause in parsed.must[:5]:
                option = options(clause)[0]
                text = f'"{option.text}"' if option.quoted else option.text
                if n := count_for(replace(p, q=text)):
                    out.append({"label": f"只搜「{text}」", "count": n, "url": p.url(q=text)})
    return out


def place_label(item: dict[str, Any] | Any) -> str:
    get = item.get if isinstance(item, dict) else lambda k: getattr(item, k, None)
    parts = [get("province"), get("city"), get("county")]
    return " › ".join(dict.fromkeys(x for x in parts if x))


# --- documents -------------------------------------------------------------------------------

PASSAGE_KEYS = DOCUMENT  # searcher.fields: what a document page shows of each passage


def document_data(doc_id: str) -> dict[str, Any] | None:
    """The article as JSON-ready data; only stored fields a reader needs (no server paths)."""
    if not DOC_ID_RE.fullmatch(doc_id):
        return None
    view = api.document(doc_id, index_dir(), engine=get_engine())
    if view is None:
        return None
    return {
        "doc_id": view.doc_id, "title": view.title, "source": view.source, "file": Path(view.source).name,
        "province": view.province, "city": view.city, "county": view.county, "date": view.date,
        "passages": [{k: row.get(k) for k in PASSAGE_KEYS} for row in view.passages],
        "also_in": [Path(source).name for source in view.also_in],
    }


@bp.route("/doc/<path:doc_id>")
def document(doc_id: str) -> Any:
    try:
        data = document_data(doc_id)
    except (api.NoIndex, api.IndexMismatch) as exc:
        return _no_index_page(exc)
    if data is None:
        return render_template("error.html", status=404, title="找不到这篇文章",
                               message="链接中的文章编号不存在，可能索引已重建。请重新搜索。"), 404
    q = request.args.get("q", "").strip()
    for row in data["passages"]:
        row["html"] = Markup(api.highlight_html(row["text"], q))
    back = url_for("web.search", q=q) if q else None
    return render_template("doc.html", doc=data, q=q, back_url=back, p=Params(q=q),
                           json_url=url_for("web.api_document", doc_id=data["doc_id"]))


@bp.route("/api/doc/<path:doc_id>")
def api_document(doc_id: str) -> Response:
    try:
        data = document_data(doc_id)
    except (api.NoIndex, api.IndexMismatch) as exc:
        return json_error(*_index_problem(exc))
    if data is None:
        return json_error(f"No document with id {doc_id!r} in the index.", 404)
    return jsonify(data)


@bp.route("/api/stats")
def api_stats() -> Response:
    """What the index holds (the home page's JSON twin): counts, years, folders, analyzer."""
    try:
        info = current_app.extensions["searcher.index"].stats(index_dir())
    except (api.NoIndex, api.IndexMismatch) as exc:
        return json_error(*_index_problem(exc))
    return jsonify(info)


@bp.route("/healthz")
def healthz() -> Response:
    try:
        get_engine()
    except (api.NoIndex, api.IndexMismatch) as exc:
        message, status = _index_problem(exc)
        resp = jsonify({"status": "unavailable", "index": "missing" if isinstance(exc, api.NoIndex) else "outdated",
                        "error": message})
        resp.status_code = status
        return resp
    return jsonify({"status": "ok", "index": "ok"})
