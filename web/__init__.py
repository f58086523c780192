"""The web UI: a small Flask app over ``searcher.api`` (search page, facets, document view, JSON twins).

    from web import create_app
    app = create_app({"INDEX_DIR": "index"})

Served in production by ``searcher serve`` (waitress). Templates and static files ship as
package data; nothing is loaded from a CDN.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from searcher import api


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    # static_folder=None: static files are served from a fixed in-memory table (see views.static),
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

    from . import views

    views.init_app(app)
    return app
