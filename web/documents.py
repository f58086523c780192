"""One article ``/doc/<id>`` (paragraph anchors #p12) and its JSON twin; what the index holds
(``/api/stats``); liveness (``/healthz``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Response, jsonify, render_template, request, url_for
from markupsafe import Markup

from searcher import api
from searcher.fields import DOCUMENT

from .blueprint import bp
from .errors import index_problem, json_error
from .params import Params
from .resources import get_engine, index_dir, index_stats

DOC_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def document_data(doc_id: str, q: str = "") -> dict[str, Any] | None:
    """The article as JSON-ready data; only the fields a reader needs (no server paths): its
    citation, its compilation's contents with the previous and next article, and with ``q`` the
    paragraphs that match (QueryError for a malformed one)."""
    if not DOC_ID_RE.fullmatch(doc_id):
        return None
    root = request.url_root.rstrip("/")
    view = api.document(doc_id, index_dir(), engine=get_engine(), relative_sources=True, query=q, base_url=root)
    if view is None:
        return None

    def entry(a: api.ArticleRef | None) -> dict[str, Any] | None:
        if a is None:
            return None
        return {"doc_id": a.doc_id, "title": a.title, "url": url_for("web.document", doc_id=a.doc_id, q=q or None)}

    return {
        "doc_id": view.doc_id,
        "title": view.title,
        "source": view.source,
        "file": Path(view.source).name,
        "province": view.province,
        "city": view.city,
        "county": view.county,
        "date": view.date,
        "compilation": view.compilation,
        "collection": view.collection,
        "citation": view.citation,
        "url": view.url,
        "passages": [
            {**{k: row[k] for k in DOCUMENT}, "url": api.passage_url(root, view.doc_id, row.paragraph)} for row in view.passages
        ],
        "also_in": [Path(source).name for source in view.also_in],
        "contents": [{**(entry(a) or {}), "current": a.doc_id == view.doc_id} for a in view.contents],
        "position": view.position + 1,
        "previous": entry(view.previous),
        "next": entry(view.next),
        "query": view.query,
        "matches": view.matches,
    }


@bp.route("/doc/<path:doc_id>")
def document(doc_id: str) -> Any:
    q = request.args.get("q", "").strip()
    q_problem: api.QueryError | None = None
    try:
        data = document_data(doc_id, q)
    except api.QueryError as exc:
        data, q_problem = document_data(doc_id), exc
    if data is None:
        return render_template(
            "error.html", status=404, title="找不到这篇文章", message="链接中的文章编号不存在，可能索引已重建。请重新搜索。"
        ), 404
    matches = data["matches"] or []
    for row in data["passages"]:
        row["html"] = Markup(api.highlight_html(row["text"], q))
        if row["paragraph"] in matches:
            # Each match links the one before and after it: navigation that needs no script.
            k = matches.index(row["paragraph"])
            row["match"] = {
                "n": k + 1,
                "previous": matches[k - 1] if k > 0 else None,
                "next": matches[k + 1] if k + 1 < len(matches) else None,
            }
    back = url_for("web.search", q=q) if q else None
    return render_template(
        "doc.html",
        doc=data,
        q=q,
        q_problem=q_problem,
        back_url=back,
        p=Params(q=q),
        json_url=url_for("web.api_document", doc_id=data["doc_id"], q=q or None),
    )


@bp.route("/api/doc/<path:doc_id>")
def api_document(doc_id: str) -> Response:
    try:
        data = document_data(doc_id, request.args.get("q", "").strip())
    except api.QueryError as exc:
        return json_error(str(exc), 400)
    if data is None:
        return json_error(f"No document with id {doc_id!r} in the index.", 404)
    return jsonify(data)


@bp.route("/api/stats")
def api_stats() -> Response:
    """What the index holds (the home page's JSON twin): counts, years, folders, analyzer."""
    return jsonify(index_stats())


@bp.route("/healthz")
def healthz() -> Response:
    try:
        get_engine()
    except (api.NoIndex, api.IndexMismatch) as exc:
        message, status = index_problem(exc)
        resp = jsonify(
            {"status": "unavailable", "index": "missing" if isinstance(exc, api.NoIndex) else "outdated", "error": message}
        )
        resp.status_code = status
        return resp
    return jsonify({"status": "ok", "index": "ok"})
