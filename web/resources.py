"""Resources of the app: the open index (one engine per index directory, on ``flask.g`` per
request), the static files (a fixed in-memory table), security headers."""

from __future__ import annotations

import hashlib
import mimetypes
import threading
from collections.abc import Hashable
from pathlib import Path
from typing import Any

from flask import Response, current_app, g, request, url_for
from werkzeug.exceptions import NotFound

from searcher import api

from .blueprint import bp

STATIC_DIR = Path(__file__).parent / "static"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


class IndexCache:
    """One open engine per index directory, reopened when the index's generation changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._engines: dict[str, tuple[Hashable, Any, dict[str, Any] | None]] = {}

    def engine(self, index_dir: str) -> Any:
        generation = api.index_generation(index_dir)
        with self._lock:
            cached = self._engines.get(index_dir)
            if cached and cached[0] == generation:
                return cached[1]
            engine = api.open_index(index_dir)  # NoIndex / IndexMismatch propagate, nothing is cached
            self._engines[index_dir] = (generation, engine, None)
            return engine

    def stats(self, index_dir: str) -> dict[str, Any]:
        engine = self.engine(index_dir)
        with self._lock:
            generation, cached_engine, info = self._engines[index_dir]
        if info is None or cached_engine is not engine:
            info = api.stats(index_dir, relative_sources=True)
            with self._lock:
                self._engines[index_dir] = (generation, engine, info)
        return info


def get_engine() -> Any:
    if "engine" not in g:
        g.engine = current_app.extensions["searcher.index"].engine(current_app.config["INDEX_DIR"])
    return g.engine


def index_dir() -> str:
    return str(current_app.config["INDEX_DIR"])


def index_stats() -> dict[str, Any]:
    stats: dict[str, Any] = current_app.extensions["searcher.index"].stats(index_dir())
    return stats


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
    resp = Response(data, content_type=mime)  # mime carries its charset; mimetype= would add another
    resp.set_etag(etag)
    resp.cache_control.public = True
    resp.cache_control.max_age = 31536000 if request.args.get("v") == etag else 300
    return resp.make_conditional(request)  # type: ignore[return-value]


def security_headers(resp: Response) -> Response:
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "same-origin"
    resp.headers["X-Frame-Options"] = "DENY"
    return resp
