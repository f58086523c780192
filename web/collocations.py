"""``/collocates`` (搭配词: words near the query's occurrences more often than chance), its JSON
twin ``/api/collocates`` (the search page's 搭配词 panel fetches it with ``limit=10``) and the
downloads ``/collocates.csv`` / ``.jsonl``.

Parameters besides q and the filters: ``window`` (words each side, 1-30), ``by``
(log_likelihood or mi), ``min_count`` (hide rarer words), ``stop=1`` (show function words) and
``limit`` (words listed, 1-500).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from flask import Response, jsonify, request, url_for

from searcher import api
from searcher.model import COLLOCATE_COLUMNS, Collocates

from .blueprint import bp
from .params import Params
from .resources import get_engine, index_dir
from .tools import (
    analysis_params,
    choice,
    download,
    download_links,
    error_json,
    filter_args,
    filter_chips,
    has_empty_values,
    number,
    options,
    page_url,
    render_view,
)

MEASURES = {"log_likelihood": "对数似然比 LL", "mi": "互信息 MI"}
WINDOWS = (3, 5, 10, 15, 20, 30)
DEFAULT_WINDOW, MAX_WINDOW = 10, api.MAX_WINDOW
DEFAULT_MIN, DEFAULT_LIMIT, MAX_LIST = 3, 50, 500


@dataclass(frozen=True)
class CollocateArgs:
    window: int = DEFAULT_WINDOW
    by: str = "log_likelihood"
    min_count: int = DEFAULT_MIN
    stop: bool = False
    limit: int = DEFAULT_LIMIT

    def extra(self) -> list[tuple[str, Any]]:
        return [
            ("window", None if self.window == DEFAULT_WINDOW else self.window),
            ("by", None if self.by == "log_likelihood" else self.by),
            ("min_count", None if self.min_count == DEFAULT_MIN else self.min_count),
            ("stop", "1" if self.stop else None),
            ("limit", None if self.limit == DEFAULT_LIMIT else self.limit),
        ]


def parse_collocates(args: Any) -> tuple[Params, CollocateArgs]:
    p = analysis_params(args)
    return p, CollocateArgs(
        window=number(args, "window", 1, MAX_WINDOW, DEFAULT_WINDOW, "5"),
        by=choice(args, "by", MEASURES, "log_likelihood"),
        min_count=number(args, "min_count", 1, 100_000, DEFAULT_MIN, "5"),
        stop=choice(args, "stop", {"0": "不显示虚词", "1": "显示虚词"}, "0") == "1",
        limit=number(args, "limit", 1, MAX_LIST, DEFAULT_LIMIT, "100"),
    )


def run_collocates(p: Params, c: CollocateArgs) -> Collocates:
    return api.collocates(
        p.q,
        index_dir(),
        options(p),
        engine=get_engine(),
        window=c.window,
        by=c.by,
        min_count=c.min_count,
        limit=c.limit,
        show_stop=c.stop,
    )


def collocates_url(p: Params, c: CollocateArgs, endpoint: str = "web.collocates", **values: Any) -> str:
    return page_url(endpoint, p, c.extra(), **values)


def word_links(p: Params, word: str) -> dict[str, str]:
    """Where a collocate leads: the passages holding both words, and their concordance."""
    both = replace(p, q=f"{p.q} {word}")
    return {"search": page_url("web.search", both), "kwic": page_url("web.kwic", both)}


def form_model(p: Params, c: CollocateArgs) -> dict[str, Any]:
    return {
        "windows": [{"value": w, "current": w == c.window} for w in sorted({*WINDOWS, c.window})],
        "measures": [{"value": m, "label": label, "current": m == c.by} for m, label in MEASURES.items()],
        "hidden": [(name, value) for name, value in c.extra() if value is not None],
        "chips": filter_chips("web.collocates", p, c.extra()),
        "min_count": c.min_count,
        "stop": c.stop,
        "limit": c.limit,
        "by": c.by,
        "stop_toggle": {
            "url": collocates_url(p, replace(c, stop=not c.stop)),
            "label": "隐藏虚词" if c.stop else "显示虚词",
        },
    }


@bp.route("/collocates")
def collocates() -> Any:
    def build() -> dict[str, Any]:
        p, c = parse_collocates(request.args)
        if has_empty_values(request.args):
            return {"redirect": collocates_url(p, c)}
        base = {"p": p, "json_url": collocates_url(p, c, "web.api_collocates")}
        if not p.q.strip():
            return {**base, "data": None, "view": form_model(p, c)}
        found = run_collocates(p, c)
        view = form_model(p, c)
        view["words"] = [{"c": col, **word_links(p, col.word)} for col in found.collocates]
        view["downloads"] = download_links("web.collocates_download", p, c.extra()) if found.collocates else []
        view["kwic_url"] = page_url("web.kwic", p)
        return {**base, "data": found, "view": view}

    return render_view("collocates.html", "collocates", build)


@bp.route("/api/collocates")
def api_collocates() -> Response:
    p, c = parse_collocates(request.args)
    return jsonify(run_collocates(p, c).to_dict())


@bp.route("/collocates.<any(csv, jsonl):fmt>")
def collocates_download(fmt: api.ExportFormat) -> Response:
    try:
        p, c = parse_collocates(request.args)
        found = run_collocates(p, c)
    except api.QueryError as exc:
        return error_json(exc)
    return download("collocates", fmt, p, COLLOCATE_COLUMNS, (col.to_dict() for col in found.collocates))


@bp.app_template_global()
def collocates_panel(p: Params) -> dict[str, str]:
    """The search page's 搭配词 panel: the JSON app.js fetches after the page loads (the search
    itself never waits for collocates), the full page for readers without script, and what the
    script needs to link each word (the search page, the filters as a query string)."""
    return {
        "src": page_url("web.api_collocates", p, [("limit", 10)]),
        "page": page_url("web.collocates", p),
        "search": url_for("web.search"),
        "filters": urlencode(filter_args(p)),
    }
