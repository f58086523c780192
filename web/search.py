"""The search page ``/`` and its JSON twin ``/api/search`` (exactly the CLI's ``--json`` shape)."""

from __future__ import annotations

import time
from typing import Any

from flask import Response, current_app, jsonify, render_template, request, url_for

from searcher import api
from searcher.model import Result

from .blueprint import bp
from .params import Params, parse_params
from .resources import get_engine, index_dir, index_stats
from .viewmodels import blank, page_context


def run_search(p: Params) -> tuple[Result, float]:
    """The result of a search and how long it took."""
    started = time.perf_counter()
    result = api.search(p.q, index_dir(), p.options(), engine=get_engine())
    return result, time.perf_counter() - started


@bp.route("/")
def search() -> Any:
    p = parse_params(request.args)
    if any(not v.strip() for _, v in request.args.items(multi=True)):
        # A submitted form sends empty fields; keep bookmarked URLs short and canonical.
        return current_app.redirect(p.url(page=p.page))
    if p.is_blank:
        ctx = blank()
        ctx["stats"] = index_stats()
        return render_template("search.html", p=p, autofocus=True, json_url=url_for("web.api_stats"), **ctx)
    result, seconds = run_search(p)
    return render_template(
        "search.html",
        p=p,
        data=result.to_dict(),
        seconds=seconds,
        json_url=p.url("web.api_search", page=p.page),
        **page_context(p, result),
    )


@bp.route("/api/search")
def api_search() -> Response:
    result, _ = run_search(parse_params(request.args))
    return jsonify(result.to_dict())
