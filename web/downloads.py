"""``/export.csv`` and ``/export.jsonl``: every passage a search finds (no limit), streamed; the
same parameters as the search page, errors as ``/api/search`` gives them."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, request

from searcher import api

from .blueprint import bp
from .params import parse_params
from .resources import index_dir
from .viewmodels import export_filename


@bp.route("/export.<any(csv, jsonl):fmt>")
def export_search(fmt: api.ExportFormat) -> Response:
    p = parse_params(request.args)
    # An engine of its own, closed when the download ends: the shared one may reopen (and close
    # the reader this stream still reads) when the index changes meanwhile.
    engine = api.open_index(index_dir())
    try:
        total, hits = api.iter_hits(p.q, index_dir(), p.options(), engine=engine)
    except BaseException:
        engine.close()
        raise
    ascii_name, name = export_filename(p, fmt)
    resp = Response(api.export_chunks(hits, fmt), content_type=api.EXPORT_MEDIA_TYPES[fmt])
    resp.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    resp.headers["X-Total-Count"] = str(total)
    resp.call_on_close(engine.close)
    return resp
