"""The web UI: a small Flask app over ``searcher.api`` (search page, facets, document view, JSON twins).

    from web import create_app
    app = create_app({"INDEX_DIR": "index"})

    resources.py   the open index per directory (reopened on a new generation), static files, headers
    params.py      URL parameters <-> Params (filters from searcher.fields)
    errors.py      one handler for no index / outdated index / bad query or parameter / HTTP errors
    search.py      / and /api/search
    documents.py   /doc/<id>, /api/doc/<id>, /api/stats, /healthz
    downloads.py   /export.csv, /export.jsonl
    viewmodels.py  facet panels, chips, toggle URLs, pagination, suggestions, the year chart, download links

Served in production by ``searcher serve`` (waitress). Templates and static files ship as
package data; nothing is loaded from a CDN.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from searcher import api


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    # static_folder=None: static files are served from a fixed in-memory table (resources.static),
    # so no path taken from a URL ever reaches the file system.
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(
        INDEX_DIR=os.environ.get("SEARCHER_INDEX_DIR", api.DEFAULT_INDEX_DIR),
        PAGE_SIZE=10,
        FACET_SHOWN=10,
    )
    if test_config:
        app.config.from_mapping(test_config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    from . import collocations, comparisons, concordance, documents, downloads, errors, inventory, maps, search, trends  # noqa: F401
    from .blueprint import bp
    from .resources import STATIC_DIR, IndexCache, StaticFiles, security_headers, static_url
    from .viewmodels import place_label

    app.extensions["searcher.index"] = IndexCache()
    app.extensions["searcher.static"] = StaticFiles(STATIC_DIR)
    app.register_blueprint(bp)
    app.after_request(security_headers)
    errors.register(app)
    app.jinja_env.globals.update(static_url=static_url)
    app.jinja_env.filters["num"] = lambda n: f"{n:,}"
    app.jinja_env.filters["place"] = place_label
    return app
